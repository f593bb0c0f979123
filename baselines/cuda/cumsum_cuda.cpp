// Naive recurrent linear attention on the GPU: materialises the per-token state KV_t (b*h*n*d*e fp32,
// the "cumsum" of the decayed k_t^T v_t) and reads o_t = scale q_t KV_t off it. The backward rebuilds
// that prefix for dQ, then overwrites it with the reverse one, dKV_t = sum_{s>=t} lambda^(s-t) scale
// q_s^T do_s, for dK = dKV v and dV = k dKV. Its memory is the point: a prefix that does not fit is
// an OutOfMemoryError (a row that says so), raised before anything is launched.
#include <cuda_runtime.h>

#include <memory>
#include <optional>
#include <string>

#include "baselines/cuda/cumsum_launch.h"
#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/tensor_checks_host.h"

namespace lasuite {
namespace {

constexpr int64_t kMaxDim = 1024;  // one row of q or dO in shared memory

class CumsumCuda : public Implementation {
 public:
  CumsumCuda() {
    info_.name = "cumsum_cuda";
    info_.description = "naive recurrent linear attention (CUDA): materialises the per-token KV prefix, n d e memory";
    info_.device = DeviceKind::cuda;
    info_.function = Function::linear_decay;
    info_.support.dtypes = {DType::bf16, DType::f16, DType::f32};
    info_.support.max_dim = kMaxDim;
  }
  const ImplInfo& info() const override { return info_; }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = Implementation::unsupported(p)) return why;
    if (p.batch * p.heads > 0x7fffffff || p.batch * p.heads * p.seqlen > 0x7fffffff)
      return "batch * heads * n above 2^31 - 1";
    return std::nullopt;
  }

  // math.md's recurrence per token: the state update 2de and the read-out 2de (block size 1).
  Work work(const Problem& p) const override { return linear_block_work(p, 1); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse_unsupported(p);
    host::check_forward_io(p, io, DeviceKind::cuda, dtype_size(p.dtype));
    Buffer prefix = allocate_prefix(p, ws);
    const CumsumShape s = shape(p);
    const auto stream = static_cast<cudaStream_t>(ws.stream());
    const auto* slopes = io.slopes.as<const float>();
    cumsum_scan(p.dtype, s, io.k.data, io.v.data, 1.f, false, slopes, prefix.as<float>(), stream);
    cumsum_rows_times_prefix(p.dtype, s, io.q.data, prefix.as<float>(), scale(p), io.o.data, stream);
    return nullptr;  // the prefix is too large to keep: the backward rebuilds it
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    refuse_unsupported(p);
    host::check_backward_io(p, io, DeviceKind::cuda, dtype_size(p.dtype), /*needs_o=*/false);
    Buffer prefix = allocate_prefix(p, ws);
    const CumsumShape s = shape(p);
    const auto stream = static_cast<cudaStream_t>(ws.stream());
    const auto* slopes = io.slopes.as<const float>();
    float* kv = prefix.as<float>();
    cumsum_scan(p.dtype, s, io.k.data, io.v.data, 1.f, false, slopes, kv, stream);
    cumsum_prefix_times_cols(p.dtype, s, kv, io.dout.data, scale(p), io.dq.data, stream);     // dq = scale dO KV^T
    cumsum_scan(p.dtype, s, io.q.data, io.dout.data, scale(p), true, slopes, kv, stream);     // now dKV
    cumsum_prefix_times_cols(p.dtype, s, kv, io.v.data, 1.f, io.dk.data, stream);             // dk = dKV v
    cumsum_rows_times_prefix(p.dtype, s, io.k.data, kv, 1.f, io.dv.data, stream);             // dv = k dKV
  }

 private:
  void refuse_unsupported(const Problem& p) const {
    if (auto why = unsupported(p)) throw UnsupportedError("cumsum_cuda: " + *why);
  }
  static float scale(const Problem& p) { return static_cast<float>(p.effective_scale()); }
  static CumsumShape shape(const Problem& p) {
    CumsumShape s;
    s.batch_heads = p.batch * p.heads;
    s.n = p.seqlen;
    s.d = p.dim_qk;
    s.e = p.dim_v;
    s.heads = static_cast<int>(p.heads);
    return s;
  }
  // Allocated before any launch, so a prefix that does not fit fails with nothing done.
  static Buffer allocate_prefix(const Problem& p, Workspace& ws) {
    const double bytes = static_cast<double>(p.batch) * p.heads * p.seqlen * p.dim_qk * p.dim_v * sizeof(float);
    if (bytes > 1e18)  // beyond any device, and beyond what size_t arithmetic may hold
      throw OutOfMemoryError("cumsum_cuda: the per-token KV prefix would need " + std::to_string(bytes / (1u << 30)) +
                             " GiB");
    return ws.allocate(static_cast<size_t>(bytes));
  }

  ImplInfo info_;
};

}  // namespace

LASUITE_REGISTER(cumsum_cuda, [] { return std::make_unique<CumsumCuda>(); });

}  // namespace lasuite
