// Lightning Attention-2 on the CPU: math.md's block algorithm, block by block along the sequence;
// a packed batch (Problem::cu_seqlens) runs each sequence of each head as a task of its own.
// Within a block the left product ((Q K^T) ⊙ D) V; across blocks the right product through the
// d x e state KV. Forward and backward keep O(B (d + e) + d e) scratch per worker; the backward
// recomputes KV in its dQ sweep instead of storing it per block, so nothing is saved between passes.
#include <algorithm>
#include <cmath>
#include <memory>

#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/cpu_impl_info_host.h"
#include "kernels/common/decay_host.h"
#include "kernels/common/eigen_maps_host.h"
#include "kernels/common/head_rows_host.h"
#include "kernels/common/head_workers_host.h"

namespace lasuite {
namespace {

using host::ConstMatMap;
using host::HeadSpan;
using host::span_of;
using host::MatMap;
using host::VecMap;

constexpr int64_t kBlock = 64;

// A head's decay within a block, scale folded in where Q enters:
//   pow[k] = lambda^k (k = 0..B), q_decay[j] = scale lambda^(j+1), mask[i][j] = scale lambda^(i-j), i >= j.
// The last block may be shorter (L < B); its mask is the top-left L x L corner.
template <class T>
struct BlockDecay {
  T* pow;
  T* q_decay;
  T* mask;
  T* k_decay;  // lambda^(L-1-j), refilled per block length

  static BlockDecay carve(host::Bump& b) {
    return {b.take<T>(kBlock + 1), b.take<T>(kBlock), b.take<T>(kBlock * kBlock), b.take<T>(kBlock)};
  }
  void fill(double slope, double scale) const {
    host::fill_decay_powers(slope, kBlock + 1, pow);
    host::fill_decay_powers(slope, kBlock, q_decay, scale * std::exp(-slope));
    for (int64_t i = 0; i < kBlock; ++i)
      for (int64_t j = 0; j < kBlock; ++j) mask[i * kBlock + j] = i >= j ? static_cast<T>(scale) * pow[i - j] : T(0);
  }
  auto mask_block(int64_t L) const { return ConstMatMap<T>(mask, kBlock, kBlock).topLeftCorner(L, L); }
  VecMap<T> q_scales(int64_t L) const { return VecMap<T>(q_decay, L); }
  VecMap<T> k_scales(int64_t L) const {
    for (int64_t j = 0; j < L; ++j) k_decay[j] = pow[L - 1 - j];
    return VecMap<T>(k_decay, L);
  }
};

// One worker's scratch: the state (KV forward, G in the reverse sweep), rows converted from 16-bit
// storage, the two L x L block products, one block of each output, and two L x max(d, e) temporaries.
template <class T>
struct Scratch {
  BlockDecay<T> decay;
  T *state, *q, *k, *v, *dout, *scores, *scores2, *o_or_dq, *dk, *dv, *decayed, *inter;

