// la2 (CUDA) against the float64 reference, and its refusals. Every test here is skipped, with the
// reason, where no GPU is usable (CI); none of them passes without running on a GPU.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "harness/backend.h"
#include "harness/errors.h"
#include "harness/memory.h"
#include "harness/registry.h"
#include "harness/verify.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_value_tiles_host.h"
#include "tests/baselines/gpu_checks.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

using gpu_test::check_case;
using gpu_test::kSeed;
using test_support::case_name;
using test_support::describe;

// Both ways of splitting the work (one block per head when batch x heads fills the GPU, several
// segments per head otherwise), odd lengths, e != d both ways, states, and 16k tokens; and on Hopper the
// one-pass plan with its uneven segments (32 heads: 4 segments at d = 128, 7 at d = e = 64).
std::vector<VerifyCase> extra_cases() {
  std::vector<VerifyCase> c;
  c.push_back(long_case(999, 1, 32, 128, 128, DType::bf16, true, true, 4));   // one pass, last chunk partial
  c.push_back(long_case(1500, 2, 16, 64, 128, DType::f16, true, true, 4));   // one pass, e > d
  c.push_back(long_case(2053, 1, 32, 64, 64, DType::bf16, false, true, 4));  // one pass, 7 segments, no decay
  c.push_back(long_case(200, 2, 140, 64, 128, DType::bf16, true, true, 4));  // whole heads per block
  c.push_back(long_case(1000, 1, 3, 128, 64, DType::f16, true, true, 0));   // segments, e < d
  c.push_back(long_case(777, 1, 2, 64, 128, DType::f32, false, true, 0));   // segments, e > d, no decay
  c.push_back(long_case(129, 3, 2, 128, 128, DType::f32, true, true, 0));
  for (DType t : {DType::bf16, DType::f32}) {  // a scale other than 1 (the defaults have one only at d = 32)
    VerifyCase scaled = long_case(300, 1, 3, 64, 128, t, true, true, 0);
    scaled.problem.scale = 0.37;
    scaled.label += "-scale0.37";
    c.push_back(scaled);
  }
  // Other head dims, with states, over several segments: in head-dim tiles (kernels/common/
  // tiled_head_dims.h) padded (96, 72 x 100, 33 x 16) or split (200 x 40; f32 at every shape), and
  // past 128 in bf16 on Hopper as value-tiled passes (192, 256, 128 x 256).
  for (const auto& [d, e] : std::vector<std::pair<int64_t, int64_t>>{
           {96, 96}, {72, 100}, {33, 16}, {192, 192}, {256, 256}, {128, 256}, {200, 40}})
    for (DType t : {DType::bf16, DType::f32}) c.push_back(long_case(1100, 1, 3, d, e, t, true, true, 0));
  // Value tiles on Hopper (la2_value_tiles_host.h; 16-bit types, dims past 128): contractions read in
  // place (136 at 192, 248 at 256), one window and several, the 64-wide contraction with windows of 128,
  // and a batch of two, whose windows' states interleave with the heads'.
  for (const auto& [d, e] : std::vector<std::pair<int64_t, int64_t>>{{256, 64}, {64, 256}, {136, 248}, {192, 96}})
    c.push_back(long_case(1100, 1, 3, d, e, DType::f16, true, true, 0));
  c.push_back(long_case(700, 2, 3, 192, 136, DType::bf16, true, true, 0));
  c.push_back(long_case(999, 1, 16, 256, 256, DType::bf16, true, true, 4));  // one-pass passes
  for (DType t : {DType::bf16, DType::f16, DType::f32}) {
    c.push_back(long_case(16384, 1, 4, 128, 128, t, true, true, 2));
    c.push_back(long_case(16384 + 17, 1, 2, 64, 64, t, false, true, 2));
  }
  return c;
}

// 128k tokens: outputs grow like sqrt(n) without decay. Slow on the CPU side (float64 reference).
std::vector<VerifyCase> very_long_cases() {
  std::vector<VerifyCase> c;
  for (DType t : {DType::bf16, DType::f16, DType::f32})
    for (bool decay : {false, true}) c.push_back(long_case(131072, 1, 2, 128, 128, t, decay, decay, 2));
  return c;
}

