// flash_softmax_cpu against the float64 softmax reference over the verify defaults: every case runs
// except those with a state, which softmax attention does not have and which must be skipped saying so.
#include <gtest/gtest.h>

#include <vector>

#include "harness/backend.h"
#include "harness/inputs.h"
#include "harness/registry.h"
#include "harness/verify_decode.h"
#include "tests/kernels/cpu_verify_cases.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

using namespace testing_cpu;

bool has_state(const VerifyCase& c) { return c.problem.state_in || c.problem.state_out; }

std::vector<VerifyCase> stateless_sixteen_bit_cases() {
  return default_cases_where({DType::bf16, DType::f16},
                             [](const VerifyCase& c) { return !has_state(c) && sixteen_bit_length(c); });
}

class FlashSoftmaxCpuDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(FlashSoftmaxCpuDefaults, MatchesReferenceOrSkipsStates) {
  if (has_state(GetParam())) expect_skip("flash_softmax_cpu", GetParam(), "state");
  else expect_pass("flash_softmax_cpu", GetParam());
}
INSTANTIATE_TEST_SUITE_P(Verify, FlashSoftmaxCpuDefaults,
                         ::testing::ValuesIn(default_cases_in({DType::f32, DType::f64})), case_name);

class FlashSoftmaxCpuSixteenBit : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(FlashSoftmaxCpuSixteenBit, MatchesReference) { expect_pass("flash_softmax_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, FlashSoftmaxCpuSixteenBit, ::testing::ValuesIn(stateless_sixteen_bit_cases()), case_name);

// What the forward keeps for the backward is the log-sum-exp of every row: b h n values.
TEST(FlashSoftmaxCpu, SavesOneLogSumExpPerRow) {
  auto impl = Registry::instance().create("flash_softmax_cpu");
  Problem p;
  p.function = Function::softmax;
  p.batch = 2, p.heads = 3, p.seqlen = 300, p.dim_qk = 32, p.dim_v = 48;
  ASSERT_FALSE(impl->unsupported(p));
  MemoryTracker tracker;
  Workspace ws(*backend_for(DeviceKind::cpu), tracker);
  ProblemInputs in = make_inputs(p, ws, DeviceKind::cpu, kSeed, true);
  Buffer o = ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::outputs);
  ForwardIO io{in.q_view, in.k_view, in.v_view, in.slopes_view, {}, view_of(o, p.dtype, DeviceKind::cpu, v_dims(p)), {}};
  const size_t before = tracker.current(MemoryCategory::extra);
  auto saved = impl->forward(p, io, ws);
  EXPECT_EQ(tracker.current(MemoryCategory::extra) - before, size_t(2 * 3 * 300) * sizeof(float));
}

}  // namespace
}  // namespace lasuite

namespace lasuite {
namespace {

// A decode step against a long cache (20000 tokens, two heads, T = 7) checked against the reference's
// rows for the step only: the path the GPU kernels' long-cache tests take, here on the CPU.
TEST(FlashSoftmaxCpuDecode, PassesOverALongCache) {
  DecodeCase c;
  c.problem.batch = 1, c.problem.heads = 2, c.problem.seqlen = 20000;
  c.problem.dim_qk = c.problem.dim_v = 64, c.problem.dtype = DType::f32;
  c.tokens_per_step = 7, c.steps = 2;
  c.label = "decode-long-T7-cache20000-h2";
  auto impl = Registry::instance().create("flash_softmax_cpu");
  const CaseResult r = verify_decode_case(*impl, c, 99);
  EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_LT(r.checks[0].rel_frobenius, 1e-6);
}

}  // namespace
}  // namespace lasuite
