#!/usr/bin/env bash
# Session 36 call 3: the GPU test suites call 2 did not reach within its 220 s (it stopped inside
# Verify/La2CudaExtra with no failure so far): Verify/La2CudaExtra, Verify/La2CudaVeryLong and
# Modes/La2CudaPackedAlone, then issue 14's 1M row (b1 h16 d128, forward and forward+backward, with ceilings).
# Run as `SESSION=s36 COMMIT=<commit> bash results/h200/scripts_s36/call3.sh`.
CALL=call3 TARGETS="lasuite lasuite_tests"
source scripts/device_call_prelude.sh
ninja -C $B $TARGETS > $R/ninja.log 2>&1; el "build rc=$?"; grep -E "error|FAILED" $R/ninja.log | head
timeout 330 $B/tests/lasuite_tests --gtest_filter='Verify/La2CudaExtra*:Verify/La2CudaVeryLong*:Modes/*' > $R/tests.txt 2>&1
el "the rest of the GPU suites rc=$?"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED|tests from .* ran" $R/tests.txt | head -12
timeout 60 $B/lasuite bench --impl la2 --dtype bf16 --decay alibi --mode fwd,fwdbwd --seqlen 1m --heads 16 --dim 128 \
  --time-limit 45 --json $R/rec_d128_h16_n1m.json > $R/rec_d128_h16_n1m.log 2>&1; el "record 1M rc=$?"
grep -hE "^\| la2" $R/rec_d128_h16_n1m.log | cut -c1-150
