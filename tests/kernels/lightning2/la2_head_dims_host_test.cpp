// dim_tiles: how la2 cuts a head dim the chunk kernels do not take into padded tiles. No GPU needed.
#include "kernels/lightning2/la2_head_dims_host.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lasuite::la2 {
namespace {

TEST(La2HeadDims, NativeDimsAreOneTileWithoutPadding) {
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

TEST(La2HeadDims, EveryDimIsCoveredOnceByTilesTheKernelsTake) {
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

TEST(La2HeadDims, DimsOutsideTheRangeAreRefused) {
  EXPECT_THROW(dim_tiles(0), std::invalid_argument);
  EXPECT_THROW(dim_tiles(257), std::invalid_argument);
}

}  // namespace
}  // namespace lasuite::la2
