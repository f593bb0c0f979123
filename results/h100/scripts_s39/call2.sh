#!/usr/bin/env bash
# Session 39, call 2 (H100, warm after call 1; run inline as one line, written out here): main at ec65c35, la2's GPU
# tests (SplitsOn132Slots holds the device to the recorded plans) and check_la2 (bf16 with 16k and 128k, f16, f32).
export SESSION=s39 COMMIT=ec65c35 CALL=call2 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
build_beside
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10; grep -E "SplitsOn132Slots" $R/tests.txt | head -3
check_la2 main $B/lasuite
