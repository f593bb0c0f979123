#!/usr/bin/env bash
# compute-sanitizer's four tools (memcheck, initcheck, racecheck, synccheck) over small cases of the GPU
# kernels: `lasuite verify` of each implementation on short sequences (forward and backward, with a
# state where supported), la2 once per plan (its options). One line per run in $OUT/sanitize.log:
# tool, what ran, the sanitizer's error summary and exit code; each run's whole output in $LOGS.
# Usage (on the GPU machine): OUT=... BUILD=build-dir [TOOLS=...] [SAN_PLANS=...] [SAN_OTHERS=...]
# [SAN_DTYPES=...] [SAN_INITCHECK_FLAGS=...] scripts/gpu_sanitize.sh
set -uo pipefail
OUT=${OUT:-$PWD/gpu_out}
B=${BUILD:-/tmp/lasuite-build}
LOGS=${LOGS:-/tmp/lasuite-logs}
TOOLS=${TOOLS:-"memcheck initcheck racecheck synccheck"}
DTYPES=${SAN_DTYPES:-bf16,f16,f32}
# la2: 999 tokens at 32 heads give 4 segments (the one-pass plan by default); each plan below is one run.
PLANS=${SAN_PLANS:-"default one_pass=off scan=kernel segments=1 kernel=mma inc_order=first_last"}
OTHERS=${SAN_OTHERS:-"la1 flash_softmax cumsum_cuda vanilla_cublas cudnn_sdpa"}
mkdir -p "$OUT" "$LOGS"
SUMMARY="$OUT/sanitize.log"
: >"$SUMMARY"
source "$(dirname "${BASH_SOURCE[0]}")/sanitizer_run.sh"
run() { local tool=$1 label=$2; shift 2; sanitizer_run "$tool" "$label" "$B/lasuite" "$@"; }

for tool in $TOOLS; do
  for plan in $PLANS; do
    opts=()
    [[ $plan == default ]] || opts=(--impl-option "$plan")
    run "$tool" "la2_$plan" verify --impl la2 --device cuda --dtype "$DTYPES" --skip-defaults --long 999 \
      --long-batch 1 --long-heads 32 --dim 128 --sample-heads 1 --state "${opts[@]}"
  done
  for impl in $OTHERS; do
    run "$tool" "$impl" verify --impl "$impl" --device cuda --dtype "$DTYPES" --skip-defaults --long 200 \
      --long-batch 1 --long-heads 2 --dim 64 --sample-heads 1
  done
done
