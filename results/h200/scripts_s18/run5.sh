#!/usr/bin/env bash
# Session 18 call 5: after the review (tests of the fused pass's TMA path, comments, a plan guard; the
# kernels' cubins identical to f7ba9bc's): la2's GPU tests and the tensor-map tests.
CALL=call5 TARGETS="lasuite_tests"
source results/h200/scripts_s18/prelude.sh
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:TensorMap*' > $R/tests.txt 2>&1; el "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|bytes differ|rror|Failure" $R/tests.txt | head -30
