"""GPU timing, cache flush, memory and ceilings through PyTorch, by the same method as `lasuite bench`
(harness/timing.cpp, harness/bench.cpp): CUDA events, warm-up runs first, the L2 cache flushed
outside the timed region before each sample, samples until enough of them and enough time, a row
time limit; memory from the caching allocator's counters, taken on the first warm-up run.
"""

import statistics
import time

import torch


def nbytes(tensors):
    return sum(t.numel() * t.element_size() for t in tensors if t is not None)


class TimingPolicy:
    """harness/timing.h TimingPolicy, same defaults."""

    # What each timer measures (baselines/external/timer_study.py measured the difference on the H200:
    # fla's forward at 4k takes 0.57 ms of host time per call against 0.11 ms on the GPU, so "events"
    # gave 0.36 ms, triton's do_bench 0.58 ms and "graph" 0.11 ms; at 128k all three within 12 %).
    TIMERS = {
        "events": ("per sample: the L2 flush, then CUDA events around one call made from Python, and a "
                   "synchronize after it; where the call's host work (Python, checks, launches) outlasts "
                   "the flush on the GPU, the window holds that host time too"),
        "graph": ("the call captured once in a CUDA graph (after its warm-ups); per sample: the L2 flush, "
                  "then CUDA events around one replay: the GPU's time alone, no host work"),
    }

    def __init__(self, warmup=3, min_repeats=10, min_time_s=0.2, max_repeats=1000, row_time_limit_s=120.0,
                 timer="events"):
        if timer not in self.TIMERS:
            raise ValueError(f"timer {timer!r} is not one of {', '.join(self.TIMERS)}")
        self.warmup = warmup
        self.min_repeats = min_repeats
        self.min_time_s = min_time_s
        self.max_repeats = max_repeats
        self.row_time_limit_s = row_time_limit_s
        self.timer = timer

    def as_meta(self, flush_bytes):
        return {"method": "cuda events" if self.timer == "events" else "cuda graph replay, cuda events",
                "timer": self.TIMERS[self.timer], "timer_option": self.timer,
                "warmup": self.warmup, "min_repeats": self.min_repeats, "min_time_s": self.min_time_s,
                "max_repeats": self.max_repeats, "l2_flush": True, "l2_flush_mode": "dirty",
                "scratch_pool": "keep",  # PyTorch's caching allocator keeps what a run frees
                "l2_flush_bytes": flush_bytes,
                "row_time_limit_s": self.row_time_limit_s}


