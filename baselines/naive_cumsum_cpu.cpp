// The naive recurrent baseline, as a cumsum over outer products is written in a framework: it
// materialises the per-token prefix KV_t = lambda KV_{t-1} + k_t^T v_t for every t (b h n d e
// elements), then reads o_t = scale q_t KV_t. Its memory grows as n d e, which is the point of
// having it: it refuses up front a size whose prefix would not fit in memory, and a buffer that
// fails anyway raises OutOfMemoryError, never a crash.
// The backward materialises the reverse prefix G_t = scale q_t^T dO_t + lambda G_{t+1} (G_{n-1}
// includes dS_out) and reads the forward's stored KV_t: dq_t = scale dO_t KV_t^T, dk_t = v_t G_t^T,
// dv_t = k_t G_t, dS_in = lambda G_0.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "harness/backend.h"
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
using host::HeadSpan;
using host::MatMap;

constexpr int64_t kRowsPerLoad = 64;  // rows converted at a time from 16-bit storage

size_t compute_bytes(DType t) { return t == DType::f64 ? sizeof(double) : sizeof(float); }

// Bytes of one per-token prefix for the whole problem, in the compute type; as a double so that a
// size beyond any memory does not wrap around.
double prefix_bytes(const Problem& p) {
  return static_cast<double>(p.batch) * p.heads * p.seqlen * p.dim_qk * p.dim_v * compute_bytes(p.dtype);
}

// The forward's prefix, kept for the backward (counted as extra memory while it lives).
struct PrefixSaved : Saved {
  Buffer prefix;
};

template <class T>
struct Scratch {
  T *q, *k, *v, *dout, *out, *state;
  static Scratch carve(host::Bump& b, const Problem& p) {
    const int64_t d = p.dim_qk, e = p.dim_v, de = std::max(d, e);
    return {b.take<T>(kRowsPerLoad * d), b.take<T>(kRowsPerLoad * d), b.take<T>(kRowsPerLoad * e),
            b.take<T>(kRowsPerLoad * e), b.take<T>(kRowsPerLoad * de), b.take<T>(d * e)};
  }
};

template <class T>
T* head_prefix(const Buffer& prefix, const Problem& p, int64_t bh) {
  return prefix.as<T>() + static_cast<size_t>(bh) * p.seqlen * p.dim_qk * p.dim_v;
}

// The prefix of one task: its head's prefix from its first row on.
template <class T>
T* span_prefix(const Buffer& prefix, const Problem& p, const HeadSpan& span) {
  return head_prefix<T>(prefix, p, span.rows_bh) + static_cast<size_t>(span.row0) * p.dim_qk * p.dim_v;
}

template <class T>
void forward_head(const Problem& p, const ForwardIO& io, const HeadSpan& span, T* prefix, const Scratch<T>& s) {
  const int64_t n = span.n, d = p.dim_qk, e = p.dim_v, bh = span.rows_bh;
  const T lambda = static_cast<T>(std::exp(-p.slope(span.head)));
  const T scale = static_cast<T>(p.effective_scale());
  const size_t de = static_cast<size_t>(d * e);
  host::load_head_or_zero(p.state_in, io.state_in, span.state_bh, s.state, de);

  for (int64_t r0 = 0; r0 < n; r0 += kRowsPerLoad) {
    const int64_t rows = std::min(kRowsPerLoad, n - r0), row = span.row0 + r0;
    ConstMatMap<T> q(host::load_rows(io.q, bh, row, rows, s.q), rows, d);
    ConstMatMap<T> k(host::load_rows(io.k, bh, row, rows, s.k), rows, d);
    ConstMatMap<T> v(host::load_rows(io.v, bh, row, rows, s.v), rows, e);
    MatMap<T> o(s.out, rows, e);
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t t = r0 + i;
      MatMap<T> kv(prefix + t * de, d, e);
      ConstMatMap<T> previous(t == 0 ? s.state : prefix + (t - 1) * de, d, e);
      for (int64_t a = 0; a < d; ++a)  // row by row: the outer product never becomes a temporary
        kv.row(a).noalias() = lambda * previous.row(a) + k(i, a) * v.row(i);
      o.row(i).noalias() = scale * (q.row(i) * kv);
    }
    host::store_rows(io.o, bh, row, rows, s.out);
  }
  // An empty sequence of a packed batch hands its initial state on unchanged.
  if (p.state_out) host::store_head(io.state_out, span.state_bh, n > 0 ? prefix + (n - 1) * de : s.state);
}

