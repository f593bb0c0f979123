// la1 (CUDA) against the float64 reference in bf16, fp16 and fp32 (tensor-core and CUDA-core paths),
// and its refusals before any launch. Verification tests are skipped, with the reason, where no GPU
// is usable (CI); the refusal tests need none.
#include <gtest/gtest.h>

#include <vector>

#include "tests/baselines/gpu_checks.h"

namespace lasuite {
namespace {

using namespace gpu_test;

// Partial last tiles of both passes (64-row fp32 tiles, 128/64 tensor-core tiles), e != d both ways,
// a scale, a slope so large the mask is nearly diagonal, and 16k tokens on two heads.
std::vector<VerifyCase> extra_cases() {
  std::vector<VerifyCase> c;
  for (DType t : {DType::bf16, DType::f16, DType::f32}) {
    c.push_back(make_case("n1-d64-e64", 1, 1, 1, 64, 64, t, true));
    c.push_back(make_case("n127-d128-e64-b2h3", 127, 2, 3, 128, 64, t, true));
    c.push_back(make_case("n129-d64-e128-nodecay", 129, 1, 2, 64, 128, t, false));
    c.push_back(make_case("n300-d128-e128-scale0.5", 300, 1, 2, 128, 128, t, true, 0.5));
    VerifyCase large = make_case("n1000-d64-e64-large", 1000, 1, 2, 64, 64, t, false);
    large.problem.slopes = {5.0, 0.01};
    c.push_back(large);
    VerifyCase longer = long_case(16384, 1, 2, 128, 128, t, true, false, 2);
    c.push_back(longer);
    // Head dims in tiles: padded (96, 72 x 100), split (200 x 40, 256), over many key tiles.
    c.push_back(make_case("n1000-d96-e96", 1000, 1, 2, 96, 96, t, true));
    c.push_back(make_case("n333-d72-e100", 333, 2, 1, 72, 100, t, true));
    c.push_back(make_case("n700-d200-e40-nodecay", 700, 1, 2, 200, 40, t, false));
    c.push_back(make_case("n300-d256-e256", 300, 1, 1, 256, 256, t, true));
  }
  return c;
}

// la1 runs any d, e up to 256 in bf16, f16 and f32 (64 and 128 on its kernels, others in head-dim
// tiles), without states.
bool la1_runs(const Problem& p) { return p.dim_qk <= 256 && p.dim_v <= 256 && !p.state_in && !p.state_out; }

class La1CudaDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La1CudaDefaults, MatchesReference) { check_case("la1", GetParam(), la1_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, La1CudaDefaults,
                         ::testing::ValuesIn(defaults_in({DType::bf16, DType::f16, DType::f32})), case_name);

class La1CudaExtra : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La1CudaExtra, MatchesReference) { check_case("la1", GetParam(), la1_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, La1CudaExtra, ::testing::ValuesIn(extra_cases()), case_name);

Problem small_problem(DType t = DType::bf16) {
  Problem p;
  p.batch = 1, p.heads = 2, p.seqlen = 100, p.dim_qk = 64, p.dim_v = 128;
  p.dtype = t;
  p.slopes = alibi_slopes(2);
  return p;
}

TEST(La1CudaRefuses, HeadDimAbove256) {
  Problem p = small_problem();
  p.dim_qk = 96;
  EXPECT_FALSE(Registry::instance().create("la1")->unsupported(p).has_value());
  p.dim_qk = 257;
  expect_refused("la1", p, fake_call(p), "head dims above 256");
  p = small_problem();
  p.dim_v = 300;
  expect_refused("la1", p, fake_call(p), "head dims above 256");
}

TEST(La1CudaRefuses, StateAndNegativeSlope) {
  Problem p = small_problem();
  p.state_in = true;
  expect_refused("la1", p, fake_call(p), "state not supported");
  p = small_problem();
  p.slopes = {0.5, -0.25};
  expect_refused("la1", p, fake_call(p), "slopes must be >= 0");
}

TEST(La1CudaRefuses, BadTensors) {
  const Problem p = small_problem();
  gpu_test::expect_refuses_misformed_tensors("la1", p);
  FakeCall call = fake_call(p);
  call.fwd.slopes = call.bwd.slopes = TensorView{};
  expect_refused("la1", p, call, "slopes is missing");
}

TEST(La1CudaRefuses, Fp32NeedsOnlyElementAlignment) {
  // fp32 runs on CUDA cores with scalar loads: 4-byte alignment is enough, 2 bytes is not.
  const Problem p = small_problem(DType::f32);
  FakeCall call = fake_call(p);
  call.fwd.v.data = call.bwd.v.data = static_cast<char*>(call.fwd.v.data) + 2;
  expect_refused("la1", p, call, "v is not 4-byte aligned");
}

TEST(La1Cuda, WorkIsQuadratic) {
  auto impl = Registry::instance().create("la1");
  Problem p = small_problem();
  p.seqlen = 1024;
  const double w1 = impl->work(p).fwd_flops;
  p.seqlen = 2048;
  EXPECT_DOUBLE_EQ(impl->work(p).fwd_flops, 4 * w1);
}

}  // namespace
}  // namespace lasuite
