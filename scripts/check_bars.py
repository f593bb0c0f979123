#!/usr/bin/env python3
"""Issue 14's and 16's performance bars, read from `lasuite bench` result files (and the external runner's,
for fla's rows): each bar's measured value, its target, and whether it is met or by how much it is missed
((target - measured) / target), or that no file measured it. A report, not a test: exit 0 unless a file
cannot be read (--strict: exit 1 where a bar is missed).

Usage: check_bars.py FILE.json [FILE.json ...] [--strict]

Rows count where they are what the bars name: la2, bf16, ALiBi slopes, the default dirty L2 flush, timed by
launches, status ok. Where several files measure a bar, the newest file's row (by its metadata's date) decides
and the others are counted. The flatness bars want the four lengths 4k, 16k, 64k and 128k from one file. The
fraction-of-floor bars want runs with ceilings (`fraction_of_floor`); a run with --no-ceilings has none. fla's
rows (ext:fla_chunk, the external runner's files) give the ratios of issue 16's "faster than fla" and the packed
batch's 2x, with both files' dates, so that the reader can see whether they ran in one call as the issue asks.
"""
import json
import sys

K = 1024

# (issue, name, selector, mode, seqlens, kind, target). kind: "rate" (M tokens/s, at least), "fraction" (of the
# floor, at least), "flatness" (largest over smallest rate over the seqlens, at most), "packed" (the packed rate
# over the equal-length one, at least).
D128 = dict(batch=1, heads=32, dim_qk=128, dim_v=128)
BARS = [
    (14, "forward", D128, "fwd", [16 * K, 64 * K, 128 * K], "rate", 85.0),
    (14, "forward+backward", D128, "fwdbwd", [4 * K, 16 * K, 64 * K, 128 * K], "rate", 28.0),
    (14, "forward flatness 4k..128k", D128, "fwd", [4 * K, 16 * K, 64 * K, 128 * K], "flatness", 1.15),
    (14, "forward+backward flatness 4k..128k", D128, "fwdbwd", [4 * K, 16 * K, 64 * K, 128 * K], "flatness", 1.15),
    (14, "forward", dict(batch=8, heads=32, dim_qk=128, dim_v=128), "fwd", [8 * K], "rate", 115.0),
    (14, "forward+backward", dict(batch=8, heads=32, dim_qk=128, dim_v=128), "fwdbwd", [8 * K], "rate", 30.0),
    (14, "forward+backward", dict(batch=1, heads=32, dim_qk=64, dim_v=64), "fwdbwd", [64 * K], "rate", 60.0),
    (14, "forward+backward", dict(batch=1, heads=16, dim_qk=128, dim_v=128), "fwdbwd", [1024 * K], "rate", 56.0),
]
HEAD_DIMS = [dict(batch=1, heads=42, dim_qk=96, dim_v=96), dict(batch=1, heads=21, dim_qk=192, dim_v=192),
             dict(batch=1, heads=16, dim_qk=256, dim_v=256), dict(batch=1, heads=16, dim_qk=128, dim_v=256)]
for shape in HEAD_DIMS:
    BARS.append((16, "forward", shape, "fwd", [4 * K, 16 * K, 64 * K, 128 * K], "fraction", 0.5))
    BARS.append((16, "forward+backward", shape, "fwdbwd", [4 * K, 16 * K, 64 * K, 128 * K], "fraction", 0.4))
for mode, name in (("fwd", "forward"), ("fwdbwd", "forward+backward")):
    BARS.append((16, f"packed {name} / equal lengths", dict(heads=32, dim_qk=128, dim_v=128), mode, None, "packed", 0.9))


def shape_text(sel, n=None):
    d = f"d{sel['dim_qk']}" if sel["dim_qk"] == sel["dim_v"] else f"d{sel['dim_qk']} e{sel['dim_v']}"
    b = f"b{sel['batch']} " if "batch" in sel else ""
    length = "" if n is None else f" n{n // K}k" if n < 1024 * K else f" n{n // (1024 * K)}M"
    return f"{b}h{sel['heads']} {d}{length}"


def load(paths):
    """The eligible la2 rows and fla's rows, each with its file's date and name."""
    la2, fla = [], []
    for path in paths:
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit(f"check_bars: cannot read {path}: {e}")
        meta = data.get("meta", {})
        date = meta.get("date", "")
        timing = meta.get("timing", {})
        for r in data.get("rows", []):
            if r.get("status") != "ok":
                continue
            row = dict(r, file=path, date=date)
            if r.get("impl") == "ext:fla_chunk":
                fla.append(row)
            elif (r.get("impl") == "la2" and r.get("dtype") == "bf16" and r.get("decay") == "alibi"
                  and r.get("timer", "launches") == "launches" and timing.get("l2_flush_mode") == "dirty"):
                la2.append(row)
    return la2, fla


