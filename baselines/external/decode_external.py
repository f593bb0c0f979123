#!/usr/bin/env python3
"""`lasuite bench --mode decode` for Python kernels that carry a state (lasuite_state callables, such
as ext:fla_recurrent, fla's fused_recurrent_simple_gla): one decode step of T tokens per sequence
against an fp32 state [B, h, d, e] read and written, swept over batch sizes, with the same inputs,
timers, work model and result schema (lasuite.bench/1 rows, mode "decode", field "timer").

Each kernel is first checked against the float64 reference (verify_external.dense_reference): steps of
T tokens carried from a random initial state, the outputs and the last state compared, as `lasuite
verify`'s decode cases do (meta "agreement"); a kernel that fails is still timed, and says so.

Timers, one row each (--decode-timer): "launches", one step between two CUDA events per sample; and
"graph", --graph-steps steps (each reading the state the previous one wrote) captured once in a CUDA
graph and replayed, a sample's time over the steps. The L2 is flushed before every sample.

  python3 baselines/external/decode_external.py --extra-path .ext --impl ext:fla_recurrent \\
      --decode-batch 1,8,64,256 --json results/decode_fla.json
"""

import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lasuite_conventions as conv  # noqa: E402
import result_file  # noqa: E402
from run_external import (TORCH_DTYPES, add_run_options, first_line, import_torch_on_gpu, log,  # noqa: E402
                          parse_impls, run_meta)


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--impl", default="ext:fla_recurrent", help="comma list of ext: names and module:callable "
                   "specs that take and return a state (default ext:fla_recurrent)")
    p.add_argument("--decode-batch", default="1,8,64,256", help="batch sizes (default 1,8,64,256)")
    p.add_argument("--decode-tokens", type=int, default=1, help="tokens per sequence per step, T (default 1)")
    p.add_argument("--decode-timer", default="launches,graph", help="launches, graph or both (default both)")
    p.add_argument("--graph-steps", type=int, default=10, help="steps in the timed graph (default 10)")
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--dim", type=int, default=128, help="head dim d (= e)")
    p.add_argument("--dtype", default="bf16", help="bf16 (default), f16 or f32 for q, k, v, o; the state is fp32")
    p.add_argument("--json", help="result file (lasuite.bench/1)")
    add_run_options(p, row_time_limit=60.0)
    return p


def parse_options(argv):
    parser = build_parser()
    a = parser.parse_args(argv)
    try:
        a.impls = parse_impls(a.impl)
        a.batches = [conv.parse_size(x) for x in a.decode_batch.split(",")]
        a.dtype = conv.parse_dtype(a.dtype)
        a.timers = [t.strip() for t in a.decode_timer.split(",")]
        if any(t not in ("launches", "graph") for t in a.timers) or not a.timers:
            raise conv.UsageError(f"--decode-timer takes launches, graph or both, not '{a.decode_timer}'")
        if not 1 <= a.decode_tokens <= 16 or a.graph_steps < 1 or min(a.batches) < 1:
            raise conv.UsageError("--decode-tokens must be 1..16, --graph-steps and every batch >= 1")
    except conv.UsageError as e:
        parser.exit(2, f"{parser.prog}: error: {e}\n")
    return a


def decode_work(batch, heads, tokens, d, e, elem):
    """harness/implementation.cpp linear_block_work with a state read and written (fp32, d x e per
    sequence and head)."""
    w = conv.linear_block_work(batch, heads, tokens, d, e, elem, block=64)
    w["fwd_bytes"] += 2.0 * batch * heads * d * e * 4
    return w


def tokens(torch, ext, shape, dtype, gen, device):
    x = torch.empty(shape, dtype=dtype, device=device).uniform_(-1, 1, generator=gen)
    return ext.native(x)


