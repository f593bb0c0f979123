// Verification inputs: what the device receives is exactly what the reference regenerates.
#include "harness/verify_random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace lasuite {
namespace {

TEST(VerifyRandom, RegeneratedSliceEqualsWhatTheDeviceGotBitForBit) {
  Backend* cpu = backend_for(DeviceKind::cpu);
  ASSERT_NE(cpu, nullptr);
  const size_t count = 300000, first = 123457, slice = 5000;  // more than one parallel grain
  for (DType dt : {DType::f64, DType::f32, DType::bf16, DType::f16}) {
    SCOPED_TRACE(dtype_name(dt));
    std::vector<unsigned char> device(count * dtype_size(dt));
    verify_random_fill(*cpu, device.data(), dt, count, 99, 3);
    std::vector<double> uploaded(count), regenerated(slice);
    convert_to_f64(device.data(), dt, uploaded.data(), count);
    verify_random_rounded(99, 3, first, slice, dt, regenerated.data());
    EXPECT_EQ(std::memcmp(uploaded.data() + first, regenerated.data(), slice * sizeof(double)), 0);
    if (dt != DType::f64) {  // rounding happened: not the raw float64 values
      int rounded = 0;
      for (size_t i = 0; i < slice; ++i) rounded += regenerated[i] != verify_random_value(99, 3, first + i);
      EXPECT_GT(rounded, static_cast<int>(slice) / 2);
    }
  }
}

TEST(VerifyRandom, UnitVarianceNeverZeroAndDistinctPerSeedAndStream) {
  const size_t n = 200000;
  std::vector<double> x(n);
  verify_random_rounded(5, 1, 0, n, DType::f64, x.data());
  double sum = 0, sq = 0, max_abs = 0;
  for (double v : x) {
    sum += v;
    sq += v * v;
    max_abs = std::max(max_abs, std::fabs(v));
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.01);
  EXPECT_LE(max_abs, std::sqrt(3.0));
  EXPECT_GT(max_abs, 1.7);
  EXPECT_NE(verify_random_value(5, 1, 7), verify_random_value(6, 1, 7));
  EXPECT_NE(verify_random_value(5, 1, 7), verify_random_value(5, 2, 7));
  EXPECT_NE(verify_random_value(5, 1, 7), verify_random_value(5, 1, 8));
  EXPECT_EQ(verify_random_value(5, 1, 7), x[7]);
}

}  // namespace
}  // namespace lasuite