// la2 runs any d, e up to 256 in bf16, f16 and f32, with every feature (decay, scale, states): 64 and
// 128 on the chunk kernels, others in head-dim tiles.
bool la2_runs(const Problem& p) { return p.dim_qk <= 256 && p.dim_v <= 256; }

class La2CudaDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La2CudaDefaults, MatchesReference) { check_case("la2", GetParam(), la2_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, La2CudaDefaults,
                         ::testing::ValuesIn(gpu_test::defaults_in({DType::bf16, DType::f16, DType::f32})), case_name);

class La2CudaExtra : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La2CudaExtra, MatchesReference) { check_case("la2", GetParam(), la2_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, La2CudaExtra, ::testing::ValuesIn(extra_cases()), case_name);

class La2CudaVeryLong : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La2CudaVeryLong, MatchesReference) { check_case("la2", GetParam(), la2_runs); }
INSTANTIATE_TEST_SUITE_P(Verify, La2CudaVeryLong, ::testing::ValuesIn(very_long_cases()), case_name);

// The backward reads the forward's segment data when it has it (the dQ pass); called on its own it
// must make its own. This wrapper drops what the forward saved, so verify checks that path.
class La2WithoutSaved : public Implementation {
 public:
  La2WithoutSaved() : inner_(Registry::instance().create("la2")) {}
  const ImplInfo& info() const override { return inner_->info(); }
  std::optional<std::string> unsupported(const Problem& p) const override { return inner_->unsupported(p); }
  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    inner_->forward(p, io, ws);
    return nullptr;
  }
  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    inner_->backward(p, io, nullptr, ws);
  }

 private:
  std::unique_ptr<Implementation> inner_;
};

// Few segments (the scan in the output kernel), many (the scan kernel) and the one-pass plan (32 heads,
// on Hopper), with states and e != d.
TEST(La2CudaBackwardAlone, MatchesReference) {
  LASUITE_REQUIRE_GPU(gpu);
  for (const VerifyCase& c : {long_case(1000, 1, 3, 128, 64, DType::bf16, true, true, 0),
                              long_case(999, 1, 32, 128, 64, DType::bf16, true, true, 4),  // one-pass passes
                              long_case(16384 + 17, 1, 2, 64, 128, DType::f16, true, true, 0)}) {
    La2WithoutSaved impl;
    CaseResult r = verify_case(impl, c, kSeed);
    std::cout << describe(r) << "\n";
    EXPECT_EQ(r.status, CaseStatus::pass) << describe(r);
    EXPECT_GE(r.checks.size(), 6u) << describe(r);
  }
}

// Both ways of running head dims past 128 (option wide_dims), each against the reference, with states;
// the value tiles also with the plan options that change their steps: the states-only step asked of
// mma.sync (which cannot read value windows: they keep wgmma), the scan kernel over many segments (its
// slope index over the windows' states) at a batch of two.
TEST(La2CudaWideDims, BothWaysMatchReference) {
  LASUITE_REQUIRE_GPU(gpu);
  // On Hopper the value tiles are what wide_dims=value_tiles runs (la2_cuda.cpp's value_tiled): the gate
  // must be open there, or both modes below would run the head-dim tiles.
  if (gpu->info().compute_capability == "9.0") {
    EXPECT_TRUE(la2::value_tiled_dims(192, 192) && la2::value_tiled_dims(128, 256));
    EXPECT_TRUE(la2::wide_kernels_usable(DType::bf16, {}) && la2::wide_kernels_usable(DType::f16, {}));
  }
  using Options = std::vector<std::pair<std::string, std::string>>;
  for (const Options& options : {Options{{"wide_dims", "value_tiles"}}, Options{{"wide_dims", "tiles"}},
                                 Options{{"states_kernel", "mma"}, {"segments", "4"}},
                                 Options{{"scan", "kernel"}, {"segments", "20"}}})
    for (const VerifyCase& c : {long_case(1100, 1, 3, 192, 192, DType::bf16, true, true, 0),
                                long_case(1300, 2, 2, 128, 256, DType::f16, true, true, 0)}) {
      auto impl = Registry::instance().create("la2");
      std::string what;
      for (const auto& [key, value] : options) impl->set_option(key, value), what += key + "=" + value + " ";
      CaseResult r = verify_case(*impl, c, kSeed);
      std::cout << what << ": " << describe(r) << "\n";
      EXPECT_EQ(r.status, CaseStatus::pass) << what << ": " << describe(r);
      EXPECT_GE(r.checks.size(), 6u) << describe(r);
    }
}

