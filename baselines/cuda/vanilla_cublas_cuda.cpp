// The vanilla left product through cuBLAS: P = (scale Q K^T) ⊙ M materialised for every head (one
// strided-batched GEMM, n x n per head, in the input type), then O = P V. The backward rebuilds P into
// the same buffer for dV = P^T dO, then overwrites it with dS = scale (dO V^T) ⊙ M for dQ = dS K and
// dK = dS^T Q. O(n^2) memory per head: a matrix that does not fit is an OutOfMemoryError, raised
// before anything is launched. fp32 runs in cuBLAS's pedantic fp32 mode (no tf32).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "baselines/cuda/vanilla_mask.h"
#include "harness/cuda/cublas_check.h"
#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/tensor_checks_host.h"

namespace lasuite {
namespace {

constexpr size_t kCublasWorkspace = size_t(32) << 20;  // what cuBLAS asks for on Hopper

// Row-major products on a column-major library: a row-major X (r x c) is column-major X^T, so each
// product below is written for the transposes. All are batched over b*h heads.
class Gemms {
 public:
  Gemms(cublasHandle_t h, const Problem& p) : h_(h), batch_(static_cast<int>(p.batch * p.heads)), n_(p.seqlen) {
    switch (p.dtype) {
      case DType::bf16: type_ = CUDA_R_16BF; compute_ = CUBLAS_COMPUTE_32F; break;
      case DType::f16: type_ = CUDA_R_16F; compute_ = CUBLAS_COMPUTE_32F; break;
      case DType::f32: type_ = CUDA_R_32F; compute_ = CUBLAS_COMPUTE_32F_PEDANTIC; break;
      default: throw UnsupportedError("vanilla_cublas: bf16, fp16 or fp32 only");
    }
  }
  // C (n x n) = alpha X Y^T, X and Y [n, k] (scores: Q K^T, dO V^T).
  void scores(const void* x, const void* y, int64_t k, float alpha, void* c) const {
    gemm(CUBLAS_OP_T, CUBLAS_OP_N, n_, n_, k, alpha, y, k, n_ * k, x, k, n_ * k, c, n_, n_ * n_);
  }
  // C [n, m] = P Y, P (n x n), Y [n, m] (O = P V, dQ = dS K).
  void left(const void* p, const void* y, int64_t m, void* c) const {
    gemm(CUBLAS_OP_N, CUBLAS_OP_N, m, n_, n_, 1.f, y, m, n_ * m, p, n_, n_ * n_, c, m, n_ * m);
  }
  // C [n, m] = P^T Y (dV = P^T dO, dK = dS^T Q).
  void left_transposed(const void* p, const void* y, int64_t m, void* c) const {
    gemm(CUBLAS_OP_N, CUBLAS_OP_T, m, n_, n_, 1.f, y, m, n_ * m, p, n_, n_ * n_, c, m, n_ * m);
  }

 private:
  void gemm(cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n, int64_t k, float alpha, const void* a,
            int64_t lda, int64_t stride_a, const void* b, int64_t ldb, int64_t stride_b, void* c, int64_t ldc,
            int64_t stride_c) const {
    const float beta = 0.f;
    CUBLAS_CHECK(cublasGemmStridedBatchedEx(h_, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                                            &alpha, a, type_, static_cast<int>(lda), stride_a, b, type_,
                                            static_cast<int>(ldb), stride_b, &beta, c, type_, static_cast<int>(ldc),
                                            stride_c, batch_, compute_, CUBLAS_GEMM_DEFAULT));
  }
  cublasHandle_t h_;
  int batch_;
  int64_t n_;
  cudaDataType_t type_ = CUDA_R_16BF;
  cublasComputeType_t compute_ = CUBLAS_COMPUTE_32F;
};

class VanillaCublas : public Implementation {
 public:
  VanillaCublas() {
    info_.name = "vanilla_cublas";
    info_.description = "vanilla left product via cuBLAS: (Q K^T ⊙ M) materialised per head, then times V; O(n^2) memory";
    info_.device = DeviceKind::cuda;
    info_.function = Function::linear_decay;
    info_.support.dtypes = {DType::bf16, DType::f16, DType::f32};
    info_.options.push_back({"scores_prefill", "off or zero", "off",
                             "zero: the score matrices are zeroed before cuBLAS writes them (a memset of n^2 per head), "
                             "for compute-sanitizer initcheck, which does not see the writes of cuBLAS's Hopper GEMMs"});
  }
  ~VanillaCublas() override {
    if (handle_) cublasDestroy(handle_);
  }
  const ImplInfo& info() const override { return info_; }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = Implementation::unsupported(p)) return why;
    if (p.seqlen > 0x7fffffff || p.dim_qk > 0x7fffffff || p.dim_v > 0x7fffffff) return "dimensions above 2^31 - 1";
    if (p.batch * p.heads > 0x7fffffff || p.batch * p.heads * p.seqlen > 0x7fffffff)
      return "batch * heads * n above 2^31 - 1";
    return std::nullopt;
  }

