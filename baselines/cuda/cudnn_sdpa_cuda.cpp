// cuDNN's fused attention as the vendor softmax baseline: causal scaled-dot-product attention,
// forward (keeping the log-sum-exp statistics) and backward, built through cuDNN's backend graph API
// as the operation patterns its fused flash-attention engines recognise (the same graphs the cuDNN
// frontend's sdpa nodes lower to). Built where cuDNN was found; elsewhere it is still listed and says
// "unavailable: built without cuDNN". A decode step against a KV cache (Problem::context) is the same
// forward graph with more keys than queries, the causal mask aligned to the last key (query t sees the
// keys up to context + t), and no mask at all for one query.
#include <cuda_runtime.h>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "harness/cuda/cuda_check.h"
#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/tensor_checks_host.h"
#ifdef LASUITE_HAVE_CUDNN
#include "baselines/cuda/cudnn_graph.h"
#endif

namespace lasuite {
namespace {

#ifdef LASUITE_HAVE_CUDNN
using cudnn::Dims;
using cudnn::Graph;

// The forward's statistics (natural-log log-sum-exp per row), [b, h, n, 1] floats.
struct CudnnSaved : Saved {
  Buffer stats;
};

// A built graph and the uids its execution binds.
struct ForwardGraph {
  Graph g;
  // neg_inf and context: uids of the mask's scalars, -1 where the graph has no mask (cuDNN refuses a
  // variant pack naming a tensor the graph does not use)
  int64_t q, kt, v, o, stats, scale, neg_inf = -1, context = -1;
};
struct BackwardGraph {
  Graph g;
  int64_t q, kt, vt, o, dout, stats, dq, dk, dv, softmax_sum, dq_accum, scale, neg_inf, one;
};

// s queries against kv = context + s keys and values (kv = s without a cache).
struct Shape {
  int64_t b, h, s, d, kv;
  cudnnDataType_t io;
  Dims bhsd() const { return {b, h, s, d}; }
  Dims packed() const { return cudnn::packed_strides(bhsd()); }
  Dims keys() const { return {b, h, kv, d}; }
  Dims keys_packed() const { return cudnn::packed_strides(keys()); }
  Dims transposed_dims() const { return {b, h, d, kv}; }         // K^T, V^T: the same memory, dims 2 and 3 swapped
  Dims transposed_strides() const { return {h * kv * d, kv * d, 1, d}; }
  Dims scores() const { return {b, h, s, kv}; }
  Dims rows() const { return {b, h, s, 1}; }
  int64_t context() const { return kv - s; }
};

// scores -> masked scores: keep row + context >= col (causal, aligned to the last key), -inf elsewhere.
// context: a by-value INT32 scalar's uid, or -1 for none (no cache: top-left causal).
int64_t causal_mask(Graph& g, const Shape& sh, int64_t scores, int64_t neg_inf, int64_t context = -1) {
  int64_t row = g.virtual_tensor(sh.scores(), CUDNN_DATA_INT32);
  const int64_t col = g.virtual_tensor(sh.scores(), CUDNN_DATA_INT32);
  const int64_t keep = g.virtual_tensor(sh.scores(), CUDNN_DATA_BOOLEAN);
  const int64_t out = g.virtual_tensor(sh.scores(), CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_GEN_INDEX, scores, row, -1, -1, 2);
  g.pointwise(CUDNN_POINTWISE_GEN_INDEX, scores, col, -1, -1, 3);
  if (context >= 0) {
    const int64_t shifted = g.virtual_tensor(sh.scores(), CUDNN_DATA_INT32);
    g.pointwise(CUDNN_POINTWISE_ADD, row, shifted, context, -1, -1, CUDNN_DATA_INT32);
    row = shifted;
  }
  g.pointwise(CUDNN_POINTWISE_CMP_GE, row, keep, col, -1, -1, CUDNN_DATA_BOOLEAN);
  g.pointwise(CUDNN_POINTWISE_BINARY_SELECT, scores, out, neg_inf, keep);
  return out;
}

std::unique_ptr<ForwardGraph> build_forward(cudnnHandle_t handle, const Shape& sh) {
  auto f = std::make_unique<ForwardGraph>();
  Graph& g = f->g;
  const cudnnDataType_t F = CUDNN_DATA_FLOAT;
  f->q = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  f->kt = g.tensor(sh.transposed_dims(), sh.transposed_strides(), sh.io, false);
  f->v = g.tensor(sh.keys(), sh.keys_packed(), sh.io, false);
  f->o = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  f->stats = g.tensor(sh.rows(), cudnn::packed_strides(sh.rows()), F, false);
  f->scale = g.scalar();

  const int64_t s = g.virtual_tensor(sh.scores(), F), scaled = g.virtual_tensor(sh.scores(), F);
  g.matmul(f->q, f->kt, s);
  g.pointwise(CUDNN_POINTWISE_MUL, s, scaled, f->scale);
  // One query against a cache sees every key: no mask (the form the decode engines expect).
  int64_t masked = scaled;
  if (sh.context() == 0) {
    f->neg_inf = g.scalar();
    masked = causal_mask(g, sh, scaled, f->neg_inf);
  } else if (sh.s > 1) {
    f->neg_inf = g.scalar();
    f->context = g.scalar(CUDNN_DATA_INT32);
    masked = causal_mask(g, sh, scaled, f->neg_inf, f->context);
  }
  // P enters the second matmul in the input type: the fused engines accept no other (the cuDNN
  // frontend sets it so too); everything before it stays fp32.
  const int64_t mx = g.virtual_tensor(sh.rows(), F), sub = g.virtual_tensor(sh.scores(), F),
                ex = g.virtual_tensor(sh.scores(), F), sum = g.virtual_tensor(sh.rows(), F),
                lg = g.virtual_tensor(sh.rows(), F), p = g.virtual_tensor(sh.scores(), sh.io);
  g.reduction(CUDNN_REDUCE_TENSOR_MAX, masked, mx);
  g.pointwise(CUDNN_POINTWISE_SUB, masked, sub, mx);
  g.pointwise(CUDNN_POINTWISE_EXP, sub, ex);
  g.reduction(CUDNN_REDUCE_TENSOR_ADD, ex, sum);
  g.pointwise(CUDNN_POINTWISE_LOG, sum, lg);
  g.pointwise(CUDNN_POINTWISE_ADD, mx, f->stats, lg);
  g.pointwise(CUDNN_POINTWISE_DIV, ex, p, sum);
  g.matmul(p, f->v, f->o);
  g.build(handle);
  return f;
}

std::unique_ptr<BackwardGraph> build_backward(cudnnHandle_t handle, const Shape& sh) {
  auto b = std::make_unique<BackwardGraph>();
  Graph& g = b->g;
  const cudnnDataType_t F = CUDNN_DATA_FLOAT;
  b->q = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  b->kt = g.tensor(sh.transposed_dims(), sh.transposed_strides(), sh.io, false);
  b->vt = g.tensor(sh.transposed_dims(), sh.transposed_strides(), sh.io, false);
  b->o = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  b->dout = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  b->stats = g.tensor(sh.rows(), cudnn::packed_strides(sh.rows()), F, false);
  b->dq = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  b->dk = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  b->dv = g.tensor(sh.bhsd(), sh.packed(), sh.io, false);
  b->softmax_sum = g.tensor(sh.rows(), cudnn::packed_strides(sh.rows()), F, false);
  b->dq_accum = g.tensor(sh.bhsd(), sh.packed(), F, false);
  b->scale = g.scalar();
  b->neg_inf = g.scalar();
  b->one = g.scalar();

  // softmax_sum = rowsum(dO ⊙ O)
  const int64_t doo = g.virtual_tensor(sh.bhsd(), F), rs = g.virtual_tensor(sh.rows(), F);
  g.pointwise(CUDNN_POINTWISE_MUL, b->dout, doo, b->o);
  g.reduction(CUDNN_REDUCE_TENSOR_ADD, doo, rs);
  g.pointwise(CUDNN_POINTWISE_MUL, rs, b->softmax_sum, b->one);

  // P = exp(scale Q K^T - stats), causal; dV = P^T dO
  const int64_t s = g.virtual_tensor(sh.scores(), F), scaled = g.virtual_tensor(sh.scores(), F),
                centred = g.virtual_tensor(sh.scores(), F), p = g.virtual_tensor(sh.scores(), F);
  g.matmul(b->q, b->kt, s);
  g.pointwise(CUDNN_POINTWISE_MUL, s, scaled, b->scale);
  g.pointwise(CUDNN_POINTWISE_SUB, scaled, centred, b->stats);
  const int64_t masked = causal_mask(g, sh, centred, b->neg_inf);
  g.pointwise(CUDNN_POINTWISE_EXP, masked, p);
  const Dims transposed_scores{sh.h * sh.s * sh.s, sh.s * sh.s, 1, sh.s};
  const int64_t pt = g.tensor(sh.scores(), transposed_scores, sh.io, true);
  g.reshape(p, pt);
  g.matmul(pt, b->dout, b->dv);

  // dS = scale P ⊙ (dO V^T - softmax_sum); dK = dS^T Q; dQ = dS K
  const int64_t dp = g.virtual_tensor(sh.scores(), F), centred_dp = g.virtual_tensor(sh.scores(), F),
                pdp = g.virtual_tensor(sh.scores(), F), ds = g.virtual_tensor(sh.scores(), F);
  g.matmul(b->dout, b->vt, dp);
  g.pointwise(CUDNN_POINTWISE_SUB, dp, centred_dp, b->softmax_sum);
  g.pointwise(CUDNN_POINTWISE_MUL, centred_dp, pdp, p);
  g.pointwise(CUDNN_POINTWISE_MUL, pdp, ds, b->scale);
  const int64_t dst = g.tensor(sh.scores(), transposed_scores, sh.io, true);
  g.reshape(ds, dst);
  g.matmul(dst, b->q, b->dk);
  const int64_t k = g.tensor(sh.bhsd(), sh.packed(), sh.io, true);
  g.reshape(b->kt, k);
  g.matmul(ds, k, b->dq_accum);
  g.pointwise(CUDNN_POINTWISE_IDENTITY, b->dq_accum, b->dq);
  g.build(handle);
  return b;
}
#endif  // LASUITE_HAVE_CUDNN

class CudnnSdpa : public Implementation {
 public:
  CudnnSdpa() {
    info_.name = "cudnn_sdpa";
    info_.description = "cuDNN fused causal attention (backend graph API), fwd + bwd: the vendor softmax baseline";
    info_.device = DeviceKind::cuda;
    info_.function = Function::softmax;
    info_.support.dtypes = {DType::bf16, DType::f16};
    info_.support.dims_qk = {64, 128};
    info_.support.dims_v = {64, 128};
    info_.support.distinct_v_dim = false;
    info_.support.decay = false;
    info_.support.state = false;
    info_.support.kv_cache = true;
  }
  ~CudnnSdpa() override {
#ifdef LASUITE_HAVE_CUDNN
    forward_graphs_.clear();
    backward_graphs_.clear();
    if (handle_) cudnnDestroy(handle_);
#endif
  }
  const ImplInfo& info() const override { return info_; }

