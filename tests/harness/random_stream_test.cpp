// Seeded inputs: what the device receives is exactly what the reference regenerates, at the
// amplitude asked for.
#include "harness/random_stream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace lasuite {
namespace {

TEST(RandomStream, RegeneratedSliceEqualsWhatTheDeviceGotBitForBit) {
  Backend* cpu = backend_for(DeviceKind::cpu);
  ASSERT_NE(cpu, nullptr);
  const size_t count = 300000, first = 123457, slice = 5000;  // more than one parallel grain
  for (DType dt : {DType::f64, DType::f32, DType::bf16, DType::f16}) {
    SCOPED_TRACE(dtype_name(dt));
    std::vector<unsigned char> device(count * dtype_size(dt));
    random_stream_fill(*cpu, device.data(), dt, count, 99, 3, kUnitVarianceAmplitude);
    std::vector<double> uploaded(count), regenerated(slice);
    convert_to_f64(device.data(), dt, uploaded.data(), count);
    random_stream_rounded(99, 3, first, slice, dt, kUnitVarianceAmplitude, regenerated.data());
    EXPECT_EQ(std::memcmp(uploaded.data() + first, regenerated.data(), slice * sizeof(double)), 0);
    if (dt != DType::f64) {  // rounding happened: not the raw float64 values
      int rounded = 0;
      for (size_t i = 0; i < slice; ++i) rounded += regenerated[i] != random_stream_value(99, 3, first + i, kUnitVarianceAmplitude);
      EXPECT_GT(rounded, static_cast<int>(slice) / 2);
    }
  }
}

TEST(RandomStream, UnitVarianceNeverZeroAndDistinctPerSeedAndStream) {
  const size_t n = 200000;
  std::vector<double> x(n);
  random_stream_rounded(5, 1, 0, n, DType::f64, kUnitVarianceAmplitude, x.data());
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
  EXPECT_NE(random_stream_value(5, 1, 7, kUnitVarianceAmplitude), random_stream_value(6, 1, 7, kUnitVarianceAmplitude));
  EXPECT_NE(random_stream_value(5, 1, 7, kUnitVarianceAmplitude), random_stream_value(5, 2, 7, kUnitVarianceAmplitude));
  EXPECT_NE(random_stream_value(5, 1, 7, kUnitVarianceAmplitude), random_stream_value(5, 1, 8, kUnitVarianceAmplitude));
  EXPECT_EQ(random_stream_value(5, 1, 7, kUnitVarianceAmplitude), x[7]);
}

// Bench asks for uniform values in [-1, 1) (README); the same stream scaled, never zero.
TEST(RandomStream, AmplitudeScalesTheSameStream) {
  const size_t n = 100000;
  std::vector<double> unit(n), bench(n);
  random_stream_rounded(8, 2, 0, n, DType::f64, kUnitVarianceAmplitude, unit.data());
  random_stream_rounded(8, 2, 0, n, DType::f64, 1.0, bench.data());
  double max_abs = 0;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NEAR(bench[i] * kUnitVarianceAmplitude, unit[i], 1e-12);
    EXPECT_NE(bench[i], 0.0);
    max_abs = std::max(max_abs, std::fabs(bench[i]));
  }
  EXPECT_LE(max_abs, 1.0);
  EXPECT_GT(max_abs, 0.99);
}

}  // namespace
}  // namespace lasuite
