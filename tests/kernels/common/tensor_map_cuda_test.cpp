// The tensor maps of kernels/common/tensor_map.h: which tensors the copy engine can describe (host
// logic, runs everywhere) and the driver's encoding of one (needs a GPU's driver; skipped without).
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>

#include "kernels/common/tensor_map.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

alignas(16) const unsigned char kBytes[256] = {};

TEST(TensorMaps, EncodableOnlyWith16ByteAddressesAndRowStrides) {
  EXPECT_TRUE(dev::row_tiles_encodable(kBytes, 64, 100));
  EXPECT_TRUE(dev::row_tiles_encodable(kBytes + 16, 8, 1));
  EXPECT_FALSE(dev::row_tiles_encodable(kBytes + 8, 64, 100)) << "address not a multiple of 16 bytes";
  EXPECT_FALSE(dev::row_tiles_encodable(kBytes, 60, 100)) << "a 120-byte row stride";
  EXPECT_FALSE(dev::row_tiles_encodable(kBytes, 0, 100));
  EXPECT_FALSE(dev::row_tiles_encodable(kBytes, 64, 0));
  EXPECT_FALSE(dev::row_tiles_encodable(kBytes, 64, (int64_t(1) << 32) + 1)) << "more rows than a map dim holds";
  EXPECT_FALSE(dev::row_tiles_encodable(kBytes, 64, int64_t(1) << 31)) << "row coordinates past an int";
  EXPECT_TRUE(dev::row_tiles_encodable(kBytes, 64, (int64_t(1) << 31) - 129));
  EXPECT_FALSE(dev::row_tiles_encodable(kBytes, 512, int64_t(1) << 30)) << "a head stride of 2^40 bytes";
}

TEST(TensorMaps, DriverEncodesAMapAndRefusesWhatCannotBeOne) {
  LASUITE_REQUIRE_GPU(gpu);
  (void)gpu;
  void* q = nullptr;
  ASSERT_EQ(cudaMalloc(&q, size_t(32) * 1000 * 128 * 2), cudaSuccess);  // [32][1000][128] 16-bit
  dev::TensorMap map{};
  EXPECT_NO_THROW(map = dev::rows_of_heads(q, 128, 1000, 32, 1000));
  bool any = false;
  for (unsigned char b : map.bytes) any = any || b != 0;
  EXPECT_TRUE(any) << "the driver wrote nothing";
  EXPECT_THROW(dev::rows_of_heads(static_cast<char*>(q) + 8, 128, 1000, 32, 1000), std::runtime_error);
  EXPECT_NO_THROW(dev::rows_of_heads(q, 128, 1000, 32, 1000, 16)) << "a warp's 16-row boxes (the outputs')";
  EXPECT_THROW(dev::rows_of_heads(q, 128, 1000, 32, 1000, 512), std::runtime_error) << "a box past 256 rows";
  cudaFree(q);
}

}  // namespace
}  // namespace lasuite
