// Where element (r, c) of a DK x DV fp32 state lies in memory, in the layouts the chunk kernels read
// (la2_chunk_args.h, StateView): row-major ([DK][DV]), transposed ([DV][DK]), and each of them blocked:
// the stored matrix as 8 x 8 blocks, the blocks row-major and each block row-major. The segment data is
// blocked: a warp's pair loads of a state strip in the accumulator layout (rows g, g + 8 and columns
// 2 t, 2 t + 1 of 8-column groups; la2_chunk_math.cuh) then read one 256-byte block, 2 cache lines, where
// rows of a row-major state are 8; the scan across segments was bound by those loads (NOTES, session 24).
// Plain host-and-device arithmetic, so the host tests check it.
#pragma once

#if defined(__CUDACC__)
#define LA2_LAYOUT_FN __host__ __device__ __forceinline__ constexpr
#else
#define LA2_LAYOUT_FN inline constexpr
#endif

namespace lasuite::la2::state_layout {

// StateView's layouts: bit 0 transposed, bit 1 blocked.
constexpr int kRowMajor = 0, kTransposed = 1, kBlocked = 2, kBlockedTransposed = 3;

// Element (r, c) of a DK x DV state stored in layout L.
template <int L, int DK, int DV>
LA2_LAYOUT_FN int index(int r, int c) {
  constexpr bool kT = (L & kTransposed) != 0;
  constexpr int kCols = kT ? DK : DV;  // the stored matrix's columns
  const int sr = kT ? c : r, sc = kT ? r : c;
  if constexpr ((L & kBlocked) != 0) return ((sr >> 3) * (kCols / 8) + (sc >> 3)) * 64 + (sr & 7) * 8 + (sc & 7);
  else return sr * kCols + sc;
}

// The inverse of the blocked layout: stored element e of a matrix of `cols` columns is at (row, col).
LA2_LAYOUT_FN int blocked_row(int e, int cols) { return ((e >> 6) / (cols >> 3)) * 8 + ((e >> 3) & 7); }
LA2_LAYOUT_FN int blocked_col(int e, int cols) { return ((e >> 6) % (cols >> 3)) * 8 + (e & 7); }

// index() split for a thread of the accumulator layout: element (row0 + g + r, col0 + 2 t + c), with r a
// multiple of 8 and c = 8 j + 0 or 1, is at thread_part(row0, col0, g, t) + fixed_part(r, c), the first
// part the thread's (runtime), the second a constant of the unrolled loops. Needs row0 and col0 multiples
// of 8, g < 8 and t < 4, so that rows g, g + 8 and columns 2 t, 2 t + 1 fall in known blocks.
template <int L, int DK, int DV>
LA2_LAYOUT_FN int thread_part(int row0, int col0, int g, int t) {
  if constexpr (L == kRowMajor) return (row0 + g) * DV + col0 + 2 * t;
  else if constexpr (L == kTransposed) return row0 + g + (col0 + 2 * t) * DK;
  else if constexpr (L == kBlocked) return ((row0 >> 3) * (DV / 8) + (col0 >> 3)) * 64 + 8 * g + 2 * t;
  else return ((col0 >> 3) * (DK / 8) + (row0 >> 3)) * 64 + 16 * t + g;
}
template <int L, int DK, int DV>
LA2_LAYOUT_FN int fixed_part(int r, int c) {
  if constexpr (L == kRowMajor) return r * DV + c;
  else if constexpr (L == kTransposed) return r + c * DK;
  else if constexpr (L == kBlocked) return ((r >> 3) * (DV / 8) + (c >> 3)) * 64 + (c & 7);
  else return ((c >> 3) * (DK / 8) + (r >> 3)) * 64 + 8 * (c & 7);
}

}  // namespace lasuite::la2::state_layout

#undef LA2_LAYOUT_FN
