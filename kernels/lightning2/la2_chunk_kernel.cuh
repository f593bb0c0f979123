// The core of Lightning Attention-2 on the GPU: one thread block per (batch*head, segment) walks the
// segment's chunks of 64 rows, keeping the d x e state in fp32 registers:
//     O_c = c_intra ((Q_c K_c^T) (x) D) V_c + c_inter diag(lambda^(i+1)) Q_c S      (if writing O)
//     S  <- lambda^L S + c_update (diag(lambda^(L-1-j)) K_c)^T V_c
// The forward and all three gradients are runs of this with permuted operands (la2_pass.cu), so it
// takes scalar multipliers, a reverse row order, and an optional start and end state.
//
// Two variants: with outputs (OUT) and states only (the first step of a segmented pass), which needs
// no Q tile, no operand copy of S and fewer registers, so two blocks share an SM.
//
// 8 warps. Output: warp w owns 16 rows (row group rg) and half the value columns (cg = w / 4); the
// row groups are paired 0/3 and 1/2 on each SM sub-partition because causal masking makes later rows
// costlier. State: warp w owns d/4 rows (w % 4) and e/2 columns (w / 4) of S.
// Tensor cores (mma.sync m16n8k16) for all four products; fp32 inputs go through hi + lo bf16 splits.
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common/element.cuh"
#include "kernels/common/grid_dependency.cuh"
#include "kernels/common/mma_sm80.cuh"
#include "kernels/common/swizzled_tile.cuh"
#include "kernels/common/tile_fragments.cuh"
#include "kernels/lightning2/la2_chunk_args.h"

