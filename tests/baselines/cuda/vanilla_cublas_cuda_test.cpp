// vanilla_cublas against the float64 reference (bf16, fp16, fp32), its out-of-memory row for score matrices
// that cannot fit, and its refusals. GPU tests are skipped, with the reason, where no GPU is usable.
#include <gtest/gtest.h>

#include "tests/baselines/gpu_oom.h"

namespace lasuite {
namespace {

using namespace gpu_test;

// vanilla_cublas runs any head dims in bf16, f16 and f32, without states.
bool vanilla_cublas_runs(const Problem& p) { return !p.state_in && !p.state_out; }

class VanillaCublasDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(VanillaCublasDefaults, MatchesReference) { check_case("vanilla_cublas", GetParam(), vanilla_cublas_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, VanillaCublasDefaults,
                         ::testing::ValuesIn(defaults_in({DType::bf16, DType::f16, DType::f32})), case_name);

// 4M tokens of one head: the inputs take 1 GiB each, the n x n scores 32 TiB.
TEST(VanillaCublas, ScoresThatCannotFitAreOutOfMemory) { expect_out_of_memory("vanilla_cublas", 4 << 20); }

TEST(VanillaCublasRefuses, BadTensors) { expect_refuses_bad_tensors("vanilla_cublas"); }

// scores_prefill=zero (for initcheck) computes what the default does; an unknown value is refused.
TEST(VanillaCublasOptions, ScoresPrefilledWithZerosMatchReference) {
  LASUITE_REQUIRE_GPU(gpu);
  auto impl = Registry::instance().create("vanilla_cublas");
  impl->set_option("scores_prefill", "zero");
  const VerifyCase c = make_case("n200-d64-b1h2-prefill", 200, 1, 2, 64, 64, DType::bf16, true);
  const CaseResult r = verify_case(*impl, c, kSeed);
  EXPECT_EQ(r.status, CaseStatus::pass) << describe(r);
}
TEST(VanillaCublasOptions, UnknownPrefillIsRefused) {
  auto impl = Registry::instance().create("vanilla_cublas");
  EXPECT_THROW(impl->set_option("scores_prefill", "ones"), UsageError);
  EXPECT_NO_THROW(impl->set_option("scores_prefill", "zero"));
}

}  // namespace
}  // namespace lasuite
