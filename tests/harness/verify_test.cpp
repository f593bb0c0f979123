// The verification gate can fail: small CPU implementations written here (not registered) that are
// right, slightly wrong, leave an element unwritten, or refuse a shape, and what verify_case says.
#include "harness/verify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "harness/backend.h"
#include "harness/errors.h"
#include "harness/host_memory.h"
#include "reference/linear_attention.h"
#include "reference/softmax_attention.h"

namespace lasuite {
namespace {

using reference::Mat;

// computes_linear: says softmax, computes linear attention (the wrong reference must not be used).
// claims_state: softmax that says it supports a state and writes zeros for S_out and dS_in.
// forward_only: declares no backward pass.
enum class Flaw {
  none, perturb_o, skip_dk_element, refuse_d32, computes_linear, claims_state, forward_only,
  refuses_at_run_time, runs_out_of_memory, one_row_off
};

// One (batch, head) slice of a [b, h, rows, cols] host tensor, in float64 and back.
Mat read_slice(const TensorView& t, int64_t index) {
  Mat m(t.dims[2], t.dims[3]);
  const size_t bytes = static_cast<size_t>(m.size()) * dtype_size(t.dtype);
  convert_to_f64(static_cast<const unsigned char*>(t.data) + index * bytes, t.dtype, m.data(), static_cast<size_t>(m.size()));
  return m;
}
void write_slice(const TensorView& t, int64_t index, const Mat& m, int64_t skip_element = -1) {
  const size_t elem = dtype_size(t.dtype), bytes = static_cast<size_t>(m.size()) * elem;
  unsigned char* dst = static_cast<unsigned char*>(t.data) + index * bytes;
  if (skip_element < 0) {
    convert_from_f64(m.data(), dst, t.dtype, static_cast<size_t>(m.size()));
    return;
  }
  for (int64_t i = 0; i < m.size(); ++i)  // everything but one element: the poison stays there
    if (i != skip_element) convert_from_f64(m.data() + i, dst + i * elem, t.dtype, 1);
}

// Computes the function with the float64 reference, head by head, stored in the problem's dtype:
// a correct CPU implementation, unless given a flaw.
class ReferenceBacked : public Implementation {
 public:
  ReferenceBacked(Function f, Flaw flaw) : flaw_(flaw) {
    info_.name = std::string("test_") + function_name(f);
    info_.function = f;
    info_.support.dtypes = {DType::f64, DType::f32, DType::bf16};
    info_.support.state = f == Function::linear_decay || flaw == Flaw::claims_state;
    info_.support.backward = flaw != Flaw::forward_only;
  }
  const ImplInfo& info() const override { return info_; }
  std::optional<std::string> unsupported(const Problem& p) const override {
    if (flaw_ == Flaw::refuse_d32 && p.dim_qk == 32) return std::string("test refuses d=32");
    return Implementation::unsupported(p);
  }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace&) override {
    if (flaw_ == Flaw::refuses_at_run_time) throw UnsupportedError("test refuses only once running");
    if (flaw_ == Flaw::runs_out_of_memory) throw OutOfMemoryError("test wanted 1 TiB");
    for (int64_t i = 0; i < p.batch * p.heads; ++i) {
      const Mat q = read_slice(io.q, i), k = read_slice(io.k, i), v = read_slice(io.v, i);
      Mat o;
      if (computes_softmax(p)) {
        o = reference::softmax_forward(q, k, v, p.effective_scale()).o;
        if (p.state_out) write_slice(io.state_out, i, Mat::Zero(p.dim_qk, p.dim_v));
      } else {
        const Mat s0 = p.state_in ? read_slice(io.state_in, i) : Mat();
        auto out = reference::linear_forward(q, k, v, p.state_in ? &s0 : nullptr, params(p, io.slopes, i));
        o = std::move(out.o);
        if (p.state_out) write_slice(io.state_out, i, out.state_out);
      }
      if (flaw_ == Flaw::perturb_o && i == p.batch * p.heads - 1) o(o.rows() - 1, 0) += 1e-3 * o.norm();
      if (flaw_ == Flaw::one_row_off) o.row(o.rows() / 2) *= 1.03;
      write_slice(io.o, i, o);
    }
    return nullptr;
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace&) override {
    for (int64_t i = 0; i < p.batch * p.heads; ++i) {
      const Mat q = read_slice(io.q, i), k = read_slice(io.k, i), v = read_slice(io.v, i), dout = read_slice(io.dout, i);
      Mat dq, dk, dv;
      if (computes_softmax(p)) {
        const double scale = p.effective_scale();
        auto g = reference::softmax_backward(q, k, v, reference::softmax_forward(q, k, v, scale), dout, scale);
        dq = std::move(g.dq), dk = std::move(g.dk), dv = std::move(g.dv);
        if (p.state_in) write_slice(io.dstate_in, i, Mat::Zero(p.dim_qk, p.dim_v));
      } else {
        const Mat s0 = p.state_in ? read_slice(io.state_in, i) : Mat();
        const Mat dsn = p.state_out ? read_slice(io.dstate_out, i) : Mat();
        auto g = reference::linear_backward(q, k, v, p.state_in ? &s0 : nullptr, dout, p.state_out ? &dsn : nullptr,
                                            params(p, io.slopes, i));
        dq = std::move(g.dq), dk = std::move(g.dk), dv = std::move(g.dv);
        if (p.state_in) write_slice(io.dstate_in, i, g.dstate_in);
      }
      write_slice(io.dq, i, dq);
      const bool skip = flaw_ == Flaw::skip_dk_element && i == p.batch * p.heads - 1;
      write_slice(io.dk, i, dk, skip ? dk.size() / 2 : -1);
      write_slice(io.dv, i, dv);
    }
  }

