#!/usr/bin/env bash
# Session 34, not run: the call after run1.sh, if it kept the patch. la2's GPU tests (all of them), verify of
# la2 (check_la2: bf16 with the long cases, f16 and f32) and the four sanitizers on small cases of the
# backward in windows of e: 128 x 256 and 96 x 200 with states, the default plan (the fused pass's states
# step first, the dQ pass on the forward's segment data), one pass, and 130 rows (the reverse walk's last
# boxes added by 16-byte atomics).
# Run as `SESSION=sNN COMMIT=<commit> bash results/h200/scripts_s34/run2.sh`.
S34=results/h200/scripts_s34
patch -s -p1 < $S34/value_window_backward.patch || { echo "value_window_backward.patch does not apply"; exit 1; }
CALL=call2 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 180 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 windows $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=45 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 540 )) || { el "sanitizer $tool skipped: past 540 s"; break; }
  sanitizer_run $tool w128x256_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 128 --dim-v 256 --impl-option segments=3
  sanitizer_run $tool w96x200_f16_one_pass $B/lasuite $V --state --dtype f16 --long 700 --dim 96 --dim-v 200 --impl-option segments=3 --impl-option one_pass=all
  sanitizer_run $tool w128x256_130_rows $B/lasuite $V --state --dtype bf16 --long 130 --dim 128 --dim-v 256
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log
