#!/usr/bin/env python3
"""Compares two `lasuite verify --json` files check by check: which errors are bit-identical and which
differ (and by how much). Used to show that two code paths (e.g. la2's one-pass and two-pass plans,
chosen by its options) compute the same numbers, not just numbers within tolerance. A case that threw (status
"error") in either file fails the comparison: its numbers were never made, so two such files are not shown to agree."""
import json
import sys


def checks(path):
    """The checks of the cases that ran, by (impl, case, dtype, tensor); how many cases did not run; the cases that
    threw, by name."""
    with open(path) as f:
        rows = json.load(f)["rows"]
    out, not_run, errors = {}, 0, []
    for r in rows:
        for c in r.get("checks", []):
            out[(r["impl"], r["case"], r["dtype"], c["tensor"])] = (c["rel_frobenius"], c["max_abs"], c["pass"])
        not_run += not r.get("checks")
        if r.get("status") == "error":
            errors.append(" ".join(map(str, (r["impl"], r["case"], r["dtype"]))))
    return out, not_run, errors


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare_verify.py A.json B.json")
    (a, a_not_run, a_errors), (b, b_not_run, b_errors) = checks(sys.argv[1]), checks(sys.argv[2])
    same = [k for k in a if k in b and a[k] == b[k]]
    differ = [k for k in a if k in b and a[k] != b[k]]
    only = sorted(set(a) ^ set(b))
    print(f"checks: {len(a)} and {len(b)}; bit-identical {len(same)}, different {len(differ)}, in one file only "
          f"{len(only)}; cases not run (skipped or refused, nothing compared): {a_not_run} and {b_not_run}; "
          f"cases that threw: {len(a_errors)} and {len(b_errors)}")
    for k in differ[:20]:
        print("  differs:", " ".join(map(str, k)), a[k], "vs", b[k])
    for k in only[:10]:
        print("  only in one:", " ".join(map(str, k)))
    for name, errors in ((sys.argv[1], a_errors), (sys.argv[2], b_errors)):
        for e in errors[:10]:
            print(f"  threw in {name}:", e)
    return 0 if same and not differ and not only and not a_errors and not b_errors else 1


if __name__ == "__main__":
    sys.exit(main())
