"""The external implementations, each behind the same small adapter: load (import, or say why not),
native layout in and out, and a forward that autograd can differentiate.

Inputs are made in the logical [b, h, n, d] layout (as `lasuite bench` makes them) and converted once,
outside any timed region, to the layout each kernel takes; nothing of these packages lives in this
repository (scripts/prepare_external.sh exports them into the git-ignored .ext/ for a run).
"""

import importlib
import os

import torch
import torch.nn.functional as F


def _package_origin(module_name):
    """Where a package was imported from, and the commit scripts/prepare_external.sh recorded beside it."""
    mod = importlib.import_module(module_name)
    path = os.path.dirname(os.path.abspath(getattr(mod, "__file__", "") or ""))
    origin = {"module_file": path, "version": str(getattr(mod, "__version__", ""))}
    stamp = os.path.join(os.path.dirname(path), "SOURCES.txt")
    if os.path.exists(stamp):
        with open(stamp) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0] == module_name:
                    origin["source"] = parts[1]
                    origin["source_commit"] = parts[2]
    return origin


class External:
    name = ""             # "ext:..." as in result rows
    function = "linear_decay"
    decay = "alibi"       # what the rows say; softmax rows say "none"
    layout = "[b, h, n, d]"
    description = ""

    def __init__(self):
        self.origin = {}

    def load(self):
        """Imports what the adapter needs; raises ImportError (with the package's own message) if absent."""

    def native(self, x):
        """Logical [b, h, n, d] tensor to the kernel's layout (a copy only where the layout differs)."""
        return x

    def logical(self, x):
        return x

    def prepare(self, slopes, device):
        """Per-run constants (decay slopes on the device) for `heads` = len(slopes)."""

    def forward(self, q, k, v):
        raise NotImplementedError

    def info(self):
        return {"status": "available", "function": self.function, "decay": self.decay,
                "input_layout": self.layout, "description": self.description, **self.origin}


class LightningAttn2(External):
    name = "ext:lightning_attn2"
    description = ("OpenNLPLab/lightning-attention lightning_attn2 (the paper's Triton kernel), "
                   "s = ALiBi-style slopes as an fp32 [h, 1, 1] tensor")

    def load(self):
        mod = importlib.import_module("lightning_attn.ops.triton.lightning_attn2")
        self.fn = mod.lightning_attn2
        self.origin = _package_origin("lightning_attn")

    def prepare(self, slopes, device):
        self.s = torch.tensor(slopes, dtype=torch.float32, device=device).reshape(-1, 1, 1).contiguous()

    def forward(self, q, k, v):
        return self.fn(q, k, v, self.s)


class LightningAttn2NoDecay(External):
    name = "ext:lightning_attn2_nodecay"
    decay = "none"
    description = "OpenNLPLab/lightning-attention lightning_attn2_no_decay (lambda = 1)"

    def load(self):
        mod = importlib.import_module("lightning_attn.ops.triton.lightning_attn2_no_decay")
        self.fn = mod.lightning_attn2_no_decay
        self.origin = _package_origin("lightning_attn")

    def forward(self, q, k, v):
        return self.fn(q, k, v)


class FlaChunk(External):
    name = "ext:fla_chunk"
    layout = "[b, n, h, d]"
    description = ("fla-org/flash-linear-attention fla.ops.simple_gla.chunk_simple_gla with "
                   "g_gamma = -slopes (natural-log decay per head), scale = 1")

    def load(self):
        mod = importlib.import_module("fla.ops.simple_gla")
        self.fn = mod.chunk_simple_gla
        self.origin = _package_origin("fla")

    def native(self, x):
        return x.transpose(1, 2).contiguous()

    def logical(self, x):
        return x.transpose(1, 2)

    def prepare(self, slopes, device):
        self.g_gamma = -torch.tensor(slopes, dtype=torch.float32, device=device)

    def forward(self, q, k, v):
        o, _ = self.fn(q, k, v, g_gamma=self.g_gamma, scale=1.0, output_final_state=False)
        return o


class Sdpa(External):
    function = "softmax"
    decay = "none"
    backend_name = ""

    def load(self):
        from torch.nn.attention import SDPBackend, sdpa_kernel
        self.backend = getattr(SDPBackend, self.backend_name)  # AttributeError -> unavailable
        self.sdpa_kernel = sdpa_kernel
        self.origin = {"module_file": os.path.dirname(torch.__file__), "version": torch.__version__}

    def forward(self, q, k, v):
        with self.sdpa_kernel([self.backend]):
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)


class SdpaFlash(Sdpa):
    name = "ext:sdpa_flash"
    backend_name = "FLASH_ATTENTION"
    description = ("torch.nn.functional.scaled_dot_product_attention, causal, scale 1/sqrt(d), "
                   "SDPBackend.FLASH_ATTENTION only")


class SdpaCudnn(Sdpa):
    name = "ext:sdpa_cudnn"
    backend_name = "CUDNN_ATTENTION"
    description = ("torch.nn.functional.scaled_dot_product_attention, causal, scale 1/sqrt(d), "
                   "SDPBackend.CUDNN_ATTENTION only")


ALL = (LightningAttn2, LightningAttn2NoDecay, FlaChunk, SdpaFlash, SdpaCudnn)
NAMES = tuple(cls.name for cls in ALL)


def by_name(name):
    for cls in ALL:
        if cls.name == name:
            return cls()
    raise KeyError(name)
