#!/usr/bin/env python3
"""Compares two `lasuite verify --json` files check by check: which errors are bit-identical and which
differ (and by how much). Used to show that two code paths (e.g. la2's one-pass and two-pass plans,
chosen by its options) compute the same numbers, not just numbers within tolerance."""
import json
import sys


def checks(path):
    """The checks of the cases that ran, by (impl, case, dtype, tensor), and how many cases did not run."""
    with open(path) as f:
        rows = json.load(f)["rows"]
    out, not_run = {}, 0
    for r in rows:
        for c in r.get("checks", []):
            out[(r["impl"], r["case"], r["dtype"], c["tensor"])] = (c["rel_frobenius"], c["max_abs"], c["pass"])
        not_run += not r.get("checks")
    return out, not_run


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare_verify.py A.json B.json")
    (a, a_not_run), (b, b_not_run) = checks(sys.argv[1]), checks(sys.argv[2])
    same = [k for k in a if k in b and a[k] == b[k]]
    differ = [k for k in a if k in b and a[k] != b[k]]
    only = sorted(set(a) ^ set(b))
    print(f"checks: {len(a)} and {len(b)}; bit-identical {len(same)}, different {len(differ)}, in one file only "
          f"{len(only)}; cases not run (skipped or refused, nothing compared): {a_not_run} and {b_not_run}")
    for k in differ[:20]:
        print("  differs:", " ".join(map(str, k)), a[k], "vs", b[k])
    for k in only[:10]:
        print("  only in one:", " ".join(map(str, k)))
    return 0 if same and not differ and not only else 1


if __name__ == "__main__":
    sys.exit(main())
