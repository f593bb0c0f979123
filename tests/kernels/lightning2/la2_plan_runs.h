// What la2's plan tests (la2_plans*_cuda_test.cpp) share: la2 with options set, a forward and backward's outputs
// as bytes checked written, and the comparisons the tests make of two runs' outputs (bit for bit, or the
// forward's bit for bit and the reverse passes' to rounding).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/backend.h"
#include "harness/dtype.h"
#include "harness/inputs.h"
#include "harness/memory.h"
#include "harness/registry.h"
#include "harness/verify.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_plan_options_host.h"
#include "tests/kernels/lightning2/la2_output_bytes.h"
#include "tests/kernels/lightning2/la2_recorded_plans.h"

namespace lasuite::la2_plan_runs {

using Options = std::vector<std::pair<std::string, std::string>>;

inline constexpr uint64_t kSeed = 314159;

inline std::unique_ptr<Implementation> la2_with(const Options& options) {
  auto impl = Registry::instance().create("la2");
  for (const auto& [key, value] : options) impl->set_option(key, value);
  return impl;
}

inline std::string describe(const Options& options) {
  std::string s;
  for (const auto& [key, value] : options) s += (s.empty() ? "" : " ") + key + "=" + value;
  return s.empty() ? "defaults" : s;
}

// The plan options the implementation's options set (the same function La2Cuda::set_option calls).
inline la2::PlanOptions plan_options(const Options& options) {
  la2::PlanOptions o;
  for (const auto& [key, value] : options) la2::set_plan_option(o, key, value);
  return o;
}

inline bool has(const Options& options, const std::string& key, const std::string& value) {
  for (const auto& [k, v] : options)
    if (k == key && v == value) return true;
  return false;
}

inline bool is_hopper(Backend& gpu) { return gpu.info().compute_capability == "9.0"; }

// The fused dK/dV pass beside forward pass `a`, for planning only: reversed, with X and a second output
// at an aligned address (planning reads no tensor, only its alignment).
inline la2::PassArgs fused_pass_to_plan(const la2::PassArgs& a) {
  la2::PassArgs dual = a;
  dual.reverse = true, dual.x = la2::recorded::tensor(5), dual.o2 = la2::recorded::tensor(6);
  return dual;
}

// || x - y || / || y || of two outputs of element type t (NaN where an element of either is NaN: the
// outputs are NaN bytes until written); with `r.rows` (the output as [heads][rows][cols]) over each
// head's rows r.first .. r.last - 1 only.
struct RowRange {
  int64_t rows = 0, cols = 0, first = 0, last = 0;  // rows = 0: every element
};
inline double relative_difference(const std::vector<uint8_t>& x, const std::vector<uint8_t>& y, DType t,
                                  RowRange r = {}) {
  const size_t n = x.size() / dtype_size(t);
  std::vector<double> a(n), b(n);
  convert_to_f64(x.data(), t, a.data(), n);
  convert_to_f64(y.data(), t, b.data(), n);
  if (!r.rows) r = {static_cast<int64_t>(n), 1, 0, static_cast<int64_t>(n)};  // one head, every row
  double err2 = 0, ref2 = 0;
  for (size_t h = 0; h < n / static_cast<size_t>(r.rows * r.cols); ++h) {  // each head's rows first .. last - 1
    const size_t at = (h * r.rows + r.first) * r.cols;
    const SliceError e = slice_error(a.data() + at, b.data() + at, static_cast<size_t>((r.last - r.first) * r.cols));
    err2 += e.err2, ref2 += e.ref2;
  }
  return std::sqrt(err2 / std::max(ref2, 1e-300));
}

// `bytes` of 0xFF (NaN in every float type) allocated, written and freed in stream order: with freed memory
// kept (KeptFreedMemory), the next allocations likely land on it, so a buffer read before it is written or
// zeroed shows.
inline void leave_nan_in_pool(Backend& gpu, size_t bytes) {
  void* p = gpu.raw_allocate(bytes);
  gpu.fill_bytes(p, 0xFF, bytes);
  gpu.raw_free(p);
}

// Every output of one forward and backward, as bytes, each checked written (finite), so that two runs compared bit for
// bit cannot agree on elements neither wrote.
inline test_support::OutputBytes run_once(Backend& gpu, Implementation& impl, const Problem& p) {
  MemoryTracker tracker;
  Workspace ws(gpu, tracker);
  ProblemInputs in = make_inputs(p, ws, DeviceKind::cuda, kSeed, true);
  test_support::OutputBytes out =
      test_support::forward_backward_bytes(gpu, impl, p, in, ws, /*backward_reads_forward=*/true);
  test_support::expect_written(out, p.dtype, std::string(dtype_name(p.dtype)) + " d=" + std::to_string(p.dim_qk) +
                                                 " e=" + std::to_string(p.dim_v) + " n=" + std::to_string(p.seqlen));
  return out;
}

// Two runs whose forward and dQ passes are the same products in the same order and whose reverse passes
// (dK, dV, dS_in) are not: O, S_out and dQ must agree bit for bit, dK and dV to 1e-2 and dS_in to
// state_tol (relative norms; a NaN, an element never written, fails). Returns how many bytes of each
// output differ, for the caller's check that the path under test ran.
inline std::map<std::string, size_t> expect_forward_equal_reverse_close(const test_support::OutputBytes& x,
                                                                        const test_support::OutputBytes& y, DType t,
                                                                        double state_tol, const std::string& what) {
  std::map<std::string, size_t> differ;
  for (const auto& [name, bytes] : x) {
    const std::vector<uint8_t>& other = y.at(name);
    if (bytes.size() != other.size()) {
      ADD_FAILURE() << what << " " << name << ": " << bytes.size() << " bytes against " << other.size();
      continue;
    }
    differ[name] = test_support::bytes_differing(bytes, other);
    if (name == "O" || name == "S_out" || name == "dQ") {
      EXPECT_EQ(differ[name], 0u) << what << " " << name << ": " << differ[name] << " bytes differ";
      continue;
    }
    const bool state = name == "dS_in";
    EXPECT_LT(relative_difference(bytes, other, state ? DType::f32 : t), state ? state_tol : 1e-2)
        << what << " " << name << " (NaN: an element not written)";
  }
  return differ;
}

// Every output of two runs the same bit for bit, and of the same size; `what` names the case.
inline void expect_outputs_bit_identical(const test_support::OutputBytes& x, const test_support::OutputBytes& y,
                                         const std::string& what) {
  for (const auto& [name, bytes] : x) {
    const auto other = y.find(name);
    ASSERT_NE(other, y.end()) << what << " " << name << ": not in the other run";
    ASSERT_EQ(bytes.size(), other->second.size()) << what << " " << name;
    const size_t differ = test_support::bytes_differing(bytes, other->second);
    EXPECT_EQ(differ, 0u) << what << " " << name << ": " << differ << " bytes differ";
  }
}

// Every output of one forward and backward under loads=tma and under loads=cp_async, the plan's other
// options the same in both.
inline std::pair<test_support::OutputBytes, test_support::OutputBytes> run_tma_and_cp_async(Backend& gpu,
                                                                                            const Options& plan,
                                                                                            const Problem& p) {
  Options tma = plan, cp_async = plan;
  tma.push_back({"loads", "tma"});
  cp_async.push_back({"loads", "cp_async"});
  auto impl_tma = la2_with(tma), impl_cp = la2_with(cp_async);
  return {run_once(gpu, *impl_tma, p), run_once(gpu, *impl_cp, p)};
}

// The two-output-warpgroup tests' problem: b2 h5 d = e = 128, 2999 rows (a partial last chunk), ALiBi,
// the final state and, where asked, a start state.
inline Problem two_output_problem(DType t, bool state_in) {
  Problem p;
  p.batch = 2, p.heads = 5, p.seqlen = 2999, p.dim_qk = p.dim_v = 128;
  p.dtype = t;
  p.slopes = alibi_slopes(p.heads);
  p.state_in = state_in;
  p.state_out = true;
  return p;
}

}  // namespace lasuite::la2_plan_runs
