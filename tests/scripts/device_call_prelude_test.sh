#!/usr/bin/env bash
# scripts/device_call_prelude.sh, which every device call sources, on this machine with stand-ins for the device's
# tools (nvidia-smi, cmake, ninja, compute-sanitizer, and a lasuite that writes its result file): a call that builds
# beside a base tree, runs check_la2, the four sanitizers and an A/B leaves its files tarred in $OUT; past their
# deadlines sanitize_four logs each case it skipped and bench_row each row; a call ended by SIGTERM (a device call
# past its limit) still tars what it has. Nothing here runs on a GPU: the device's own runs are the results/<device>/scripts_sNN calls.
# Usage: device_call_prelude_test.sh SOURCE_DIR
set -uo pipefail
src=$1
tmp=$(mktemp -d)
call=prelude_test_$$
trap 'rm -rf "$tmp" /tmp/res_${call}*' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$tmp/bin" "$tmp/out" "$tmp/base"
cat >"$tmp/bin/nvidia-smi" <<'SH'
#!/usr/bin/env bash
echo "name, driver_version"; echo "stand-in, 0"
SH
cat >"$tmp/bin/cmake" <<'SH'
#!/usr/bin/env bash
while [[ $# -gt 0 ]]; do [[ $1 == -B ]] && mkdir -p "$2"; shift; done
SH
# ninja -C DIR targets: a lasuite that prints a verify or bench line and writes its --json file, and the tests.
cat >"$tmp/bin/ninja" <<'SH'
#!/usr/bin/env bash
dir=$2
mkdir -p "$dir/tests"
cat >"$dir/lasuite" <<'EOS'
#!/usr/bin/env bash
json=; prev=
for a in "$@"; do [[ $prev == --json ]] && json=$a; prev=$a; done
[[ -n $json ]] && echo '{"rows": []}' >"$json"
[[ $1 == verify ]] && echo "verify: 3 passed, 0 failed, 0 skipped"
[[ $1 == bench ]] && echo "| la2 | bf16 | stand-in |"
exit 0
EOS
printf '#!/usr/bin/env bash\necho "[  PASSED  ] 1 test."\n' >"$dir/tests/lasuite_tests"
chmod +x "$dir/lasuite" "$dir/tests/lasuite_tests"
echo "[1/1] stand-in build of $dir"
SH
cat >"$tmp/bin/compute-sanitizer" <<'SH'
#!/usr/bin/env bash
while [[ $# -gt 0 && $1 != */lasuite ]]; do shift; done
"$@"; echo "========= ERROR SUMMARY: 0 errors"
SH
chmod +x "$tmp/bin/"*
export PATH="$tmp/bin:$PATH" OUT="$tmp/out" SESSION=t COMMIT=0000000 B="$tmp/bld" BB="$tmp/bld_base"

# A whole call: the build beside a base tree, check_la2, the four sanitizers.
(
  cd "$src" || exit 1
  CALL=$call TARGETS=lasuite
  source scripts/device_call_prelude.sh
  build_beside "$tmp/base"
  [[ -x $B/lasuite_base ]] || { echo "no base binary"; exit 1; }
  check_la2 x $B/lasuite
  cases() { sanitizer_run $1 small $B/lasuite verify --impl la2; }
  sanitize_four cases
  ab_rounds "d128 --seqlen 4k --heads 32 --dim 128" "b8 --batch 8 --seqlen 8k"
  el "call done"
) >"$tmp/call.log" 2>&1 || { cat "$tmp/call.log"; fail "the call"; }
cat "$tmp/call.log"
grep -q "build rc=0" "$tmp/call.log" && grep -q "base built" "$tmp/call.log" || fail "the builds not logged"
tar tzf "$OUT/t_$call.tgz" >"$tmp/files" || fail "no tarball in OUT"
for f in gpu.txt verify_la2_bf16_long_x.json verify_la2_f16_f32_x.json sanitize.log san/san_memcheck_small.log \
         ab_d128_lasuite_r1.json ab_b8_lasuite_base_r2.json; do
  grep -q "res_$call/$f$" "$tmp/files" || fail "$f not in the tarball: $(cat "$tmp/files")"
done
tar xzf "$OUT/t_$call.tgz" -C "$tmp" res_$call/sanitize.log
[[ $(grep -c "| rc=0 | ========= ERROR SUMMARY: 0 errors" "$tmp/res_$call/sanitize.log") == 4 ]] ||
  fail "four clean sanitizer lines expected: $(cat "$tmp/res_$call/sanitize.log")"
[[ $(grep -c "^\[[0-9]* s\] ab_.*_r[12] rc=0$" "$tmp/call.log") == 8 ]] || fail "the A/B's eight rows not run"

# Past the deadline the tools are logged as skipped, not run.
(
  cd "$src" || exit 1
  CALL=${call}_late TARGETS=lasuite
  source scripts/device_call_prelude.sh
  cases() { sanitizer_run $1 small $B/lasuite verify --impl la2; sanitizer_run $1 other $B/lasuite verify --impl la2; }
  SAN_DEADLINE=0 SAN_TOOLS="memcheck synccheck" sanitize_four cases
  BENCH_DEADLINE=0 bench_row late $B/lasuite --seqlen 4k
) >"$tmp/late.log" 2>&1
[[ $(grep -c "skipped: past the call's deadline" /tmp/res_${call}_late/sanitize.log) == 4 ]] ||
  fail "each case of each tool asked for logged as skipped: $(cat /tmp/res_${call}_late/sanitize.log)"
grep -q "4 cases in sanitize.log skipped past 0 s" "$tmp/late.log" || fail "the skipped count: $(cat "$tmp/late.log")"
grep -q "late skipped: past 0 s" "$tmp/late.log" || fail "bench_row past its deadline: $(cat "$tmp/late.log")"
[[ ! -e /tmp/res_${call}_late/late.json ]] || fail "bench_row ran past its deadline"

# SIGTERM mid-call (a device call past its limit): what it has is still tarred.
(
  cd "$src" || exit 1
  CALL=${call}_term TARGETS=lasuite
  source scripts/device_call_prelude.sh
  echo partial >$R/partial.txt
  sleep 30 &
  echo $! >"$tmp/sleep.pid"
  wait $!
) >"$tmp/term.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [[ -e /tmp/res_${call}_term/partial.txt ]] && break; sleep 0.1; done
kill -TERM $pid
wait $pid
rc=$?
kill "$(cat "$tmp/sleep.pid")" 2>/dev/null
[[ $rc == 143 ]] || fail "the call ended by SIGTERM exited $rc"
tar tzf "$OUT/t_${call}_term.tgz" | grep -q "res_${call}_term/partial.txt$" || fail "SIGTERM: the partial file not tarred"
echo "PASS"
