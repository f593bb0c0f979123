// Launchers of the naive cumsum baseline's kernels (cumsum_kernels.cu). Tensors are [bh, n, dim]
// row-major of `dtype`; prefix is [bh, n, d, e] fp32, the per-token state sequence.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "harness/dtype.h"

namespace lasuite {

struct CumsumShape {
  int64_t batch_heads = 1, n = 1, d = 1, e = 1;
  int heads = 1;
};

// prefix[t] = sum over s of lambda^|t-s| mul a_s^T b_s, s <= t (forward) or s >= t (reverse), a [bh, n, d],
// b [bh, n, e], lambda = exp(-slopes[head]); accumulated in float64, stored as fp32.
void cumsum_scan(DType dtype, const CumsumShape& s, const void* a, const void* b, float mul, bool reverse,
                 const float* slopes, float* prefix, cudaStream_t stream);
// out[t][j] = mul * sum_i a[t][i] prefix[t][i][j]   (out [bh, n, e])
void cumsum_rows_times_prefix(DType dtype, const CumsumShape& s, const void* a, const float* prefix, float mul,
                              void* out, cudaStream_t stream);
// out[t][i] = mul * sum_j prefix[t][i][j] b[t][j]   (out [bh, n, d])
void cumsum_prefix_times_cols(DType dtype, const CumsumShape& s, const float* prefix, const void* b, float mul,
                              void* out, cudaStream_t stream);

}  // namespace lasuite
