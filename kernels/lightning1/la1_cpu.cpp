// Lightning Attention-1 on the CPU: the left product ((Q K^T) ⊙ M) V tiled like FlashAttention,
// without softmax. Every query block visits the key blocks at or before it, so the work is O(n^2 d)
// while memory stays O(n d): the decay table (n + 1 powers) and, in the backward, one dQ accumulator.
// The optional initial state enters through diag(lambda^(t+1)) (scale Q) S0; the final state is
// lambda^n S0 + sum_u lambda^(n-1-u) k_u^T v_u, computed directly.
#include <algorithm>
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
using host::MatMap;
using host::VecMap;

constexpr int64_t kBlock = 64;

template <class T>
struct Scratch {
  T* pow;         // lambda^k, k = 0..n
  T* scaled_pow;  // scale lambda^k, k = 0..n
  T* k_decay;     // lambda^(n-1-u) over one key block
  T *mask, *scores, *scores2;
  T *q, *k, *v, *dout;              // rows converted from 16-bit storage
  T *out, *tmp, *dk_acc, *dv_acc;   // one block of output rows
  T *state, *state_acc, *state_grad;  // d x e each: S0 or dS_out, S_out or S0, dS_in
  T* dq_acc;                        // backward only: n x d

  static Scratch carve(host::Bump& b, const Problem& p, bool backward) {
    const int64_t n = p.seqlen, d = p.dim_qk, e = p.dim_v, de = std::max(d, e);
    Scratch s;
    s.pow = b.take<T>(n + 1);
    s.scaled_pow = b.take<T>(n + 1);
    s.k_decay = b.take<T>(kBlock);
    s.mask = b.take<T>(kBlock * kBlock);
    s.scores = b.take<T>(kBlock * kBlock);
    s.scores2 = b.take<T>(kBlock * kBlock);
    s.q = b.take<T>(kBlock * d);
    s.k = b.take<T>(kBlock * d);
    s.v = b.take<T>(kBlock * e);
    s.dout = b.take<T>(kBlock * e);
    s.out = b.take<T>(kBlock * de);
    s.tmp = b.take<T>(kBlock * de);
    s.dk_acc = b.take<T>(backward ? kBlock * d : 0);
    s.dv_acc = b.take<T>(backward ? kBlock * e : 0);
    const bool needs_state = p.state_in || p.state_out;
    s.state = b.take<T>(needs_state ? d * e : 0);
    s.state_acc = b.take<T>(needs_state ? d * e : 0);
    s.state_grad = b.take<T>(backward && p.state_in ? d * e : 0);
    s.dq_acc = b.take<T>(backward ? n * d : 0);
    return s;
  }

  void fill_powers(const Problem& p, int64_t bh) const {
    const double slope = p.slope(bh % p.heads);
    host::fill_decay_powers(slope, p.seqlen + 1, pow);
    host::fill_decay_powers(slope, p.seqlen + 1, scaled_pow, p.effective_scale());
  }

  // M_bu scaled: scale lambda^(t-u) for t >= u, else 0, for query rows t0.. and key rows u0...
  ConstMatMap<T> build_mask(int64_t t0, int64_t rows, int64_t u0, int64_t cols) const {
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t lag = t0 + i - u0;
      T* row = mask + i * cols;
      for (int64_t j = 0; j < cols; ++j) row[j] = j <= lag ? scaled_pow[lag - j] : T(0);
    }
    return ConstMatMap<T>(mask, rows, cols);
  }

  // lambda^(n-1-u) for the key rows u0 .. u0+cols-1: how much of k_u^T v_u reaches the final state.
  VecMap<T> final_state_decay(int64_t n, int64_t u0, int64_t cols) const {
    for (int64_t j = 0; j < cols; ++j) k_decay[j] = pow[n - 1 - (u0 + j)];
    return VecMap<T>(k_decay, cols);
  }
};

