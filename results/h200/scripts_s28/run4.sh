#!/usr/bin/env bash
# Session 28 call 4: backward_order=auto as the default (states_first where the fused pass's segments walk at
# most 64 chunks). la2's GPU tests and CudaCheck; la2's verify by default (bf16 with the long cases, f16 and
# f32); b1 h32 d128 bf16 forward+backward 4k, 8k, 16k, 32k, 64k, the default against dq_first, alternated
# twice; b8 n8k and d64 n64k forward+backward once each; synccheck and initcheck on states_first at small cases
# (memcheck and racecheck ran in call 3).
CALL=call4 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s28/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
BN="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --heads 32 --dim 128 --mode fwdbwd --seqlen 4k,8k,16k,32k,64k"
for round in 1 2; do for x in auto dq_first; do
  timeout 60 $B/lasuite $BN --impl-option backward_order=$x --json $R/d128_${x}_r$round.json > $R/d128_${x}_r$round.log 2>&1
  echo "== $x round $round"; grep -hE "^\| la2" $R/d128_${x}_r$round.log | cut -c20-100
done; done; el "A/B done"
BR="bench --impl la2 --dtype bf16 --decay alibi --no-ceilings --mode fwd,fwdbwd"
timeout 30 $B/lasuite $BR --seqlen 8k --batch 8 --heads 32 --dim 128 --json $R/rec_b8.json > $R/rec_b8.log 2>&1
timeout 30 $B/lasuite $BR --seqlen 64k --heads 32 --dim 64 --json $R/rec_d64.json > $R/rec_d64.log 2>&1
grep -hE "^\| la2" $R/rec_b8.log $R/rec_d64.log | cut -c1-130; el "b8, d64"
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in synccheck initcheck; do
  (( $(date +%s) - T0 < 540 )) || break
  sanitizer_run $tool states_first_d128 $B/lasuite $V --state --dtype bf16 --long 1000 --dim 128 --impl-option segments=3 --impl-option backward_order=states_first
  sanitizer_run $tool states_first_d64_scan_kernel $B/lasuite $V --state --dtype f16 --long 1500 --dim 64 --impl-option segments=8 --impl-option scan=kernel --impl-option backward_order=states_first
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -4
