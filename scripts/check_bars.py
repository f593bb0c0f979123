#!/usr/bin/env python3
"""Issue 14's and 16's performance bars, read from `lasuite bench` result files (and the external runner's,
for fla's rows): each bar's measured value, its target, and whether it is met or by how much it is missed
((target - measured) / target), or that no file measured it. A report, not a test: exit 0, or 2 where a file
could not be read (the others still reported); --strict: 1 where a bar is missed.

Usage: check_bars.py FILE.json [FILE.json ...] [--strict]   (bench, external-runner and verify result files)

Rows count where they are what the bars name: la2 on an H200, bf16, ALiBi slopes, the default dirty L2 flush,
timed by launches, status ok, from a run with no --impl-option (a probe of the plan or an A/B variant is not the
default la2). Where several files measure a bar, the newest file's row (by its metadata's date) decides and the
others are counted. The flatness bars want the four lengths 4k, 16k, 64k and 128k from one file. The
fraction-of-floor bars want runs with ceilings (`fraction_of_floor`); a run with --no-ceilings has none. fla's
rows (ext:fla_chunk from the external runner, bf16, ALiBi, the dirty flush, its default events timer) give
issue 16's "faster than fla" and the packed batch's 2x, with both files' dates, so that the reader can see
whether they ran in one call as the issue asks. `lasuite verify` files (on an H200, no --impl-option) give
issue 14's verification bars: la2's long cases (16k, 128k, 1M) passing, from the newest file that ran each, and
0 failed in the newest file that verified more than one implementation.
"""
import json
import sys

K = 1024
MIB = 1 << 20
LENGTHS = [4 * K, 16 * K, 64 * K, 128 * K]

# (issue, name, selector, mode, seqlens, kind, target). kind: "rate" (M tokens/s, at least), "fraction" (of the
# floor, at least), "flatness" (largest over smallest rate over the seqlens, at most), "memory" (peak extra MiB
# beyond the outputs, at most), "packed" (the packed rate over the equal-length one, at least), "vs_fla" (la2's
# rate over fla's at the same shape, at least).
D128 = dict(batch=1, heads=32, dim_qk=128, dim_v=128)
PACKED = dict(heads=32, dim_qk=128, dim_v=128)
BARS = [
    (14, "forward", D128, "fwd", LENGTHS[1:], "rate", 85.0),
    (14, "forward+backward", D128, "fwdbwd", LENGTHS, "rate", 28.0),
    (14, "forward flatness 4k..128k", D128, "fwd", LENGTHS, "flatness", 1.15),
    (14, "forward+backward flatness 4k..128k", D128, "fwdbwd", LENGTHS, "flatness", 1.15),
    (14, "forward", dict(batch=8, heads=32, dim_qk=128, dim_v=128), "fwd", [8 * K], "rate", 115.0),
    (14, "forward+backward", dict(batch=8, heads=32, dim_qk=128, dim_v=128), "fwdbwd", [8 * K], "rate", 30.0),
    (14, "forward+backward", dict(batch=1, heads=32, dim_qk=64, dim_v=64), "fwdbwd", [64 * K], "rate", 60.0),
    (14, "forward+backward", dict(batch=1, heads=16, dim_qk=128, dim_v=128), "fwdbwd", [1024 * K], "rate", 56.0),
    (14, "forward+backward peak extra memory (MiB, outputs apart)", D128, "fwdbwd", [128 * K], "memory", 16.0),
]
HEAD_DIMS = [dict(batch=1, heads=42, dim_qk=96, dim_v=96), dict(batch=1, heads=21, dim_qk=192, dim_v=192),
             dict(batch=1, heads=16, dim_qk=256, dim_v=256), dict(batch=1, heads=16, dim_qk=128, dim_v=256)]
for shape in HEAD_DIMS:
    for mode, name, fraction in (("fwd", "forward", 0.5), ("fwdbwd", "forward+backward", 0.4)):
        BARS.append((16, name, shape, mode, LENGTHS, "fraction", fraction))
        BARS.append((16, f"{name}, la2 / fla", shape, mode, LENGTHS, "vs_fla", 1.0))
for mode, name in (("fwd", "forward"), ("fwdbwd", "forward+backward")):
    BARS.append((16, f"packed {name} / equal lengths", PACKED, mode, [256 * K], "packed", 0.9))
    BARS.append((16, f"packed {name}, la2 / fla", PACKED, mode, [256 * K], "vs_fla", 2.0))


