// Shared-memory tiles of 16-bit elements for the mma.sync kernels: rows of 16-byte chunks whose chunk
// index is XORed with (row % 8), so the 8 rows an ldmatrix reads (or a cp.async warp writes) fall in
// 8 different bank groups. Also the fragment loads the tiled attention kernels need, named by the
// operand they produce, and a fast exp2.
#pragma once
#include <cstdint>

#include "kernels/common/mma_sm80.cuh"

namespace lasuite::dev {

template <int ROWS, int COLS>
struct SwizzledTile {
  static_assert(COLS % 64 == 0, "rows of at least 8 chunks of 16 bytes");
  static constexpr int kChunks = COLS / 8;
  static constexpr int kBytes = ROWS * COLS * 2;
  // Byte offset of element (row, col); col is even (a pair) or a multiple of 8 (a chunk).
  __device__ __forceinline__ static uint32_t offset(int row, int col) {
    return static_cast<uint32_t>((row * kChunks + ((col >> 3) ^ (row & 7))) * 16 + (col & 7) * 2);
  }
};

// Rows of a tile that starts at row0 and lie below n, capped at the tile height.
__device__ __forceinline__ int rows_left(int64_t n, int64_t row0, int rows) {
  return n - row0 < rows ? static_cast<int>(n - row0) : rows;
}

// Copies rows [0, ROWS) of a row-major global tile (row stride COLS elements) into a swizzled tile;
// rows at or beyond valid_rows are zero-filled without being read. Asynchronous: commit and wait.
template <int ROWS, int COLS, int THREADS, class T>
__device__ __forceinline__ void load_tile_async(uint8_t* tile, const T* src, int valid_rows, int tid) {
  using Tile = SwizzledTile<ROWS, COLS>;
  constexpr int kTotal = ROWS * Tile::kChunks;
  static_assert(kTotal % THREADS == 0, "whole chunks per thread");
#pragma unroll
  for (int it = 0; it < kTotal / THREADS; ++it) {
    int i = it * THREADS + tid;
    int r = i / Tile::kChunks, c = i % Tile::kChunks;
    bool valid = r < valid_rows;
    const T* g = src + (valid ? static_cast<int64_t>(r) * COLS + c * 8 : 0);
    cp_async_16(tile + Tile::offset(r, c * 8), g, valid ? 16 : 0);
  }
}

// A operand (16 x 16, m x k) at (m0, k0) of a tile stored [m][k].
template <class Tile>
__device__ __forceinline__ void load_a(uint32_t (&a)[4], const uint8_t* tile, int m0, int k0, int lane) {
  ldmatrix_x4(a, tile + Tile::offset(m0 + (lane & 15), k0 + (lane >> 4) * 8));
}
// A operand (16 x 16, m x k) at (m0, k0) of a tile stored transposed, [k][m].
template <class Tile>
__device__ __forceinline__ void load_a_trans(uint32_t (&a)[4], const uint8_t* tile, int m0, int k0, int lane) {
  ldmatrix_x4_trans(a, tile + Tile::offset(k0 + (lane & 7) + ((lane >> 4) & 1) * 8, m0 + ((lane >> 3) & 1) * 8));
}
// B operands of two adjacent n8 tiles (n0..n0+15, k0..k0+15) of a tile stored [n][k]:
// b[0], b[1] for n0..n0+7, b[2], b[3] for n0+8..n0+15.
template <class Tile>
__device__ __forceinline__ void load_b_pair(uint32_t (&b)[4], const uint8_t* tile, int n0, int k0, int lane) {
  ldmatrix_x4(b, tile + Tile::offset(n0 + (lane & 7) + ((lane >> 4) << 3), k0 + ((lane >> 3) & 1) * 8));
}
// The same from a tile stored [k][n].
template <class Tile>
__device__ __forceinline__ void load_b_pair_trans(uint32_t (&b)[4], const uint8_t* tile, int n0, int k0, int lane) {
  ldmatrix_x4_trans(b, tile + Tile::offset(k0 + (lane & 7) + ((lane >> 3) & 1) * 8, n0 + (lane >> 4) * 8));
}

// acc[n0 tile] += a * b-pair, for both n8 tiles of the pair.
template <class Mma>
__device__ __forceinline__ void mma_pair(Acc16x8& c0, Acc16x8& c1, const uint32_t (&a)[4], const uint32_t (&b)[4]) {
  const uint32_t b0[2] = {b[0], b[1]};
  const uint32_t b1[2] = {b[2], b[3]};
  mma_16816(c0, a, b0, Mma{});
  mma_16816(c1, a, b1, Mma{});
}

// 2^x with the special-function unit (relative error about 2^-22; 2^-inf = 0).
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

}  // namespace lasuite::dev
