#include "harness/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace lasuite {

TEST(Dtype, Bf16RoundTripIsWithinHalfAnUlp) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  for (int i = 0; i < 10000; ++i) {
    float x = nd(rng) * 100.0f;
    float y = bf16_bits_to_float(float_to_bf16_bits(x));
    EXPECT_LE(std::fabs(x - y), std::fabs(x) * (1.0f / 256.0f)) << x;
  }
}

TEST(Dtype, F16RoundTripIsWithinHalfAnUlpIncludingSubnormals) {
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> ud(-8.0f, 8.0f);
  for (int i = 0; i < 10000; ++i) {
    float x = std::ldexp(ud(rng), -(i % 24));
    float y = f16_bits_to_float(float_to_f16_bits(x));
    float ulp = std::max(std::ldexp(std::fabs(x), -10), std::ldexp(1.0f, -24));
    EXPECT_LE(std::fabs(x - y), ulp * 0.5f + 1e-12f) << x;
  }
  EXPECT_EQ(f16_bits_to_float(float_to_f16_bits(65504.0f)), 65504.0f);
  EXPECT_TRUE(std::isinf(f16_bits_to_float(float_to_f16_bits(1e6f))));
}

TEST(Dtype, PoisonBytesAreNanInEveryType) {
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(0xffff)));
  EXPECT_TRUE(std::isnan(f16_bits_to_float(0xffff)));
}

TEST(Dtype, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(parse_dtype("bf16"), DType::bf16);
  EXPECT_EQ(parse_dtype("fp16"), DType::f16);
  EXPECT_EQ(parse_dtype("float32"), DType::f32);
  EXPECT_FALSE(parse_dtype("int8").has_value());
}

}  // namespace lasuite