  Work work(const Problem& p) const override { return linear_quadratic_work(p); }

  void set_option(const std::string& key, const std::string& value) override {
    if (key != "scores_prefill") return Implementation::set_option(key, value);
    if (value != "off" && value != "zero")
      throw UsageError("vanilla_cublas: scores_prefill takes off or zero, not '" + value + "'");
    prefill_scores_ = value == "zero";
  }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse_unsupported(p);
    host::check_forward_io(p, io, DeviceKind::cuda, dtype_size(p.dtype));
    Buffer scores = allocate_scores_for(p, ws);
    Buffer cublas_ws = ws.allocate(kCublasWorkspace);
    const Gemms g(bind(ws, cublas_ws), p);
    g.scores(io.q.data, io.k.data, p.dim_qk, scale(p), scores.data());
    mask(p, io.slopes, 1.f, scores.data(), ws);
    g.left(scores.data(), io.v.data, p.dim_v, io.o.data);
    return nullptr;
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    refuse_unsupported(p);
    host::check_backward_io(p, io, DeviceKind::cuda, dtype_size(p.dtype), /*needs_o=*/false);
    Buffer scores = allocate_scores_for(p, ws);
    Buffer cublas_ws = ws.allocate(kCublasWorkspace);
    const Gemms g(bind(ws, cublas_ws), p);
    g.scores(io.q.data, io.k.data, p.dim_qk, scale(p), scores.data());  // P, again
    mask(p, io.slopes, 1.f, scores.data(), ws);
    g.left_transposed(scores.data(), io.dout.data, p.dim_v, io.dv.data);  // dV = P^T dO
    g.scores(io.dout.data, io.v.data, p.dim_v, 1.f, scores.data());        // dP = dO V^T
    mask(p, io.slopes, scale(p), scores.data(), ws);                       // dS = scale dP ⊙ M
    g.left(scores.data(), io.k.data, p.dim_qk, io.dq.data);                // dQ = dS K
    g.left_transposed(scores.data(), io.q.data, p.dim_qk, io.dk.data);     // dK = dS^T Q
  }

 private:
  void refuse_unsupported(const Problem& p) const {
    if (auto why = unsupported(p)) throw UnsupportedError("vanilla_cublas: " + *why);
  }
  static float scale(const Problem& p) { return static_cast<float>(p.effective_scale()); }

  // Before any launch, so a matrix that does not fit fails with nothing done.
  static Buffer allocate_scores(const Problem& p, Workspace& ws) {
    const double bytes = static_cast<double>(p.batch) * p.heads * p.seqlen * p.seqlen * dtype_size(p.dtype);
    if (bytes > 1e18)
      throw OutOfMemoryError("vanilla_cublas: the n x n score matrices would need " + std::to_string(bytes / (1u << 30)) +
                             " GiB");
    return ws.allocate(static_cast<size_t>(bytes));
  }
  Buffer allocate_scores_for(const Problem& p, Workspace& ws) const {
    Buffer b = allocate_scores(p, ws);
    if (prefill_scores_) ws.backend().fill_bytes(b.data(), 0, b.bytes());
    return b;
  }

  // The handle on the workspace's stream, its scratch from the tracked workspace.
  cublasHandle_t bind(Workspace& ws, const Buffer& scratch) {
    if (!handle_) CUBLAS_CHECK(cublasCreate(&handle_));
    CUBLAS_CHECK(cublasSetStream(handle_, static_cast<cudaStream_t>(ws.stream())));
    CUBLAS_CHECK(cublasSetWorkspace(handle_, scratch.data(), scratch.bytes()));
    return handle_;
  }

  static void mask(const Problem& p, const TensorView& slopes, float mul, void* s, Workspace& ws) {
    vanilla_apply_decay_mask(p.dtype, p.batch * p.heads, p.seqlen, static_cast<int>(p.heads), slopes.as<const float>(),
                             mul, s, static_cast<cudaStream_t>(ws.stream()));
  }

  ImplInfo info_;
  cublasHandle_t handle_ = nullptr;
  bool prefill_scores_ = false;
};

}  // namespace

LASUITE_REGISTER(vanilla_cublas, [] { return std::make_unique<VanillaCublas>(); });

}  // namespace lasuite
