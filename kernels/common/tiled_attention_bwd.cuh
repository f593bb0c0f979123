// Backward of the tiled left product (FlashAttention-2 layout) on mma.sync tensor cores, both score
// modes. One CTA owns a block of keys (16 per warp) and walks the query tiles of 64 at or after them,
// Q and dO double-buffered. Each warp works on the transposed score tile S^T = K Q^T, so its rows of
// P^T and dS^T are already A operands for dV += P^T dO and dK += dS^T Q, all in registers; dS^T goes
// once through shared memory for dQ += dS K, added atomically to an fp32 buffer.
// Dims up to 128: 8 warps, 128 keys, one pass. Past 128 a warp's dK and dV accumulators (16 rows of
// D + E fp32 columns, 256 registers a thread at 256) do not fit together, so two passes share the work:
// one keeps dV (it needs P alone), the other dK and dQ (they need dS); both recompute S = Q K^T. The
// tiles then take 4 warps and 64 keys (201 KiB at 256).
//   decay:   P = S ⊙ M,                     dS = dP ⊙ M          (scale applied to dQ, dK, dV at the end)
//   softmax: P = 2^(scale*log2e*S - lse2),  dS = P ⊙ (dP - D)    (scale applied to dQ, dK at the end)
#pragma once
#include <cstdint>

#include "kernels/common/constants.cuh"
#include "kernels/common/element.cuh"
#include "kernels/common/swizzled_tile.cuh"
#include "kernels/common/tiled_attention_params.h"

