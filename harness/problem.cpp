#include "harness/problem.h"

#include <cmath>
#include <sstream>

namespace lasuite {

const char* function_name(Function f) { return f == Function::softmax ? "softmax" : "linear_decay"; }

double Problem::effective_scale() const {
  if (scale) return *scale;
  return function == Function::softmax ? 1.0 / std::sqrt(static_cast<double>(dim_qk)) : 1.0;
}

bool Problem::has_decay() const {
  for (double s : slopes)
    if (s != 0.0) return true;
  return false;
}

std::string Problem::describe() const {
  std::ostringstream os;
  os << "b" << batch << " h" << heads << " n" << seqlen << " d" << dim_qk << " e" << dim_v << " "
     << dtype_name(dtype);
  return os.str();
}

namespace {
std::vector<double> power_of_two_slopes(int64_t n) {
  double start = std::pow(2.0, -std::pow(2.0, -(std::log2(static_cast<double>(n)) - 3.0)));
  std::vector<double> s(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) s[static_cast<size_t>(i)] = std::pow(start, static_cast<double>(i + 1));
  return s;
}
}  // namespace

std::vector<double> alibi_slopes(int64_t h) {
  if (h <= 0) return {};
  int64_t c = 1;
  while (c * 2 <= h) c *= 2;
  std::vector<double> s = power_of_two_slopes(c);
  if (c == h) return s;
  std::vector<double> twice = power_of_two_slopes(2 * c);
  for (size_t i = 0; i < twice.size() && static_cast<int64_t>(s.size()) < h; i += 2) s.push_back(twice[i]);
  return s;
}

}  // namespace lasuite
