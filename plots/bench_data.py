"""Reading `lasuite bench` result files (schema lasuite.bench/1, results/SCHEMA.md) into series to plot.

Pure Python (no matplotlib), so the table and the tests can use it anywhere.
"""

import json

SCHEMA = "lasuite.bench/1"
MODES = ("fwd", "bwd", "fwdbwd")
MODE_LABELS = {"fwd": "forward", "bwd": "backward", "fwdbwd": "forward + backward"}
STATUS_LABELS = {"oom": "OOM", "timeout": "timeout", "error": "error", "unsupported": "unsupported"}
GIB = float(1 << 30)

_INT_FIELDS = ("batch", "heads", "seqlen", "dim_qk", "dim_v")
_STR_FIELDS = ("impl", "mode", "status", "dtype")


class BenchFileError(Exception):
    """A result file that cannot be read or does not follow the schema; the CLI exits with 2."""


def size_text(n):
    """131072 -> "128k", 1048576 -> "1M", 1000 -> "1000"."""
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20}M"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10}k"
    return str(n)


def _number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _check_row(path, i, row):
    where = f"{path}: row {i}"
    if not isinstance(row, dict):
        raise BenchFileError(f"{where}: expected an object, got {type(row).__name__}")
    for k in _STR_FIELDS:
        if not isinstance(row.get(k), str) or not row[k]:
            raise BenchFileError(f"{where}: field '{k}' missing or not a string")
    for k in _INT_FIELDS:
        v = row.get(k)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise BenchFileError(f"{where}: field '{k}' missing or not a positive integer")
    if row["mode"] not in MODES:
        raise BenchFileError(f"{where}: mode '{row['mode']}' is not one of {', '.join(MODES)}")
    if row["status"] == "ok":
        if not _number(row.get("median_ms")) or row["median_ms"] <= 0:
            raise BenchFileError(f"{where}: an ok row needs a positive 'median_ms'")
        for k in ("tokens_per_s", "peak_extra_bytes", "outputs_bytes", "min_ms", "max_ms"):
            if k in row and not _number(row[k]):
                raise BenchFileError(f"{where}: field '{k}' is not a number")


