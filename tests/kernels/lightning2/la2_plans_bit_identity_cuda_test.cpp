// The bit-identity la2's code claims between plans that sum the same terms in the same order (one pass against
// two, the states step in halves, the fused dK/dV pass against its share of three passes, the backward's orders,
// two output warpgroups against one, the backward in windows run twice), each run in one process on the same
// inputs, every output checked written. Skipped, with the reason, where no GPU is usable (CI).
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "tests/kernels/lightning2/la2_plan_runs.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

using namespace la2_plan_runs;

// The one-pass plan sums the same terms in the same order as the two-pass plan with the scan in the
// output blocks when the increments go first chunk to last (la2_wgmma_block.cuh, OwnIncrement): the results must
// agree bit for bit, forward and backward (one_pass=all: the fused dK/dV pass too), states included,
// under either loads: with TMA the fused pass's output step and its states step both read their tiles
// upside down. At d = 128 (the scan's strips summed by both warpgroups) with and without a start state,
// and at d = 64 (one warpgroup's scan). Where the plans are not the ones named (not Hopper) the comparison
// would prove nothing, so it is skipped.
TEST(La2CudaPlans, OnePassBitIdenticalToTwoPasses) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "one pass runs on Hopper only";
  struct Shape {
    int d;
    DType t;
    bool state_in;
  };
  for (const Shape& shape : {Shape{128, DType::bf16, true}, Shape{128, DType::f16, true}, Shape{128, DType::bf16, false},
                             Shape{64, DType::f16, true}}) {
    const DType t = shape.t;
    Problem p;
    p.batch = 1, p.heads = 32, p.seqlen = 999, p.dim_qk = p.dim_v = shape.d;
    p.dtype = t;
    p.slopes = alibi_slopes(p.heads);
    p.state_in = shape.state_in;
    p.state_out = true;
    la2::PassArgs a;
    a.dtype = t, a.dk = a.dv = shape.d, a.bh = a.heads = 32, a.n = p.seqlen;
    for (const char* loads : {"cp_async", "tma"}) {
      const Options one = {{"inc_order", "first_last"}, {"one_pass", "all"}, {"loads", loads}},
                    two = {{"one_pass", "off"}, {"loads", loads}};
      ASSERT_TRUE(la2::plan_pass(a, plan_options(one)).one_pass);
      ASSERT_FALSE(la2::plan_pass(a, plan_options(two)).one_pass);
      ASSERT_TRUE(la2::plan_pass(a, plan_options(two)).scan_in_kernel);
      auto impl_one = la2_with(one), impl_two = la2_with(two);
      auto x = run_once(*gpu, *impl_one, p), y = run_once(*gpu, *impl_two, p);
      // The fused pass's plan: its states step by TMA (upside down) or cp.async.
      ASSERT_EQ(la2::plan_pass(fused_pass_to_plan(a), plan_options(two)).states_tma, std::string(loads) == "tma");
      ASSERT_NO_FATAL_FAILURE(expect_outputs_bit_identical(
          x, y, std::string(dtype_name(t)) + " d=" + std::to_string(shape.d) + (shape.state_in ? " S_0" : "") +
                    " loads=" + loads));
    }
  }
}

