// The verify defaults, long-sequence cases and per-dtype tolerances: what "correct" means, in one place.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <string>

#include "harness/verify.h"

namespace lasuite {

const char* case_status_name(CaseStatus s) {
  switch (s) {
    case CaseStatus::pass: return "PASS";
    case CaseStatus::fail: return "FAIL";
    case CaseStatus::skipped: return "SKIP";
    case CaseStatus::error: return "ERROR";
  }
  return "?";
}

// Relative Frobenius error allowed against the float64 reference. The error of a correct
// implementation is the rounding of its inputs and outputs to the dtype (unit roundoff u) times a
// modest growth from the sums of the computation (the reference sees the same rounded inputs, so
// what is left is the output rounding, u, plus accumulation in the dtype or in fp32, about
// sqrt(n) u_acc for random data):
//   f64  1e-10: u = 1.1e-16; even n = 128k sequential sums stay near 1e-12; a wrong formula is O(1).
//   f32  1e-4:  u = 6e-8; fp32 accumulation over 128k terms grows to about 1e-5 in the worst heads.
//   bf16 1e-2:  u = 3.9e-3 (8-bit mantissa): the outputs' own rounding is ~2e-3 relative, and the
//               probabilities/intermediates of the block products are rounded again before the mma.
//   f16  5e-3:  u = 4.9e-4 (11-bit mantissa): tighter than bf16 by the mantissa, with the same
//               re-rounding of intermediates.
// These are the bars of the GPU issue (#3).
double tolerance_for(DType dtype) {
  switch (dtype) {
    case DType::f64: return 1e-10;
    case DType::f32: return 1e-4;
    case DType::bf16: return 1e-2;
    case DType::f16: return 5e-3;
  }
  return 0;
}

// States are fp32 in every dtype. Below f32 their error comes from the dtype's inputs and
// intermediates, so they get the dtype's bar; an f64 problem's state is still rounded to fp32 once
// on the way out (6e-8 relative), which 1e-6 allows while still catching any wrong term.
double state_tolerance_for(DType dtype) { return dtype == DType::f64 ? 1e-6 : tolerance_for(dtype); }

namespace {

enum class Decay { none, alibi, large, mixed };

constexpr double kLargeSlope = 5.0;  // lambda = e^-5: the state forgets within a few tokens

const char* decay_label(Decay d) {
  switch (d) {
    case Decay::none: return "nodecay";
    case Decay::alibi: return "alibi";
    case Decay::large: return "large";
    case Decay::mixed: return "mixed";
  }
  return "?";
}

std::vector<double> slopes_for(Decay d, int64_t heads) {
  switch (d) {
    case Decay::none: return {};
    case Decay::alibi: return alibi_slopes(heads);
    case Decay::large: return std::vector<double>(static_cast<size_t>(heads), kLargeSlope);
    case Decay::mixed: {
      // ALiBi slopes with the first head undecayed and the last one decaying fast: the extremes
      // of one launch side by side.
      std::vector<double> s = alibi_slopes(heads);
      s.front() = 0.0;
      if (heads > 1) s.back() = kLargeSlope;
      return s;
    }
  }
  return {};
}

struct Shape {
  int64_t n, d, e, batch, heads;
  Decay decay;
  bool state = false;
  double scale = 0;  // 0: the function's default
};

std::string label_of(const Shape& s, size_t sampled) {
  std::ostringstream os;
  os << "n" << s.n << "-d" << s.d << "-e" << s.e << "-b" << s.batch << "h" << s.heads << "-" << decay_label(s.decay);
  if (s.state) os << "-state";
  if (s.scale != 0) os << "-scale" << s.scale;
  if (sampled) os << "-sampled" << sampled;
  return os.str();
}

VerifyCase make_case(const Shape& s, DType dtype, std::vector<std::pair<int64_t, int64_t>> sampled = {}) {
  VerifyCase c;
  c.label = label_of(s, sampled.size());
  Problem& p = c.problem;
  p.batch = s.batch;
  p.heads = s.heads;
  p.seqlen = s.n;
  p.dim_qk = s.d;
  p.dim_v = s.e;
  p.dtype = dtype;
  p.slopes = slopes_for(s.decay, s.heads);
  if (s.scale != 0) p.scale = s.scale;
  p.state_in = p.state_out = s.state;
  c.sampled_heads = std::move(sampled);
  return c;
}

// count (batch, head) pairs spread evenly over the flattened batch x heads grid, the first and the
// last always among them (so both extreme slopes are compared). All pairs (empty) when count covers them.
std::vector<std::pair<int64_t, int64_t>> spread_heads(int64_t batch, int64_t heads, int count) {
  const int64_t total = batch * heads;
  if (count <= 0 || count >= total) return {};
  const int64_t k = std::max<int64_t>(2, count);
  std::set<int64_t> flat;
  for (int64_t i = 0; i < k; ++i) flat.insert((i * (total - 1) + (k - 1) / 2) / (k - 1));
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (int64_t f : flat) pairs.emplace_back(f / heads, f % heads);
  return pairs;
}

// A packed batch of these lengths, back to back in one batch entry; labelled with the lengths (or,
// for many, their count and total).
VerifyCase packed_with(const std::vector<int64_t>& lengths, int64_t d, int64_t e, int64_t heads, Decay decay, bool state,
                       DType dtype) {
  std::vector<int64_t> cu = {0};
  std::ostringstream list;
  for (int64_t n : lengths) {
    list << (cu.size() > 1 ? "," : "") << n;
    cu.push_back(cu.back() + n);
  }
  VerifyCase c = make_case(Shape{cu.back(), d, e, 1, heads, decay, state}, dtype);
  c.problem.cu_seqlens = cu;
  const std::string what = lengths.size() <= 8 ? "[" + list.str() + "]" : "-n" + std::to_string(cu.back());
  c.label = "packed" + std::to_string(lengths.size()) + what + "-d" + std::to_string(d) + "-e" + std::to_string(e) +
            "-h" + std::to_string(heads) + "-" + decay_label(decay) + (state ? "-state" : "");
  return c;
}

}  // namespace

std::vector<VerifyCase> default_cases(DType dtype) {
  // Sized for CI: four CPU implementations (two of them quadratic in n) in f32 and f64 on 2 cores in
  // about two minutes. n = 4096 only with b*h <= 2, and d = 128 there once; the larger head dims at
  // short n, or n = 1000 with one head.
  const Shape shapes[] = {
      {1, 32, 32, 1, 1, Decay::none},                  // a single token
      {63, 64, 64, 2, 3, Decay::alibi},                // one short of a 64-token block
      {64, 64, 32, 1, 4, Decay::alibi},                // exactly one block, e != d
      {65, 64, 32, 2, 3, Decay::alibi},                // one past: a one-row last block
      {65, 128, 128, 1, 2, Decay::large},              // d = 128, the state forgets at once
      {63, 32, 32, 1, 2, Decay::alibi, false, 0.5},    // a scale other than the default
      {65, 64, 64, 1, 3, Decay::mixed, true},          // state in and out, with decay
      {1000, 128, 64, 2, 1, Decay::none, true},        // state without decay, many blocks
      {1000, 32, 64, 1, 5, Decay::mixed},              // five heads: not a power of two
      {4096, 64, 64, 1, 2, Decay::alibi},
      {4096, 128, 128, 1, 1, Decay::none},             // the longest with no decay: outputs grow ~sqrt(n)
      // Head dims models use beyond 64 and 128 (issue 16), odd ones and e != d among them: la1 and la2
      // run them (la2 past 128 in value tiles, la1 in head-dim tiles), flash_softmax those with e = d
      // (64, 128 and 256 on its kernels, others padded to them); cuDNN declines them, with the reason.
      {65, 16, 33, 1, 2, Decay::alibi},                // small, and odd
      {65, 72, 96, 1, 2, Decay::none, true},           // with a state
      {63, 100, 100, 1, 1, Decay::mixed},              // not a multiple of 8
      {65, 192, 192, 1, 1, Decay::alibi, true},
      {300, 192, 192, 1, 2, Decay::alibi},             // without a state: flash_softmax runs it too
      {64, 256, 256, 1, 1, Decay::none},               // the largest
      {65, 128, 256, 1, 2, Decay::alibi},              // d = 128, e = 256
      {300, 96, 200, 1, 2, Decay::mixed, true},        // d <= 128 < e with a state: la2's backward in windows of e
      {1000, 96, 96, 1, 1, Decay::alibi, true},        // many blocks at e = 96
      {1000, 192, 96, 1, 1, Decay::mixed},             // many blocks, d = 2e
  };
  std::vector<VerifyCase> cases;
  for (const Shape& s : shapes) cases.push_back(make_case(s, dtype));
  return cases;
}

VerifyCase packed_case(const std::vector<int64_t>& lengths, int64_t heads, int64_t dim_qk, int64_t dim_v, DType dtype,
                       bool decay, bool state) {
  return packed_with(lengths, dim_qk, dim_v, heads, decay ? Decay::alibi : Decay::none, state, dtype);
}

std::vector<VerifyCase> packed_cases(DType dtype) {
  return {
      packed_with({1, 15, 63, 64, 65}, 64, 32, 3, Decay::alibi, false, dtype),          // around one block, e != d
      packed_with({0, 15, 100, 300, 1200, 2000}, 64, 64, 2, Decay::mixed, true, dtype),  // mixed, an empty first one
      packed_with({64, 0, 0, 130}, 128, 64, 1, Decay::none, true, dtype),               // empty ones in the middle
  };
}

VerifyCase long_case(int64_t seqlen, int64_t batch, int64_t heads, int64_t dim_qk, int64_t dim_v, DType dtype,
                     bool decay, bool state, int sampled_heads) {
  const Shape s{seqlen, dim_qk, dim_v, batch, heads, decay ? Decay::alibi : Decay::none, state};
  return make_case(s, dtype, spread_heads(batch, heads, sampled_heads));
}

}  // namespace lasuite
