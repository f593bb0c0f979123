#!/usr/bin/env bash
# Session 40, call 1: main (kernel code of 95fcb7a, unchanged since session 36), la2's GPU tests, among them the
# first GPU run of SplitsOn132Slots' value-window strings (session 39's record of 22 value-window plans), and
# the la2 plan tests in their three files (split from one of 1,071 lines this session), and check_la2 (bf16 with
# 16k and 128k, f16, f32). Run as `SESSION=s40 COMMIT=<main> bash results/h200/scripts_s40/call1.sh`.
CALL=${CALL:-call1} TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
build_beside
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10; grep -E "SplitsOn132Slots" $R/tests.txt | head -3
check_la2 main $B/lasuite
