// la2_sp_rank.h: one rank's forward and backward, its exchange, and the corrections as batched GEMMs.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/cuda/cublas_check.h"
#include "harness/dtype.h"
#include "kernels/common/tile_moves.h"
#include "kernels/lightning2/la2_sp_moves.h"
#include "kernels/lightning2/la2_sp_rank.h"

namespace lasuite::la2::sp {
namespace {

cudaDataType blas_type(DType dt) {
  switch (dt) {
    case DType::bf16: return CUDA_R_16BF;
    case DType::f16: return CUDA_R_16F;
    case DType::f32: return CUDA_R_32F;
    default: throw std::invalid_argument(std::string("la2_sp: no GEMM for ") + dtype_name(dt));
  }
}

constexpr size_t kCublasWorkspace = size_t(32) << 20;
// The largest decay-scaled copy of a part's rows made at once; a correction runs over the heads in
// groups of that size, so its scratch does not grow with the sequence.
constexpr size_t kScaledRowsBytes = size_t(64) << 20;

// The forward's data for the backward: la2's own, and the rank's start state S_r (none at rank 0).
struct RankSaved : Saved {
  std::unique_ptr<Saved> engine;
  Buffer start;
};

}  // namespace

class Rank::Impl {
 public:
  Impl(const Problem& whole, Split split, Communicator& comm, Implementation& engine, Workspace& ws, bool ring,
       const Problem& part)
      : whole_(whole), split_(std::move(split)), comm_(comm), engine_(engine), ws_(ws), ring_(ring), part_(part) {
    r_ = comm.rank(), world_ = comm.world();
    if (split_.world() != world_)
      throw std::logic_error("la2_sp: a split into " + std::to_string(split_.world()) + " parts for " +
                             std::to_string(world_) + " ranks");
    rows_ = split_.rows(r_);
    bh_ = whole.batch * whole.heads, de_ = whole.dim_qk * whole.dim_v;
    state_floats_ = static_cast<size_t>(bh_ * de_);
    // The exchange's weights and a zero state, made once: a step then copies nothing from the host and
    // fills nothing.
    zeros_ = ws.allocate(state_bytes());
    ws.backend().fill_bytes(zeros_.data(), 0, state_bytes());
    const std::vector<int64_t>& a = split_.begin;
    prefix_weights_ = weights(r_, [&](int j) { return static_cast<double>(a[r_] - a[j + 1]); });
    suffix_weights_ = weights(world_ - 1 - r_, [&](int j) { return static_cast<double>(a[r_ + 1 + j] - a[r_ + 1]); });
    own_decay_ = weights(1, [&](int) { return static_cast<double>(rows_); });
  }
  ~Impl() {
    if (blas_) cublasDestroy(blas_);
  }

  std::unique_ptr<Saved> forward(const ForwardIO& io) {
    auto saved = std::make_unique<RankSaved>();
    const bool first = r_ == 0, last = r_ == world_ - 1;
    ForwardIO f = io;
    Buffer end;
    if (part_.state_in) f.state_in = first ? io.state_in : zero_state();
    if (part_.state_out) f.state_out = last ? io.state_out : state_view(end = ws_.allocate(state_bytes()));
    saved->engine = engine_.forward(part_, f, ws_);
    if (world_ == 1) return saved;
    saved->start = start_state((part_.state_out ? f.state_out : zero_state()).as<const float>());
    if (!first) {
      const float* s = saved->start.as<float>();
      correct(io.q, 1.f, 1.f, s, false, io.o, static_cast<float>(whole_.effective_scale()), io.slopes);
      if (last && whole_.state_out) decay_into(io.state_out.as<float>(), s);
    }
    return saved;
  }