namespace lasuite::dev {

// What one launch of the backward computes: everything, or one of the two passes past 128.
enum class BwdPart { all, dv, dk_dq };

template <class T, int D, int E>
struct TiledBwdShape {
  static constexpr bool kTwoPasses = D > 128 || E > 128;
  static constexpr int kBc = kTwoPasses ? 64 : 128, kBr = 64, kWarps = kBc / 16, kThreads = 32 * kWarps;
  using KTile = SwizzledTile<kBc, D>;
  using VTile = SwizzledTile<kBc, E>;
  using QTile = SwizzledTile<kBr, D>;
  using OTile = SwizzledTile<kBr, E>;   // dO
  using STile = SwizzledTile<kBc, kBr>; // dS^T, [key][query]
  static constexpr int kRowBytes = kBr * 4;  // one tile's lse or dsum
  static constexpr int kSmemBytes =
      KTile::kBytes + VTile::kBytes + 2 * QTile::kBytes + 2 * OTile::kBytes + STile::kBytes + 4 * kRowBytes;
};

template <class T, int D, int E, ScoreMode kMode, BwdPart kPart>
__global__ void __launch_bounds__(TiledBwdShape<T, D, E>::kThreads, 1)
    tiled_attention_bwd_kernel(const TiledAttentionArgs args) {
  using S = TiledBwdShape<T, D, E>;
  using Mma = typename Element<T>::Mma;
  constexpr int kBc = S::kBc, kBr = S::kBr, kNt = kBr / 8;
  constexpr bool kDv = kPart != BwdPart::dk_dq;   // this launch accumulates dV
  constexpr bool kDkDq = kPart != BwdPart::dv;    // and / or dK and dQ (which need dP = dO V^T)
  static_assert(kPart == BwdPart::all || S::kTwoPasses, "one pass does all at dims up to 128");

  extern __shared__ __align__(128) uint8_t smem[];
  uint8_t* s_k = smem;
  uint8_t* s_v = s_k + S::KTile::kBytes;
  // Double buffers as base + buffer * size (pointer arrays indexed at run time would go to local memory).
  uint8_t* s_q = s_v + S::VTile::kBytes;
  uint8_t* s_do = s_q + 2 * S::QTile::kBytes;
  uint8_t* s_ds = s_do + 2 * S::OTile::kBytes;
  float* s_lse = reinterpret_cast<float*>(s_ds + S::STile::kBytes);  // [2][kBr]
  float* s_dsum = s_lse + 2 * kBr;                                     // [2][kBr]

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, tq = lane & 3;
  const int bh = blockIdx.x;
  const int head = bh % args.heads;
  const int64_t n = args.n;
  const int64_t key0 = static_cast<int64_t>(blockIdx.y) * kBc;  // low key blocks carry the most work

  const T* q = static_cast<const T*>(args.q) + static_cast<int64_t>(bh) * n * D;
  const T* k = static_cast<const T*>(args.k) + static_cast<int64_t>(bh) * n * D;
  const T* v = static_cast<const T*>(args.v) + static_cast<int64_t>(bh) * n * E;
  const T* dout = static_cast<const T*>(args.dout) + static_cast<int64_t>(bh) * n * E;
  const float* lse = kMode == ScoreMode::softmax ? args.lse + static_cast<int64_t>(bh) * args.n_pad : nullptr;
  const float* dsum = kMode == ScoreMode::softmax ? args.dsum + static_cast<int64_t>(bh) * args.n_pad : nullptr;
  float* dq_accum = args.dq_accum + static_cast<int64_t>(bh) * n * D;

  // Query tiles: the first holds key0 (key0 is a multiple of kBr), the last holds n - 1.
  const int first_tile = static_cast<int>(key0 / kBr);
  const int num_tiles = static_cast<int>((n + kBr - 1) / kBr);

  auto load_query_tile = [&](int i, int buf) {
    const int64_t r0 = static_cast<int64_t>(i) * kBr;
    const int valid = rows_left(n, r0, kBr);
    load_tile_async<kBr, D, S::kThreads>(s_q + buf * S::QTile::kBytes, q + r0 * D, valid, tid);
    load_tile_async<kBr, E, S::kThreads>(s_do + buf * S::OTile::kBytes, dout + r0 * E, valid, tid);
    if constexpr (kMode == ScoreMode::softmax) {
      // lse and dsum rows run to n_pad (a multiple of kBr), finite everywhere: 2 x 16 chunks.
      if (tid < 16) cp_async_16(s_lse + buf * kBr + tid * 4, lse + r0 + tid * 4, 16);
      else if (kDkDq && tid < 32) cp_async_16(s_dsum + buf * kBr + (tid - 16) * 4, dsum + r0 + (tid - 16) * 4, 16);
    }
  };

  {
    const int valid = rows_left(n, key0, kBc);
    load_tile_async<kBc, D, S::kThreads>(s_k, k + key0 * D, valid, tid);
    if constexpr (kDkDq) load_tile_async<kBc, E, S::kThreads>(s_v, v + key0 * E, valid, tid);
    load_query_tile(first_tile, 0);
    cp_async_commit();
  }

  const float score_mul = kMode == ScoreMode::softmax ? args.scale * kLog2e : 1.f;
  const float decay_l2 = kMode == ScoreMode::decay ? args.slopes[head] * kLog2e : 0.f;
  const int krow = warp * 16;  // this warp's keys within the block

  // The accumulators a launch does not keep shrink to one tile it never touches.
  constexpr int kDkTiles = kDkDq ? D / 8 : 1, kDvTiles = kDv ? E / 8 : 1;
  Acc16x8 acc_dk[kDkTiles], acc_dv[kDvTiles];
#pragma unroll
  for (int j = 0; j < kDkTiles; ++j) acc_dk[j] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};
#pragma unroll
  for (int j = 0; j < kDvTiles; ++j) acc_dv[j] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};

  for (int i = first_tile, it = 0; i < num_tiles; ++i, ++it) {
    const int buf = it & 1;
    cp_async_wait<0>();
    __syncthreads();  // tile i is in; every warp is done with tile i - 1's buffers and with s_ds
    if (i + 1 < num_tiles) {
      load_query_tile(i + 1, buf ^ 1);
      cp_async_commit();
    }
    const int64_t qrow0 = static_cast<int64_t>(i) * kBr;
    const uint8_t* q_tile = s_q + buf * S::QTile::kBytes;
    const uint8_t* do_tile = s_do + buf * S::OTile::kBytes;
    const float* lse_tile = s_lse + buf * kBr;
    const float* dsum_tile = s_dsum + buf * kBr;

    // S^T = K_w Q_i^T and dP^T = V_w dO_i^T, 16 keys x 64 queries per warp.
    Acc16x8 st[kNt], dpt[kNt];
#pragma unroll
    for (int nt = 0; nt < kNt; ++nt) st[nt] = dpt[nt] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t a[4];
      load_a<typename S::KTile>(a, s_k, krow, kk * 16, lane);
#pragma unroll
      for (int np = 0; np < kNt / 2; ++np) {
        uint32_t b[4];
        load_b_pair<typename S::QTile>(b, q_tile, np * 16, kk * 16, lane);
        mma_pair<Mma>(st[2 * np], st[2 * np + 1], a, b);
      }
    }
#pragma unroll
    for (int kk = 0; kk < (kDkDq ? E / 16 : 0); ++kk) {
      uint32_t a[4];
      load_a<typename S::VTile>(a, s_v, krow, kk * 16, lane);
#pragma unroll
      for (int np = 0; np < kNt / 2; ++np) {
        uint32_t b[4];
        load_b_pair<typename S::OTile>(b, do_tile, np * 16, kk * 16, lane);
        mma_pair<Mma>(dpt[2 * np], dpt[2 * np + 1], a, b);
      }
    }

    // P^T and dS^T in place of S^T and dP^T. Element (nt, c): key u = key0 + krow + g + 8*(c/2),
    // query t = qrow0 + nt*8 + 2*tq + c%2.
    const bool diagonal = qrow0 < key0 + krow + 15;  // some t < u in this warp's tile
