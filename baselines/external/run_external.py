#!/usr/bin/env python3
"""Runs public attention implementations on the GPU with `lasuite bench`'s inputs, timing method,
modes and result schema, so plots/plot_bench.py can overlay them on ours.

  ext:lightning_attn2          OpenNLPLab/lightning-attention lightning_attn2, ALiBi-style slopes
  ext:lightning_attn2_nodecay  its no-decay kernel
  ext:fla_chunk                fla-org/flash-linear-attention chunk_simple_gla, g_gamma = -slopes, scale 1
  ext:fla_recurrent            its fused_recurrent_simple_gla, the decode kernel (decode_external.py; not in "all")
  ext:sdpa_flash, ext:sdpa_cudnn  torch scaled_dot_product_attention, causal, one back end each

A package that cannot be imported is recorded as unavailable (meta "implementations", with the
ImportError) and gets no rows. Each available one is first checked against a float64 reference on a
small case (meta "agreement"). Progress goes to stderr; the JSON is rewritten after every row.

  python3 baselines/external/run_external.py --extra-path .ext --json results/ext.json
"""

import argparse
import datetime
import gc
import os
import platform
import re
import shlex
import socket
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lasuite_conventions as conv  # noqa: E402
import result_file  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXTERNAL_NAMES = ("ext:lightning_attn2", "ext:lightning_attn2_nodecay", "ext:fla_chunk", "ext:fla_recurrent",
                  "ext:sdpa_flash", "ext:sdpa_cudnn")
# Decode kernels (decode_external.py): a token-by-token recurrence is not what a training pass over a
# whole sequence runs, so "all" leaves them out of the sweep here (naming one still times it).
DECODE_KERNELS = ("ext:fla_recurrent",)
SWEEP_NAMES = tuple(n for n in EXTERNAL_NAMES if n not in DECODE_KERNELS)
TORCH_DTYPES = {"bf16": "bfloat16", "f16": "float16", "f32": "float32"}


def parse_impls(text):
    """Comma list of built-in names (with or without "ext:") and module:callable specs (any callable of
    the signature in builtin_callables.py); "all" for every built-in one but the decode kernels."""
    if text.strip() == "all":
        return list(SWEEP_NAMES)
    out = []
    for raw in text.split(","):
        name = raw.strip()
        if ":" in name and not name.startswith("ext:"):
            module, _, attr = name.partition(":")
            if not module or not attr or ":" in attr:
                raise conv.UsageError(f"'{name}' is not module:callable")
        else:
            if name and not name.startswith("ext:"):
                name = "ext:" + name
            if name not in EXTERNAL_NAMES:
                raise conv.UsageError(f"unknown implementation '{raw.strip()}' (expected a comma list of "
                                      f"{', '.join(EXTERNAL_NAMES)}, module:callable, or all)")
        if name not in out:
            out.append(name)
    return out


def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer")
    if v <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be > 0")
    return v


def build_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--impl", default="all",
                   help="comma list of " + ", ".join(EXTERNAL_NAMES) + " or module:callable (a callable of the "
                        "signature in builtin_callables.py, importable from --extra-path) (default all)")
    p.add_argument("--seqlen", default="1k..128k", help="lengths as lasuite takes them: 1k..128k, 4096,16k (default 1k..128k)")
    p.add_argument("--batch", type=positive_int, default=1)
    p.add_argument("--heads", type=positive_int, default=32)
    p.add_argument("--dim", type=positive_int, default=128, help="head dim d (and e unless --dim-v)")
    p.add_argument("--dim-v", type=positive_int, help="value head dim e (default: --dim)")
    p.add_argument("--dtype", default="bf16", help="bf16 (default), f16 or f32")
    p.add_argument("--mode", default="fwd,bwd,fwdbwd", help="comma list of fwd, bwd, fwdbwd")
    p.add_argument("--json", help="result file (lasuite.bench/1); default: JSON on stdout at the end")
    add_run_options(p, row_time_limit=120.0)
    p.add_argument("--max-repeats", type=positive_int, default=1000)
    p.add_argument("--packed", help="a packed batch: comma list of sequence lengths (zeros allowed; e.g. from a "
                   "lasuite bench file's meta.packed.cu_seqlens), batch 1, seqlen their total, for callables that "
                   "declare lasuite_packed; each row also times N equal sequences of total/N (as lasuite bench)")
    p.add_argument("--timer", choices=("events", "graph"), default="events",
                   help="events: CUDA events around each call from Python (host time included where it "
                        "outlasts the GPU's); graph: around replays of the call captured in a CUDA graph "
                        "(GPU time alone). Recorded in meta.timing (default events)")
    p.add_argument("--check-seqlen", default="1024", help="length of the float64 agreement case (default 1024)")
    p.add_argument("--no-check", action="store_true", help="skip the float64 agreement check")
    return p


