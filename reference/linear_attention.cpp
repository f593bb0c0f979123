#include "reference/linear_attention.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace lasuite::reference {
namespace {

// lambda^k as exp(-s k) from the integer k (math.md): exact to rounding for every k, where repeated
// multiplication would accumulate k roundings.
double decay_power(double slope, int64_t k) { return std::exp(-slope * static_cast<double>(k)); }

// [lambda^(first), lambda^(first + step), ...], n entries, as a column vector.
Vec decay_powers(double slope, int64_t n, int64_t first, int64_t step) {
  Vec p(n);
  for (int64_t i = 0; i < n; ++i) p(i) = decay_power(slope, first + step * i);
  return p;
}

// M[t][u] = lambda^(t-u) for t >= u, else 0.
Mat causal_decay_mask(int64_t n, double slope) {
  Mat m = Mat::Zero(n, n);
  for (int64_t t = 0; t < n; ++t)
    for (int64_t u = 0; u <= t; ++u) m(t, u) = decay_power(slope, t - u);
  return m;
}

void check_shapes(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* state_in, const MatRef* dout,
                  const Mat* dstate_out, const LinearParams& params) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("reference linear attention: " + what); };
  const int64_t n = q.rows(), d = q.cols(), e = v.cols();
  if (n < 1 || d < 1 || e < 1) fail("empty q or v");
  if (k.rows() != n || k.cols() != d) fail("k must be n x d like q");
  if (v.rows() != n) fail("v must have n rows");
  if (state_in && (state_in->rows() != d || state_in->cols() != e)) fail("state_in must be d x e");
  if (dout && (dout->rows() != n || dout->cols() != e)) fail("dout must be n x e");
  if (dstate_out && (dstate_out->rows() != d || dstate_out->cols() != e)) fail("dstate_out must be d x e");
  if (!(params.slope >= 0.0)) fail("slope must be >= 0");
}

LinearOutputs forward_dense(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* s0, double slope,
                            double scale) {
  const int64_t n = q.rows();
  const Mat qs = scale * q;
  const Mat p = (qs * k.transpose()).cwiseProduct(causal_decay_mask(n, slope));
  LinearOutputs out;
  out.o = p * v;
  // k_u^T v_u enters S_n with lambda^(n-1-u).
  out.state_out = k.transpose() * decay_powers(slope, n, n - 1, -1).asDiagonal() * v;
  if (s0) {
    out.o += decay_powers(slope, n, 1, 1).asDiagonal() * (qs * *s0);
    out.state_out += decay_power(slope, n) * *s0;
  }
  return out;
}

LinearOutputs forward_recurrent(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* s0, double slope,
                                double scale) {
  const int64_t n = q.rows(), d = q.cols(), e = v.cols();
  // The recurrence multiplies the state by lambda once per token; that is the form itself. Its
  // rounding grows like n * 1e-16 (about 1e-11 at 128k tokens), far below every tolerance, and
  // the tests cross-check it against the dense form, which takes powers directly.
  const double lambda = std::exp(-slope);
  Mat kv = s0 ? *s0 : Mat::Zero(d, e);
  LinearOutputs out;
  out.o.resize(n, e);
  for (int64_t t = 0; t < n; ++t) {
    kv *= lambda;
    kv.noalias() += k.row(t).transpose() * v.row(t);
    out.o.row(t).noalias() = scale * q.row(t) * kv;
  }
  out.state_out = kv;
  return out;
}

LinearGradients backward_dense(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* s0, const MatRef& dout,
                               const Mat* ds_n, double slope, double scale) {
  const int64_t n = q.rows();
  const Mat mask = causal_decay_mask(n, slope);
  const Mat qs = scale * q;
  const Mat p = (qs * k.transpose()).cwiseProduct(mask);   // O = P V (+ the S0 term)
  const Mat a = (dout * v.transpose()).cwiseProduct(mask);  // dL/d(Q K^T) before the scale
  const Vec to_end = decay_powers(slope, n, n - 1, -1);     // lambda^(n-1-u): row u's weight in S_n
  const Vec from_start = decay_powers(slope, n, 1, 1);      // lambda^(t+1): S0's weight in o_t

  LinearGradients g;
  g.dq = scale * (a * k);
  g.dk = a.transpose() * qs;
  g.dv = p.transpose() * dout;
  g.dstate_in = qs.transpose() * from_start.asDiagonal() * dout;
  if (s0) g.dq += scale * (from_start.asDiagonal() * (dout * s0->transpose()));
  if (ds_n) {
    g.dk += to_end.asDiagonal() * (v * ds_n->transpose());
    g.dv += to_end.asDiagonal() * (k * *ds_n);
    g.dstate_in += decay_power(slope, n) * *ds_n;
  }
  return g;
}

LinearGradients backward_recurrent(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* s0,
                                   const MatRef& dout, const Mat* ds_n, double slope, double scale) {
  const int64_t n = q.rows(), d = q.cols(), e = v.cols();
  const double lambda = std::exp(-slope);
  LinearGradients g;
  g.dq.resize(n, d);
  g.dk.resize(n, d);
  g.dv.resize(n, e);

  // dQ: o_t = scale q_t KV_t, so dq_t = scale do_t KV_t^T, with the same KV_t as the forward.
  Mat kv = s0 ? *s0 : Mat::Zero(d, e);
  for (int64_t t = 0; t < n; ++t) {
    kv *= lambda;
    kv.noalias() += k.row(t).transpose() * v.row(t);
    g.dq.row(t).noalias() = scale * dout.row(t) * kv.transpose();
  }

  // In reverse, G_t = dL/dKV_t = scale q_t^T do_t + lambda G_{t+1}, G_{n-1} starting from dS_n;
  // KV_t receives k_t^T v_t, so dk_t = v_t G_t^T and dv_t = k_t G_t; KV_0 = lambda S0 + ..., so
  // dS0 = lambda G_0.
  Mat grad = ds_n ? *ds_n : Mat::Zero(d, e);
  for (int64_t t = n - 1; t >= 0; --t) {
    if (t < n - 1) grad *= lambda;
    grad.noalias() += scale * q.row(t).transpose() * dout.row(t);
    g.dk.row(t).noalias() = v.row(t) * grad.transpose();
    g.dv.row(t).noalias() = k.row(t) * grad;
  }
  g.dstate_in = lambda * grad;
  return g;
}

}  // namespace

LinearForm resolve_linear_form(LinearForm form, int64_t seqlen) {
  if (form != LinearForm::automatic) return form;
  return seqlen <= kDenseMaxSeqlen ? LinearForm::dense : LinearForm::recurrent;
}

LinearOutputs linear_forward(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* state_in,
                             const LinearParams& params) {
  check_shapes(q, k, v, state_in, nullptr, nullptr, params);
  if (resolve_linear_form(params.form, q.rows()) == LinearForm::dense)
    return forward_dense(q, k, v, state_in, params.slope, params.scale);
  return forward_recurrent(q, k, v, state_in, params.slope, params.scale);
}

LinearGradients linear_backward(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* state_in,
                                const MatRef& dout, const Mat* dstate_out, const LinearParams& params) {
  check_shapes(q, k, v, state_in, &dout, dstate_out, params);
  if (resolve_linear_form(params.form, q.rows()) == LinearForm::dense)
    return backward_dense(q, k, v, state_in, dout, dstate_out, params.slope, params.scale);
  return backward_recurrent(q, k, v, state_in, dout, dstate_out, params.slope, params.scale);
}

}  // namespace lasuite::reference
