// The linear-attention reference against the definition written as loops, against finite
// differences of its own forward, and its dense form against its recurrent form.
#include "reference/linear_attention.h"

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

// o_t = sum_{u<=t} lambda^(t-u) (scale q_t . k_u) v_u + lambda^(t+1) scale q_t S0, term by term.
Mat definition_by_loops(const Mat& q, const Mat& k, const Mat& v, const Mat* s0, double slope, double scale) {
  const int64_t n = q.rows(), d = q.cols(), e = v.cols();
  Mat o = Mat::Zero(n, e);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t u = 0; u <= t; ++u) {
      double dot = 0;
      for (int64_t i = 0; i < d; ++i) dot += scale * q(t, i) * k(u, i);
      for (int64_t j = 0; j < e; ++j) o(t, j) += std::exp(-slope * static_cast<double>(t - u)) * dot * v(u, j);
    }
    if (s0)
      for (int64_t i = 0; i < d; ++i)
        for (int64_t j = 0; j < e; ++j)
          o(t, j) += std::exp(-slope * static_cast<double>(t + 1)) * scale * q(t, i) * (*s0)(i, j);
  }
  return o;
}

struct Config {
  int64_t n;
  double slope;
  double scale;
  bool state_in, state_out;
  LinearForm form;
};

std::string name_of(const Config& c) {
  return "n" + std::to_string(c.n) + " slope " + std::to_string(c.slope) + " scale " + std::to_string(c.scale) +
         (c.state_in ? " S0" : "") + (c.state_out ? " Sn" : "") +
         (c.form == LinearForm::dense ? " dense" : " recurrent");
}

// loss = <O, R1> + <S_n, R2> (the second term only with a state out), as flash-linear-attention's
// tests check state gradients: a random cotangent for every output.
void check_gradients(const Config& c, uint64_t seed) {
  SCOPED_TRACE(name_of(c));
  const int64_t d = 5, e = 3;
  std::mt19937_64 rng(seed);
  Mat q = random_matrix(c.n, d, rng), k = random_matrix(c.n, d, rng), v = random_matrix(c.n, e, rng);
  Mat s0 = random_matrix(d, e, rng);
  const Mat r1 = random_matrix(c.n, e, rng), r2 = random_matrix(d, e, rng);
  const LinearParams params{c.slope, c.scale, c.form};
  const Mat* s0p = c.state_in ? &s0 : nullptr;
  auto loss = [&] {
    LinearOutputs out = linear_forward(q, k, v, s0p, params);
    return inner(out.o, r1) + (c.state_out ? inner(out.state_out, r2) : 0.0);
  };
  const LinearGradients g = linear_backward(q, k, v, s0p, r1, c.state_out ? &r2 : nullptr, params);
  const double tol = 1e-6;
  EXPECT_LT(relative_error(g.dq, numeric_gradient(q, loss)), tol) << "dQ";
  EXPECT_LT(relative_error(g.dk, numeric_gradient(k, loss)), tol) << "dK";
  EXPECT_LT(relative_error(g.dv, numeric_gradient(v, loss)), tol) << "dV";
  if (c.state_in) EXPECT_LT(relative_error(g.dstate_in, numeric_gradient(s0, loss)), tol) << "dS0";
}

TEST(ReferenceLinear, ForwardMatchesTheDefinitionWrittenAsLoops) {
  std::mt19937_64 rng(1);
  const int64_t n = 9, d = 4, e = 6;
  const Mat q = random_matrix(n, d, rng), k = random_matrix(n, d, rng), v = random_matrix(n, e, rng);
  const Mat s0 = random_matrix(d, e, rng);
  for (LinearForm form : {LinearForm::dense, LinearForm::recurrent})
    for (double slope : {0.0, 0.4, 3.0})
      for (const Mat* s : {static_cast<const Mat*>(nullptr), &s0}) {
        SCOPED_TRACE(std::to_string(slope) + (s ? " with S0" : "") + (form == LinearForm::dense ? " dense" : ""));
        const LinearOutputs out = linear_forward(q, k, v, s, {slope, 0.8, form});
        EXPECT_LT(relative_error(out.o, definition_by_loops(q, k, v, s, slope, 0.8)), 1e-14);
      }
}