 private:
  bool computes_softmax(const Problem& p) const {
    return p.function == Function::softmax && flaw_ != Flaw::computes_linear;
  }
  static reference::LinearParams params(const Problem& p, const TensorView& slopes, int64_t index) {
    const double slope = slopes.defined() ? static_cast<double>(slopes.as<float>()[index % p.heads]) : 0.0;
    return {slope, p.effective_scale(),
            reference::LinearForm::automatic};
  }
  ImplInfo info_;
  Flaw flaw_;
};

const TensorCheck* find_check(const CaseResult& r, const std::string& name) {
  for (const auto& c : r.checks)
    if (c.tensor == name) return &c;
  return nullptr;
}

VerifyCase small_case(DType dtype, bool state) {
  VerifyCase c;
  c.label = "test";
  c.problem.batch = 2;
  c.problem.heads = 3;
  c.problem.seqlen = 37;
  c.problem.dim_qk = 16;
  c.problem.dim_v = 8;
  c.problem.dtype = dtype;
  c.problem.slopes = {0.0, 0.3, 5.0};
  c.problem.state_in = c.problem.state_out = state;
  return c;
}

TEST(VerifyGate, CorrectImplementationPassesEveryCheckIncludingStates) {
  ReferenceBacked impl(Function::linear_decay, Flaw::none);
  for (DType dt : {DType::f64, DType::f32, DType::bf16}) {
    const CaseResult r = verify_case(impl, small_case(dt, true), 42);
    EXPECT_EQ(r.status, CaseStatus::pass) << dtype_name(dt) << " " << r.reason;
    std::set<std::string> names;
    for (const auto& c : r.checks) {
      names.insert(c.tensor);
      EXPECT_TRUE(c.pass) << c.tensor;
      EXPECT_EQ(c.non_finite, 0);
      const bool is_state = c.tensor == "S_out" || c.tensor == "dS_in";
      EXPECT_EQ(c.tolerance, is_state ? state_tolerance_for(dt) : tolerance_for(dt));
      // The implementation stores its result in the dtype: its error is that rounding, not zero.
      if (dt != DType::f64 || is_state) EXPECT_GT(c.rel_frobenius, 0.0) << c.tensor;
    }
    EXPECT_EQ(names, (std::set<std::string>{"O", "dQ", "dK", "dV", "S_out", "dS_in"}));
  }
}

TEST(VerifyGate, PerturbedOutputFailsOnO) {
  ReferenceBacked impl(Function::linear_decay, Flaw::perturb_o);
  const CaseResult r = verify_case(impl, small_case(DType::f64, false), 1);
  EXPECT_EQ(r.status, CaseStatus::fail);
  const TensorCheck* o = find_check(r, "O");
  ASSERT_NE(o, nullptr);
  EXPECT_FALSE(o->pass);
  EXPECT_GT(o->rel_frobenius, 1e-4);
  // The worst head is the perturbed one: the last, with the large slope.
  EXPECT_EQ(o->worst_batch, 1);
  EXPECT_EQ(o->worst_head, 2);
  EXPECT_TRUE(find_check(r, "dK")->pass);
}

TEST(VerifyGate, UnwrittenElementFailsThroughThePoison) {
  ReferenceBacked impl(Function::linear_decay, Flaw::skip_dk_element);
  for (DType dt : {DType::f64, DType::f32, DType::bf16}) {
    const CaseResult r = verify_case(impl, small_case(dt, false), 2);
    EXPECT_EQ(r.status, CaseStatus::fail) << dtype_name(dt);
    const TensorCheck* dk = find_check(r, "dK");
    ASSERT_NE(dk, nullptr);
    EXPECT_FALSE(dk->pass);
    EXPECT_EQ(dk->non_finite, 1);
    EXPECT_TRUE(find_check(r, "O")->pass);
  }
}

TEST(VerifyGate, UnwrittenElementOutsideTheSampledHeadsStillFails) {
  ReferenceBacked impl(Function::linear_decay, Flaw::skip_dk_element);
  VerifyCase c = small_case(DType::f32, false);
  c.sampled_heads = {{0, 0}};  // the flaw is in (1, 2)
  const CaseResult r = verify_case(impl, c, 3);
  EXPECT_EQ(r.status, CaseStatus::fail);
  EXPECT_EQ(find_check(r, "dK")->non_finite, 1);
  EXPECT_LT(find_check(r, "dK")->rel_frobenius, 1e-6);  // the compared head itself is right
}

// One row of 262,144 off by 3 %: the slice's error (3.6e-5) is under f32's 1e-4, its block of 64 rows' (2.3e-3) over
// the rows' bar of 1e-3, so the check fails on the block.
TEST(VerifyGate, OneWrongRowInALongSliceFailsOnItsBlock) {
  ReferenceBacked impl(Function::linear_decay, Flaw::one_row_off);
  VerifyCase c;
  c.label = "long";
  c.problem.batch = c.problem.heads = 1;
  c.problem.seqlen = 262144;
  c.problem.dim_qk = c.problem.dim_v = 8;
  c.problem.dtype = DType::f32;
  c.problem.slopes = {0.01};
  c.backward = false;
  const CaseResult r = verify_case(impl, c, 11);
  ASSERT_EQ(r.checks.size(), 1u) << r.reason;
  const TensorCheck& o = r.checks[0];
  EXPECT_LT(o.rel_frobenius, o.tolerance) << "the slice alone would pass";
  EXPECT_GT(o.worst_rows_rel, o.rows_tolerance);
  EXPECT_EQ(o.rows_tolerance, kRowsToleranceFactor * o.tolerance);
  EXPECT_FALSE(o.pass);
  EXPECT_EQ(r.status, CaseStatus::fail);
  ReferenceBacked right(Function::linear_decay, Flaw::none);
  const CaseResult ok = verify_case(right, c, 11);
  ASSERT_EQ(ok.checks.size(), 1u);
  EXPECT_TRUE(ok.checks[0].pass);
  EXPECT_LT(ok.checks[0].worst_rows_rel, ok.checks[0].tolerance);
  std::cout << "one row off: slice " << o.rel_frobenius << ", worst block " << o.worst_rows_rel << "\n";
}

TEST(VerifyGate, RefusedShapeIsSkippedWithTheImplementationsReason) {
  ReferenceBacked impl(Function::linear_decay, Flaw::refuse_d32);
  VerifyCase c = small_case(DType::f32, false);
  c.problem.dim_qk = 32;
  const CaseResult r = verify_case(impl, c, 4);
  EXPECT_EQ(r.status, CaseStatus::skipped);
  EXPECT_EQ(r.reason, "test refuses d=32");
  EXPECT_TRUE(r.checks.empty());
  c.problem.dim_qk = 16;
  EXPECT_EQ(verify_case(impl, c, 4).status, CaseStatus::pass);
}

// A refusal thrown while running a case unsupported() accepted is a skip that says it came while running (so an
// implementation contradicting itself shows, and one that can only find out once running is not an error); running
// out of memory is a skip, with the reason.
TEST(VerifyGate, ARefusalWhileRunningAndOutOfMemoryAreSkipsThatSaySo) {
  ReferenceBacked refuses(Function::linear_decay, Flaw::refuses_at_run_time);
  const CaseResult r = verify_case(refuses, small_case(DType::f32, false), 4);
  EXPECT_EQ(r.status, CaseStatus::skipped);
  EXPECT_EQ(r.reason.rfind("declined while running (unsupported() had accepted it): ", 0), 0u) << r.reason;
  EXPECT_TRUE(r.checks.empty());
  EXPECT_NE(r.reason.find("test refuses only once running"), std::string::npos) << r.reason;
  ReferenceBacked no_memory(Function::linear_decay, Flaw::runs_out_of_memory);
  const CaseResult m = verify_case(no_memory, small_case(DType::f32, false), 4);
  EXPECT_EQ(m.status, CaseStatus::skipped);
  EXPECT_EQ(m.reason.rfind("out of memory: ", 0), 0u) << m.reason;
  EXPECT_TRUE(m.checks.empty());
}

// A case whose float64 reference could not fit the host's memory (its d x e state alone 8 TiB here) is skipped before
// anything is allocated, saying how much it needs, instead of ending in the OOM killer.
TEST(VerifyGate, AReferenceThatCannotFitIsSkippedBeforeRunning) {
  if (host_available_bytes() == 0) GTEST_SKIP() << "this host's free memory cannot be read, so verify does not check it";
  ReferenceBacked impl(Function::linear_decay, Flaw::none);
  VerifyCase c = small_case(DType::f32, false);
  c.problem.batch = c.problem.heads = 1;
  c.problem.slopes = {0.1};
  c.problem.seqlen = 1;
  c.problem.dim_qk = c.problem.dim_v = int64_t(1) << 20;
  const CaseResult r = verify_case(impl, c, 4);
  EXPECT_EQ(r.status, CaseStatus::skipped);
  EXPECT_EQ(r.reason.rfind("out of memory: the float64 reference needs about ", 0), 0u) << r.reason;
  EXPECT_TRUE(r.checks.empty());
}

TEST(VerifyGate, UnsupportedDtypeIsSkipped) {
  ReferenceBacked impl(Function::linear_decay, Flaw::none);
  const CaseResult r = verify_case(impl, small_case(DType::f16, false), 5);
  EXPECT_EQ(r.status, CaseStatus::skipped);
  EXPECT_NE(r.reason.find("f16"), std::string::npos) << r.reason;
}

TEST(VerifyGate, SoftmaxImplementationIsCheckedAgainstTheSoftmaxReference) {
  ReferenceBacked softmax(Function::softmax, Flaw::none);
  const CaseResult r = verify_case(softmax, small_case(DType::f32, false), 6);  // slopes are dropped
  EXPECT_EQ(r.status, CaseStatus::pass) << r.reason;
  EXPECT_EQ(r.vcase.problem.function, Function::softmax);
  EXPECT_EQ(r.checks.size(), 4u);
  // Linear attention posing as softmax: checked against the softmax reference, so it fails.
  ReferenceBacked impostor(Function::softmax, Flaw::computes_linear);
  const CaseResult wrong = verify_case(impostor, small_case(DType::f32, false), 6);
  EXPECT_EQ(wrong.status, CaseStatus::fail);
  EXPECT_GT(find_check(wrong, "O")->rel_frobenius, 0.1);
  // The softmax implementation with a state: skipped by its support, not run.
  EXPECT_EQ(verify_case(softmax, small_case(DType::f32, true), 6).status, CaseStatus::skipped);
}

TEST(VerifyGate, AnOutputWithoutAReferenceIsAnErrorNotAPass) {
  // Softmax has no state: S_out and dS_in were compared over zero elements, and passed.
  ReferenceBacked impl(Function::softmax, Flaw::claims_state);
  const CaseResult r = verify_case(impl, small_case(DType::f32, true), 6);
  EXPECT_EQ(r.status, CaseStatus::error);
  EXPECT_NE(r.reason.find("no S_out for softmax"), std::string::npos) << r.reason;
}

TEST(VerifyGate, ForwardOnlyImplementationIsCheckedOnOutputsAndSaysSo) {
  ReferenceBacked impl(Function::linear_decay, Flaw::forward_only);
  const CaseResult r = verify_case(impl, small_case(DType::f32, true), 6);
  EXPECT_EQ(r.status, CaseStatus::pass) << r.reason;
  ASSERT_EQ(r.checks.size(), 2u);
  EXPECT_EQ(r.checks[0].tensor, "O");
  EXPECT_EQ(r.checks[1].tensor, "S_out");
  EXPECT_FALSE(r.vcase.backward) << "the result files say no gradient was checked";
  EXPECT_NE(r.reason.find("forward only"), std::string::npos) << r.reason;
}

TEST(VerifyGate, SeedChangesTheInputsAndIsRecorded) {
  ReferenceBacked impl(Function::linear_decay, Flaw::none);
  const CaseResult a = verify_case(impl, small_case(DType::f32, false), 7);
  const CaseResult b = verify_case(impl, small_case(DType::f32, false), 8);
  EXPECT_EQ(a.seed, 7u);
  EXPECT_NE(find_check(a, "O")->max_abs, find_check(b, "O")->max_abs);
  EXPECT_GT(a.seconds, 0.0);
}

TEST(VerifyGate, MissingDeviceIsSkippedWithTheReason) {
  Backend* cuda = backend_for(DeviceKind::cuda);
  std::string why;
  if (cuda && cuda->available(&why)) GTEST_SKIP() << "a GPU is present: the CPU-computing test impl cannot pose as a CUDA one";
  class OnGpu : public ReferenceBacked {
   public:
    OnGpu() : ReferenceBacked(Function::linear_decay, Flaw::none) { gpu_info_ = ReferenceBacked::info(); gpu_info_.device = DeviceKind::cuda; }
    const ImplInfo& info() const override { return gpu_info_; }
    ImplInfo gpu_info_;
  } impl;
  const CaseResult r = verify_case(impl, small_case(DType::f32, false), 9);
  EXPECT_EQ(r.status, CaseStatus::skipped);
  EXPECT_EQ(r.reason.rfind("no cuda", 0), 0u) << r.reason;
}

TEST(VerifyCases, DefaultsCoverTheIssuesList) {
  const std::vector<VerifyCase> cases = default_cases(DType::bf16);
  std::set<int64_t> n, d, e;
  bool e_differs = false, batched = false, odd_heads = false, no_decay = false, alibi = false, large = false,
       state = false, scaled = false;
  std::set<std::string> labels;
  for (const auto& c : cases) {
    const Problem& p = c.problem;
    EXPECT_EQ(p.dtype, DType::bf16);
    EXPECT_TRUE(labels.insert(c.label).second) << "duplicate label " << c.label;
    n.insert(p.seqlen);
    d.insert(p.dim_qk);
    e.insert(p.dim_v);
    e_differs |= p.dim_v != p.dim_qk;
    batched |= p.batch > 1;
    odd_heads |= (p.heads & (p.heads - 1)) != 0;
    no_decay |= !p.has_decay();
    alibi |= p.slopes == alibi_slopes(p.heads);
    large |= std::any_of(p.slopes.begin(), p.slopes.end(), [](double s) { return s >= 4.0; });
    state |= p.state_in && p.state_out && p.has_decay();
    scaled |= p.scale.has_value();
    EXPECT_TRUE(p.slopes.empty() || static_cast<int64_t>(p.slopes.size()) == p.heads) << c.label;
    if (p.seqlen >= 4096) EXPECT_LE(p.batch * p.heads, 2) << "keep CI's quadratic implementations cheap";
  }
  for (int64_t want : {1, 63, 64, 65, 1000, 4096}) EXPECT_TRUE(n.count(want)) << "n=" << want;
  for (int64_t want : {32, 64, 128}) EXPECT_TRUE(d.count(want)) << "d=" << want;
  // Issue 16's head dims, each as d or as e.
  for (int64_t want : {16, 33, 72, 96, 100, 192, 256}) EXPECT_TRUE(d.count(want) || e.count(want)) << "dim " << want;
  EXPECT_TRUE(e_differs && batched && odd_heads && no_decay && alibi && large && state && scaled);
  EXPECT_EQ(cases.front().label, "n1-d32-e32-b1h1-nodecay");
}

TEST(VerifyCases, LongCaseSamplesHeadsAcrossBatchesIncludingTheExtremes) {
  const VerifyCase c = long_case(131072, 2, 32, 128, 128, DType::bf16, true, true, 4);
  EXPECT_EQ(c.problem.seqlen, 131072);
  EXPECT_EQ(c.problem.slopes, alibi_slopes(32));
  EXPECT_TRUE(c.problem.state_in && c.problem.state_out);
  ASSERT_EQ(c.sampled_heads.size(), 4u);
  EXPECT_EQ(c.sampled_heads.front(), (std::pair<int64_t, int64_t>{0, 0}));
  EXPECT_EQ(c.sampled_heads.back(), (std::pair<int64_t, int64_t>{1, 31}));
  std::set<int64_t> batches;
  for (auto [b, h] : c.sampled_heads) batches.insert(b);
  EXPECT_EQ(batches.size(), 2u);
  EXPECT_EQ(c.label, "n131072-d128-e128-b2h32-alibi-state-sampled4");
  EXPECT_TRUE(long_case(16384, 1, 2, 64, 64, DType::f32, false, false, 8).sampled_heads.empty()) << "all of 2";
}

TEST(VerifyCases, TolerancesAreTheIssuesBars) {
  EXPECT_EQ(tolerance_for(DType::f64), 1e-10);
  EXPECT_EQ(tolerance_for(DType::f32), 1e-4);
  EXPECT_EQ(tolerance_for(DType::bf16), 1e-2);
  EXPECT_EQ(tolerance_for(DType::f16), 5e-3);
  EXPECT_EQ(state_tolerance_for(DType::f64), 1e-6);  // fp32 storage of an f64 problem's state
  EXPECT_EQ(state_tolerance_for(DType::bf16), 1e-2);
}

}  // namespace
}  // namespace lasuite
