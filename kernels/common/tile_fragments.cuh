// Shared-memory tiles and the mma.m16n8k16 operand fragments read from them, for 16-bit and fp32 data.
// 16-bit tiles are row-padded by 16 bytes (conflict-free ldmatrix); fp32 tiles are unpadded with an
// XOR swizzle of 4-float groups (so a 64x128 fp32 tile set fits sm_80's shared memory), and their
// fragments are hi + lo bf16 splits multiplied with three mmas (about 2^-16 relative error, see element.cuh).
//
// Names say which matrix the tile holds in the product: "a_rows" reads A[m][k] = tile[m][k],
// "a_cols" reads A[m][k] = tile[k][m], "b_kn" reads B[k][n] = tile[k][n], "b_nk" reads B[k][n] = tile[n][k].
#pragma once
#include <type_traits>

#include "kernels/common/element.cuh"
#include "kernels/common/mma_sm80.cuh"

namespace lasuite::dev {

template <class T, int COLS>
struct TileLayout {
  static constexpr bool kSplit = std::is_same<T, float>::value;
  static constexpr int kLd = kSplit ? COLS : COLS + 16 / int(sizeof(T));
  static constexpr int kElemsPer16B = 16 / int(sizeof(T));
  __device__ __forceinline__ static int offset(int r, int c) {
    if constexpr (kSplit) return r * COLS + (c ^ ((r & 7) << 2));
    else return r * kLd + c;
  }
  static constexpr int elems(int rows) { return rows * kLd; }
};

// A operand (16x16) and B operand (16x8): plain 16-bit registers, or hi + lo bf16 splits for fp32 data.
template <class T>
struct FragA {
  uint32_t r[4];
};
template <>
struct FragA<float> {
  uint32_t hi[4], lo[4];
};
template <class T>
struct FragB {
  uint32_t r[2];
};
template <>
struct FragB<float> {
  uint32_t hi[2], lo[2];
};

template <class T>
__device__ __forceinline__ void mma(Acc16x8& d, const FragA<T>& a, const FragB<T>& b) {
  mma_16816(d, a.r, b.r, typename Element<T>::Mma{});
}
template <>
__device__ __forceinline__ void mma<float>(Acc16x8& d, const FragA<float>& a, const FragB<float>& b) {
  mma_16816(d, a.lo, b.hi, MmaBf16{});  // small terms first
  mma_16816(d, a.hi, b.lo, MmaBf16{});
  mma_16816(d, a.hi, b.hi, MmaBf16{});
}

// The same on C tile nt of a warp's 16-row strip of accumulators held as floats (tile nt is floats
// 4 nt .. 4 nt + 3; the strip layout of kernels/lightning2/la2_chunk_math.cuh).
template <class T, int N>
__device__ __forceinline__ void mma(float (&d)[N], int nt, const FragA<T>& a, const FragB<T>& b) {
  mma_16816(d[4 * nt], d[4 * nt + 1], d[4 * nt + 2], d[4 * nt + 3], a.r, b.r, typename Element<T>::Mma{});
}
template <int N>
__device__ __forceinline__ void mma(float (&d)[N], int nt, const FragA<float>& a, const FragB<float>& b) {
  float &d0 = d[4 * nt], &d1 = d[4 * nt + 1], &d2 = d[4 * nt + 2], &d3 = d[4 * nt + 3];
  mma_16816(d0, d1, d2, d3, a.lo, b.hi, MmaBf16{});  // small terms first
  mma_16816(d0, d1, d2, d3, a.hi, b.lo, MmaBf16{});
  mma_16816(d0, d1, d2, d3, a.hi, b.hi, MmaBf16{});
}

__device__ __forceinline__ int lane_id() { return threadIdx.x & 31; }

// A[m][k] = tile[r0 + m][k0 + k].
template <class T, int COLS>
__device__ __forceinline__ void load_a_rows(FragA<T>& a, const T* tile, int r0, int k0) {
  using L = TileLayout<T, COLS>;
  const int lane = lane_id();
  if constexpr (L::kSplit) {
    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int r = r0 + g + 8 * (i & 1), c = k0 + 2 * t + 8 * (i >> 1);
      float2 x = *reinterpret_cast<const float2*>(tile + L::offset(r, c));
      SplitPair s = split_bf16x2(x.x, x.y);
      a.hi[i] = s.hi;
      a.lo[i] = s.lo;
    }
  } else {
    const int r = r0 + (lane & 7) + 8 * ((lane >> 3) & 1), c = k0 + 8 * (lane >> 4);
    ldmatrix_x4(a.r, tile + L::offset(r, c));
  }
}

// A[m][k] = tile[k0 + k][m0 + m] * f[k], where the caller gives, per thread, the factors of the four
// k it holds: f = {k = 2t, 2t+1, 2t+8, 2t+9}. (Scaling the reduction index cannot wait for the accumulator.)
template <class T, int COLS>
__device__ __forceinline__ void load_a_cols_scaled(FragA<T>& a, const T* tile, int m0, int k0, const float (&f)[4]) {
  using L = TileLayout<T, COLS>;
  const int lane = lane_id();
  if constexpr (L::kSplit) {
    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int m = m0 + g + 8 * (i & 1), k = k0 + 2 * t + 8 * (i >> 1);
      const float x0 = tile[L::offset(k, m)] * f[2 * (i >> 1)];
      const float x1 = tile[L::offset(k + 1, m)] * f[2 * (i >> 1) + 1];
      SplitPair s = split_bf16x2(x0, x1);
      a.hi[i] = s.hi;
      a.lo[i] = s.lo;
    }
  } else {
    const int k = k0 + (lane & 7) + 8 * (lane >> 4), m = m0 + 8 * ((lane >> 3) & 1);
    ldmatrix_x4_trans(a.r, tile + L::offset(k, m));
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      float2 x = Element<T>::unpack(a.r[i]);
      a.r[i] = Element<T>::pack(x.x * f[2 * (i >> 1)], x.y * f[2 * (i >> 1) + 1]);
    }
  }
}

