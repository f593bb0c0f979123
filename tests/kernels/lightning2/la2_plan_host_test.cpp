// la2's cost model (choose_plan) without a GPU: on a described H200 it chooses the plans the H200 took in the measured
// record, options override it as they say, every plan it makes is one the launches can run, and a device that cannot
// run a pass is told so before any launch.
#include "kernels/lightning2/la2_plan_host.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/errors.h"
#include "kernels/lightning2/la2_chunk_launch.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_plan_options_host.h"
#include "tests/kernels/lightning2/la2_recorded_plans.h"

namespace lasuite::la2 {
namespace {

// Distinct addresses standing for kernels: the cost model compares them and passes them on.
alignas(16) char kernel_marks[32];
const void* mark(int i) { return &kernel_marks[i]; }

// One (element type, d, e)'s kernels as chunk_kernel gives them for a dense batch at the kernels' own widths: every
// role present, the shared memory of each within an H200's 227 KiB.
ChunkKernel own_width_kernels() {
  ChunkKernel k;
  int i = 0;
  for (const void** f : {&k.func, &k.states_func, &k.wgmma_func, &k.wgmma_states_func, &k.states_tma_func,
                         &k.states_tma_rev_func, &k.dual_func, &k.tma_func, &k.dual_tma_func, &k.tma_narrow_func,
                         &k.dual_tma_narrow_func, &k.ragged_tma_func, &k.ragged_dual_tma_func, &k.pingpong_func})
    *f = mark(i++);
  k.smem_one_state_buf = 80 << 10, k.smem_two_state_bufs = 112 << 10, k.states_smem = 48 << 10;
  k.wgmma_smem = k.tma_smem = 160 << 10, k.wgmma_states_smem = 96 << 10, k.dual_smem = 200 << 10;
  k.pingpong_threads = 384;
  return k;
}

// The windowed Hopper kernels (chunk_kernel's `windowed`: 128 x 128, 192 x 64, 256 x 64) as a value-tiled pass finds
// them: no mma.sync step, a states step by cp.async, no narrow, ragged or two-output-warpgroup variant, a dual step at
// 128 x 128 only.
ChunkKernel windowed_kernels(int dk, int dv) {
  ChunkKernel k;
  k.wgmma_func = mark(20), k.wgmma_states_func = mark(21), k.tma_func = mark(22), k.tma_rev_func = mark(23);
  if (dk == 128 && dv == 128) k.dual_tma_func = mark(24);
  k.wgmma_smem = k.tma_smem = 176 << 10, k.wgmma_states_smem = 104 << 10, k.dual_smem = 208 << 10;
  return k;
}

// The dynamic shared memory each of own_width_kernels' kernels launches with (the mma.sync output step's with two
// state buffers; one is its other size).
size_t launch_smem(const ChunkKernel& k, const void* func) {
  if (func == k.func) return k.smem_two_state_bufs;
  if (func == k.states_func) return k.states_smem;
  if (func == k.wgmma_states_func || func == k.states_tma_func || func == k.states_tma_rev_func)
    return k.wgmma_states_smem;
  if (func == k.wgmma_func) return k.wgmma_smem;
  if (func == k.dual_func || func == k.dual_tma_func || func == k.dual_tma_narrow_func ||
      func == k.ragged_dual_tma_func)
    return k.dual_smem;
  return k.tma_smem;  // the TMA output steps: plain, narrow, ragged, two output warpgroups
}

// An H200 as the CUDA runtime reports it, with the occupancy the record's plans imply and NOTES states: at d = e = 128
// one output-step block an SM, at 64 two (the d = 64 dQ pass "two blocks an SM"); the wgmma states-only step two blocks
// an SM at either width (the halves' "two blocks an SM").
PlanDevice h200(int d, const ChunkKernel& k = own_width_kernels()) {
  PlanDevice dev;
  dev.name = "described H200";
  dev.sms = 132;
  dev.smem_optin = 227 << 10;
  dev.major = 9, dev.minor = 0;
  dev.cooperative_launch = true;
  dev.tensor_maps = true;
  dev.image_is_sm90a = [](const void*) { return true; };
  const std::vector<const void*> states = {k.states_func, k.wgmma_states_func, k.states_tma_func,
                                           k.states_tma_rev_func};
  dev.blocks_per_sm = [states, d, k](const void* func, size_t smem, int threads) {
    // The occupancy query is asked of the kernel with the shared memory and block it launches with.
    const bool fits = smem == launch_smem(k, func) || (func == k.func && smem == k.smem_one_state_buf);
    EXPECT_TRUE(fits) << "kernel " << func << " asked with " << smem << " bytes";
    EXPECT_EQ(threads, func == k.pingpong_func ? k.pingpong_threads : kBlockThreads) << "kernel " << func;
    for (const void* s : states)
      if (s == func) return 2;
    return d == 64 ? 2 : 1;
  };
  return dev;
}

using recorded::dense;
using recorded::dq_pass;
using recorded::fused_pass;
using recorded::tensor;

TEST(La2PlanHost, ChoosesThePlansTheH200RecordTook) {
  recorded::expect_recorded_plans([](const PassArgs& p, const PlanOptions& options, const PassPlan* like) {
    const ChunkKernel k = windowed(p) ? windowed_kernels(p.dk, p.dv) : own_width_kernels();
    return choose_plan(p, k, options, h200(p.dk, k), like);
  });
}

TEST(La2PlanHost, OptionsOverrideTheModel) {
  const ChunkKernel k = own_width_kernels();
  const PlanDevice dev = h200(128);
  const PassArgs p = dense(1, 32, 65536, 128);  // the model: 4 segments of 256 chunks, one pass
  PlanOptions o;
  o.segments = 8;
  EXPECT_EQ(choose_plan(p, k, o, dev).segments, 8);
  o = {};
  o.one_pass = PlanOptions::OnePass::off;
  PassPlan plan = choose_plan(p, k, o, dev);
  EXPECT_FALSE(plan.one_pass);
  EXPECT_EQ(plan.flag_bytes, 0u);
  EXPECT_GT(plan.segbuf_bytes, 0u);
  o.states_halves = PlanOptions::Halves::on;
  EXPECT_TRUE(choose_plan(p, k, o, dev).states_halves) << "asked, and the plan has two kernels";
  o = {};
  o.scan = PlanOptions::Scan::kernel;
  plan = choose_plan(p, k, o, dev);
  EXPECT_FALSE(plan.scan_in_kernel);
  EXPECT_FALSE(plan.one_pass) << "one pass needs the scan in the output blocks";
  o = {};
  o.segments = 33;  // past kMaxKernelScanIncrements: the model's scan is the scan kernel's
  const PassArgs long_pass = dense(1, 16, 1 << 20, 128);
  EXPECT_FALSE(choose_plan(long_pass, k, o, dev).scan_in_kernel);
  o.scan = PlanOptions::Scan::blocks;
  EXPECT_TRUE(choose_plan(long_pass, k, o, dev).scan_in_kernel);
  o = {};
  o.output_warpgroups = PlanOptions::OutputWarpgroups::two;
  plan = choose_plan(p, k, o, dev);
  EXPECT_TRUE(plan.pingpong);
  EXPECT_FALSE(plan.one_pass) << "the two-output-warpgroup step has no one-pass variant";
  EXPECT_EQ(output_kernel(k, plan, false), k.pingpong_func);
  EXPECT_EQ(output_threads(k, plan), k.pingpong_threads);
  o = {};
  o.allow_wgmma = false;
  plan = choose_plan(p, k, o, dev);
  EXPECT_FALSE(plan.wgmma);
  EXPECT_FALSE(plan.one_pass);
  EXPECT_EQ(output_kernel(k, plan, false), k.func);
  o = {};
  o.tma_loads = false;
  plan = choose_plan(p, k, o, dev);
  EXPECT_FALSE(plan.tma);
  EXPECT_EQ(output_kernel(k, plan, false), k.wgmma_func);
  o = {};
  o.cooperative_one_pass = false;
  plan = choose_plan(p, k, o, dev);
  EXPECT_TRUE(plan.one_pass);
  EXPECT_FALSE(plan.cooperative);
  o = {};
  o.early_start = false;
  EXPECT_FALSE(choose_plan(p, k, o, dev).early_start);
  EXPECT_TRUE(choose_plan(p, k, {}, dev).early_start);
}

// The states step in halves where a half walks enough chunks and one wave holds the halves, and the split where one
// wave and several are near (SplitsOn132Slots asserts the same of plan_pass on a 132-slot GPU).
TEST(La2PlanHost, HalvesAndWavesOnTheDescribedH200) {
  const ChunkKernel k = own_width_kernels();
  const PlanDevice dev = h200(128);
  PlanOptions whole_segments, one_kernel, two_kernels, halves_asked;
  whole_segments.states_halves = PlanOptions::Halves::off;
  one_kernel.one_pass = PlanOptions::OnePass::all;
  two_kernels.one_pass = PlanOptions::OnePass::off;
  halves_asked = two_kernels;
  halves_asked.states_halves = PlanOptions::Halves::on;
  for (const int64_t n : {16384, 65536, 131072}) {
    SCOPED_TRACE("n" + std::to_string(n));
    const PassArgs dual = fused_pass(1, 32, n, 128);
    const PassPlan halves = choose_plan(dual, k, {}, dev);
    EXPECT_EQ(halves.states_halves, n >= 65536);
    EXPECT_EQ(halves.segments, 4);
    EXPECT_EQ(halves.fine, 1);
    EXPECT_FALSE(choose_plan(dual, k, whole_segments, dev).states_halves);
    EXPECT_EQ(halves.segbuf_bytes, choose_plan(dual, k, whole_segments, dev).segbuf_bytes);
    EXPECT_FALSE(choose_plan(dual, k, one_kernel, dev).states_halves);
    const PassArgs fwd = dense(1, 32, n, 128);
    const PassPlan forward = choose_plan(fwd, k, {}, dev);
    EXPECT_EQ(forward.states_halves, n >= 131072);
    EXPECT_EQ(forward.one_pass, n < 131072);
    EXPECT_TRUE(choose_plan(fwd, k, whole_segments, dev).one_pass);
    const PassPlan one = choose_plan(fwd, k, one_kernel, dev);
    EXPECT_TRUE(one.one_pass && !one.states_halves);
    EXPECT_EQ(choose_plan(fwd, k, two_kernels, dev).states_halves, n >= 131072);
    EXPECT_TRUE(choose_plan(fwd, k, halves_asked, dev).states_halves);
    PassArgs reverse = fwd;  // a reverse pass of its own data (three passes' dK): one kernel
    reverse.reverse = true;
    EXPECT_FALSE(choose_plan(reverse, k, {}, dev).states_halves);
  }
  // b1 h42 at 96 x 96, read in place by the 128 x 128 kernels, 128k rows: the forward takes one wave as one
  // pass (3 segments a head); the fused pass, two kernels at any split, keeps the waves.
  PassArgs wide = dense(1, 42, 131072, 128);
  wide.cols_qk = wide.cols_v = wide.cols_o = 96;
  const PassPlan forward = choose_plan(wide, k, {}, dev);
  EXPECT_EQ(forward.segments, 3);
  EXPECT_TRUE(forward.one_pass);
  EXPECT_TRUE(forward.narrow_products);
  wide.reverse = true, wide.x = tensor(5), wide.o2 = tensor(6);
  EXPECT_EQ(choose_plan(wide, k, {}, dev).segments, 22);
}

TEST(La2PlanHost, AnotherPassesSplitIsKept) {
  const ChunkKernel k = own_width_kernels();
  const PlanDevice dev = h200(128);
  PlanOptions o;
  o.segments = 5;
  const PassPlan first = choose_plan(dense(1, 32, 65536, 128), k, o, dev);
  ASSERT_EQ(first.segments, 5);
  const PassPlan second = choose_plan(dq_pass(1, 32, 65536, 128), k, {}, dev, &first);
  EXPECT_EQ(second.segments, first.segments);
  EXPECT_EQ(second.seg_chunks, first.seg_chunks);
  EXPECT_EQ(second.fine, first.fine);
  EXPECT_EQ(second.scan_in_kernel, first.scan_in_kernel);
  EXPECT_FALSE(second.one_pass) << "a pass on another's data runs its outputs alone";
  EXPECT_FALSE(second.states_halves);
}

TEST(La2PlanHost, ARaggedGridRunsEachSequenceInOneBlock) {
  ChunkKernel k = own_width_kernels();
  k.tma_func = k.ragged_tma_func;          // pass_kernels' substitution for a ragged grid
  PassArgs p = dense(1, 32, 131072, 128);  // n: the longest sequence
  p.ragged = reinterpret_cast<const RaggedSequence*>(tensor(7));
  const PassPlan plan = choose_plan(p, k, {}, h200(128));
  EXPECT_EQ(plan.segments, 1);
  EXPECT_EQ(plan.seg_chunks, 2048);
  EXPECT_FALSE(plan.one_pass);
  EXPECT_EQ(plan.segbuf_bytes, 0u);
}

// Whatever the shape and options, the plan is one run_pass can launch: the split covers the sequence, a one-pass grid
// fits the device at once, the buffers are sized for the plan.
TEST(La2PlanHost, EveryPlanIsOneTheLaunchesRun) {
  const ChunkKernel k = own_width_kernels();
  const std::vector<int64_t> lengths = {1, 63, 64, 65, 1000, 4096, 30000, 131072, 1 << 20};
  int plans = 0, finer = 0;
  for (const int d : {64, 128})
    for (const int64_t heads : {1, 7, 32, 40, 132})
      for (const int64_t n : lengths)
        for (const auto one_pass :
             {PlanOptions::OnePass::automatic, PlanOptions::OnePass::all, PlanOptions::OnePass::off})
          for (const int segments : {0, 8, 33})  // the model's split, and splits asked past one wave
            for (const bool fused : {false, true})
              for (const bool wgmma_states : {true, false}) {  // false: the mma.sync states step, split finer
                SCOPED_TRACE("d" + std::to_string(d) + " h" + std::to_string(heads) + " n" + std::to_string(n) +
                             (fused ? " fused" : " forward") + " one_pass " + std::to_string(int(one_pass)) +
                             " segments " + std::to_string(segments) + (wgmma_states ? "" : " mma.sync states"));
                PlanOptions o;
                o.one_pass = one_pass;
                o.segments = segments;
                o.allow_wgmma_states = wgmma_states;
                const PlanDevice dev = h200(d);
                const PassArgs p = fused ? fused_pass(1, heads, n, d) : dense(1, heads, n, d);
                const PassPlan plan = choose_plan(p, k, o, dev);
                ++plans;
                finer += plan.fine > 1;
                if (plan.fine > 1) EXPECT_FALSE(plan.wgmma_states) << "the wgmma states step is never split";
                const int64_t nchunks = (n + kChunkRows - 1) / kChunkRows;
                EXPECT_GE(int64_t(plan.segments) * plan.seg_chunks, nchunks);
                EXPECT_LT(int64_t(plan.segments - 1) * plan.seg_chunks, nchunks);
                EXPECT_EQ(plan.seg_chunks % plan.fine, 0);
                const void* out = output_kernel(k, plan, p.reverse);
                EXPECT_EQ(plan.slots,
                          int64_t(dev.sms) * dev.blocks_per_sm(out, plan.smem_bytes, output_threads(k, plan)));
                if (plan.one_pass) {
                  EXPECT_NE(one_pass, PlanOptions::OnePass::off);
                  EXPECT_LE(heads * plan.segments, plan.slots)
                      << "a one-pass grid waits on itself: it must fit at once";
                  EXPECT_TRUE(plan.scan_in_kernel);
                  EXPECT_EQ(plan.flag_bytes, size_t(heads) * plan.segments * sizeof(int));
                } else {
                  EXPECT_EQ(plan.flag_bytes, 0u);
                }
                if (plan.states_halves) {
                  EXPECT_FALSE(plan.one_pass);
                  EXPECT_EQ(plan.seg_chunks % 2, 0);
                  EXPECT_GT(plan.segments, 1);
                }
                EXPECT_EQ(plan.segbuf_bytes,
                          plan.segments > 1 ? size_t(heads) * fine_segments(plan, nchunks) * d * d * 4 : 0u);
                if (plan.scan_in_kernel) EXPECT_LE((plan.segments - 1) * plan.fine, kMaxKernelScanIncrements);
                EXPECT_EQ(plan.dual, fused);
              }
  EXPECT_EQ(plans, 2 * 5 * 9 * 3 * 3 * 2 * 2);
  EXPECT_GT(finer, 0) << "no plan split its states step finer than its outputs";
}

TEST(La2PlanHost, ADeviceThatCannotRunAPassSaysSo) {
  const ChunkKernel k = own_width_kernels();
  const PassArgs p = dense(1, 32, 4096, 128);
  PlanDevice small = h200(128);
  small.smem_optin = 100 << 10;  // below the wgmma kernels' and the mma.sync kernel's two buffers
  PassPlan plan = choose_plan(p, k, {}, small);
  EXPECT_FALSE(plan.wgmma) << "the wgmma kernels do not fit";
  EXPECT_EQ(plan.state_bufs, 1);
  small.smem_optin = 64 << 10;
  try {
    choose_plan(p, k, {}, small);
    ADD_FAILURE() << "a kernel past the device's shared memory was planned";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("bytes of shared memory per block"), std::string::npos) << e.what();
  }
  // An Ampere device, or a Hopper one without the sm_90a image, runs the mma.sync kernels.
  PlanDevice ampere = h200(128);
  ampere.major = 8;
  EXPECT_FALSE(choose_plan(p, k, {}, ampere).wgmma);
  PlanDevice no_image = h200(128);
  no_image.image_is_sm90a = [](const void*) { return false; };
  EXPECT_FALSE(choose_plan(p, k, {}, no_image).wgmma);
  // A shape only the wgmma kernels have (no mma.sync kernel) is refused there, by name.
  ChunkKernel wgmma_only = k;
  wgmma_only.func = nullptr;
  try {
    choose_plan(p, wgmma_only, {}, ampere);
    ADD_FAILURE() << "a wgmma-only shape was planned on a device without wgmma";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("runs only on the Hopper (wgmma) kernels"), std::string::npos) << e.what();
  }
  EXPECT_THROW(choose_plan(p, ChunkKernel{}, {}, h200(128)), UnsupportedError);
  // A dual pass whose kernels lack a second output is a caller's error (dual_pass_usable is asked first).
  ChunkKernel no_dual = k;
  no_dual.dual_tma_func = no_dual.dual_func = nullptr;
  EXPECT_THROW(choose_plan(fused_pass(1, 32, 4096, 128), no_dual, {}, h200(128)), std::logic_error);
}

