// la2_sp (la2 with the sequence split over W ranks, on the GPU): against the float64 reference at
// several W, through the all-gather and the ring, ranks as threads on one GPU; at W = 1 bit for bit what
// la2 gives (the same arithmetic), states included; the NCCL path as a world of one; and its refusals.
// The GPU tests skip, with the reason, where no GPU is usable.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/errors.h"
#include "harness/inputs.h"
#include "harness/memory.h"
#include "harness/process_group.h"
#include "harness/registry.h"
#include "harness/verify.h"
#include "tests/kernels/lightning2/la2_output_bytes.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

constexpr uint64_t kSeed = 1920;

std::vector<VerifyCase> cases() {
  return {long_case(1000, 1, 4, 128, 128, DType::bf16, true, true, 0),   // native dims, states
          long_case(777, 2, 3, 64, 96, DType::f32, true, true, 0),       // e != d, 96 in tiles
          long_case(300, 1, 2, 96, 96, DType::f16, false, true, 0),      // no decay: states grow
          long_case(130, 1, 2, 64, 64, DType::bf16, true, false, 0)};    // no states, short parts
}

TEST(La2SequenceParallelCuda, MatchesTheReferenceAtEveryWorldSize) {
  LASUITE_REQUIRE_GPU(gpu);
  for (const std::string exchange : {"allgather", "ring"})
    for (const std::string ranks : {"1", "2", "3", "5"})
      for (const VerifyCase& c : cases()) {
        auto impl = Registry::instance().create("la2_sp");
        impl->set_option("ranks", ranks);
        impl->set_option("exchange", exchange);
        const CaseResult r = verify_case(*impl, c, kSeed);
        EXPECT_EQ(r.status, CaseStatus::pass) << exchange << " ranks " << ranks << ": " << test_support::describe(r);
        EXPECT_EQ(r.checks.size(), test_support::expected_checks(c)) << c.label;
      }
}

TEST(La2SequenceParallelCuda, NcclWorldOfOneMatchesTheReference) {
  LASUITE_REQUIRE_GPU(gpu);
  auto impl = Registry::instance().create("la2_sp");
  impl->set_option("comm", "nccl");
  const VerifyCase c = long_case(1000, 1, 4, 128, 128, DType::bf16, true, true, 0);
  // Only a build without NCCL may decline; where NCCL was built in, a group that does not form fails here.
  if (!process_group_built()) GTEST_SKIP() << "this build has no NCCL";
  const auto why = impl->unsupported(c.problem);
  ASSERT_FALSE(why) << *why;
  const CaseResult r = verify_case(*impl, c, kSeed);
  EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
  EXPECT_EQ(r.checks.size(), test_support::expected_checks(c));
}

TEST(La2SequenceParallelCuda, OneRankIsLa2BitForBit) {
  LASUITE_REQUIRE_GPU(gpu);
  Problem p;
  p.batch = 2, p.heads = 3, p.seqlen = 999, p.dim_qk = 128, p.dim_v = 64, p.dtype = DType::bf16;
  p.slopes = alibi_slopes(p.heads);
  p.state_in = p.state_out = true;
  auto one = Registry::instance().create("la2");
  auto sp = Registry::instance().create("la2_sp");
  sp->set_option("ranks", "1");
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  const ProblemInputs in = make_inputs(p, ws, DeviceKind::cuda, kSeed, true);
  const auto want = test_support::forward_backward_bytes(*gpu, *one, p, in, ws, true);
  const auto got = test_support::forward_backward_bytes(*gpu, *sp, p, in, ws, true);
  ASSERT_EQ(want.size(), 6u);
  test_support::expect_written(want, p.dtype, "la2");
  for (const auto& [name, bytes] : want) EXPECT_EQ(bytes, got.at(name)) << name;
}

TEST(La2SequenceParallelCuda, RefusesBadOptionsAndTooFewRows) {
  auto sp = Registry::instance().create("la2_sp");
  for (const char* bad : {"0", "65", "-1", "two", ""}) EXPECT_THROW(sp->set_option("ranks", bad), UsageError) << bad;
  EXPECT_THROW(sp->set_option("exchange", "tree"), UsageError);
  EXPECT_THROW(sp->set_option("comm", "mpi"), UsageError);
  EXPECT_THROW(sp->set_option("world", "2"), UsageError);
  sp->set_option("ranks", "8");
  Problem p;
  p.batch = 1, p.heads = 2, p.seqlen = 7, p.dim_qk = 64, p.dim_v = 64, p.dtype = DType::bf16;
  p.slopes = alibi_slopes(p.heads);
  const auto why = sp->unsupported(p);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("7 rows over 8 ranks"), std::string::npos) << *why;
}

}  // namespace
}  // namespace lasuite