TEST(ReferenceLinear, FinalStateIsTheDecayedSumOfOuterProducts) {
  std::mt19937_64 rng(2);
  const int64_t n = 7, d = 3, e = 5;
  const Mat q = random_matrix(n, d, rng), k = random_matrix(n, d, rng), v = random_matrix(n, e, rng);
  const Mat s0 = random_matrix(d, e, rng);
  const double slope = 0.6;
  Mat expected = std::exp(-slope * n) * s0;
  for (int64_t u = 0; u < n; ++u) expected += std::exp(-slope * (n - 1 - u)) * k.row(u).transpose() * v.row(u);
  for (LinearForm form : {LinearForm::dense, LinearForm::recurrent})
    EXPECT_LT(relative_error(linear_forward(q, k, v, &s0, {slope, 1.0, form}).state_out, expected), 1e-14);
}

TEST(ReferenceLinear, GradientsMatchFiniteDifferences) {
  uint64_t seed = 10;
  for (LinearForm form : {LinearForm::dense, LinearForm::recurrent})
    for (int64_t n : {7, 20})
      for (double slope : {0.0, 0.35, 4.0})
        for (double scale : {1.0, 0.6}) check_gradients({n, slope, scale, false, false, form}, ++seed);
}

TEST(ReferenceLinear, StateGradientsMatchFiniteDifferences) {
  uint64_t seed = 100;
  for (LinearForm form : {LinearForm::dense, LinearForm::recurrent})
    for (double slope : {0.0, 0.25, 3.0})
      for (int io = 1; io < 4; ++io)  // state in only, state out only, both
        check_gradients({13, slope, 0.7, (io & 1) != 0, (io & 2) != 0, form}, ++seed);
}

// The two forms are separate code: the dense one builds the mask from powers, the recurrent one
// multiplies a state token by token. Agreement to 1e-12 over hundreds of tokens checks both.
TEST(ReferenceLinear, DenseAndRecurrentFormsAgree) {
  const int64_t n = 300, d = 16, e = 12;
  uint64_t seed = 1000;
  for (double slope : {0.0, 0.05, 5.0}) {
    SCOPED_TRACE("slope " + std::to_string(slope));
    std::mt19937_64 rng(++seed);
    const Mat q = random_matrix(n, d, rng), k = random_matrix(n, d, rng), v = random_matrix(n, e, rng);
    const Mat s0 = random_matrix(d, e, rng), dout = random_matrix(n, e, rng), dsn = random_matrix(d, e, rng);
    const LinearParams dense{slope, 0.9, LinearForm::dense}, recurrent{slope, 0.9, LinearForm::recurrent};
    const LinearOutputs a = linear_forward(q, k, v, &s0, dense), b = linear_forward(q, k, v, &s0, recurrent);
    EXPECT_LT(relative_error(b.o, a.o), 1e-12);
    EXPECT_LT(relative_error(b.state_out, a.state_out), 1e-12);
    const LinearGradients ga = linear_backward(q, k, v, &s0, dout, &dsn, dense);
    const LinearGradients gb = linear_backward(q, k, v, &s0, dout, &dsn, recurrent);
    EXPECT_LT(relative_error(gb.dq, ga.dq), 1e-12);
    EXPECT_LT(relative_error(gb.dk, ga.dk), 1e-12);
    EXPECT_LT(relative_error(gb.dv, ga.dv), 1e-12);
    EXPECT_LT(relative_error(gb.dstate_in, ga.dstate_in), 1e-12);
  }
}

TEST(ReferenceLinear, AutomaticFormSwitchesToRecurrentForLongSequences) {
  EXPECT_EQ(resolve_linear_form(LinearForm::automatic, kDenseMaxSeqlen), LinearForm::dense);
  EXPECT_EQ(resolve_linear_form(LinearForm::automatic, kDenseMaxSeqlen + 1), LinearForm::recurrent);
  EXPECT_EQ(resolve_linear_form(LinearForm::recurrent, 5), LinearForm::recurrent);
}

TEST(ReferenceLinear, RefusesMismatchedShapesAndNegativeSlopes) {
  std::mt19937_64 rng(3);
  const Mat q = random_matrix(4, 3, rng), k = random_matrix(4, 2, rng), v = random_matrix(4, 2, rng);
  EXPECT_THROW(linear_forward(q, k, v, nullptr, {}), std::invalid_argument);
  EXPECT_THROW(linear_forward(q, q, v, nullptr, {-0.1, 1.0, LinearForm::dense}), std::invalid_argument);
}

}  // namespace
}  // namespace lasuite::reference
