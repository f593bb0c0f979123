#!/usr/bin/env python3
"""Compares two `lasuite verify --json` files check by check: which errors are bit-identical and which
differ (and by how much). Used to show that two code paths (e.g. la2's one-pass and two-pass plans,
chosen by an environment knob) compute the same numbers, not just numbers within tolerance."""
import json
import sys


def checks(path):
    with open(path) as f:
        rows = json.load(f)["rows"]
    out = {}
    for r in rows:
        for c in r.get("checks", []):
            out[(r["impl"], r["case"], r["dtype"], c["tensor"])] = (c["rel_frobenius"], c["max_abs"], c["pass"])
        if not r.get("checks"):
            out[(r["impl"], r["case"], r["dtype"], "-")] = (None, None, r["status"])
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare_verify.py A.json B.json")
    a, b = checks(sys.argv[1]), checks(sys.argv[2])
    same = [k for k in a if k in b and a[k] == b[k]]
    differ = [k for k in a if k in b and a[k] != b[k]]
    only = sorted(set(a) ^ set(b))
    print(f"checks: {len(a)} and {len(b)}; bit-identical {len(same)}, different {len(differ)}, in one file only {len(only)}")
    for k in differ[:20]:
        print("  differs:", " ".join(map(str, k)), a[k], "vs", b[k])
    for k in only[:10]:
        print("  only in one:", " ".join(map(str, k)))
    return 0 if not differ and not only else 1


if __name__ == "__main__":
    sys.exit(main())
