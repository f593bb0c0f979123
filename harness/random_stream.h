// Seeded random tensors for verify and bench: element i of stream s under a seed is a pure function of
// (seed, s, i), so device tensors are generated in parallel chunks, identical however they are split,
// and verify regenerates exactly the (batch, head) slices it compares, never a float64 copy of a whole
// 128k-token tensor. Values are uniform on [-amplitude, amplitude) with 53 random bits: never zeros.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "harness/backend.h"
#include "harness/dtype.h"

namespace lasuite {

// Variance 1 like a standard normal, so logits and outputs have their usual size, but bounded, so
// 16-bit outputs of long no-decay sums stay in range. What verify uses.
inline const double kUnitVarianceAmplitude = std::sqrt(3.0);

double random_stream_value(uint64_t seed, uint64_t stream, uint64_t index, double amplitude);

// out[i] = random_stream_value(seed, stream, first + i, amplitude) rounded to dtype and back to
// double: what the implementation reads, in float64.
void random_stream_rounded(uint64_t seed, uint64_t stream, uint64_t first, size_t count, DType dtype,
                           double amplitude, double* out);

// Fills count elements of dtype at device address dst with random_stream_value(seed, stream, i,
// amplitude) rounded to dtype, through a bounded host staging buffer.
void random_stream_fill(Backend& backend, void* dst, DType dtype, size_t count, uint64_t seed, uint64_t stream,
                        double amplitude);

}  // namespace lasuite
