// Moving head-dim tiles (la2_head_dims_host.h) between a problem's tensors and the padded buffers the
// chunk kernels run on. Every tensor is seen as [blocks][rows][cols] row-major: q, k, v, o as
// [batch x heads][n][dim] (a packed batch's [heads][total][dim]), a state as [batch x heads][d][e]. Host
// interface, no CUDA headers; each call is enqueued on `stream` (a cudaStream_t).
#pragma once
#include <cstdint>

#include "harness/dtype.h"

namespace lasuite::la2 {

// A region of a [blocks][rows][cols] tensor: rows [row0, row0 + row_count), columns [col0, col0 + col_count).
struct TileRegion {
  int64_t blocks = 0, rows = 0, cols = 0;
  int64_t row0 = 0, row_count = 0, col0 = 0, col_count = 0;
};

// dst [blocks][pad_rows][pad_cols] (dtype) <- the region of src, zero elsewhere (pad_rows >= row_count,
// pad_cols >= col_count).
void gather_tile(DType dtype, const void* src, const TileRegion& region, void* dst, int64_t pad_rows, int64_t pad_cols,
                 void* stream);

// The region of dst (dtype) <- the top-left row_count x col_count of each block of src
// [blocks][pad_rows][pad_cols] (dtype).
void scatter_tile(DType dtype, const void* src, int64_t pad_rows, int64_t pad_cols, void* dst, const TileRegion& region,
                  void* stream);

// The region of acc (fp32, [blocks][rows][cols]) <- (accumulate ? itself + : ) the top-left of each block
// of src (dtype, [blocks][pad_rows][pad_cols]), in fp32.
void accumulate_tile(DType dtype, const void* src, int64_t pad_rows, int64_t pad_cols, float* acc,
                     const TileRegion& region, bool accumulate, void* stream);

// dst (dtype) <- acc (fp32), count elements, rounded to nearest even.
void convert_from_f32(const float* acc, DType dtype, void* dst, int64_t count, void* stream);

}  // namespace lasuite::la2
