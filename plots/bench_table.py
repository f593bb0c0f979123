"""The README's tables from result files: tokens/s and memory at chosen lengths, and the crossover
lengths of one implementation (LA-2) against every other. Pure Python."""

from bench_data import GIB, MODE_LABELS, STATUS_LABELS, memory_bytes, shape_text, size_text, timer_of, tokens_per_s


def _figure(m):
    """Three significant figures, no exponent: 0.0912, 1.23, 12.3, 123."""
    if m >= 100:
        return f"{m:.0f}"
    if m >= 10:
        return f"{m:.1f}"
    if m >= 1:
        return f"{m:.2f}"
    return f"{m:.3g}"


def _rate(x):
    return _figure(x / 1e6)


def _gib(x):
    return _figure(x / GIB)


def _cell(row, value):
    if row is None:
        return "–"
    if row["status"] != "ok":
        return STATUS_LABELS.get(row["status"], row["status"])
    v = value(row)
    return "–" if v is None else v


def _first_failure(rows):
    failed = [r for r in rows if r["status"] != "ok"]
    if not failed:
        return None
    return f"{STATUS_LABELS.get(failed[0]['status'], failed[0]['status'])} from {size_text(failed[0]['seqlen'])}"


def crossover(ref_rows, other_rows, ref_name="ref", other_name="other"):
    """Smallest n from which `ref` is faster than `other` at every longer length both ran, as
    (n or None, text). Lengths where only one of them ran are said in the text, not compared."""
    ref = {r["seqlen"]: r for r in ref_rows}
    oth = {r["seqlen"]: r for r in other_rows}
    common = sorted(n for n in ref if n in oth and ref[n]["status"] == "ok" and oth[n]["status"] == "ok")
    notes = [f"{name}: {failure}" for name, failure in ((other_name, _first_failure(other_rows)),
                                                        (ref_name, _first_failure(ref_rows))) if failure]
    if not common:
        return None, "; ".join(["no length where both ran"] + notes)
    faster = [tokens_per_s(ref[n]) > tokens_per_s(oth[n]) for n in common]
    start = None
    for i in range(len(common) - 1, -1, -1):
        if not faster[i]:
            break
        start = common[i]
    span = f"{size_text(common[0])}..{size_text(common[-1])}"
    if start is None and not any(faster):
        text = f"slower at every length compared ({span})"
    elif start is None:
        text = f"slower at {size_text(common[-1])}, the longest compared ({span})"
    elif start == common[0]:
        text = f"faster at every length compared ({span})"
    else:
        text = f"faster from {size_text(start)} on (compared {span})"
    return start, "; ".join([text] + notes)


def markdown(dataset, seqlens, ref="la2"):
    """Both tables for every shape in the data, as one markdown string."""
    out = []
    for shape in dataset.shapes():
        devices = " / ".join(dataset.devices(shape))
        out.append(f"#### {devices} · {shape_text(shape)}")
        out.append("")
        heads = [f"{size_text(n)} M tok/s" for n in seqlens] + [f"{size_text(n)} GiB" for n in seqlens]
        out.append("| implementation | mode | " + " | ".join(heads) + " |")
        out.append("|---|---|" + "---:|" * len(heads))
        for mode in dataset.modes(shape):
            for label, rows in dataset.series(shape, mode).items():
                at = {r["seqlen"]: r for r in rows}
                cells = [_cell(at.get(n), lambda r: _rate(tokens_per_s(r))) for n in seqlens]
                cells += [_cell(at.get(n), lambda r: None if memory_bytes(r) is None else _gib(memory_bytes(r)))
                          for n in seqlens]
                out.append(f"| {label} | {mode} | " + " | ".join(cells) + " |")
        out.append("")
        out.append("Memory: peak extra device memory during the pass plus its outputs (o; dq, dk, dv); "
                   "inputs not counted.")
        out.append("")
        out.append(f"Crossover: the smallest length from which {ref} is faster (tokens/s) than each other "
                   "implementation at every longer length both ran, each timed as {ref} was.")
        out.append("")
        out.append(f"| mode | {ref} vs | from n | detail |")
        out.append("|---|---|---:|---|")
        any_ref = False
        for mode in dataset.modes(shape):
            series = dataset.series(shape, mode)
            if ref not in series:
                continue
            any_ref = True
            ref_timer = timer_of(series[ref][0])
            for label, rows in series.items():
                # A line timed otherwise (a graph's, `lasuite bench --timer`) is not raced against the reference.
                if label == ref or timer_of(rows[0]) != ref_timer:
                    continue
                n, text = crossover(series[ref], rows, ref, label)
                out.append(f"| {MODE_LABELS[mode]} | {label} | {size_text(n) if n else '–'} | {text} |")
        if not any_ref:
            out.append(f"| – | – | – | {ref} is not in these files |")
        out.append("")
    return "\n".join(out)
