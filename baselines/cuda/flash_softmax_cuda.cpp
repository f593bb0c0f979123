// Causal softmax attention, FlashAttention-2 style, on the GPU: the shared tiled kernels of
// kernels/common in softmax mode (online softmax forward keeping the log-sum-exp; backward recomputing
// P from it with D = rowsum(dO ⊙ O)). bf16 / fp16, any n; the kernels take d = e in {64, 128, 256}, and
// other d = e up to 256 run on copies zero-padded to the next of them (kernels/common/tiled_head_dims.h:
// the padding adds nothing to the scores, the scale stays 1/sqrt(d)). At 256 the backward is two passes
// (kernels/common/tiled_attention_bwd.cuh). A decode step against a KV cache (Problem::context) runs
// flash-decoding instead (flash_decode.cu): the cache split across blocks.
#include <cuda_runtime.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "baselines/cuda/flash_decode_launch.h"
#include "baselines/cuda/flash_softmax_launch.h"
#include "harness/cuda/cuda_device.h"
#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/head_dim_tiles_host.h"
#include "kernels/common/tensor_checks_host.h"
#include "kernels/common/tiled_head_dims.h"
#include "kernels/common/tiled_attention_args_host.h"

namespace lasuite {
namespace {

// The forward's per-row log2-domain log-sum-exp, [b * h, n rounded up to 128] floats.
struct FlashSaved : Saved {
  Buffer lse;
};

class FlashSoftmaxCuda : public Implementation {
 public:
  FlashSoftmaxCuda() {
    info_.name = "flash_softmax";
    info_.description = "causal softmax attention, FlashAttention-2 algorithm (CUDA, mma.sync), fwd + bwd";
    info_.device = DeviceKind::cuda;
    info_.function = Function::softmax;
    info_.support.dtypes = {DType::bf16, DType::f16};
    info_.support.dims_qk = {};  // 64, 128 and 256 natively, others padded to the next of them
    info_.support.dims_v = {};
    info_.support.max_dim = tiles::kMaxHeadDim;
    info_.support.distinct_v_dim = false;
    info_.support.decay = false;
    info_.support.state = false;
    info_.support.kv_cache = true;
  }
  const ImplInfo& info() const override { return info_; }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = Implementation::unsupported(p)) return why;
    if (!(p.effective_scale() > 0)) return "softmax scale must be > 0";
    if (p.batch * p.heads > (int64_t(1) << 31) - 1) return "batch * heads above 2^31 - 1";
    // The grid's rows: a block of 128 query rows (forward) or keys (backward; 64 keys past d = 128).
    const int64_t rows = p.dim_qk > 128 ? 64 : 128;
    if ((p.seqlen + rows - 1) / rows > 65535)
      return "sequence longer than " + std::to_string(rows) + " * 65535 tokens at d = " + std::to_string(p.dim_qk);
    if (p.context > 0 && p.seqlen > kFlashDecodeMaxTokens)
      return "at most " + std::to_string(kFlashDecodeMaxTokens) + " new tokens a step against a KV cache";
    if (p.context > 0 && p.batch * p.heads > 65535) return "batch * heads above 65535 against a KV cache";
    return std::nullopt;
  }

  Work work(const Problem& p) const override { return softmax_causal_work(p); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse_unsupported(p);
    host::check_forward_io(p, io, DeviceKind::cuda, 16);
    if (native(p)) return forward_native(p, io, ws);
    return tiles::forward_in_tiles(p, io, ws, tiles::Split::padding_only,
                                   [&](const Problem& t, const ForwardIO& x, Workspace& w) { return forward_native(t, x, w); });
  }

  void backward(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) override {
    refuse_unsupported(p);
    if (p.context > 0) throw UnsupportedError("flash_softmax: no backward through a KV cache (decoding is a forward)");
    host::check_backward_io(p, io, DeviceKind::cuda, 16, /*needs_o=*/true);
    if (native(p)) return backward_native(p, io, saved, ws);
    tiles::backward_in_tiles(p, io, saved, ws, tiles::Split::padding_only, /*needs_o=*/true,
                             [&](const Problem& t, const BackwardIO& x, Saved* s, Workspace& w) { backward_native(t, x, s, w); });
  }

 private:
  // d = e at a width the kernels have (unsupported() has refused d != e).
  static bool native(const Problem& p) { return p.dim_qk == 64 || p.dim_qk == 128 || p.dim_qk == 256; }

  std::unique_ptr<Saved> forward_native(const Problem& p, const ForwardIO& io, Workspace& ws) {
    auto saved = std::make_unique<FlashSaved>();
    if (p.context > 0) {  // a decode step: no log-sum-exp kept (no backward through a cache)
      FlashDecodeArgs d;
      d.dtype = p.dtype;
      d.dim = static_cast<int>(p.dim_qk);
      d.tokens = static_cast<int>(p.seqlen);
      d.bh = p.batch * p.heads;
      d.context = p.context;
      d.q = io.q.data, d.k = io.k.data, d.v = io.v.data, d.o = io.o.data;
      d.scale = static_cast<float>(p.effective_scale());
      Buffer scratch = ws.allocate(flash_decode_plan(d, cuda_device_properties().multiProcessorCount));
      flash_decode(d, scratch.as<float>(), ws.stream());
      return saved;
    }
    TiledAttentionArgs a = host::tiled_attention_args(p, io.q, io.k, io.v);
    saved->lse = ws.allocate(static_cast<size_t>(a.batch_heads) * a.n_pad * sizeof(float));
    a.out = io.o.data;
    a.lse = saved->lse.as<float>();
    flash_softmax_forward(p.dtype, static_cast<int>(p.dim_qk), a, static_cast<cudaStream_t>(ws.stream()));
    return saved;
  }

  void backward_native(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) {
    auto* fs = dynamic_cast<FlashSaved*>(saved);
    if (!fs || !fs->lse.data()) throw std::invalid_argument("flash_softmax backward needs its forward's saved state");
    TiledAttentionArgs a = host::tiled_attention_args(p, io.q, io.k, io.v);
    Buffer dsum = ws.allocate(static_cast<size_t>(a.batch_heads) * a.n_pad * sizeof(float));
    Buffer dq_accum = ws.allocate(static_cast<size_t>(a.batch_heads) * a.n * p.dim_qk * sizeof(float));
    a.o = io.o.data;
    a.dout = io.dout.data;
    a.dq = io.dq.data;
    a.dk = io.dk.data;
    a.dv = io.dv.data;
    a.lse = fs->lse.as<float>();
    a.dsum = dsum.as<float>();
    a.dq_accum = dq_accum.as<float>();
    flash_softmax_backward(p.dtype, static_cast<int>(p.dim_qk), a, static_cast<cudaStream_t>(ws.stream()));
  }

  void refuse_unsupported(const Problem& p) const {
    if (auto why = unsupported(p)) throw UnsupportedError("flash_softmax: " + *why);
  }

  ImplInfo info_;
};

}  // namespace

LASUITE_REGISTER(flash_softmax, [] { return std::make_unique<FlashSoftmaxCuda>(); });

}  // namespace lasuite