// f32 without decay over one long segment (512 chunks walked by one block): the tensor cores' fp32 sums
// do not round to nearest and lean one way, so summed straight into S their error grows with the chunks
// (1.01e-4 at 256 chunks a block on the H200, 2.1e-5 at 64, 1.2e-5 at 32; results/h200/s14). Each
// chunk's update is summed apart and added by one FADD, which leaves the hi/lo split's floor (about
// 6e-6). The bound here is a fifth of the tolerance: a sum straight into S gives about 2e-4.
TEST(La2CudaF32, OneLongSegmentStaysNearTheSplitFloor) {
  LASUITE_REQUIRE_GPU(gpu);
  const VerifyCase c = long_case(32768, 1, 1, 128, 128, DType::f32, false, false, 0);
  auto impl = Registry::instance().create("la2");
  impl->set_option("segments", "1");
  const CaseResult r = verify_case(*impl, c, kSeed);
  EXPECT_EQ(r.status, CaseStatus::pass) << describe(r);
  EXPECT_EQ(r.checks.size(), 4u) << describe(r);
  for (const TensorCheck& t : r.checks) EXPECT_LT(t.rel_frobenius, 2e-5) << t.tensor << ": " << describe(r);
}

// ---- refusals: checked before any launch, so the output keeps its poison ----

struct Tensors {
  Buffer q, k, v, o, slopes;
  ForwardIO io;
};

TensorView device_view(const Buffer& b, DType t, std::array<int64_t, 4> dims) {
  TensorView v;
  v.data = b.data();
  v.dtype = t;
  v.device = DeviceKind::cuda;
  v.dims = dims;
  return v;
}

Tensors make_tensors(Backend& gpu, Workspace& ws, const Problem& p) {
  Tensors t;
  const size_t es = dtype_size(p.dtype);
  const size_t qk = size_t(p.batch * p.heads * p.seqlen * p.dim_qk), vo = size_t(p.batch * p.heads * p.seqlen * p.dim_v);
  t.q = ws.allocate(qk * es + 64, MemoryCategory::inputs);  // + 64: room to misalign a view
  t.k = ws.allocate(qk * es, MemoryCategory::inputs);
  t.v = ws.allocate(vo * es, MemoryCategory::inputs);
  t.o = ws.allocate(vo * es, MemoryCategory::outputs);
  t.slopes = ws.allocate(size_t(p.heads) * 4, MemoryCategory::inputs);
  gpu.fill_bytes(t.q.data(), 0x3c, t.q.bytes());  // small non-zero values in any 16-bit type
  gpu.fill_bytes(t.k.data(), 0x3b, t.k.bytes());
  gpu.fill_bytes(t.v.data(), 0x3a, t.v.bytes());
  gpu.fill_bytes(t.slopes.data(), 0x3c, t.slopes.bytes());
  gpu.fill_bytes(t.o.data(), 0x7f, t.o.bytes());  // the poison
  t.io.q = device_view(t.q, p.dtype, {p.batch, p.heads, p.seqlen, p.dim_qk});
  t.io.k = device_view(t.k, p.dtype, {p.batch, p.heads, p.seqlen, p.dim_qk});
  t.io.v = device_view(t.v, p.dtype, {p.batch, p.heads, p.seqlen, p.dim_v});
  t.io.o = device_view(t.o, p.dtype, {p.batch, p.heads, p.seqlen, p.dim_v});
  t.io.slopes = device_view(t.slopes, DType::f32, {1, 1, 1, p.heads});
  return t;
}

