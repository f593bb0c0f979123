"""The paper-style figures: time and tokens/s against sequence length per mode, and memory against
sequence length, one line per implementation, a line that stopped (out of memory, out of time)
marked where it stopped. Needs matplotlib (Debian: python3-matplotlib)."""

import os

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from bench_data import (GIB, MODE_LABELS, memory_bytes, shape_tag, shape_text, size_text,  # noqa: E402
                        stop_point, stop_text, tokens_per_s)

# Reproducible files: no date in the SVG, fixed element ids.
matplotlib.rcParams["svg.hashsalt"] = "lasuite-plots"
matplotlib.rcParams["svg.fonttype"] = "none"
_SAVE_METADATA = {".svg": {"Date": None}, ".png": {"Software": None}}
FORMATS = (".png", ".svg")

MEMORY_NOTE = ("Memory = peak extra device memory during one run of the pass + its outputs "
               "(o for forward; dq, dk, dv for backward; all four for forward + backward). "
               "Inputs q, k, v, do (and o for backward alone) are not counted.")


class Style:
    """One colour and line style per implementation, the same in every figure: ours solid with
    circles, external (ext:) dashed with squares."""

    def __init__(self, labels):
        colours = plt.get_cmap("tab10").colors
        self.by_label = {}
        for i, label in enumerate(labels):
            external = label.startswith("ext:")
            self.by_label[label] = dict(color=colours[i % len(colours)], linestyle="--" if external else "-",
                                        marker="s" if external else "o", markersize=4, linewidth=1.6)

    def __getitem__(self, label):
        return self.by_label[label]


class _PlainLogFormatter(ticker.LogFormatterSciNotation):
    """Labels the ticks matplotlib would label on a log axis, as plain numbers (40, 0.25), not 4x10^1."""

    def __call__(self, x, pos=None):
        return f"{x:g}" if super().__call__(x, pos) else ""


def _log_y_axis(ax):
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(_PlainLogFormatter())
    ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(1, 0.6)))


def _log2_x_axis(ax, seqlens):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(ticker.FixedLocator(seqlens))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: size_text(int(round(x)))))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.set_xlim(seqlens[0] / 1.25, seqlens[-1] * 1.25)
    ax.set_xlabel("sequence length n")
    ax.grid(True, which="major", alpha=0.3)


def _plot_series(ax, series, style, value):
    """Draws each line of `series` ({label: rows}) with y = value(row) on its ok rows; returns where
    lines stopped, for _mark_stops once the axes' limits are known."""
    stops = []
    for label, rows in series.items():
        st = style[label]
        pts = [(r["seqlen"], value(r)) for r in rows if r["status"] == "ok" and value(r) is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, **st)
        stop = stop_point(rows)
        if stop is not None:
            last_ok, failed = stop
            last_pt = next((p for p in reversed(pts) if last_ok and p[0] == last_ok["seqlen"]), None)
            stops.append((label, st["color"], last_pt, failed))
    return stops


def _mark_stops(ax, stops):
    """An X where each line stopped, labelled "OOM at 64k": at its last point, or, for a line with no
    point at all, at the failing n along the top edge. Labels go left of points near the right edge
    and below points near the top, and are stacked where several lines stop at the same place."""
    ax.autoscale_view()
    to_axes = ax.transData + ax.transAxes.inverted()
    top = blended_transform_factory(ax.transData, ax.transAxes)
    used = {}
    for label, colour, last_pt, failed in stops:
        if last_pt is not None:
            ax.plot([last_pt[0]], [last_pt[1]], marker="X", markersize=9, color=colour, linestyle="none")
            fx, fy = to_axes.transform(last_pt)
            xy, coords, text = last_pt, "data", stop_text(failed)
        else:
            fx = to_axes.transform((failed["seqlen"], 1.0))[0]
            fy = 0.95
            xy, coords, text = (failed["seqlen"], fy), top, f"{label}: {stop_text(failed)}"
            ax.plot([xy[0]], [fy], marker="X", markersize=8, color=colour, linestyle="none", transform=top,
                    clip_on=False)
        slot = (round(fx, 1), round(fy, 1))
        k = used.get(slot, 0)
        used[slot] = k + 1
        right = fx > 0.72
        down = fy > 0.8
        dy = -10 - 9 * k if down else 6 + 9 * k
        ax.annotate(text, xy=xy, xycoords=coords, xytext=(-8 if right else 8, dy), textcoords="offset points",
                    ha="right" if right else "left", va="center", fontsize=7, color=colour,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.75))


