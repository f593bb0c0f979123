// split_packed: which sequences of a packed batch share la2's ragged launch, in what order, and which
// run on their own. No GPU needed.
#include "kernels/lightning2/la2_ragged_host.h"

#include <gtest/gtest.h>

#include <vector>

#include "harness/packed_lengths.h"

namespace lasuite::la2 {
namespace {

Problem packed(const std::vector<int64_t>& lengths, int64_t heads) {
  Problem p;
  p.heads = heads;
  p.cu_seqlens = {0};
  for (int64_t n : lengths) p.cu_seqlens.push_back(p.cu_seqlens.back() + n);
  p.seqlen = p.cu_seqlens.back();
  return p;
}

std::vector<int64_t> indices(const RaggedSplit& s) {
  std::vector<int64_t> v;
  for (const RaggedSequence& r : s.table) v.push_back(r.index);
  return v;
}

TEST(La2RaggedSplit, ManyComparableSequencesShareOneLaunchLongestFirst) {
  const Problem p = packed({3000, 0, 9000, 100, 9000, 4096, 1}, 32);
  const RaggedSplit s = split_packed(p, 132);
  EXPECT_TRUE(s.alone.empty());
  EXPECT_EQ(indices(s), (std::vector<int64_t>{2, 4, 5, 0, 3, 6}));  // the empty one in neither
  EXPECT_EQ(s.longest, 9000);
  EXPECT_EQ(s.table[1].row0, 3000 + 9000 + 100);
  EXPECT_EQ(s.table[1].n, 9000);
}

TEST(La2RaggedSplit, SequencesThatWouldOutlastTheRestRunAlone) {
  // At 4 heads the 100k sequence's blocks would take 1567 chunk times, and even the 2000- and 1000-row
  // ones' 36 and 20 against the short ones' 5: each of those alone, split over the device, takes about
  // its work over 132 slots plus a pass's overhead (about 9 chunk times).
  const Problem p = packed({1000, 100000, 15, 63, 2000}, 4);
  const RaggedSplit s = split_packed(p, 132);
  EXPECT_EQ(s.alone, (std::vector<int64_t>{0, 1, 4}));
  EXPECT_EQ(indices(s), (std::vector<int64_t>{3, 2}));
  // At 32 heads the short and middle ones fill the device together; the 100k one still runs alone.
  const RaggedSplit wide = split_packed(packed({1000, 100000, 15, 63, 2000, 3000, 3000, 2500}, 32), 132);
  EXPECT_EQ(wide.alone, (std::vector<int64_t>{1}));
  EXPECT_EQ(indices(wide), (std::vector<int64_t>{5, 6, 7, 4, 0, 3, 2}));
}

// The packed case of la2's fused-backward GPU test (la2_plans_cuda_test.cpp) at an H200's 132 slots: its two
// long sequences run alone, as segmented passes that the test's plan options reach, the rest in one
// ragged grid. Pinned here so that a change of the split cannot quietly make that case all-ragged.
TEST(La2RaggedSplit, FusedBackwardTestsPackedCaseRunsBothWays) {
  const RaggedSplit s = split_packed(packed({0, 15, 100, 300, 1200, 2000}, 4), 132);
  EXPECT_EQ(s.alone, (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(indices(s), (std::vector<int64_t>{3, 2, 1}));
}

TEST(La2RaggedSplit, ShortSequencesStayTogetherEvenWhenTheyCannotFillTheDevice) {
  const Problem p = packed({7, 0, 65, 1}, 4);
  const RaggedSplit s = split_packed(p, 132);
  EXPECT_TRUE(s.alone.empty());
  EXPECT_EQ(indices(s), (std::vector<int64_t>{2, 0, 3}));
}

// The batch the packed bar is measured on (results/h200/h200_la2_packed_256k_*): 31 sequences of 1..42209
// tokens at 32 heads on the H200's 132 output slots all share the one launch.
TEST(La2RaggedSplit, TheBenchmarkedBatchSharesOneLaunch) {
  Problem p;
  p.heads = 32;
  p.cu_seqlens = parse_packed_lengths("loguniform:1..64k,total=256k,seed=7").cu_seqlens();
  p.seqlen = p.cu_seqlens.back();
  const RaggedSplit s = split_packed(p, 132);
  EXPECT_TRUE(s.alone.empty());
  EXPECT_EQ(s.table.size(), 31u);
  EXPECT_EQ(s.longest, 42209);
}

TEST(La2RaggedSplit, ALoneLongSequenceRunsOnItsOwn) {
  const RaggedSplit s = split_packed(packed({0, 50000}, 32), 132);
  EXPECT_EQ(s.alone, (std::vector<int64_t>{1}));
  EXPECT_TRUE(s.table.empty());
  EXPECT_EQ(s.longest, 0);
}

}  // namespace
}  // namespace lasuite::la2
