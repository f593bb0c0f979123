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
  // ||x - ref||_F / ||ref||_F of the worst compared (batch, head) slice, so that one wrong head (say
  // the one with a large slope, whose outputs are small) cannot hide among right ones.
  double rel_frobenius = 0;
  double max_abs = 0;    // over the compared heads
  double tolerance = 0;  // on rel_frobenius
  // The same error over each block of 64 rows of a slice (the whole slice for a state), the worst block: at 128k
  // rows a few wholly wrong rows move a slice's norm by less than its tolerance, and a block's by about 1. Its
  // bar is kRowsToleranceFactor times the slice's, far above rounding's.
  double worst_rows_rel = 0;
  double rows_tolerance = 0;
  bool pass = false;     // rel_frobenius <= tolerance, worst_rows_rel <= rows_tolerance, every element finite
  int64_t non_finite = 0;  // NaN/inf elements over the WHOLE tensor, compared heads or not (poison left)
  int64_t worst_batch = -1, worst_head = -1;  // where rel_frobenius was found
};

// One compared slice's squared error, squared reference norm and largest absolute difference (NaN once
// any difference is NaN), over `count` values; and the worst relative error of its blocks of `block` values
// (a block of rows; 0: the whole slice is one block).
struct SliceError {
  double err2 = 0, ref2 = 0, max_abs = 0, worst_block_rel = 0;
};
SliceError slice_error(const double* got, const double* ref, size_t count, size_t block = 0);

// TensorCheck::rows_tolerance over TensorCheck::tolerance: a block of 64 rows holding one wholly wrong row is about
// 1/8 off, rounding about the slice's own error.
inline constexpr double kRowsToleranceFactor = 10;
// Sets a check's rows_tolerance and pass from what add_slice folded in and its non_finite count.
void finish_check(TensorCheck& check);
// Folds a slice (batch or sequence b, head h) into a check: its relative Frobenius error (absolute
// where the reference is all zero) replaces the check's when worse, and a NaN, once found, stays.
void add_slice(TensorCheck& check, const SliceError& s, int64_t b, int64_t h);

enum class CaseStatus { pass, fail, skipped, error };

// A pass's reason where its implementation has no backward: O (and S_out) checked, no gradient.
inline constexpr const char* kForwardOnlyNote = "forward only: the implementation has no backward";
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

// The verify defaults (n = 1, 63, 64, 65, 1000, 4096; d, e in {16, 32, 33, 64, 72, 96, 100, 128, 192, 256};
// e != d; batch > 1;
// a non-power-of-two head count; no decay, ALiBi slopes, a large slope; a state in/out case),
// in the given dtype. Every implementation skips what it does not support.
std::vector<VerifyCase> default_cases(DType dtype);

// Packed variable-length batches (Problem::cu_seqlens): lengths around one block, a mixed list with an
// empty sequence, empty ones in the middle; with and without states and decay. Each sequence of each
// head is compared with the reference run on it alone. Implementations without packed support skip them.
std::vector<VerifyCase> packed_cases(DType dtype);
// A packed batch of the given lengths (verify --packed), ALiBi slopes or none, with or without states.
VerifyCase packed_case(const std::vector<int64_t>& lengths, int64_t heads, int64_t dim_qk, int64_t dim_v, DType dtype,
                       bool decay, bool state);

// Long-sequence cases (e.g. n = 16k, 128k) at a given shape, comparing a few sampled heads.
VerifyCase long_case(int64_t seqlen, int64_t batch, int64_t heads, int64_t dim_qk, int64_t dim_v, DType dtype,
                     bool decay, bool state, int sampled_heads);

// Runs one case: seeded random inputs (never zeros), outputs poisoned with NaN bytes before each run,
// the implementation on its own device, the float64 reference on the same (rounded) inputs.
CaseResult verify_case(Implementation& impl, const VerifyCase& c, uint64_t seed);

// The case as its result row names it when `info`'s implementation runs it (or would have: a case not run):
// the implementation's function, no slopes for softmax, gradients checked only where it has a backward.
VerifyCase row_case(const ImplInfo& info, VerifyCase c);

// A case's skip reason when its implementation's device cannot run here ("no cuda: ..."), "" when it can.
std::string device_skip_reason(DeviceKind kind);

// A case's outcome when running it threw, with the reason (call inside a catch, after unsupported() accepted the
// case): no memory (device or host) is a skip, and a refusal (UnsupportedError) a skip that says it came while
// running; anything else an error.
std::pair<CaseStatus, std::string> thrown_case_outcome();

// Relative-Frobenius tolerance per dtype, one place for all (explained in the README).
double tolerance_for(DType dtype);
// The bar for the fp32 state tensors (S_out, dS_in) of a problem in dtype: tolerance_for(dtype),
// except that f64 problems still store their states in fp32, so their bar is fp32 storage rounding.
double state_tolerance_for(DType dtype);

}  // namespace lasuite
