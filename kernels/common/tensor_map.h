// Bulk tensor copies (TMA, sm_90): a tensor map, the 128-byte descriptor the copy engine reads, as
// plain data that kernel argument structs can hold without CUDA headers, and its host-side encoder.
#pragma once
#include <cstdint>

namespace lasuite::dev {

// A CUtensorMap's bytes (cuda.h: 128 bytes, 128-byte aligned). A kernel reads it from its
// __grid_constant__ arguments, where the copy instructions may address it.
struct alignas(128) TensorMap {
  unsigned char bytes[128];
};

// Whether this process's driver encodes tensor maps (cuTensorMapEncodeTiled, CUDA 12 on).
bool tensor_maps_available();

// Whether rows_of_heads can describe a tensor at `base` with rows of `cols` 16-bit elements: the copy
// engine needs 16-byte aligned addresses and row strides, and the kernels' row coordinates are 32-bit
// signed (a head of fewer than 2^31 - 128 rows).
bool row_tiles_encodable(const void* base, int64_t cols, int64_t head_rows);

// What a map's 16-bit elements are to the copy engine: bits for copies (loads and stores move them as
// they are), or the float type they hold where a store adds into memory (tma_add_box), which sums them.
enum class MapElements { bits16, bf16, f16 };

// The map of a [heads][head_rows][cols] tensor of 16-bit elements seen as the heads' first `rows`
// rows, in boxes of `box_rows` (at most 256) rows x 64 columns in the 128-byte-swizzled layout of
// sw128_tile.cuh (coordinates: column, row, head). Loaded, rows at or past `rows` and at negative
// coordinates arrive as zeros; stored, rows at or past `rows` are not written, but a box whose first
// row is negative is an illegal instruction on the H200 (measured; tma_store_box). Throws
// std::runtime_error where the driver refuses it.
TensorMap rows_of_heads(const void* base, int64_t cols, int64_t rows, int64_t heads, int64_t head_rows,
                        int box_rows = 64, MapElements elements = MapElements::bits16);

}  // namespace lasuite::dev
