#!/usr/bin/env bash
# Session 11 call 5: the tile moves 16 bytes a lane where rows allow (d = 96, 192, 200 x 40, ...) and
# Support::max_dim: GPU tests, verify of every GPU implementation, the four sanitizers on both move
# paths (16-byte and element), la2 at the head-dim bar shapes again, fla's forward at d = e = 96.
# Predicted for la2 forward at 128k: d = 96 13.8 -> about 22 M tokens/s, 256 9.7 -> about 16, 128 x 256 33 -> about 44.
set -uo pipefail
R=/tmp/res5; mkdir -p $R/san; W=/tmp/w5; mkdir -p $W/tests
finish() { tar czf $OUT/s11_call5.tgz -C /tmp res5; }
trap finish EXIT
gunzip -c .dev/s11/m5/lasuite.gz > $W/lasuite; gunzip -c .dev/s11/m5/lasuite_tests.gz > $W/tests/lasuite_tests
chmod +x $W/lasuite $W/tests/lasuite_tests
export LASUITE_GIT_COMMIT=${COMMIT}
san() {  # tool, label, command...
  local tool=$1 label=$2; shift 2
  timeout 100 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 "$@" > $R/san/${label}_$tool.log 2>&1
  echo "$tool | $label | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' $R/san/${label}_$tool.log | tr '\n' ' ') | $(grep -E 'passed' $R/san/${label}_$tool.log | tail -1 | tr '\n' ' ')" >> $R/sanitize.log
}
V="$W/lasuite verify --device cuda --skip-defaults"
( for tool in memcheck initcheck racecheck synccheck; do
    san $tool la2_96_bf16 $V --state --impl la2 --dtype bf16 --long 200 --long-heads 2 --dim 96
    san $tool la2_192x256_f32 $V --state --impl la2 --dtype f32 --long 130 --long-heads 1 --dim 192 --dim-v 256
    san $tool la2_33x16_f16 $V --state --impl la2 --dtype f16 --long 150 --long-heads 2 --dim 33 --dim-v 16
    san $tool la1_200x40 $V --no-state --impl la1 --dtype bf16,f32 --long 150 --long-heads 2 --dim 200 --dim-v 40
    san $tool flash_softmax_96_100 $V --no-state --impl flash_softmax --dtype bf16 --long 150 --long-heads 2 --dim 100
  done ) &
SAN=$!
echo "== GPU tests $(date +%T)"
timeout 240 $W/tests/lasuite_tests --gtest_filter='*La2*Cuda*:La2Refuses*:*La1Cuda*:*FlashSoftmaxCuda*:*HeadDim*:*Cumsum*Cuda*:Support.*:Cli.List*:-*VeryLong*' > $R/tests.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED" $R/tests.txt | head -20
echo "== verify every GPU implementation $(date +%T)"
timeout 260 $W/lasuite verify --device cuda --json $R/h200_verify_all_${COMMIT}.json > $R/verify.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $R/verify.log | head -10; tail -1 $R/verify.log
echo "== waiting for sanitizers $(date +%T)"; wait $SAN; cat $R/sanitize.log
echo "== la2 head dims $(date +%T)"
for shape in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do set -- $shape
  timeout 60 $W/lasuite bench --impl la2 --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 --dtype bf16 --decay alibi --mode fwd,fwdbwd \
    --json $R/h200_la2_d$1_e$2_h$3_${COMMIT}.json > $R/bench_d$1_e$2.log 2>&1; echo "d$1 e$2 rc=$?"
  grep -E "^\| la2" $R/bench_d$1_e$2.log | cut -c1-120
done
echo "== fla forward at d = e = 96 $(date +%T)"
export TRITON_CACHE_DIR=$PWD/build_triton_cache
timeout 170 python3 baselines/external/run_external.py --extra-path .ext --impl ext:fla_chunk --seqlen 4k,16k,64k,128k --heads 42 --dim 96 \
    --mode fwd --git-commit ${COMMIT} --json $R/h200_fla_d96_e96_h42_fwd_${COMMIT}.json > $R/fla_d96_fwd.log 2>&1; echo "fla rc=$?"
grep -E "agreement|\] ext" $R/fla_d96_fwd.log | cut -c1-160
echo "== done $(date +%T)"
