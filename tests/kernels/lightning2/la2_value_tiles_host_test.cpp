// value_tiling and value_tiled_dims: which kernel and how many value windows a pass past 128 runs on,
// and which head dims take that path. No GPU needed.
#include "kernels/lightning2/la2_value_tiles_host.h"

#include <gtest/gtest.h>

#include <stdexcept>

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

}  // namespace
}  // namespace lasuite::la2
