"""The public kernels the suite races, each written as a callable of the documented signature
(baselines/external/README.md, "Bring your own Python kernel"), so that they go through exactly the
path a researcher's kernel takes (`--impl module:callable`):

    def attention(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False):
        # q, k: [b, h, n, d], v: [b, h, n, e] in the declared layout; slopes: fp32 [h], lambda = exp(-slope);
        # initial_state: fp32 [b, h, d, e] or None.  Returns o (v's layout), or (o, final_state).
    attention.lasuite_layout = "bhnd"     # or "bnhd"
    attention.lasuite_state = False       # True: takes initial_state and returns the final state
    attention.lasuite_decay = True        # False: only lambda = 1 (slopes all zero)
    attention.lasuite_function = "linear_decay"   # or "softmax" (slopes ignored)
    attention.lasuite_packed = False      # True: also takes cu_seqlens= (int64 [N+1]) for a packed batch,
                                          # q, k, v then [1, h, total, d] with the sequences back to back

Nothing of those projects is here: the imports happen at call time, from what --extra-path provides.
"""

import importlib

import torch
import torch.nn.functional as F


def _module(name):
    return importlib.import_module(name)


_NEGATED = {}


def _log_decay(slopes):
    """fla's g_gamma (-slopes, fp32), made once per slopes tensor: a negation on every call would be a
    kernel timed as the kernel's own (one more node in every step of a decode graph)."""
    hit = _NEGATED.get(id(slopes))
    if hit is None or hit[0] is not slopes:
        hit = (slopes, -slopes.to(torch.float32))
        _NEGATED[id(slopes)] = hit
    return hit[1]


def lightning_attn2(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False):
    """OpenNLPLab/lightning-attention's lightning_attn2 (the paper's Triton kernel)."""
    fn = _module("lightning_attn.ops.triton.lightning_attn2").lightning_attn2
    s = slopes.to(torch.float32).reshape(-1, 1, 1).contiguous()
    return fn(q * scale if scale != 1.0 else q, k, v, s)


lightning_attn2.lasuite_origin_module = "lightning_attn"


def lightning_attn2_nodecay(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False):
    """Its lightning_attn2_no_decay (lambda = 1)."""
    fn = _module("lightning_attn.ops.triton.lightning_attn2_no_decay").lightning_attn2_no_decay
    return fn(q * scale if scale != 1.0 else q, k, v)


lightning_attn2_nodecay.lasuite_decay = False
lightning_attn2_nodecay.lasuite_origin_module = "lightning_attn"


def fla_chunk(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False, cu_seqlens=None):
    """fla-org/flash-linear-attention's chunk_simple_gla, g_gamma = -slopes (natural-log decay per head)."""
    fn = _module("fla.ops.simple_gla").chunk_simple_gla
    o, final = fn(q, k, v, g_gamma=_log_decay(slopes), scale=scale, initial_state=initial_state,
                  output_final_state=output_final_state, cu_seqlens=cu_seqlens)
    return (o, final) if output_final_state else o


fla_chunk.lasuite_layout = "bnhd"
fla_chunk.lasuite_state = True
fla_chunk.lasuite_packed = True
fla_chunk.lasuite_origin_module = "fla"


def fla_recurrent(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False):
    """fla-org/flash-linear-attention's fused_recurrent_simple_gla (its decode kernel), g_gamma = -slopes."""
    fn = _module("fla.ops.simple_gla").fused_recurrent_simple_gla
    o, final = fn(q, k, v, g_gamma=_log_decay(slopes), scale=scale, initial_state=initial_state,
                  output_final_state=output_final_state)
    return (o, final) if output_final_state else o


fla_recurrent.lasuite_layout = "bnhd"
fla_recurrent.lasuite_state = True
fla_recurrent.lasuite_origin_module = "fla"


def _sdpa(backend_name):
    def attention(q, k, v, slopes, scale=1.0, initial_state=None, output_final_state=False):
        from torch.nn.attention import SDPBackend, sdpa_kernel
        with sdpa_kernel([getattr(SDPBackend, backend_name)]):
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)

    attention.lasuite_function = "softmax"
    attention.lasuite_origin_module = "torch"
    attention.__doc__ = f"torch scaled_dot_product_attention, causal, SDPBackend.{backend_name} only"
    return attention


sdpa_flash = _sdpa("FLASH_ATTENTION")
sdpa_cudnn = _sdpa("CUDNN_ATTENTION")
