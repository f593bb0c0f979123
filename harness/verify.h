// Checks an implementation against the float64 reference: O, dQ, dK, dV (and the state tensors when
// the problem has them), by relative Frobenius error and max abs error, against per-dtype tolerances.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness/implementation.h"

namespace lasuite {

struct VerifyCase {
  std::string label;  // short, e.g. "n65-d64-e32-b2h3-alibi"
  Problem problem;
  // (batch, head) pairs compared with the reference; empty means all. Long sequences sample a few.
  std::vector<std::pair<int64_t, int64_t>> sampled_heads;
  bool backward = true;  // also check dQ, dK, dV (and dS0 with a state)
};

struct TensorCheck {
  std::string tensor;  // "O", "dQ", "dK", "dV", "S_out", "dS_in"
  double rel_frobenius = 0;
  double max_abs = 0;
  double tolerance = 0;  // on rel_frobenius
  bool pass = false;     // rel_frobenius <= tolerance and every element finite
};

enum class CaseStatus { pass, fail, skipped, error };
const char* case_status_name(CaseStatus s);

struct CaseResult {
  std::string impl;
  VerifyCase vcase;
  uint64_t seed = 0;
  CaseStatus status = CaseStatus::skipped;
  std::string reason;  // why skipped (unsupported, no device) or the error text
  std::vector<TensorCheck> checks;
  double seconds = 0;
};

// The verify defaults (n = 1, 63, 64, 65, 1000, 4096; d in {32, 64, 128}; e != d; batch > 1;
// a non-power-of-two head count; no decay, ALiBi slopes, a large slope; a state in/out case),
// in the given dtype. Every implementation skips what it does not support.
std::vector<VerifyCase> default_cases(DType dtype);

// Long-sequence cases (e.g. n = 16k, 128k) at a given shape, comparing a few sampled heads.
VerifyCase long_case(int64_t seqlen, int64_t batch, int64_t heads, int64_t dim_qk, int64_t dim_v, DType dtype,
                     bool decay, bool state, int sampled_heads);

// Runs one case: seeded random inputs (never zeros), outputs poisoned with NaN bytes before each run,
// the implementation on its own device, the float64 reference on the same (rounded) inputs.
CaseResult verify_case(Implementation& impl, const VerifyCase& c, uint64_t seed);

// Relative-Frobenius tolerance per dtype, one place for all (explained in the README).
double tolerance_for(DType dtype);

}  // namespace lasuite
