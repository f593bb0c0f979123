// Verification inputs: element i of stream s under a seed is a pure function of (seed, s, i), so the
// device tensors are generated in parallel chunks and the reference regenerates exactly the
// (batch, head) slices it compares, never a float64 copy of a whole 128k-token tensor.
#pragma once
#include <cstddef>
#include <cstdint>

#include "harness/backend.h"
#include "harness/dtype.h"

namespace lasuite {

// Uniform on [-sqrt(3), sqrt(3)): mean 0 and variance 1 like a standard normal, so logits and
// outputs have their usual size, but bounded, so 16-bit outputs of long no-decay sums stay in
// range; 53 random bits, so never a tensor of zeros.
double verify_random_value(uint64_t seed, uint64_t stream, uint64_t index);

// out[i] = verify_random_value(seed, stream, first + i) rounded to dtype and back to double: what the
// implementation reads, in float64.
void verify_random_rounded(uint64_t seed, uint64_t stream, uint64_t first, size_t count, DType dtype, double* out);

// Fills count elements of dtype at device address dst with verify_random_value(seed, stream, i)
// rounded to dtype, through a bounded host staging buffer.
void verify_random_fill(Backend& backend, void* dst, DType dtype, size_t count, uint64_t seed, uint64_t stream);

}  // namespace lasuite
