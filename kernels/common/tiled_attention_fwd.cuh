// Forward of the tiled left product (FlashAttention-2 layout) on mma.sync tensor cores, for both score
// modes of tiled_attention_params.h. One CTA owns 128 query rows and walks the causal key tiles of 64
// from the diagonal down, K and V double-buffered by cp.async: 4 warps of 32 rows (two m16 tiles) at
// dims up to 128, two CTAs an SM; 8 warps of 16 rows past 128, where a warp's 16 x 256 output
// accumulators alone take 128 registers a thread and the tiles 192 KiB (one CTA an SM).
// Q K^T and P V accumulate in fp32 registers; P is rounded to the input type for the second product.
#pragma once
#include <cstdint>

#include "kernels/common/constants.cuh"
#include "kernels/common/element.cuh"
#include "kernels/common/swizzled_tile.cuh"
#include "kernels/common/tiled_attention_params.h"

namespace lasuite::dev {

template <class T, int D, int E>
struct TiledFwdShape {
  static constexpr bool kWide = D > 128 || E > 128;
  static constexpr int kMt = kWide ? 1 : 2;  // m16 row tiles a warp
  static constexpr int kWarps = kWide ? 8 : 4, kThreads = 32 * kWarps, kMinBlocks = kWide ? 1 : 2;
  static constexpr int kWarpRows = 16 * kMt, kBr = kWarps * kWarpRows, kBc = 64;
  using QTile = SwizzledTile<kBr, D>;
  using KTile = SwizzledTile<kBc, D>;
  using VTile = SwizzledTile<kBc, E>;
  static constexpr int kSmemBytes = QTile::kBytes + 2 * KTile::kBytes + 2 * VTile::kBytes;
};

template <class T, int D, int E, ScoreMode kMode>
__global__ void __launch_bounds__(TiledFwdShape<T, D, E>::kThreads, TiledFwdShape<T, D, E>::kMinBlocks)
    tiled_attention_fwd_kernel(const TiledAttentionArgs args) {
  using S = TiledFwdShape<T, D, E>;
  using Mma = typename Element<T>::Mma;
  constexpr int kBr = S::kBr, kBc = S::kBc, kMt = S::kMt, kNt = kBc / 8, kOt = E / 8;
  constexpr int kWarpRows = S::kWarpRows;

  extern __shared__ __align__(128) uint8_t smem[];
  // Q, then K[2], then V[2]; buffer b of K is s_k + b * KTile::kBytes (no pointer arrays: they would
  // live in local memory when indexed at run time).
  uint8_t* s_q = smem;
  uint8_t* s_k = s_q + S::QTile::kBytes;
  uint8_t* s_v = s_k + 2 * S::KTile::kBytes;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, tq = lane & 3;
  const int bh = blockIdx.x;
  const int head = bh % args.heads;
  const int64_t n = args.n;
  // Longest rows first: the causal triangle makes high query blocks the heaviest.
  const int64_t row0 = static_cast<int64_t>(gridDim.y - 1 - blockIdx.y) * kBr;

  const T* q = static_cast<const T*>(args.q) + static_cast<int64_t>(bh) * n * D;
  const T* k = static_cast<const T*>(args.k) + static_cast<int64_t>(bh) * n * D;
  const T* v = static_cast<const T*>(args.v) + static_cast<int64_t>(bh) * n * E;

  const int64_t last_causal = (row0 + kBr - 1) / kBc, last_real = (n - 1) / kBc;
  const int last = static_cast<int>(last_causal < last_real ? last_causal : last_real);
  load_tile_async<kBr, D, S::kThreads>(s_q, q + row0 * D, rows_left(n, row0, kBr), tid);
  {
    const int64_t key0 = static_cast<int64_t>(last) * kBc;
    const int valid = rows_left(n, key0, kBc);
    load_tile_async<kBc, D, S::kThreads>(s_k, k + key0 * D, valid, tid);
    load_tile_async<kBc, E, S::kThreads>(s_v, v + key0 * E, valid, tid);
  }
  cp_async_commit();

  // Softmax works in the log2 domain: x = S * scale * log2(e). Decay: M = 2^(-slope*log2(e)*(t-u)).
  const float score_mul = kMode == ScoreMode::softmax ? args.scale * kLog2e : 1.f;
  const float decay_l2 = kMode == ScoreMode::decay ? args.slopes[head] * kLog2e : 0.f;

  Acc16x8 acc_o[kMt][kOt];
  float row_max[kMt][2], row_sum[kMt][2];
#pragma unroll
  for (int mt = 0; mt < kMt; ++mt) {
#pragma unroll
    for (int j = 0; j < kOt; ++j) acc_o[mt][j] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};
    row_max[mt][0] = row_max[mt][1] = -INFINITY;
    row_sum[mt][0] = row_sum[mt][1] = 0.f;
  }

