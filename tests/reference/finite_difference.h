// Test helpers for the reference's gradient checks: seeded random matrices and central differences.
#pragma once
#include <cstdint>
#include <functional>
#include <random>

#include "reference/matrix.h"

namespace lasuite::reference::testing {

inline Mat random_matrix(int64_t rows, int64_t cols, std::mt19937_64& rng) {
  std::normal_distribution<double> nd;
  Mat m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = nd(rng);
  return m;
}

// d loss / d x by central differences, every element of x in turn (x is restored).
inline Mat numeric_gradient(Mat& x, const std::function<double()>& loss, double h = 1e-5) {
  Mat g(x.rows(), x.cols());
  for (int64_t i = 0; i < x.size(); ++i) {
    const double saved = x.data()[i];
    x.data()[i] = saved + h;
    const double up = loss();
    x.data()[i] = saved - h;
    const double down = loss();
    x.data()[i] = saved;
    g.data()[i] = (up - down) / (2 * h);
  }
  return g;
}

// ||a - b||_F / ||b||_F.
inline double relative_error(const Mat& a, const Mat& b) { return (a - b).norm() / b.norm(); }

// <A, B>, the Frobenius inner product (losses are <O, R> with a random cotangent R).
inline double inner(const Mat& a, const Mat& b) { return a.cwiseProduct(b).sum(); }

}  // namespace lasuite::reference::testing
