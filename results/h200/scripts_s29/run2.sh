#!/usr/bin/env bash
# Session 29 call 2: 22f15f5 (in dQ-first order the fused pass's states step starts early beside the dQ
# pass, each block waiting for it at its end; halves' slots zeroed by the caller ahead of the dQ pass):
# la2's GPU tests (the two orders' bit-identity now with halves), la2's verify, the four sanitizers on a
# dQ-first backward whose states step starts early (whole segments and halves, d = 128 bf16 and d = 64
# f16); then forward+backward against f8e424b (`lasuite_base`, from .dev/s29/base) at 32k / 64k / 128k
# (dq_first under auto), d64 n64k, and 16k under backward_order=dq_first, alternated twice.
CALL=call2 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
rm -rf /tmp/bld_base; base_build $ROOT/.dev/s29/base & BASE_PID=$!
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
DQF="--impl-option backward_order=dq_first --impl-option segments=4"
for tool in memcheck racecheck synccheck initcheck; do
  sanitizer_run $tool dq_first_d128 $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 $DQF
  sanitizer_run $tool dq_first_d128_halves $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 $DQF --impl-option states_halves=on
  sanitizer_run $tool dq_first_d64_f16_halves $B/lasuite $V --state --dtype f16 --long 700 --dim 64 $DQF --impl-option states_halves=on
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -12
wait $BASE_PID; el "base build"; ls -la $B/lasuite_base | cut -c1-80
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwdbwd"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 60 $bin $BN --seqlen 32k,64k,128k --heads 32 --dim 128 --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  timeout 30 $bin $BN --seqlen 64k --heads 32 --dim 64 --json $R/d64_${x}_r$round.json > $R/d64_${x}_r$round.log 2>&1
  timeout 30 $bin $BN --seqlen 16k --heads 32 --dim 128 --impl-option backward_order=dq_first --json $R/d128_16k_dqf_${x}_r$round.json > $R/d128_16k_dqf_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log $R/d64_${x}_r$round.log $R/d128_16k_dqf_${x}_r$round.log | cut -c1-110
done; done; el "A/B done"
