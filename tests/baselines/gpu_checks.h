// Shared pieces of the GPU implementations' tests (la1, flash_softmax, cudnn_sdpa, cumsum_cuda,
// vanilla_cublas): skip with the reason where no GPU is usable, verify a case against the float64
// reference and print every check, build extra cases, and call an implementation with tensors that
// are never dereferenced (for refusals, which must happen before any launch and so need no GPU).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <cctype>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/backend.h"
#include "harness/errors.h"
#include "harness/memory.h"
#include "harness/registry.h"
#include "harness/verify.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace gpu_test {

using test_support::case_name;
using test_support::describe;

constexpr uint64_t kSeed = 271828;

// Which cases an implementation must run, written out in its test apart from its own unsupported(),
// so that narrowing what it supports breaks a test: a case pinned to run that it declines fails, and
// so does one it runs that the pin says it cannot (the pin is then out of date). A supported case must
// pass all its checks (O, dQ dK dV with a backward, and its states); a declined one must be reported
// as skipped with a reason, and the test is then skipped, not passed. Skips where no GPU is usable.
using SupportPin = std::function<bool(const Problem&)>;

inline bool dims_in(const Problem& p, std::initializer_list<int64_t> dims) {
  auto in = [&](int64_t d) { return std::find(dims.begin(), dims.end(), d) != dims.end(); };
  return in(p.dim_qk) && in(p.dim_v);
}

inline void check_case(const std::string& impl_name, const VerifyCase& c, const SupportPin& pinned) {
  LASUITE_REQUIRE_GPU(gpu);
  auto impl = Registry::instance().create(impl_name);
  Problem p = c.problem;
  p.function = impl->info().function;
  if (p.function == Function::softmax) p.slopes.clear();
  const std::optional<std::string> declined = impl->unsupported(p);
  const bool should_run = pinned(p);
  ASSERT_EQ(!declined.has_value(), should_run)
      << impl_name << (should_run ? " declines a case it is pinned to run: " + declined.value_or("")
                                  : std::string(" runs a case its pin says it cannot (update the pin)"));
  CaseResult r = verify_case(*impl, c, kSeed);
  std::cout << describe(r) << "\n";
  if (declined) {
    EXPECT_EQ(r.status, CaseStatus::skipped) << describe(r);
    EXPECT_FALSE(r.reason.empty());
    GTEST_SKIP() << impl_name << " declines it, as pinned: " << *declined;
  }
  EXPECT_EQ(r.status, CaseStatus::pass) << describe(r);
  EXPECT_GE(r.checks.size(), test_support::expected_checks(c)) << describe(r);
}

inline std::vector<VerifyCase> defaults_in(std::initializer_list<DType> types) {
  std::vector<VerifyCase> all;
  for (DType t : types)
    for (VerifyCase& c : default_cases(t)) all.push_back(std::move(c));
  return all;
}

// A case of our own: ALiBi slopes when `decay`, an optional scale, all heads compared.
inline VerifyCase make_case(const std::string& label, int64_t n, int64_t batch, int64_t heads, int64_t d, int64_t e,
                            DType t, bool decay, double scale = 0) {
  VerifyCase c;
  c.problem.batch = batch;
  c.problem.heads = heads;
  c.problem.seqlen = n;
  c.problem.dim_qk = d;
  c.problem.dim_v = e;
  c.problem.dtype = t;
  if (decay) c.problem.slopes = alibi_slopes(heads);
  if (scale != 0) c.problem.scale = scale;
  c.label = label;
  return c;
}