#pragma unroll
    for (int hr = 0; hr < 2; ++hr) {
      const int rel = static_cast<int>(qrow0 - (key0 + krow + g + 8 * hr)) + 2 * tq;  // t - u at nt = 0, c = 0
#pragma unroll
      for (int nt = 0; nt < kNt; ++nt)
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          const int dt = rel + nt * 8 + c;
          float& p = st[nt].c[2 * hr + c];
          float& ds = dpt[nt].c[2 * hr + c];
          if constexpr (kMode == ScoreMode::decay) {
            const float m = dt >= 0 ? fast_exp2(-decay_l2 * static_cast<float>(dt)) : 0.f;
            p *= m;
            ds *= m;
          } else {
            const int col = nt * 8 + 2 * tq + c;
            p = (diagonal && dt < 0) ? 0.f : fast_exp2(fmaf(p, score_mul, -lse_tile[col]));
            if constexpr (kDkDq) ds = p * (ds - dsum_tile[col]);
          }
        }
    }

    // Both as A operands (16 keys x 16 queries per k step).
    uint32_t pa[kBr / 16][4], dsa[kBr / 16][4];
#pragma unroll
    for (int kk = 0; kk < kBr / 16; ++kk) {
      pa[kk][0] = Element<T>::pack(st[2 * kk].c[0], st[2 * kk].c[1]);
      pa[kk][1] = Element<T>::pack(st[2 * kk].c[2], st[2 * kk].c[3]);
      pa[kk][2] = Element<T>::pack(st[2 * kk + 1].c[0], st[2 * kk + 1].c[1]);
      pa[kk][3] = Element<T>::pack(st[2 * kk + 1].c[2], st[2 * kk + 1].c[3]);
      dsa[kk][0] = Element<T>::pack(dpt[2 * kk].c[0], dpt[2 * kk].c[1]);
      dsa[kk][1] = Element<T>::pack(dpt[2 * kk].c[2], dpt[2 * kk].c[3]);
      dsa[kk][2] = Element<T>::pack(dpt[2 * kk + 1].c[0], dpt[2 * kk + 1].c[1]);
      dsa[kk][3] = Element<T>::pack(dpt[2 * kk + 1].c[2], dpt[2 * kk + 1].c[3]);
    }

    // dV_w += P^T dO_i and dK_w += dS^T Q_i (k = queries; B from [query][dim] tiles, transposed).