class L2Flush:
    """Writes a buffer larger than the L2 cache (at least 4x its size, 256 MiB or more), evicting the
    inputs so each sample starts cold."""

    def __init__(self, device):
        props = torch.cuda.get_device_properties(device)
        l2 = int(getattr(props, "L2_cache_size", 0) or 0) or 64 * 1024 * 1024
        self.bytes = max(4 * l2, 256 * 1024 * 1024)
        self.buffer = torch.empty(self.bytes // 4, dtype=torch.float32, device=device)
        self.value = 0.0

    def __call__(self):
        self.value += 1.0
        self.buffer.fill_(self.value)


def graphed(run):
    """`run` captured once in a CUDA graph (warmed up on a side stream first, as PyTorch asks); returns a
    callable replaying it, which keeps the graph and its static outputs alive."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(2):
            result = run()
            del result
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_outputs = run()

    def replay():
        graph.replay()

    replay.keep = (graph, static_outputs)
    return replay


def time_once(run):
    """One run between two CUDA events; returns (ms, whatever run returned). The caller drops the
    result after the timer stopped (the cleanup outside the timed region)."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    result = run()
    end.record()
    end.synchronize()
    return start.elapsed_time(end), result


class Samples:
    def __init__(self):
        self.ms = []
        self.timed_out = False
        self.over_limit_ms = 0.0


def sample(run, policy, flush, warmup, already_spent_s):
    """harness/timing.cpp sample(): `warmup` timed warm-ups (one over the row limit stops the row),
    then samples with the cache flushed before each, until min_repeats and min_time_s are both met,
    max_repeats is reached, or the row's time limit would be passed (after at least
    min(3, min_repeats) samples)."""
    out = Samples()
    t0 = time.perf_counter()
    limit_ms = policy.row_time_limit_s * 1e3
    for _ in range(warmup):
        ms, result = time_once(run)
        del result
        if ms > limit_ms:
            out.timed_out, out.over_limit_ms = True, ms
            return out
    min_for_budget = max(1, min(3, policy.min_repeats))
    sampled_ms = 0.0
    while len(out.ms) < policy.max_repeats:
        flush()
        ms, result = time_once(run)
        del result
        out.ms.append(ms)
        sampled_ms += ms
        if len(out.ms) >= policy.min_repeats and sampled_ms >= policy.min_time_s * 1e3:
            break
        spent_s = already_spent_s + time.perf_counter() - t0
        if len(out.ms) >= min_for_budget and spent_s + ms / 1e3 > policy.row_time_limit_s:
            break
    return out


def median_event_ms(run, repeats, warmup=3):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        ms, result = time_once(run)
        del result
        times.append(ms)
    return statistics.median(times)


def _copy_ms(device, copy_bytes, repeats):
    src = torch.empty(copy_bytes // 2, dtype=torch.bfloat16, device=device).uniform_(-1, 1)
    dst = torch.empty_like(src)
    return median_event_ms(lambda: dst.copy_(src), repeats)


def _gemm_ms(device, n, repeats):
    a = torch.empty(n, n, dtype=torch.bfloat16, device=device).uniform_(-1, 1)
    b = torch.empty(n, n, dtype=torch.bfloat16, device=device).uniform_(-1, 1)
    return median_event_ms(lambda: torch.matmul(a, b), repeats)


def measure_ceilings(device, repeats=20, copy_bytes=1 << 30, n=8192):
    """Copy bandwidth (1 GiB bf16 device-to-device copy, bytes read + written) and bf16 GEMM rate
    (8192^3 on random data), each the median of `repeats` CUDA-event-timed runs after 3 warm-ups."""
    copy_ms = _copy_ms(device, copy_bytes, repeats)
    gemm_ms = _gemm_ms(device, n, repeats)
    torch.cuda.empty_cache()
    return {
        "copy_bytes_per_s": 2.0 * copy_bytes / (copy_ms / 1e3),
        "copy_method": f"torch Tensor.copy_ of {copy_bytes / 2**30:g} GiB bf16 device to device, bytes read + written, "
                       f"median of {repeats} (CUDA events)",
        "gemm_flops_per_s": 2.0 * n ** 3 / (gemm_ms / 1e3),
        "gemm_method": f"torch.matmul bf16 {n}x{n}x{n} on random data (cuBLAS), median of {repeats} "
                       "(CUDA events)",
    }


def _nvml_figures(index):
    """SM and memory clocks (maximum, MHz) and the driver version through NVML, where it answers."""
    try:
        import pynvml
        pynvml.nvmlInit()
        try:
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            sm = pynvml.nvmlDeviceGetMaxClockInfo(handle, pynvml.NVML_CLOCK_SM)
            mem = pynvml.nvmlDeviceGetMaxClockInfo(handle, pynvml.NVML_CLOCK_MEM)
            driver = pynvml.nvmlSystemGetDriverVersion()
            if isinstance(driver, bytes):
                driver = driver.decode()
            return int(sm), int(mem), str(driver)
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # noqa: BLE001 - NVML is optional; zeros mean "not known", as in SCHEMA.md
        return 0, 0, ""


def device_record(device):
    props = torch.cuda.get_device_properties(device)
    sm_mhz, mem_mhz, driver = _nvml_figures(device.index or 0)
    if not sm_mhz:
        sm_mhz = int(getattr(props, "clock_rate", 0) or 0) // 1000
    return {"kind": "cuda", "name": props.name, "multiprocessors": props.multi_processor_count,
            "sm_clock_mhz": sm_mhz, "memory_clock_mhz": mem_mhz, "driver_version": driver,
            "runtime_version": str(torch.version.cuda or ""),
            "compute_capability": f"{props.major}.{props.minor}", "total_memory_bytes": int(props.total_memory),
            "l2_cache_bytes": int(getattr(props, "L2_cache_size", 0) or 0)}