def matches(row, sel, mode, n=None, packed=None):
    if row.get("mode") != mode or any(row.get(k) != v for k, v in sel.items()):
        return False
    if packed is not None and bool(row.get("packed")) != packed:
        return False
    return n is None or row.get("seqlen") == n


def newest(rows):
    return max(rows, key=lambda r: r["date"])


def verdict(value, target, at_most=False):
    if value is None:
        return "not measured", False
    if (value <= target) if at_most else (value >= target):
        return "met", True
    short = (value - target) / target if at_most else (target - value) / target
    return f"missed by {100 * short:.1f} %", False


def rows_for_bars(la2, fla):
    out = []  # (issue, bar, shape, measured, target, verdict, met, note)
    for issue, name, sel, mode, seqlens, kind, target in BARS:
        if kind == "packed":
            rows = [r for r in la2 if matches(r, sel, mode, packed=True) and r.get("equal_length_tokens_per_s")]
            if not rows:
                out.append((issue, name, shape_text(sel) + " packed", None, target, "not measured", False, ""))
                continue
            r = newest(rows)
            ratio = r["tokens_per_s"] / r["equal_length_tokens_per_s"]
            v, met = verdict(ratio, target)
            note = f"{r['packed']}; {len(rows)} row(s)"
            peers = [p for p in fla if matches(p, sel, mode, packed=True)]
            if peers:
                p = newest(peers)
                note += f"; la2 / fla {r['tokens_per_s'] / p['tokens_per_s']:.2f}x (2x asked; la2 {r['date'][:10]}, fla {p['date'][:10]})"
            out.append((issue, name, shape_text(sel) + " packed", round(ratio, 3), target, v, met, note))
            continue
        if kind == "flatness":
            files = {}
            for r in la2:
                if matches(r, sel, mode, packed=False) and r["seqlen"] in seqlens:
                    files.setdefault(r["file"], {})[r["seqlen"]] = r
            whole = [(f, rs) for f, rs in files.items() if len(rs) == len(seqlens)]
            if not whole:
                out.append((issue, name, shape_text(sel), None, target, "not measured", False, "wants 4k..128k from one file"))
                continue
            f, rs = max(whole, key=lambda fr: next(iter(fr[1].values()))["date"])
            rates = [rs[n]["tokens_per_s"] for n in seqlens]
            flat = max(rates) / min(rates)
            v, met = verdict(flat, target, at_most=True)
            out.append((issue, name, shape_text(sel), round(flat, 3), target, v, met, f"{len(whole)} file(s)"))
            continue
        for n in seqlens:
            rows = [r for r in la2 if matches(r, sel, mode, n, packed=False)]
            if kind == "fraction":
                rows = [r for r in rows if r.get("fraction_of_floor") is not None]
            if not rows:
                out.append((issue, name, shape_text(sel, n), None, target, "not measured", False, ""))
                continue
            r = newest(rows)
            value = r["tokens_per_s"] / 1e6 if kind == "rate" else r["fraction_of_floor"]
            v, met = verdict(value, target)
            note = f"{len(rows)} row(s)"
            peers = [p for p in fla if matches(p, sel, mode, n, packed=False)]
            if issue == 16 and peers:
                p = newest(peers)
                note += f"; la2 / fla {r['tokens_per_s'] / p['tokens_per_s']:.2f}x (la2 {r['date'][:10]}, fla {p['date'][:10]})"
            out.append((issue, name, shape_text(sel, n), round(value, 3 if kind == "fraction" else 1), target, v, met, note))
    return out


def main():
    args = [a for a in sys.argv[1:] if a != "--strict"]
    if not args:
        sys.exit(__doc__)
    la2, fla = load(args)
    table = rows_for_bars(la2, fla)
    print("| issue | bar | shape | measured | target | verdict | note |")
    print("|---|---|---|---|---|---|---|")
    for issue, name, shape, value, target, v, met, note in table:
        shown = "-" if value is None else value
        print(f"| #{issue} | {name} | {shape} | {shown} | {target} | {v} | {note} |")
    measured = [t for t in table if t[3] is not None]
    missed = [t for t in measured if not t[6]]
    print(f"\n{len(table)} bars: {len(measured) - len(missed)} met, {len(missed)} missed, "
          f"{len(table) - len(measured)} not measured by these files")
    return 1 if "--strict" in sys.argv and missed else 0


if __name__ == "__main__":
    sys.exit(main())
