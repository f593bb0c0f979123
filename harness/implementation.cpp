#include "harness/implementation.h"

#include <algorithm>
#include <sstream>

#include "harness/errors.h"

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

void Implementation::set_option(const std::string& key, const std::string&) {
  throw UsageError(info().name + " has no option '" + key + "'");
}

std::optional<std::string> Implementation::unsupported(const Problem& p) const {
  const ImplInfo& in = info();
  const Support& s = in.support;
  if (p.function != in.function)
    return std::string("computes ") + function_name(in.function) + ", not " + function_name(p.function);
  if (auto bad = cu_seqlens_problem(p)) return *bad;
  if (!s.packed && p.packed()) return "packed variable-length batches (cu_seqlens) not supported";
  if (p.context < 0) return "a negative KV cache length";
  if (p.context > 0 && !s.kv_cache) return "a KV cache (softmax decoding) not supported";
  if (p.context > 0 && p.packed()) return "a KV cache with a packed batch is not defined";
  if (std::find(s.dtypes.begin(), s.dtypes.end(), p.dtype) == s.dtypes.end())
    return std::string("dtype ") + dtype_name(p.dtype) + " not supported";
  if (!allowed(s.dims_qk, p.dim_qk))
    return "head dim d=" + std::to_string(p.dim_qk) + " not supported (supports " + join(s.dims_qk) + ")";
  if (!allowed(s.dims_v, p.dim_v))
    return "value dim e=" + std::to_string(p.dim_v) + " not supported (supports " + join(s.dims_v) + ")";
  if (s.max_dim > 0 && (p.dim_qk > s.max_dim || p.dim_v > s.max_dim))
    return "head dims above " + std::to_string(s.max_dim);
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

namespace lasuite {

namespace {
double elem_bytes(const Problem& p) { return static_cast<double>(dtype_size(p.dtype)); }
double tokens_heads(const Problem& p) { return static_cast<double>(p.batch * p.heads * p.seqlen); }
// Forward reads q, k, v and writes o; backward reads q, k, v, do and writes dq, dk, dv.
// With a state, the forward also reads S_in and writes S_out (fp32, d x e per sequence and head), and
// the backward reads S_in and dS_out and writes dS_in: a decode step's bytes are mostly these.
void set_min_bytes(const Problem& p, Work& w) {
  double d = static_cast<double>(p.dim_qk), e = static_cast<double>(p.dim_v);
  const double state = static_cast<double>(p.sequences() * p.heads) * d * e * 4;
  w.fwd_bytes = tokens_heads(p) * elem_bytes(p) * (2 * d + 2 * e) + state * (p.state_in + p.state_out);
  w.bwd_bytes = tokens_heads(p) * elem_bytes(p) * (4 * d + 3 * e) + state * (2 * p.state_in + p.state_out);
}
}  // namespace

Work linear_block_work(const Problem& p, int64_t block) {
  double d = static_cast<double>(p.dim_qk), e = static_cast<double>(p.dim_v), B = static_cast<double>(block);
  Work w;
  // math.md: intra 2Bd + 2Be, inter 2de, state update 2de per token and head; backward about twice.
  w.fwd_flops = tokens_heads(p) * (2 * B * d + 2 * B * e + 4 * d * e);
  w.bwd_flops = 2 * w.fwd_flops;
  set_min_bytes(p, w);
  return w;
}

Work linear_quadratic_work(const Problem& p) {
  double d = static_cast<double>(p.dim_qk), e = static_cast<double>(p.dim_v), n = static_cast<double>(p.seqlen);
  Work w;
  // Causal half of Q K^T and of P V: on average n/2 keys per query, 2 FLOPs per multiply-add.
  w.fwd_flops = static_cast<double>(p.batch * p.heads) * n * n * (d + e);
  w.bwd_flops = 2 * w.fwd_flops;
  set_min_bytes(p, w);
  return w;
}

Work softmax_causal_work(const Problem& p) {
  // The same count as the causal left product: n (d + e) FLOPs per token on average (2 per
  // multiply-add over half of the n x n products; the exponentials are not counted). math.md's
  // "2·n·(d + e) ... (half of the n x n products)" is the full products' count.
  Work w = linear_quadratic_work(p);
  if (p.context > 0) {
    // A decode step against a cache of c tokens: query t meets c + t + 1 keys, and the step reads the
    // whole cache (k and v of c + T rows) besides q and o.
    const double d = static_cast<double>(p.dim_qk), e = static_cast<double>(p.dim_v);
    const double T = static_cast<double>(p.seqlen), c = static_cast<double>(p.context);
    const double bh = static_cast<double>(p.batch * p.heads);
    w.fwd_flops = bh * (d + e) * (2 * T * c + T * T);
    w.fwd_bytes = bh * elem_bytes(p) * (T * (d + e) + (c + T) * (d + e));
  }
  return w;
}

Work Implementation::work(const Problem& p) const {
  return p.function == Function::softmax ? softmax_causal_work(p) : linear_block_work(p, 64);
}

}  // namespace lasuite
