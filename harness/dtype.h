// Element types the suite moves around, and host-side conversions for the 16-bit ones.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lasuite {

enum class DType { f64, f32, bf16, f16 };

size_t dtype_size(DType t);
const char* dtype_name(DType t);
// Accepts "f64|fp64|float64|double", "f32|fp32|float32|float", "bf16|bfloat16", "f16|fp16|half|float16".
std::optional<DType> parse_dtype(std::string_view s);

// Host conversions (round to nearest even), so CPU code can store bf16/fp16 without CUDA headers.
uint16_t float_to_bf16_bits(float x);
float bf16_bits_to_float(uint16_t b);
uint16_t float_to_f16_bits(float x);
float f16_bits_to_float(uint16_t b);

// Element-wise conversion between a float64 host array and a host array of any DType.
void convert_from_f64(const double* src, void* dst, DType dst_type, size_t count);
void convert_to_f64(const void* src, DType src_type, double* dst, size_t count);

}  // namespace lasuite