def check_agreement(torch, ext, args, slopes, torch_dtype, device, steps=3, batch=3, heads=2):
    """Steps of T tokens carried from a random state against the float64 reference over all of them."""
    import verify_external as ve
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)
    T, d = args.decode_tokens, args.dim
    s = slopes[:heads]
    ext.prepare(s, device)
    q, k, v = (torch.empty(batch, heads, steps * T, d, dtype=torch_dtype, device=device).uniform_(-1, 1, generator=gen)
               for _ in range(3))
    s0 = torch.empty(batch, heads, d, d, dtype=torch.float32, device=device).uniform_(-0.5, 0.5, generator=gen)
    state, outs = s0, []
    with torch.no_grad():
        for i in range(steps):
            sl = slice(i * T, (i + 1) * T)
            o, state = ext.call(ext.native(q[:, :, sl].contiguous()), ext.native(k[:, :, sl].contiguous()),
                                ext.native(v[:, :, sl].contiguous()), initial_state=state, output_final_state=True)
            outs.append(ext.logical(o).double())
    s64 = torch.tensor(s, dtype=torch.float64, device=device)
    ref_o, ref_s = ve.dense_reference(torch, q.double(), k.double(), v.double(), s64, 1.0, s0.double())
    got_o = torch.cat(outs, dim=2)
    errs = {"O_decode": ve.rel_frobenius(torch, got_o, ref_o), "S_out": ve.rel_frobenius(torch, state, ref_s)}
    tol = {"O_decode": ve.TOLERANCE[args.dtype], "S_out": ve.STATE_TOLERANCE[args.dtype]}
    return {"case": f"{steps} steps of T={T} from a random state, b{batch} h{heads} d{d} e{d} {args.dtype}, "
                    "ALiBi slopes, against the float64 reference over all of them",
            "rel_frobenius": errs, "tolerance": tol,
            "pass": all(errs[key] <= tol[key] for key in errs)}


def run_row(torch, gm, ext, args, batch, timer, slopes, torch_dtype, device, policy, flush, ceilings):
    T, d = args.decode_tokens, args.dim
    graph = timer == "graph"
    row = result_file.base_row(ext.name, ext.function, batch, args.heads, T, d, d, args.dtype, ext.decay, "decode")
    row["timer"] = f"graph of {args.graph_steps} steps" if graph else "launches"
    status, reason, figures, memory, first_ms = "ok", "", None, None, None
    try:
        gen = torch.Generator(device=device)
        gen.manual_seed(args.seed + batch)
        ext.prepare(slopes, device)
        q, k, v = (tokens(torch, ext, (batch, args.heads, T, d), torch_dtype, gen, device) for _ in range(3))
        s0 = torch.empty(batch, args.heads, d, d, dtype=torch.float32, device=device).uniform_(-0.5, 0.5, generator=gen)
        torch.cuda.synchronize()
        allocated_before = torch.cuda.memory_allocated()

        def step():
            with torch.no_grad():
                return ext.call(q, k, v, initial_state=s0, output_final_state=True)

        def steps():
            with torch.no_grad():
                state = s0
                for _ in range(args.graph_steps):
                    o, state = ext.call(q, k, v, initial_state=state, output_final_state=True)
                return o, state

        first_ms, result = gm.time_once(step)  # compilation and autotuning: reported apart
        del result
        torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        _, result = gm.time_once(step)
        outputs_bytes = gm.nbytes(result)
        del result
        memory = {"peak_extra_bytes": max(0, torch.cuda.max_memory_allocated() - allocated_before - outputs_bytes),
                  "outputs_bytes": outputs_bytes, "driver_delta_bytes": 0}
        timed = gm.graphed(steps) if graph else step
        s = gm.sample(timed, policy, flush, max(0, policy.warmup - 2), time.perf_counter() - t0)
        timed = None
        if s.timed_out:
            status, reason = "timeout", f"a warm-up run took {s.over_limit_ms / 1e3:.3g} s"
        else:
            per_step = [ms / args.graph_steps for ms in s.ms] if graph else s.ms
            flops, min_bytes = conv.mode_work(decode_work(batch, args.heads, T, d, d, conv.DTYPE_SIZE[args.dtype]),
                                              "fwd")
            figures = conv.timing_figures(per_step, batch, T, flops, min_bytes, ceilings)
    except torch.cuda.OutOfMemoryError as e:
        status, reason = "oom", first_line(e)
    except Exception as e:  # noqa: BLE001 - one bad row must not end the sweep
        status, reason = "error", first_line(e)
    gc.collect()
    torch.cuda.empty_cache()
    out = result_file.finish_row(row, status, reason, figures, memory, first_ms)
    out["timer"] = row["timer"]
    return out


