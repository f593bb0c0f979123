#!/usr/bin/env bash
# One GPU-machine call for la1 / flash_softmax / cudnn_sdpa / cumsum_cuda / vanilla_cublas: build
# (sm_90a), register and spill summary, the 16k bench of the attention kernels and of the naive
# baselines, then each implementation's GPU tests in its own process (a fault in one cannot hide the
# others). Each step has its own time cap; results under $OUT (at most 8 files come back).
set -uo pipefail
OUT=${OUT:-$PWD/gpu_out}
B=${BUILD:-/tmp/b}
mkdir -p "$OUT"
log() { echo "== $* ($(date +%T))"; }

log build
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,memory.total --format=csv,noheader
cmake -S . -B $B -G Ninja -DLASUITE_CUDA_GENCODE='-gencode=arch=compute_90a,code=sm_90a' >$OUT/cmake.log 2>&1 || {
  tail -20 $OUT/cmake.log; exit 1; }
grep -i cudnn $OUT/cmake.log
timeout ${BUILD_TIMEOUT:-170} ninja -C $B -j16 lasuite lasuite_tests >$OUT/build.log 2>&1 || {
  grep -E "error|FAILED" -A3 $OUT/build.log | head -40; exit 1; }
{
  grep -E "spill" $OUT/build.log | grep -E "tiled_attention|la1_fp32" |
    sed -E 's/.*function .(_Z[^ ]*)., ([0-9]+) bytes spill stores.*/spill \2 \1/' | sort -u
  for o in $B/CMakeFiles/lasuite_objs.dir/baselines/cuda/flash_softmax_forward.cu.o \
           $B/CMakeFiles/lasuite_objs.dir/baselines/cuda/flash_softmax_backward.cu.o; do
    cuobjdump --dump-sass "$o" 2>/dev/null >/tmp/sass.txt &&
      echo "$(basename $o): HMMA $(grep -c HMMA /tmp/sass.txt) LDSM $(grep -c LDSM /tmp/sass.txt) LDL/STL $(grep -cE '\b(LDL|STL)' /tmp/sass.txt)"
  done
} >$OUT/build_summary.txt
cat $OUT/build_summary.txt

log bench
timeout ${BENCH_TIMEOUT:-90} $B/lasuite bench --impl ${BENCH_IMPLS:-flash_softmax,cudnn_sdpa,la1} --seqlen 16k --batch 1 \
  --heads 32 --dim 128 --dtype bf16 --mode fwd,bwd,fwdbwd --json $OUT/bench_attn.json --csv $OUT/bench_attn.csv \
  >$OUT/bench_attn.log 2>&1
echo "bench rc=$?"; grep -E "^\|" $OUT/bench_attn.log | cut -c1-150
if [ -n "${NAIVE_SEQLEN:-4k,16k}" ]; then
  timeout ${NAIVE_TIMEOUT:-60} $B/lasuite bench --impl cumsum_cuda,vanilla_cublas --seqlen ${NAIVE_SEQLEN:-4k,16k} --batch 1 \
    --heads 32 --dim 128 --dtype bf16 --mode fwd,fwdbwd --no-ceilings --json $OUT/bench_naive.json \
    --csv $OUT/bench_naive.csv >$OUT/bench_naive.log 2>&1
  echo "naive bench rc=$?"; grep -E "^\|" $OUT/bench_naive.log | cut -c1-150
fi

log tests
: >$OUT/tests.log
for suite in ${SUITES:-La1Cuda FlashSoftmaxCuda CudnnSdpa CumsumCuda VanillaCublas}; do
  t=SUITE_TIMEOUT_$suite
  timeout ${!t:-${SUITE_TIMEOUT:-60}} $B/tests/lasuite_tests --gtest_filter="*${suite}*" >/tmp/test_$suite.log 2>&1
  rc=$?
  cat /tmp/test_$suite.log >>$OUT/tests.log
  echo "$suite rc=$rc $(grep -E '^\[  PASSED  \]|^\[  FAILED  \] [0-9]+ test' /tmp/test_$suite.log | tr '\n' ' ')"
  grep -E ": (FAIL|ERROR) " -A5 /tmp/test_$suite.log | grep -vE "^--$" | cut -c1-220 | head -${FAIL_LINES:-18}
done
echo "cases passed: $(grep -cE '^(la1|flash_softmax|cudnn_sdpa|cumsum_cuda|vanilla_cublas) .*: PASS' $OUT/tests.log)"
rm -f $OUT/cmake.log $OUT/build.log $OUT/bench_attn.log $OUT/bench_naive.log
log done
