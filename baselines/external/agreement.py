"""Each external implementation against a float64 reference on one small case, O and the three
gradients, by relative Frobenius error (the measure `lasuite verify` uses).

The reference is math.md's dense form computed in float64 on the GPU:
  linear:  O = (Q K^T ⊙ M) V,  M[t][u] = exp(-s (t - u)) for t >= u, else 0   (no scale)
  softmax: O = softmax(Q K^T / sqrt(d) + causal mask) V
with its gradients by autograd in float64 (math.md gives the same closed forms).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# One float64 reference of math.md and one set of tolerances for both Python checks (this one and
# verify_external.py, which has lasuite verify's cases).
from verify_external import TOLERANCE, dense_reference, rel_frobenius  # noqa: E402


def linear_reference(q, k, v, slopes):
    s = torch.tensor(slopes, device=q.device, dtype=torch.float64)
    return dense_reference(torch, q, k, v, s, 1.0, None)[0]


def softmax_reference(q, k, v):
    n, d = q.shape[2], q.shape[3]
    scores = (q @ k.transpose(-1, -2)) / d ** 0.5
    causal = torch.ones(n, n, dtype=torch.bool, device=q.device).tril()
    scores = scores.masked_fill(~causal, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def check(ext, dtype, torch_dtype, batch, heads, seqlen, dim, slopes, device, seed=1, dim_v=None):
    """Runs `ext` forward and backward on one random case and compares with float64; returns the
    record for the result file's meta["agreement"]. dim_v: the value head dim (default dim)."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)

    def uniform(*shape):
        return torch.rand(*shape, generator=gen, device=device, dtype=torch.float64) * 2 - 1

    e = dim if dim_v is None else dim_v
    q, k, v, do = (uniform(batch, heads, seqlen, c) for c in (dim, dim, e, e))
    decayed = ext.function == "linear_decay" and ext.decay != "none"
    ref_slopes = list(slopes) if decayed else [0.0] * heads

    # Reference on the rounded inputs, so only the kernel's arithmetic is measured.
    low = [x.to(torch_dtype) for x in (q, k, v, do)]
    ref_in = [x.double().requires_grad_() for x in low[:3]]
    if ext.function == "softmax":
        ref_o = softmax_reference(*ref_in)
    else:
        ref_o = linear_reference(*ref_in, ref_slopes)
    ref_grads = torch.autograd.grad(ref_o, ref_in, low[3].double())

    ext.prepare(ref_slopes, device)
    nq, nk, nv = (ext.native(x).detach().requires_grad_() for x in low[:3])
    o = ext.forward(nq, nk, nv)
    grads = torch.autograd.grad(o, (nq, nk, nv), ext.native(low[3]))
    torch.cuda.synchronize()

    errors = {"O": rel_frobenius(torch, ext.logical(o), ref_o)}
    for name, g, ref in zip(("dQ", "dK", "dV"), grads, ref_grads):
        errors[name] = rel_frobenius(torch, ext.logical(g), ref)
    tolerance = TOLERANCE.get(dtype, 1e-2)
    return {"case": f"b{batch} h{heads} n{seqlen} d{dim} e{e} {dtype}",
            "reference": "float64 dense form of math.md (softmax for sdpa), gradients by float64 autograd",
            "slopes": ref_slopes, "inputs": "uniform [-1, 1), rounded to the run's dtype, seed " + str(seed),
            "rel_frobenius": errors, "tolerance": tolerance,
            "pass": all(e <= tolerance for e in errors.values())}
