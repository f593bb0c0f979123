// One attention problem: the shapes, the element type and the function's parameters.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/dtype.h"

namespace lasuite {

// Which mathematical function an implementation computes (shared/design/math.md); verification
// compares against the float64 reference of the same function.
enum class Function { linear_decay, softmax };
const char* function_name(Function f);

struct Problem {
  int64_t batch = 1;
  int64_t heads = 1;
  int64_t seqlen = 1;
  int64_t dim_qk = 64;  // d
  int64_t dim_v = 64;   // e
  DType dtype = DType::f32;
  Function function = Function::linear_decay;
  // Linear attention: per-head decay slope s >= 0, lambda = exp(-s); empty means no decay (all 0).
  std::vector<double> slopes;
  // Multiplies Q. Unset: 1 for linear attention, 1/sqrt(d) for softmax.
  std::optional<double> scale;
  // Linear attention only: an initial state [b, h, d, e] (fp32) in, and the final state out.
  bool state_in = false;
  bool state_out = false;
  // A packed batch of variable-length sequences: cu_seqlens[i] .. cu_seqlens[i+1] are sequence i's rows,
  // N + 1 entries from 0 to seqlen (the total), non-decreasing (zero-length sequences allowed); the
  // tensors are [1, h, seqlen, .] with the sequences back to back, the states [N, h, d, e]. Empty: the
  // dense batch of `batch` sequences of `seqlen` each.
  std::vector<int64_t> cu_seqlens;
  // Softmax decoding against a KV cache: k and v hold `context` cached tokens ahead of the seqlen new
  // ones ([b, h, context + seqlen, .]); q and o are the new tokens only, query t seeing the keys up to
  // context + t. 0: the keys are the queries' own rows. Forward only.
  int64_t context = 0;

  double effective_scale() const;
  int64_t kv_rows() const { return context + seqlen; }
  bool packed() const { return !cu_seqlens.empty(); }
  // Sequences (N packed, else batch): the states' leading dim.
  int64_t sequences() const { return packed() ? static_cast<int64_t>(cu_seqlens.size()) - 1 : batch; }
  int64_t sequence_begin(int64_t i) const { return packed() ? cu_seqlens[static_cast<size_t>(i)] : 0; }
  int64_t sequence_length(int64_t i) const {
    return packed() ? cu_seqlens[static_cast<size_t>(i) + 1] - cu_seqlens[static_cast<size_t>(i)] : seqlen;
  }
  double slope(int64_t head) const { return slopes.empty() ? 0.0 : slopes[static_cast<size_t>(head)]; }
  bool has_decay() const;
  // "b1 h32 n4096 d128 e128 bf16" style, used in table rows and error messages.
  std::string describe() const;
};

// What is wrong with a problem's cu_seqlens (not starting at 0, decreasing, not ending at seqlen, a
// packed problem with batch != 1, no sequence), or nullopt when it is well formed (or absent).
std::optional<std::string> cu_seqlens_problem(const Problem& p);

// ALiBi-style slopes (math.md): the recipe used by TransNormerLLM and the public LA-2 benchmark.
std::vector<double> alibi_slopes(int64_t heads);

}  // namespace lasuite
