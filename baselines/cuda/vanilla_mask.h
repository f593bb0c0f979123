// The one kernel of the cuBLAS vanilla baseline: the causal decay mask applied in place to the
// materialised n x n score matrices. P[t][u] = mul * S[t][u] * exp(-slope * (t - u)) for u <= t, else 0.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "harness/dtype.h"

namespace lasuite {

// s: [batch_heads, n, n] of dtype; slopes: [heads] fp32 on the device.
void vanilla_apply_decay_mask(DType dtype, int64_t batch_heads, int64_t n, int heads, const float* slopes, float mul,
                              void* s, cudaStream_t stream);

}  // namespace lasuite