  void backward(const BackwardIO& io, Saved* saved_base) {
    auto* saved = dynamic_cast<RankSaved*>(saved_base);
    if (!saved) throw std::logic_error("la2_sp: a backward without its rank's forward");
    const bool first = r_ == 0, last = r_ == world_ - 1;
    BackwardIO g = io;
    Buffer start_grad;
    if (part_.state_in) {
      g.state_in = first ? io.state_in : zero_state();
      g.dstate_in = first ? io.dstate_in : state_view(start_grad = ws_.allocate(state_bytes()));
    }
    if (part_.state_out) g.dstate_out = last ? io.dstate_out : zero_state();
    engine_.backward(part_, g, saved->engine.get(), ws_);
    if (world_ == 1) return;
    Buffer end_grad = end_gradient((part_.state_in ? g.dstate_in : zero_state()).as<const float>());
    if (!last) {
      const float* ds = end_grad.as<float>();
      const float from_end = static_cast<float>(rows_ - 1);
      correct(io.v, from_end, -1.f, ds, true, io.dk, 1.f, io.slopes);
      correct(io.k, from_end, -1.f, ds, false, io.dv, 1.f, io.slopes);
      if (first && whole_.state_in) decay_into(io.dstate_in.as<float>(), ds);
    }
    if (!first)
      correct(io.dout, 1.f, 1.f, saved->start.as<float>(), true, io.dq, static_cast<float>(whole_.effective_scale()),
              io.slopes);
  }

  void exchange_only() { start_state(zero_state().as<const float>()); }

  const Problem& part() const { return part_; }

 private:
  size_t state_bytes() const { return state_floats_ * sizeof(float); }
  TensorView state_view(const Buffer& b) const {
    TensorView t;
    t.data = const_cast<void*>(b.data());
    t.dtype = DType::f32;
    t.device = DeviceKind::cuda;
    t.dims = {whole_.batch, whole_.heads, whole_.dim_qk, whole_.dim_v};
    return t;
  }
  // A state of zeros, only ever read (the engine's start state and end gradient past the ends, the
  // exchange's share of a rank that has none).
  TensorView zero_state() const { return state_view(zeros_); }
  // weights[j][h] = lambda_h^distance(j) on the device, j < count.
  Buffer weights(int count, const std::function<double(int)>& distance) {
    std::vector<float> w(static_cast<size_t>(std::max(count, 1) * whole_.heads), 0.f);
    for (int j = 0; j < count; ++j)
      for (int64_t h = 0; h < whole_.heads; ++h)
        // The slope as the kernels and the reference take it, in fp32.
        w[static_cast<size_t>(j * whole_.heads + h)] =
            static_cast<float>(std::exp(-static_cast<double>(static_cast<float>(whole_.slope(h))) * distance(j)));
    Buffer b = ws_.allocate(w.size() * sizeof(float));
    ws_.backend().copy_from_host(b.data(), w.data(), w.size() * sizeof(float));
    return b;
  }
  // out += lambda^(L_r) s, per head.
  void decay_into(float* out, const float* s) {
    combine_states(out, true, s, 1, own_decay_.as<const float>(), bh_, static_cast<int>(whole_.heads), de_, ws_.stream());
  }

  // Every rank's state (mine: this rank's, fp32 on the device) into all [world][state], on the device.
  void gather(const float* mine, float* all) {
    if (comm_.device_buffers()) return comm_.all_gather(mine, all, state_bytes());
    std::vector<float> h(state_floats_), h_all(state_floats_ * world_);
    ws_.backend().copy_to_host(h.data(), mine, state_bytes());
    comm_.all_gather(h.data(), h_all.data(), state_bytes());
    ws_.backend().copy_from_host(all, h_all.data(), h_all.size() * sizeof(float));
  }
  void send(const float* state, int to) {
    if (comm_.device_buffers()) return comm_.send(state, state_bytes(), to);
    std::vector<float> h(state_floats_);
    ws_.backend().copy_to_host(h.data(), state, state_bytes());
    comm_.send(h.data(), state_bytes(), to);
  }
  void recv(float* state, int from) {
    if (comm_.device_buffers()) return comm_.recv(state, state_bytes(), from);
    std::vector<float> h(state_floats_);
    comm_.recv(h.data(), state_bytes(), from);
    ws_.backend().copy_from_host(state, h.data(), state_bytes());
  }

