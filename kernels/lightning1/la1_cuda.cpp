// Lightning Attention-1 on the GPU: O = ((Q K^T) ⊙ M) V by the left product alone, tiled like
// FlashAttention without the softmax (kernels/common/tiled_attention_*.cuh in decay mode), bf16 / fp16
// on tensor cores with fp32 accumulation, fp32 on CUDA cores. O(n^2 d) work, O(n d) memory: the only
// scratch is the backward's fp32 dQ accumulator (tensor-core path). The kernels take d, e in {64, 128};
// other head dims up to 256 run in head-dim tiles (kernels/common/tiled_head_dims.h).
#include <cuda_runtime.h>

#include <memory>
#include <optional>
#include <string>

#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/head_dim_tiles_host.h"
#include "kernels/common/tensor_checks_host.h"
#include "kernels/common/tiled_head_dims.h"
#include "kernels/common/tiled_attention_args_host.h"
#include "kernels/lightning1/la1_launch.h"

namespace lasuite {
namespace {

class La1Cuda : public Implementation {
 public:
  La1Cuda() {
    info_.name = "la1";
    info_.description = "Lightning Attention-1 (CUDA): tiled left product with the decay mask, O(n^2) time, O(n) memory";
    info_.device = DeviceKind::cuda;
    info_.function = Function::linear_decay;
    info_.support.dtypes = {DType::bf16, DType::f16, DType::f32};
    info_.support.dims_qk = {};  // 64 and 128 natively, others in tiles
    info_.support.dims_v = {};
    info_.support.max_dim = tiles::kMaxHeadDim;
    info_.support.state = false;
  }
  const ImplInfo& info() const override { return info_; }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = Implementation::unsupported(p)) return why;
    if (p.batch * p.heads > (int64_t(1) << 31) - 1) return "batch * heads above 2^31 - 1";
    if ((p.seqlen + 63) / 64 > 65535) return "sequence longer than 64 * 65535 tokens";
    return std::nullopt;
  }

  Work work(const Problem& p) const override { return linear_quadratic_work(p); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse_unsupported(p);
    host::check_forward_io(p, io, DeviceKind::cuda, alignment(p));
    if (tiles::native_dims(p.dim_qk, p.dim_v)) return forward_native(p, io, ws);
    return tiles::forward_in_tiles(p, io, ws, tiles::Split::linear,
                                   [&](const Problem& t, const ForwardIO& x, Workspace& w) { return forward_native(t, x, w); });
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    refuse_unsupported(p);
    host::check_backward_io(p, io, DeviceKind::cuda, alignment(p), /*needs_o=*/false);
    if (tiles::native_dims(p.dim_qk, p.dim_v)) return backward_native(p, io, ws);
    tiles::backward_in_tiles(p, io, nullptr, ws, tiles::Split::linear, /*needs_o=*/false,
                             [&](const Problem& t, const BackwardIO& x, Saved*, Workspace& w) { backward_native(t, x, w); });
  }

 private:
  std::unique_ptr<Saved> forward_native(const Problem& p, const ForwardIO& io, Workspace& ws) {
    TiledAttentionArgs a = host::tiled_attention_args(p, io.q, io.k, io.v);
    a.slopes = io.slopes.as<const float>();
    a.out = io.o.data;
    const auto stream = static_cast<cudaStream_t>(ws.stream());
    if (p.dtype == DType::f32)
      la1_forward_fp32(static_cast<int>(p.dim_qk), static_cast<int>(p.dim_v), a, stream);
    else
      la1_forward_tensor_core(p.dtype, static_cast<int>(p.dim_qk), static_cast<int>(p.dim_v), a, stream);
    return nullptr;  // the backward recomputes every score tile
  }

  void backward_native(const Problem& p, const BackwardIO& io, Workspace& ws) {
    TiledAttentionArgs a = host::tiled_attention_args(p, io.q, io.k, io.v);
    a.slopes = io.slopes.as<const float>();
    a.dout = io.dout.data;
    a.dq = io.dq.data;
    a.dk = io.dk.data;
    a.dv = io.dv.data;
    const auto stream = static_cast<cudaStream_t>(ws.stream());
    const int d = static_cast<int>(p.dim_qk), e = static_cast<int>(p.dim_v);
    if (p.dtype == DType::f32) {
      la1_backward_fp32(d, e, a, stream);  // separate dQ and dK/dV passes: no accumulator
      return;
    }
    Buffer dq_accum = ws.allocate(static_cast<size_t>(p.batch * p.heads * p.seqlen * p.dim_qk) * sizeof(float));
    a.dq_accum = dq_accum.as<float>();
    la1_backward_tensor_core(p.dtype, d, e, a, stream);
  }

  void refuse_unsupported(const Problem& p) const {
    if (auto why = unsupported(p)) throw UnsupportedError("la1: " + *why);
  }
  static size_t alignment(const Problem& p) { return p.dtype == DType::f32 ? 4 : 16; }

  ImplInfo info_;
};

}  // namespace

LASUITE_REGISTER(la1, [] { return std::make_unique<La1Cuda>(); });

}  // namespace lasuite
