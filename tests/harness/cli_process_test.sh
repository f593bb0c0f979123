#!/usr/bin/env bash
# What only the whole process shows (harness/main.cpp), on the lasuite executable:
#   - a reader that closes the pipe early ends the run as a closed pipe ends any program (SIGPIPE), after the
#     result file is written; a standard output that cannot be written otherwise (a full device) is exit 1
#     with a line saying so;
#   - a process that is a secondary rank by the launcher's environment says so on stderr and writes nothing, and
#     --time-limit is refused under a launch of several processes;
#   - an unknown option before the subcommand is named by the parser, not taken for a misspelt subcommand;
#   - SIGINT and SIGTERM stop verify and bench after the case or row running, keeping what finished, and end the
#     process by the signal; a second one ends it at once; one inherited as ignored stays ignored.
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

small_bench=(bench --device cpu --impl la2_cpu --dtype f32 --seqlen 64 --heads 1 --dim 8 --mode fwd)
for command in small small_bench; do
  declare -n args=$command
  OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$lasuite" "${args[@]}" --time-limit 5 >"$tmp/out.txt" 2>&1
  rc=$?
  [[ $rc == 2 ]] || { cat "$tmp/out.txt"; fail "${args[0]} --time-limit under a launch of 2: exit $rc, expected 2"; }
  grep -q "does not apply under a launch of 2 processes" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "${args[0]}: no reason given"; }
  unset -n args
done
echo "ok: --time-limit is refused under a launch of several processes"

"$lasuite" --foo bar verify >"$tmp/out.txt" 2>&1
rc=$?
[[ $rc == 2 ]] || fail "an unknown option: exit $rc, expected 2"
grep -q -- "--foo" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "the unknown option is not named"; }
echo "ok: an unknown option before the subcommand is named"

# Stop signals through the whole process (harness/stop_signals.h), each a scenario of the Python below:
#   - SIGINT during verify's twenty short long-cases (each well inside the 5 s grace, also under load): the case
#     running finishes, the ones left are SKIP rows, the result file is written, the process ends by SIGINT;
#   - SIGTERM during a bench sweep: the row running finishes, the rest are timeouts not run, ended by SIGTERM;
#   - a second SIGINT ends the process at once, writing nothing;
#   - a SIGINT the parent set to be ignored (a shell's background job, nohup) stays ignored: the run completes.
# Each child's SIGINT is set explicitly first, since a shell's background job (ctest's parent) may pass it ignored.
python3 - "$lasuite" "$tmp" <<'PY' || fail "stop signals (above)"
import json, os, signal, subprocess, sys, time
lasuite, tmp = sys.argv[1], sys.argv[2]

def run(args, started, signals, sigint=signal.SIG_DFL):
    """Starts lasuite, waits for a stderr line holding `started`, sends `signals` 0.2 s apart; (returncode, stderr)."""
    p = subprocess.Popen([lasuite] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    err = []
    for line in p.stderr:
        err.append(line)
        if started in line:
            break
    for i, sig in enumerate(signals):
        if i:
            time.sleep(0.2)
        p.send_signal(sig)
    err.append(p.stderr.read())
    return p.wait(), "".join(err)

def check(ok, what, err):
    if not ok:
        sys.stderr.write(err)
        sys.exit("FAIL: " + what)
    print("ok: " + what)

verify = ["verify", "--impl", "la2_cpu", "--dtype", "f32", "--skip-defaults", "--long-heads", "4", "--json"]
out = os.path.join(tmp, "interrupted.json")
rc, err = run(verify + [out, "--long", "2k,3k,4k,5k,6k"], "[1/20 of --long", [signal.SIGINT])
rows = json.load(open(out))["rows"] if os.path.exists(out) else []
s = [r["status"] for r in rows]
check(rc == -signal.SIGINT and "asked to stop" in err and len(rows) == 20 and s[0] == "pass" and s.count("skipped") >= 10
      and all(r["reason"] == "not run: SIGINT was received" for r in rows if r["status"] == "skipped"),
      "SIGINT ends verify after the case running, the rest not run, the result file written", err)

out = os.path.join(tmp, "terminated.json")
rc, err = run(["bench", "--device", "cpu", "--impl", "la2_cpu", "--dtype", "f32", "--heads", "4", "--dim", "64",
               "--seqlen", "1k,2k,4k,8k,16k", "--mode", "fwd", "--min-time", "0.3", "--no-ceilings", "--json", out],
              "[1/5]", [signal.SIGTERM])
rows = json.load(open(out))["rows"] if os.path.exists(out) else []
s = [r["status"] for r in rows]
check(rc == -signal.SIGTERM and len(rows) == 5 and s[0] == "ok" and s.count("timeout") >= 2
      and all(r["reason"] == "not run: SIGTERM was received" for r in rows if r["status"] == "timeout"),
      "SIGTERM ends bench after the row running, the rest timeouts not run, the result file written", err)

out = os.path.join(tmp, "twice.json")
rc, err = run(verify + [out, "--long", "64k"], "[1/4 of --long", [signal.SIGINT, signal.SIGINT])  # a case of seconds
check(rc == -signal.SIGINT and not os.path.exists(out), "a second SIGINT ends the process at once", err)

out = os.path.join(tmp, "ignored.json")
rc, err = run(verify + [out, "--long", "2k,3k"], "[1/8 of --long", [signal.SIGINT], sigint=signal.SIG_IGN)
rows = json.load(open(out))["rows"] if os.path.exists(out) else []
check(rc == 0 and "asked to stop" not in err and len(rows) == 8 and all(r["status"] == "pass" for r in rows),
      "a SIGINT inherited as ignored stays ignored", err)
PY
echo PASS
