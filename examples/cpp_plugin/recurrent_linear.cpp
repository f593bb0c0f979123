// An implementation that lives outside lasuite, loaded with `lasuite --plugin`: causal linear attention
// with per-head decay (lasuite's function, shared/design/math.md) as its recurrence, on the CPU, in
// f32 and f64, forward and backward, with the initial and final state.
//   forward:  S <- lambda S + k_t^T v_t,  o_t = scale q_t S            (S starts at S_in, ends as S_out)
//   backward: dq_t = scale do_t S_t^T (S_t again, forward order); then, from the last row back,
//             G <- scale q_t^T do_t + lambda G (G starts at dS_out), dk_t = G v_t, dv_t = G^T k_t,
//             dS_in = lambda G.
#include <cmath>
#include <memory>
#include <vector>

#include "harness/plugin_api.h"

namespace {

using lasuite::BackwardIO;
using lasuite::DType;
using lasuite::ForwardIO;
using lasuite::Problem;

class RecurrentLinear : public lasuite::Implementation {
 public:
  RecurrentLinear() {
    info_.name = "recurrent_linear";
    info_.description = "example plugin: linear attention with decay as a recurrence (CPU, f32/f64)";
    info_.device = lasuite::DeviceKind::cpu;
    info_.function = lasuite::Function::linear_decay;
    info_.support.dtypes = {DType::f32, DType::f64};
    info_.support.state = true;
  }
  const lasuite::ImplInfo& info() const override { return info_; }

  std::unique_ptr<lasuite::Saved> forward(const Problem& p, const ForwardIO& io, lasuite::Workspace&) override {
    if (p.dtype == DType::f64) run_forward<double>(p, io);
    else run_forward<float>(p, io);
    return nullptr;
  }
  void backward(const Problem& p, const BackwardIO& io, lasuite::Saved*, lasuite::Workspace&) override {
    if (p.dtype == DType::f64) run_backward<double>(p, io);
    else run_backward<float>(p, io);
  }

 private:
  lasuite::ImplInfo info_;

  struct Head {
    int64_t n, d, e, bh;
    double lambda, scale;
  };
  static Head head(const Problem& p, const lasuite::TensorView& slopes, int64_t bh) {
    const double slope = slopes.as<const float>()[bh % p.heads];
    return {p.seqlen, p.dim_qk, p.dim_v, bh, std::exp(-slope), p.effective_scale()};
  }

  // S_in of head bh, or zero without one.
  static std::vector<double> initial_state(const Problem& p, const lasuite::TensorView& state_in, const Head& h) {
    std::vector<double> s(h.d * h.e, 0.0);
    if (p.state_in)
      for (int64_t i = 0; i < h.d * h.e; ++i) s[i] = state_in.as<const float>()[h.bh * h.d * h.e + i];
    return s;
  }
  // S <- carry S + k_t^T v_t
  template <class T>
  static void advance(std::vector<double>& s, const Head& h, double carry, const T* k_t, const T* v_t) {
    for (int64_t i = 0; i < h.d; ++i)
      for (int64_t j = 0; j < h.e; ++j) s[i * h.e + j] = carry * s[i * h.e + j] + double(k_t[i]) * v_t[j];
  }

  template <class T>
  static void run_forward(const Problem& p, const ForwardIO& io) {
    for (int64_t bh = 0; bh < p.batch * p.heads; ++bh) {
      const Head h = head(p, io.slopes, bh);
      const T* q = io.q.as<const T>() + bh * h.n * h.d;
      const T* k = io.k.as<const T>() + bh * h.n * h.d;
      const T* v = io.v.as<const T>() + bh * h.n * h.e;
      T* o = io.o.as<T>() + bh * h.n * h.e;
      std::vector<double> s = initial_state(p, io.state_in, h);
      const double carry = h.lambda;  // the decay the state carries from one row to the next
      for (int64_t t = 0; t < h.n; ++t) {
        advance(s, h, carry, k + t * h.d, v + t * h.e);
        for (int64_t j = 0; j < h.e; ++j) {
          double acc = 0;
          for (int64_t i = 0; i < h.d; ++i) acc += double(q[t * h.d + i]) * s[i * h.e + j];
          o[t * h.e + j] = static_cast<T>(h.scale * acc);
        }
      }
      if (p.state_out)
        for (int64_t i = 0; i < h.d * h.e; ++i) io.state_out.as<float>()[bh * h.d * h.e + i] = static_cast<float>(s[i]);
    }
  }

  template <class T>
  static void run_backward(const Problem& p, const BackwardIO& io) {
    for (int64_t bh = 0; bh < p.batch * p.heads; ++bh) {
      const Head h = head(p, io.slopes, bh);
      const T* q = io.q.as<const T>() + bh * h.n * h.d;
      const T* k = io.k.as<const T>() + bh * h.n * h.d;
      const T* v = io.v.as<const T>() + bh * h.n * h.e;
      const T* dout = io.dout.as<const T>() + bh * h.n * h.e;
      T* dq = io.dq.as<T>() + bh * h.n * h.d;
      T* dk = io.dk.as<T>() + bh * h.n * h.d;
      T* dv = io.dv.as<T>() + bh * h.n * h.e;
      const double carry = h.lambda;
      std::vector<double> s = initial_state(p, io.state_in, h);  // S_t again, for dq
      for (int64_t t = 0; t < h.n; ++t) {
        advance(s, h, carry, k + t * h.d, v + t * h.e);
        for (int64_t i = 0; i < h.d; ++i) {
          double acc = 0;
          for (int64_t j = 0; j < h.e; ++j) acc += double(dout[t * h.e + j]) * s[i * h.e + j];
          dq[t * h.d + i] = static_cast<T>(h.scale * acc);
        }
      }
      std::vector<double> g(h.d * h.e, 0.0);  // G_t: what S_t's value is worth to the loss
      if (p.state_out)
        for (int64_t i = 0; i < h.d * h.e; ++i) g[i] = io.dstate_out.as<const float>()[bh * h.d * h.e + i];
      for (int64_t t = h.n - 1; t >= 0; --t) {
        for (int64_t i = 0; i < h.d; ++i)
          for (int64_t j = 0; j < h.e; ++j)
            g[i * h.e + j] = (t == h.n - 1 ? 1.0 : carry) * g[i * h.e + j] + h.scale * double(q[t * h.d + i]) * dout[t * h.e + j];
        for (int64_t i = 0; i < h.d; ++i) {
          double acc = 0;
          for (int64_t j = 0; j < h.e; ++j) acc += g[i * h.e + j] * double(v[t * h.e + j]);
          dk[t * h.d + i] = static_cast<T>(acc);
        }
        for (int64_t j = 0; j < h.e; ++j) {
          double acc = 0;
          for (int64_t i = 0; i < h.d; ++i) acc += g[i * h.e + j] * double(k[t * h.d + i]);
          dv[t * h.e + j] = static_cast<T>(acc);
        }
      }
      if (p.state_in)
        for (int64_t i = 0; i < h.d * h.e; ++i)
          io.dstate_in.as<float>()[bh * h.d * h.e + i] = static_cast<float>((h.n > 0 ? carry : 1.0) * g[i]);
    }
  }
};

void register_example(lasuite::PluginRegistrar& r) {
  r.add("recurrent_linear", [] { return std::make_unique<RecurrentLinear>(); });
}

}  // namespace

LASUITE_PLUGIN(register_example)
