// Packed batches' cu_seqlens: what is wrong with a bad one is said before anything runs, and an
// implementation without packed support declines packed problems with the reason.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "harness/problem.h"
#include "harness/registry.h"
#include "harness/verify.h"

namespace lasuite {
namespace {

Problem packed(std::vector<int64_t> cu, int64_t total) {
  Problem p;
  p.heads = 2, p.seqlen = total, p.dim_qk = 16, p.dim_v = 16;
  p.cu_seqlens = std::move(cu);
  return p;
}

void expect_refused(const Problem& p, const std::string& says) {
  const std::optional<std::string> why = cu_seqlens_problem(p);
  ASSERT_TRUE(why.has_value()) << says;
  EXPECT_NE(why->find(says), std::string::npos) << *why;
}

TEST(CuSeqlens, WellFormedOnesAreTaken) {
  EXPECT_FALSE(cu_seqlens_problem(packed({0, 5, 5, 12}, 12)).has_value());
  EXPECT_FALSE(cu_seqlens_problem(packed({0, 0}, 0)).has_value()) << "one empty sequence is defined";
  Problem dense;
  EXPECT_FALSE(cu_seqlens_problem(dense).has_value());
  const Problem p = packed({0, 5, 5, 12}, 12);
  EXPECT_EQ(p.sequences(), 3);
  EXPECT_EQ(p.sequence_begin(2), 5);
  EXPECT_EQ(p.sequence_length(1), 0);
  EXPECT_NE(p.describe().find("3 packed"), std::string::npos);
}

TEST(CuSeqlens, BadOnesSayWhatIsWrong) {
  expect_refused(packed({1, 5, 12}, 12), "must start at 0, starts at 1");
  expect_refused(packed({0, 7, 5, 12}, 12), "decreases at entry 2 (7 then 5)");
  expect_refused(packed({0, 5, 11}, 12), "ends at 11, the tensors hold 12");
  expect_refused(packed({0}, 0), "at least two entries");
  Problem b2 = packed({0, 5, 12}, 12);
  b2.batch = 2;
  expect_refused(b2, "batch 1");
}

TEST(CuSeqlens, VerifyReportsAMalformedCaseAsAnErrorBeforeRunning) {
  VerifyCase c;
  c.label = "bad-cu";
  c.problem = packed({0, 9, 5}, 5);
  auto impl = Registry::instance().create("la2_cpu");
  const CaseResult r = verify_case(*impl, c, 1);
  EXPECT_EQ(r.status, CaseStatus::error);
  EXPECT_NE(r.reason.find("decreases"), std::string::npos) << r.reason;
  EXPECT_TRUE(r.checks.empty());
}

TEST(CuSeqlens, ImplementationsWithoutPackedSupportDecline) {
  for (const std::string name : {"la1_cpu", "flash_softmax_cpu"}) {
    auto impl = Registry::instance().create(name);
    for (const VerifyCase& c : packed_cases(DType::f32)) {
      Problem p = c.problem;
      p.function = impl->info().function;
      if (p.function == Function::softmax) p.slopes.clear();
      const std::optional<std::string> why = impl->unsupported(p);
      ASSERT_TRUE(why.has_value()) << name << " " << c.label;
      EXPECT_NE(why->find("packed"), std::string::npos) << name << ": " << *why;
    }
  }
}

}  // namespace
}  // namespace lasuite