  std::optional<std::string> unsupported(const Problem& p) const override {
#ifndef LASUITE_HAVE_CUDNN
    (void)p;
    return std::string("unavailable: built without cuDNN");
#else
    if (auto why = Implementation::unsupported(p)) return why;
    if (p.kv_rows() > (int64_t(1) << 31) - 1) return std::string("more than 2^31 - 1 keys");
    return std::nullopt;
#endif
  }

  Work work(const Problem& p) const override { return softmax_causal_work(p); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse_unsupported(p);
#ifdef LASUITE_HAVE_CUDNN
    host::check_forward_io(p, io, DeviceKind::cuda, 16);
    const Shape sh = shape(p);
    cudnnHandle_t h = handle(ws);
    auto& fg = forward_graphs_[key(p)];
    if (!fg) fg = build_forward(h, sh);
    auto saved = std::make_unique<CudnnSaved>();
    saved->stats = ws.allocate(static_cast<size_t>(sh.b * sh.h * sh.s) * sizeof(float));
    Buffer workspace = ws.allocate(static_cast<size_t>(fg->g.workspace_bytes()));
    float scale = static_cast<float>(p.effective_scale()), neg_inf = -std::numeric_limits<float>::infinity();
    int32_t context = static_cast<int32_t>(p.context);
    std::vector<int64_t> uids{fg->q, fg->kt, fg->v, fg->o, fg->stats, fg->scale};
    std::vector<void*> pointers{io.q.data, io.k.data, io.v.data, io.o.data, saved->stats.data(), &scale};
    if (fg->neg_inf >= 0) uids.push_back(fg->neg_inf), pointers.push_back(&neg_inf);
    if (fg->context >= 0) uids.push_back(fg->context), pointers.push_back(&context);
    fg->g.execute(h, uids, pointers, workspace.data());
    return saved;
#else
    (void)io;
    (void)ws;
    return nullptr;
#endif
  }