TEST(La2PlanHost, UnalignedTensorsLeaveTheCopyEngine) {
  const ChunkKernel k = own_width_kernels();
  PassArgs p = dense(1, 32, 4096, 128);
  p.v = static_cast<const char*>(p.v) + 2;  // a 16-bit element off the copy engine's 16 bytes
  const PassPlan plan = choose_plan(p, k, {}, h200(128));
  EXPECT_FALSE(plan.tma);
  EXPECT_TRUE(plan.wgmma);
  PlanDevice no_maps = h200(128);
  no_maps.tensor_maps = false;
  EXPECT_FALSE(choose_plan(dense(1, 32, 4096, 128), k, {}, no_maps).tma);
}

// The fused pass's plan varied where it has no states part to move (one segment, one pass, or no second
// output: three passes), for the backward-order rules below.
std::vector<PassPlan> without_states_part(const PassPlan& fused) {
  PassPlan one_segment = fused, one_pass = fused, not_fused = fused;
  one_segment.segments = 1, one_pass.one_pass = true, not_fused.dual = false;
  return {one_segment, one_pass, not_fused};
}

// states_beside_dq: how late the dQ pass lets the fused pass's states step launch beside it (dQ-first
// order). No GPU needed: the rule reads the options, the fused pass's plan and the dQ pass's widths.
TEST(La2PlanHost, StatesBesideDqRule) {
  PassArgs d64, d128;
  d64.dk = d64.dv = 64, d128.dk = d128.dv = 128;
  PassPlan fused;  // segments long enough for dQ-first order under auto (fused_states_first)
  fused.dual = true, fused.segments = 4, fused.early_start = true;
  fused.seg_chunks = kStatesFirstMaxSegmentChunks + 1;
  PlanOptions o;
  EXPECT_EQ(states_beside_dq_chunks(o, fused, d64), kStatesBesideDqChunksD64);
  EXPECT_EQ(states_beside_dq_chunks(o, fused, d128), 0);
  set_plan_option(o, "states_beside_dq", "off");
  EXPECT_EQ(states_beside_dq_chunks(o, fused, d64), 0);
  set_plan_option(o, "states_beside_dq", "5");
  EXPECT_EQ(states_beside_dq_chunks(o, fused, d128), 5);
  // No states step to start early, no early start at all, or the states step first.
  std::vector<PassPlan> none = without_states_part(fused);
  none.push_back(fused), none.back().early_start = false;
  for (const PassPlan& p : none) EXPECT_EQ(states_beside_dq_chunks(o, p, d128), 0);
  PlanOptions states_first = o;
  set_plan_option(states_first, "backward_order", "states_first");
  EXPECT_EQ(states_beside_dq_chunks(states_first, fused, d128), 0);
  set_plan_option(o, "states_beside_dq", "auto");
  EXPECT_EQ(states_beside_dq_chunks(o, fused, d64), kStatesBesideDqChunksD64);
  EXPECT_EQ(states_beside_dq_chunks(o, fused, d128), 0);
}

