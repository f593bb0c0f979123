#!/usr/bin/env bash
# Session 28 call 7: the dQ pass's output kernel started early beside the fused pass's states step (where
# backward_order takes states_first; host code) against 9feb199 (.dev/s28/base2: states_first with the dQ
# pass after the states step has ended). la2's GPU tests and CudaCheck; la2's verify (bf16 with the long
# cases, f16 and f32); b1 h32 d128 bf16 forward+backward 4k, 8k, 16k, both binaries alternated twice;
# memcheck and racecheck at small cases.
CALL=call7 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s28/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
rm -rf /tmp/bld_base; (base_build .dev/s28/base2) & BASE_PID=$!
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 new $B/lasuite
wait $BASE_PID; el "base build"
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwdbwd --seqlen 4k,8k,16k"
for round in 1 2; do for x in new base; do
  bin=$B/lasuite; [[ $x == base ]] && bin=$B/lasuite_base
  timeout 40 $bin $BN --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log | cut -c20-100
done; done; el "A/B done"
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck; do
  (( $(date +%s) - T0 < 560 )) || break
  sanitizer_run $tool dq_early_d128 $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -2
