#!/usr/bin/env bash
# The session's closing GPU runs, in phases that each fit one device call (10 minutes). Result files
# are named after the device (TAG, default h200) and go to $OUT/results_<phase>.tgz (the device returns
# at most 8 files); a summary is printed last. BUILD holds the binaries (lasuite, tests/lasuite_tests);
# PREBUILT=1 uses binaries built elsewhere and carried, otherwise they are built here (sm_90a).
#   PHASE=check  every GPU test, `lasuite verify` of every GPU implementation, compute-sanitizer's four
#                tools on small cases of every kernel (scripts/gpu_sanitize.sh; SANITIZE=0 skips them),
#                la2 at 16k/128k and 1M
#   PHASE=sweep  every GPU implementation at b1 h32 d128 bf16, n = 1k..128k, fwd/bwd/fwdbwd (the
#                README's tables and figures), la2 SWEEP_REPEATS (2) more times alone (flatness), la2 on
#                the other shapes (1M only with SWEEP_1M=1, the default)
#   PHASE=ext    the external implementations on the sweep's shape, from a carried .ext
# FLAT=1 writes the files straight into $OUT instead of a tarball (when they are few enough to come back).
# LASUITE_GIT_COMMIT must name the commit: the tree arrives without .git.
set -uo pipefail
: "${OUT:?}" "${LASUITE_GIT_COMMIT:?set LASUITE_GIT_COMMIT to the commit being run}"
export LASUITE_GIT_COMMIT
B=${BUILD:-/tmp/lasuite-final}
TAG=${TAG:-h200}
PHASE=${PHASE:-check}
R=$OUT/r
[[ ${FLAT:-0} == 1 ]] && R=$OUT
mkdir -p "$R"
step() { echo "== $1 ($(date +%T))"; }
shape="--batch 1 --heads 32 --dim 128 --dtype bf16"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader

if [[ ${PREBUILT:-0} == 1 ]]; then
  step "prebuilt $B"
else
  step build
  cmake -S . -B "$B" -G Ninja -DLASUITE_CUDA_GENCODE='-gencode=arch=compute_90a,code=sm_90a' >"$R/cmake.log" 2>&1 &&
    timeout 300 ninja -C "$B" -j16 lasuite lasuite_tests >"$R/build.log" 2>&1 || { tail -30 "$R/build.log"; exit 1; }
fi

if [[ $PHASE == check ]]; then
  step "GPU tests (every *Cuda* test and la2's options)"
  timeout ${TESTS_TIMEOUT:-300} "$B/tests/lasuite_tests" --gtest_filter='*Cuda*:*La2Options*' >"$R/${TAG}_tests_cuda.txt" 2>&1
  echo "tests rc=$?"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED" "$R/${TAG}_tests_cuda.txt" | head -20

  step "verify (every GPU implementation, verify defaults, bf16 f16 f32)"
  timeout 200 "$B/lasuite" verify --device cuda --dtype bf16,f16,f32 --json "$R/${TAG}_verify_gpu_all.json" \
    >"$R/${TAG}_verify_gpu_all.log" 2>&1
  echo "verify rc=$?"; grep -E "FAIL|ERROR" "$R/${TAG}_verify_gpu_all.log" | head -10; tail -1 "$R/${TAG}_verify_gpu_all.log"

  [[ ${SANITIZE:-1} == 1 ]] && step "compute-sanitizer: memcheck initcheck racecheck synccheck" && {
  OUT=$R LOGS=/tmp/san-logs BUILD=$B SAN_DTYPES=${SAN_DTYPES:-bf16,f32} scripts/gpu_sanitize.sh >/dev/null 2>&1
  mv "$R/sanitize.log" "$R/${TAG}_sanitize.log"
  awk -F'|' '{print $1 "|" $2 "|" $3}' "$R/${TAG}_sanitize.log" | grep -v "rc=0" | head -20
  echo "sanitizer runs: $(grep -c ' rc=' "$R/${TAG}_sanitize.log"), exit 0: $(grep -c ' rc=0 ' "$R/${TAG}_sanitize.log")"
  tar czf "$R/${TAG}_sanitize_logs.tgz" -C /tmp san-logs
  }

  step "la2 long cases (16k, 128k; b1 h4, 2 sampled heads) and 1M (b1 h16, ALiBi and none, 2 sampled heads)"
  timeout 200 "$B/lasuite" verify --impl la2 --device cuda --dtype bf16,f16,f32 --skip-defaults --long 16k,128k \
    --long-batch 1 --long-heads 4 --dim 128 --sample-heads 2 --json "$R/${TAG}_la2_verify_long.json" \
    >"$R/la2_verify_long.log" 2>&1
  echo "verify long rc=$?"; tail -1 "$R/la2_verify_long.log"
  timeout 240 "$B/lasuite" verify --impl la2 --device cuda --dtype bf16 --skip-defaults --long 1m --long-batch 1 \
    --long-heads 16 --dim 128 --sample-heads 2 --no-state --json "$R/${TAG}_la2_verify_1m.json" >"$R/la2_verify_1m.log" 2>&1
  echo "verify 1m rc=$?"; tail -1 "$R/la2_verify_1m.log"