// The states step in halves (PassPlan::states_halves) adds two blocks' increments into each zeroed slot,
// which gives the same sum in either order: two runs agree bit for bit. Against whole segments its sums
// are grouped otherwise: the fused pass's outputs (dK, dV, dS_in) agree to rounding and differ in some
// bits (else the halves did not run), the forward and dQ (one kernel, no states step) bit for bit.
// b1 h32, 2999 rows (a partial last chunk), states and decay, d = e = 128 bf16 and 64 f16.
TEST(La2CudaPlans, StatesHalvesMatchWholeSegments) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "the states step in halves is the wgmma kernel's";
  for (const auto& [d, t] : std::vector<std::pair<int, DType>>{{128, DType::bf16}, {64, DType::f16}}) {
    const std::string shape = std::string(dtype_name(t)) + " d=" + std::to_string(d);
    Problem p;
    p.batch = 1, p.heads = 32, p.seqlen = 2999, p.dim_qk = d, p.dim_v = d;
    p.dtype = t;
    p.slopes = alibi_slopes(p.heads);
    p.state_in = p.state_out = true;
    la2::PassArgs a;
    a.dtype = t, a.dk = a.dv = d, a.bh = a.heads = 32, a.n = p.seqlen;
    const Options on = {{"states_halves", "on"}}, off = {{"states_halves", "off"}};
    const la2::PassPlan halves = la2::plan_pass(fused_pass_to_plan(a), plan_options(on));
    ASSERT_TRUE(halves.states_halves) << shape;
    ASSERT_GT(halves.segments, 2) << shape;
    ASSERT_FALSE(la2::plan_pass(a, plan_options(on)).states_halves) << shape << ": the forward in one kernel";
    auto impl_on = la2_with(on), impl_off = la2_with(off);
    auto x = run_once(*gpu, *impl_on, p), again = run_once(*gpu, *impl_on, p), y = run_once(*gpu, *impl_off, p);
    ASSERT_FALSE(x.empty());
    ASSERT_NO_FATAL_FAILURE(expect_outputs_bit_identical(x, again, shape + " (two runs)"));
    const auto differ = expect_forward_equal_reverse_close(x, y, t, 1e-5, shape);
    EXPECT_GT(differ.at("dS_in"), 0u) << shape << ": the halves did not run";
  }
}

// The windows' partial sums land in dQ and dK alike whichever window adds first (two adds into zero), so two
// runs agree bit for bit. A backward without the forward's segment data (its dQ pass sums its own increments)
// agrees with one on them, and the three-pass backward with both, to rounding; the three-pass dQ and dK differ
// from the windows' in some bits (else the windows did not run). 2999 rows, states in and out, bf16.
TEST(La2CudaPlans, BackwardInWindowsRepeatsBitForBit) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "the backward in windows runs on Hopper only";
  Problem p;
  p.batch = 2, p.heads = 3, p.seqlen = 2999, p.dim_qk = 128, p.dim_v = 256, p.dtype = DType::bf16;
  p.slopes = alibi_slopes(p.heads);
  p.state_in = p.state_out = true;
  auto windows = la2_with({}), three = la2_with({{"backward", "three_passes"}});
  const test_support::OutputBytes x = run_once(*gpu, *windows, p), y = run_once(*gpu, *windows, p);
  expect_outputs_bit_identical(x, y, "two runs in windows");
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  const ProblemInputs in = make_inputs(p, ws, DeviceKind::cuda, kSeed, true);
  const test_support::OutputBytes own =
      test_support::forward_backward_bytes(*gpu, *windows, p, in, ws, /*backward_reads_forward=*/false);
  const test_support::OutputBytes z = run_once(*gpu, *three, p);
  for (const char* name : {"dQ", "dK", "dV", "dS_in"}) {
    const bool state = std::string(name) == "dS_in";
    const DType t = state ? DType::f32 : p.dtype;
    // Without the forward's data only the dQ pass differs, so the state's gradient agrees to f32 rounding; the
    // three-pass backward forms it in other kernels, whose decayed operands are rounded to bf16 elsewhere (1.1e-3
    // apart on an H200, each 1.7e-3 from the float64 reference): bf16's tolerance there.
    EXPECT_LT(relative_difference(own.at(name), x.at(name), t), state ? 1e-4 : 1e-2) << name << ": without the forward's data";
    EXPECT_LT(relative_difference(z.at(name), x.at(name), t), 1e-2) << name << ": three passes";
  }
  for (const char* name : {"dQ", "dK"})
    EXPECT_GT(test_support::bytes_differing(z.at(name), x.at(name)), 0u) << name << ": the windows did not run";
}

