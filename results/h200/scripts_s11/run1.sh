#!/usr/bin/env bash
# Session 11 call 1: main (bc0cb61) never run since its host-side changes: GPU tests (incl. the long-cache
# flash-decoding test), verify of flash_softmax and cudnn_sdpa, sanitizers on packed ragged + decode;
# the head-dims branch (W): la2 GPU tests, la2 verify with the head-dim defaults, sanitizers on tiled
# cases; then la2 benches at the head-dim bar shapes and a dense/packed re-check of main.
set -uo pipefail
R=/tmp/res; mkdir -p $R/san; B=/tmp/b; W=/tmp/w; mkdir -p $B/tests $W/tests
finish() { tar czf $OUT/s11_call1.tgz -C /tmp res; }
trap finish EXIT
gunzip -c .dev/s11/main/lasuite.gz > $B/lasuite; gunzip -c .dev/s11/main/lasuite_tests.gz > $B/tests/lasuite_tests
gunzip -c .dev/s11/wt/lasuite.gz > $W/lasuite; gunzip -c .dev/s11/wt/lasuite_tests.gz > $W/tests/lasuite_tests
chmod +x $B/lasuite $B/tests/lasuite_tests $W/lasuite $W/tests/lasuite_tests
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader
san() {  # tool, label, command...
  local tool=$1 label=$2; shift 2
  timeout 120 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 "$@" > $R/san/${label}_$tool.log 2>&1
  echo "$tool | $label | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' $R/san/${label}_$tool.log | tr '\n' ' ') | $(grep -E '^\[  (PASSED|FAILED)|passed|failed' $R/san/${label}_$tool.log | tail -2 | tr '\n' ' ')" >> $R/sanitize.log
}
echo "== sanitizers in the background $(date +%T)"
( for tool in memcheck initcheck racecheck synccheck; do
    san $tool main_packed_decode $B/tests/lasuite_tests --gtest_filter='La2CudaPackedAlone.*:La2DecodeCuda.StateInPlaceGivesWhatTwoBuffersGive:La2DecodeCuda.MatchesTheRecurrenceAtEveryHeadDim'
    san $tool wt_72x100 env LASUITE_GIT_COMMIT=c56118e $W/lasuite verify --device cuda --impl la2 --dtype bf16 --skip-defaults --long 200 --long-heads 2 --dim 72 --dim-v 100 --state
    san $tool wt_192x256 env LASUITE_GIT_COMMIT=c56118e $W/lasuite verify --device cuda --impl la2 --dtype f32 --skip-defaults --long 130 --long-heads 1 --dim 192 --dim-v 256 --state
  done ) &
SAN=$!
export LASUITE_GIT_COMMIT=bc0cb61
echo "== main GPU tests $(date +%T)"
timeout 220 $B/tests/lasuite_tests --gtest_filter='*Cuda*:*La2Options*:CudnnSdpa*:VanillaCublas*:CudaBackend.*:-*BesideABusyDevice*:*VeryLong*' > $R/main_tests_cuda.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/main_tests_cuda.txt | head -30
echo "== main verify flash_softmax,cudnn_sdpa $(date +%T)"
timeout 120 $B/lasuite verify --device cuda --impl flash_softmax,cudnn_sdpa --json $R/h200_verify_softmax_bc0cb61.json > $R/verify_main.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $R/verify_main.log | head -10; tail -1 $R/verify_main.log
export LASUITE_GIT_COMMIT=c56118e
echo "== branch la2 tests $(date +%T)"
timeout 200 $W/tests/lasuite_tests --gtest_filter='*La2*Cuda*:La2Refuses*:-*VeryLong*' > $R/wt_tests.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $R/wt_tests.txt | head -30
echo "== branch verify la2 $(date +%T)"
timeout 200 $W/lasuite verify --device cuda --impl la2 --dtype bf16,f16,f32 --json $R/h200_verify_la2_c56118e.json > $R/verify_wt.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $R/verify_wt.log | head -10; tail -1 $R/verify_wt.log
echo "== waiting for sanitizers $(date +%T)"; wait $SAN; cat $R/sanitize.log
echo "== head-dim benches $(date +%T)"
for shape in "96 96 42" "192 192 21" "256 256 16" "128 256 16"; do set -- $shape
  timeout 60 $W/lasuite bench --impl la2 --seqlen 4k,16k,64k,128k --heads $3 --dim $1 --dim-v $2 --dtype bf16 --decay alibi --mode fwd,fwdbwd \
    --json $R/h200_la2_d$1_e$2_h$3_c56118e.json > $R/bench_d$1_e$2.log 2>&1; echo "d$1 e$2 rc=$?"
  grep -E "^\| la2" $R/bench_d$1_e$2.log | cut -c1-220
done
echo "== main re-check dense + packed $(date +%T)"
export LASUITE_GIT_COMMIT=bc0cb61
timeout 40 $B/lasuite bench --impl la2 --seqlen 16k,128k --heads 32 --dim 128 --dtype bf16 --decay alibi --mode fwd,fwdbwd --json $R/h200_la2_dense_bc0cb61.json > $R/dense.log 2>&1; echo "rc=$?"
grep -E "^\| la2" $R/dense.log | cut -c1-220
timeout 40 $B/lasuite bench --impl la2 --packed loguniform:1..64k,total=256k,seed=7 --heads 32 --dim 128 --dtype bf16 --decay alibi --mode fwd,fwdbwd --json $R/h200_la2_packed_bc0cb61.json > $R/packed.log 2>&1; echo "rc=$?"
grep -E "^\| la2" $R/packed.log | cut -c1-220
echo "== done $(date +%T)"