def main(argv=None):
    args = parse_options(sys.argv[1:] if argv is None else argv)
    torch = import_torch_on_gpu(args.extra_path)
    if torch is None:
        return 2
    import externals
    import gpu_measure as gm

    device = torch.device("cuda", torch.cuda.current_device())
    torch_dtype = getattr(torch, TORCH_DTYPES[args.dtype])
    policy = gm.TimingPolicy(args.warmup, args.min_repeats, args.min_time, 1000, args.row_time_limit, "events")
    flush = gm.L2Flush(device)
    slopes = conv.alibi_slopes(args.heads)
    meta = {
        **run_meta(torch, gm, device, args.git_commit),
        "timing": dict(policy.as_meta(flush.bytes),
                       decode=("per row: 'launches' = one step between CUDA events per sample; 'graph of K "
                               "steps' = K steps, each reading the state the one before wrote, captured once "
                               "in a CUDA graph and replayed, the sample over K; L2 flushed before each sample")),
        "inputs": ("q, k, v uniform [-1, 1) [B, h, T, d] and the fp32 state uniform [-0.5, 0.5), torch's "
                   f"generator seeded seed + B (seed {args.seed}); slopes ALiBi-style"),
        "work_model": "linear_block_work with B = 64 plus the state read and written (fp32), as "
                      "harness/implementation.cpp",
        "implementations": {}, "agreement": {},
    }
    rows = []

    def save():
        if args.json:
            result_file.write_json(args.json, result_file.document(meta, rows))

    if not args.no_ceilings:
        try:
            meta["ceilings"] = gm.measure_ceilings(device)
        except Exception as e:  # noqa: BLE001
            log(f"ceilings failed: {first_line(e)}")
    meta["devices"] = [dict(meta["device"], ceilings=meta["ceilings"])]
    save()

    for name in args.impls:
        ext = externals.by_name(name)
        try:
            ext.load()
            if not getattr(ext, "state", False):
                raise ImportError(f"{name} does not declare lasuite_state: it cannot carry a decode state")
        except Exception as e:  # noqa: BLE001
            meta["implementations"][name] = {"status": "unavailable", "reason": first_line(e, 2000)}
            log(f"{name}: unavailable: {first_line(e)}")
            continue
        meta["implementations"][name] = ext.info()
        try:
            rec = check_agreement(torch, ext, args, slopes, torch_dtype, device)
            meta["agreement"][name] = rec
            log(f"{name}: agreement {rec['rel_frobenius']} ({'PASS' if rec['pass'] else 'FAIL'})")
        except Exception as e:  # noqa: BLE001 - recorded, and the kernel is still timed
            meta["agreement"][name] = {"error": first_line(e, 2000)}
            log(f"{name}: agreement check failed to run: {first_line(e)}")
        save()
        for batch in args.batches:
            for timer in args.timers:
                row = run_row(torch, gm, ext, args, batch, timer, slopes, torch_dtype, device, policy, flush,
                              meta["ceilings"])
                rows.append(row)
                us = f"{row['median_ms'] * 1e3:.2f} us/step" if row["status"] == "ok" else row["reason"]
                log(f"{name} B={batch} {row['timer']}: {row['status']} {us}")
                save()
    if args.json:
        log(f"wrote {args.json} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