// output_warpgroups=2: the row-order TMA output step at d = e = 128 with two output warpgroups taking
// alternate chunks (la2_pingpong_kernel.cuh). Its plan takes it for the forward (and dQ) pass only, never
// in one pass; each chunk's products are the one-warpgroup step's in the same order and the state the
// same walk, so against `one_pass=off output_warpgroups=1` every output is the same bit for bit (the backward's reverse
// passes are the same kernels), with and without a start state, one segment and several, bf16 and f16,
// rows not a multiple of 64; and forward and backward pass against the reference.
TEST(La2CudaPlans, TwoOutputWarpgroupsMatchOne) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "the step runs on Hopper only";
  const Options two = {{"output_warpgroups", "2"}};
  la2::PassArgs a;
  a.dtype = DType::bf16, a.dk = a.dv = 128, a.bh = a.heads = 32, a.n = 4096;
  const la2::PassPlan plan = la2::plan_pass(a, plan_options(two));
  EXPECT_TRUE(plan.pingpong);
  EXPECT_FALSE(plan.one_pass);
  EXPECT_EQ(plan.slots, la2::plan_pass(a, {}).slots) << "one block an SM";
  EXPECT_FALSE(la2::plan_pass(a, {}).pingpong);
  EXPECT_FALSE(la2::plan_pass(fused_pass_to_plan(a), plan_options(two)).pingpong) << "not the dual step";
  a.reverse = true;
  EXPECT_FALSE(la2::plan_pass(a, plan_options(two)).pingpong) << "row order only";

  for (const Options& extra : {Options{}, Options{{"segments", "1"}}, Options{{"segments", "8"}, {"scan", "kernel"}}})
    for (DType t : {DType::bf16, DType::f16})
      for (bool state_in : {true, false}) {
        const Problem p = two_output_problem(t, state_in);
        // Both sides' dQ passes fixed to their own step (auto would give both the two-warpgroup one).
        Options one = {{"one_pass", "off"}, {"output_warpgroups", "1"}}, both = {{"one_pass", "off"}, two.front()};
        one.insert(one.end(), extra.begin(), extra.end());
        both.insert(both.end(), extra.begin(), extra.end());
        auto impl_one = la2_with(one), impl_two = la2_with(both);
        auto x = run_once(*gpu, *impl_two, p), y = run_once(*gpu, *impl_one, p);
        ASSERT_NO_FATAL_FAILURE(expect_outputs_bit_identical(
            x, y, describe(both) + " " + dtype_name(t) + (state_in ? " S_0" : "")));
      }
  for (const VerifyCase& c : {long_case(999, 1, 32, 128, 128, DType::bf16, true, true, 4),
                              long_case(4096, 1, 8, 128, 128, DType::f16, false, true, 0)}) {
    auto impl = la2_with(two);
    CaseResult r = verify_case(*impl, c, kSeed);
    EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
    EXPECT_GE(r.checks.size(), 4u);
  }
}

