// cudnn_sdpa against the float64 causal softmax reference (bf16, fp16) where cuDNN was built in and a
// GPU is usable; elsewhere it must still be listed and say why it cannot run.
#include <gtest/gtest.h>

#include <vector>

#include "harness/registry.h"
#include "harness/verify_decode.h"
#include "tests/baselines/gpu_checks.h"

namespace lasuite {
namespace {

using namespace gpu_test;

Problem small_problem() {
  Problem p;
  p.batch = 1, p.heads = 2, p.seqlen = 100, p.dim_qk = 64, p.dim_v = 64;
  p.dtype = DType::bf16;
  p.function = Function::softmax;
  return p;
}

bool built_with_cudnn() { return !Registry::instance().create("cudnn_sdpa")->unsupported(small_problem()).has_value(); }

std::vector<VerifyCase> extra_cases() {
  std::vector<VerifyCase> c;
  for (DType t : {DType::bf16, DType::f16}) {
    c.push_back(make_case("n129-d128-b2h3", 129, 2, 3, 128, 128, t, false));
    c.push_back(make_case("n300-d64-scale0.3", 300, 1, 2, 64, 64, t, false, 0.3));
  }
  return c;
}

// cudnn_sdpa runs d = e in {64, 128} in bf16 and f16, without states (softmax: no decay).
bool cudnn_sdpa_runs(const Problem& p) {
  return p.dim_qk == p.dim_v && gpu_test::dims_in(p, {64, 128}) && !p.state_in && !p.state_out &&
         (p.dtype == DType::bf16 || p.dtype == DType::f16);
}

void check_cudnn_case(const VerifyCase& c) {
  if (!built_with_cudnn()) GTEST_SKIP() << "cudnn_sdpa: " << *Registry::instance().create("cudnn_sdpa")->unsupported(small_problem());
  check_case("cudnn_sdpa", c, cudnn_sdpa_runs);
}

class CudnnSdpaDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(CudnnSdpaDefaults, MatchesReference) { check_cudnn_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, CudnnSdpaDefaults, ::testing::ValuesIn(defaults_in({DType::bf16, DType::f16})),
                         case_name);

class CudnnSdpaExtra : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(CudnnSdpaExtra, MatchesReference) { check_cudnn_case(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, CudnnSdpaExtra, ::testing::ValuesIn(extra_cases()), case_name);

TEST(CudnnSdpa, ListedEvenWithoutCudnn) {
  ASSERT_TRUE(Registry::instance().contains("cudnn_sdpa"));
  auto impl = Registry::instance().create("cudnn_sdpa");
  EXPECT_EQ(impl->info().function, Function::softmax);
  if (auto why = impl->unsupported(small_problem())) EXPECT_EQ(*why, "unavailable: built without cuDNN");
}

TEST(CudnnSdpaRefuses, BadTensors) {
  if (!built_with_cudnn()) GTEST_SKIP() << "built without cuDNN";
  const Problem p = small_problem();
  FakeCall call = fake_call(p);
  call.fwd.v.dims[3] = call.bwd.v.dims[3] = 32;
  expect_refused("cudnn_sdpa", p, call, "v has shape");
}

// Decoding against a KV cache: verify's decode cases at d = e = 128 (softmax ones) pass, one query a
// step (no mask) and several (the causal mask shifted to the last key): cuDNN built and ran both on the
// H200 (results/h200/h200_verify_softmax_decode_370a0d2.json); the other head dims are declined.
TEST(CudnnSdpaDecode, PassesTheDecodeCases) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!built_with_cudnn()) GTEST_SKIP() << "built without cuDNN";
  int passed = 0;
  for (DType t : {DType::bf16, DType::f16})
    for (const DecodeCase& c : decode_cases(t)) {
      auto impl = Registry::instance().create("cudnn_sdpa");
      const CaseResult r = verify_decode_case(*impl, c, 31337);
      if (c.problem.dim_qk != 128 || c.problem.dim_v != 128) {
        EXPECT_EQ(r.status, CaseStatus::skipped) << test_support::describe(r);
      } else {
        EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
        passed += r.status == CaseStatus::pass;
      }
    }
  EXPECT_GT(passed, 0);
}

}  // namespace
}  // namespace lasuite
