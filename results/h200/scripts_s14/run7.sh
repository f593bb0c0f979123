#!/usr/bin/env bash
# Session 14 call 7: the host-side tidying after the last read of the change (bee58d9: la2's one-pass
# flags through one helper; 8a6e776: flash-decoding's one dispatch; a5bd11c: flash_softmax's grid
# limit): la2's GPU tests (every plan, one pass and two, value tiles, packed) and flash_softmax's
# (decode at 128 and 256, long caches). Short: what is left of the session's device time.
set -uo pipefail
R=/tmp/res7; rm -rf $R; mkdir -p $R; N=/tmp/n7; mkdir -p $N
finish() { tar czf $OUT/s14_call7.tgz -C /tmp res7; }
trap finish EXIT
gunzip -c .dev/s14/n7/lasuite_tests.gz > $N/lasuite_tests; chmod +x $N/lasuite_tests
timeout 110 $N/lasuite_tests --gtest_filter='*La2Cuda*:*La2Options*:FlashSoftmaxCuda*:-*VeryLong*:*BesideABusyDevice*:*Defaults*' > $R/tests.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|tests from .* ran" $R/tests.txt | head -20
