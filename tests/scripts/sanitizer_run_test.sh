#!/usr/bin/env bash
# scripts/sanitizer_run.sh, which every device call's sanitizer runs go through, against a stand-in for
# compute-sanitizer (none on a machine without a GPU): a clean run's summary line (tool, label, exit code, the
# tool's error summary, the run's last verify line), a run with errors (its exit code and its first report lines
# in the summary), the initcheck-only flags reaching initcheck alone, a hung run ended by SAN_TIMEOUT, and a run past
# SAN_UNTIL logged as skipped and not started.
# Usage: sanitizer_run_test.sh SOURCE_DIR
set -uo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$tmp/bin" "$tmp/logs"
# The stand-in: records its arguments, then behaves as the program it was given says (the last argument).
cat >"$tmp/bin/compute-sanitizer" <<'SH'
#!/usr/bin/env bash
echo "args: $*" >>"$STUB_ARGS"
case "${!#}" in
  clean) echo "verify: 12 passed, 0 failed, 0 skipped"; echo "========= ERROR SUMMARY: 0 errors"; exit 0 ;;
  racy) echo "========= Error: Race reported between Write access at foo and Read access at bar"
        echo "========= ERROR SUMMARY: 3 errors"; exit 9 ;;
  hang) exec sleep 30 ;;
esac
SH
chmod +x "$tmp/bin/compute-sanitizer"
export PATH="$tmp/bin:$PATH" STUB_ARGS="$tmp/args"
source "$src/scripts/sanitizer_run.sh"
LOGS=$tmp/logs SUMMARY=$tmp/summary.log SAN_INITCHECK_FLAGS="--check-bulk-copy yes"

sanitizer_run memcheck "clean case" ./lasuite verify clean >/dev/null
sanitizer_run initcheck clean_init ./lasuite verify clean >/dev/null
sanitizer_run racecheck racy ./lasuite verify racy >/dev/null
SAN_TIMEOUT=1 sanitizer_run synccheck hung ./lasuite verify hang >/dev/null
SAN_UNTIL=$(( $(date +%s) - 1 )) sanitizer_run memcheck late ./lasuite verify clean >/dev/null
cat "$tmp/summary.log"

grep -q "^memcheck | clean case | rc=0 | ========= ERROR SUMMARY: 0 errors  | verify: 12 passed, 0 failed, 0 skipped$" \
  "$tmp/summary.log" || fail "the clean run's line"
[[ -s $tmp/logs/san_memcheck_clean_case.log ]] || fail "the clean run's whole output not kept (label's space made safe)"
grep -q "^racecheck | racy | rc=9 | ========= ERROR SUMMARY: 3 errors" "$tmp/summary.log" || fail "the racy run's line"
grep -q "Race reported between Write access at foo" "$tmp/summary.log" || fail "the racy run's report not in the summary"
grep -q "^synccheck | hung | rc=124 | no summary" "$tmp/summary.log" || fail "the hung run not ended by SAN_TIMEOUT"
grep "args: --tool initcheck" "$tmp/args" | grep -q -- "--check-bulk-copy yes" || fail "initcheck without its flags"
grep -v "args: --tool initcheck" "$tmp/args" | grep -q -- "--check-bulk-copy" && fail "another tool given initcheck's flags"
grep "args: --tool racecheck" "$tmp/args" | grep -q -- "--error-exitcode 9" || fail "no --error-exitcode"
grep -q "^memcheck | late | skipped: past the call's deadline$" "$tmp/summary.log" || fail "the late run's line"
[[ ! -e $tmp/logs/san_memcheck_late.log ]] && [[ $(grep -c "args: --tool memcheck" "$tmp/args") == 1 ]] ||
  fail "the late run was started"
echo "PASS"