// output_warpgroups=dq and auto (the default): the forward as the default plans it (one pass where it
// can), the dQ pass on the two-output-warpgroup step (dq: always; auto: where its blocks are one wave of
// several segments a head of at most 16 chunks, as the forward's at 4k b1 h32 are, and not at 16k). The dQ pass is never one pass, so its
// products and walk are the one-warpgroup step's in the same order: every output bit for bit that of
// output_warpgroups=1.
TEST(La2CudaPlans, TwoOutputWarpgroupsInDqPassOnly) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "the step runs on Hopper only";
  const Options dq = {{"output_warpgroups", "dq"}}, one = {{"output_warpgroups", "1"}};
  la2::PassArgs a;
  a.dtype = DType::bf16, a.dk = a.dv = 128, a.bh = a.heads = 32, a.n = 4096;
  for (const Options& o : {dq, Options{}}) {
    const la2::PassPlan fwd = la2::plan_pass(a, plan_options(o));
    EXPECT_FALSE(fwd.pingpong) << describe(o) << ": not the forward";
    EXPECT_EQ(fwd.one_pass, la2::plan_pass(a, plan_options(one)).one_pass) << describe(o);
    ASSERT_LE(fwd.seg_chunks, 16) << "the forward's segments at 4k";
    EXPECT_TRUE(la2::plan_pass(a, la2::dq_pass_options(plan_options(o)), &fwd).pingpong) << describe(o);
  }
  EXPECT_FALSE(la2::plan_pass(a, la2::dq_pass_options(plan_options(one)), nullptr).pingpong);
  a.n = 16384;
  const la2::PassPlan fwd16k = la2::plan_pass(a, {});
  ASSERT_GT(fwd16k.seg_chunks, 16) << "the forward's segments at 16k";
  EXPECT_FALSE(la2::plan_pass(a, la2::dq_pass_options({}), &fwd16k).pingpong) << "auto: long segments";
  EXPECT_TRUE(la2::plan_pass(a, la2::dq_pass_options(plan_options(dq)), &fwd16k).pingpong);

  // The problem below: its dQ pass takes the step under auto too (else the loop would compare a path with itself).
  la2::PassArgs small;
  small.dtype = DType::bf16, small.dk = small.dv = 128, small.bh = 10, small.heads = 5, small.n = 2999;
  const la2::PassPlan small_fwd = la2::plan_pass(small, {});
  ASSERT_GT(small_fwd.segments, 1) << "the dQ pass reads the forward's segment data";
  ASSERT_TRUE(la2::plan_pass(small, la2::dq_pass_options({}), &small_fwd).pingpong) << "auto at b2 h5 n2999";
  for (const Options& o : {dq, Options{}})
    for (DType t : {DType::bf16, DType::f16})
      for (bool state_in : {true, false}) {
        const Problem p = two_output_problem(t, state_in);
        auto impl_two = la2_with(o), impl_one = la2_with(one);
        auto x = run_once(*gpu, *impl_two, p), y = run_once(*gpu, *impl_one, p);
        ASSERT_NO_FATAL_FAILURE(expect_outputs_bit_identical(
            x, y, describe(o) + " " + dtype_name(t) + (state_in ? " S_0" : "")));
      }
}

// The fused pass's first output is the dV pass's, from the same walk, state and products: with one
// segment (so the three-pass dV computes its own states rather than reading the dK pass's) dV, dS_in
// and everything but dK agree bit for bit with three passes. dK does not: the dK pass rounds the
// decayed dO into its update's operand, the fused pass the decayed Q (checked against the reference
// above instead).
TEST(La2CudaPlans, FusedBackwardShareOfThreePassesBitIdentical) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "the fused backward runs on Hopper only";
  for (int d : {64, 128}) {
    Problem p;
    p.batch = 1, p.heads = 8, p.seqlen = 999, p.dim_qk = p.dim_v = d;
    p.dtype = DType::bf16;
    p.slopes = alibi_slopes(p.heads);
    p.state_in = p.state_out = true;
    // loads=cp_async: the fused pass's TMA tiles are read upside down (other sums over keys than the
    // dV pass's, which reverses rows as it copies them).
    auto fused = la2_with({{"segments", "1"}, {"loads", "cp_async"}}),
         three = la2_with({{"segments", "1"}, {"backward", "three_passes"}, {"loads", "cp_async"}});
    auto x = run_once(*gpu, *fused, p), y = run_once(*gpu, *three, p);
    size_t dk_differ = 0;
    for (const auto& [name, bytes] : x) {
      ASSERT_EQ(bytes.size(), y[name].size()) << name;
      const size_t differ = test_support::bytes_differing(bytes, y[name]);
      if (name == "dK") dk_differ = differ;
      else EXPECT_EQ(differ, 0u) << "d=" << d << " " << name << ": " << differ << " bytes differ";
    }
    // The fused path must have run: the same dK bytes would mean both backwards took three passes.
    EXPECT_GT(dk_differ, 0u) << "d=" << d << ": dK identical to three passes' (fused path not taken?)";
    std::cout << "d=" << d << ": dK bytes that differ between fused and three passes: " << dk_differ << "\n";
  }
}

