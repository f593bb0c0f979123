// Causal softmax attention on the CPU with FlashAttention-2's algorithm: query blocks against the key
// blocks at or before them, with an online softmax (running row max and sum), so no n x n matrix is
// ever formed. The forward keeps each row's log-sum-exp (b h n values) for the backward, which
// recomputes P = exp(scale Q K^T - lse) block by block and uses D_t = rowsum(dO_t ⊙ O_t). A decode
// step against a KV cache (Problem::context = c) is the same forward with query t at position c + t.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/cpu_impl_info_host.h"
#include "kernels/common/eigen_maps_host.h"
#include "kernels/common/head_rows_host.h"
#include "kernels/common/head_workers_host.h"

namespace lasuite {
namespace {

using host::ConstMatMap;
using host::MatMap;
using host::VecMap;

constexpr int64_t kBlock = 64;

// The log-sum-exp of every row, in the compute type: what the backward needs besides O.
struct LseSaved : Saved {
  Buffer lse;
};

template <class T>
struct Scratch {
  T *q, *k, *v, *o, *dout;           // rows converted from 16-bit storage
  T *scores, *dscores;               // one block pair
  T *out, *dk_acc, *dv_acc;          // one block of output rows
  T *row_max, *row_sum, *row_delta;  // per query row of a block; row_delta holds D for all n rows
  T* dq_acc;                         // backward only: n x d

  static Scratch carve(host::Bump& b, const Problem& p, bool backward) {
    const int64_t n = p.seqlen, d = p.dim_qk, e = p.dim_v, de = std::max(d, e);
    Scratch s;
    s.q = b.take<T>(kBlock * d);
    s.k = b.take<T>(kBlock * d);
    s.v = b.take<T>(kBlock * e);
    s.o = b.take<T>(backward ? kBlock * e : 0);
    s.dout = b.take<T>(backward ? kBlock * e : 0);
    s.scores = b.take<T>(kBlock * kBlock);
    s.dscores = b.take<T>(backward ? kBlock * kBlock : 0);
    s.out = b.take<T>(kBlock * de);
    s.dk_acc = b.take<T>(backward ? kBlock * d : 0);
    s.dv_acc = b.take<T>(backward ? kBlock * e : 0);
    s.row_max = b.take<T>(kBlock);
    s.row_sum = b.take<T>(kBlock);
    s.row_delta = b.take<T>(backward ? n : 0);
    s.dq_acc = b.take<T>(backward ? n * d : 0);
    return s;
  }
};

// Keys after the query in the diagonal block (aligned blocks: query block == key block) are masked.
template <class T>
void mask_future(MatMap<T>& scores, int64_t t0, int64_t u0, T masked) {
  if (t0 != u0) return;
  for (int64_t i = 0; i < scores.rows(); ++i)
    for (int64_t j = i + 1; j < scores.cols(); ++j) scores(i, j) = masked;
}

// The same for a query block at positions pos0.. (after a KV cache) against any key block from u0.
template <class T>
void mask_after(MatMap<T>& scores, int64_t pos0, int64_t u0, T masked) {
  if (u0 + scores.cols() - 1 <= pos0) return;
  for (int64_t i = 0; i < scores.rows(); ++i)
    for (int64_t j = std::max<int64_t>(0, pos0 + i + 1 - u0); j < scores.cols(); ++j) scores(i, j) = masked;
}

template <class T>
void forward_head(const Problem& p, const ForwardIO& io, int64_t bh, T* lse, const Scratch<T>& s) {
  const int64_t n = p.seqlen, d = p.dim_qk, e = p.dim_v, cached = p.context, kv = p.kv_rows();
  const T scale = static_cast<T>(p.effective_scale());
  const T minus_inf = -std::numeric_limits<T>::infinity();

  for (int64_t t0 = 0; t0 < n; t0 += kBlock) {
    const int64_t lq = std::min(kBlock, n - t0);
    ConstMatMap<T> q(host::load_rows(io.q, bh, t0, lq, s.q), lq, d);
    MatMap<T> o(s.out, lq, e);
    o.setZero();
    VecMap<T> m(s.row_max, lq), l(s.row_sum, lq);
    m.setConstant(minus_inf);
    l.setZero();
    // The block's last query (position cached + t0 + lq - 1) sees the keys below cached + t0 + lq.
    for (int64_t u0 = 0; u0 < cached + t0 + lq; u0 += kBlock) {
      const int64_t lk = std::min(kBlock, kv - u0);
      ConstMatMap<T> k(host::load_rows(io.k, bh, u0, lk, s.k), lk, d);
      ConstMatMap<T> v(host::load_rows(io.v, bh, u0, lk, s.v), lk, e);
      MatMap<T> sc(s.scores, lq, lk);
      sc.noalias() = scale * (q * k.transpose());
      mask_after(sc, cached + t0, u0, minus_inf);
      for (int64_t i = 0; i < lq; ++i) {
        // Every row has a finite score in its first key block, so m_new is finite (a later block may
        // hold none of a row's keys: its scores are all -inf, and exp gives 0).
        const T m_new = std::max(m(i), sc.row(i).maxCoeff());
        const T rescale = std::exp(m(i) - m_new);  // 0 on the first block (m = -inf)
        sc.row(i) = (sc.row(i).array() - m_new).exp().matrix();
        l(i) = rescale * l(i) + sc.row(i).sum();
        o.row(i) *= rescale;
        m(i) = m_new;
      }
      o.noalias() += sc * v;
    }
    for (int64_t i = 0; i < lq; ++i) {
      o.row(i) /= l(i);
      lse[t0 + i] = m(i) + std::log(l(i));
    }
    host::store_rows(io.o, bh, t0, lq, s.out);
  }
}

// Key blocks outside (dK, dV accumulate in one block of rows), query blocks inside; dQ accumulates
// over key blocks in an n x d buffer.
//   P = exp(scale Q K^T - lse), dV += P^T dO, dS = P ⊙ (dO V^T - D), dQ += scale dS K, dK += scale dS^T Q
template <class T>
void backward_head(const Problem& p, const BackwardIO& io, int64_t bh, const T* lse, const Scratch<T>& s) {
  const int64_t n = p.seqlen, d = p.dim_qk, e = p.dim_v;
  const T scale = static_cast<T>(p.effective_scale());

  for (int64_t t0 = 0; t0 < n; t0 += kBlock) {
    const int64_t lq = std::min(kBlock, n - t0);
    ConstMatMap<T> o(host::load_rows(io.o, bh, t0, lq, s.o), lq, e);
    ConstMatMap<T> dout(host::load_rows(io.dout, bh, t0, lq, s.dout), lq, e);
    VecMap<T>(s.row_delta + t0, lq) = o.cwiseProduct(dout).rowwise().sum();
  }
  MatMap<T> dq_all(s.dq_acc, n, d);
  dq_all.setZero();

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
      MatMap<T> pm(s.scores, lq, lk), ds(s.dscores, lq, lk);
      pm.noalias() = scale * (q * k.transpose());
      for (int64_t i = 0; i < lq; ++i) pm.row(i) = (pm.row(i).array() - lse[t0 + i]).exp().matrix();
      mask_future(pm, t0, u0, T(0));
      dv.noalias() += pm.transpose() * dout;
      ds.noalias() = dout * v.transpose();
      ds.colwise() -= VecMap<T>(s.row_delta + t0, lq);
      ds = scale * pm.cwiseProduct(ds);
      dq_all.middleRows(t0, lq).noalias() += ds * k;
      dk.noalias() += ds.transpose() * q;
    }
    host::store_rows(io.dk, bh, u0, lk, s.dk_acc);
    host::store_rows(io.dv, bh, u0, lk, s.dv_acc);
  }
  host::store_head(io.dq, bh, s.dq_acc);
}

