// cumsum_cuda against the float64 reference (bf16, fp16, fp32), its out-of-memory row for a prefix
// that cannot fit, and its refusals. GPU tests are skipped, with the reason, where no GPU is usable.
#include <gtest/gtest.h>

#include "tests/baselines/gpu_oom.h"

namespace lasuite {
namespace {

using namespace gpu_test;

// cumsum_cuda runs any head dims up to 1024 in bf16, f16 and f32, without states.
bool cumsum_cuda_runs(const Problem& p) {
  return p.dim_qk <= 1024 && p.dim_v <= 1024 && !p.state_in && !p.state_out;
}

class CumsumCudaDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(CumsumCudaDefaults, MatchesReference) { check_case("cumsum_cuda", GetParam(), cumsum_cuda_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, CumsumCudaDefaults,
                         ::testing::ValuesIn(defaults_in({DType::bf16, DType::f16, DType::f32})), case_name);

// 4M tokens of one head: the inputs take 1 GiB each, the prefix 256 GiB.
TEST(CumsumCuda, PrefixThatCannotFitIsOutOfMemory) { expect_out_of_memory("cumsum_cuda", 4 << 20); }

TEST(CumsumCudaRefuses, BadTensors) { expect_refuses_bad_tensors("cumsum_cuda"); }

}  // namespace
}  // namespace lasuite