#pragma unroll
    for (int kk = 0; kk < kBr / 16; ++kk) {
#pragma unroll
      for (int np = 0; np < (kDv ? E / 16 : 0); ++np) {
        uint32_t b[4];
        load_b_pair_trans<typename S::OTile>(b, do_tile, np * 16, kk * 16, lane);
        mma_pair<Mma>(acc_dv[2 * np], acc_dv[2 * np + 1], pa[kk], b);
      }
#pragma unroll
      for (int np = 0; np < (kDkDq ? D / 16 : 0); ++np) {
        uint32_t b[4];
        load_b_pair_trans<typename S::QTile>(b, q_tile, np * 16, kk * 16, lane);
        mma_pair<Mma>(acc_dk[2 * np], acc_dk[2 * np + 1], dsa[kk], b);
      }
    }
    // dQ and dK need dS (the dV pass is done with this tile).
    if constexpr (kDkDq) {
      // dS^T to shared memory, [key][query].
#pragma unroll
      for (int kk = 0; kk < kBr / 16; ++kk) {
        const int r = krow + g, c = kk * 16 + 2 * tq;
        *reinterpret_cast<uint32_t*>(s_ds + S::STile::offset(r, c)) = dsa[kk][0];
        *reinterpret_cast<uint32_t*>(s_ds + S::STile::offset(r + 8, c)) = dsa[kk][1];
        *reinterpret_cast<uint32_t*>(s_ds + S::STile::offset(r, c + 8)) = dsa[kk][2];
        *reinterpret_cast<uint32_t*>(s_ds + S::STile::offset(r + 8, c + 8)) = dsa[kk][3];
      }
      __syncthreads();

      // dQ_i += dS K_block: warp w takes queries 16*(w%4).. and its share of the d columns (a half with
      // 8 warps, all with 4), 64 columns at a time at most.
      constexpr int kColGroups = S::kWarps / 4, kWarpCols = D / kColGroups;
      constexpr int kCols = kWarpCols < 64 ? kWarpCols : 64, kQt = kCols / 8;
#pragma unroll 1
      for (int chunk = 0; chunk < kWarpCols / kCols; ++chunk) {
        const int qm = (warp & 3) * 16, c0 = (warp >> 2) * kWarpCols + chunk * kCols;
        Acc16x8 dq[kQt];
#pragma unroll
        for (int j = 0; j < kQt; ++j) dq[j] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};
#pragma unroll
        for (int kk = 0; kk < kBc / 16; ++kk) {
          uint32_t a[4];
          load_a_trans<typename S::STile>(a, s_ds, qm, kk * 16, lane);
#pragma unroll
          for (int np = 0; np < kQt / 2; ++np) {
            uint32_t b[4];
            load_b_pair_trans<typename S::KTile>(b, s_k, c0 + np * 16, kk * 16, lane);
            mma_pair<Mma>(dq[2 * np], dq[2 * np + 1], a, b);
          }
        }
#pragma unroll
        for (int hr = 0; hr < 2; ++hr) {
          const int64_t t = qrow0 + qm + g + 8 * hr;
          if (t < n) {
            float* dst = dq_accum + t * D + c0 + 2 * tq;
#pragma unroll
            for (int j = 0; j < kQt; ++j) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
              atomicAdd(reinterpret_cast<float2*>(dst + j * 8), make_float2(dq[j].c[2 * hr], dq[j].c[2 * hr + 1]));
#else
              atomicAdd(dst + j * 8, dq[j].c[2 * hr]);
              atomicAdd(dst + j * 8 + 1, dq[j].c[2 * hr + 1]);
#endif
            }
          }
        }
      }
    }
  }

  // dK and dV of this warp's 16 keys; decay scales all three gradients, softmax dK and dQ.
  const float dv_mul = kMode == ScoreMode::decay ? args.scale : 1.f;
  T* dk = static_cast<T*>(args.dk) + static_cast<int64_t>(bh) * n * D;
  T* dv = static_cast<T*>(args.dv) + static_cast<int64_t>(bh) * n * E;
#pragma unroll
  for (int hr = 0; hr < 2; ++hr) {
    const int64_t u = key0 + krow + g + 8 * hr;
    if (u < n) {
#pragma unroll
      for (int j = 0; j < (kDkDq ? D / 8 : 0); ++j)
        store_pair(dk + u * D + j * 8 + 2 * tq, acc_dk[j].c[2 * hr] * args.scale, acc_dk[j].c[2 * hr + 1] * args.scale);
#pragma unroll
      for (int j = 0; j < (kDv ? E / 8 : 0); ++j)
        store_pair(dv + u * E + j * 8 + 2 * tq, acc_dv[j].c[2 * hr] * dv_mul, acc_dv[j].c[2 * hr + 1] * dv_mul);
    }
  }
}

// Softmax backward, before the main kernel: dsum[t] = sum_j dO[t][j] O[t][j] for t < n, 0 up to n_pad.
// One warp per row.
template <class T, int E>
__global__ void tiled_attention_dsum_kernel(const TiledAttentionArgs args) {
  const int lane = threadIdx.x & 31;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + (threadIdx.x >> 5);
  const int64_t total = static_cast<int64_t>(args.batch_heads) * args.n_pad;
  if (row >= total) return;
  const int64_t bh = row / args.n_pad, t = row % args.n_pad;
  float acc = 0.f;
  if (t < args.n) {
    const T* o = static_cast<const T*>(args.o) + (bh * args.n + t) * E;
    const T* d = static_cast<const T*>(args.dout) + (bh * args.n + t) * E;
#pragma unroll
    for (int j = lane * 2; j < E; j += 64) {
      float2 a = Element<T>::unpack(*reinterpret_cast<const uint32_t*>(o + j));
      float2 b = Element<T>::unpack(*reinterpret_cast<const uint32_t*>(d + j));
      acc += a.x * b.x + a.y * b.y;
    }
  }
#pragma unroll
  for (int m = 16; m > 0; m >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, m);
  if (lane == 0) args.dsum[row] = acc;
}

// After the main kernel: dQ = scale * dq_accum in the input type, four elements per thread.
template <class T>
__global__ void tiled_attention_dq_convert_kernel(const float* accum, T* dq, int64_t count4, float scale) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count4) return;
  const float4 a = reinterpret_cast<const float4*>(accum)[i];
  store_pair(dq + 4 * i, a.x * scale, a.y * scale);
  store_pair(dq + 4 * i + 2, a.z * scale, a.w * scale);
}

}  // namespace lasuite::dev