// backward_order=states_first runs the same kernels on the same inputs in another order (the fused pass's
// states step ahead of the dQ pass; under dq_first it starts early beside the dQ pass's tail with
// states_beside_dq=2, after it with off), so every output is the same bit for bit as under dq_first; with the
// scan in the fused pass's output blocks, with the scan kernel (also in the states part) and with the states
// step in halves (whose slots dq_first's caller zeroes ahead of the dQ pass, states_first's run_pass just
// ahead of the step; the dq_first runs find NaN left in the allocator's pool) and on mma.sync (its own end-
// wait), a start state, d = 128 and 64. The fused pass must have a states step (several segments, not one
// pass), else the two orders would be one.
TEST(La2CudaPlans, FusedStatesStepBeforeDqPassBitIdentical) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "the fused backward runs on Hopper only";
  // Where auto takes it at b1 h32 d128 (the fused pass's segments at most 64 chunks: up to 16k).
  la2::PassArgs b1;
  b1.dtype = DType::bf16, b1.dk = b1.dv = 128, b1.bh = b1.heads = 32;
  for (int64_t n : {4096, 16384, 65536}) {
    b1.n = n;
    EXPECT_EQ(la2::fused_states_first({}, la2::plan_pass(fused_pass_to_plan(b1), {})), n <= 16384) << n;
  }
  for (int d : {64, 128})
    for (const Options& extra : {Options{}, Options{{"segments", "8"}, {"scan", "kernel"}},
                                 Options{{"segments", "4"}, {"states_halves", "on"}},
                                 Options{{"segments", "4"}, {"states_kernel", "mma"}}}) {
      Problem p = two_output_problem(DType::bf16, /*state_in=*/true);
      p.dim_qk = p.dim_v = d;
      la2::PassArgs a;
      a.dtype = p.dtype, a.dk = a.dv = d, a.bh = p.batch * p.heads, a.heads = p.heads, a.n = p.seqlen;
      const la2::PassPlan fused = la2::plan_pass(fused_pass_to_plan(a), plan_options(extra));
      ASSERT_TRUE(fused.dual) << "d=" << d;
      ASSERT_GT(fused.segments, 1) << "d=" << d << " " << describe(extra);
      ASSERT_FALSE(fused.one_pass) << "d=" << d << " " << describe(extra);
      ASSERT_EQ(fused.states_halves, has(extra, "states_halves", "on")) << "d=" << d << " " << describe(extra);
      Options first = extra, after = extra;
      first.push_back({"backward_order", "states_first"});
      after.push_back({"backward_order", "dq_first"});
      Options after_plain = after;
      after.push_back({"states_beside_dq", "2"});
      after_plain.push_back({"states_beside_dq", "off"});
      ASSERT_EQ(la2::states_beside_dq_chunks(plan_options(after), fused, a), 2)  // the dQ pass is d x d too
          << "d=" << d << " " << describe(after);
      auto impl_first = la2_with(first), impl_after = la2_with(after), impl_after_plain = la2_with(after_plain);
      auto x = run_once(*gpu, *impl_first, p);
      // The early states step's halves add into slots its caller zeroed: memory left full of NaN in the
      // allocator's pool, which the run's buffers likely reuse, shows a slot that was not.
      KeptFreedMemory kept(*gpu, true);
      leave_nan_in_pool(*gpu, 64 << 20);
      auto y = run_once(*gpu, *impl_after, p);
      auto z = run_once(*gpu, *impl_after_plain, p);
      ASSERT_NO_FATAL_FAILURE(expect_outputs_bit_identical(x, y, "d=" + std::to_string(d) + " " + describe(first)));
      ASSERT_NO_FATAL_FAILURE(
          expect_outputs_bit_identical(x, z, "d=" + std::to_string(d) + " " + describe(after_plain)));
    }
}

}  // namespace
}  // namespace lasuite
