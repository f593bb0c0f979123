// la2_state_layout.h: the layouts of a state in memory, and the split of an element's offset into a
// thread's part and a compile-time part that the kernels' StateRegs use. No GPU needed.
#include "kernels/lightning2/la2_state_layout.h"

#include <gtest/gtest.h>

#include <vector>

namespace lasuite::la2 {
namespace {

namespace sl = state_layout;

// Every layout is a bijection of the DK x DV elements onto [0, DK DV), and the named ones are what
// they say.
template <int L, int DK, int DV>
void expect_bijection() {
  std::vector<int> seen(DK * DV, 0);
  for (int r = 0; r < DK; ++r)
    for (int c = 0; c < DV; ++c) {
      const int e = sl::index<L, DK, DV>(r, c);
      ASSERT_GE(e, 0);
      ASSERT_LT(e, DK * DV);
      ++seen[e];
    }
  for (int e = 0; e < DK * DV; ++e) EXPECT_EQ(seen[e], 1) << "layout " << L << " element " << e;
}

TEST(La2StateLayout, EachLayoutPlacesEveryElementOnce) {
  expect_bijection<sl::kRowMajor, 64, 128>();
  expect_bijection<sl::kTransposed, 128, 64>();
  expect_bijection<sl::kBlocked, 192, 64>();
  expect_bijection<sl::kBlockedTransposed, 64, 256>();
}

TEST(La2StateLayout, NamedLayoutsPlaceElementsWhereTheySay) {
  EXPECT_EQ((sl::index<sl::kRowMajor, 64, 128>(3, 5)), 3 * 128 + 5);
  EXPECT_EQ((sl::index<sl::kTransposed, 64, 128>(3, 5)), 5 * 64 + 3);
  // Blocked, 128 columns (16 blocks a block row): (11, 21) is in block (1, 2), at (3, 5) within it.
  EXPECT_EQ((sl::index<sl::kBlocked, 64, 128>(11, 21)), (1 * 16 + 2) * 64 + 3 * 8 + 5);
  // Blocked transposed: (11, 21) of a 64 x 128 state is (21, 11) of the stored 128 x 64 matrix.
  EXPECT_EQ((sl::index<sl::kBlockedTransposed, 64, 128>(11, 21)), (2 * 8 + 1) * 64 + 5 * 8 + 3);
  // The transposed blocked layout of one pass's state is the blocked layout of its transpose.
  for (int r = 0; r < 64; ++r)
    for (int c = 0; c < 128; ++c)
      ASSERT_EQ((sl::index<sl::kBlockedTransposed, 64, 128>(r, c)), (sl::index<sl::kBlocked, 128, 64>(c, r)));
}

TEST(La2StateLayout, BlockedCoordinatesInvertTheBlockedIndex) {
  for (int cols : {64, 128, 192, 256})
    for (int e = 0; e < 128 * cols; ++e) {
      const int r = sl::blocked_row(e, cols), c = sl::blocked_col(e, cols);
      ASSERT_LT(c, cols);
      int back = 0;
      switch (cols) {
        case 64: back = sl::index<sl::kBlocked, 128, 64>(r, c); break;
        case 128: back = sl::index<sl::kBlocked, 128, 128>(r, c); break;
        case 192: back = sl::index<sl::kBlocked, 128, 192>(r, c); break;
        default: back = sl::index<sl::kBlocked, 128, 256>(r, c); break;
      }
      ASSERT_EQ(back, e) << cols << " columns";
    }
}

// The kernels' split: for a thread (g, t) of a strip starting at (row0, col0), float i of strip mt
// (rows g + 8 ((i / 2) % 2), columns 8 (i / 4) + 2 t + i % 2, strips STEP rows apart) lies at
// thread_part + fixed_part, for every row0 and col0 the kernels use (multiples of 8).
template <int L, int DK, int DV, int STEP, int MT, int COLS>
void expect_split() {
  for (int row0 = 0; row0 + (MT - 1) * STEP + 16 <= DK; row0 += 8)
    for (int col0 = 0; col0 + COLS <= DV; col0 += 8)
      for (int g = 0; g < 8; ++g)
        for (int t = 0; t < 4; ++t)
          for (int mt = 0; mt < MT; ++mt)
            for (int i = 0; i < COLS / 2; ++i) {
              const int r = mt * STEP + 8 * ((i >> 1) & 1), c = 8 * (i >> 2) + (i & 1);
              ASSERT_EQ((sl::thread_part<L, DK, DV>(row0, col0, g, t) + sl::fixed_part<L, DK, DV>(r, c)),
                        (sl::index<L, DK, DV>(row0 + g + r, col0 + 2 * t + c)))
                  << "layout " << L << " row0 " << row0 << " col0 " << col0 << " g " << g << " t " << t << " mt " << mt
                  << " i " << i;
            }
}

TEST(La2StateLayout, ThreadAndFixedPartsAddUpToTheIndex) {
  // The kernels' state shapes (StateRegs<DK, DV, MT, COLS, STEP>), every row0 and col0 a multiple of 8
  // that fits (the kernels' own among them). wgmma: all of DV, strips 64 rows apart, DK / 64 of them in
  // the output steps, and the states-only step's halves of S at d = 128 and 256 (row0 up to 176).
  expect_split<sl::kRowMajor, 128, 128, 64, 2, 128>();
  expect_split<sl::kTransposed, 128, 128, 64, 2, 128>();
  expect_split<sl::kBlocked, 128, 128, 64, 2, 128>();
  expect_split<sl::kBlockedTransposed, 128, 128, 64, 2, 128>();
  expect_split<sl::kBlocked, 64, 64, 64, 1, 64>();
  expect_split<sl::kBlockedTransposed, 64, 128, 64, 1, 128>();
  expect_split<sl::kBlocked, 128, 64, 64, 2, 64>();
  expect_split<sl::kBlocked, 192, 64, 64, 3, 64>();
  expect_split<sl::kBlocked, 256, 64, 64, 4, 64>();
  expect_split<sl::kBlockedTransposed, 256, 64, 64, 4, 64>();
  expect_split<sl::kBlocked, 256, 64, 64, 2, 64>();
  expect_split<sl::kBlocked, 128, 128, 64, 1, 128>();
  // mma.sync: DK / 64 strips 16 rows apart, DV / 2 columns a warp.
  expect_split<sl::kRowMajor, 64, 64, 16, 1, 32>();
  expect_split<sl::kTransposed, 64, 64, 16, 1, 32>();
  expect_split<sl::kBlocked, 64, 128, 16, 1, 64>();
  expect_split<sl::kBlockedTransposed, 128, 64, 16, 2, 32>();
  expect_split<sl::kBlocked, 128, 128, 16, 2, 64>();
}

}  // namespace
}  // namespace lasuite::la2
