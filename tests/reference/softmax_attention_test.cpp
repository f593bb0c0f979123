// The softmax-attention reference against the definition written as loops and against finite
// differences, including lengths that span several of its row blocks.
#include "reference/softmax_attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "tests/reference/finite_difference.h"

namespace lasuite::reference {
namespace {

using testing::inner;
using testing::numeric_gradient;
using testing::random_matrix;
using testing::relative_error;

// Row by row: p_tu = exp(scale q_t . k_u) / sum_{u'<=t} exp(...), o_t = sum_u p_tu v_u.
SoftmaxOutputs definition_by_loops(const Mat& q, const Mat& k, const Mat& v, double scale) {
  const int64_t n = q.rows(), e = v.cols();
  SoftmaxOutputs out{Mat::Zero(n, e), Vec(n)};
  for (int64_t t = 0; t < n; ++t) {
    Vec logits(t + 1);
    for (int64_t u = 0; u <= t; ++u) logits(u) = scale * q.row(t).dot(k.row(u));
    const double m = logits.maxCoeff();
    double sum = 0;
    for (int64_t u = 0; u <= t; ++u) sum += std::exp(logits(u) - m);
    for (int64_t u = 0; u <= t; ++u) out.o.row(t) += std::exp(logits(u) - m) / sum * v.row(u);
    out.lse(t) = m + std::log(sum);
  }
  return out;
}

TEST(ReferenceSoftmax, ForwardMatchesTheDefinitionAcrossRowBlocks) {
  for (int64_t n : {1, 5, 300, 600}) {  // 300 and 600 span two and three row blocks
    SCOPED_TRACE("n" + std::to_string(n));
    std::mt19937_64 rng(static_cast<uint64_t>(n));
    const Mat q = random_matrix(n, 6, rng), k = random_matrix(n, 6, rng), v = random_matrix(n, 4, rng);
    const double scale = softmax_default_scale(6) * 2.0;  // sharper than default: a harder softmax
    const SoftmaxOutputs got = softmax_forward(q, k, v, scale), want = definition_by_loops(q, k, v, scale);
    EXPECT_LT(relative_error(got.o, want.o), 1e-13);
    EXPECT_LT((got.lse - want.lse).cwiseAbs().maxCoeff(), 1e-12);
  }
}

// From a first row on (a decode step's rows): those rows as the whole forward gives them, the rows
// before left zero, and a first row outside 0..n refused.
TEST(ReferenceSoftmax, ForwardFromARowGivesThoseRowsOnly) {
  std::mt19937_64 rng(77);
  const int64_t n = 600;
  const Mat q = random_matrix(n, 6, rng), k = random_matrix(n, 6, rng), v = random_matrix(n, 4, rng);
  const double scale = softmax_default_scale(6);
  const SoftmaxOutputs all = softmax_forward(q, k, v, scale);
  for (int64_t first : {0, 1, 255, 256, 599, 600}) {
    SCOPED_TRACE("first " + std::to_string(first));
    const SoftmaxOutputs part = softmax_forward(q, k, v, scale, first);
    if (first > 0) EXPECT_EQ(part.o.topRows(first).cwiseAbs().maxCoeff(), 0.0);
    if (first < n) {  // the row blocks start elsewhere: the same sums, perhaps in another order
      EXPECT_LT(relative_error(part.o.bottomRows(n - first), all.o.bottomRows(n - first)), 1e-14);
      EXPECT_LT((part.lse.tail(n - first) - all.lse.tail(n - first)).cwiseAbs().maxCoeff(), 1e-13);
    }
  }
  EXPECT_THROW(softmax_forward(q, k, v, scale, n + 1), std::invalid_argument);
  EXPECT_THROW(softmax_forward(q, k, v, scale, -1), std::invalid_argument);
}

TEST(ReferenceSoftmax, GradientsMatchFiniteDifferences) {
  uint64_t seed = 20;
  for (int64_t n : {1, 7, 20})
    for (double scale : {softmax_default_scale(5), 1.3}) {
      SCOPED_TRACE("n" + std::to_string(n) + " scale " + std::to_string(scale));
      std::mt19937_64 rng(++seed);
      Mat q = random_matrix(n, 5, rng), k = random_matrix(n, 5, rng), v = random_matrix(n, 3, rng);
      const Mat r = random_matrix(n, 3, rng);
      auto loss = [&] { return inner(softmax_forward(q, k, v, scale).o, r); };
      const SoftmaxGradients g = softmax_backward(q, k, v, softmax_forward(q, k, v, scale), r, scale);
      if (n > 1) EXPECT_LT(relative_error(g.dq, numeric_gradient(q, loss)), 1e-6) << "dQ";
      else EXPECT_LT(g.dq.norm(), 1e-14) << "one token: the softmax is constant 1, dQ is zero";
      if (n > 1) EXPECT_LT(relative_error(g.dk, numeric_gradient(k, loss)), 1e-6) << "dK";
      EXPECT_LT(relative_error(g.dv, numeric_gradient(v, loss)), 1e-6) << "dV";
    }
}

// Past one row block, the gradient along a random direction against a central difference: checks
// the blocked accumulation of dK and dV without thousands of forward passes.
TEST(ReferenceSoftmax, DirectionalDerivativeMatchesAcrossRowBlocks) {
  const int64_t n = 520, d = 8, e = 4;
  std::mt19937_64 rng(7);
  const Mat q = random_matrix(n, d, rng), k = random_matrix(n, d, rng), v = random_matrix(n, e, rng);
  const Mat dq = random_matrix(n, d, rng), dk = random_matrix(n, d, rng), dv = random_matrix(n, e, rng);
  const Mat r = random_matrix(n, e, rng);
  const double scale = softmax_default_scale(d), h = 1e-5;
  auto loss_at = [&](double step) {
    return inner(softmax_forward(q + step * dq, k + step * dk, v + step * dv, scale).o, r);
  };
  const double numeric = (loss_at(h) - loss_at(-h)) / (2 * h);
  const SoftmaxGradients g = softmax_backward(q, k, v, softmax_forward(q, k, v, scale), r, scale);
  const double analytic = inner(g.dq, dq) + inner(g.dk, dk) + inner(g.dv, dv);
  EXPECT_NEAR(analytic, numeric, 1e-6 * std::abs(numeric));
}

TEST(ReferenceSoftmax, RefusesMismatchedShapes) {
  std::mt19937_64 rng(4);
  const Mat q = random_matrix(4, 3, rng), k = random_matrix(5, 3, rng), v = random_matrix(4, 2, rng);
  EXPECT_THROW(softmax_forward(q, k, v, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace lasuite::reference
