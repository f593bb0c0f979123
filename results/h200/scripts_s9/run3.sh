#!/usr/bin/env bash
# Session 9 call 3 (decode v2: wide tiles, early start): la2's decode kernel: GPU tests, verify (with the decode cases), decode bench (launches and
# graph), the four sanitizers on the decode tests.
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/b; mkdir -p $B/tests
gunzip -c .dev/s9/lasuite.gz > $B/lasuite; gunzip -c .dev/s9/lasuite_tests.gz > $B/tests/lasuite_tests; chmod +x $B/lasuite $B/tests/lasuite_tests
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
echo "== tests $(date +%T)"
timeout 200 $B/tests/lasuite_tests --gtest_filter='La2DecodeCuda.*:*La2Cuda*:*La2Options*' > $OUT/h200_tests_la2.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure|rel " $OUT/h200_tests_la2.txt | head -30
echo "== decode bench $(date +%T)"
timeout 120 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,8,64,256 --dtype bf16 --decay alibi \
  --json $OUT/h200_la2_decode_T1.json > $OUT/decode_T1.log 2>&1; echo "bench rc=$?"; grep -E "^\| la2|floor|copy" $OUT/decode_T1.log
timeout 60 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,64 --decode-tokens 16 --dtype bf16 --decay alibi --no-ceilings \
  --json $OUT/h200_la2_decode_T16.json > $OUT/decode_T16.log 2>&1; echo "bench16 rc=$?"; grep -E "^\| la2" $OUT/decode_T16.log
timeout 60 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,8,64,256 --dtype bf16 --decay alibi --no-ceilings \
  --impl-option early_start=off --decode-timer graph --json $OUT/h200_la2_decode_T1_noearly.json > $OUT/decode_noearly.log 2>&1; echo "bench noearly rc=$?"; grep -E "^\| la2" $OUT/decode_noearly.log
echo "== verify la2 $(date +%T)"
timeout 150 $B/lasuite verify --impl la2 --device cuda --dtype bf16,f16,f32 --json $OUT/h200_verify_la2.json > $OUT/verify_la2.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $OUT/verify_la2.log | head; tail -1 $OUT/verify_la2.log
echo "== sanitizers $(date +%T)"
for tool in memcheck initcheck racecheck synccheck; do
  timeout 100 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 20 $B/tests/lasuite_tests \
    --gtest_filter='La2DecodeCuda.MatchesTheRecurrenceAtEveryHeadDim:La2DecodeCuda.StateInPlaceGivesWhatTwoBuffersGive' > $OUT/san_$tool.log 2>&1
  echo "$tool rc=$? $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' $OUT/san_$tool.log | tr '\n' ' ') $(grep -E '^\[  (PASSED|FAILED)' $OUT/san_$tool.log | tr '\n' ' ')"
done
echo "== done $(date +%T)"