  // S_r from every rank's end state e_j (mine: this rank's).
  Buffer start_state(const float* mine) {
    Buffer s = ws_.allocate(state_bytes());
    const int heads = static_cast<int>(whole_.heads);
    if (!ring_) {
      Buffer all = ws_.allocate(state_bytes() * world_);
      gather(mine, all.as<float>());
      combine_states(s.as<float>(), false, all.as<const float>(), r_, prefix_weights_.as<const float>(), bh_, heads, de_,
                     ws_.stream());
      return s;
    }
    if (r_ > 0) recv(s.as<float>(), r_ - 1);
    if (r_ + 1 < world_) {  // S_(r+1) = e_r + lambda^(L_r) S_r
      Buffer next = ws_.allocate(state_bytes());
      ws_.backend().copy_on_device(next.data(), mine, state_bytes());
      if (r_ > 0) decay_into(next.as<float>(), s.as<const float>());
      send(next.as<const float>(), r_ + 1);
    }
    return s;
  }

  // dS_r from every rank's start gradient g_j (mine: this rank's).
  Buffer end_gradient(const float* mine) {
    Buffer ds = ws_.allocate(state_bytes());
    const int heads = static_cast<int>(whole_.heads);
    if (!ring_) {
      Buffer all = ws_.allocate(state_bytes() * world_);
      gather(mine, all.as<float>());
      const int count = world_ - 1 - r_;
      combine_states(ds.as<float>(), false, all.as<const float>() + (r_ + 1) * state_floats_, count,
                     suffix_weights_.as<const float>(), bh_, heads, de_, ws_.stream());
      return ds;
    }
    if (r_ + 1 < world_) recv(ds.as<float>(), r_ + 1);
    if (r_ > 0) {  // G_r = g_r + lambda^(L_r) G_(r+1)
      Buffer before = ws_.allocate(state_bytes());
      ws_.backend().copy_on_device(before.data(), mine, state_bytes());
      if (r_ + 1 < world_) decay_into(before.as<float>(), ds.as<const float>());
      send(before.as<const float>(), r_ - 1);
    }
    return ds;
  }

  // The handle on the workspace's stream with its scratch from the tracked workspace (in that order:
  // cublasSetStream puts the handle back on cuBLAS's own workspace pool).
  cublasHandle_t blas() {
    if (!blas_) {
      CUBLAS_CHECK(cublasCreate(&blas_));
      blas_scratch_ = ws_.allocate(kCublasWorkspace);
    }
    CUBLAS_CHECK(cublasSetStream(blas_, static_cast<cudaStream_t>(ws_.stream())));
    CUBLAS_CHECK(cublasSetWorkspace(blas_, blas_scratch_.data(), blas_scratch_.bytes()));
    return blas_;
  }