  for (int j = last, it = 0; j >= 0; --j, ++it) {
    const int buf = it & 1;
    cp_async_wait<0>();
    __syncthreads();  // tile j is in; every warp is done with the buffers of tile j + 1
    if (j > 0) {
      const int64_t key0 = static_cast<int64_t>(j - 1) * kBc;
      load_tile_async<kBc, D, S::kThreads>(s_k + (buf ^ 1) * S::KTile::kBytes, k + key0 * D, kBc, tid);
      load_tile_async<kBc, E, S::kThreads>(s_v + (buf ^ 1) * S::VTile::kBytes, v + key0 * E, kBc, tid);
      cp_async_commit();
    }

    const uint8_t* k_tile = s_k + buf * S::KTile::kBytes;
    const uint8_t* v_tile = s_v + buf * S::VTile::kBytes;

    // S = Q K_j^T for this warp's rows.
    Acc16x8 s[kMt][kNt];
#pragma unroll
    for (int mt = 0; mt < kMt; ++mt)
#pragma unroll
      for (int nt = 0; nt < kNt; ++nt) s[mt][nt] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};
    // Not unrolled: unrolled, the compiler hoists every k step's ldmatrix and runs out of registers.
#pragma unroll 1
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t a[kMt][4];
#pragma unroll
      for (int mt = 0; mt < kMt; ++mt) load_a<typename S::QTile>(a[mt], s_q, warp * kWarpRows + mt * 16, kk * 16, lane);
#pragma unroll
      for (int np = 0; np < kNt / 2; ++np) {
        uint32_t b[4];
        load_b_pair<typename S::KTile>(b, k_tile, np * 16, kk * 16, lane);
#pragma unroll
        for (int mt = 0; mt < kMt; ++mt) mma_pair<Mma>(s[mt][2 * np], s[mt][2 * np + 1], a[mt], b);
      }
    }

    // Scores -> P, in place. Element (mt, nt, c): row t = row0 + warp*kWarpRows + mt*16 + g + 8*(c/2),
    // key u = j*kBc + nt*8 + 2*tq + c%2.
    const int64_t key0 = static_cast<int64_t>(j) * kBc;
    const bool diagonal = key0 + kBc - 1 > row0 + warp * kWarpRows;  // some u > t in this warp's rows
