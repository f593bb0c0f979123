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
summary="$OUT/sanitize.log"
: >"$summary"

run() {  # tool, label, lasuite arguments...
  local tool=$1 label=$2; shift 2
  local log="$LOGS/san_${tool}_${label//[^A-Za-z0-9_]/_}.log"
  # SAN_INITCHECK_FLAGS (e.g. "--check-bulk-copy yes"): initcheck does not see memory written by bulk
  # (TMA) copies unless asked, which cuBLAS's Hopper GEMMs use (vanilla_cublas's reports; issue 15).
  local extra=()
  [[ $tool == initcheck ]] && extra=(${SAN_INITCHECK_FLAGS:-})
  timeout ${SAN_TIMEOUT:-120} compute-sanitizer --tool "$tool" "${extra[@]}" --error-exitcode 9 --print-limit 20 \
    "$B/lasuite" "$@" >"$log" 2>&1
  local rc=$?
  local errs=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$log" | tr '\n' ' ')
  local ver=$(grep -E "^verify:" "$log" | tail -1)
  echo "$tool | $label | rc=$rc | ${errs:-no summary} | ${ver:-no verify line}" | tee -a "$summary"
  [[ $rc == 0 ]] || grep -E "=========" "$log" | head -8 | tee -a "$summary"
}

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
