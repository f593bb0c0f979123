# Sourced, not run: sanitizer_run TOOL LABEL COMMAND... runs COMMAND under compute-sanitizer's TOOL,
# keeps its whole output in $LOGS, and appends one line to $SUMMARY: tool, label, exit code, the
# sanitizer's error summary and the last verify or gtest summary line (the first lines of the report
# too when it failed). SAN_TIMEOUT (seconds, default 120) bounds a run; SAN_INITCHECK_FLAGS (e.g.
# "--check-bulk-copy yes") go to initcheck only: it does not see memory written by bulk (TMA) copies
# unless asked, which cuBLAS's Hopper GEMMs use (vanilla_cublas's reports; issue 15). Where SAN_UNTIL (seconds
# since the epoch) has passed, the run is not started and its line says it was skipped.
# Used by scripts/gpu_sanitize.sh and by the device calls' scripts (results/<device>/scripts_*).
sanitizer_run() {
  local tool=$1 label=$2; shift 2
  local log="$LOGS/san_${tool}_${label//[^A-Za-z0-9_]/_}.log"
  if [[ -n ${SAN_UNTIL:-} ]] && (( $(date +%s) >= SAN_UNTIL )); then
    echo "$tool | $label | skipped: past the call's deadline" | tee -a "$SUMMARY"
    return 0
  fi
  local extra=()
  [[ $tool == initcheck ]] && extra=(${SAN_INITCHECK_FLAGS:-})
  timeout "${SAN_TIMEOUT:-120}" compute-sanitizer --tool "$tool" "${extra[@]}" --error-exitcode 9 --print-limit 20 \
    "$@" >"$log" 2>&1
  local rc=$?
  local errs=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$log" | tr '\n' ' ')
  local ran=$(grep -E "^verify:|^\[  (PASSED|FAILED)" "$log" | tail -1)
  echo "$tool | $label | rc=$rc | ${errs:-no summary} | ${ran:-no verify or test line}" | tee -a "$SUMMARY"
  [[ $rc == 0 ]] || grep -E "=========" "$log" | head -8 | tee -a "$SUMMARY"
}
