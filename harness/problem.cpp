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
  os << "b" << batch << " h" << heads << " n" << seqlen;
  if (packed()) os << " (" << sequences() << " packed)";
  if (context > 0) os << " (+" << context << " cached)";
  os << " d" << dim_qk << " e" << dim_v << " " << dtype_name(dtype);
  return os.str();
}

std::optional<std::string> cu_seqlens_problem(const Problem& p) {
  if (!p.packed()) return std::nullopt;
  const std::vector<int64_t>& cu = p.cu_seqlens;
  if (cu.size() < 2) return std::string("cu_seqlens needs at least two entries (0 and the total), has ") +
                            std::to_string(cu.size());
  if (cu.front() != 0) return "cu_seqlens must start at 0, starts at " + std::to_string(cu.front());
  for (size_t i = 1; i < cu.size(); ++i)
    if (cu[i] < cu[i - 1])
      return "cu_seqlens decreases at entry " + std::to_string(i) + " (" + std::to_string(cu[i - 1]) + " then " +
             std::to_string(cu[i]) + ")";
  if (cu.back() != p.seqlen)
    return "cu_seqlens ends at " + std::to_string(cu.back()) + ", the tensors hold " + std::to_string(p.seqlen) +
           " tokens";
  if (p.batch != 1)
    return "a packed batch has batch 1 (its sequences back to back), not " + std::to_string(p.batch);
  return std::nullopt;
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