def load_file(path):
    """(meta, rows) of one result file; raises BenchFileError with the file and what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise BenchFileError(f"{path}: cannot read: {e.strerror or e}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BenchFileError(f"{path}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}")
    if not isinstance(doc, dict):
        raise BenchFileError(f"{path}: expected a JSON object with 'schema', 'meta' and 'rows'")
    if doc.get("schema") != SCHEMA:
        raise BenchFileError(f"{path}: schema is {doc.get('schema')!r}, expected '{SCHEMA}' "
                             "(a file written by `lasuite bench --json` or baselines/external/run_external.py)")
    meta, rows = doc.get("meta", {}), doc.get("rows")
    if not isinstance(meta, dict):
        raise BenchFileError(f"{path}: 'meta' is not an object")
    if not isinstance(rows, list):
        raise BenchFileError(f"{path}: 'rows' is missing or not a list")
    for i, row in enumerate(rows):
        _check_row(path, i, row)
    return meta, rows


def tokens_per_s(row):
    if _number(row.get("tokens_per_s")) and row["tokens_per_s"] > 0:
        return float(row["tokens_per_s"])
    return row["batch"] * row["seqlen"] / (row["median_ms"] / 1e3)


def memory_bytes(row):
    """Peak extra plus outputs of an ok row, or None where the row has no memory figures."""
    if not (_number(row.get("peak_extra_bytes")) and _number(row.get("outputs_bytes"))):
        return None
    return float(row["peak_extra_bytes"] + row["outputs_bytes"])


def shape_key(row):
    return (row["batch"], row["heads"], row["dim_qk"], row["dim_v"], row["dtype"])


def shape_text(key):
    b, h, d, e, dtype = key
    dims = f"d {d}" if d == e else f"d {d}, e {e}"
    return f"{dtype} · batch {b}, heads {h}, {dims}"


def shape_tag(key):
    b, h, d, e, dtype = key
    return f"b{b}_h{h}_d{d}" + ("" if d == e else f"_e{e}") + f"_{dtype}"


def timer_of(row):
    """How the row was timed (`lasuite bench --timer`): "launches" (the default, and every file before the
    field) or "graph of K steps"."""
    return row.get("timer") or "launches"


class Dataset:
    """Every row of the files given, later files overriding earlier ones for the same
    (implementation, decay, timer, shape, mode, n); with what each file's meta says."""

    def __init__(self, paths, impl_filter=None):
        self.metas = []
        self.warnings = []
        by_key = {}
        for file_index, path in enumerate(paths):
            meta, rows = load_file(path)
            self.metas.append((path, meta))
            for row in rows:
                if impl_filter and row["impl"] not in impl_filter:
                    continue
                key = (row["impl"], row.get("decay", ""), timer_of(row), shape_key(row), row["mode"], row["seqlen"])
                if key in by_key and by_key[key]["_file"] != file_index:
                    self.warnings.append(f"{path}: {row['impl']} {row['mode']} n={row['seqlen']} replaces the "
                                         f"row from {paths[by_key[key]['_file']]}")
                by_key[key] = dict(row, _file=file_index)
        self.rows = list(by_key.values())
        self._labels = self._make_labels()

    def _make_labels(self):
        decays = {}
        for r in self.rows:
            decays.setdefault(r["impl"], set()).add(r.get("decay", ""))
        return {impl: len(ds) > 1 for impl, ds in decays.items()}

    def label(self, row):
        """The line's name: the implementation, plus its decay where one implementation ran with several,
        plus how it was timed where that is not plain launches (a graph's rows are a line of their own)."""
        name = row["impl"]
        if self._labels.get(row["impl"]):
            name += f" [{row.get('decay', '')}]"
        if timer_of(row) != "launches":
            name += f" ({timer_of(row)})"
        return name

    def impls(self):
        return sorted({r["impl"] for r in self.rows})

    def shapes(self):
        return sorted({shape_key(r) for r in self.rows})

    def modes(self, shape=None):
        present = {r["mode"] for r in self.rows if shape is None or shape_key(r) == shape}
        return [m for m in MODES if m in present]

    def series(self, shape, mode):
        """{label: rows sorted by n} for one shape and mode, ours first, then ext:, each alphabetical."""
        out = {}
        for r in self.rows:
            if shape_key(r) == shape and r["mode"] == mode:
                out.setdefault(self.label(r), []).append(r)
        for rows in out.values():
            rows.sort(key=lambda r: r["seqlen"])
        return dict(sorted(out.items(), key=lambda kv: (kv[0].startswith("ext:"), kv[0])))

    def labels(self, shape):
        names = {self.label(r) for r in self.rows if shape_key(r) == shape}
        return sorted(names, key=lambda s: (s.startswith("ext:"), s))

    def devices(self, shape):
        """Device names of the files that gave rows of this shape, in file order."""
        files = sorted({r["_file"] for r in self.rows if shape_key(r) == shape})
        names = []
        for i in files:
            dev = self.metas[i][1].get("device") or {}
            name = dev.get("name") if isinstance(dev, dict) else None
            name = name or "unknown device"
            if name not in names:
                names.append(name)
        return names

    def unavailable(self):
        """External implementations a run could not import: (name, reason)."""
        out = []
        for _, meta in self.metas:
            impls = meta.get("implementations")
            if isinstance(impls, dict):
                for name, info in sorted(impls.items()):
                    if isinstance(info, dict) and info.get("status") == "unavailable":
                        out.append((name, str(info.get("reason", ""))))
        return out

    def synthetic(self):
        """True if any file says it is made-up test data (its command says "synthetic")."""
        return any("synthetic" in str(meta.get("command", "")).lower() for _, meta in self.metas)


def stop_point(rows):
    """Where a line stopped: (last ok row or None, first failing row after it) or None if it did not.
    The failing row is the first one past the largest ok n (or the first row, with none ok)."""
    ok = [r for r in rows if r["status"] == "ok"]
    last_ok = ok[-1] if ok else None
    after = [r for r in rows if r["status"] != "ok" and (last_ok is None or r["seqlen"] > last_ok["seqlen"])]
    if not after:
        return None
    return last_ok, after[0]


def stop_text(row):
    return f"{STATUS_LABELS.get(row['status'], row['status'])} at {size_text(row['seqlen'])}"