template <class T>
std::unique_ptr<Saved> run_forward(const Problem& p, const ForwardIO& io, Workspace& ws) {
  auto saved = std::make_unique<LseSaved>();
  saved->lse = ws.allocate(static_cast<size_t>(p.batch * p.heads * p.seqlen) * sizeof(T));
  T* lse = saved->lse.as<T>();
  host::run_per_head(
      p.batch * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p, false); },
      [&](const Scratch<T>& s, int64_t bh) { forward_head(p, io, bh, lse + bh * p.seqlen, s); });
  return saved;
}

template <class T>
void run_backward(const Problem& p, const BackwardIO& io, const T* lse, Workspace& ws) {
  host::run_per_head(
      p.batch * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p, true); },
      [&](const Scratch<T>& s, int64_t bh) { backward_head(p, io, bh, lse + bh * p.seqlen, s); });
}

class FlashSoftmaxCpu : public Implementation {
 public:
  const ImplInfo& info() const override {
    static const ImplInfo i = [] {
      ImplInfo x = host::cpu_impl_info(
          "flash_softmax_cpu",
          "causal softmax attention on the CPU, FlashAttention-2 algorithm (B=64, online softmax, lse saved); "
          "decode steps against a KV cache",
          Function::softmax, /*state=*/false);
      x.support.kv_cache = true;
      return x;
    }();
    return i;
  }

  Work work(const Problem& p) const override { return softmax_causal_work(p); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    if (p.dtype == DType::f64) return run_forward<double>(p, io, ws);
    return run_forward<float>(p, io, ws);
  }

  void backward(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) override {
    if (p.context > 0) throw UnsupportedError("flash_softmax_cpu: no backward through a KV cache (decoding is a forward)");
    auto* kept = dynamic_cast<LseSaved*>(saved);
    if (!kept) throw std::logic_error("flash_softmax_cpu backward needs the Saved its forward returned");
    if (p.dtype == DType::f64) run_backward<double>(p, io, kept->lse.as<const double>(), ws);
    else run_backward<float>(p, io, kept->lse.as<const float>(), ws);
  }
};

}  // namespace

LASUITE_REGISTER(flash_softmax_cpu, [] { return std::make_unique<FlashSoftmaxCpu>(); });

}  // namespace lasuite
