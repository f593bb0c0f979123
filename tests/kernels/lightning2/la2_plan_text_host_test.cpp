// plan_text and calls_text: a pass's plan, and a call's passes, in the words a result file's `plan` carries. No GPU
// needed.
#include "kernels/lightning2/la2_plan_text_host.h"

#include <gtest/gtest.h>

namespace lasuite::la2 {
namespace {

TEST(La2PlanText, SaysTheSplitTheKernelsAndTheMoves) {
  PassPlan one;
  one.segments = 4, one.seg_chunks = 16, one.scan_in_kernel = true, one.one_pass = true, one.wgmma = true;
  one.tma = true;
  EXPECT_EQ(plan_text(one), "4 segments of 16 chunks, one pass, wgmma, TMA");

  PassPlan two = one;
  two.one_pass = false, two.states_halves = true, two.states_tma = true, two.dual = true, two.seg_chunks = 512;
  EXPECT_EQ(plan_text(two), "4 segments of 512 chunks, states step in halves by TMA then outputs, wgmma, TMA, dual output");

  PassPlan scan;
  scan.segments = 33, scan.seg_chunks = 496, scan.fine = 2;
  EXPECT_EQ(plan_text(scan), "33 segments of 496 chunks, states step in 2 parts a segment, scan kernel, outputs, mma.sync, cp.async");

  PassPlan dq = one;
  dq.one_pass = false, dq.pingpong = true;
  EXPECT_EQ(plan_text(dq), "4 segments of 16 chunks, states step then outputs, wgmma, TMA, two output warpgroups");
  PassPlan narrow = one;
  narrow.narrow_products = true;
  EXPECT_EQ(plan_text(narrow), "4 segments of 16 chunks, one pass, wgmma, TMA, narrow products");
  // A pass on an earlier pass's segment data runs its outputs alone, one_pass or not.
  EXPECT_EQ(plan_text(one, /*reads_prior=*/true), "4 segments of 16 chunks, outputs on an earlier pass's segment data, wgmma, TMA");

  PassPlan single;
  single.seg_chunks = 1;
  EXPECT_EQ(plan_text(single), "1 segment of 1 chunk, mma.sync, cp.async") << "one segment: no states step to name";
}

TEST(La2PlanText, SaysACallsPassesOnceEachInTheirOrder) {
  PassPlan one;
  one.segments = 4, one.seg_chunks = 16, one.scan_in_kernel = true, one.one_pass = true, one.wgmma = true;
  one.tma = true;
  PassNote forward;
  forward.has_plan = true, forward.plan = one;
  PassNote dq = forward;
  dq.what = "dQ ", dq.reads_prior = true;
  PassNote fused = forward;
  fused.what = "dK and dV fused, ", fused.plan.dual = true, fused.plan.one_pass = false;
  fused.after = ", its states step before the dQ pass";
  PassNote tiles;
  tiles.what = "in head-dim tiles (each pair a native run)";
  EXPECT_EQ(calls_text({forward, forward}, {}), "forward: 4 segments of 16 chunks, one pass, wgmma, TMA")
      << "a pass run twice (two sequences, two tiles) is said once";
  EXPECT_EQ(calls_text({tiles, forward}, {dq, fused}),
            "forward: in head-dim tiles (each pair a native run); 4 segments of 16 chunks, one pass, wgmma, TMA | "
            "backward: dQ 4 segments of 16 chunks, outputs on an earlier pass's segment data, wgmma, TMA; dK and dV "
            "fused, 4 segments of 16 chunks, states step then outputs, wgmma, TMA, dual output, its states step "
            "before the dQ pass");
  EXPECT_EQ(calls_text({}, {dq}), "backward: dQ 4 segments of 16 chunks, outputs on an earlier pass's segment data, "
                                  "wgmma, TMA");
  EXPECT_EQ(calls_text({}, {}), "");
}

TEST(La2PlanText, SaysWindowsTheirKernelAndHowTheyAdd) {
  PassNote n;
  n.what = "dQ ", n.has_plan = true;
  n.plan.segments = 1, n.plan.seg_chunks = 8, n.plan.wgmma = true, n.plan.tma = true;
  n.tiling = {128, 128, 2};
  EXPECT_EQ(n.text(), "dQ in 2 value windows on the 128 x 128 kernel: 1 segment of 8 chunks, wgmma, TMA");
  n.of_contraction = true, n.adds = true, n.plan.adds_by_tma = true;
  EXPECT_EQ(n.text(), "dQ in 2 windows of the contraction on the 128 x 128 kernel, partial sums added by the copy "
                      "engine: 1 segment of 8 chunks, wgmma, TMA");
  n.plan.adds_by_tma = false;
  EXPECT_NE(n.text().find(", partial sums added by 16-byte atomics: "), std::string::npos) << n.text();
  PassNote ragged;
  ragged.ragged = true, ragged.has_plan = true, ragged.plan = n.plan;
  EXPECT_EQ(ragged.text(), "a ragged grid of 1 segment of 8 chunks, wgmma, TMA");
}

}  // namespace
}  // namespace lasuite::la2