template <class T>
void forward_head(const Problem& p, const ForwardIO& io, int64_t bh, const Scratch<T>& s) {
  const int64_t n = p.seqlen, d = p.dim_qk, e = p.dim_v;
  s.fill_powers(p, bh);
  if (p.state_in) host::load_head(io.state_in, bh, s.state);
  ConstMatMap<T> s0(s.state, d, e);

  for (int64_t t0 = 0; t0 < n; t0 += kBlock) {
    const int64_t lq = std::min(kBlock, n - t0);
    ConstMatMap<T> q(host::load_rows(io.q, bh, t0, lq, s.q), lq, d);
    MatMap<T> o(s.out, lq, e);
    o.setZero();
    for (int64_t u0 = 0; u0 <= t0; u0 += kBlock) {
      const int64_t lk = std::min(kBlock, n - u0);
      ConstMatMap<T> k(host::load_rows(io.k, bh, u0, lk, s.k), lk, d);
      ConstMatMap<T> v(host::load_rows(io.v, bh, u0, lk, s.v), lk, e);
      MatMap<T> scores(s.scores, lq, lk);
      scores.noalias() = q * k.transpose();
      scores = scores.cwiseProduct(s.build_mask(t0, lq, u0, lk));
      o.noalias() += scores * v;
    }
    if (p.state_in) {
      MatMap<T> from_state(s.tmp, lq, e);
      from_state.noalias() = q * s0;
      o.noalias() += VecMap<T>(s.scaled_pow + t0 + 1, lq).asDiagonal() * from_state;
    }
    host::store_rows(io.o, bh, t0, lq, s.out);
  }

  if (p.state_out) {
    MatMap<T> s_out(s.state_acc, d, e);
    if (p.state_in) s_out = s.pow[n] * s0;
    else s_out.setZero();
    for (int64_t u0 = 0; u0 < n; u0 += kBlock) {
      const int64_t lk = std::min(kBlock, n - u0);
      ConstMatMap<T> k(host::load_rows(io.k, bh, u0, lk, s.k), lk, d);
      ConstMatMap<T> v(host::load_rows(io.v, bh, u0, lk, s.v), lk, e);
      MatMap<T> k_decayed(s.tmp, lk, d);
      k_decayed.noalias() = s.final_state_decay(n, u0, lk).asDiagonal() * k;
      s_out.noalias() += k_decayed.transpose() * v;
    }
    host::store_head(io.state_out, bh, s.state_acc);
  }
}

