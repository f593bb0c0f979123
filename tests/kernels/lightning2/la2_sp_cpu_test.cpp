// la2 with the sequence split over W ranks (la2_cpu_sp, in-process ranks): against the float64
// reference at several W, including more ranks than rows, through the all-gather and the ring; and at
// W = 1, where the arithmetic is the one run's, bit for bit what la2_cpu gives, forward and backward
// with states.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/errors.h"
#include "harness/inputs.h"
#include "harness/memory.h"
#include "harness/registry.h"
#include "harness/verify.h"
#include "tests/kernels/lightning2/la2_output_bytes.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

constexpr uint64_t kSeed = 1919;

TEST(La2SequenceParallelCpu, MatchesTheReferenceAtEveryWorldSize) {
  const std::vector<VerifyCase> cases = {long_case(300, 2, 3, 32, 48, DType::f32, true, true, 6),
                                         long_case(1000, 1, 2, 64, 64, DType::bf16, true, true, 2),
                                         long_case(5, 1, 2, 16, 16, DType::f32, true, true, 2),
                                         long_case(129, 1, 1, 32, 32, DType::f16, false, true, 1)};
  for (const std::string exchange : {"allgather", "ring"})
    for (const std::string ranks : {"1", "2", "3", "8"})
      for (const VerifyCase& c : cases) {
        auto impl = Registry::instance().create("la2_cpu_sp");
        impl->set_option("ranks", ranks);
        impl->set_option("exchange", exchange);
        const CaseResult r = verify_case(*impl, c, kSeed);
        EXPECT_EQ(r.status, CaseStatus::pass) << exchange << " ranks " << ranks << ": " << test_support::describe(r);
        EXPECT_EQ(r.checks.size(), test_support::expected_checks(c)) << c.label;
      }
}

TEST(La2SequenceParallelCpu, OneRankIsLa2CpuBitForBit) {
  Backend& cpu = *backend_for(DeviceKind::cpu);
  Problem p;
  p.batch = 2, p.heads = 3, p.seqlen = 333, p.dim_qk = 32, p.dim_v = 48, p.dtype = DType::f32;
  p.slopes = alibi_slopes(p.heads);
  p.state_in = p.state_out = true;
  auto one = Registry::instance().create("la2_cpu");
  auto sp = Registry::instance().create("la2_cpu_sp");
  sp->set_option("ranks", "1");
  MemoryTracker tracker;
  Workspace ws(cpu, tracker);
  const ProblemInputs in = make_inputs(p, ws, DeviceKind::cpu, kSeed, true);
  const auto want = test_support::forward_backward_bytes(cpu, *one, p, in, ws, true);
  const auto got = test_support::forward_backward_bytes(cpu, *sp, p, in, ws, true);
  ASSERT_EQ(want.size(), 6u);
  test_support::expect_written(want, p.dtype, "la2");
  for (const auto& [name, bytes] : want) EXPECT_EQ(bytes, got.at(name)) << name;
}

// comm=mpi runs the launch's processes (one here, outside mpirun): ranks=8 given beside it is declined, saying so,
// rather than run as one rank and recorded as eight. Without ranks, or with the launch's count, it runs.
TEST(La2SequenceParallelCpu, DeclinesARankCountItsLaunchDoesNotHave) {
  Problem p;
  p.batch = 1, p.heads = 2, p.seqlen = 64, p.dim_qk = p.dim_v = 16, p.dtype = DType::f32;
  auto sp = Registry::instance().create("la2_cpu_sp");
  sp->set_option("comm", "mpi");
  const auto plain = sp->unsupported(p);
  if (plain && plain->rfind("no MPI group", 0) == 0) GTEST_SKIP() << *plain;  // a build without MPI
  EXPECT_FALSE(plain) << *plain;
  sp->set_option("ranks", "1");
  EXPECT_FALSE(sp->unsupported(p)) << "the launch's own count";
  sp->set_option("ranks", "8");
  const auto why = sp->unsupported(p);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("ranks=8 with comm=mpi, whose launch has 1 process(es)"), std::string::npos) << *why;
}

TEST(La2SequenceParallelCpu, RefusesBadRankCounts) {
  auto sp = Registry::instance().create("la2_cpu_sp");
  for (const char* bad : {"0", "65", "-1", "two", ""}) EXPECT_THROW(sp->set_option("ranks", bad), UsageError) << bad;
  EXPECT_THROW(sp->set_option("world", "2"), UsageError);
  EXPECT_THROW(sp->set_option("exchange", "tree"), UsageError);
}

}  // namespace
}  // namespace lasuite
