#!/usr/bin/env bash
# For the next session with a device (written in session 35, not run: its device time was spent). One call:
# wide_steps_no_window_choice.patch over main, built beside main, then the A/B that found the loss (call5.sh's
# shapes: 192 x 192 h21 and 256 x 256 h16, forward and forward+backward at 4k and 128k, alternated twice), la2's
# GPU tests, check_la2, and the four sanitizers on a 192 and a 256 case. The patch makes the windows of the
# contraction a compile-time property of the windowed 128 x 128 TMA step alone: session 35's call 5 measured the
# 256 x 64 steps 3 % slower and the 192 x 64 ones 1-1.5 % slower with the run-time choice compiled into them
# (78deda4). Here, with nvcc 13 (sm_90a cubins, readelf): with the patch the 192 x 64 and 256 x 64 windowed TMA
# steps are back to their sizes before 78deda4 (85888 / 86144 and 98304 / 98560 bytes), and every other kernel is
# byte-identical to 78deda4's. Predicted: 192 and 256 back to main-before-78deda4's rates (+1-3 %), nothing else moves.
# Run as `SESSION=sNN COMMIT=<main> bash results/h200/scripts_s35/run_next.sh`, with .dev/$SESSION/base = main's tree
# (git archive HEAD CMakeLists.txt LICENSE README.md baselines cmake examples harness kernels plots reference scripts
# tests | tar -x -C .dev/$SESSION/base) carried.
patch -s -p1 < results/h200/scripts_s35/wide_steps_no_window_choice.patch || { echo "the patch does not apply"; exit 1; }
CALL=call1 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s35/call5.sh  # the build beside main and the A/B
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 wide $B/lasuite
wide_cases() {
  local tool=$1 V=$SAN_VERIFY
  sanitizer_run $tool w192_bf16 $B/lasuite $V --state --dtype bf16 --long 300 --dim 192 --impl-option segments=3
  sanitizer_run $tool w256_f16 $B/lasuite $V --state --dtype f16 --long 200 --dim 256 --impl-option segments=2
}
SAN_TIMEOUT=45 SAN_DEADLINE=560 sanitize_four wide_cases; cut -c1-200 $R/sanitize.log
