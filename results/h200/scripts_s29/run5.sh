#!/usr/bin/env bash
# Session 29 call 5: the review's mends (host and test code; kernels as 9d032ec's): la2's GPU tests (the
# orders' bit-identity now asserting the early path, on NaN-filled pool memory, and with the mma.sync
# states kernel) and CudaCheck, then la2's verify.
CALL=call5 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
