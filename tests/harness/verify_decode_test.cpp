// Decoding against one forward: la2_cpu and cumsum_cpu pass every decode case (state in place); an
// implementation that drops the carried state fails; softmax attention decodes against a KV cache
// (flash_softmax_cpu passes, one that drops the cache fails, one without cache support is skipped).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness/errors.h"
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

TEST(VerifyDecode, SoftmaxAgainstAKvCachePassesEveryCase) {
  for (DType t : {DType::f32, DType::bf16})
    for (const DecodeCase& c : decode_cases(t)) {
      auto impl = Registry::instance().create("flash_softmax_cpu");
      const CaseResult r = verify_decode_case(*impl, c, kSeed);
      EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
      ASSERT_EQ(r.checks.size(), 1u) << c.label;
      EXPECT_EQ(r.checks[0].tensor, "O_decode");
    }
}

// flash_softmax_cpu given only the step's own keys (the cache dropped): right for nothing after row 0.
class DropsCache : public Implementation {
 public:
  DropsCache() : inner_(Registry::instance().create("flash_softmax_cpu")) {}
  const ImplInfo& info() const override { return inner_->info(); }
  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    Problem q = p;
    q.context = 0;
    ForwardIO f = io;
    const size_t skip_k = static_cast<size_t>(p.context * p.dim_qk) * dtype_size(p.dtype);
    const size_t skip_v = static_cast<size_t>(p.context * p.dim_v) * dtype_size(p.dtype);
    if (p.batch * p.heads != 1) throw UnsupportedError("one head only");
    f.k.data = static_cast<char*>(io.k.data) + skip_k, f.k.dims[2] = p.seqlen;
    f.v.data = static_cast<char*>(io.v.data) + skip_v, f.v.dims[2] = p.seqlen;
    return inner_->forward(q, f, ws);
  }
  void backward(const Problem& p, const BackwardIO& io, Saved* s, Workspace& ws) override { inner_->backward(p, io, s, ws); }

 private:
  std::unique_ptr<Implementation> inner_;
};

TEST(VerifyDecode, DroppingTheCacheFails) {
  DropsCache impl;
  int failed = 0, ran = 0;
  for (DecodeCase c : decode_cases(DType::f64)) {
    if (c.problem.batch != 1) continue;
    c.problem.heads = 1;
    const CaseResult r = verify_decode_case(impl, c, kSeed);
    ++ran;
    failed += r.status == CaseStatus::fail;
  }
  EXPECT_GT(ran, 0);
  EXPECT_EQ(failed, ran) << "every step's queries need the cache";
}

// An implementation of softmax attention without KV cache support: skipped, saying so.
class NoCache : public Implementation {
 public:
  NoCache() : inner_(Registry::instance().create("flash_softmax_cpu")) {
    info_ = inner_->info();
    info_.support.kv_cache = false;
  }
  const ImplInfo& info() const override { return info_; }
  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override { return inner_->forward(p, io, ws); }
  void backward(const Problem& p, const BackwardIO& io, Saved* s, Workspace& ws) override { inner_->backward(p, io, s, ws); }

 private:
  std::unique_ptr<Implementation> inner_;
  ImplInfo info_;
};

TEST(VerifyDecode, SoftmaxWithoutACacheIsSkippedWithTheReason) {
  NoCache impl;
  const CaseResult r = verify_decode_case(impl, decode_cases(DType::f32).front(), kSeed);
  EXPECT_EQ(r.status, CaseStatus::skipped);
  EXPECT_NE(r.reason.find("KV cache"), std::string::npos) << r.reason;
  EXPECT_TRUE(r.checks.empty());
  Problem p;
  p.function = Function::softmax, p.seqlen = 1, p.context = 5;
  EXPECT_NE(impl.unsupported(p).value_or("").find("KV cache"), std::string::npos);
}

}  // namespace
}  // namespace lasuite
