// plan_text: a pass's plan in the words a result file's `plan` carries. No GPU needed.
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

}  // namespace
}  // namespace lasuite::la2