// backward_order: where the fused pass's states step runs ahead of the dQ pass. No GPU needed: the rule
// reads the fused pass's plan only.
TEST(La2PlanHost, BackwardOrderRule) {
  PassPlan fused;
  fused.dual = true, fused.segments = 4, fused.seg_chunks = kStatesFirstMaxSegmentChunks;
  PlanOptions automatic, dq_first, states_first;
  set_plan_option(dq_first, "backward_order", "dq_first");
  set_plan_option(states_first, "backward_order", "states_first");
  EXPECT_TRUE(fused_states_first(automatic, fused)) << "short segments (16k at b1 h32)";
  EXPECT_FALSE(fused_states_first(dq_first, fused));
  EXPECT_TRUE(fused_states_first(states_first, fused));
  fused.seg_chunks += 1;
  EXPECT_FALSE(fused_states_first(automatic, fused)) << "long segments";
  EXPECT_TRUE(fused_states_first(states_first, fused));
  // Nothing to move: one segment, one pass, or no second output (three passes).
  fused.seg_chunks = 16;
  for (const PassPlan& p : without_states_part(fused)) {
    EXPECT_FALSE(fused_states_first(states_first, p));
    EXPECT_FALSE(fused_states_first(automatic, p));
  }
}

}  // namespace
}  // namespace lasuite::la2