def add_run_options(p, row_time_limit):
    """What every runner here takes: where the packages are, lasuite bench's timing policy, the inputs'
    seed, the ceilings, and the commit to record."""
    p.add_argument("--extra-path", action="append", default=[],
                   help="directory prepended to sys.path (repeatable, or os.pathsep-separated), e.g. .ext")
    p.add_argument("--row-time-limit", type=float, default=row_time_limit,
                   help=f"seconds per row (default {row_time_limit:g})")
    p.add_argument("--warmup", type=positive_int, default=3)
    p.add_argument("--min-repeats", type=positive_int, default=10)
    p.add_argument("--min-time", type=float, default=0.2, help="seconds of samples at least (default 0.2)")
    p.add_argument("--seed", type=int, default=1, help="seed of the random inputs (default 1)")
    p.add_argument("--no-ceilings", action="store_true", help="skip the copy/GEMM ceiling measurement")
    p.add_argument("--git-commit", help="commit to record when the tree has no .git (e.g. on the GPU machine)")


def parse_options(argv):
    """argparse plus the lasuite-style values; UsageError -> message and exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.impls = parse_impls(args.impl)
        args.seqlens = sorted(conv.parse_seqlens(args.seqlen))
        args.dtype = conv.parse_dtype(args.dtype)
        if args.dtype not in TORCH_DTYPES:
            raise conv.UsageError(f"dtype {args.dtype} is not benchmarked (bf16, f16 or f32)")
        args.modes = conv.parse_modes(args.mode)
        args.cu_seqlens = None
        if args.packed:
            lengths = parse_packed(args.packed)
            if args.batch != 1:
                raise conv.UsageError("--packed puts its sequences in one batch entry; --batch must be 1")
            if args.seqlen != build_parser().get_default("seqlen"):
                raise conv.UsageError("--packed gives the lengths; --seqlen cannot be given with it")
            args.cu_seqlens = [0]
            for n in lengths:
                args.cu_seqlens.append(args.cu_seqlens[-1] + n)
            args.seqlens = [args.cu_seqlens[-1]]
        if args.dim_v is None:
            args.dim_v = args.dim
        args.check_n = conv.parse_size(args.check_seqlen)
        if args.row_time_limit <= 0 or args.min_time < 0:
            raise conv.UsageError("--row-time-limit must be > 0 and --min-time >= 0")
    except conv.UsageError as e:
        parser.exit(2, f"{parser.prog}: error: {e}\n")
    return args


def parse_packed(text):
    """"100000,1,15,0" -> lengths (>= 0, at least one, a positive total); UsageError saying what is wrong."""
    out = []
    for raw in text.split(","):
        item = raw.strip()
        if not item.isdigit():
            raise conv.UsageError(f"--packed: '{item}' is not a whole number >= 0")
        out.append(int(item))
    if sum(out) <= 0:
        raise conv.UsageError("--packed: the lengths add up to no tokens")
    return out


def packed_summary(cu):
    """lasuite bench's row text: "N sequences, MIN..MAX tokens"."""
    lengths = [b - a for a, b in zip(cu, cu[1:])]
    return f"{len(lengths)} sequences, {min(lengths)}..{max(lengths)} tokens"