namespace lasuite::la2 {

constexpr int kChunk = 64;
constexpr int kThreads = 256;
constexpr int kPowEntries = 68;  // lambda^0 .. lambda^64, padded to 16 bytes

template <class T, int DK, int DV, bool OUT>
struct ChunkSmem {
  using LQ = dev::TileLayout<T, DK>;
  using LV = dev::TileLayout<T, DV>;
  static constexpr bool kSplit = LQ::kSplit;
  // fp32 tiles are twice as large: one stage, so the whole set fits sm_80's 163 KiB.
  static constexpr int kStages = kSplit ? 1 : 2;
  static constexpr int kQ = LQ::elems(kChunk);
  static constexpr int kV = LV::elems(kChunk);
  static constexpr int kStage = (OUT ? 2 : 1) * kQ + kV;  // [Q], K, V tiles, in elements
  static constexpr int kState = LV::elems(DK);             // operand copy of S, [DK][DV]
  static constexpr size_t bytes(int state_bufs) {
    return (size_t(kStages) * kStage + size_t(OUT ? state_bufs : 0) * kState) * sizeof(T) +
           kPowEntries * sizeof(float);
  }
};

// Whether a block of the output step waits for the kernel ahead of it (it may start early): all do except
// segment 0 when the scan is in the output kernel, and every block of a one-pass kernel. Those start
// from the pass's own initial state or the increments of their own grid and read nothing the kernel
// ahead writes, so they run beside it instead of after it.
__device__ __forceinline__ bool waits_for_kernel_ahead(const ChunkArgs& a, int seg) {
  return a.publish == nullptr && !(seg == 0 && a.inc != nullptr);
}

template <class T, int DK, int DV, bool OUT>
__global__ void __launch_bounds__(kThreads, OUT ? 1 : 2) la2_chunk_kernel(const ChunkArgs a) {
  using SM = ChunkSmem<T, DK, DV, OUT>;
  using LQ = typename SM::LQ;
  using LV = typename SM::LV;
  using dev::Acc16x8;
  using dev::FragA;
  using dev::FragB;
  constexpr int MT_S = DK / 64;  // 16-row tiles of S per warp
  constexpr int NT_S = DV / 16;  // 8-column tiles of S per warp
  constexpr int NT_O = DV / 16;  // 8-column tiles of O per warp
  constexpr int OCOLS = DV / 2;  // value columns per warp

  extern __shared__ __align__(16) unsigned char smem_raw[];
  T* smem = reinterpret_cast<T*>(smem_raw);
  T* state_sm = smem + SM::kStages * SM::kStage;
  float* pw = reinterpret_cast<float*>(state_sm + (OUT ? a.state_bufs : 0) * SM::kState);  // pw[k] = lambda^k

  // Segment-major grid: the blocks of segment 0 are dispatched first (they may run beside the states step).
  const int seg = blockIdx.y;
  const int64_t bh = blockIdx.x;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int64_t n = a.n;
  const int nchunks = static_cast<int>((n + kChunk - 1) / kChunk);
  const int c_begin = seg * a.seg_chunks;
  const int c_end = min(nchunks, c_begin + a.seg_chunks);
  const float slope = a.slopes ? a.slopes[bh % a.heads] : 0.f;
  if (threadIdx.x <= kChunk) pw[threadIdx.x] = expf(-slope * static_cast<float>(threadIdx.x));

  const T* qg = OUT ? static_cast<const T*>(a.q) + bh * n * DK : nullptr;
  const T* kg = static_cast<const T*>(a.k) + bh * n * DK;
  const T* vg = static_cast<const T*>(a.v) + bh * n * DV;
  T* og = OUT ? static_cast<T*>(a.o) + bh * n * DV : nullptr;

  const int rg = warp < 4 ? warp : 7 - warp;
  const int sr = warp & 3, sc = warp >> 2;  // sc is also the output column half
  const int s_row0 = sr * (DK / 4), s_col0 = sc * OCOLS;

  // Rows past n are zero-filled (cp.async with 0 source bytes): they add nothing to any product.
  auto load_chunk = [&](int chunk, int stage) {
    T* sq = smem + stage * SM::kStage;
    T* sk = sq + (OUT ? SM::kQ : 0);
    T* sv = sk + SM::kQ;
    constexpr int PQ = DK / LQ::kElemsPer16B, PV = DV / LV::kElemsPer16B;
    for (int i = threadIdx.x; i < kChunk * PQ; i += kThreads) {
      const int r = i / PQ, col = (i % PQ) * LQ::kElemsPer16B;
      const int64_t vt = int64_t(chunk) * kChunk + r;
      const bool valid = vt < n;
      const int64_t pr = valid ? (a.reverse ? n - 1 - vt : vt) : 0;
      if constexpr (OUT) dev::cp_async_16(sq + LQ::offset(r, col), qg + pr * DK + col, valid ? 16 : 0);
      dev::cp_async_16(sk + LQ::offset(r, col), kg + pr * DK + col, valid ? 16 : 0);
    }
    for (int i = threadIdx.x; i < kChunk * PV; i += kThreads) {
      const int r = i / PV, col = (i % PV) * LV::kElemsPer16B;
      const int64_t vt = int64_t(chunk) * kChunk + r;
      const bool valid = vt < n;
      const int64_t pr = valid ? (a.reverse ? n - 1 - vt : vt) : 0;
      dev::cp_async_16(sv + LV::offset(r, col), vg + pr * DV + col, valid ? 16 : 0);
    }
  };

  // The inputs were complete before this pass's first kernel started (it is launched without early
  // start), so the first tiles may be fetched before waiting for the kernel ahead (the scan), whose
  // start states are read only after the wait.
  if constexpr (SM::kStages == 2) {
    if (c_begin < c_end) load_chunk(c_begin, 0);
    dev::cp_async_commit();
  }
  if (waits_for_kernel_ahead(a, seg)) dev::grid_dependency_wait();
  // The output step may get ready at once: its first segment needs nothing from this one, the others
  // wait for all of it.
  if constexpr (!OUT) dev::allow_dependent_launch();

  // The state, in the accumulator layout: st[mt][nt] covers rows s_row0 + 16 mt .., cols s_col0 + 8 nt ..
  Acc16x8 st[MT_S][NT_S];
  const int shift0 = seg == 0 ? a.init_shift : 0;
  {
    const float* ip = a.init ? a.init + bh * a.init_bh_stride + seg * a.init_seg_stride : nullptr;
#pragma unroll
    for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
      for (int nt = 0; nt < NT_S; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int64_t r = s_row0 + 16 * mt + g + 8 * (e >> 1), c = s_col0 + 8 * nt + 2 * t + (e & 1);
          st[mt][nt].c[e] = ip ? ip[r * a.init_rs + c * a.init_cs] : 0.f;
        }
    // The scan over the segments ahead, in the kernel: S <- d S + dS_f, a step's loads all issued before
    // its multiply-adds, row-major increments read as float2 pairs. (Two steps in flight at once spilled
    // registers: 64 state + 128 loaded values.)
    const int incs = OUT && a.inc ? seg * a.inc_per_seg : 0;  // never in the states-only variant
    if (incs > 0) {
      const float* base = a.inc + bh * a.inc_bh_stride;
      const float dec_full = expf(-slope * static_cast<float>(a.inc_rows));
      const float dec_first = expf(-slope * static_cast<float>(a.inc_rows - a.init_shift));
      auto chain = [&](auto pairs_contiguous) {
        constexpr bool kPairs = decltype(pairs_contiguous)::value;
        auto load = [&](int f, float (&x)[MT_S][NT_S][4]) {
          const float* fp = base + f * a.inc_f_stride;
#pragma unroll
          for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
            for (int nt = 0; nt < NT_S; ++nt)
#pragma unroll
              for (int h = 0; h < 2; ++h) {
                const int64_t r = s_row0 + 16 * mt + g + 8 * h, c = s_col0 + 8 * nt + 2 * t;
                if constexpr (kPairs) {
                  const float2 v = *reinterpret_cast<const float2*>(fp + r * a.inc_rs + c);
                  x[mt][nt][2 * h] = v.x, x[mt][nt][2 * h + 1] = v.y;
                } else {
                  x[mt][nt][2 * h] = fp[r * a.inc_rs + c * a.inc_cs];
                  x[mt][nt][2 * h + 1] = fp[r * a.inc_rs + (c + 1) * a.inc_cs];
                }
              }
        };
        for (int f = 0; f < incs; ++f) {
          float x[MT_S][NT_S][4];
          load(f, x);
          const float d = f == 0 ? dec_first : dec_full;
#pragma unroll
          for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
            for (int nt = 0; nt < NT_S; ++nt)
#pragma unroll
              for (int e = 0; e < 4; ++e) st[mt][nt].c[e] = fmaf(d, st[mt][nt].c[e], x[mt][nt][e]);
        }
      };
      // float2 needs 8-byte alignment: row strides and the increment stride are even here.
      if (a.inc_cs == 1) chain(std::true_type{});
      else chain(std::false_type{});
    }
  }
  const bool want_fin = a.fin != nullptr && (!a.fin_last_seg_only || seg == static_cast<int>(gridDim.y) - 1);

  auto write_state = [&](T* dst) {
#pragma unroll
    for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
      for (int nt = 0; nt < NT_S; ++nt) {
        const int r = s_row0 + 16 * mt + g, c = s_col0 + 8 * nt + 2 * t;
        dev::store_pair<T>(dst + LV::offset(r, c), st[mt][nt].c[0], st[mt][nt].c[1]);
        dev::store_pair<T>(dst + LV::offset(r + 8, c), st[mt][nt].c[2], st[mt][nt].c[3]);
      }
  };

  if constexpr (OUT) write_state(state_sm);
  __syncthreads();  // pw[] and the first state copy

  for (int c = c_begin; c < c_end; ++c) {
    const int local = c - c_begin;
    const int cur = SM::kStages == 2 ? (local & 1) : 0;
    if constexpr (SM::kStages == 2) {
      dev::cp_async_wait<0>();
      __syncthreads();  // this chunk's tiles have landed; everyone is done with the other stage
      if (c + 1 < c_end) load_chunk(c + 1, cur ^ 1);
      dev::cp_async_commit();
    } else {
      __syncthreads();  // everyone is done with the previous chunk's tiles
      load_chunk(c, 0);
      dev::cp_async_commit();
      dev::cp_async_wait<0>();
      __syncthreads();
    }
    const T* sq = smem + cur * SM::kStage;
    const T* sk = sq + (OUT ? SM::kQ : 0);
    const T* sv = sk + SM::kQ;
    const int L = dev::rows_left(n, int64_t(c) * kChunk, kChunk);
    const int shift = c == c_begin ? shift0 : 0;

    if constexpr (OUT) {
      const T* s_op = state_sm + (a.state_bufs == 2 ? (local & 1) : 0) * SM::kState;
      Acc16x8 o[NT_O], s[8];
#pragma unroll
      for (int i = 0; i < NT_O; ++i) o[i] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};
#pragma unroll
      for (int i = 0; i < 8; ++i) s[i] = Acc16x8{{0.f, 0.f, 0.f, 0.f}};
      // Inter (Q S) and the scores (Q K^T) share the Q fragments. Key tiles above the diagonal are skipped.
#pragma unroll
      for (int kk = 0; kk < DK / 16; ++kk) {
        FragA<T> qa;
        dev::load_a_rows<T, DK>(qa, sq, 16 * rg, 16 * kk);
#pragma unroll
        for (int np = 0; np < NT_O / 2; ++np) {
          FragB<T> b[2];
          dev::load_b_kn_x2<T, DV>(b, s_op, 16 * kk, s_col0 + 16 * np);
          dev::mma(o[2 * np], qa, b[0]);
          dev::mma(o[2 * np + 1], qa, b[1]);
        }
#pragma unroll
        for (int np = 0; np < 4; ++np)
          if (np <= rg) {
            FragB<T> b[2];
            dev::load_b_nk_x2<T, DK>(b, sk, 16 * kk, 16 * np);
            dev::mma(s[2 * np], qa, b[0]);
            dev::mma(s[2 * np + 1], qa, b[1]);
          }
      }
      const int i0 = 16 * rg + g, i1 = i0 + 8;
      {
        const float f0 = a.c_inter * pw[i0 + 1 - shift], f1 = a.c_inter * pw[i1 + 1 - shift];
#pragma unroll
        for (int nt = 0; nt < NT_O; ++nt) {
          o[nt].c[0] *= f0, o[nt].c[1] *= f0, o[nt].c[2] *= f1, o[nt].c[3] *= f1;
        }
      }
      // D[i][j] = c_intra lambda^(i-j) on and below the diagonal, 0 above.
#pragma unroll
      for (int nt = 0; nt < 8; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int i = e < 2 ? i0 : i1, j = 8 * nt + 2 * t + (e & 1);
          s[nt].c[e] = j <= i ? s[nt].c[e] * (a.c_intra * pw[i - j >= 0 ? i - j : 0]) : 0.f;
        }
#pragma unroll
      for (int kk = 0; kk < 4; ++kk)
        if (kk <= rg) {
          FragA<T> p;
          dev::acc_to_a<T>(p, s[2 * kk], s[2 * kk + 1]);
#pragma unroll
          for (int np = 0; np < NT_O / 2; ++np) {
            FragB<T> b[2];
            dev::load_b_kn_x2<T, DV>(b, sv, 16 * kk, s_col0 + 16 * np);
            dev::mma(o[2 * np], p, b[0]);
            dev::mma(o[2 * np + 1], p, b[1]);
          }
        }
      const int64_t t0 = int64_t(c) * kChunk + i0, t1 = t0 + 8;
      const int64_t p0 = a.reverse ? n - 1 - t0 : t0, p1 = a.reverse ? n - 1 - t1 : t1;
#pragma unroll
      for (int nt = 0; nt < NT_O; ++nt) {
        const int col = s_col0 + 8 * nt + 2 * t;
        if (t0 < n) dev::store_pair<T>(og + p0 * DV + col, o[nt].c[0], o[nt].c[1]);
        if (t1 < n) dev::store_pair<T>(og + p1 * DV + col, o[nt].c[2], o[nt].c[3]);
      }
    }

    // S <- lambda^(L - shift) S + c_update sum_j lambda^(L-1-j) k_j^T v_j (not needed after the
    // segment's last chunk unless the end state is wanted)
    if (want_fin || c + 1 < c_end) {
      const float dec = pw[L - shift];
#pragma unroll
      for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
        for (int nt = 0; nt < NT_S; ++nt)
#pragma unroll
          for (int e = 0; e < 4; ++e) st[mt][nt].c[e] *= dec;
#pragma unroll
      for (int kk = 0; kk < 4; ++kk)
        if (16 * kk < L) {
          float f[4];
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            const int j = 16 * kk + 2 * t + (q & 1) + 8 * (q >> 1);
            f[q] = j < L ? a.c_update * pw[L - 1 - j] : 0.f;
          }
          FragA<T> ka[MT_S];
#pragma unroll
          for (int mt = 0; mt < MT_S; ++mt) dev::load_a_cols_scaled<T, DK>(ka[mt], sk, s_row0 + 16 * mt, 16 * kk, f);
#pragma unroll
          for (int np = 0; np < NT_S / 2; ++np) {
            FragB<T> b[2];
            dev::load_b_kn_x2<T, DV>(b, sv, 16 * kk, s_col0 + 16 * np);
#pragma unroll
            for (int mt = 0; mt < MT_S; ++mt) {
              dev::mma(st[mt][2 * np], ka[mt], b[0]);
              dev::mma(st[mt][2 * np + 1], ka[mt], b[1]);
            }
          }
        }
    }

    if (OUT && c + 1 < c_end) {
      if (a.state_bufs == 1) __syncthreads();  // everyone has read the single copy
      write_state(state_sm + (a.state_bufs == 2 ? ((local + 1) & 1) : 0) * SM::kState);
    }
  }

  if (want_fin) {
    const float mul = pw[a.fin_power];
    float* fp = a.fin + bh * a.fin_bh_stride + seg * a.fin_seg_stride;
#pragma unroll
    for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
      for (int nt = 0; nt < NT_S; ++nt) {
        const int r = s_row0 + 16 * mt + g, c = s_col0 + 8 * nt + 2 * t;
        *reinterpret_cast<float2*>(fp + int64_t(r) * DV + c) = make_float2(st[mt][nt].c[0] * mul, st[mt][nt].c[1] * mul);
        *reinterpret_cast<float2*>(fp + int64_t(r + 8) * DV + c) =
            make_float2(st[mt][nt].c[2] * mul, st[mt][nt].c[3] * mul);
      }
  }
}

}  // namespace lasuite::la2
