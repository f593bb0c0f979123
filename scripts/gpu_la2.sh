#!/usr/bin/env bash
# One call on the GPU machine for la2: build (sm_90a only), SASS summary, GPU tests, timing, bench,
# verify. Result files go to $OUT (default ./gpu_out; at most 8 come back from the GPU machine, so
# build logs stay in $LOGS). Steps are chosen by STEPS (a space-separated subset of: build sass tests
# bench benchopt verify verifyopt verifylong ncu ncubytes split shapes kerneltimes ...), each with its own
# time cap. Other plans of la2 are chosen with its options (`lasuite list`), written
# "key=value,key=value": e.g. VARIANTS="twopass:one_pass=off mma:kernel=mma" for benchopt (the GPU
# tests run every plan themselves, in one process: la2_plans_cuda_test.cpp).
set -uo pipefail
OUT=${OUT:-$PWD/gpu_out}
B=${BUILD:-/tmp/lasuite-build}
STEPS=${STEPS:-"build sass tests bench"}
LOGS=${LOGS:-/tmp/lasuite-logs}
mkdir -p "$OUT" "$LOGS"
has() { [[ " $STEPS " == *" $1 "* ]]; }
log() { echo "== $* ($(date +%T))"; }

if has build; then
  log build
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
  cmake -S . -B "$B" -G Ninja -DLASUITE_CUDA_GENCODE='-gencode=arch=compute_90a,code=sm_90a' >"$LOGS/cmake.log" 2>&1 || {
    tail -20 "$LOGS/cmake.log"; exit 1; }
  ninja -C "$B" -j16 lasuite lasuite_tests >"$LOGS/build.log" 2>&1 || { grep -E "error|FAILED" -A3 "$LOGS/build.log" | head -40; exit 1; }
  grep -E "spill" "$LOGS/build.log" | grep -i la2 | head -5
fi

if has sass; then
  log sass
  for t in bf16 f16 f32; do
    o="$B/CMakeFiles/lasuite_objs.dir/kernels/lightning2/la2_chunk_$t.cu.o"
    cuobjdump --dump-sass "$o" >"$LOGS/sass_$t.txt" 2>/dev/null
    echo "$t: HMMA $(grep -c HMMA "$LOGS/sass_$t.txt") HGMMA $(grep -c HGMMA "$LOGS/sass_$t.txt")" \
      "LDSM $(grep -c LDSM "$LOGS/sass_$t.txt") local(LDL/STL) $(grep -cE '\b(LDL|STL)' "$LOGS/sass_$t.txt")"
  done
  cuobjdump --dump-resource-usage "$B/CMakeFiles/lasuite_objs.dir/kernels/lightning2/la2_chunk_bf16.cu.o" 2>/dev/null |
    grep -E "Function|REG" | head -8
fi

if has sasswgmma; then
  # The Hopper output kernel's SASS (bf16, d = e = 128), whole, to read where its wgmma groups wait.
  log sasswgmma
  o="$B/CMakeFiles/lasuite_objs.dir/kernels/lightning2/la2_chunk_bf16.cu.o"
  cuobjdump --dump-sass --function '_ZN7lasuite3la216la2_wgmma_kernelI13__nv_bfloat16Li128ELi128ELb1EEEvNS0_9ChunkArgsE' "$o" \
    >"$OUT/sass_wgmma_out.txt" 2>&1
  echo "lines $(wc -l <"$OUT/sass_wgmma_out.txt") HGMMA $(grep -c HGMMA "$OUT/sass_wgmma_out.txt")" \
    "WARPGROUP $(grep -c WARPGROUP "$OUT/sass_wgmma_out.txt") LDL/STL $(grep -cE '\b(LDL|STL)' "$OUT/sass_wgmma_out.txt")"
fi

# The GPU tests (TEST_FILTER, default: la2's and the backend's), their output to the given file.
run_tests() {
  local log=$1
  timeout ${TESTS_TIMEOUT:-200} "$B/tests/lasuite_tests" \
    --gtest_filter="${TEST_FILTER:-*CudaBackend*:*La2CudaDefaults*:*La2CudaExtra*:*La2CudaBackwardAlone*:*La2CudaRefuses*:*La2CudaKernelChoice*}" \
    >"$log" 2>&1
  echo "tests rc=$?"
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |FAIL|rel .*FAIL|^device:|^copy|^gemm" "$log" | head -40
}
if has tests; then
  log tests
  run_tests "$OUT/tests.log"
fi
# "key=value,key=value" -> --impl-option key=value ... (la2's options; "" gives none).
impl_opts() {
  local IFS=, kv
  for kv in $1; do printf -- '--impl-option %s ' "$kv"; done
}

