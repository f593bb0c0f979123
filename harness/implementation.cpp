#include "harness/implementation.h"

#include <algorithm>
#include <sstream>

namespace lasuite {

namespace {
bool allowed(const std::vector<int64_t>& list, int64_t v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}
std::string join(const std::vector<int64_t>& v) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os.str();
}
}  // namespace

std::optional<std::string> Implementation::unsupported(const Problem& p) const {
  const ImplInfo& in = info();
  const Support& s = in.support;
  if (p.function != in.function)
    return std::string("computes ") + function_name(in.function) + ", not " + function_name(p.function);
  if (std::find(s.dtypes.begin(), s.dtypes.end(), p.dtype) == s.dtypes.end())
    return std::string("dtype ") + dtype_name(p.dtype) + " not supported";
  if (!allowed(s.dims_qk, p.dim_qk))
    return "head dim d=" + std::to_string(p.dim_qk) + " not supported (supports " + join(s.dims_qk) + ")";
  if (!allowed(s.dims_v, p.dim_v))
    return "value dim e=" + std::to_string(p.dim_v) + " not supported (supports " + join(s.dims_v) + ")";
  if (!s.distinct_v_dim && p.dim_v != p.dim_qk) return "value dim e must equal d";
  if (!s.decay && p.has_decay()) return "decay not supported";
  if (!s.scale && p.scale && *p.scale != p.effective_scale()) return "scale not supported";
  if (!s.state && (p.state_in || p.state_out)) return "initial/final state not supported";
  if (p.batch < 1 || p.heads < 1 || p.seqlen < 1 || p.dim_qk < 1 || p.dim_v < 1) return "empty shape";
  for (double sl : p.slopes)
    if (!(sl >= 0.0)) return "decay slopes must be >= 0";
  if (!p.slopes.empty() && static_cast<int64_t>(p.slopes.size()) != p.heads) return "one slope per head expected";
  return std::nullopt;
}

}  // namespace lasuite
