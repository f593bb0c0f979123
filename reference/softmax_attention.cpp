#include "reference/softmax_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace lasuite::reference {
namespace {

// Rows per block: 256 x 16k doubles is 32 MiB per block matrix, instead of 2 GiB for n x n.
constexpr int64_t kRowBlock = 256;

void check_shapes(const MatRef& q, const MatRef& k, const MatRef& v, const MatRef* dout) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("reference softmax attention: " + what); };
  const int64_t n = q.rows(), d = q.cols(), e = v.cols();
  if (n < 1 || d < 1 || e < 1) fail("empty q or v");
  if (k.rows() != n || k.cols() != d) fail("k must be n x d like q");
  if (v.rows() != n) fail("v must have n rows");
  if (dout && (dout->rows() != n || dout->cols() != e)) fail("dout must be n x e");
}

// Scaled logits of query rows [r0, r0 + rows) against keys [0, r0 + rows), the keys after each
// query set to -inf (the causal mask).
Mat masked_logits(const MatRef& q, const MatRef& k, int64_t r0, int64_t rows, double scale) {
  const int64_t keys = r0 + rows;
  Mat s = scale * (q.middleRows(r0, rows) * k.topRows(keys).transpose());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t u = r0 + i + 1; u < keys; ++u) s(i, u) = -std::numeric_limits<double>::infinity();
  return s;
}

}  // namespace

double softmax_default_scale(int64_t dim_qk) { return 1.0 / std::sqrt(static_cast<double>(dim_qk)); }

SoftmaxOutputs softmax_forward(const MatRef& q, const MatRef& k, const MatRef& v, double scale, int64_t first_row) {
  check_shapes(q, k, v, nullptr);
  const int64_t n = q.rows();
  if (first_row < 0 || first_row > n) throw std::invalid_argument("reference softmax attention: first row outside 0..n");
  SoftmaxOutputs out;
  out.o = Mat::Zero(n, v.cols());
  out.lse = Vec::Zero(n);
  for (int64_t r0 = first_row; r0 < n; r0 += kRowBlock) {
    const int64_t rows = std::min(kRowBlock, n - r0), keys = r0 + rows;
    Mat s = masked_logits(q, k, r0, rows, scale);
    const Vec row_max = s.rowwise().maxCoeff();   // finite: every row sees at least its own key
    Mat p = (s.colwise() - row_max).array().exp().matrix();
    const Vec row_sum = p.rowwise().sum();
    out.o.middleRows(r0, rows).noalias() = row_sum.cwiseInverse().asDiagonal() * (p * v.topRows(keys));
    out.lse.segment(r0, rows) = row_max + row_sum.array().log().matrix();
  }
  return out;
}

SoftmaxGradients softmax_backward(const MatRef& q, const MatRef& k, const MatRef& v, const SoftmaxOutputs& fwd,
                                  const MatRef& dout, double scale) {
  check_shapes(q, k, v, &dout);
  const int64_t n = q.rows();
  if (fwd.o.rows() != n || fwd.o.cols() != v.cols() || fwd.lse.size() != n)
    throw std::invalid_argument("reference softmax attention: forward outputs do not match the inputs");
  SoftmaxGradients g;
  g.dq.resize(n, q.cols());
  g.dk = Mat::Zero(n, k.cols());
  g.dv = Mat::Zero(n, v.cols());
  // D_t = do_t . o_t, the softmax Jacobian's correction term of each row.
  const Vec dsum = dout.cwiseProduct(fwd.o).rowwise().sum();
  for (int64_t r0 = 0; r0 < n; r0 += kRowBlock) {
    const int64_t rows = std::min(kRowBlock, n - r0), keys = r0 + rows;
    Mat s = masked_logits(q, k, r0, rows, scale);
    const Mat p = (s.colwise() - fwd.lse.segment(r0, rows)).array().exp().matrix();  // masked: exp(-inf) = 0
    const Mat dp = dout.middleRows(r0, rows) * v.topRows(keys).transpose();
    const Mat ds = p.cwiseProduct(dp.colwise() - dsum.segment(r0, rows));
    g.dq.middleRows(r0, rows).noalias() = scale * (ds * k.topRows(keys));
    g.dk.topRows(keys).noalias() += scale * (ds.transpose() * q.middleRows(r0, rows));
    g.dv.topRows(keys).noalias() += p.transpose() * dout.middleRows(r0, rows);
  }
  return g;
}

}  // namespace lasuite::reference
