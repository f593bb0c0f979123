#!/usr/bin/env python3
"""One kernel's warp-stall samples from `ncu -i REP --page source --csv --print-source sass`: each stall reason's
share of all the kernel's samples; each mbarrier wait's share with the named barriers, loads and products after
it (by which one role's wait is told from another's); then the most-sampled SASS instructions with their reasons
(percent of that instruction's samples). Columns are found by name, as ncu versions name them differently: the
total is the first "Warp Stall Sampling (All Samples)" column (else any "Sampling" one), a reason is a column
named stall_* or *_pcsamp_warps_issue_stalled_*. Samples no reason column holds (ncu attributes some, e.g. on
HGMMA, to none) are shown as `unattributed` / `other`. `selected` is the warp issuing, not waiting.
Usage: ncu_stall_summary.py SASS_CSV [TOP]."""
import csv
import re
import sys


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 0.0


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    rows = list(csv.reader(open(path, errors="replace")))
    head = next((i for i, r in enumerate(rows) if any(c.strip() == "Source" for c in r)), None)
    if head is None:
        sys.exit(f"{path}: no source table (is it ncu's --page source --csv export?)")
    cols = rows[head]
    source = next(i for i, c in enumerate(cols) if c.strip() == "Source")
    address = next((i for i, c in enumerate(cols) if c.strip() == "Address"), None)
    total_col = next((i for i, c in enumerate(cols) if "Sampling" in c and "All" in c), None)
    if total_col is None:
        total_col = next((i for i, c in enumerate(cols) if "Sampling" in c), None)
    if total_col is None:
        sys.exit(f"{path}: no sampling column among: " + ", ".join(cols))
    reasons = {}
    for i, c in enumerate(cols):
        m = re.search(r"(?:^|_)(?:pcsamp_warps_issue_)?stalled_(\w+?)(?:_not_issued)?$", c.strip()) or \
            re.match(r"^stall_(\w+)$", c.strip())
        if m and "not_issued" not in c:
            reasons[i] = m.group(1)
    body = [r for r in rows[head + 1:] if len(r) > max([source, total_col] + list(reasons))]
    total = sum(number(r[total_col]) for r in body) or 1.0
    print(f"total samples {total:.0f} instructions {len(body)} (column '{cols[total_col]}')")
    if reasons:
        sums = {name: sum(number(r[i]) for r in body) for i, name in reasons.items()}
        sums["unattributed"] = max(total - sum(sums.values()), 0.0)
        for name, s in sorted(sums.items(), key=lambda kv: -kv[1]):
            if s > 0:
                label = name if name == "unattributed" else "stall_" + name
                print(f"  {label:30s} {100 * s / total:5.1f} %")
    else:
        print("  (no per-reason columns in this export: " + ", ".join(c for c in cols if c) + ")")
    # Each mbarrier wait (a try-wait and the branch that loops on it; the samples sit on the branch) with what
    # follows it, which tells the roles apart (a named barrier, the next loads, the first products).
    waits = []
    for i, r in enumerate(body):
        if "TRYWAIT" not in r[source]:
            continue
        loop = next((j for j in range(i + 1, min(i + 7, len(body))) if "BRA" in body[j][source]), None)
        if loop is None or number(body[loop][total_col]) < 0.005 * total:
            continue
        after = []
        for x in body[loop + 1:loop + 150]:
            op = x[source].split()
            op = next((w for w in op if w[0].isalpha() and not w.startswith("P")), "")
            if op.startswith(("BAR.", "UTMALDG", "HGMMA", "UTMASTG")) and op not in after:
                after.append(op)
            if len(after) == 3:
                break
        waits.append((number(body[loop][total_col]), body[loop][address] if address is not None else "", after))
    if waits:
        print("mbarrier waits (at least 0.5 % of samples), then:")
        for n, where, after in waits:
            print(f"  {100 * n / total:4.1f}% {where:16s} {', '.join(after)}")
    print("top instructions:")
    for r in sorted(body, key=lambda r: -number(r[total_col]))[:top]:
        n = number(r[total_col])
        parts = []
        if n > 0 and reasons:
            per = [(number(r[i]), name) for i, name in reasons.items()]
            per.append((max(n - sum(v for v, _ in per), 0.0), "other"))
            shares = [(round(100 * v / n), name) for v, name in sorted(per, reverse=True)]
            parts = [f"{name}:{pct}" for pct, name in shares if pct > 0][:4]
        where = r[address] if address is not None else ""
        print(f"  {100 * n / total:4.1f}% {where:16s} {r[source].strip()[:64]:64s} {' '.join(parts)}")


if __name__ == "__main__":
    main()
