#!/usr/bin/env bash
# scripts/compare_verify.py, which the GPU scripts use to show that two of la2's plans compute the same numbers
# (scripts/gpu_la2.sh), on CPU runs of `lasuite verify`: two runs of the same inputs bit-identical (exit 0), two
# seeds different (exit 1, the differing checks named), a case missing from one file named and failing, and a
# file whose cases all declined failing rather than passing on nothing compared, and two files with the same case
# thrown ("error") failing with the case named.
# Usage: compare_verify_test.sh LASUITE SOURCE_DIR [PYTHON]
set -uo pipefail
lasuite=$1
src=$2
python=${3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
compare() { $python "$src/scripts/compare_verify.py" "$@"; }
run() {  # name, extra verify arguments
  local name=$1; shift
  "$lasuite" verify --device cpu --impl la2_cpu --dtype f32 --skip-defaults --long 300 --long-heads 2 --dim 32 --state \
    "$@" --json "$tmp/$name.json" >"$tmp/$name.log" 2>&1 || { cat "$tmp/$name.log"; fail "verify $name"; }
}
run a
run a_again
run b --seed 7
run two --packed 1,15

out=$(compare "$tmp/a.json" "$tmp/a_again.json") || fail "the same inputs twice not bit-identical: $out"
echo "$out" | head -1 | grep -qE "bit-identical [1-9][0-9]*, different 0, in one file only 0" || fail "counts: $out"

out=$(compare "$tmp/a.json" "$tmp/b.json") && fail "two seeds reported identical: $out"
echo "$out" | head -1 | grep -qE "bit-identical 0, different [1-9]" || fail "two seeds: $out"
echo "$out" | grep -q "^  differs: la2_cpu " || fail "the differing checks not named: $out"

out=$(compare "$tmp/a.json" "$tmp/two.json") && fail "a case in one file only passed: $out"
echo "$out" | grep -q "^  only in one: la2_cpu " || fail "the case in one file only not named: $out"

# Nothing ran: a float64 request la2_cpu_sp declines (it takes f32, bf16 and f16) leaves no checks to compare.
"$lasuite" verify --device cpu --impl la2_cpu_sp --dtype f64 --skip-defaults --long 300 --long-heads 2 --dim 32 \
  --json "$tmp/none.json" >"$tmp/none.log" 2>&1
[[ -s $tmp/none.json ]] || { cat "$tmp/none.log"; fail "no result file for the declined run"; }
out=$(compare "$tmp/none.json" "$tmp/none.json") && fail "two files with nothing compared passed: $out"
echo "$out" | head -1 | grep -q "^checks: 0 and 0; .*cases not run (skipped or refused, nothing compared): 1 and 1" ||
  fail "nothing compared: $out"
# A case that threw in both files: the rest agree bit for bit, and the comparison still fails, naming the case.
$python - "$tmp/a.json" "$tmp/threw.json" <<'PY' || fail "writing the thrown case"
import json, sys
d = json.load(open(sys.argv[1]))
d["rows"][0].update(status="error", checks=[], note="threw")
json.dump(d, open(sys.argv[2], "w"))
PY
out=$(compare "$tmp/threw.json" "$tmp/threw.json") && fail "a case that threw in both files passed: $out"
echo "$out" | head -1 | grep -q "cases that threw: 1 and 1" || fail "the thrown cases not counted: $out"
echo "$out" | grep -q "^  threw in .*threw.json: la2_cpu " || fail "the thrown case not named: $out"
echo "PASS"
