// la1_cpu against the float64 reference: the verify defaults in f32 and f64 (n = 4096 included: the
// quadratic left product is still under a second there), 16-bit storage on a few cases, and partial
// blocks on both the query and the key side with states in and out.
#include <gtest/gtest.h>

#include <vector>

#include "tests/kernels/cpu_verify_cases.h"

namespace lasuite {
namespace {

using namespace testing_cpu;

// Sequence lengths around the tile size (64), head dims that are not powers of two, e != d.
std::vector<VerifyCase> tile_edge_cases() {
  std::vector<VerifyCase> cases;
  for (int64_t n : {2, 63, 129, 200})
    for (bool state : {false, true}) cases.push_back(long_case(n, 2, 3, 48, 80, DType::f64, true, state, 0));
  cases.push_back(long_case(130, 1, 2, 24, 16, DType::f32, false, true, 0));
  return cases;
}

class La1CpuDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La1CpuDefaults, MatchesReference) { expect_pass("la1_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, La1CpuDefaults, ::testing::ValuesIn(default_cases_in({DType::f32, DType::f64})),
                         case_name);

class La1CpuSixteenBit : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La1CpuSixteenBit, MatchesReference) { expect_pass("la1_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, La1CpuSixteenBit, ::testing::ValuesIn(sixteen_bit_cases()), case_name);

class La1CpuTileEdges : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La1CpuTileEdges, MatchesReference) { expect_pass("la1_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, La1CpuTileEdges, ::testing::ValuesIn(tile_edge_cases()), case_name);

TEST(La1Cpu, WorkIsTheQuadraticLeftProduct) {
  auto impl = Registry::instance().create("la1_cpu");
  Problem p;
  p.seqlen = 4096, p.dim_qk = 128, p.dim_v = 64;
  EXPECT_DOUBLE_EQ(impl->work(p).fwd_flops, linear_quadratic_work(p).fwd_flops);
}

}  // namespace
}  // namespace lasuite