// Two adjacent n-tiles: b[j] is B[k][n] = tile[k0 + k][n0 + 8j + n].
template <class T, int COLS>
__device__ __forceinline__ void load_b_kn_x2(FragB<T> (&b)[2], const T* tile, int k0, int n0) {
  using L = TileLayout<T, COLS>;
  const int lane = lane_id();
  if constexpr (L::kSplit) {
    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        const int k = k0 + 2 * t + 8 * i, n = n0 + 8 * j + g;
        SplitPair s = split_bf16x2(tile[L::offset(k, n)], tile[L::offset(k + 1, n)]);
        b[j].hi[i] = s.hi;
        b[j].lo[i] = s.lo;
      }
  } else {
    const int k = k0 + (lane & 7) + 8 * ((lane >> 3) & 1), n = n0 + 8 * (lane >> 4);
    uint32_t r[4];
    ldmatrix_x4_trans(r, tile + L::offset(k, n));
    b[0].r[0] = r[0];
    b[0].r[1] = r[1];
    b[1].r[0] = r[2];
    b[1].r[1] = r[3];
  }
}

// Two adjacent n-tiles: b[j] is B[k][n] = tile[n0 + 8j + n][k0 + k].
template <class T, int COLS>
__device__ __forceinline__ void load_b_nk_x2(FragB<T> (&b)[2], const T* tile, int k0, int n0) {
  using L = TileLayout<T, COLS>;
  const int lane = lane_id();
  if constexpr (L::kSplit) {
    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        float2 x = *reinterpret_cast<const float2*>(tile + L::offset(n0 + 8 * j + g, k0 + 2 * t + 8 * i));
        SplitPair s = split_bf16x2(x.x, x.y);
        b[j].hi[i] = s.hi;
        b[j].lo[i] = s.lo;
      }
  } else {
    const int n = n0 + (lane & 7) + 8 * (lane >> 4), k = k0 + 8 * ((lane >> 3) & 1);
    uint32_t r[4];
    ldmatrix_x4(r, tile + L::offset(n, k));
    b[0].r[0] = r[0];
    b[0].r[1] = r[1];
    b[1].r[0] = r[2];
    b[1].r[1] = r[3];
  }
}

// An A operand made from two accumulator tiles (16 x 16 of fp32 results, columns 0-7 and 8-15),
// the usual register hand-off from one product to the next (P = S (x) mask, then P V).
template <class T>
__device__ __forceinline__ void acc_to_a(FragA<T>& a, const Acc16x8& left, const Acc16x8& right) {
  if constexpr (std::is_same<T, float>::value) {
    SplitPair s0 = split_bf16x2(left.c[0], left.c[1]), s1 = split_bf16x2(left.c[2], left.c[3]);
    SplitPair s2 = split_bf16x2(right.c[0], right.c[1]), s3 = split_bf16x2(right.c[2], right.c[3]);
    a.hi[0] = s0.hi, a.lo[0] = s0.lo, a.hi[1] = s1.hi, a.lo[1] = s1.lo;
    a.hi[2] = s2.hi, a.lo[2] = s2.lo, a.hi[3] = s3.hi, a.lo[3] = s3.lo;
  } else {
    a.r[0] = Element<T>::pack(left.c[0], left.c[1]);
    a.r[1] = Element<T>::pack(left.c[2], left.c[3]);
    a.r[2] = Element<T>::pack(right.c[0], right.c[1]);
    a.r[3] = Element<T>::pack(right.c[2], right.c[3]);
  }
}

// The same from C tiles 2 kk and 2 kk + 1 of a 16-row strip of floats (the A operand of k-step kk).
template <class T, int N>
__device__ __forceinline__ void acc_to_a(FragA<T>& a, const float (&s)[N], int kk) {
  const float* x = s + 8 * kk;
  if constexpr (std::is_same<T, float>::value) {
    SplitPair s0 = split_bf16x2(x[0], x[1]), s1 = split_bf16x2(x[2], x[3]);
    SplitPair s2 = split_bf16x2(x[4], x[5]), s3 = split_bf16x2(x[6], x[7]);
    a.hi[0] = s0.hi, a.lo[0] = s0.lo, a.hi[1] = s1.hi, a.lo[1] = s1.lo;
    a.hi[2] = s2.hi, a.lo[2] = s2.lo, a.hi[3] = s3.hi, a.lo[3] = s3.lo;
  } else {
    a.r[0] = Element<T>::pack(x[0], x[1]);
    a.r[1] = Element<T>::pack(x[2], x[3]);
    a.r[2] = Element<T>::pack(x[4], x[5]);
    a.r[3] = Element<T>::pack(x[6], x[7]);
  }
}

}  // namespace lasuite::dev