def _legend(fig, style, labels, notes):
    handles = [Line2D([], [], label=lb, **style[lb]) for lb in labels]
    handles.append(Line2D([], [], marker="X", color="0.3", linestyle="none", markersize=8,
                          label="line stopped\n(OOM, timeout, ...)"))
    fig.legend(handles=handles, loc="center right", fontsize=8, frameon=False, borderaxespad=0.5)
    if notes:
        fig.text(0.01, 0.01, "\n".join(notes), ha="left", va="bottom", fontsize=7, color="0.35")


_LEGEND_INCHES = 2.0  # right of the axes


def _layout(fig, n_note_lines):
    width, height = fig.get_size_inches()
    fig.tight_layout(rect=(0, 0.15 * n_note_lines / height, 1 - _LEGEND_INCHES / width, 1))


def _save(fig, base):
    paths = []
    for ext in FORMATS:
        path = base + ext
        fig.savefig(path, dpi=150, metadata=_SAVE_METADATA[ext])
        paths.append(path)
    plt.close(fig)
    return paths


def _title(dataset, shape, what):
    title = f"{what} — {' / '.join(dataset.devices(shape))} · {shape_text(shape)}"
    if dataset.synthetic():
        title += "\n(synthetic test data, not a measurement)"
    return title


def _notes(dataset):
    return [f"not available in this run: {name} ({reason[:120]})" for name, reason in dataset.unavailable()]


def mode_figure(dataset, shape, mode, base):
    series = dataset.series(shape, mode)
    labels = list(series.keys())
    style = Style(dataset.labels(shape))
    seqlens = sorted({r["seqlen"] for rows in series.values() for r in rows})
    notes = _notes(dataset)
    fig, (ax_t, ax_r) = plt.subplots(1, 2, figsize=(14, 5.2))
    for ax, ylabel, value in ((ax_t, "time per call (ms, median)", lambda r: r["median_ms"]),
                              (ax_r, "throughput (M tokens/s)", lambda r: tokens_per_s(r) / 1e6)):
        _log2_x_axis(ax, seqlens)
        _log_y_axis(ax)
        ax.set_ylabel(ylabel)
        _mark_stops(ax, _plot_series(ax, series, style, value))
    ax_t.set_title("time", fontsize=10)
    ax_r.set_title("tokens/s = batch · n / time", fontsize=10)
    fig.suptitle(_title(dataset, shape, MODE_LABELS[mode]), fontsize=11)
    _legend(fig, style, labels, notes)
    _layout(fig, len(notes))
    return _save(fig, base)


def memory_figure(dataset, shape, base):
    modes = dataset.modes(shape)
    style = Style(dataset.labels(shape))
    notes = [MEMORY_NOTE] + _notes(dataset)
    fig, axes = plt.subplots(1, len(modes), figsize=(4.6 * len(modes) + 2.6, 5.0), squeeze=False)
    labels = []
    for ax, mode in zip(axes[0], modes):
        series = dataset.series(shape, mode)
        labels += [lb for lb in series if lb not in labels]
        seqlens = sorted({r["seqlen"] for rows in series.values() for r in rows})
        _log2_x_axis(ax, seqlens)
        _log_y_axis(ax)
        _mark_stops(ax, _plot_series(ax, series, style,
                                     lambda r: None if memory_bytes(r) is None else memory_bytes(r) / GIB))
        ax.set_ylabel("peak extra + outputs (GiB)")
        ax.set_title(MODE_LABELS[mode], fontsize=10)
    fig.suptitle(_title(dataset, shape, "memory"), fontsize=11)
    labels = [lb for lb in dataset.labels(shape) if lb in labels]
    _legend(fig, style, labels, notes)
    _layout(fig, len(notes))
    return _save(fig, base)


def draw_all(dataset, out_dir, prefix):
    """Every figure for every shape in the data; returns the paths written. One shape: <prefix>_fwd.png
    etc.; several: <prefix>_<b1_h32_d128_bf16>_fwd.png etc."""
    os.makedirs(out_dir, exist_ok=True)
    shapes = dataset.shapes()
    written = []
    for shape in shapes:
        stem = prefix if len(shapes) == 1 else f"{prefix}_{shape_tag(shape)}"
        for mode in dataset.modes(shape):
            written += mode_figure(dataset, shape, mode, os.path.join(out_dir, f"{stem}_{mode}"))
        written += memory_figure(dataset, shape, os.path.join(out_dir, f"{stem}_memory"))
    return written
