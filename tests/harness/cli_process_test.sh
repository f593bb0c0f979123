#!/usr/bin/env bash
# What only the whole process shows (harness/main.cpp), on the lasuite executable:
#   - a reader that closes the pipe early ends the run as a closed pipe ends any program (SIGPIPE), after the
#     result file is written; a standard output that cannot be written otherwise (a full device) is exit 1
#     with a line saying so;
#   - a process that is a secondary rank by the launcher's environment says so on stderr and writes nothing;
#   - an unknown option before the subcommand is named by the parser, not taken for a misspelt subcommand;
#   - SIGINT (Ctrl-C) stops a run after the case running, keeping what finished, and ends it by SIGINT.
# Usage: cli_process_test.sh LASUITE
set -uo pipefail
lasuite=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
small=(verify --impl la2_cpu --dtype f32 --long 64 --long-heads 1 --dim 8 --skip-defaults)

# The pipe's reading end closed before lasuite starts, so its first write already finds no reader (a `| head`
# would race it: output that fits the pipe before head leaves raises nothing).
rc=$(python3 - "$lasuite" "${small[@]}" --json "$tmp/piped.json" 2>"$tmp/err.txt" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=sys.stderr)
print(128 - p.returncode if p.returncode < 0 else p.returncode)
PY
)
[[ $rc == 141 ]] || { cat "$tmp/err.txt"; fail "a closed pipe: exit $rc, expected 141 (SIGPIPE)"; }
grep -q '"schema_version"' "$tmp/piped.json" || fail "a closed pipe: the result file was not written"
echo "ok: a closed pipe ends by SIGPIPE after the result file is written"

"$lasuite" list >/dev/full 2>"$tmp/err.txt"
rc=$?
[[ $rc == 1 ]] || fail "a full standard output: exit $rc, expected 1"
grep -q "the standard output could not be written" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "no line says why"; }
echo "ok: a full standard output exits 1 and says so"

OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1 "$lasuite" "${small[@]}" --json "$tmp/rank1.json" >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
[[ $rc == 0 ]] || { cat "$tmp/err.txt"; fail "a secondary rank: exit $rc"; }
grep -q "rank 1 of 2 by the launcher's environment" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "a secondary rank is silent"; }
[[ ! -e "$tmp/rank1.json" && ! -s "$tmp/out.txt" ]] || fail "a secondary rank printed or wrote"
grep -q "^wrote" "$tmp/err.txt" && fail "a secondary rank claims a file it did not write"
echo "ok: a secondary rank says it leaves the results to rank 0"

"$lasuite" --foo bar verify >"$tmp/out.txt" 2>&1
rc=$?
[[ $rc == 2 ]] || fail "an unknown option: exit $rc, expected 2"
grep -q -- "--foo" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "the unknown option is not named"; }
echo "ok: an unknown option before the subcommand is named"

# SIGINT during a run of twenty short long-cases (Ctrl-C; each well inside the 5 s grace, also under load): the case
# running finishes, the ones left are SKIP rows, the result file is written, and the process ends by SIGINT (a shell
# reports 130). The child's SIGINT is reset to its default first: a shell's background job inherits it ignored.
rc=$(python3 - "$lasuite" "$tmp/interrupted.json" 2>"$tmp/err.txt" <<'PY'
import signal, subprocess, sys
lasuite, out = sys.argv[1], sys.argv[2]
p = subprocess.Popen([lasuite, "verify", "--impl", "la2_cpu", "--dtype", "f32", "--skip-defaults", "--long",
                      "2k,3k,4k,5k,6k", "--long-heads", "4", "--json", out], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
for line in p.stderr:  # the first of the twenty cases has started
    sys.stderr.write(line)
    if "[1/20 of --long" in line:
        break
p.send_signal(signal.SIGINT)
sys.stderr.write(p.stderr.read())
rc = p.wait()
print(128 - rc if rc < 0 else rc)
PY
)
[[ $rc == 130 ]] || { cat "$tmp/err.txt"; fail "SIGINT: exit $rc, expected 130 (ended by SIGINT)"; }
grep -q "asked to stop" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "SIGINT: no line says the run will stop"; }
python3 -c 'import json, sys; rows = json.load(open(sys.argv[1]))["rows"]; s = [r["status"] for r in rows]
sys.exit(not (len(rows) == 20 and s[0] == "pass" and s.count("skipped") >= 10
              and all(r["reason"] == "not run: SIGINT was received" for r in rows if r["status"] == "skipped")))' \
  "$tmp/interrupted.json" || fail "SIGINT: the result file does not hold the finished case and the rest not run"
echo "ok: SIGINT ends the run after the case running, records the rest as not run and writes the result file"
echo PASS