# la2's bench at b1 h32 d128 bf16 ALiBi: name (of the files), la2 options ("" or key=value,...),
# lengths, modes, extra arguments.
bench_la2() {
  local name=$1 opts=$2 seqlen=$3 modes=$4; shift 4
  timeout ${BENCH_TIMEOUT:-150} "$B/lasuite" bench --impl la2 --device cuda --seqlen "$seqlen" \
    --batch 1 --heads 32 --dim 128 --dtype bf16 --mode "$modes" --decay alibi $(impl_opts "$opts") \
    --json "$OUT/$name.json" "$@" >"$LOGS/$name.log" 2>&1
  echo "$name ${opts:+($opts) }rc=$?"; grep -E "^\| la2" "$LOGS/$name.log"
}
if has bench; then
  log bench
  bench_la2 bench "" ${BENCH_SEQLEN:-1k,4k,16k,32k,64k,128k} fwd,bwd,fwdbwd --csv "$OUT/bench.csv"
fi
if has benchopt; then
  # The bench again with other plans, to compare: VARIANTS="name:key=value,key=value ..." (files
  # bench_<name>.json; default: the two-pass plan and the mma.sync kernels).
  for v in ${VARIANTS:-twopass:one_pass=off mma:kernel=mma}; do
    log "benchopt ${v%%:*} (${v#*:})"
    bench_la2 "bench_${v%%:*}" "${v#*:}" ${BENCHOPT_SEQLEN:-4k,128k} ${VARIANT_MODES:-fwd,fwdbwd}
  done
fi

if has verify; then
  log verify
  timeout ${VERIFY_TIMEOUT:-150} "$B/lasuite" verify --impl la2 --device cuda --dtype bf16,f16,f32 \
    --json "$OUT/verify.json" >"$LOGS/verify.log" 2>&1
  echo "verify rc=$?"; grep -E "^verify:|FAIL|ERROR" "$LOGS/verify.log" | head -20
fi

if has verifyopt; then
  # la2's verify with the options in VERIFYOPT_A and VERIFYOPT_B (key=value,...), compared check by check
  # (bit-identical when both plans do the same products in the same order); VERIFYOPT_ARGS picks the
  # cases (default: verify's defaults).
  for run in a b; do
    log "verifyopt $run"
    opts=VERIFYOPT_${run^^}
    timeout ${VERIFY_TIMEOUT:-150} "$B/lasuite" verify --impl la2 --device cuda --dtype ${VERIFYOPT_DTYPES:-bf16,f16,f32} \
      $(impl_opts "${!opts:-}") ${VERIFYOPT_ARGS:-} --json "$OUT/verifyopt_$run.json" >"$LOGS/verifyopt_$run.log" 2>&1
    echo "verifyopt $run (${!opts:-defaults}) rc=$?"; grep -E "^verify:|FAIL|ERROR" "$LOGS/verifyopt_$run.log" | head -10
  done
  python3 scripts/compare_verify.py "$OUT/verifyopt_b.json" "$OUT/verifyopt_a.json"
fi

if has verifylong; then
  log verifylong
  timeout ${VERIFYLONG_TIMEOUT:-200} "$B/lasuite" verify --impl la2 --device cuda --dtype bf16,f16,f32 --skip-defaults \
    --long ${LONG_SEQLEN:-16k,128k} --long-batch 1 --long-heads ${LONG_HEADS:-4} --dim 128 --sample-heads 2 --state \
    --json "$OUT/verify_long.json" >"$LOGS/verify_long.log" 2>&1
  echo "verifylong rc=$?"; grep -E "^verify:|FAIL|ERROR" "$LOGS/verify_long.log" | head -20
fi
if has verify1m; then
  # Issue 4's 1M case (b1 h16 d128 bf16, ALiBi), checked on one sampled head (float64 reference on the CPU).
  log verify1m
  timeout ${VERIFY1M_TIMEOUT:-300} "$B/lasuite" verify --impl la2 --device cuda --dtype bf16 --skip-defaults \
    --long 1m --long-batch 1 --long-heads 16 --dim 128 --sample-heads 1 --no-state \
    --json "$OUT/verify_1m.json" >"$LOGS/verify_1m.log" 2>&1
  echo "verify1m rc=$?"; tail -4 "$LOGS/verify_1m.log"
fi

if has ncu; then
  log ncu
  timeout ${NCU_TIMEOUT:-120} ncu --kernel-name regex:${NCU_KERNEL:-la2_chunk} --launch-count 2 --section SpeedOfLight \
    --section Occupancy --section WarpStateStats --section SchedulerStats --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis \
    --metrics "regex:smsp__average_warps_issue_stalled_.*_per_issue_active\\.ratio" \
    "$B/lasuite" bench --impl la2 --device cuda --seqlen ${NCU_SEQLEN:-32k} --batch 1 --heads 32 --dim 128 --dtype bf16 \
    --mode fwd --warmup 1 --repeats 1 --min-time 0 --no-ceilings >"$OUT/ncu.txt" 2>&1
  echo "ncu rc=$?"
  grep -E "la2_chunk_kernel|la2_wgmma_kernel|Duration|Memory Throughput|DRAM Throughput|Compute \(SM\) Throughput|Registers Per|Achieved Occupancy|Theoretical Occupancy|Stall|Issue Slots Busy|Executed Ipc A|L1/TEX Hit|Mem Busy|Max Bandwidth" "$OUT/ncu.txt" | head -60
