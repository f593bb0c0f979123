#!/usr/bin/env bash
# Session 23 call 7: after the review's clean-ups (b356247: the halves rule read once in plan_pass; the
# plan tests' shared comparison helper), la2's plan and kernel-choice GPU tests. No kernel changed.
CALL=call7 TARGETS="lasuite_tests"
source results/h200/scripts_s23/prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 100 $B/tests/lasuite_tests --gtest_filter='La2CudaPlans.*:La2CudaKernelChoice.*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[ +(OK|FAILED) |^\[  (PASSED|FAILED) " $R/tests.txt | cut -c1-100