def check_heads(heads):
    """The heads the agreement case keeps: first, two inner ones and last, so the largest and the
    smallest ALiBi slopes are both checked."""
    picked = []
    for i in (0, heads // 3, (2 * heads) // 3, heads - 1):
        if i not in picked:
            picked.append(i)
    return picked


def git_info(override):
    if override:
        return override, None
    try:
        commit = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip()
        status = subprocess.run(["git", "-C", REPO_ROOT, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
        if commit:
            # A status that failed says nothing of the tree: unknown, not clean.
            return commit, bool(status.stdout.strip()) if status.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown", None


def lasuite_version():
    try:
        with open(os.path.join(REPO_ROOT, "CMakeLists.txt")) as f:
            m = re.search(r"project\(\s*lasuite\s+VERSION\s+([0-9.]+)", f.read())
            return m.group(1) if m else ""
    except OSError:
        return ""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def first_line(e, limit=400):
    text = str(e).strip().splitlines()
    text = text[0] if text else type(e).__name__
    return (type(e).__name__ + ": " + text)[:limit]


def import_torch_on_gpu(extra_path):
    """--extra-path entries put first on sys.path, then torch with a CUDA device; None (said why) if not."""
    for entry in extra_path:
        for d in reversed(entry.split(os.pathsep)):
            if d:
                sys.path.insert(0, os.path.abspath(d))
    try:
        import torch
    except ImportError as e:
        log(f"error: PyTorch is not importable ({e}); run this on the GPU machine")
        return None
    if not torch.cuda.is_available():
        log("error: no CUDA device is visible to PyTorch")
        return None
    return torch


def run_meta(torch, gm, device, git_commit):
    """What every runner's result file says of how it was made: the command, the commit, when, where, on
    which device (ceilings filled in later) and with which software."""
    commit, dirty = git_info(git_commit)
    try:
        import triton
        triton_version = triton.__version__
    except ImportError:
        triton_version = ""
    return {
        "command": shlex.join(["python3"] + sys.argv),
        "git_commit": commit, "git_dirty": dirty,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(), "lasuite_version": lasuite_version(),
        "device": gm.device_record(device),
        "ceilings": None,
        "software": {"python": platform.python_version(), "torch": torch.__version__, "triton": triton_version,
                     "cuda_runtime": str(torch.version.cuda or ""),
                     "cudnn": str(torch.backends.cudnn.version() or "")},
    }


def main(argv=None):
    args = parse_options(sys.argv[1:] if argv is None else argv)
    torch = import_torch_on_gpu(args.extra_path)
    if torch is None:
        return 2
    import agreement
    import externals
    import gpu_measure as gm
    assert externals.NAMES == EXTERNAL_NAMES

    device = torch.device("cuda", torch.cuda.current_device())
    torch_dtype = getattr(torch, TORCH_DTYPES[args.dtype])
    policy = gm.TimingPolicy(args.warmup, args.min_repeats, args.min_time, args.max_repeats, args.row_time_limit,
                             args.timer)
    flush = gm.L2Flush(device)
    slopes = conv.alibi_slopes(args.heads)
    meta = {
        **run_meta(torch, gm, device, args.git_commit),
        "timing": policy.as_meta(flush.bytes),
        "inputs": ("uniform [-1, 1) made in [b, h, n, d] with torch's generator seeded seed + n (seed "
                   f"{args.seed}), then put in each kernel's layout outside any timed region; slopes "
                   "ALiBi-style (harness/problem.cpp alibi_slopes) for linear attention with decay"),
        "memory_method": ("torch.cuda.max_memory_allocated during the second warm-up run (the first may "
                          "compile and autotune) minus memory_allocated before the row. Not counted: the "
                          "inputs q, k, v, do, and for bwd also o (made by one untimed forward; whatever else "
                          "that forward keeps for the backward counts). outputs_bytes = o (fwd), dq+dk+dv "
                          "(bwd), all four (fwdbwd); peak_extra_bytes = the rest (saved tensors, scratch). "
                          "driver_delta_bytes: drop in cudaMemGetInfo free memory from before the row to the "
                          "end of that run (less o for bwd), allocator cache emptied first."),
        "work_model": "linear_block_work with B = 64 (linear attention), softmax_causal_work (sdpa), as "
                      "harness/implementation.cpp",
        "implementations": {},
        "agreement": {},
    }
    if args.cu_seqlens:
        meta["packed"] = {"spec": args.packed, "cu_seqlens": args.cu_seqlens}
    rows = []

    def save():
        if args.json:
            result_file.write_json(args.json, result_file.document(meta, rows))

    if not args.no_ceilings:
        log("measuring ceilings (1 GiB copy, bf16 8192^3 GEMM)")
        try:
            meta["ceilings"] = gm.measure_ceilings(device)
            c = meta["ceilings"]
            log(f"  copy {c['copy_bytes_per_s'] / 1e9:.0f} GB/s, GEMM {c['gemm_flops_per_s'] / 1e12:.0f} TFLOP/s")
        except Exception as e:  # noqa: BLE001 - a missing ceiling leaves floor_ms out, the sweep goes on
            log(f"  ceilings failed: {first_line(e)}")
    meta["devices"] = [dict(meta["device"], ceilings=meta["ceilings"])]  # as lasuite lists every device
    save()

    loaded = []
    for name in args.impls:
        ext = externals.by_name(name)
        try:
            ext.load()
        except Exception as e:  # noqa: BLE001 - ImportError, or an error inside the package's import
            meta["implementations"][name] = {"status": "unavailable", "reason": first_line(e, 2000),
                                             "description": ext.description}
            log(f"{name}: unavailable: {first_line(e)}")
            continue
        meta["implementations"][name] = ext.info()
        loaded.append(ext)
        if args.no_check:
            continue
        heads = check_heads(args.heads)
        try:
            rec = agreement.check(ext, args.dtype, torch_dtype, 1, len(heads), args.check_n, args.dim,
                                  [slopes[i] for i in heads], device, seed=args.seed, dim_v=args.dim_v)
            rec["heads_of_sweep"] = heads
            meta["agreement"][name] = rec
            errs = ", ".join(f"{k} {v:.2e}" for k, v in rec["rel_frobenius"].items())
            log(f"{name}: agreement vs float64 ({rec['case']}): {errs} "
                f"({'PASS' if rec['pass'] else 'FAIL'} at {rec['tolerance']:g})")
        except Exception as e:  # noqa: BLE001 - recorded, and the implementation is still timed
            meta["agreement"][name] = {"error": first_line(e, 2000)}
            log(f"{name}: agreement check failed to run: {first_line(e)}")
        gc.collect()
        torch.cuda.empty_cache()
    save()

    total = len(loaded) * len(args.seqlens) * len(args.modes)
    index = 0
    for ext in loaded:
        stopped = {}  # mode -> why larger n are not run
        for n in args.seqlens:
            inputs, inputs_failure = None, None
            for mode in args.modes:
                index += 1
                w_args = (args.batch, args.heads, n, args.dim, args.dim_v, conv.DTYPE_SIZE[args.dtype])
                work = (conv.softmax_causal_work(*w_args) if ext.function == "softmax"
                        else conv.linear_block_work(*w_args, block=64))
                row = result_file.base_row(ext.name, ext.function, args.batch, args.heads, n, args.dim, args.dim_v,
                                           args.dtype, ext.decay if ext.function == "linear_decay" else "none",
                                           mode)
                if mode in stopped:
                    row = result_file.finish_row(row, "timeout", stopped[mode])
                elif args.cu_seqlens and not getattr(ext, "packed", False):
                    row = result_file.finish_row(row, "unsupported", "takes no cu_seqlens (lasuite_packed unset)")
                else:
                    if inputs is None and inputs_failure is None:
                        try:
                            inputs = make_inputs(torch, ext, args, n, slopes, torch_dtype, device)
                        except torch.cuda.OutOfMemoryError as e:
                            inputs_failure = ("oom", "inputs: " + first_line(e))
                        except Exception as e:  # noqa: BLE001
                            inputs_failure = ("error", "inputs: " + first_line(e))
                        if inputs_failure:
                            gc.collect()
                            torch.cuda.empty_cache()
                    if inputs_failure:
                        row = result_file.finish_row(row, *inputs_failure)
                    elif args.cu_seqlens:
                        row = run_packed_row(torch, gm, ext, args, inputs, row, mode, work, policy, flush,
                                             meta["ceilings"], slopes, torch_dtype, device)
                    else:
                        row = run_row(torch, gm, ext, inputs, row, mode, work, policy, flush, meta["ceilings"])
                        if row["status"] == "timeout":
                            stopped[mode] = (f"not run: n={n} already passed the row time limit ({row['reason']}); "
                                             "larger n only take longer")
                rows.append(row)
                log(progress_line(row, index, total))
                save()
            del inputs
            gc.collect()
            torch.cuda.empty_cache()

    if args.json:
        log(f"wrote {args.json} ({len(rows)} rows)")
        log(f"plot with: python3 plots/plot_bench.py {shlex.quote(args.json)}")
    else:
        import json
        json.dump(result_file.document(meta, rows), sys.stdout, indent=1)
        sys.stdout.write("\n")
    return 0


def make_inputs(torch, ext, args, n, slopes, torch_dtype, device, batch=None):
    """q, k, v, do for length n in the kernel's layout: uniform [-1, 1) as lasuite makes them (never
    zeros), q, k, v requiring gradients."""
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed + n)
    out = []
    for i in range(4):  # q, k: d columns; v, do: e
        shape = (batch or args.batch, args.heads, n, args.dim if i < 2 else args.dim_v)
        x = torch.empty(shape, dtype=torch_dtype, device=device).uniform_(-1, 1, generator=gen)
        x = ext.native(x)
        if i < 3:
            x.requires_grad_()
        out.append(x)
    ext.prepare(slopes, device)
    torch.cuda.synchronize()
    return out


def mode_run(torch, ext, inputs, mode, forward=None):
    """The timed work of one mode, and (for bwd) the forward output it needs, made untimed. forward:
    the call (default ext.forward; a packed batch's passes its cu_seqlens)."""
    q, k, v, do = inputs
    forward = forward or ext.forward
    if mode == "fwd":
        return (lambda: (forward(q, k, v),)), None
    if mode == "fwdbwd":
        def run():
            o = forward(q, k, v)
            return (o,) + tuple(torch.autograd.grad(o, (q, k, v), do))
        return run, None
    o = forward(q, k, v)  # bwd: one untimed forward, its graph kept for every backward
    return (lambda: tuple(torch.autograd.grad(o, (q, k, v), do, retain_graph=True))), o


def run_packed_row(torch, gm, ext, args, inputs, row, mode, work, policy, flush, ceilings, slopes, torch_dtype,
                   device):
    """A packed batch's row (cu_seqlens given to the callable), with beside it the rate of the same total
    as N equal sequences of total / N in the same mode (harness/bench.cpp time_equal_lengths)."""
    cu = torch.tensor(args.cu_seqlens, dtype=torch.int64, device=device)
    out = run_row(torch, gm, ext, inputs, row, mode, work, policy, flush, ceilings,
                  forward=lambda q, k, v: ext.forward(q, k, v, cu_seqlens=cu))
    out["packed"] = packed_summary(args.cu_seqlens)
    out["equal_length_tokens_per_s"] = None
    if out["status"] != "ok":
        return out
    n_seq = len(args.cu_seqlens) - 1
    n_eq = args.cu_seqlens[-1] // n_seq
    equal = None
    try:
        equal = make_inputs(torch, ext, args, n_eq, slopes, torch_dtype, device, batch=n_seq)
        w_args = (n_seq, args.heads, n_eq, args.dim, args.dim_v, conv.DTYPE_SIZE[args.dtype])
        eq_row = dict(row, batch=n_seq, seqlen=n_eq)
        eq = run_row(torch, gm, ext, equal, eq_row, mode, conv.linear_block_work(*w_args, block=64), policy, flush,
                     ceilings)
        if eq["status"] == "ok":
            out["equal_length_tokens_per_s"] = eq["tokens_per_s"]
        else:
            out["reason"] = f"equal lengths ({n_seq} x {n_eq}) not timed: {eq['status']} {eq['reason']}"
    except Exception as e:  # noqa: BLE001 - the packed row stands without the comparison
        out["reason"] = f"equal lengths ({n_seq} x {n_eq}) not timed: {first_line(e)}"
    del equal
    gc.collect()
    torch.cuda.empty_cache()
    return out


def run_row(torch, gm, ext, inputs, row, mode, work, policy, flush, ceilings, forward=None):
    """One row, as harness/bench.cpp run_row, with two differences, both for the first call of a Triton
    kernel at a new shape, which compiles and autotunes (38 s for fla's backward on a fresh H200): it is
    timed apart (first_call_ms in the row) and outside the row's time limit, and the memory figures
    come from the second run, since the autotuner's benchmarking buffers are not the kernel's own
    memory. A second run over the time limit is a timeout; then the remaining warm-ups and the cold
    samples."""
    status, reason, figures, memory, first_ms = "ok", "", None, None, None
    run = o_keep = None
    try:
        gc.collect()
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        free_before = torch.cuda.mem_get_info()[0]
        allocated_before = torch.cuda.memory_allocated()
        run, o_keep = mode_run(torch, ext, inputs, mode, forward)
        # The backward alone takes o as an input (as in lasuite); what else the forward kept counts.
        o_bytes = gm.nbytes([o_keep]) if o_keep is not None else 0
        first_ms, result = gm.time_once(run)  # compilation, autotuning, first touch: reported apart
        del result
        t0 = time.perf_counter()  # the row's time limit counts from the second run
        limit_ms = policy.row_time_limit_s * 1e3
        torch.cuda.empty_cache()  # hand back what only the first run needed, for the driver's figure
        torch.cuda.reset_peak_memory_stats()
        second_ms, result = gm.time_once(run)
        if second_ms > limit_ms:
            status = "timeout"
            reason = (f"one run took {second_ms / 1e3:.3g} s, over the row time limit of "
                      f"{policy.row_time_limit_s:.3g} s (after a first call of {first_ms / 1e3:.3g} s)")
            del result
        else:
            peak = torch.cuda.max_memory_allocated()
            outputs_bytes = gm.nbytes(result)
            free_after = torch.cuda.mem_get_info()[0]
            del result
            memory = {"peak_extra_bytes": max(0, peak - allocated_before - o_bytes - outputs_bytes),
                      "outputs_bytes": outputs_bytes,
                      "driver_delta_bytes": free_before - free_after - o_bytes}
            timed = gm.graphed(run) if policy.timer == "graph" else run
            s = gm.sample(timed, policy, flush, max(0, policy.warmup - 2), time.perf_counter() - t0)
            timed = None
            if s.timed_out:
                status = "timeout"
                reason = (f"a warm-up run took {s.over_limit_ms / 1e3:.3g} s, over the row time limit of "
                          f"{policy.row_time_limit_s:.3g} s")
            else:
                flops, min_bytes = conv.mode_work(work, mode)
                figures = conv.timing_figures(s.ms, row["batch"], row["seqlen"], flops, min_bytes, ceilings)
    except torch.cuda.OutOfMemoryError as e:
        status, reason = "oom", first_line(e)
    except RuntimeError as e:
        # sdpa with a back end that cannot take this problem says so ("No available kernel").
        status, reason = ("unsupported" if "No available kernel" in str(e) else "error"), first_line(e)
        if status == "error":
            log(traceback.format_exc(limit=3))
    except Exception as e:  # noqa: BLE001 - one bad row must not end the sweep
        status, reason = "error", first_line(e)
        log(traceback.format_exc(limit=3))
    run = o_keep = None
    gc.collect()
    torch.cuda.empty_cache()
    return result_file.finish_row(row, status, reason, figures, memory, first_ms)


def progress_line(row, index, total):
    head = f"[{index}/{total}] {row['impl']} {row['mode']} n={conv.size_text(row['seqlen'])}"
    if row["status"] != "ok":
        return f"{head}: {row['status'].upper()} {row['reason']}"
    mem = (row["peak_extra_bytes"] + row["outputs_bytes"]) / 2 ** 30
    return (f"{head}: {row['median_ms']:.3f} ms (min {row['min_ms']:.3f}, max {row['max_ms']:.3f}, "
            f"{row['repeats']} reps), {row['tokens_per_s'] / 1e6:.2f} M tok/s, "
            f"{row['flops_per_s'] / 1e12:.1f} TFLOP/s, memory {mem:.2f} GiB")


if __name__ == "__main__":
    sys.exit(main())
