#!/usr/bin/env python3
"""Decode steps from `lasuite bench --mode decode` and baselines/external/decode_external.py result files
(lasuite.bench/1, rows of mode "decode"): a table of microseconds per step against batch, one column
per implementation, timer and KV cache length (softmax), with the floor and the fraction of it; and,
where matplotlib imports, <prefix>_decode.png/.svg (step time against batch, log-log, the floor
dashed) and, where softmax rows with a KV cache are present, <prefix>_decode_context.png/.svg (step
time against the cache length, each batch a line; linear attention's steps, which carry a state
instead, flat across it).

  python3 plots/plot_decode.py results/h200/h200_decode_*.json --out-dir results/h200
"""

import argparse
import json
import os
import sys

SCHEMA = "lasuite.bench/1"


class DecodeFileError(Exception):
    pass


def load_rows(paths):
    """The decode rows of every file, each with its file; an unreadable file or another schema is an error."""
    rows = []
    for path in paths:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            raise DecodeFileError(f"{path}: {e}")
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise DecodeFileError(f"{path}: not a {SCHEMA} file")
        for r in doc.get("rows", []):
            if isinstance(r, dict) and r.get("mode") == "decode":
                rows.append(dict(r, timer=r.get("timer", "launches"), file=path))
    return rows


def series(rows):
    """{(impl, timer, tokens, cached): {batch: row}} of the ok rows; later files win for the same point.
    Rows of another shape (heads, head dims, dtype) than the first ok row are an error: one table, one
    shape."""
    out, shape = {}, None
    for r in rows:
        if r.get("status") != "ok":
            continue
        this = tuple(r.get(k) for k in ("heads", "dim_qk", "dim_v", "dtype"))
        if shape is None:
            shape = this
        elif this != shape:
            raise DecodeFileError(f"{r['file']}: a row of heads/d/e/dtype {this}, beside {shape}: "
                                  "plot one shape at a time")
        out.setdefault((r["impl"], r["timer"], r["seqlen"], r.get("context", 0)), {})[r["batch"]] = r
    return out


def label(key):
    impl, timer, t, cached = key
    return f"{impl} T={t}" + (f" cache {cached}" if cached else "") + f" ({timer})"


def markdown(rows):
    s = series(rows)
    if not s:
        return "no decode rows that ran\n"
    keys = sorted(s)
    batches = sorted({b for points in s.values() for b in points})
    head = ["batch", "floor us"] + [label(k) + " us" for k in keys]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for b in batches:
        # The floor of the fewest tokens a step and no cache (other rows have their own floors).
        floor = next((s[k][b].get("floor_ms") for k in sorted(s, key=lambda k: (k[3], k[2]))
                      if b in s[k] and s[k][b].get("floor_ms")), None)
        cells = [str(b), f"{floor * 1e3:.2f}" if floor else "-"]
        for key in keys:
            r = s[key].get(b)
            if r is None:
                cells.append("-")
                continue
            frac = r.get("fraction_of_floor")
            cells.append(f"{r['median_ms'] * 1e3:.2f}" + (f" ({frac:.2f})" if frac else ""))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n(in brackets: the fraction of the floor, state read + written and q, k, v, o " \
                               "over the measured copy rate)\n"


def finish(ax, xlabel, title, legend_size):
    """Both figures' axes: log2 x, log y, step time."""
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("microseconds per decode step")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=legend_size)
    ax.figure.tight_layout()


def save(fig, plt, out_dir, name):
    paths = []
    for ext in ("png", "svg"):
        path = os.path.join(out_dir, f"{name}.{ext}")
        fig.savefig(path, dpi=150)
        paths.append(path)
    plt.close(fig)
    return paths


def figure(rows, out_dir, prefix):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    s = series(rows)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    floors = {}
    for key, points in sorted(s.items()):
        impl, timer, t, cached = key
        b = sorted(points)
        ax.plot(b, [points[x]["median_ms"] * 1e3 for x in b], marker="o" if timer != "launches" else "x",
                linestyle="-" if timer != "launches" else ":", label=label(key))
        for x in b:
            if points[x].get("floor_ms") and t == 1 and not cached:
                floors[x] = points[x]["floor_ms"] * 1e3
    if floors:
        b = sorted(floors)
        ax.plot(b, [floors[x] for x in b], color="black", linestyle="--", linewidth=1, label="floor (copy rate)")
    finish(ax, "batch (sequences decoded at once)", "Decode step: state read and written once per step", 7)
    return save(fig, plt, out_dir, f"{prefix}_decode") + context_figure(s, out_dir, prefix, plt)


def context_figure(s, out_dir, prefix, plt):
    """Step time against the KV cache length, a line per (implementation, timer, batch); rows without a
    cache (a state) drawn flat across the lengths measured."""
    cached = sorted({k[3] for k in s if k[3]})
    if not cached:
        return []
    lines = {}  # (impl, timer, T, batch) -> {context: us}
    for (impl, timer, t, ctx), points in s.items():
        for b, r in points.items():
            lines.setdefault((impl, timer, t, b), {})[ctx] = r["median_ms"] * 1e3
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for (impl, timer, t, b), by_ctx in sorted(lines.items()):
        name = f"{impl} T={t} B={b} ({timer})"
        if set(by_ctx) == {0}:
            ax.plot([cached[0], cached[-1]], [by_ctx[0]] * 2, linestyle="--", label=name + ", state")
        else:
            x = sorted(c for c in by_ctx if c)
            ax.plot(x, [by_ctx[c] for c in x], marker="o", label=name)
    finish(ax, "context (tokens before the step)", "Decode step against context length", 6)
    return save(fig, plt, out_dir, f"{prefix}_decode_context")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--out-dir", default=".")
    p.add_argument("--prefix", default="decode")
    p.add_argument("--no-figures", action="store_true")
    args = p.parse_args(argv)
    try:
        rows = load_rows(args.files)
        series(rows)
    except DecodeFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not rows:
        print("error: the files hold no decode rows", file=sys.stderr)
        return 2
    print(markdown(rows))
    if args.no_figures:
        return 0
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("note: matplotlib is not importable here; table only", file=sys.stderr)
        return 0
    for path in figure(rows, args.out_dir, args.prefix):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
