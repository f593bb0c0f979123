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

  double effective_scale() const;
  double slope(int64_t head) const { return slopes.empty() ? 0.0 : slopes[static_cast<size_t>(head)]; }
  bool has_decay() const;
  // "b1 h32 n4096 d128 e128 bf16" style, used in table rows and error messages.
  std::string describe() const;
};

// ALiBi-style slopes (math.md): the recipe used by TransNormerLLM and the public LA-2 benchmark.
std::vector<double> alibi_slopes(int64_t heads);

}  // namespace lasuite
