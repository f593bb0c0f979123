// value_tiling, contraction_tiling, value_tiled_dims and window_backward_dims: which kernel and how many
// windows a pass past 128 runs on, and which head dims take those paths. No GPU needed.
#include "kernels/lightning2/la2_value_tiles_host.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>

namespace lasuite::la2 {
namespace {

void expect_tiling(int64_t contraction, int64_t value, int dk, int dv, int tiles) {
  const ValueTiling t = value_tiling(contraction, value);
  EXPECT_EQ(t.dk, dk) << contraction << " x " << value;
  EXPECT_EQ(t.dv, dv) << contraction << " x " << value;
  EXPECT_EQ(t.tiles, tiles) << contraction << " x " << value;
}

TEST(La2ValueTiling, KernelFollowsTheContraction) {
  expect_tiling(64, 256, 64, 128, 2);    // the 64-wide contraction, windows of 128
  expect_tiling(40, 200, 64, 128, 2);    // read in place at 64
  expect_tiling(128, 256, 128, 128, 2);
  expect_tiling(96, 136, 128, 128, 2);   // a last window of 8 columns
  expect_tiling(136, 64, 192, 64, 1);    // past 128: the 192-wide kernel, windows of 64
  expect_tiling(192, 192, 192, 64, 3);
  expect_tiling(200, 96, 256, 64, 2);    // past 192: the 256-wide one
  expect_tiling(256, 256, 256, 64, 4);
  expect_tiling(256, 8, 256, 64, 1);
}

TEST(La2ValueTiling, RefusesWidthsOutside1To256) {
  EXPECT_THROW(value_tiling(0, 64), std::invalid_argument);
  EXPECT_THROW(value_tiling(257, 64), std::invalid_argument);
  EXPECT_THROW(value_tiling(64, 300), std::invalid_argument);
}

TEST(La2ValueTiling, MostWindowsOfAnyPass) {
  EXPECT_EQ(max_value_tiles(192, 192), 3);
  EXPECT_EQ(max_value_tiles(128, 256), 2);  // forward 2 of 128, dQ and dK 2 of 64
  EXPECT_EQ(max_value_tiles(256, 64), 2);   // forward 1 of 64, dQ and dK 2 of 128
  EXPECT_EQ(max_value_tiles(136, 248), 4);  // dV: 248 in windows of 64
}

TEST(La2ValueTiledDims, OnlyDimsPast128InWholeRowPieces) {
  EXPECT_TRUE(value_tiled_dims(192, 192));
  EXPECT_TRUE(value_tiled_dims(128, 256));
  EXPECT_TRUE(value_tiled_dims(256, 8));
  EXPECT_TRUE(value_tiled_dims(136, 40));
  EXPECT_FALSE(value_tiled_dims(128, 128));  // native
  EXPECT_FALSE(value_tiled_dims(96, 96));    // in place at 128 (head-dim tiles)
  EXPECT_FALSE(value_tiled_dims(200, 100));  // not multiples of 8: the kernels read 16-byte row pieces
  EXPECT_FALSE(value_tiled_dims(130, 64));
  EXPECT_FALSE(value_tiled_dims(264, 64));
}

// The dQ pass of a backward in windows of e: its contraction (e) in windows of 128 on the 128 x 128 kernel,
// beside a value (d) of at most 128.
TEST(La2ContractionTiling, TwoWindowsOf128) {
  for (const auto& [contraction, tiles] : {std::pair<int64_t, int>{256, 2}, {136, 2}, {200, 2}, {129, 2}}) {
    const ValueTiling t = contraction_tiling(contraction, 128);
    EXPECT_EQ(t.dk, 128) << contraction;
    EXPECT_EQ(t.dv, 128) << contraction;
    EXPECT_EQ(t.tiles, tiles) << contraction;
  }
  // The windows are the forward's value windows at d x e (so the dQ pass reads its segment data).
  EXPECT_EQ(contraction_tiling(256, 128).tiles, value_tiling(128, 256).tiles);
  EXPECT_EQ(contraction_tiling(200, 96).tiles, value_tiling(96, 200).tiles);
  EXPECT_THROW(contraction_tiling(128, 128), std::invalid_argument);  // nothing to cut
  EXPECT_THROW(contraction_tiling(264, 128), std::invalid_argument);
  EXPECT_THROW(contraction_tiling(256, 136), std::invalid_argument);  // the value past the kernel
}

void expect_region(const tiles::TileRegion& r, int64_t rows, int64_t cols, int64_t row0, int64_t row_count, int64_t col0,
                   int64_t col_count, const char* what) {
  EXPECT_EQ(r.blocks, 6) << what;
  EXPECT_EQ(r.rows, rows) << what;
  EXPECT_EQ(r.cols, cols) << what;
  EXPECT_EQ(r.row0, row0) << what;
  EXPECT_EQ(r.row_count, row_count) << what;
  EXPECT_EQ(r.col0, col0) << what;
  EXPECT_EQ(r.col_count, col_count) << what;
}

// The block of a state each window moves: value windows cut the value's columns of a row-major [d][e] state
// (the forward's, dV's) or its rows stored transposed ([e][d]); windows of the contraction cut the
// contraction's rows, or its columns stored transposed (the dQ pass's S0^T, which is S0 [d][e] read as [e][d]:
// window z is S0's columns of that window of e). The last window is what is left.
TEST(La2StateWindow, CutsTheWindowedAxisInEitherLayout) {
  const ValueTiling v = value_tiling(96, 200);  // the forward at d = 96, e = 200: windows of 128 of e
  expect_region(state_window(6, 96, 200, v, 0, false, false), 96, 200, 0, 96, 0, 128, "value, row-major, first");
  expect_region(state_window(6, 96, 200, v, 1, false, false), 96, 200, 0, 96, 128, 72, "value, row-major, last");
  expect_region(state_window(6, 96, 200, v, 1, true, false), 200, 96, 128, 72, 0, 96, "value, transposed, last");
  const ValueTiling c = contraction_tiling(200, 96);  // the dQ pass there: its contraction e = 200 in windows of 128
  expect_region(state_window(6, 200, 96, c, 1, true, true), 96, 200, 0, 96, 128, 72, "contraction, transposed, last");
  expect_region(state_window(6, 200, 96, c, 0, false, true), 200, 96, 0, 128, 0, 96, "contraction, row-major, first");
  // The dQ pass's window z of S0^T is the forward's value window z of S0: the same block of the same memory.
  const tiles::TileRegion q = state_window(6, 200, 96, c, 1, true, true), f = state_window(6, 96, 200, v, 1, false, false);
  EXPECT_TRUE(q.rows == f.rows && q.cols == f.cols && q.row0 == f.row0 && q.row_count == f.row_count &&
              q.col0 == f.col0 && q.col_count == f.col_count);
  EXPECT_THROW(state_window(6, 96, 200, v, 2, false, false), std::invalid_argument);
}

TEST(La2WindowBackwardDims, DUpTo128BesideEPast128) {
  EXPECT_TRUE(window_backward_dims(128, 256));
  EXPECT_TRUE(window_backward_dims(96, 200));
  EXPECT_TRUE(window_backward_dims(72, 136));
  EXPECT_FALSE(window_backward_dims(64, 256));   // the 64-wide contraction's kernel has no TMA windows
  EXPECT_FALSE(window_backward_dims(256, 128));  // d past 128: its state does not fit a block
  EXPECT_FALSE(window_backward_dims(192, 192));
  EXPECT_FALSE(window_backward_dims(128, 128));  // native
  EXPECT_FALSE(window_backward_dims(100, 200));  // not a multiple of 8
}

}  // namespace
}  // namespace lasuite::la2