  void backward(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) override {
    refuse_unsupported(p);
    if (p.context > 0) throw UnsupportedError("cudnn_sdpa: no backward through a KV cache (decoding is a forward)");
#ifdef LASUITE_HAVE_CUDNN
    host::check_backward_io(p, io, DeviceKind::cuda, 16, /*needs_o=*/true);
    auto* cs = dynamic_cast<CudnnSaved*>(saved);
    if (!cs || !cs->stats.data()) throw std::invalid_argument("cudnn_sdpa backward needs its forward's saved state");
    const Shape sh = shape(p);
    cudnnHandle_t h = handle(ws);
    auto& bg = backward_graphs_[key(p)];
    if (!bg) bg = build_backward(h, sh);
    Buffer softmax_sum = ws.allocate(static_cast<size_t>(sh.b * sh.h * sh.s) * sizeof(float));
    Buffer dq_accum = ws.allocate(static_cast<size_t>(sh.b * sh.h * sh.s * sh.d) * sizeof(float));
    Buffer workspace = ws.allocate(static_cast<size_t>(bg->g.workspace_bytes()));
    CUDA_CHECK(cudaMemsetAsync(dq_accum.data(), 0, dq_accum.bytes(), static_cast<cudaStream_t>(ws.stream())));
    float scale = static_cast<float>(p.effective_scale()), neg_inf = -std::numeric_limits<float>::infinity(), one = 1.f;
    bg->g.execute(h,
                  {bg->q, bg->kt, bg->vt, bg->o, bg->dout, bg->stats, bg->dq, bg->dk, bg->dv, bg->softmax_sum,
                   bg->dq_accum, bg->scale, bg->neg_inf, bg->one},
                  {io.q.data, io.k.data, io.v.data, io.o.data, io.dout.data, cs->stats.data(), io.dq.data, io.dk.data,
                   io.dv.data, softmax_sum.data(), dq_accum.data(), &scale, &neg_inf, &one},
                  workspace.data());
#else
    (void)io;
    (void)saved;
    (void)ws;
#endif
  }

