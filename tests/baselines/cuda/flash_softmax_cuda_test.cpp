// flash_softmax (CUDA) against the float64 causal softmax reference in bf16 and fp16, and its refusals
// before any launch. Verification is skipped, with the reason, where no GPU is usable (CI).
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "harness/registry.h"
#include "harness/verify_decode.h"
#include "tests/baselines/gpu_checks.h"

namespace lasuite {
namespace {

using namespace gpu_test;

// Partial last tiles (128-row forward, 128-key backward tiles), several heads and batches, a scale,
// and a length that is not a multiple of anything.
std::vector<VerifyCase> extra_cases() {
  std::vector<VerifyCase> c;
  for (DType t : {DType::bf16, DType::f16}) {
    c.push_back(make_case("n1-d64", 1, 1, 1, 64, 64, t, false));
    c.push_back(make_case("n129-d128-b2h3", 129, 2, 3, 128, 128, t, false));
    c.push_back(make_case("n300-d64-scale0.3", 300, 1, 2, 64, 64, t, false, 0.3));
    c.push_back(make_case("n2049-d128", 2049, 1, 2, 128, 128, t, false));
    // Padded head dims, over many key tiles.
    c.push_back(make_case("n1000-d96", 1000, 1, 2, 96, 96, t, false));
    c.push_back(make_case("n333-d33-scale0.3", 333, 2, 1, 33, 33, t, false, 0.3));
    c.push_back(make_case("n200-d100", 200, 1, 3, 100, 100, t, false));
    // Past 128: the 256-wide kernels (8-warp forward, two-pass backward) in place and on padded copies.
    c.push_back(make_case("n700-d256", 700, 1, 2, 256, 256, t, false));
    c.push_back(make_case("n129-d256-b2h3-scale0.3", 129, 2, 3, 256, 256, t, false, 0.3));
    c.push_back(make_case("n333-d192", 333, 1, 2, 192, 192, t, false));
    c.push_back(make_case("n65-d136-b2h1", 65, 2, 1, 136, 136, t, false));
  }
  return c;
}

// flash_softmax runs d = e up to 256 in bf16 and f16 (64, 128 and 256 on its kernels, others
// zero-padded), without states (softmax: no decay).
bool flash_softmax_runs(const Problem& p) {
  return p.dim_qk == p.dim_v && p.dim_qk <= 256 && !p.state_in && !p.state_out &&
         (p.dtype == DType::bf16 || p.dtype == DType::f16);
}

class FlashSoftmaxCudaDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(FlashSoftmaxCudaDefaults, MatchesReference) { check_case("flash_softmax", GetParam(), flash_softmax_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, FlashSoftmaxCudaDefaults, ::testing::ValuesIn(defaults_in({DType::bf16, DType::f16})),
                         case_name);

class FlashSoftmaxCudaExtra : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(FlashSoftmaxCudaExtra, MatchesReference) { check_case("flash_softmax", GetParam(), flash_softmax_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, FlashSoftmaxCudaExtra, ::testing::ValuesIn(extra_cases()), case_name);

Problem small_problem() {
  Problem p;
  p.batch = 1, p.heads = 2, p.seqlen = 100, p.dim_qk = 128, p.dim_v = 128;
  p.dtype = DType::bf16;
  p.function = Function::softmax;
  return p;
}

TEST(FlashSoftmaxCudaRefuses, ShapesTypesAndScale) {
  Problem p = small_problem();
  p.dim_v = 64;
  expect_refused("flash_softmax", p, fake_call(p), "value dim e must equal d");
  p = small_problem();
  p.dtype = DType::f32;
  expect_refused("flash_softmax", p, fake_call(p), "dtype f32 not supported");
  p = small_problem();
  p.scale = -1.0;
  expect_refused("flash_softmax", p, fake_call(p), "scale must be > 0");
  p = small_problem();
  p.dim_qk = p.dim_v = 96;
  EXPECT_FALSE(Registry::instance().create("flash_softmax")->unsupported(p).has_value());
  p.dim_qk = p.dim_v = 192;
  EXPECT_FALSE(Registry::instance().create("flash_softmax")->unsupported(p).has_value());
  p.dim_qk = p.dim_v = 264;
  expect_refused("flash_softmax", p, fake_call(p), "head dims above 256");
  // The backward's key blocks are 64 rows past d = 128 (128 below): the grid's 65535 rows bound n.
  p = small_problem();
  p.seqlen = 64 * 65535 + 1;
  EXPECT_FALSE(Registry::instance().create("flash_softmax")->unsupported(p).has_value());
  p.dim_qk = p.dim_v = 192;
  EXPECT_NE(Registry::instance().create("flash_softmax")->unsupported(p).value_or("").find("64 * 65535"),
            std::string::npos);
  p = small_problem();
  FakeCall call = fake_call(p);
  call.fwd.k.data = call.bwd.k.data = static_cast<char*>(call.fwd.k.data) + 8;
  expect_refused("flash_softmax", p, call, "k is not 16-byte aligned");
}

// Decoding against a KV cache (flash-decoding): verify's decode cases at d = e = 128 pass, each step's
// queries against the cache; the others are declined for their head dims.
TEST(FlashSoftmaxCudaDecode, PassesTheDecodeCases) {
  LASUITE_REQUIRE_GPU(gpu);
  int passed = 0;
  for (DType t : {DType::bf16, DType::f16})
    for (const DecodeCase& c : decode_cases(t)) {
      auto impl = Registry::instance().create("flash_softmax");
      const CaseResult r = verify_decode_case(*impl, c, 31337);
      if (c.problem.dim_qk == 128 && c.problem.dim_v == 128) {
        EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
        passed += r.status == CaseStatus::pass;
      } else {
        EXPECT_EQ(r.status, CaseStatus::skipped) << test_support::describe(r);
      }
    }
  EXPECT_GT(passed, 0);
}

// Long caches, where each block of flash-decoding walks several tiles (its pipeline's steady state: the
// stages refilled, the rescale between tiles) and the splits start inside the cache: 100000 cached
// tokens of one head (on an H200 8 tiles a block at d = 128, three stages; 12 at 256, two stages),
// 33333 of four (a last split cut short), against the reference over the cache.
std::vector<DecodeCase> long_cache_cases() {
  std::vector<DecodeCase> cases;
  for (const auto& [context, heads, dim] :
       std::vector<std::tuple<int64_t, int64_t, int64_t>>{{100000, 1, 128}, {33333, 4, 128}, {100000, 1, 256}})
    for (int64_t T : {1, 7}) {
      DecodeCase c;
      c.problem.batch = 1, c.problem.heads = heads, c.problem.seqlen = context;
      c.problem.dim_qk = c.problem.dim_v = dim, c.problem.dtype = DType::bf16;
      c.tokens_per_step = T, c.steps = 2;
      c.label = "decode-long-T" + std::to_string(T) + "-cache" + std::to_string(context) + "-h" + std::to_string(heads) +
                "-d" + std::to_string(dim);
      cases.push_back(c);
    }
  return cases;
}

// Decode steps past 128: the 256-wide flash-decoding kernel, in place (256) and on padded copies (192).
TEST(FlashSoftmaxCudaDecode, PassesAtWideHeadDims) {
  LASUITE_REQUIRE_GPU(gpu);
  for (int64_t dim : {256, 192})
    for (int64_t T : {1, 7}) {
      DecodeCase c;
      c.problem.batch = 2, c.problem.heads = 2, c.problem.seqlen = 3000;
      c.problem.dim_qk = c.problem.dim_v = dim, c.problem.dtype = DType::bf16;
      c.tokens_per_step = T, c.steps = 2;
      c.label = "decode-d" + std::to_string(dim) + "-T" + std::to_string(T);
      auto impl = Registry::instance().create("flash_softmax");
      const CaseResult r = verify_decode_case(*impl, c, 777);
      EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
    }
}

TEST(FlashSoftmaxCudaDecode, PassesOverLongCaches) {
  LASUITE_REQUIRE_GPU(gpu);
  for (const DecodeCase& c : long_cache_cases()) {
    auto impl = Registry::instance().create("flash_softmax");
    const CaseResult r = verify_decode_case(*impl, c, 4242);
    EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
  }
}

}  // namespace
}  // namespace lasuite
