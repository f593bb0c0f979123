"""`lasuite verify` for Python kernels: any callable of the documented signature (builtin_callables.py),
named module:callable (or a built-in ext: name, which is the same mechanism), checked against a
float64 reference of shared/design/math.md on lasuite's default cases (harness/verify_cases.cpp) and
on long sequences, O, dQ, dK, dV and, with a state, S_out and dS_in, by relative Frobenius error with
lasuite's tolerances. Rows in lasuite.verify/1, so the files read like `lasuite verify`'s.

  python3 baselines/external/verify_external.py --extra-path .ext \\
      --impl ext:fla_chunk,ext:lightning_attn2,mypkg.attn:my_attention --long 4k,128k --json v.json

The reference sees the kernel's inputs after rounding to its dtype, so only the kernel's arithmetic
is measured. Default cases use the dense form; long cases a chunked recurrence in float64 on the
sampled (batch, head) pairs only. Needs PyTorch and a CUDA GPU. Exit: 0 all ran cases passed, 1 a case failed or
errored, 2 bad arguments, no PyTorch or no GPU, or an implementation that does not load, 3 nothing was verified.
"""

import argparse
import json
import math
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lasuite_conventions as conv  # noqa: E402
import run_external  # noqa: E402  (torch-free until it runs: its --impl syntax and number checks are shared)

TOLERANCE = {"f64": 1e-10, "f32": 1e-4, "bf16": 1e-2, "f16": 5e-3}
STATE_TOLERANCE = {"f64": 1e-6, "f32": 1e-4, "bf16": 1e-2, "f16": 5e-3}
LARGE_SLOPE = 5.0
# harness/verify_cases.cpp default_cases: n, d, e, batch, heads, decay, state, scale (0: default)
DEFAULT_SHAPES = [
    (1, 32, 32, 1, 1, "none", False, 0),
    (63, 64, 64, 2, 3, "alibi", False, 0),
    (64, 64, 32, 1, 4, "alibi", False, 0),
    (65, 64, 32, 2, 3, "alibi", False, 0),
    (65, 128, 128, 1, 2, "large", False, 0),
    (63, 32, 32, 1, 2, "alibi", False, 0.5),
    (65, 64, 64, 1, 3, "mixed", True, 0),
    (1000, 128, 64, 2, 1, "none", True, 0),
    (1000, 32, 64, 1, 5, "mixed", False, 0),
    (4096, 64, 64, 1, 2, "alibi", False, 0),
    (4096, 128, 128, 1, 1, "none", False, 0),
]


def slopes_for(decay, heads):
    if decay == "none":
        return [0.0] * heads
    s = conv.alibi_slopes(heads)
    if decay == "large":
        return [LARGE_SLOPE] * heads
    if decay == "mixed":
        s = list(s)
        s[0] = 0.0
        if heads > 1:
            s[-1] = LARGE_SLOPE
    return list(s)


def label(n, d, e, b, h, decay, state, scale, sampled=0):
    text = f"n{n}-d{d}-e{e}-b{b}h{h}-{ {'none': 'nodecay'}.get(decay, decay)}"
    text += "-state" if state else ""
    text += f"-scale{scale:g}" if scale else ""
    text += f"-sampled{sampled}" if sampled else ""
    return text


