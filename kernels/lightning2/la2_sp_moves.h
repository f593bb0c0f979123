// The small device steps of la2's sequence-parallel form (la2_sp_cuda.cpp): combining the ranks'
// exchanged states with per-head decay weights, and copying a part's rows scaled by a decay power of
// their place (the operand of a start-state correction). Host interface, no CUDA headers; each call is
// enqueued on `stream` (a cudaStream_t).
#pragma once
#include <cstdint>

#include "harness/dtype.h"

namespace lasuite::la2::sp {

// out[i][x] <- (add ? out[i][x] : 0) + sum_(j < count) weights[j * heads + i % heads] * in[j][i][x], in
// fp32, for blocks i < blocks (a state's [batch x heads]) and x < size (d x e); in[j] starts at
// in + j * blocks * size. weights is device memory.
void combine_states(float* out, bool add, const float* in, int count, const float* weights, int64_t blocks, int heads,
                    int64_t size, void* stream);

// dst[i][t][c] <- src[i][t][c] * exp(-slopes[(block0 + i) % heads] * (first + step * t)) over blocks i,
// rows t, cols c ([blocks][rows][cols], dtype, fp32 arithmetic); slopes is device memory. step is +1 (a
// row's distance from the part's start) or -1 (from its end).
void decayed_rows(DType dtype, const void* src, void* dst, int64_t block0, int64_t blocks, int heads, int64_t rows,
                  int64_t cols, const float* slopes, float first, float step, void* stream);

}  // namespace lasuite::la2::sp
