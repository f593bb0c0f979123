"""A Python kernel brought to lasuite: causal linear attention with per-head decay in plain PyTorch,
chunk by chunk (the chunk form of shared/design/math.md), differentiable by autograd. It follows the
callable signature the external runner and verify take (baselines/external/builtin_callables.py):

    fn(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False)
      q, k: [b, h, n, d]; v: [b, h, n, e]; slopes: fp32 [h] (lambda = exp(-slope));
      initial_state: fp32 [b, h, d, e] or None; returns o [b, h, n, e], or (o, final_state).

Attributes say what it supports: lasuite_layout ("bhnd" here), lasuite_state (True here).
"""

import torch

CHUNK = 64


def my_linear_attention(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False):
    b, h, n, d = q.shape
    e = v.shape[-1]
    qf, kf, vf = q.float(), k.float(), v.float()
    lam = slopes.float()
    state = (initial_state.float() if initial_state is not None
             else torch.zeros(b, h, d, e, dtype=torch.float32, device=q.device))
    outs = []
    for c0 in range(0, n, CHUNK):
        qc, kc, vc = qf[:, :, c0:c0 + CHUNK], kf[:, :, c0:c0 + CHUNK], vf[:, :, c0:c0 + CHUNK]
        rows = qc.shape[2]
        t = torch.arange(rows, device=q.device, dtype=torch.float32)
        gap = t[:, None] - t[None, :]
        decay_mask = torch.where(gap >= 0, torch.exp(-lam[:, None, None] * gap.clamp(min=0)),
                                 torch.zeros((), device=q.device))
        intra = ((scale * qc @ kc.transpose(-1, -2)) * decay_mask) @ vc
        inter = torch.exp(-lam[:, None, None] * (t[None, :, None] + 1)) * (scale * qc @ state)
        outs.append(intra + inter)
        key_decay = torch.exp(-lam[:, None] * (rows - 1 - t[None, :]))
        state = (torch.exp(-lam * rows)[None, :, None, None] * state
                 + (kc * key_decay[None, :, :, None]).transpose(-1, -2) @ vc)
    o = torch.cat(outs, dim=2).to(q.dtype)
    return (o, state) if output_final_state else o


my_linear_attention.lasuite_layout = "bhnd"
my_linear_attention.lasuite_state = True