  static Scratch carve(host::Bump& b, const Problem& p) {
    const int64_t d = p.dim_qk, e = p.dim_v, de = std::max(d, e);
    Scratch s;
    s.decay = BlockDecay<T>::carve(b);
    s.state = b.take<T>(d * e);
    s.q = b.take<T>(kBlock * d);
    s.k = b.take<T>(kBlock * d);
    s.v = b.take<T>(kBlock * e);
    s.dout = b.take<T>(kBlock * e);
    s.scores = b.take<T>(kBlock * kBlock);
    s.scores2 = b.take<T>(kBlock * kBlock);
    s.o_or_dq = b.take<T>(kBlock * de);
    s.dk = b.take<T>(kBlock * d);
    s.dv = b.take<T>(kBlock * e);
    s.decayed = b.take<T>(kBlock * d);
    s.inter = b.take<T>(kBlock * de);
    return s;
  }
};

// KV <- lambda^L KV + (diag(lambda^(L-1-j)) K_b)^T V_b
template <class T, class K, class V>
void update_state(MatMap<T>& kv, const K& k, const V& v, const BlockDecay<T>& decay, int64_t L, T* rows) {
  MatMap<T> k_decayed(rows, L, k.cols());
  k_decayed.noalias() = decay.k_scales(L).asDiagonal() * k;
  kv *= decay.pow[L];
  kv.noalias() += k_decayed.transpose() * v;
}

template <class T>
void forward_head(const Problem& p, const ForwardIO& io, const HeadSpan& span, const Scratch<T>& s) {
  const int64_t n = span.n, d = p.dim_qk, e = p.dim_v, bh = span.rows_bh;
  s.decay.fill(p.slope(span.head), p.effective_scale());
  host::load_head_or_zero(p.state_in, io.state_in, span.state_bh, s.state, static_cast<size_t>(d * e));
  MatMap<T> kv(s.state, d, e);

  for (int64_t r0 = 0; r0 < n; r0 += kBlock) {
    const int64_t L = std::min(kBlock, n - r0);
    const int64_t row = span.row0 + r0;
    ConstMatMap<T> q(host::load_rows(io.q, bh, row, L, s.q), L, d);
    ConstMatMap<T> k(host::load_rows(io.k, bh, row, L, s.k), L, d);
    ConstMatMap<T> v(host::load_rows(io.v, bh, row, L, s.v), L, e);

    MatMap<T> scores(s.scores, L, L);
    scores.noalias() = q * k.transpose();
    scores = scores.cwiseProduct(s.decay.mask_block(L));
    MatMap<T> o(s.o_or_dq, L, e), inter(s.inter, L, e);
    o.noalias() = scores * v;                                // intra: left product
    inter.noalias() = q * kv;                                // inter: right product with the state
    o.noalias() += s.decay.q_scales(L).asDiagonal() * inter;
    host::store_rows(io.o, bh, row, L, s.o_or_dq);

    update_state(kv, k, v, s.decay, L, s.decayed);
  }
  if (p.state_out) host::store_head(io.state_out, span.state_bh, s.state);
}

// dQ sweep, forward along the sequence with the recomputed state:
//   dQ_b = ((dO_b V_b^T) ⊙ D) K_b + diag(scale lambda^(j+1)) dO_b KV^T
template <class T>
void backward_dq_sweep(const Problem& p, const BackwardIO& io, const HeadSpan& span, const Scratch<T>& s) {
  const int64_t n = span.n, d = p.dim_qk, e = p.dim_v, bh = span.rows_bh;
  host::load_head_or_zero(p.state_in, io.state_in, span.state_bh, s.state, static_cast<size_t>(d * e));
  MatMap<T> kv(s.state, d, e);

  for (int64_t r0 = 0; r0 < n; r0 += kBlock) {
    const int64_t L = std::min(kBlock, n - r0);
    const int64_t row = span.row0 + r0;
    ConstMatMap<T> k(host::load_rows(io.k, bh, row, L, s.k), L, d);
    ConstMatMap<T> v(host::load_rows(io.v, bh, row, L, s.v), L, e);
    ConstMatMap<T> dout(host::load_rows(io.dout, bh, row, L, s.dout), L, e);

    MatMap<T> dp(s.scores, L, L);
    dp.noalias() = dout * v.transpose();
    dp = dp.cwiseProduct(s.decay.mask_block(L));
    MatMap<T> dq(s.o_or_dq, L, d), inter(s.inter, L, d);
    dq.noalias() = dp * k;
    inter.noalias() = dout * kv.transpose();
    dq.noalias() += s.decay.q_scales(L).asDiagonal() * inter;
    host::store_rows(io.dq, bh, row, L, s.o_or_dq);

    update_state(kv, k, v, s.decay, L, s.decayed);
  }
}

// dK/dV sweep, in reverse. G is the gradient of the state after the current block (dS_out after the
// last one); the keys and values of block b reach it through lambda^(L-1-j):
//   dK_b = ((dO_b V_b^T) ⊙ D)^T Q_b + diag(lambda^(L-1-j)) V_b G^T
//   dV_b = ((Q_b K_b^T) ⊙ D)^T dO_b + diag(lambda^(L-1-j)) K_b G
//   G   <- lambda^L G + (diag(scale lambda^(j+1)) Q_b)^T dO_b        (after block 0: dS_in)
// math.md writes this sweep with dKV = G / lambda; carrying G itself lets it start from dS_out
// without dividing by lambda, which underflows for large slopes.
template <class T>
void backward_dkdv_sweep(const Problem& p, const BackwardIO& io, const HeadSpan& span, const Scratch<T>& s) {
  const int64_t n = span.n, d = p.dim_qk, e = p.dim_v, bh = span.rows_bh;
  host::load_head_or_zero(p.state_out, io.dstate_out, span.state_bh, s.state, static_cast<size_t>(d * e));
  MatMap<T> g(s.state, d, e);

  for (int64_t r0 = n > 0 ? (n - 1) / kBlock * kBlock : -1; r0 >= 0; r0 -= kBlock) {
    const int64_t L = std::min(kBlock, n - r0), row = span.row0 + r0;
    ConstMatMap<T> q(host::load_rows(io.q, bh, row, L, s.q), L, d);
    ConstMatMap<T> k(host::load_rows(io.k, bh, row, L, s.k), L, d);
    ConstMatMap<T> v(host::load_rows(io.v, bh, row, L, s.v), L, e);
    ConstMatMap<T> dout(host::load_rows(io.dout, bh, row, L, s.dout), L, e);
    const auto k_scales = s.decay.k_scales(L);

    MatMap<T> dp(s.scores, L, L), pm(s.scores2, L, L);
    dp.noalias() = dout * v.transpose();
    dp = dp.cwiseProduct(s.decay.mask_block(L));
    pm.noalias() = q * k.transpose();
    pm = pm.cwiseProduct(s.decay.mask_block(L));

    MatMap<T> dk(s.dk, L, d), dk_inter(s.inter, L, d);
    dk.noalias() = dp.transpose() * q;
    dk_inter.noalias() = v * g.transpose();
    dk.noalias() += k_scales.asDiagonal() * dk_inter;
    host::store_rows(io.dk, bh, row, L, s.dk);

    MatMap<T> dv(s.dv, L, e), dv_inter(s.inter, L, e);
    dv.noalias() = pm.transpose() * dout;
    dv_inter.noalias() = k * g;
    dv.noalias() += k_scales.asDiagonal() * dv_inter;
    host::store_rows(io.dv, bh, row, L, s.dv);

    MatMap<T> q_decayed(s.decayed, L, d);
    q_decayed.noalias() = s.decay.q_scales(L).asDiagonal() * q;
    g *= s.decay.pow[L];
    g.noalias() += q_decayed.transpose() * dout;
  }
  if (p.state_in) host::store_head(io.dstate_in, span.state_bh, s.state);
}

template <class T>
void forward_all(const Problem& p, const ForwardIO& io, Workspace& ws) {
  host::run_per_head(
      p.sequences() * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p); },
      [&](const Scratch<T>& s, int64_t task) { forward_head(p, io, span_of(p, task), s); });
}

