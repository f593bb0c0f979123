// Decoding against one forward: la2_cpu and cumsum_cpu pass every decode case (state in place); an
// implementation that drops the carried state fails; softmax attention is skipped with the reason.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness/registry.h"
#include "harness/verify_decode.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

constexpr uint64_t kSeed = 20240108;

// la2_cpu, but every call starts from a zero state: right for a prefill, wrong for every step after.
class ForgetsState : public Implementation {
 public:
  ForgetsState() : inner_(Registry::instance().create("la2_cpu")) {}
  const ImplInfo& info() const override { return inner_->info(); }
  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    Problem q = p;
    q.state_in = false;
    ForwardIO f = io;
    f.state_in = {};
    return inner_->forward(q, f, ws);
  }
  void backward(const Problem& p, const BackwardIO& io, Saved* s, Workspace& ws) override { inner_->backward(p, io, s, ws); }

 private:
  std::unique_ptr<Implementation> inner_;
};

TEST(VerifyDecode, CpuImplementationsWithAStatePassEveryCase) {
  for (const std::string name : {"la2_cpu", "cumsum_cpu"})
    for (DType t : {DType::f32, DType::bf16})
      for (const DecodeCase& c : decode_cases(t)) {
        auto impl = Registry::instance().create(name);
        const CaseResult r = verify_decode_case(*impl, c, kSeed);
        EXPECT_EQ(r.status, CaseStatus::pass) << name << " " << test_support::describe(r);
        ASSERT_EQ(r.checks.size(), 2u) << name << " " << c.label;
        EXPECT_EQ(r.checks[0].tensor, "O_decode");
        EXPECT_EQ(r.checks[1].tensor, "S_out");
      }
}

TEST(VerifyDecode, ForgettingTheCarriedStateFails) {
  ForgetsState impl;
  int failed = 0, cases = 0;
  for (const DecodeCase& c : decode_cases(DType::f64)) {
    const CaseResult r = verify_decode_case(impl, c, kSeed);
    ++cases;
    failed += r.status == CaseStatus::fail;
  }
  EXPECT_EQ(failed, cases) << "every decode case carries a state from its prefill";
}

TEST(VerifyDecode, SoftmaxAttentionIsSkippedWithTheReason) {
  auto impl = Registry::instance().create("flash_softmax_cpu");
  const CaseResult r = verify_decode_case(*impl, decode_cases(DType::f32).front(), kSeed);
  EXPECT_EQ(r.status, CaseStatus::skipped);
  EXPECT_NE(r.reason.find("linear attention"), std::string::npos) << r.reason;
  EXPECT_TRUE(r.checks.empty());
}

}  // namespace
}  // namespace lasuite