 private:
  void refuse_unsupported(const Problem& p) const {
    if (auto why = unsupported(p)) throw UnsupportedError("cudnn_sdpa: " + *why);
  }

#ifdef LASUITE_HAVE_CUDNN
  using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int>;
  static Key key(const Problem& p) {
    return {p.batch, p.heads, p.seqlen, p.dim_qk, p.context, static_cast<int>(p.dtype)};
  }
  static Shape shape(const Problem& p) {
    return {p.batch, p.heads, p.seqlen, p.dim_qk, p.kv_rows(),
            p.dtype == DType::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_HALF};
  }
  cudnnHandle_t handle(Workspace& ws) {
    const auto stream = static_cast<cudaStream_t>(ws.stream());
    if (!handle_) cudnn::check(cudnnCreate(&handle_), "cudnnCreate");
    cudnn::check(cudnnSetStream(handle_, stream), "cudnnSetStream");
    return handle_;
  }

  cudnnHandle_t handle_ = nullptr;
  std::map<Key, std::unique_ptr<ForwardGraph>> forward_graphs_;
  std::map<Key, std::unique_ptr<BackwardGraph>> backward_graphs_;
#endif
  ImplInfo info_;
};

}  // namespace

LASUITE_REGISTER(cudnn_sdpa, [] { return std::make_unique<CudnnSdpa>(); });

}  // namespace lasuite
