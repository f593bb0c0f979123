#!/usr/bin/env bash
# Session 11 call 2: the head-dim tiles mended (the fp32 sums converted only their own columns; copies
# skipped for whole tiles; row-wise moves) and la1 / flash_softmax at other head dims: GPU tests, verify,
# sanitizers; la2 at the head-dim bar shapes; racecheck's report on la2's in-place test in detail.
set -uo pipefail
R=/tmp/res2; mkdir -p $R/san; W=/tmp/w2; mkdir -p $W/tests
finish() { tar czf $OUT/s11_call2.tgz -C /tmp res2; }
trap finish EXIT
gunzip -c .dev/s11/wt2/lasuite.gz > $W/lasuite; gunzip -c .dev/s11/wt2/lasuite_tests.gz > $W/tests/lasuite_tests
chmod +x $W/lasuite $W/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
san() {  # tool, label, command...
  local tool=$1 label=$2; shift 2
  timeout 100 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 "$@" > $R/san/${label}_$tool.log 2>&1
  echo "$tool | $label | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' $R/san/${label}_$tool.log | tr '\n' ' ') | $(grep -E '^\[  (PASSED|FAILED)|passed|failed' $R/san/${label}_$tool.log | tail -2 | tr '\n' ' ')" >> $R/sanitize.log
}
V="$W/lasuite verify --device cuda --skip-defaults --state"
( for tool in memcheck initcheck racecheck synccheck; do
    san $tool la2_192x256_f32 $V --impl la2 --dtype f32 --long 130 --long-heads 1 --dim 192 --dim-v 256
    san $tool la2_200x40_bf16 $V --impl la2 --dtype bf16 --long 300 --long-heads 2 --dim 200 --dim-v 40
    san $tool la2_96_bf16 $V --impl la2 --dtype bf16 --long 200 --long-heads 2 --dim 96
    san $tool la1_200x40 $W/lasuite verify --device cuda --skip-defaults --no-state --impl la1 --dtype bf16,f32 --long 150 --long-heads 2 --dim 200 --dim-v 40
    san $tool flash_softmax_96 $W/lasuite verify --device cuda --skip-defaults --no-state --impl flash_softmax --dtype bf16 --long 150 --long-heads 2 --dim 96
    san $tool la2_packed_ragged $W/tests/lasuite_tests --gtest_filter='*La2CudaPackedAlone*'
  done
  timeout 100 compute-sanitizer --tool racecheck --racecheck-report hazard --print-limit 6 $W/tests/lasuite_tests \
    --gtest_filter='La2DecodeCuda.StateInPlaceGivesWhatTwoBuffersGive' > $R/san/inplace_racecheck_hazard.log 2>&1
  echo "racecheck (hazard report) | la2 in-place test | rc=$? | $(grep -E 'RACECHECK SUMMARY' $R/san/inplace_racecheck_hazard.log)" >> $R/sanitize.log
) &
SAN=$!
echo "== GPU tests $(date +%T)"
timeout 240 $W/tests/lasuite_tests --gtest_filter='*La2*Cuda*:La2Refuses*:*La1Cuda*:*FlashSoftmaxCuda*:*HeadDim*:-*VeryLong*' > $R/tests.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -30
echo "== verify la2, la1, flash_softmax $(date +%T)"
timeout 240 $W/lasuite verify --device cuda --impl la2,la1,flash_softmax --json $R/h200_verify_${COMMIT}.json > $R/verify.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $R/verify.log | head -10; tail -1 $R/verify.log
echo "== waiting for sanitizers $(date +%T)"; wait $SAN; cat $R/sanitize.log
grep -E "Race reported|Write Thread|Read Thread|kernel" $R/san/inplace_racecheck_hazard.log | head -12
echo "== head-dim benches $(date +%T)"
for shape in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do set -- $shape
  timeout 60 $W/lasuite bench --impl la2 --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 --dtype bf16 --decay alibi --mode fwd,fwdbwd \
    --json $R/h200_la2_d$1_e$2_h$3_${COMMIT}.json > $R/bench_d$1_e$2.log 2>&1; echo "d$1 e$2 rc=$?"
  grep -E "^\| la2" $R/bench_d$1_e$2.log | cut -c1-200
done
echo "== done $(date +%T)"
