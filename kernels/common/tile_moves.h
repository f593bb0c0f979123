// Moving head-dim tiles (head_dim_tiles_host.h) between a problem's tensors and the padded buffers the
// kernels run on. Every tensor is seen as [blocks][rows][cols] row-major: q, k, v, o as
// [batch x heads][n][dim] (a packed batch's [heads][total][dim]), a state as [batch x heads][d][e]. Host
// interface, no CUDA headers; each call is enqueued on `stream` (a cudaStream_t).
#pragma once
#include <cstdint>

#include "harness/dtype.h"

namespace lasuite::tiles {

// A region of a [blocks][rows][cols] tensor: rows [row0, row0 + row_count), columns [col0, col0 + col_count).
struct TileRegion {
  int64_t blocks = 0, rows = 0, cols = 0;
  int64_t row0 = 0, row_count = 0, col0 = 0, col_count = 0;
};

// dst [blocks][pad_rows][pad_cols] (dtype) <- the region of src, zero elsewhere (pad_rows >= row_count,
// pad_cols >= col_count).
void gather_tile(DType dtype, const void* src, const TileRegion& region, void* dst, int64_t pad_rows, int64_t pad_cols,
                 void* stream);

// The region of dst (dst_dtype) <- the top-left row_count x col_count of each block of src
// [blocks][pad_rows][pad_cols] (src_dtype: dst_dtype, or f32 for a sum kept in fp32, rounded to nearest
// even on the way).
void scatter_tile(DType src_dtype, const void* src, int64_t pad_rows, int64_t pad_cols, DType dst_dtype, void* dst,
                  const TileRegion& region, void* stream);

// acc[i] <- (accumulate ? acc[i] : 0) + src[i] for i < count, src of dtype, in fp32.
void accumulate(DType dtype, const void* src, float* acc, int64_t count, bool accumulate, void* stream);

}  // namespace lasuite::tiles