// Views with well-formed shapes and addresses that are never dereferenced: refusals happen before
// any launch or allocation, so these work without a GPU (and would fault loudly if touched on one).
struct FakeCall {
  ForwardIO fwd;
  BackwardIO bwd;
};
inline TensorView fake_view(uintptr_t address, DType t, std::array<int64_t, 4> dims) {
  TensorView v;
  v.data = reinterpret_cast<void*>(address);
  v.dtype = t;
  v.device = DeviceKind::cuda;
  v.dims = dims;
  return v;
}
inline FakeCall fake_call(const Problem& p) {
  const std::array<int64_t, 4> qk{p.batch, p.heads, p.seqlen, p.dim_qk}, vo{p.batch, p.heads, p.seqlen, p.dim_v};
  uintptr_t next = uintptr_t(1) << 40;  // far from anything mapped, 16-byte aligned
  auto take = [&](DType t, std::array<int64_t, 4> dims) { TensorView v = fake_view(next, t, dims); next += uintptr_t(1) << 32; return v; };
  FakeCall c;
  c.fwd.q = c.bwd.q = take(p.dtype, qk);
  c.fwd.k = c.bwd.k = take(p.dtype, qk);
  c.fwd.v = c.bwd.v = take(p.dtype, vo);
  c.fwd.o = c.bwd.o = take(p.dtype, vo);
  c.fwd.slopes = c.bwd.slopes = take(DType::f32, {1, 1, 1, p.heads});
  c.bwd.dout = take(p.dtype, vo);
  c.bwd.dq = take(p.dtype, qk);
  c.bwd.dk = take(p.dtype, qk);
  c.bwd.dv = take(p.dtype, vo);
  return c;
}

// Forward and backward must both throw UnsupportedError mentioning `what`, with nothing allocated.
inline void expect_refused(const std::string& impl_name, const Problem& p, const FakeCall& call,
                           const std::string& what) {
  Backend* cuda = backend_for(DeviceKind::cuda);
  ASSERT_NE(cuda, nullptr);
  auto impl = Registry::instance().create(impl_name);
  MemoryTracker tracker;
  Workspace ws(*cuda, tracker);
  try {
    impl->forward(p, call.fwd, ws);
    ADD_FAILURE() << impl_name << " forward accepted it; expected a refusal mentioning '" << what << "'";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  try {
    impl->backward(p, call.bwd, nullptr, ws);
    ADD_FAILURE() << impl_name << " backward accepted it; expected a refusal mentioning '" << what << "'";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  EXPECT_EQ(tracker.peak(MemoryCategory::extra), 0u) << "something was allocated before the refusal";
}

// The tensor refusals of the tensor-core kernels (la1, la2) on a bf16 problem: q 16-byte misaligned
// (element-aligned still), k of another dtype, v of another shape, an output on the CPU.
inline void expect_refuses_misformed_tensors(const std::string& impl_name, const Problem& p) {
  FakeCall call = fake_call(p);
  call.fwd.q.data = call.bwd.q.data = static_cast<char*>(call.fwd.q.data) + 2;
  expect_refused(impl_name, p, call, "q is not 16-byte aligned");
  call = fake_call(p);
  call.fwd.k.dtype = call.bwd.k.dtype = DType::f16;
  expect_refused(impl_name, p, call, "k is f16");
  call = fake_call(p);
  call.fwd.v.dims[2] = call.bwd.v.dims[2] = 99;
  expect_refused(impl_name, p, call, "v has shape");
  call = fake_call(p);
  call.fwd.o.device = DeviceKind::cpu;
  call.bwd.dv.device = DeviceKind::cpu;
  expect_refused(impl_name, p, call, "is on cpu");
}

// The refusals every baseline of 16-bit tensors shares: an output of the wrong shape, and q one byte
// off its 2-byte alignment.
inline void expect_refuses_bad_tensors(const std::string& impl_name) {
  Problem p;
  p.heads = 2, p.seqlen = 50, p.dim_qk = 32, p.dim_v = 48, p.dtype = DType::f16;
  FakeCall call = fake_call(p);
  call.fwd.o.dims[3] = call.bwd.dq.dims[3] = 40;
  expect_refused(impl_name, p, call, "has shape");
  call = fake_call(p);
  call.fwd.q.data = call.bwd.q.data = static_cast<char*>(call.fwd.q.data) + 1;
  expect_refused(impl_name, p, call, "q is not 2-byte aligned");
}

}  // namespace gpu_test
}  // namespace lasuite
