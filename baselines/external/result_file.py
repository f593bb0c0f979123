"""Rows and the result file in `lasuite bench`'s schema (results/SCHEMA.md, lasuite.bench/1).

Pure Python, so the layout is testable without a GPU.
"""

import json
import os
import tempfile

SCHEMA = "lasuite.bench/1"
STATUSES = ("ok", "unsupported", "oom", "timeout", "error")

# Fields every row carries, in SCHEMA.md's order; the measured ones follow only on ok rows.
_SHAPE_FIELDS = ("impl", "device", "function", "batch", "heads", "seqlen", "dim_qk", "dim_v", "dtype",
                 "decay", "mode", "status", "reason")
_MEASURED_FIELDS = ("median_ms", "min_ms", "max_ms", "repeats", "tokens_per_s", "flops", "flops_per_s",
                    "min_bytes", "floor_ms", "fraction_of_floor", "peak_extra_bytes", "outputs_bytes",
                    "driver_delta_bytes")


def base_row(impl, function, batch, heads, seqlen, dim_qk, dim_v, dtype, decay, mode):
    return {"impl": impl, "device": "cuda", "function": function, "batch": batch, "heads": heads,
            "seqlen": seqlen, "dim_qk": dim_qk, "dim_v": dim_v, "dtype": dtype, "decay": decay,
            "mode": mode, "status": "error", "reason": "not run"}


def finish_row(row, status, reason="", figures=None, memory=None, first_call_ms=None):
    """A copy of `row` with its status; an ok row gets its timing figures and memory, a row that did
    not run carries only its status and reason (SCHEMA.md: "instead of numbers"). first_call_ms: the
    first call at this shape (compilation and autotuning of a Triton kernel), timed apart from the row
    and outside its time limit, whatever the status."""
    if status not in STATUSES:
        raise ValueError(f"unknown row status {status!r}")
    out = {k: row[k] for k in _SHAPE_FIELDS if k in row}
    out["status"] = status
    out["reason"] = reason
    if first_call_ms is not None:
        out["first_call_ms"] = first_call_ms
    if status == "ok":
        merged = dict(figures or {})
        merged.update(memory or {})
        for k in _MEASURED_FIELDS:
            if k in merged:
                out[k] = merged[k]
    return out


def document(meta, rows):
    return {"schema": SCHEMA, "meta": meta, "rows": rows}


def write_json(path, doc):
    """Writes atomically (temporary file, then rename), so a run stopped mid-sweep leaves the last
    complete file, not half of one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