template <class T>
void backward_all(const Problem& p, const BackwardIO& io, Workspace& ws) {
  host::run_per_head(
      p.sequences() * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p); },
      [&](const Scratch<T>& s, int64_t task) {
        const HeadSpan span = span_of(p, task);
        s.decay.fill(p.slope(span.head), p.effective_scale());
        backward_dq_sweep(p, io, span, s);
        backward_dkdv_sweep(p, io, span, s);
      });
}

class La2Cpu : public Implementation {
 public:
  const ImplInfo& info() const override {
    static const ImplInfo i = [] {
      ImplInfo in = host::cpu_impl_info(
          "la2_cpu",
          "Lightning Attention-2 block algorithm on the CPU (B=64, Eigen; intra left product + inter state)",
          Function::linear_decay, /*state=*/true);
      in.support.packed = true;  // each (sequence, head) is a task of its own
      in.support.state_in_place = true;  // a task reads its initial state before it writes its final one
      return in;
    }();
    return i;
  }

  Work work(const Problem& p) const override { return linear_block_work(p, kBlock); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    if (p.dtype == DType::f64) forward_all<double>(p, io, ws);
    else forward_all<float>(p, io, ws);
    return std::make_unique<Saved>();  // the backward recomputes the state; nothing kept
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    if (p.dtype == DType::f64) backward_all<double>(p, io, ws);
    else backward_all<float>(p, io, ws);
  }
};

}  // namespace

LASUITE_REGISTER(la2_cpu, [] { return std::make_unique<La2Cpu>(); });

}  // namespace lasuite