fi

if [[ $PHASE == sweep ]]; then
  step "sweep: every GPU implementation, n = 1k..128k"
  timeout 330 "$B/lasuite" bench --device cuda --impl la2,la1,flash_softmax,cudnn_sdpa,cumsum_cuda,vanilla_cublas \
    --seqlen 1k..128k $shape --mode fwd,bwd,fwdbwd --decay alibi --row-time-limit 2 --repeats 5 --min-time 0.1 \
    --json "$R/${TAG}_sweep_all_b1_h32_d128_bf16.json" --csv "$R/${TAG}_sweep_all_b1_h32_d128_bf16.csv" \
    >"$R/sweep_all.log" 2>&1
  echo "sweep rc=$?"; grep -E "^\| la2 " "$R/sweep_all.log"

  step "la2 alone, ${SWEEP_REPEATS:=2} times (flatness, the bench's default sample counts)"
  for ((k = 1; k <= SWEEP_REPEATS; ++k)); do
    timeout 60 "$B/lasuite" bench --device cuda --impl la2 --seqlen 4k,8k,16k,32k,64k,128k $shape --mode fwd,fwdbwd \
      --decay alibi --no-ceilings --json "$R/${TAG}_la2_flat_repeat$k.json" >"$R/flat$k.log" 2>&1
    echo "repeat $k rc=$?"
  done

  step "la2 on the other shapes"
  timeout 40 "$B/lasuite" bench --device cuda --impl la2 --seqlen 8k --batch 8 --heads 32 --dim 128 --dtype bf16 \
    --mode fwd,fwdbwd --json "$R/${TAG}_la2_b8_h32_d128_n8k.json" >"$R/shapes.log" 2>&1; echo "b8 rc=$?"
  timeout 40 "$B/lasuite" bench --device cuda --impl la2 --seqlen 64k --batch 1 --heads 32 --dim 64 --dtype bf16 \
    --mode fwd,fwdbwd --json "$R/${TAG}_la2_b1_h32_d64_n64k.json" >>"$R/shapes.log" 2>&1; echo "d64 rc=$?"
  if [[ ${SWEEP_1M:-1} == 1 ]]; then
    timeout 60 "$B/lasuite" bench --device cuda --impl la2 --seqlen 1m --batch 1 --heads 16 --dim 128 --dtype bf16 \
      --mode fwd,fwdbwd --json "$R/${TAG}_la2_b1_h16_d128_n1M.json" >>"$R/shapes.log" 2>&1; echo "1M rc=$?"
  fi
  grep -E "^\| la2" "$R/shapes.log"
fi

if [[ $PHASE == ext ]]; then
  step "external implementations (carried .ext)"
  python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
  PYTHONUNBUFFERED=1 timeout ${EXT_TIMEOUT:-480} python3 baselines/external/run_external.py --extra-path .ext \
    --impl lightning_attn2,sdpa_flash,sdpa_cudnn,fla_chunk,lightning_attn2_nodecay --seqlen 1k..128k $shape \
    --mode fwd,bwd,fwdbwd --row-time-limit 20 --git-commit "$LASUITE_GIT_COMMIT" \
    --json "$R/${TAG}_ext_b1_h32_d128_bf16.json" >"$R/external.log" 2>&1
  echo "external rc=$?"; grep -vE "^\s*$" "$R/external.log" | tail -25
fi

[[ ${FLAT:-0} == 1 ]] || { tar czf "$OUT/results_${PHASE}.tgz" -C "$OUT" r && rm -rf "$R"; }
step done