def shape_text(sel, n=None, packed=False):
    d = f"d{sel['dim_qk']}" if sel["dim_qk"] == sel["dim_v"] else f"d{sel['dim_qk']} e{sel['dim_v']}"
    b = f"b{sel['batch']} " if "batch" in sel else ""
    length = "" if n is None else f" n{n // K}k" if n < 1024 * K else f" n{n // (1024 * K)}M"
    return f"{b}h{sel['heads']} {d}{length}" + (" packed" if packed else "")


def load(paths):
    """The eligible la2 rows, fla's rows and verify's rows, each with its file's date and name; the files that
    could not be read."""
    la2, fla, verified, unread = [], [], [], []
    for path in paths:
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            print(f"check_bars: cannot read {path}: {e}", file=sys.stderr)
            unread.append(path)
            continue
        meta = data.get("meta", {})
        date, timing = meta.get("date", ""), meta.get("timing") or {}
        on_h200 = "H200" in (meta.get("device") or {}).get("name", "")
        flushed = timing.get("l2_flush_mode") == "dirty"
        if str(meta.get("schema_version", "")).startswith("lasuite.verify"):
            if on_h200 and "--impl-option" not in meta.get("command", ""):
                commit = meta.get("git_commit") or "?"
                verified += [dict(r, file=path, date=date, commit=commit) for r in data.get("rows", [])]
            continue
        for r in data.get("rows", []):
            if r.get("status") != "ok" or not on_h200 or not flushed:
                continue
            if r.get("dtype") != "bf16" or r.get("decay") != "alibi":
                continue
            row = dict(r, file=path, date=date)
            if r.get("impl") == "ext:fla_chunk" and timing.get("timer_option", "events") == "events":
                fla.append(row)
            elif (r.get("impl") == "la2" and r.get("timer", "launches") == "launches"
                  and "--impl-option" not in meta.get("command", "")):
                la2.append(row)
    return la2, fla, verified, unread


def matches(row, sel, mode, n, packed):
    if row.get("mode") != mode or row.get("seqlen") != n or bool(row.get("packed")) != packed:
        return False
    return all(row.get(k) == v for k, v in sel.items())


def newest(rows):
    return max(rows, key=lambda r: r["date"])


def verdict(value, target, at_most=False):
    if value is None:
        return "not measured", False
    if (value <= target) if at_most else (value >= target):
        return "met", True
    short = (value - target) / target if at_most else (target - value) / target
    return f"missed by {100 * short:.1f} %", False


def shown(value, kind):
    """Enough digits that the value shown and the verdict agree (84.96 is not 85.0)."""
    return f"{value:.2f}" if kind == "rate" else f"{value:.4f}" if kind in ("fraction", "packed") else f"{value:.3f}"


def rows_for_bars(la2, fla):
    out = []  # (issue, bar, shape, measured text or None, target, verdict, met, note)
    for issue, name, sel, mode, seqlens, kind, target in BARS:
        packed = kind in ("packed", "vs_fla") and sel is PACKED
        if kind == "flatness":
            files = {}
            for r in la2:
                for n in seqlens:
                    if matches(r, sel, mode, n, False):
                        files.setdefault(r["file"], {})[n] = r
            whole = [rs for rs in files.values() if len(rs) == len(seqlens)]
            if not whole:
                out.append((issue, name, shape_text(sel), None, target, "not measured", False, "wants 4k..128k from one file"))
                continue
            rs = max(whole, key=lambda x: next(iter(x.values()))["date"])
            rates = [rs[n]["tokens_per_s"] for n in seqlens]
            flat = max(rates) / min(rates)
            v, met = verdict(flat, target, at_most=True)
            out.append((issue, name, shape_text(sel), shown(flat, kind), target, v, met, f"{len(whole)} file(s)"))
            continue
        for n in seqlens:
            rows = [r for r in la2 if matches(r, sel, mode, n, packed)]
            if kind == "fraction":
                rows = [r for r in rows if r.get("fraction_of_floor") is not None]
            if kind == "packed":
                rows = [r for r in rows if r.get("equal_length_tokens_per_s")]
            if kind == "memory":
                rows = [r for r in rows if r.get("peak_extra_bytes") is not None]
            peers = [p for p in fla if matches(p, sel, mode, n, packed)]
            if not rows or (kind == "vs_fla" and not peers):
                out.append((issue, name, shape_text(sel, n, packed), None, target, "not measured", False, ""))
                continue
            r = newest(rows)
            note = f"{len(rows)} row(s)" + (f"; {r['packed']}" if packed else "")
            if kind == "rate":
                value = r["tokens_per_s"] / 1e6
            elif kind == "fraction":
                value = r["fraction_of_floor"]
            elif kind == "memory":
                value = r["peak_extra_bytes"] / MIB
            elif kind == "packed":
                value = r["tokens_per_s"] / r["equal_length_tokens_per_s"]
            else:  # vs_fla: fla's row of the same lengths where packed
                same = [p for p in peers if not packed or p.get("packed") == r.get("packed")]
                if not same:
                    out.append((issue, name, shape_text(sel, n, packed), None, target, "not measured", False,
                                "fla's rows are of other lengths"))
                    continue
                p = newest(same)
                value = r["tokens_per_s"] / p["tokens_per_s"]
                note = f"la2 {r['date'][:10]}, fla {p['date'][:10]}"
            v, met = verdict(value, target, at_most=kind == "memory")
            out.append((issue, name, shape_text(sel, n, packed), shown(value, kind), target, v, met, note))
    return out


