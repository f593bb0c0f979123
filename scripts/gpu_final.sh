#!/usr/bin/env bash
# The session's closing GPU runs, in two phases that each fit one device call (10 minutes):
#   PHASE=a  build (sm_90a; PREBUILT=1: use the carried $BUILD/lasuite), `lasuite verify` of every GPU implementation, the all-implementations
#            sweep (issue 5: b1 h32 d128 bf16, n = 1k..128k, fwd/bwd/fwdbwd, per-row time limit),
#            and la2 on the other shapes of issue 4.
#   PHASE=b  the external implementations on the sweep's shape (issue 6), from a carried .ext.
# Each step has its own time cap, so a slow step costs its cap and the rest still runs. Results go
# to $OUT/results.tgz (the device returns at most 8 files) and a summary is printed last.
# LASUITE_GIT_COMMIT must name the commit: the tree arrives without .git.
set -uo pipefail
: "${OUT:?}" "${LASUITE_GIT_COMMIT:?set LASUITE_GIT_COMMIT to the commit being run}"
export LASUITE_GIT_COMMIT
B=${BUILD:-/tmp/lasuite-final}
R=$OUT/r
mkdir -p "$R"
step() { echo "== $1 ($(date +%T))"; }
shape="--batch 1 --heads 32 --dim 128 --dtype bf16"

if [[ ${PHASE:-a} == a ]]; then
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
  if [[ ${PREBUILT:-0} == 1 ]]; then  # $B/lasuite was built elsewhere and carried
    step "prebuilt $B/lasuite"
  else
    step build
    cmake -S . -B "$B" -G Ninja -DLASUITE_CUDA_GENCODE='-gencode=arch=compute_90a,code=sm_90a' >"$R/cmake.log" 2>&1 &&
      timeout 240 ninja -C "$B" -j16 lasuite >"$R/build.log" 2>&1 || { tail -30 "$R/build.log"; exit 1; }
  fi

  step "verify (every GPU implementation, verify defaults, bf16 f16 f32)"
  timeout 150 "$B/lasuite" verify --device cuda --dtype bf16,f16,f32 --json "$R/h100_verify_gpu_all.json" \
    >"$R/verify_gpu_all.log" 2>&1
  echo "verify rc=$?"; grep -E "FAIL|ERROR" "$R/verify_gpu_all.log" | head -10; tail -1 "$R/verify_gpu_all.log"

  step "sweep: every GPU implementation, n = 1k..128k"
  timeout 300 "$B/lasuite" bench --device cuda --impl la2,la1,flash_softmax,cudnn_sdpa,cumsum_cuda,vanilla_cublas \
    --seqlen 1k..128k $shape --mode fwd,bwd,fwdbwd --decay alibi --row-time-limit 2 --repeats 5 --min-time 0.1 \
    --json "$R/h100_sweep_all_b1_h32_d128_bf16.json" --csv "$R/h100_sweep_all_b1_h32_d128_bf16.csv" \
    >"$R/sweep_all.log" 2>&1
  echo "sweep rc=$?"

  step "la2 on the other shapes of issue 4"
  timeout 40 "$B/lasuite" bench --device cuda --impl la2 --seqlen 8k --batch 8 --heads 32 --dim 128 --dtype bf16 \
    --mode fwd,fwdbwd --json "$R/h100_la2_b8_h32_d128_n8k.json" >"$R/issue4.log" 2>&1; echo "b8 rc=$?"
  timeout 40 "$B/lasuite" bench --device cuda --impl la2 --seqlen 64k --batch 1 --heads 32 --dim 64 --dtype bf16 \
    --mode fwd,fwdbwd --json "$R/h100_la2_b1_h32_d64_n64k.json" >>"$R/issue4.log" 2>&1; echo "d64 rc=$?"
  timeout 60 "$B/lasuite" bench --device cuda --impl la2 --seqlen 1m --batch 1 --heads 16 --dim 128 --dtype bf16 \
    --mode fwd,fwdbwd --json "$R/h100_la2_b1_h16_d128_n1M.json" >>"$R/issue4.log" 2>&1; echo "1M rc=$?"
  grep -E "^\| la2" "$R/issue4.log"
else
  step "external implementations (carried .ext)"
  python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
  PYTHONUNBUFFERED=1 timeout ${EXT_TIMEOUT:-480} python3 baselines/external/run_external.py --extra-path .ext \
    --impl lightning_attn2,sdpa_flash,sdpa_cudnn,fla_chunk,lightning_attn2_nodecay --seqlen 1k..128k $shape \
    --mode fwd,bwd,fwdbwd --row-time-limit 20 --git-commit "$LASUITE_GIT_COMMIT" \
    --json "$R/h100_ext_b1_h32_d128_bf16.json" >"$R/external.log" 2>&1
  echo "external rc=$?"; grep -vE "^\s*$" "$R/external.log" | tail -25
fi

tar czf "$OUT/results_${PHASE:-a}.tgz" -C "$OUT" r && rm -rf "$R"
step done
