// cumsum_cpu against the float64 reference over the verify defaults, and its defining property: the
// per-token KV prefix it materialises (b h n d e elements) is counted as extra memory, and a size
// whose prefix cannot fit is refused with the size in the message, before anything is allocated.
#include <gtest/gtest.h>

#include <vector>

#include "harness/backend.h"
#include "harness/errors.h"
#include "harness/inputs.h"
#include "tests/kernels/cpu_verify_cases.h"

namespace lasuite {
namespace {

using namespace testing_cpu;

class CumsumCpuDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(CumsumCpuDefaults, MatchesReference) { expect_pass("cumsum_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, CumsumCpuDefaults, ::testing::ValuesIn(default_cases_in({DType::f32, DType::f64})),
                         case_name);

class CumsumCpuSixteenBit : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(CumsumCpuSixteenBit, MatchesReference) { expect_pass("cumsum_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, CumsumCpuSixteenBit, ::testing::ValuesIn(sixteen_bit_cases()), case_name);

// Packed variable-length batches: each sequence of each head against the reference run on it alone.
class CumsumCpuPacked : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(CumsumCpuPacked, MatchesReferencePerSequence) { expect_pass("cumsum_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, CumsumCpuPacked, ::testing::ValuesIn(packed_cases_in({DType::f32, DType::f64})),
                         case_name);

// States in and out around the edges: one token, two, a partial block of rows, with ALiBi decay.
std::vector<VerifyCase> state_cases() {
  std::vector<VerifyCase> cases;
  for (int64_t n : {1, 2, 130}) cases.push_back(long_case(n, 2, 3, 48, 80, DType::f64, true, true, 0));
  cases.push_back(long_case(130, 1, 2, 24, 16, DType::f32, true, true, 0));
  return cases;
}

class CumsumCpuStates : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(CumsumCpuStates, MatchesReference) { expect_pass("cumsum_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, CumsumCpuStates, ::testing::ValuesIn(state_cases()), case_name);

Problem huge_problem() {
  Problem p;
  p.batch = 1, p.heads = 32, p.seqlen = 1 << 20, p.dim_qk = 128, p.dim_v = 128;  // prefix: 2 TiB in f32
  p.slopes = alibi_slopes(32);
  return p;
}

TEST(CumsumCpu, RefusesAPrefixThatCannotFitAndSaysHowLarge) {
  auto impl = Registry::instance().create("cumsum_cpu");
  auto why = impl->unsupported(huge_problem());
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("needs " + format_bytes(size_t(1) << 41)), std::string::npos) << *why;
  EXPECT_NE(why->find("per-token KV prefix"), std::string::npos) << *why;
  EXPECT_NE(why->find("available"), std::string::npos) << *why;
}

// Called anyway, the forward fails on its first allocation: OutOfMemoryError, nothing allocated,
// no input read (the views here have no data at all).
TEST(CumsumCpu, ForwardOfAHugeProblemThrowsOutOfMemoryBeforeAllocating) {
  auto impl = Registry::instance().create("cumsum_cpu");
  MemoryTracker tracker;
  Workspace ws(*backend_for(DeviceKind::cpu), tracker);
  Problem p = huge_problem();
  ForwardIO io;
  io.q.dims = io.k.dims = qk_dims(p);
  io.v.dims = io.o.dims = v_dims(p);
  EXPECT_THROW(impl->forward(p, io, ws), OutOfMemoryError);
  EXPECT_EQ(tracker.peak(MemoryCategory::extra), 0u);
}

TEST(CumsumCpu, ExtraMemoryHoldsTheWholePrefix) {
  auto impl = Registry::instance().create("cumsum_cpu");
  Problem p;
  p.batch = 2, p.heads = 3, p.seqlen = 300, p.dim_qk = 32, p.dim_v = 48;
  p.slopes = alibi_slopes(3);
  ASSERT_FALSE(impl->unsupported(p));
  MemoryTracker tracker;
  Workspace ws(*backend_for(DeviceKind::cpu), tracker);
  ProblemInputs in = make_inputs(p, ws, DeviceKind::cpu, kSeed, true);
  Buffer o = ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::outputs);
  ForwardIO io{in.q_view, in.k_view, in.v_view, in.slopes_view, {}, view_of(o, p.dtype, DeviceKind::cpu, v_dims(p)), {}};
  tracker.reset_peaks();
  auto saved = impl->forward(p, io, ws);
  const size_t prefix = size_t(2 * 3 * 300 * 32 * 48) * sizeof(float);
  EXPECT_GE(tracker.peak(MemoryCategory::extra), prefix);
  EXPECT_GE(tracker.current(MemoryCategory::extra), prefix);  // kept for the backward
  saved.reset();
  EXPECT_EQ(tracker.current(MemoryCategory::extra), 0u);
}

}  // namespace
}  // namespace lasuite
