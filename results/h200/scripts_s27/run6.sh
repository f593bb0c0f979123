#!/usr/bin/env bash
# Session 27, written for the next session's first call (not run: no device time left): the GPU tests
# added or changed after call 5 (the auto rule narrowed to one wave of several segments, 4656c0f; the
# two-output-warpgroup tests' problem made once, 2433196; the step's register allotment, 8177a17), then
# la2's GPU tests and verify as in call 4. Copy to scripts_s28 with its prelude before running.
CALL=call6 TARGETS="lasuite lasuite_tests"
source results/h200/scripts_s27/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 60 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.TwoOutputWarpgroup*:La2Options.*' > $R/tests_two.txt 2>&1; el "two tests rc=$?"
grep -E "Failure|^\[  (PASSED|FAILED) |^\[       OK" $R/tests_two.txt | head -20
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -10
check_la2 default $B/lasuite