bool output_untouched(Backend& gpu, const Tensors& t) {
  std::vector<uint8_t> host(t.o.bytes());
  gpu.synchronize();
  gpu.copy_to_host(host.data(), t.o.data(), host.size());
  for (uint8_t b : host)
    if (b != 0x7f) return false;
  return true;
}

Problem small_problem() {
  Problem p;
  p.batch = 1, p.heads = 2, p.seqlen = 100, p.dim_qk = 64, p.dim_v = 64;
  p.dtype = DType::bf16;
  p.slopes = alibi_slopes(2);
  return p;
}

// Runs forward and expects an UnsupportedError whose message contains `what`, with nothing launched.
void expect_refused(Backend& gpu, const Problem& p, Tensors& t, const std::string& what) {
  auto impl = Registry::instance().create("la2");
  MemoryTracker tracker;
  Workspace ws(gpu, tracker);
  try {
    impl->forward(p, t.io, ws);
    ADD_FAILURE() << "forward accepted it; expected a refusal mentioning '" << what << "'";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  EXPECT_TRUE(output_untouched(gpu, t)) << "the output was written: something was launched";
}

// On Hopper (compute capability 9.0) the output step runs the wgmma kernel by default, so the tests
// above check that one there; the option kernel=mma (la2_plans_cuda_test.cpp) selects the mma.sync
// kernel, which also serves fp32 and every other GPU.
TEST(La2CudaKernelChoice, WgmmaOnHopperFor16BitTypes) {
  LASUITE_REQUIRE_GPU(gpu);
  const bool hopper = gpu->info().compute_capability == "9.0";
  la2::PassArgs p;
  p.dk = p.dv = 128;
  p.bh = p.heads = 32;
  p.n = 4096;
  la2::PlanOptions mma;
  mma.allow_wgmma = false;
  for (DType t : {DType::bf16, DType::f16}) {
    p.dtype = t;
    EXPECT_EQ(la2::plan_pass(p, {}).wgmma, hopper) << dtype_name(t) << " on " << gpu->info().compute_capability;
    EXPECT_FALSE(la2::plan_pass(p, mma).wgmma) << dtype_name(t);
  }
  p.dtype = DType::f32;
  EXPECT_FALSE(la2::plan_pass(p, {}).wgmma);
}

// The one-pass plan (the output blocks compute the segments' increments themselves) where the Hopper kernel
// runs and the grid fits the device at once; never for a pass that reads another's segment data, and
// never where a block could wait for one that has no room to start.
TEST(La2CudaKernelChoice, OnePassWhereTheGridFitsTheDevice) {
  LASUITE_REQUIRE_GPU(gpu);
  const bool expected = gpu->info().compute_capability == "9.0";
  la2::PassArgs p;
  p.dtype = DType::bf16;
  p.dk = p.dv = 128;
  p.bh = p.heads = 32;
  for (int64_t n : {4096, 65536}) {  // from 128k on 132 SMs its states step in halves (la2_plans_cuda_test)
    p.n = n;
    const la2::PassPlan plan = la2::plan_pass(p, {});
    ASSERT_GT(plan.segments, 1) << n;
    EXPECT_EQ(plan.one_pass, expected) << "n " << n << " on " << gpu->info().compute_capability;
    if (plan.one_pass) {
      EXPECT_LE(p.bh * plan.segments, int64_t(gpu->info().multiprocessors));
    }
    EXPECT_FALSE(la2::plan_pass(p, {}, &plan).one_pass) << "a plan made like another reads that one's data";
  }
  // The verify cases meant to run the one-pass plan (extra_cases, La2CudaBackwardAlone) do.
  struct Shape {
    int64_t n;
    int d, e;
  };
  for (Shape s : {Shape{999, 128, 128}, Shape{1500, 64, 128}, Shape{2053, 64, 64}, Shape{999, 128, 64}}) {
    p.n = s.n, p.dk = s.d, p.dv = s.e;
    EXPECT_EQ(la2::plan_pass(p, {}).one_pass, expected) << "n " << s.n << " d " << s.d << " e " << s.e;
  }
  p.dtype = DType::f32;
  EXPECT_FALSE(la2::plan_pass(p, {}).one_pass);
}

TEST(La2CudaRefuses, HeadDimAbove256) {
  LASUITE_REQUIRE_GPU(gpu);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  Problem p = small_problem();
  p.dim_qk = 257;
  Tensors t = make_tensors(*gpu, ws, p);
  auto impl = Registry::instance().create("la2");
  ASSERT_TRUE(impl->unsupported(p).has_value());
  expect_refused(*gpu, p, t, "head dims above 256");
}

TEST(La2CudaRefuses, NegativeSlope) {
  LASUITE_REQUIRE_GPU(gpu);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  Problem p = small_problem();
  p.slopes = {0.5, -0.25};
  Tensors t = make_tensors(*gpu, ws, p);
  expect_refused(*gpu, p, t, "slopes must be >= 0");
}

TEST(La2CudaRefuses, MisalignedPointer) {
  LASUITE_REQUIRE_GPU(gpu);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  Problem p = small_problem();
  Tensors t = make_tensors(*gpu, ws, p);
  t.io.q.data = t.q.as<uint8_t>() + 2;  // still element-aligned for bf16, not 16-byte aligned
  expect_refused(*gpu, p, t, "q is not 16-byte aligned");
}

TEST(La2CudaRefuses, WrongDtypeShapeOrDevice) {
  LASUITE_REQUIRE_GPU(gpu);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  Problem p = small_problem();
  Tensors t = make_tensors(*gpu, ws, p);
  t.io.k.dtype = DType::f16;
  expect_refused(*gpu, p, t, "k is f16");
  t.io.k.dtype = DType::bf16;
  t.io.v.dims[2] = 99;
  expect_refused(*gpu, p, t, "v has shape");
  t.io.v.dims[2] = p.seqlen;
  t.io.o.device = DeviceKind::cpu;
  expect_refused(*gpu, p, t, "o is on cpu");
  t.io.o.device = DeviceKind::cuda;
  Problem with_state = p;
  with_state.state_out = true;  // no state_out tensor given
  expect_refused(*gpu, with_state, t, "state_out is missing");
}

// Refusals of both directions with tensors that are never dereferenced (gpu_test::fake_call): la2 checks
// the problem and every tensor before it asks for the device, so these run, and must refuse, on a
// machine without a GPU too (CI), each for what is wrong rather than for the missing GPU.
TEST(La2Refuses, BadCallsInBothDirectionsWithoutTouchingTheDevice) {
  using gpu_test::expect_refused;
  using gpu_test::fake_call;
  const Problem p = small_problem();
  gpu_test::expect_refuses_misformed_tensors("la2", p);
  Problem with_state = p;
  with_state.state_in = with_state.state_out = true;  // and no state tensors given
  expect_refused("la2", with_state, fake_call(with_state), "is missing");
  Problem bad_dim = p;
  bad_dim.dim_qk = 300;
  expect_refused("la2", bad_dim, fake_call(bad_dim), "head dims above 256");
  Problem bad_slope = p;
  bad_slope.slopes = {0.5, -0.25};
  expect_refused("la2", bad_slope, fake_call(bad_slope), "slopes must be >= 0");
  Problem too_many = p;
  too_many.batch = 300, too_many.heads = 300;
  too_many.slopes = alibi_slopes(300);
  expect_refused("la2", too_many, fake_call(too_many), "batch x heads above 65535");
}

// The refusal does not need a GPU at all: unsupported() says why for a bad problem anywhere.
TEST(La2CudaRefuses, UnsupportedExplainsWithoutAGpu) {
  auto impl = Registry::instance().create("la2");
  Problem p = small_problem();
  p.dim_v = 512;
  auto why = impl->unsupported(p);
  ASSERT_TRUE(why.has_value());
  EXPECT_FALSE(why->empty());
}

}  // namespace
}  // namespace lasuite
