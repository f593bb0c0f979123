#!/usr/bin/env bash
# Session 32 call 6: the kernels kept (e632093's: the 64 x 64 output steps by TMA issue their refill while the
# state update's products run; every other kernel is d03e14c's, PTX for PTX): la2's GPU tests, then the four
# sanitizers on small cases of those steps (d = 64 one pass and two passes with a state, bf16 and f16, its
# fused backward's dual step, a packed batch's ragged steps at d = 64).
# Run as `SESSION=s32 COMMIT=<commit> bash results/h200/scripts_s32/run6.sh`.
CALL=call6 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|what" $R/tests.txt | head -10
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=40 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
for tool in memcheck racecheck synccheck initcheck; do
  (( $(date +%s) - T0 < 330 )) || { el "sanitizer $tool skipped: past 330 s"; break; }
  sanitizer_run $tool d64_one_pass_bf16 $B/lasuite $V --state --dtype bf16 --long 700 --dim 64 --impl-option segments=3
  sanitizer_run $tool d64_two_passes_f16 $B/lasuite $V --state --dtype f16 --long 700 --dim 64 --impl-option segments=3 --impl-option one_pass=off
  sanitizer_run $tool packed_d64_bf16 $B/lasuite verify --device cuda --skip-defaults --impl la2 --long-heads 2 --dtype bf16 --dim 64 --packed 300,1,15,0,270
done > /dev/null; el "sanitizers"; cut -c1-200 $R/sanitize.log
