#!/usr/bin/env bash
# Session 28, written for the next session's first call (not run: no device time left): 99c3eda moved
# la2_pass.cu's host code to la2_pass_cuda.cpp (now built by the C++ compiler) and its scan kernel to
# la2_segment_scan.cu (PTX byte-identical), compiled here only. la2's GPU tests and CudaCheck, la2's verify
# (bf16 with the long cases, f16 and f32), and memcheck on a plan with the scan kernel. Run as
# `SESSION=s29 COMMIT=<commit> bash results/h200/scripts_s28/run8.sh` (the shared prelude; no copy needed).
CALL=call8 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 150 $B/tests/lasuite_tests --gtest_filter='La2*:CudaCheck*' > $R/tests.txt 2>&1; el "la2 tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/tests.txt | head -10
check_la2 default $B/lasuite
V="verify --device cuda --skip-defaults --impl la2 --long-heads 2"
LOGS=$R/san SUMMARY=$R/sanitize.log SAN_TIMEOUT=60 SAN_INITCHECK_FLAGS="--check-bulk-copy yes"
sanitizer_run memcheck scan_kernel $B/lasuite $V --state --dtype bf16 --long 1500 --dim 128 --impl-option segments=8 --impl-option scan=kernel > /dev/null
el "sanitizers"; cut -c1-200 $R/sanitize.log 2>/dev/null | tail -2
