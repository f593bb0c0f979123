// Implementation::unsupported reads Support: here the head-dim limit (Support::max_dim) that an
// implementation taking any dim up to a bound declares instead of a list. No GPU needed.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "harness/implementation.h"

namespace lasuite {
namespace {

class UpTo100 : public Implementation {
 public:
  UpTo100() {
    info_.name = "up_to_100";
    info_.function = Function::linear_decay;
    info_.support.dtypes = {DType::f32};
    info_.support.max_dim = 100;
  }
  const ImplInfo& info() const override { return info_; }
  std::unique_ptr<Saved> forward(const Problem&, const ForwardIO&, Workspace&) override {
    throw std::logic_error("not called");
  }
  void backward(const Problem&, const BackwardIO&, Saved*, Workspace&) override { throw std::logic_error("not called"); }

 private:
  ImplInfo info_;
};

Problem problem(int64_t d, int64_t e) {
  Problem p;
  p.batch = 1, p.heads = 1, p.seqlen = 10, p.dim_qk = d, p.dim_v = e, p.dtype = DType::f32;
  return p;
}

TEST(Support, MaxDimBoundsBothHeadDims) {
  const UpTo100 impl;
  EXPECT_FALSE(impl.unsupported(problem(1, 100)).has_value());
  EXPECT_FALSE(impl.unsupported(problem(100, 33)).has_value());
  for (const Problem& p : {problem(101, 64), problem(64, 101)}) {
    const auto why = impl.unsupported(p);
    ASSERT_TRUE(why.has_value());
    EXPECT_EQ(*why, "head dims above 100");
  }
}

}  // namespace
}  // namespace lasuite
