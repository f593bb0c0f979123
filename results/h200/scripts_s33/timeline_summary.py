#!/usr/bin/env python3
"""Reads the TL lines timeline.patch's kernels print (one a block: its state warpgroup's start, the end of its own
increment, of its scan, and its end, in %globaltimer ns) and prints, for each launch, per segment, the medians
over its blocks in us from the launch's first block start: start, increment end, scan end, end; and the
scan's own length (scan end - increment end). A launch is a run of lines of one kernel kind whose starts lie
within 30 us of the first. Usage: timeline_summary.py LOG [LOG ...]"""
import re
import statistics
import sys

LINE = re.compile(r"TL out=(\d) dual=(\d) tma=(\d) dk=(\d+) read=(\d+) bx=(\d+) seg=(\d+) sm=(\d+) "
                  r"t0=(\d+) inc=(\d+) scan=(\d+) end=(\d+)")


def launches(rows):
    rows = sorted(rows, key=lambda r: r["t0"])
    out, cur = [], []
    for r in rows:
        if cur and (r["kind"] != cur[0]["kind"] or r["t0"] - cur[0]["t0"] > 30_000):
            out.append(cur)
            cur = []
        cur.append(r)
    if cur:
        out.append(cur)
    return out


def main(paths):
    rows = []
    for path in paths:
        for line in open(path, errors="replace"):
            m = LINE.search(line)
            if m:
                v = [int(x) for x in m.groups()]
                rows.append(dict(kind=tuple(v[:5]), seg=v[6], t0=v[8], inc=v[9], scan=v[10], end=v[11]))
    for group in launches(rows):
        base = min(r["t0"] for r in group)
        out, dual, tma, dk, read = group[0]["kind"]
        kind = ("output" if out else "states") + (" dual" if dual else "") + f" tma={tma} dk={dk} cols={read}"
        last = max(r["end"] for r in group) - base
        print(f"{kind}: {len(group)} blocks, {last / 1e3:.2f} us from the first start to the last end")
        for seg in sorted({r["seg"] for r in group}):
            rs = [r for r in group if r["seg"] == seg]
            med = lambda key: statistics.median(r[key] - base for r in rs) / 1e3
            scan = statistics.median(r["scan"] - r["inc"] for r in rs) / 1e3
            print(f"  seg {seg}: {len(rs):3d} blocks  start {med('t0'):7.2f}  increment {med('inc'):7.2f}  "
                  f"scan {med('scan'):7.2f} (scan took {scan:5.2f})  end {med('end'):7.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