# A case that ran and did not pass is a failure, whether its checks failed ("fail") or it threw ("error").
RAN = ("pass", "fail", "error")


def verify_counts(rows):
    """(measured text, failed count): the failed count takes the errors in, and the text names them where there are any."""
    passed = sum(r.get("status") == "pass" for r in rows)
    fails = sum(r.get("status") == "fail" for r in rows)
    errors = sum(r.get("status") == "error" for r in rows)
    text = f"{passed} passed, {fails + errors} failed" + (f" ({errors} with an error)" if errors else "")
    return text, fails + errors


def verify_bars(verified):
    """Issue 14's verification bars from verify's rows: (issue, bar, shape, measured text or None, target, verdict,
    met, note)."""
    out = []
    for n, text in ((16 * K, "n16k"), (128 * K, "n128k"), (1024 * K, "n1M")):
        rows = [r for r in verified if r.get("impl") == "la2" and r.get("seqlen") == n and r.get("status") in RAN]
        if not rows:
            out.append((14, "verify: la2's long cases pass", text, None, "0 failed", "not measured", False, ""))
            continue
        newest_file = max(rows, key=lambda r: r["date"])["file"]
        mine = [r for r in rows if r["file"] == newest_file]
        measured, failed = verify_counts(mine)
        out.append((14, "verify: la2's long cases pass", text, measured, "0 failed",
                    "met" if failed == 0 else "missed", failed == 0,
                    f"{newest_file} ({mine[0]['date'][:10]}, {mine[0]['commit']})"))
    files = {}
    for r in verified:
        files.setdefault(r["file"], []).append(r)
    wide = [rs for rs in files.values() if len({r.get("impl") for r in rs}) > 1]
    if not wide:
        out.append((14, "verify: every GPU implementation, 0 failed", "default cases", None, "0 failed", "not measured",
                    False, "wants a verify file of more than one implementation"))
    else:
        rs = max(wide, key=lambda x: x[0]["date"])
        measured, failed = verify_counts(rs)
        out.append((14, "verify: every GPU implementation, 0 failed", "default cases", measured,
                    "0 failed", "met" if failed == 0 else "missed", failed == 0,
                    f"{len({r.get('impl') for r in rs})} implementations; {rs[0]['file']} ({rs[0]['date'][:10]}, {rs[0]['commit']})"))
    return out


def main():
    args = [a for a in sys.argv[1:] if a != "--strict"]
    if not args:
        sys.exit(__doc__)
    la2, fla, verified, unread = load(args)
    table = rows_for_bars(la2, fla) + verify_bars(verified)
    print("| issue | bar | shape | measured | target | verdict | note |")
    print("|---|---|---|---|---|---|---|")
    for issue, name, shape, value, target, v, met, note in table:
        print(f"| #{issue} | {name} | {shape} | {'-' if value is None else value} | {target} | {v} | {note} |")
    measured = [t for t in table if t[3] is not None]
    missed = [t for t in measured if not t[6]]
    print(f"\n{len(table)} bars: {len(measured) - len(missed)} met, {len(missed)} missed, "
          f"{len(table) - len(measured)} not measured by these files")
    if unread:
        return 2
    return 1 if "--strict" in sys.argv and missed else 0


if __name__ == "__main__":
    sys.exit(main())