template <class T>
void backward_head(const Problem& p, const BackwardIO& io, const HeadSpan& span, const T* kv_prefix, T* g_prefix,
                   const Scratch<T>& s) {
  const int64_t n = span.n, d = p.dim_qk, e = p.dim_v, bh = span.rows_bh;
  const T lambda = static_cast<T>(std::exp(-p.slope(span.head)));
  const T scale = static_cast<T>(p.effective_scale());
  const size_t de = static_cast<size_t>(d * e);
  // s.state: the gradient flowing into G_{n-1} from the final state
  host::load_head_or_zero(p.state_out, io.dstate_out, span.state_bh, s.state, de);

  // Reverse prefix, materialised: G_t = scale q_t^T dO_t + lambda G_{t+1}, G_{n-1} = ... + dS_out.
  for (int64_t r0 = n > 0 ? (n - 1) / kRowsPerLoad * kRowsPerLoad : -1; r0 >= 0; r0 -= kRowsPerLoad) {
    const int64_t rows = std::min(kRowsPerLoad, n - r0), row = span.row0 + r0;
    ConstMatMap<T> q(host::load_rows(io.q, bh, row, rows, s.q), rows, d);
    ConstMatMap<T> dout(host::load_rows(io.dout, bh, row, rows, s.dout), rows, e);
    for (int64_t i = rows - 1; i >= 0; --i) {
      const int64_t t = r0 + i;
      MatMap<T> g(g_prefix + t * de, d, e);
      ConstMatMap<T> later(t == n - 1 ? s.state : g_prefix + (t + 1) * de, d, e);
      const T decay = t == n - 1 ? T(1) : lambda;  // dS_out enters G_{n-1} as it is
      for (int64_t a = 0; a < d; ++a) g.row(a).noalias() = (scale * q(i, a)) * dout.row(i) + decay * later.row(a);
    }
  }

  for (int64_t r0 = 0; r0 < n; r0 += kRowsPerLoad) {
    const int64_t rows = std::min(kRowsPerLoad, n - r0), row = span.row0 + r0;
    ConstMatMap<T> k(host::load_rows(io.k, bh, row, rows, s.k), rows, d);
    ConstMatMap<T> v(host::load_rows(io.v, bh, row, rows, s.v), rows, e);
    ConstMatMap<T> dout(host::load_rows(io.dout, bh, row, rows, s.dout), rows, e);
    MatMap<T> grad_qk(s.out, rows, d);
    for (int64_t i = 0; i < rows; ++i) {
      ConstMatMap<T> kv(kv_prefix + (r0 + i) * de, d, e);
      grad_qk.row(i).noalias() = scale * (dout.row(i) * kv.transpose());
    }
    host::store_rows(io.dq, bh, row, rows, s.out);
    for (int64_t i = 0; i < rows; ++i) {
      ConstMatMap<T> g(g_prefix + (r0 + i) * de, d, e);
      grad_qk.row(i).noalias() = v.row(i) * g.transpose();
    }
    host::store_rows(io.dk, bh, row, rows, s.out);
    MatMap<T> grad_v(s.out, rows, e);
    for (int64_t i = 0; i < rows; ++i) {
      ConstMatMap<T> g(g_prefix + (r0 + i) * de, d, e);
      grad_v.row(i).noalias() = k.row(i) * g;
    }
    host::store_rows(io.dv, bh, row, rows, s.out);
  }
  if (p.state_in) {
    // dS_in = lambda G_0; an empty sequence passes dS_out (already in s.state) straight through.
    MatMap<T> ds_in(s.state, d, e);
    if (n > 0) ds_in = lambda * ConstMatMap<T>(g_prefix, d, e);
    host::store_head(io.dstate_in, span.state_bh, s.state);
  }
}

