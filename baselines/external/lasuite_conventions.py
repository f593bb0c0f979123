"""The conventions of `lasuite bench`, restated in Python so external runs line up with ours.

Each function mirrors one piece of the C++ harness (named beside it); tests/baselines/external/test_external_pure.py
checks them against known values. Pure Python: no torch, so they are testable anywhere.
"""

import math
import statistics

KIB = 1024
MIB = 1024 * 1024

_EXPECTED = ("expected a comma list of lengths like 1024, 16k, 1m "
             "or power-of-two ranges like 1k..128k")


class UsageError(ValueError):
    """Bad command-line input; the CLI prints it and exits with code 2."""


def parse_size(text):
    """One length with an optional k (1024) or m (1048576) suffix, > 0 (harness/range.cpp parse_size)."""
    s = text.strip()
    if not s:
        raise UsageError("empty size")
    multiplier = {"k": KIB, "m": MIB}.get(s[-1].lower(), 1)
    if multiplier != 1:
        s = s[:-1]
    if not s:
        raise UsageError(f"'{text}' has a suffix but no number")
    if s.startswith("-"):
        raise UsageError(f"'{text}' is negative; lengths must be > 0")
    if not s.isdigit() or not s.isascii():
        raise UsageError(f"'{text}' is not a number (digits with an optional k or m suffix)")
    value = int(s) * multiplier
    if value <= 0:
        raise UsageError(f"'{text}' is zero; lengths must be > 0")
    if value >= 2 ** 63:
        raise UsageError(f"'{text}' is too large")
    return value


def _is_power_of_two(v):
    return v > 0 and v & (v - 1) == 0


def parse_seqlens(text):
    """"1k..128k" (powers of two), "1000,4096,16k", or mixes; order kept, duplicates dropped
    (harness/range.cpp parse_seqlens). Raises UsageError saying what is wrong."""
    def fail(what):
        raise UsageError(f"bad sequence lengths '{text}': {what} ({_EXPECTED})")

    if not text.strip():
        fail("empty")
    out = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            fail("an empty item between commas")
        try:
            if ".." not in item:
                values = [parse_size(item)]
            else:
                lo_text, hi_text = item.split("..", 1)
                if not lo_text.strip() or not hi_text.strip():
                    fail(f"range '{item}' needs both ends, like 1k..128k")
                lo, hi = parse_size(lo_text), parse_size(hi_text)
                if not (_is_power_of_two(lo) and _is_power_of_two(hi)):
                    fail(f"range '{item}' has an end that is not a power of two; a..b means the powers "
                         "of two from a to b, so both ends must be powers of two (like 1k..128k); "
                         "list other lengths with commas")
                if lo > hi:
                    fail(f"range '{item}' runs backwards; write the smaller end first")
                values = []
                v = lo
                while v <= hi:
                    values.append(v)
                    v *= 2
        except UsageError as e:
            if str(e).startswith("bad sequence lengths"):
                raise
            fail(str(e))
        for v in values:
            if v not in out:
                out.append(v)
    return out


# Canonical names as harness/dtype.cpp writes them, with the aliases parse_dtype accepts.
_DTYPE_ALIASES = {
    "f64": "f64", "fp64": "f64", "float64": "f64", "double": "f64",
    "f32": "f32", "fp32": "f32", "float32": "f32", "float": "f32",
    "bf16": "bf16", "bfloat16": "bf16",
    "f16": "f16", "fp16": "f16", "float16": "f16", "half": "f16",
}
DTYPE_SIZE = {"f64": 8, "f32": 4, "bf16": 2, "f16": 2}


def parse_dtype(text):
    name = _DTYPE_ALIASES.get(text.strip().lower())
    if name is None:
        raise UsageError(f"unknown dtype '{text}' (expected one of bf16, f16, f32)")
    return name


MODES = ("fwd", "bwd", "fwdbwd")


def parse_modes(text):
    """Comma list of fwd, bwd, fwdbwd (fwd+bwd accepted), in the order given, duplicates dropped."""
    out = []
    for raw in text.split(","):
        m = raw.strip()
        m = "fwdbwd" if m == "fwd+bwd" else m
        if m not in MODES:
            raise UsageError(f"unknown mode '{raw.strip()}' (expected a comma list of fwd, bwd, fwdbwd)")
        if m not in out:
            out.append(m)
    if not out:
        raise UsageError("no mode given")
    return out


