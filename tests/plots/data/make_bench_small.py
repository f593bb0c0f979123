#!/usr/bin/env python3
"""Writes bench_small.json: SYNTHETIC result rows for testing plots/plot_bench.py (made-up numbers
shaped like a sweep, with oom, timeout and unsupported rows). Not a measurement; its meta says so.
Run it again after changing the numbers here: python3 tests/plots/data/make_bench_small.py"""

import json
import os

SEQLENS = [1024, 4096, 16384, 32768, 65536, 131072]
B, H, D = 1, 32, 128
# M tokens/s at n = 1k for each (impl, mode) and how throughput scales with n (0: flat, 1: ~1/n).
MODELS = {
    "la2": {"fwd": (40.0, 0.0), "bwd": (20.0, 0.0), "fwdbwd": (13.0, 0.0)},
    "la1": {"fwd": (30.0, 1.0), "fwdbwd": (8.0, 1.0)},
    "cumsum": {"fwd": (2.0, 0.0), "fwdbwd": (0.5, 0.0)},
    "ext:fla_chunk": {"fwd": (16.0, 0.0), "fwdbwd": (3.0, 0.0)},
    "ext:sdpa_flash": {"fwd": (60.0, 1.0), "fwdbwd": (20.0, 1.0)},
    "ext:sdpa_cudnn": {"fwd": (70.0, 1.0)},
}
# Rows that do not run: (impl, mode) -> {n: (status, reason)}; larger n follow the lasuite rule.
FAILS = {
    ("cumsum", "fwd"): (32768, "oom", "out of memory: prefix buffer of 64 GiB does not fit"),
    ("cumsum", "fwdbwd"): (16384, "oom", "out of memory: prefix buffer of 32 GiB does not fit"),
    ("la1", "fwdbwd"): (65536, "timeout", "one run took 130 s, over the row time limit of 120 s"),
    ("ext:sdpa_flash", "fwdbwd"): (131072, "timeout", "a warm-up run took 125 s, over the row time limit of 120 s"),
    ("ext:sdpa_cudnn", "fwd"): (1024, "unsupported", "RuntimeError: No available kernel. Aborting execution."),
}


def row(impl, mode, n):
    function = "softmax" if "sdpa" in impl else "linear_decay"
    r = {"impl": impl, "device": "cuda", "function": function, "batch": B, "heads": H, "seqlen": n,
         "dim_qk": D, "dim_v": D, "dtype": "bf16", "decay": "none" if function == "softmax" else "alibi",
         "mode": mode, "status": "ok", "reason": ""}
    fail = FAILS.get((impl, mode))
    if fail and n >= fail[0]:
        status, reason = fail[1], fail[2]
        if status == "timeout" and n > fail[0]:
            reason = f"not run: n={fail[0]} already passed the row time limit; larger n only take longer"
        r.update(status=status, reason=reason)
        return r
    base, slope = MODELS[impl][mode]
    tps = base * 1e6 * (1024 / n) ** slope
    ms = B * n / tps * 1e3
    io = B * H * n * D * 2
    r.update(median_ms=ms, min_ms=ms * 0.97, max_ms=ms * 1.08, repeats=10, tokens_per_s=tps,
             flops=1e9 * n / 1024, flops_per_s=1e9 * n / 1024 / (ms / 1e3), min_bytes=4.0 * io,
             floor_ms=4.0 * io / 3.0e12 * 1e3, fraction_of_floor=4.0 * io / 3.0e12 * 1e3 / ms,
             peak_extra_bytes=int(io * (0.5 if impl == "la2" else 3.0)),
             outputs_bytes=io * (1 if mode == "fwd" else 3 if mode == "bwd" else 4),
             driver_delta_bytes=int(io * 4.6))
    return r


def main():
    rows = [row(impl, mode, n) for impl, modes in MODELS.items() for mode in modes for n in SEQLENS]
    doc = {"schema": "lasuite.bench/1",
           "meta": {"command": "synthetic test data (tests/plots/data/make_bench_small.py), not a measurement",
                    "git_commit": "none", "git_dirty": False, "date": "2026-01-01T00:00:00Z", "host": "none",
                    "lasuite_version": "0.1.0",
                    "device": {"kind": "cuda", "name": "Synthetic GPU", "multiprocessors": 132,
                               "sm_clock_mhz": 0, "memory_clock_mhz": 0, "driver_version": "",
                               "runtime_version": "", "compute_capability": "9.0", "total_memory_bytes": 0},
                    "ceilings": {"copy_bytes_per_s": 3.0e12, "copy_method": "synthetic",
                                 "gemm_flops_per_s": 7.0e14, "gemm_method": "synthetic"},
                    "timing": {"method": "synthetic", "warmup": 3, "min_repeats": 10, "min_time_s": 0.2,
                               "l2_flush": True, "row_time_limit_s": 120},
                    "implementations": {"ext:lightning_attn2": {
                        "status": "unavailable",
                        "reason": "ModuleNotFoundError: No module named 'lightning_attn'"}}},
           "rows": rows}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_small.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