// FlashAttention-2's order: key blocks outside, so dK_u and dV_u accumulate in one block of rows,
// while dQ accumulates over key blocks in an n x d buffer.
//   dQ_b += ((dO_b V_u^T) ⊙ M_bu) K_u,  dK_u += (...)^T Q_b,  dV_u += ((Q_b K_u^T) ⊙ M_bu)^T dO_b
template <class T>
void backward_head(const Problem& p, const BackwardIO& io, int64_t bh, const Scratch<T>& s) {
  const int64_t n = p.seqlen, d = p.dim_qk, e = p.dim_v;
  s.fill_powers(p, bh);
  MatMap<T> dq_all(s.dq_acc, n, d);
  dq_all.setZero();
  if (p.state_out) host::load_head(io.dstate_out, bh, s.state);
  ConstMatMap<T> ds_out(s.state, d, e);

  for (int64_t u0 = 0; u0 < n; u0 += kBlock) {
    const int64_t lk = std::min(kBlock, n - u0);
    ConstMatMap<T> k(host::load_rows(io.k, bh, u0, lk, s.k), lk, d);
    ConstMatMap<T> v(host::load_rows(io.v, bh, u0, lk, s.v), lk, e);
    MatMap<T> dk(s.dk_acc, lk, d), dv(s.dv_acc, lk, e);
    dk.setZero();
    dv.setZero();
    for (int64_t t0 = u0; t0 < n; t0 += kBlock) {
      const int64_t lq = std::min(kBlock, n - t0);
      ConstMatMap<T> q(host::load_rows(io.q, bh, t0, lq, s.q), lq, d);
      ConstMatMap<T> dout(host::load_rows(io.dout, bh, t0, lq, s.dout), lq, e);
      const auto mask = s.build_mask(t0, lq, u0, lk);
      MatMap<T> dp(s.scores, lq, lk), pm(s.scores2, lq, lk);
      dp.noalias() = dout * v.transpose();
      dp = dp.cwiseProduct(mask);
      dq_all.middleRows(t0, lq).noalias() += dp * k;
      dk.noalias() += dp.transpose() * q;
      pm.noalias() = q * k.transpose();
      pm = pm.cwiseProduct(mask);
      dv.noalias() += pm.transpose() * dout;
    }
    if (p.state_out) {  // k_u and v_u reach S_out through lambda^(n-1-u)
      const auto decay = s.final_state_decay(n, u0, lk);
      MatMap<T> tmp_k(s.tmp, lk, d);
      tmp_k.noalias() = v * ds_out.transpose();
      dk.noalias() += decay.asDiagonal() * tmp_k;
      MatMap<T> tmp_v(s.tmp, lk, e);
      tmp_v.noalias() = k * ds_out;
      dv.noalias() += decay.asDiagonal() * tmp_v;
    }
    host::store_rows(io.dk, bh, u0, lk, s.dk_acc);
    host::store_rows(io.dv, bh, u0, lk, s.dv_acc);
  }

  if (p.state_in) {
    // dQ_t += scale lambda^(t+1) dO_t S0^T;  dS_in = sum_t scale lambda^(t+1) q_t^T dO_t + lambda^n dS_out
    host::load_head(io.state_in, bh, s.state_acc);
    ConstMatMap<T> s0(s.state_acc, d, e);
    MatMap<T> ds_in(s.state_grad, d, e);
    if (p.state_out) ds_in = s.pow[n] * ds_out;
    else ds_in.setZero();
    for (int64_t t0 = 0; t0 < n; t0 += kBlock) {
      const int64_t lq = std::min(kBlock, n - t0);
      ConstMatMap<T> q(host::load_rows(io.q, bh, t0, lq, s.q), lq, d);
      ConstMatMap<T> dout(host::load_rows(io.dout, bh, t0, lq, s.dout), lq, e);
      const VecMap<T> decay(s.scaled_pow + t0 + 1, lq);
      MatMap<T> from_state(s.tmp, lq, d), q_decayed(s.out, lq, d);
      from_state.noalias() = dout * s0.transpose();
      dq_all.middleRows(t0, lq).noalias() += decay.asDiagonal() * from_state;
      q_decayed.noalias() = decay.asDiagonal() * q;
      ds_in.noalias() += q_decayed.transpose() * dout;
    }
    host::store_head(io.dstate_in, bh, s.state_grad);
  }
  host::store_head(io.dq, bh, s.dq_acc);
}

template <class T>
void run_forward(const Problem& p, const ForwardIO& io, Workspace& ws) {
  host::run_per_head(
      p.batch * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p, false); },
      [&](const Scratch<T>& s, int64_t bh) { forward_head(p, io, bh, s); });
}

template <class T>
void run_backward(const Problem& p, const BackwardIO& io, Workspace& ws) {
  host::run_per_head(
      p.batch * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p, true); },
      [&](const Scratch<T>& s, int64_t bh) { backward_head(p, io, bh, s); });
}

class La1Cpu : public Implementation {
 public:
  const ImplInfo& info() const override {
    static const ImplInfo i = host::cpu_impl_info(
        "la1_cpu",
        "Lightning Attention-1 on the CPU: tiled left product (B=64, Eigen), O(n^2 d) work, O(n d) memory",
        Function::linear_decay, /*state=*/true);
    return i;
  }

  Work work(const Problem& p) const override { return linear_quadratic_work(p); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    if (p.dtype == DType::f64) run_forward<double>(p, io, ws);
    else run_forward<float>(p, io, ws);
    return std::make_unique<Saved>();  // the backward recomputes every block product
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    if (p.dtype == DType::f64) run_backward<double>(p, io, ws);
    else run_backward<float>(p, io, ws);
  }
};

}  // namespace

LASUITE_REGISTER(la1_cpu, [] { return std::make_unique<La1Cpu>(); });

}  // namespace lasuite
