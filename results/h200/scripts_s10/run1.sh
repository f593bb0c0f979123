#!/usr/bin/env bash
# Session 10 call 1: the session-9 work never run on a GPU (Backend::record tests, copy_on_device, the
# in-place test over four segments), flash-decoding for flash_softmax and cuDNN's decode graph: GPU tests,
# verify, the four sanitizers (in the background), then the decode benches alone (context sweep for the
# crossover; la2 and fla by batch at graph 10 and 100) and ncu of la2's step at batch 1.
set -uo pipefail
export LASUITE_GIT_COMMIT=${COMMIT}
B=/tmp/b; mkdir -p $B/tests /tmp/san
gunzip -c .dev/s10/lasuite.gz > $B/lasuite; gunzip -c .dev/s10/lasuite_tests.gz > $B/tests/lasuite_tests; chmod +x $B/lasuite $B/tests/lasuite_tests
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
echo "== sanitizers in the background $(date +%T)"
( for tool in memcheck initcheck racecheck synccheck; do
    timeout 150 compute-sanitizer --tool $tool --error-exitcode 9 --print-limit 10 $B/tests/lasuite_tests \
      --gtest_filter='FlashSoftmaxCudaDecode.*:CudaBackend.*:La2DecodeCuda.StateInPlaceGivesWhatTwoBuffersGive' > /tmp/san/tests_$tool.log 2>&1
    echo "$tool | flash_decode+record+in_place tests | rc=$? | $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san/tests_$tool.log | tr '\n' ' ') | $(grep -E '^\[  (PASSED|FAILED)' /tmp/san/tests_$tool.log | tr '\n' ' ')" >> $OUT/sanitize.log
  done
  timeout 100 compute-sanitizer --tool memcheck --error-exitcode 9 --print-limit 10 $B/tests/lasuite_tests \
      --gtest_filter='CudnnSdpaDecode.*' > /tmp/san/cudnn_memcheck.log 2>&1
  echo "memcheck | cudnn decode test | rc=$? | $(grep -E 'ERROR SUMMARY' /tmp/san/cudnn_memcheck.log | tr '\n' ' ') | $(grep -E '^\[  (PASSED|FAILED)' /tmp/san/cudnn_memcheck.log | tr '\n' ' ')" >> $OUT/sanitize.log
) &
SAN=$!
echo "== tests $(date +%T)"
timeout 230 $B/tests/lasuite_tests --gtest_filter='*Cuda*:*La2Options*:CudnnSdpa*:-*BesideABusyDevice*' > $OUT/h200_tests_cuda.txt 2>&1; echo "tests rc=$?"
grep -E "^\[  (PASSED|FAILED) |^\[  FAILED|Failure" $OUT/h200_tests_cuda.txt | head -30
grep -A3 "CudnnSdpaDecode" $OUT/h200_tests_cuda.txt | grep -iE "skipped|engine|reason" | head -5
echo "== verify $(date +%T)"
timeout 150 $B/lasuite verify --device cuda --impl la2,flash_softmax,cudnn_sdpa --dtype bf16,f16,f32 --json $OUT/h200_verify_gpu.json > $OUT/verify_gpu.log 2>&1; echo "verify rc=$?"
grep -E "FAIL|ERROR" $OUT/verify_gpu.log | head -10; tail -1 $OUT/verify_gpu.log
echo "== waiting for the sanitizers $(date +%T)"; wait $SAN; cat $OUT/sanitize.log
echo "== decode by context $(date +%T)"
timeout 150 $B/lasuite bench --impl flash_softmax,cudnn_sdpa,la2 --mode decode --decode-batch 1 --context 1k,4k,16k,64k,256k,1m \
  --heads 32 --dim 128 --dtype bf16 --decay alibi --decode-timer graph --json $OUT/h200_decode_context.json > $OUT/decode_context.log 2>&1; echo "context rc=$?"
grep -E "^\| (la2|flash|cudnn)" $OUT/decode_context.log | cut -c1-200
echo "== la2 decode by batch, graph 10 and 100 $(date +%T)"
timeout 60 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,8,64,256 --dtype bf16 --decay alibi --decode-timer graph --graph-steps 10 \
  --json $OUT/h200_decode_la2_g10.json > $OUT/decode_la2_g10.log 2>&1; echo "rc=$?"; grep -E "^\| la2" $OUT/decode_la2_g10.log | cut -c1-200
timeout 60 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,8 --dtype bf16 --decay alibi --decode-timer graph --graph-steps 100 --no-ceilings \
  --json $OUT/h200_decode_la2_g100.json > $OUT/decode_la2_g100.log 2>&1; echo "rc=$?"; grep -E "^\| la2" $OUT/decode_la2_g100.log | cut -c1-200
for K in 10 100; do
  timeout 40 $B/lasuite bench --impl la2 --mode decode --decode-batch 1,8 --dtype bf16 --decay alibi --decode-timer graph --graph-steps $K --no-ceilings \
    --impl-option early_start=off --json $OUT/h200_decode_la2_noearly_g$K.json > $OUT/decode_la2_noearly_g$K.log 2>&1; echo "rc=$?"; grep -E "^\| la2" $OUT/decode_la2_noearly_g$K.log | cut -c1-200
done
echo "== fla decode $(date +%T)"
timeout 150 python3 baselines/external/decode_external.py --extra-path .ext --impl ext:fla_recurrent --decode-batch 1,8,64,256 --decode-timer graph \
  --git-commit $COMMIT --json $OUT/h200_decode_fla_g10.json > $OUT/decode_fla.log 2>&1; echo "fla rc=$?"; tail -6 $OUT/decode_fla.log
echo "== ncu la2 decode B=1 $(date +%T)"
timeout 60 ncu --kernel-name regex:la2_decode --launch-skip 5 --launch-count 5 --cache-control none --clock-control none \
  --section SpeedOfLight --section LaunchStats --section Occupancy $B/lasuite bench --impl la2 --mode decode --decode-batch 1 \
  --dtype bf16 --decay alibi --decode-timer launches --no-ceilings > $OUT/ncu_decode_b1.txt 2>&1; echo "ncu rc=$?"
grep -E "Duration|Elapsed Cycles|DRAM Throughput|Grid Size|Block Size|Registers|Achieved Occupancy" $OUT/ncu_decode_b1.txt | head -16
tar czf $OUT/s10_call1.tgz -C $OUT --exclude s10_call1.tgz . -C /tmp san 2>/dev/null
echo "== done $(date +%T)"
