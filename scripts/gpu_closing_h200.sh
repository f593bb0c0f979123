#!/usr/bin/env bash
# One device call that makes results/h200's sweep files (commit af0d766): on carried binaries, racecheck
# and synccheck of la2's wgmma kernel (three plans, bf16), then the sweep of every GPU implementation and
# la2 on two other shapes, the files straight into $OUT (at most 8 come back). A shorter gpu_final.sh
# (PHASE=sweep) for when the device time left fits one call.
set -uo pipefail
: "${OUT:?}" "${LASUITE_GIT_COMMIT:?}" "${BUILD:?}"
export LASUITE_GIT_COMMIT
B=$BUILD
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,memory.total --format=csv,noheader
echo "== sanitizers ($(date +%T))"
TOOLS="synccheck racecheck" SAN_PLANS="default one_pass=off segments=1" SAN_OTHERS=" " SAN_DTYPES=bf16 SAN_TIMEOUT=90 \
  OUT=$OUT LOGS=/tmp/san-logs BUILD=$B scripts/gpu_sanitize.sh
mv "$OUT/sanitize.log" "$OUT/h200_la2_sanitize_named_barrier.log"
shape="--batch 1 --heads 32 --dim 128 --dtype bf16"
echo "== sweep ($(date +%T))"
timeout 330 "$B/lasuite" bench --device cuda --impl la2,la1,flash_softmax,cudnn_sdpa,cumsum_cuda,vanilla_cublas \
  --seqlen 1k..128k $shape --mode fwd,bwd,fwdbwd --decay alibi --row-time-limit 2 --repeats 5 --min-time 0.1 \
  --json "$OUT/h200_sweep_all_b1_h32_d128_bf16.json" --csv "$OUT/h200_sweep_all_b1_h32_d128_bf16.csv" \
  >"$OUT/h200_sweep_all.log" 2>&1
echo "sweep rc=$?"; grep -E "^\| la2 " "$OUT/h200_sweep_all.log"
echo "== shapes ($(date +%T))"
timeout 40 "$B/lasuite" bench --device cuda --impl la2 --seqlen 8k --batch 8 --heads 32 --dim 128 --dtype bf16 \
  --mode fwd,fwdbwd --json "$OUT/h200_la2_b8_h32_d128_n8k.json" >/tmp/shapes.log 2>&1; echo "b8 rc=$?"
timeout 40 "$B/lasuite" bench --device cuda --impl la2 --seqlen 64k --batch 1 --heads 32 --dim 64 --dtype bf16 \
  --mode fwd,fwdbwd --json "$OUT/h200_la2_b1_h32_d64_n64k.json" >>/tmp/shapes.log 2>&1; echo "d64 rc=$?"
grep -E "^\| la2" /tmp/shapes.log
echo "== done ($(date +%T))"