fi
if has ncubytes; then
  # DRAM bytes and duration of la2's Hopper kernel on one timed forward call (NCUB_SEQLEN, default 4k), with
  # each of NCUB_VARIANTS ("name:key=value,..." la2 options), with ncu's cache control "all" (caches flushed and
  # clean before the kernel: its own traffic) and "none" (as the bench leaves them: its L2 flush's
  # dirty lines still to be written back).
  log ncubytes
  for v in ${NCUB_VARIANTS:-plain:}; do
    for cc in all none; do
      timeout 60 ncu --kernel-name regex:la2_wgmma_kernel --launch-skip 3 --launch-count 1 --cache-control $cc \
        --metrics dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum,lts__t_sector_hit_rate.pct \
        "$B/lasuite" bench --impl la2 --device cuda --seqlen ${NCUB_SEQLEN:-4k} --batch 1 --heads 32 --dim 128 \
        --dtype bf16 --mode fwd --decay alibi --warmup 3 --repeats 1 --min-time 0 --no-ceilings $(impl_opts "${v#*:}") \
        >"$LOGS/ncub_${v%%:*}_$cc.txt" 2>&1
      echo "ncubytes ${v%%:*} cache-control $cc rc=$?:" \
        $(grep -E "dram__bytes|gpu__time_duration|lts__t_sector_hit" "$LOGS/ncub_${v%%:*}_$cc.txt" | awk '{print $1, $(NF-1), $NF}')
    done
  done
fi
if has split; then
  # The states-only split forced to each of SPLITS (option states_split), against the default run by "bench".
  log split
  for k in ${SPLITS:-1 4}; do
    timeout 90 "$B/lasuite" bench --impl la2 --device cuda --seqlen ${SPLIT_SEQLEN:-4k,128k} \
      --batch 1 --heads 32 --dim 128 --dtype bf16 --mode fwd,fwdbwd --decay alibi --impl-option states_split=$k \
      --json "$OUT/split_$k.json" >"$LOGS/split_$k.log" 2>&1
    echo "split $k rc=$?"; grep -E "^\| la2" "$LOGS/split_$k.log"
  done
fi

if has shapes; then
  # The other shapes of issue 4 (1M only with SHAPES_1M=1: about a minute of device time).
  log shapes
  timeout 60 "$B/lasuite" bench --impl la2 --device cuda --seqlen 8k --batch 8 --heads 32 --dim 128 --dtype bf16 \
    --mode fwd,fwdbwd --decay alibi --json "$OUT/shape_b8_n8k.json" >"$LOGS/shapes.log" 2>&1; echo "b8 rc=$?"
  timeout 60 "$B/lasuite" bench --impl la2 --device cuda --seqlen 64k --batch 1 --heads 32 --dim 64 --dtype bf16 \
    --mode fwd,fwdbwd --decay alibi --json "$OUT/shape_d64_n64k.json" >>"$LOGS/shapes.log" 2>&1; echo "d64 rc=$?"
  if [[ ${SHAPES_1M:-0} == 1 ]]; then
    timeout 90 "$B/lasuite" bench --impl la2 --device cuda --seqlen 1m --batch 1 --heads 16 --dim 128 --dtype bf16 \
      --mode fwd,fwdbwd --decay alibi --json "$OUT/shape_h16_n1M.json" >>"$LOGS/shapes.log" 2>&1; echo "1M rc=$?"
  fi
  grep -E "^\| la2" "$LOGS/shapes.log"
fi

if has kerneltimes; then
  # Per-kernel durations (ncu serialises launches, clocks left as found): where a pass's time goes
  # at a short and a long length, to compare with the bench's end-to-end times.
  log kerneltimes
  for n in ${KT_SEQLEN:-4k 128k}; do
    timeout ${NCU_TIMEOUT:-120} ncu --clock-control none --kernel-name regex:'la2|segment_scan' \
      --metrics gpu__time_duration.sum,launch__grid_size,launch__registers_per_thread,sm__warps_active.avg.pct_of_peak_sustained_active,dram__throughput.avg.pct_of_peak_sustained_elapsed \
      "$B/lasuite" bench --impl la2 --device cuda --seqlen $n --batch 1 --heads 32 --dim 128 --dtype bf16 \
      --mode ${KT_MODE:-fwd,bwd} --decay alibi --warmup 1 --repeats 1 --min-time 0 --no-ceilings >"$OUT/kerneltimes_$n.txt" 2>&1
    echo "kerneltimes $n rc=$?"
    grep -E "la2_chunk_kernel|la2_wgmma_kernel|segment_scan|gpu__time_duration|launch__grid_size|dram__throughput" "$OUT/kerneltimes_$n.txt" |
      sed -E 's/\(lasuite::[^)]*\)//; s/ +/ /g' | head -${KT_LINES:-60}
  done
fi
log end
