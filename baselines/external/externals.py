"""The external implementations, each behind the same small adapter: load (import, or say why not),
native layout in and out, and a forward that autograd can differentiate.

Inputs are made in the logical [b, h, n, d] layout (as `lasuite bench` makes them) and converted once,
outside any timed region, to the layout each kernel takes; nothing of these packages lives in this
repository (scripts/prepare_external.sh exports them into the git-ignored .ext/ for a run).
"""

import importlib
import os

import torch


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


class CallableExternal(External):
    """Any callable of the documented signature (builtin_callables.py's docstring), named
    "module:callable" and imported from sys.path (--extra-path): the one way a Python kernel comes in.
    The built-in names below are instances of it."""

    def __init__(self, spec, name=None, description=""):
        super().__init__()
        if spec.count(":") != 1 or not all(spec.split(":")):
            raise ValueError(f"'{spec}' is not module:callable")
        self.spec = spec
        self.name = name or spec
        self.description = description
        self.fn = None

    def load(self):
        module_name, attr = self.spec.split(":")
        module = importlib.import_module(module_name)
        fn = getattr(module, attr, None)
        if not callable(fn):
            raise ImportError(f"{module_name} has no callable {attr}")
        self.fn = fn
        self.function = getattr(fn, "lasuite_function", "linear_decay")
        self.layout = {"bhnd": "[b, h, n, d]", "bnhd": "[b, n, h, d]"}[getattr(fn, "lasuite_layout", "bhnd")]
        self.state = bool(getattr(fn, "lasuite_state", False))
        self.decays = bool(getattr(fn, "lasuite_decay", True))
        self.packed = bool(getattr(fn, "lasuite_packed", False))
        self.decay = "none" if self.function == "softmax" or not self.decays else "alibi"
        self.description = self.description or (fn.__doc__ or "").strip().split("\n")[0]
        origin = getattr(fn, "lasuite_origin_module", module_name.split(".")[0])
        try:
            self.origin = _package_origin(origin)
        except Exception:  # noqa: BLE001 - the origin is informative only
            self.origin = {}
        self.origin["callable"] = self.spec
        path = getattr(module, "__file__", None)
        if path and os.path.exists(path):
            import hashlib
            with open(path, "rb") as f:
                self.origin["callable_file_sha256"] = hashlib.sha256(f.read()).hexdigest()

    def native(self, x):
        return x.transpose(1, 2).contiguous() if self.layout == "[b, n, h, d]" else x

    def logical(self, x):
        return x.transpose(1, 2) if self.layout == "[b, n, h, d]" else x

    def prepare(self, slopes, device):
        self.slopes = torch.tensor(slopes, dtype=torch.float32, device=device)

    def call(self, q, k, v, scale=1.0, initial_state=None, output_final_state=False, cu_seqlens=None):
        """The callable in its own layout; (o, final_state or None). cu_seqlens only where it declares
        lasuite_packed (the others are never given it)."""
        extra = {} if cu_seqlens is None else {"cu_seqlens": cu_seqlens}
        out = self.fn(q, k, v, self.slopes, scale=scale, initial_state=initial_state,
                      output_final_state=output_final_state, **extra)
        if output_final_state:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError(f"{self.spec} declares lasuite_state but did not return (o, final_state)")
            return out[0], out[1]
        return (out[0] if isinstance(out, tuple) else out), None

    def forward(self, q, k, v, cu_seqlens=None):
        return self.call(q, k, v, cu_seqlens=cu_seqlens)[0]


BUILTIN = {
    "ext:lightning_attn2": ("builtin_callables:lightning_attn2",
                            "OpenNLPLab/lightning-attention lightning_attn2 (the paper's Triton kernel)"),
    "ext:lightning_attn2_nodecay": ("builtin_callables:lightning_attn2_nodecay",
                                    "OpenNLPLab/lightning-attention lightning_attn2_no_decay (lambda = 1)"),
    "ext:fla_chunk": ("builtin_callables:fla_chunk",
                      "fla-org/flash-linear-attention chunk_simple_gla, g_gamma = -slopes, scale = 1"),
    "ext:fla_recurrent": ("builtin_callables:fla_recurrent",
                          "fla-org/flash-linear-attention fused_recurrent_simple_gla (its decode kernel), "
                          "g_gamma = -slopes, scale = 1"),
    "ext:sdpa_flash": ("builtin_callables:sdpa_flash",
                       "torch scaled_dot_product_attention, causal, SDPBackend.FLASH_ATTENTION only"),
    "ext:sdpa_cudnn": ("builtin_callables:sdpa_cudnn",
                       "torch scaled_dot_product_attention, causal, SDPBackend.CUDNN_ATTENTION only"),
}
NAMES = tuple(BUILTIN)


def by_name(name):
    """A built-in name (ext:...) or any module:callable."""
    if name in BUILTIN:
        spec, description = BUILTIN[name]
        return CallableExternal(spec, name, description)
    if ":" in name and not name.startswith("ext:"):
        return CallableExternal(name)
    raise KeyError(name)