// Allocated first, before any input is read, so a size that does not fit fails with nothing done.
Buffer allocate_prefix(const Problem& p, Workspace& ws) {
  const double bytes = prefix_bytes(p);
  if (bytes > 1e18)  // beyond any machine, and beyond what size_t arithmetic below may hold
    throw OutOfMemoryError("the per-token KV prefix would need " + std::to_string(bytes / (1u << 30)) + " GiB");
  return ws.allocate(static_cast<size_t>(bytes));
}

template <class T>
std::unique_ptr<Saved> run_forward(const Problem& p, const ForwardIO& io, Workspace& ws) {
  auto saved = std::make_unique<PrefixSaved>();
  saved->prefix = allocate_prefix(p, ws);
  const Buffer& prefix = saved->prefix;
  host::run_per_head(
      p.sequences() * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p); },
      [&](const Scratch<T>& s, int64_t task) {
        const HeadSpan span = host::span_of(p, task);
        forward_head(p, io, span, span_prefix<T>(prefix, p, span), s);
      });
  return saved;
}

template <class T>
void run_backward(const Problem& p, const BackwardIO& io, const Buffer& kv_prefix, Workspace& ws) {
  Buffer g_prefix = allocate_prefix(p, ws);
  host::run_per_head(
      p.sequences() * p.heads, ws, [&](host::Bump& b) { return Scratch<T>::carve(b, p); },
      [&](const Scratch<T>& s, int64_t task) {
        const HeadSpan span = host::span_of(p, task);
        backward_head(p, io, span, span_prefix<T>(kv_prefix, p, span), span_prefix<T>(g_prefix, p, span), s);
      });
}

class NaiveCumsumCpu : public Implementation {
 public:
  const ImplInfo& info() const override {
    static const ImplInfo i = [] {
      ImplInfo in = host::cpu_impl_info(
          "cumsum_cpu",
          "naive recurrent linear attention on the CPU: materialises the per-token KV prefix (n d e memory)",
          Function::linear_decay, /*state=*/true);
      in.support.packed = true;  // each (sequence, head) is a task over its own rows of the prefix
      in.support.state_in_place = true;  // a task reads its initial state before it writes its final one
      return in;
    }();
    return i;
  }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = Implementation::unsupported(p)) return why;
    // The forward's prefix must fit beside what the machine has free, with the same margin the CPU
    // backend keeps when it allocates (an eighth); the backward needs a second one of the same size.
    const double need = prefix_bytes(p);
    const Backend* cpu = backend_for(DeviceKind::cpu);
    const double available = cpu ? static_cast<double>(cpu->free_memory()) : 0.0;
    if (available > 0 && need > available - available / 8) {
      return "needs " + format_bytes(static_cast<size_t>(std::min(need, 1e19))) +
             " for the per-token KV prefix (b*h*n*d*e*" + std::to_string(compute_bytes(p.dtype)) + " bytes = " +
             std::to_string(p.batch) + "*" + std::to_string(p.heads) + "*" + std::to_string(p.seqlen) + "*" +
             std::to_string(p.dim_qk) + "*" + std::to_string(p.dim_v) + "*" + std::to_string(compute_bytes(p.dtype)) +
             "), " + format_bytes(static_cast<size_t>(available)) + " available";
    }
    return std::nullopt;
  }

  // math.md's recurrence per token: the state update 2de and the read-out 2de (block size 1).
  Work work(const Problem& p) const override { return linear_block_work(p, 1); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    if (p.dtype == DType::f64) return run_forward<double>(p, io, ws);
    return run_forward<float>(p, io, ws);
  }

  void backward(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) override {
    auto* prefix = dynamic_cast<PrefixSaved*>(saved);
    if (!prefix) throw std::logic_error("cumsum_cpu backward needs the Saved its forward returned");
    if (p.dtype == DType::f64) run_backward<double>(p, io, prefix->prefix, ws);
    else run_backward<float>(p, io, prefix->prefix, ws);
  }
};

}  // namespace

LASUITE_REGISTER(cumsum_cpu, [] { return std::make_unique<NaiveCumsumCpu>(); });

}  // namespace lasuite