def spread_heads(batch, heads, count):
    """harness/verify_cases.cpp spread_heads: count pairs evenly over batch x heads, first and last."""
    total = batch * heads
    if count <= 0 or count >= total:
        return []  # all of them
    k = max(2, count)
    flat = sorted({(i * (total - 1) + (k - 1) // 2) // (k - 1) for i in range(k)})
    return [(f // heads, f % heads) for f in flat]


def dense_reference(torch, q, k, v, slopes, scale, s0):
    """math.md's definition per (b, h) in float64: O = (scale Q K^T (x) M) V + diag(lambda^(t+1)) scale Q S0,
    S_n = lambda^n S0 + sum_u lambda^(n-1-u) k_u^T v_u; q, k, v [b, h, n, .], slopes [h]."""
    n = q.shape[2]
    t = torch.arange(n, device=q.device, dtype=torch.float64)
    gap = t[:, None] - t[None, :]
    s = slopes[:, None, None]
    mask = torch.where(gap >= 0, torch.exp(-s * gap.clamp(min=0)), torch.zeros((), dtype=torch.float64, device=q.device))
    o = ((scale * q @ k.transpose(-1, -2)) * mask) @ v
    w = torch.exp(-slopes[:, None] * (n - 1 - t[None, :]))  # [h, n]: lambda^(n-1-u)
    final = (k * w[None, :, :, None]).transpose(-1, -2) @ v
    if s0 is not None:
        o = o + torch.exp(-slopes[:, None, None] * (t[None, :, None] + 1)) * (scale * q @ s0)
        final = final + torch.exp(-slopes * n)[None, :, None, None] * s0
    return o, final


def chunked_reference(torch, q, k, v, slopes, scale, s0, chunk=256):
    """The same function as a recurrence over chunks (float64), for long n on a few heads."""
    n = q.shape[2]
    b, h, _, d = q.shape
    e = v.shape[3]
    state = s0 if s0 is not None else torch.zeros(b, h, d, e, dtype=torch.float64, device=q.device)
    outs = []
    for c0 in range(0, n, chunk):
        qc, kc, vc = q[:, :, c0:c0 + chunk], k[:, :, c0:c0 + chunk], v[:, :, c0:c0 + chunk]
        oc, state = dense_reference(torch, qc, kc, vc, slopes, scale, state)
        outs.append(oc)
    return torch.cat(outs, dim=2), state


def finite_or_none(x):
    """JSON has no NaN or infinity (lasuite writes null, and strict readers refuse the others)."""
    return x if math.isfinite(x) else None


def rel_frobenius(torch, x, ref):
    x, ref = x.detach().double(), ref.detach().double()
    den = torch.linalg.vector_norm(ref)
    num = torch.linalg.vector_norm(x - ref)
    if not torch.isfinite(num):
        return float("inf")
    return float(num / den) if den > 0 else float(num)


# lasuite verify's second bar (harness/verify.h): the worst block of 64 rows of a slice (a state: the whole slice)
# under ten times the slice's tolerance, so that a few wrong rows of a long sequence do not hide in its norm.
ROW_BLOCK = 64
ROWS_TOLERANCE_FACTOR = 10


def worst_block_rel(err2, ref2):
    """The worst relative error over blocks, from each block's squared error and squared reference norm: absolute
    where a block's reference is zero, and inf once any block's is not finite."""
    worst = 0.0
    for e, r in zip(err2, ref2):
        rel = math.sqrt(e / r) if r > 0 else math.sqrt(e)
        if not math.isfinite(rel):
            return float("inf")
        worst = max(worst, rel)
    return worst


def block_sums(torch, x, ref, block):
    """Each block's squared error and squared reference norm (lists), x and ref flat float64; block 0: one block."""
    diff = x - ref
    if block <= 0 or block >= diff.numel():
        block = max(diff.numel(), 1)
    pad = (-diff.numel()) % block
    diff = torch.nn.functional.pad(diff, (0, pad)).reshape(-1, block)
    ref = torch.nn.functional.pad(ref, (0, pad)).reshape(-1, block)
    return (diff * diff).sum(dim=1).tolist(), (ref * ref).sum(dim=1).tolist()


def run_case(torch, ext, dtype, torch_dtype, case, seed, device):
    n, d, e, batch, heads, decay, state, scale, sampled = case
    row = {"impl": ext.name, "origin": ext.spec, "case": label(n, d, e, batch, heads, decay, state, scale,
                                                              len(sampled) if sampled else 0),
           "batch": batch, "heads": heads, "seqlen": n, "dim_qk": d, "dim_v": e, "dtype": dtype,
           "function": "linear_decay", "decay": decay,
           "state": state, "backward": True,
           "sampled_heads": "all" if not sampled else ",".join(f"b{b}h{hh}" for b, hh in sampled),
           "seed": seed, "status": "pass", "reason": "", "seconds": 0.0, "checks": []}
    why = None
    if ext.function != "linear_decay":
        why = "computes softmax attention, not linear attention with decay"
    elif decay != "none" and not ext.decays:
        why = "decay not supported (lambda = 1 only)"
    elif state and not ext.state:
        why = "initial/final state not supported"
    if why:
        row["status"], row["reason"] = "skipped", why
        return row
    t0 = time.perf_counter()
    gen = torch.Generator(device=device)
    gen.manual_seed(seed + n * 7 + d * 13 + e * 17 + heads)

    def uniform(*shape):
        return (torch.rand(*shape, generator=gen, device=device, dtype=torch.float32) * 2 - 1).to(torch_dtype)

    q, k, v = uniform(batch, heads, n, d), uniform(batch, heads, n, d), uniform(batch, heads, n, e)
    do = uniform(batch, heads, n, e)
    s0 = (torch.rand(batch, heads, d, e, generator=gen, device=device) * 2 - 1) if state else None
    ds_out = (torch.rand(batch, heads, d, e, generator=gen, device=device) * 2 - 1) if state else None
    slopes = slopes_for(decay, heads)
    eff_scale = scale if scale else 1.0
    try:
        ext.prepare(slopes, device)
        xq, xk, xv = (ext.native(x).detach().requires_grad_() for x in (q, k, v))
        xs0 = s0.clone().requires_grad_() if state else None
        o, final = ext.call(xq, xk, xv, scale=eff_scale, initial_state=xs0, output_final_state=state)
        outs, cots = [o], [ext.native(do)]
        if state:
            outs.append(final)
            cots.append(ds_out)
        inputs = [xq, xk, xv] + ([xs0] if state else [])
        grads = torch.autograd.grad(outs, inputs, cots, allow_unused=True)
        got = {"O": ext.logical(o), "dQ": ext.logical(grads[0]), "dK": ext.logical(grads[1]),
               "dV": ext.logical(grads[2])}
        if state:
            got["S_out"] = final
            got["dS_in"] = grads[3]
        for key, val in got.items():
            if val is None:
                raise RuntimeError(f"no gradient for {key}")
        # The reference on the rounded inputs, only on the compared (batch, head) pairs.
        pairs = sampled or [(b, hh) for b in range(batch) for hh in range(heads)]
        sl = torch.tensor(slopes, dtype=torch.float64, device=device)
        # Per (batch, head) pair, the worst one counts, as in lasuite verify: a head with small outputs
        # (a fast decay) cannot hide its error behind a large one.
        worst = {key: None for key in got}  # (rel, max_abs, pair)
        worst_rows = {}  # the worst block of rows of each output over the compared pairs
        for b, hh in pairs:
            rq, rk, rv = (x[b:b + 1, hh:hh + 1].double().requires_grad_() for x in (q, k, v))
            rs0 = s0[b:b + 1, hh:hh + 1].double().requires_grad_() if state else None
            form = dense_reference if n <= 4096 else chunked_reference
            ro, rfinal = form(torch, rq, rk, rv, sl[hh:hh + 1], eff_scale, rs0)
            r_outs, r_cots = [ro], [do[b:b + 1, hh:hh + 1].double()]
            if state:
                r_outs.append(rfinal)
                r_cots.append(ds_out[b:b + 1, hh:hh + 1].double())
            r_inputs = [rq, rk, rv] + ([rs0] if state else [])
            rg = torch.autograd.grad(r_outs, r_inputs, r_cots)
            ref = {"O": ro, "dQ": rg[0], "dK": rg[1], "dV": rg[2]}
            if state:
                ref["S_out"] = rfinal
                ref["dS_in"] = rg[3]
            for key in got:
                x = got[key][b:b + 1, hh:hh + 1].detach().double().reshape(-1)
                r = ref[key].detach().reshape(-1)
                rel = rel_frobenius(torch, x, r)
                mx = float((x - r).abs().max()) if x.numel() else 0.0
                block = 0 if key in ("S_out", "dS_in") else ROW_BLOCK * got[key].shape[-1]
                worst_rows[key] = max(worst_rows.get(key, 0.0), worst_block_rel(*block_sums(torch, x, r, block)))
                w = worst[key]
                if w is None or math.isnan(rel) or (not math.isnan(w[0]) and rel > w[0]):
                    worst[key] = (rel, max(mx, w[1]) if w else mx, (b, hh))
                elif w is not None:
                    worst[key] = (w[0], max(mx, w[1]), w[2])
        ok = True
        for key in got:
            rel, mx, (wb, wh) = worst[key]
            tol = STATE_TOLERANCE[dtype] if key in ("S_out", "dS_in") else TOLERANCE[dtype]
            non_finite = int((~torch.isfinite(got[key].detach())).sum())
            rows_rel, rows_tol = worst_rows.get(key, 0.0), ROWS_TOLERANCE_FACTOR * tol
            passed = math.isfinite(rel) and rel <= tol and rows_rel <= rows_tol and non_finite == 0
            ok = ok and passed
            row["checks"].append({"tensor": key, "rel_frobenius": finite_or_none(rel), "max_abs": finite_or_none(mx),
                                  "tolerance": tol, "worst_rows_rel": finite_or_none(rows_rel),
                                  "rows_tolerance": rows_tol, "pass": passed, "non_finite": non_finite,
                                  "worst_batch": wb, "worst_head": wh})
        row["status"] = "pass" if ok else "fail"
    except torch.cuda.OutOfMemoryError as err:
        row["status"], row["reason"] = "skipped", f"out of device memory: {str(err).splitlines()[0][:200]}"
    except Exception as err:  # noqa: BLE001 - the kernel under test may raise anything; the row says what
        row["status"], row["reason"] = "error", f"{type(err).__name__}: {str(err).splitlines()[0][:300] if str(err) else ''}"
        traceback.print_exc(limit=3, file=sys.stderr)
    row["seconds"] = time.perf_counter() - t0
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impl", required=True, help="comma list of ext: names and module:callable specs")
    ap.add_argument("--extra-path", action="append", default=[], help="prepended to sys.path (repeatable)")
    ap.add_argument("--dtype", default="bf16", help="comma list of bf16, f16, f32 (default bf16)")
    ap.add_argument("--long", default="", help="long lengths, e.g. 4k,128k (alibi and none; state and none)")
    ap.add_argument("--long-batch", type=run_external.positive_int, default=1)
    ap.add_argument("--long-heads", type=run_external.positive_int, default=4)
    ap.add_argument("--dim", type=run_external.positive_int, default=128)
    ap.add_argument("--sample-heads", type=run_external.positive_int, default=2)
    ap.add_argument("--skip-defaults", action="store_true")
    ap.add_argument("--seed", type=int, default=20240107)
    ap.add_argument("--json", help="result file (lasuite.verify/1)")
    args = ap.parse_args(argv)
    for p in reversed(args.extra_path):
        for part in p.split(os.pathsep):
            if part:
                sys.path.insert(0, os.path.abspath(part))
    # The arguments checked before torch is imported: a mistake is said as one wherever torch is missing.
    try:
        impls = run_external.parse_impls(args.impl)
        dtypes = [conv.parse_dtype(x) for x in args.dtype.split(",")]
        longs = conv.parse_seqlens(args.long) if args.long else []
    except conv.UsageError as e:
        ap.exit(2, f"verify_external: error: {e}\n")
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        ap.exit(2, f"verify_external: error: --json {args.json}: its folder does not exist\n")
    for t in dtypes:
        if t not in ("bf16", "f16", "f32"):
            ap.exit(2, f"verify_external: error: dtype {t} is not verified here (bf16, f16, f32)\n")
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - ImportError, or the OSError of a torch whose CUDA libraries do not load
        ap.exit(2, f"verify_external: error: PyTorch is not importable ({e}); run this on the GPU machine\n")
    if not torch.cuda.is_available():
        ap.exit(2, "verify_external: error: no CUDA device is visible to PyTorch (the kernels run on the GPU)\n")

    import externals
    torch_dtypes = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}
    device = torch.device("cuda")
    cases = [] if args.skip_defaults else [s + ([],) for s in DEFAULT_SHAPES]
    for n in longs:
        for decay in ("alibi", "none"):
            for state in (False, True):
                cases.append((n, args.dim, args.dim, args.long_batch, args.long_heads, decay, state, 0,
                              spread_heads(args.long_batch, args.long_heads, args.sample_heads)))
    rows, meta_impls = [], {}
    meta = {"command": " ".join(sys.argv), "schema_version": "lasuite.verify/1",
            "git_commit": os.environ.get("LASUITE_GIT_COMMIT", ""),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "device": torch.cuda.get_device_name(device), "torch": torch.__version__, "seed": args.seed,
            "implementations": meta_impls,
            "reference": "float64, math.md: dense form up to 4096 tokens, chunked recurrence beyond; "
                         "inputs rounded to the dtype first; gradients by float64 autograd",
            "tolerances": {"tensors": TOLERANCE, "states": STATE_TOLERANCE}}

    def write():  # after every row, so a run cut short (a time limit) still leaves what it checked
        if args.json:
            tmp = args.json + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"schema": "lasuite.verify/1", "meta": meta, "rows": rows}, f, indent=1, allow_nan=False)
            os.replace(tmp, args.json)

    for name in impls:
        try:
            ext = externals.by_name(name)
            ext.load()
        except Exception as e:  # noqa: BLE001 - an implementation that does not import gets no rows
            meta_impls[name] = {"status": "unavailable", "error": str(e)[:500]}
            print(f"{name}: unavailable: {e}", file=sys.stderr)
            continue
        meta_impls[name] = ext.info()
        for t in dtypes:
            for case in cases:
                row = run_case(torch, ext, t, torch_dtypes[t], case, args.seed, device)
                rows.append(row)
                write()
                errs = " ".join(f"{c['tensor']}={c['rel_frobenius'] if c['rel_frobenius'] is None else format(c['rel_frobenius'], '.2e')}"
                                for c in row["checks"])
                print(f"{name} {t} {row['case']}: {row['status'].upper()} {row['reason']} {errs} "
                      f"({row['seconds']:.1f} s)", file=sys.stderr, flush=True)
                torch.cuda.empty_cache()
    write()
    counts = {s: sum(r["status"] == s for r in rows) for s in ("pass", "fail", "skipped", "error")}
    print(f"verify: {counts['pass']} passed, {counts['fail']} failed, {counts['skipped']} skipped, "
          f"{counts['error']} errors")
    if counts["fail"] or counts["error"]:
        return 1
    if any(m.get("status") == "unavailable" for m in meta_impls.values()):
        return 2  # an implementation asked for could not be loaded: as lasuite verify's unknown name
    return 0 if counts["pass"] else 3


if __name__ == "__main__":
    sys.exit(main())
