// dim_tiles: how la1 and la2 cut a head dim the chunk kernels do not take into padded tiles. No GPU needed.
#include "kernels/common/head_dim_tiles_host.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lasuite::tiles {
namespace {

TEST(HeadDimTiles, NativeDimsAreOneTileWithoutPadding) {
  for (int64_t d : {64, 128}) {
    const auto t = dim_tiles(d);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].begin, 0);
    EXPECT_EQ(t[0].size, d);
    EXPECT_EQ(t[0].padded, d);
  }
  EXPECT_TRUE(native_dims(64, 128));
  EXPECT_FALSE(native_dims(96, 128));
  EXPECT_FALSE(native_dims(128, 256));
}

TEST(HeadDimTiles, EveryDimIsCoveredOnceByTilesTheKernelsTake) {
  for (int64_t d = 1; d <= kMaxHeadDim; ++d) {
    SCOPED_TRACE("d " + std::to_string(d));
    const auto tiles = dim_tiles(d);
    ASSERT_EQ(tiles.size(), d <= 128 ? 1u : 2u);
    int64_t next = 0;
    for (const DimTile& t : tiles) {
      EXPECT_EQ(t.begin, next);
      EXPECT_GT(t.size, 0);
      EXPECT_TRUE(t.padded == 64 || t.padded == 128);
      EXPECT_GE(t.padded, t.size);
      EXPECT_LT(t.padded - t.size, 64);  // the narrower width whenever it is enough
      next = t.begin + t.size;
    }
    EXPECT_EQ(next, d);
  }
}

// A whole tile is used in place of a copy: only a native dim's one tile is whole.
TEST(HeadDimTiles, OnlyANativeDimIsAWholeTile) {
  for (int64_t d = 1; d <= kMaxHeadDim; ++d) {
    const auto tiles = dim_tiles(d);
    EXPECT_EQ(tiles[0].whole(d), native_dim(d)) << "d " << d;
    for (size_t i = 1; i < tiles.size(); ++i) EXPECT_FALSE(tiles[i].whole(d)) << "d " << d;
  }
}

// Softmax's padding: the whole dim in one tile, at the narrowest of 64, 128 and 256 that holds it;
// whole (no copy) exactly at those three widths.
TEST(HeadDimTiles, PaddedDimIsTheWholeDimAtTheNarrowestWidth) {
  for (int64_t d = 1; d <= kMaxHeadDim; ++d) {
    const DimTile t = padded_dim(d);
    EXPECT_EQ(t.begin, 0) << "d " << d;
    EXPECT_EQ(t.size, d) << "d " << d;
    EXPECT_EQ(t.padded, d <= 64 ? 64 : d <= 128 ? 128 : 256) << "d " << d;
    EXPECT_EQ(t.whole(d), d == 64 || d == 128 || d == 256) << "d " << d;
  }
}

TEST(HeadDimTiles, DimsOutsideTheRangeAreRefused) {
  EXPECT_THROW(dim_tiles(0), std::invalid_argument);
  EXPECT_THROW(dim_tiles(257), std::invalid_argument);
  EXPECT_THROW(padded_dim(0), std::invalid_argument);
  EXPECT_THROW(padded_dim(257), std::invalid_argument);
}

}  // namespace
}  // namespace lasuite::tiles