def _power_of_two_slopes(n):
    start = 2.0 ** (-(2.0 ** -(math.log2(n) - 3.0)))
    return [start ** (i + 1) for i in range(n)]


def alibi_slopes(heads):
    """ALiBi-style per-head decay slopes (harness/problem.cpp alibi_slopes, math.md): for a power of
    two h, slope_i = 2^(-8(i+1)/h); otherwise those of the largest power of two c <= h, followed by
    every other slope of 2c, cut to h."""
    if heads <= 0:
        return []
    c = 1
    while c * 2 <= heads:
        c *= 2
    slopes = _power_of_two_slopes(c)
    if c == heads:
        return slopes
    for s in _power_of_two_slopes(2 * c)[0::2]:
        if len(slopes) == heads:
            break
        slopes.append(s)
    return slopes


def _set_min_bytes(w, batch, heads, seqlen, d, e, elem):
    tokens_heads = batch * heads * seqlen
    w["fwd_bytes"] = tokens_heads * elem * (2 * d + 2 * e)   # read q, k, v; write o
    w["bwd_bytes"] = tokens_heads * elem * (4 * d + 3 * e)   # read q, k, v, do; write dq, dk, dv
    return w


def linear_block_work(batch, heads, seqlen, d, e, elem_bytes, block=64):
    """harness/implementation.cpp linear_block_work: intra 2Bd + 2Be, inter 2de, state update 2de
    FLOPs per token and head; backward twice the forward."""
    fwd = batch * heads * seqlen * (2 * block * d + 2 * block * e + 4 * d * e)
    return _set_min_bytes({"fwd_flops": float(fwd), "bwd_flops": 2.0 * fwd},
                          batch, heads, seqlen, d, e, elem_bytes)


def softmax_causal_work(batch, heads, seqlen, d, e, elem_bytes):
    """harness/implementation.cpp softmax_causal_work (= linear_quadratic_work): the causal half of
    Q K^T and P V, n^2 (d + e) FLOPs per head; backward twice the forward."""
    fwd = batch * heads * float(seqlen) * seqlen * (d + e)
    return _set_min_bytes({"fwd_flops": fwd, "bwd_flops": 2.0 * fwd}, batch, heads, seqlen, d, e, elem_bytes)


def mode_work(work, mode):
    """(flops, min_bytes) of one mode, as harness/bench.cpp fill_figures adds them up."""
    flops = (work["fwd_flops"] if mode != "bwd" else 0.0) + (work["bwd_flops"] if mode != "fwd" else 0.0)
    nbytes = (work["fwd_bytes"] if mode != "bwd" else 0.0) + (work["bwd_bytes"] if mode != "fwd" else 0.0)
    return flops, nbytes


def timing_figures(samples_ms, batch, seqlen, flops, min_bytes, ceilings):
    """The numbers of an ok row from its samples (harness/bench.cpp fill_figures). ceilings: dict
    with copy_bytes_per_s and gemm_flops_per_s, or None; without them floor_ms is left out."""
    median = statistics.median(samples_ms)
    out = {"median_ms": median, "min_ms": min(samples_ms), "max_ms": max(samples_ms),
           "repeats": len(samples_ms)}
    seconds = median / 1e3
    out["tokens_per_s"] = batch * seqlen / seconds if seconds > 0 else 0.0
    out["flops"] = flops
    out["flops_per_s"] = flops / seconds if seconds > 0 else 0.0
    out["min_bytes"] = min_bytes
    if ceilings and ceilings.get("copy_bytes_per_s", 0) > 0 and ceilings.get("gemm_flops_per_s", 0) > 0:
        floor_s = max(min_bytes / ceilings["copy_bytes_per_s"], flops / ceilings["gemm_flops_per_s"])
        out["floor_ms"] = floor_s * 1e3
        if median > 0:
            out["fraction_of_floor"] = out["floor_ms"] / median
    return out


def size_text(n):
    """4096 -> "4k", 131072 -> "128k", 1048576 -> "1m"-style short lengths ("1M" for millions)."""
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB}M"
    if n >= KIB and n % KIB == 0:
        return f"{n // KIB}k"
    return str(n)
