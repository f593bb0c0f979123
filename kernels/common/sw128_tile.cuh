// Shared-memory tiles of 16-bit elements in the layout wgmma reads without help ("128-byte swizzle"):
// the tile is stored as column blocks of 64 elements; in a block each row is 128 contiguous bytes, and
// the 16-byte chunk index within a row is XORed with (row % 8) (each block is laid out as a
// SwizzledTile<ROWS, 64> of swizzled_tile.cuh; wider SwizzledTiles keep whole rows together, which
// wgmma cannot read). Each block must start at a multiple of
// 1024 bytes (the swizzle is applied to address bits). The same tile serves as a K-major operand
// ([m][k] or [n][k]) and as an MN-major one ([k][n]); ldmatrix reads it too, since every 16-byte chunk
// stays contiguous.
#pragma once
#include <cstdint>

#include "kernels/common/mma_sm80.cuh"

namespace lasuite::dev {

template <int ROWS, int COLS>
struct Sw128Tile {
  static_assert(COLS % 64 == 0 && ROWS % 8 == 0, "whole 64-column blocks of whole 8-row groups");
  static constexpr int kBlockBytes = ROWS * 128;  // one 64-column block
  static constexpr int kBytes = ROWS * COLS * 2;
  // Byte offset of element (row, col); col is even (a pair) or a multiple of 8 (a chunk).
  __device__ __forceinline__ static uint32_t offset(int row, int col) {
    return static_cast<uint32_t>((col >> 6) * kBlockBytes + row * 128 + ((((col >> 3) & 7) ^ (row & 7)) << 4) +
                                 (col & 7) * 2);
  }
  // Start of the 16-deep k-step kk for a K-major operand (k runs along the columns): within a block the
  // hardware applies the swizzle, so the step is a plain 32-byte advance.
  __device__ __forceinline__ static uint32_t k_major_step(int kk) {
    return static_cast<uint32_t>((kk >> 2) * kBlockBytes + (kk & 3) * 32);
  }
  // Start of the k-step kk for an MN-major operand (k runs along the rows): 16 rows further.
  __device__ __forceinline__ static uint32_t mn_major_step(int kk) { return static_cast<uint32_t>(kk * 16 * 128); }
};

// Copies ROWS consecutive rows of a row-major tensor (row stride `ld` elements, a multiple of 8), from
// row first_row on (or, with `reverse`, the rows n-1-first_row downwards), into a Sw128Tile<ROWS, COLS>,
// with THREADS threads: thread tid copies the 16-byte column tid % (COLS / 8) of rows
// tid / (COLS / 8) + step * m, so every address is a fixed stride from its first (a few instructions per
// copy). Rows at or past n, and columns at or past `cols` (the row's width, a multiple of 8; at most
// ld), are zero-filled without being read. Tiles wider than 128 columns (THREADS = 128 would copy fewer
// than 8 rows a step, breaking the swizzle phase, or not whole rows) are copied a 64-column block at a
// time. Asynchronous (cp.async): commit and wait.
template <int ROWS, int COLS, int THREADS, class T>
__device__ __forceinline__ void load_rows_sw128(unsigned char* tile, const T* src, int64_t n, int64_t first_row,
                                                bool reverse, int tid, int cols, int64_t ld) {
  if constexpr (COLS > 128) {
#pragma unroll
    for (int h = 0; h < COLS / 64; ++h)
      load_rows_sw128<ROWS, 64, THREADS>(tile + h * Sw128Tile<ROWS, 64>::kBytes, src + 64 * h, n, first_row, reverse,
                                         tid, cols - 64 * h, ld);
  } else {
    constexpr int kPerRow = COLS / 8, kStep = THREADS / kPerRow, kCopies = ROWS / kStep;
    static_assert(THREADS % kPerRow == 0 && kStep % 8 == 0 && ROWS % kStep == 0, "whole rows, same swizzle phase");
    const int r0 = tid / kPerRow, col = (tid % kPerRow) * 8;
    unsigned char* dst = tile + Sw128Tile<ROWS, COLS>::offset(r0, col);  // row r0 + kStep m: + kStep m rows
    const int64_t v0 = first_row + r0;
    const int64_t stride = reverse ? -int64_t(kStep) * ld : int64_t(kStep) * ld;
    const T* s0 = src + (reverse ? n - 1 - v0 : v0) * ld + col;
    const bool col_in = col < cols;
#pragma unroll
    for (int m = 0; m < kCopies; ++m) {
      const bool valid = col_in && v0 + kStep * m < n;
      cp_async_16(dst + kStep * m * 128, valid ? s0 + stride * m : src, valid ? 16 : 0);
    }
  }
}

}  // namespace lasuite::dev