  // out[i] += alpha * diag(lambda^(first + step t)) x[i] * op(state[i]) over the part's rows t, per head i:
  // x [rows][k], out [rows][m]; state [d][e] fp32, read as [k][m] (transpose false) or [m][k] (true);
  // slopes the problem's own ([heads] fp32 on the device).
  void correct(const TensorView& x, float first, float step, const float* state, bool transpose, const TensorView& out,
               float alpha, const TensorView& slopes) {
    const DType dt = whole_.dtype;
    const size_t es = dtype_size(dt);
    const int64_t k = x.dims[3], m = out.dims[3];
    const void* s = state;
    Buffer s_typed;
    if (dt != DType::f32) {  // rounded to the dtype as la2's own output step rounds its state
      s_typed = ws_.allocate(state_floats_ * es);
      tiles::TileRegion all;
      all.blocks = bh_, all.rows = all.row_count = whole_.dim_qk, all.cols = all.col_count = whole_.dim_v;
      tiles::scatter_tile(DType::f32, state, whole_.dim_qk, whole_.dim_v, dt, s_typed.data(), all, ws_.stream());
      s = s_typed.data();
    }
    const int64_t per_block = rows_ * k * static_cast<int64_t>(es);
    const int64_t group = std::clamp<int64_t>(static_cast<int64_t>(kScaledRowsBytes) / std::max<int64_t>(per_block, 1), 1, bh_);
    Buffer scaled = ws_.allocate(static_cast<size_t>(group * per_block));
    const cudaDataType type = blas_type(dt);
    cublasHandle_t h = blas();
    const float beta = 1.f;
    for (int64_t b0 = 0; b0 < bh_; b0 += group) {
      const int64_t nb = std::min(group, bh_ - b0);
      decayed_rows(dt, static_cast<const char*>(x.data) + b0 * per_block, scaled.data(), b0, nb,
                   static_cast<int>(whole_.heads), rows_, k, slopes.as<const float>(), first, step, ws_.stream());
      // Column-major: out^T (m x rows) += alpha op(S)^T-view (m x k) * scaled^T (k x rows).
      CUBLAS_CHECK(cublasGemmStridedBatchedEx(
                       h, transpose ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(m), static_cast<int>(rows_),
                       static_cast<int>(k), &alpha, static_cast<const char*>(s) + b0 * de_ * es, type,
                       static_cast<int>(transpose ? k : m), de_, scaled.data(), type, static_cast<int>(k), rows_ * k, &beta,
                       static_cast<char*>(out.data) + b0 * rows_ * m * es, type, static_cast<int>(m), rows_ * m,
                       static_cast<int>(nb), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }
  }

  Problem whole_;
  Split split_;
  Communicator& comm_;
  Implementation& engine_;
  Workspace& ws_;
  bool ring_;
  Problem part_;
  int r_ = 0, world_ = 1;
  int64_t rows_ = 0, bh_ = 0, de_ = 0;
  size_t state_floats_ = 0;
  Buffer zeros_;
  // weights[j][head]: lambda^(a_r - b_j) for j < r; lambda^(a_(r+1+j) - b_r) for the ranks after; lambda^(L_r).
  Buffer prefix_weights_, suffix_weights_, own_decay_;
  Buffer blas_scratch_;
  cublasHandle_t blas_ = nullptr;
};

namespace {
Problem part_problem(const Problem& whole, const Split& split, int r) {
  Problem p = whole;
  p.seqlen = split.rows(r);
  const int last = split.world() - 1;
  // A rank's la2 runs from a given start state (zero past rank 0) to a given end gradient (zero before
  // the last rank), so that it reports its part's end state and start gradient for the exchange.
  p.state_in = r > 0 || whole.state_in;
  p.state_out = r < last || whole.state_out;
  return p;
}
}  // namespace

Rank::Rank(const Problem& whole, Split split, Communicator& comm, Implementation& engine, Workspace& ws, bool ring) {
  if (whole.packed()) throw std::invalid_argument("la2_sp: a packed batch is not split");
  if (split.rows(comm.rank()) < 1) throw std::invalid_argument("la2_sp: a rank without rows");
  const Problem part = part_problem(whole, split, comm.rank());
  impl_ = std::make_unique<Impl>(whole, std::move(split), comm, engine, ws, ring, part);
}
Rank::~Rank() = default;
std::unique_ptr<Saved> Rank::forward(const ForwardIO& io) { return impl_->forward(io); }
void Rank::backward(const BackwardIO& io, Saved* saved) { impl_->backward(io, saved); }
void Rank::exchange_only() { impl_->exchange_only(); }
const Problem& Rank::part() const { return impl_->part(); }

}  // namespace lasuite::la2::sp