#pragma unroll
    for (int mt = 0; mt < kMt; ++mt) {
#pragma unroll
      for (int hr = 0; hr < 2; ++hr) {
        const int64_t t = row0 + warp * kWarpRows + mt * 16 + g + 8 * hr;
        const int rel = static_cast<int>(key0 - t) + 2 * tq;  // u - t at nt = 0, c = 0
        if constexpr (kMode == ScoreMode::decay) {
          // u <= t always holds off the diagonal; M underflows to 0 far below it.
#pragma unroll
          for (int nt = 0; nt < kNt; ++nt)
#pragma unroll
            for (int c = 0; c < 2; ++c) {
              const int du = rel + nt * 8 + c;
              float& x = s[mt][nt].c[2 * hr + c];
              x = du <= 0 ? x * fast_exp2(decay_l2 * static_cast<float>(du)) : 0.f;
            }
        } else {
          float mx = -INFINITY;
#pragma unroll
          for (int nt = 0; nt < kNt; ++nt)
#pragma unroll
            for (int c = 0; c < 2; ++c) {
              float& x = s[mt][nt].c[2 * hr + c];
              if (diagonal && rel + nt * 8 + c > 0) x = -INFINITY;
              mx = fmaxf(mx, x);
            }
          mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
          mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
          const float m_new = fmaxf(row_max[mt][hr], mx * score_mul);
          const float m_use = m_new == -INFINITY ? 0.f : m_new;  // a row with nothing unmasked yet
          const float corr = fast_exp2(row_max[mt][hr] - m_use);
          row_max[mt][hr] = m_new;
          float sum = 0.f;
#pragma unroll
          for (int nt = 0; nt < kNt; ++nt)
#pragma unroll
            for (int c = 0; c < 2; ++c) {
              float& x = s[mt][nt].c[2 * hr + c];
              x = fast_exp2(fmaf(x, score_mul, -m_use));
              sum += x;
            }
          row_sum[mt][hr] = row_sum[mt][hr] * corr + sum;
#pragma unroll
          for (int ot = 0; ot < kOt; ++ot) {
            acc_o[mt][ot].c[2 * hr] *= corr;
            acc_o[mt][ot].c[2 * hr + 1] *= corr;
          }
        }
      }
    }

    // O += P V_j. P's accumulator layout is the A-operand layout (16 keys per k step); packing it to
    // 16 bits first halves its registers, which leaves room for the accumulators.
    uint32_t pa[kMt][kBc / 16][4];
#pragma unroll
    for (int mt = 0; mt < kMt; ++mt)
#pragma unroll
      for (int kk = 0; kk < kBc / 16; ++kk) {
        pa[mt][kk][0] = Element<T>::pack(s[mt][2 * kk].c[0], s[mt][2 * kk].c[1]);
        pa[mt][kk][1] = Element<T>::pack(s[mt][2 * kk].c[2], s[mt][2 * kk].c[3]);
        pa[mt][kk][2] = Element<T>::pack(s[mt][2 * kk + 1].c[0], s[mt][2 * kk + 1].c[1]);
        pa[mt][kk][3] = Element<T>::pack(s[mt][2 * kk + 1].c[2], s[mt][2 * kk + 1].c[3]);
      }
#pragma unroll
    for (int np = 0; np < kOt / 2; ++np) {
#pragma unroll
      for (int kk = 0; kk < kBc / 16; ++kk) {
        uint32_t b[4];
        load_b_pair_trans<typename S::VTile>(b, v_tile, np * 16, kk * 16, lane);
#pragma unroll
        for (int mt = 0; mt < kMt; ++mt) mma_pair<Mma>(acc_o[mt][2 * np], acc_o[mt][2 * np + 1], pa[mt][kk], b);
      }
    }
  }

  // Epilogue: normalise (softmax) or scale (decay), store rows < n; softmax also stores the log2-domain
  // log-sum-exp of every row of the block (padding rows included, so the backward reads finite values).
  T* out = static_cast<T*>(args.out) + static_cast<int64_t>(bh) * n * E;
#pragma unroll
  for (int mt = 0; mt < kMt; ++mt) {
#pragma unroll
    for (int hr = 0; hr < 2; ++hr) {
      const int64_t t = row0 + warp * kWarpRows + mt * 16 + g + 8 * hr;
      float mul = args.scale;
      if constexpr (kMode == ScoreMode::softmax) {
        float l = row_sum[mt][hr];
        l += __shfl_xor_sync(0xffffffffu, l, 1);
        l += __shfl_xor_sync(0xffffffffu, l, 2);
        mul = 1.f / l;
        if (tq == 0) args.lse[static_cast<int64_t>(bh) * args.n_pad + t] = row_max[mt][hr] + __log2f(l);
      }
      if (t < n) {
#pragma unroll
        for (int ot = 0; ot < kOt; ++ot)
          store_pair(out + t * E + ot * 8 + 2 * tq, acc_o[mt][ot].c[2 * hr] * mul, acc_o[mt][ot].c[2 * hr + 1] * mul);
      }
    }
  }
}

}  // namespace lasuite::dev
