// The core of Lightning Attention-2 on the GPU: one thread block per (batch*head, segment) walks the
// segment's chunks of 64 rows, keeping the d x e state in fp32 registers:
//     O_c = c_intra ((Q_c K_c^T) (x) D) V_c + c_inter diag(lambda^(i+1)) Q_c S      (if writing O)
//     S  <- lambda^L S + c_update (diag(lambda^(L-1-j)) K_c)^T V_c
// The forward and all three gradients are runs of this with permuted operands (la2_cuda.cpp), so it
// takes scalar multipliers, a reverse row order, and an optional start and end state.
//
// Two variants: with outputs (OUT) and states only (the first step of a segmented pass), which needs
// no Q tile, no operand copy of S and fewer registers, so two blocks share an SM (one in f32, whose
// update is summed apart from S: 128 registers would spill it).
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
#include "kernels/lightning2/la2_chunk_math.cuh"

namespace lasuite::la2 {

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
           kDecayTableFloats * sizeof(float);
  }
};

// Whether a block of the output step waits for the kernel ahead of it (it may start early): all do except
// segment 0 when the scan is in the output kernel, and every block of a one-pass kernel. Those start
// from the pass's own initial state or the increments of their own grid and read nothing the kernel
// ahead writes, so they run beside it instead of after it.
__device__ __forceinline__ bool waits_for_kernel_ahead(const OutputStepArgs& a, int seg) {
  return a.one_pass.publish == nullptr && !(seg == 0 && a.scan.increments.p != nullptr);
}

// Whether chunk c of a block walking [c_begin, c_end) is where the wgmma output step lets the kernel after
// it launch, where that is later than the block's start (OutputStepArgs::dependents_chunks_left): each
// warpgroup says so there (a block whose segment is empty says so by ending).
__device__ __forceinline__ bool launches_dependents_at(const OutputStepArgs& a, int c, int c_begin, int c_end) {
  return a.dependents_chunks_left > 0 && c == max(c_begin, c_end - a.dependents_chunks_left);
}

template <class T, int DK, int DV, bool OUT>
__global__ void __launch_bounds__(kThreads, OUT || ChunkSmem<T, DK, DV, OUT>::kSplit ? 1 : 2)
    la2_chunk_kernel(const StepArgs<OUT> a) {
  using SM = ChunkSmem<T, DK, DV, OUT>;
  using LQ = typename SM::LQ;
  using LV = typename SM::LV;
  using dev::FragA;
  using dev::FragB;
  constexpr int MT_S = DK / 64;  // 16-row strips of S per warp
  constexpr int NT_S = DV / 16;  // 8-column tiles of S per warp
  constexpr int NT_O = DV / 16;  // 8-column tiles of O per warp
  constexpr int OCOLS = DV / 2;  // value columns per warp
  const ChunkWalk& w = a.walk;

  extern __shared__ __align__(16) unsigned char smem_raw[];
  T* smem = reinterpret_cast<T*>(smem_raw);
  T* state_sm = smem + SM::kStages * SM::kStage;
  int state_bufs = 0;
  if constexpr (OUT) state_bufs = a.state_bufs;
  float* pw = reinterpret_cast<float*>(state_sm + state_bufs * SM::kState) + kPowZeros;  // pw[k] = lambda^k

  // Segment-major grid: the blocks of segment 0 are dispatched first (they may run beside the states step).
  const int seg = blockIdx.y;
  const BlockPlace place = place_block(w);
  const int64_t bh = place.state_bh;  // the states' index (a dense batch's (batch, head))
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int64_t n = place.n;
  const int nchunks = static_cast<int>((n + kChunk - 1) / kChunk);
  const int c_begin = seg * w.seg_chunks;
  const int c_end = min(nchunks, c_begin + w.seg_chunks);
  const float slope = w.slopes ? w.slopes[place.head] : 0.f;
  fill_decay_powers(pw, slope);

  // Row strides: the tensors' own widths (ChunkWalk::cols_qk, cols_v); columns past them read as zero.
  const int ldk = in_place_width<DK>(w.cols_qk), ldv = in_place_width<DV>(w.cols_v);
  const T* qg = OUT ? static_cast<const T*>(w.q) + place.row0 * ldk : nullptr;
  const T* kg = static_cast<const T*>(w.k) + place.row0 * ldk;
  const T* vg = static_cast<const T*>(w.v) + place.row0 * ldv;

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
      const bool valid = vt < n && col < ldk;
      const int64_t pr = valid ? (w.reverse ? n - 1 - vt : vt) : 0;
      const int c = valid ? col : 0;
      if constexpr (OUT) dev::cp_async_16(sq + LQ::offset(r, col), qg + pr * ldk + c, valid ? 16 : 0);
      dev::cp_async_16(sk + LQ::offset(r, col), kg + pr * ldk + c, valid ? 16 : 0);
    }
    for (int i = threadIdx.x; i < kChunk * PV; i += kThreads) {
      const int r = i / PV, col = (i % PV) * LV::kElemsPer16B;
      const int64_t vt = int64_t(chunk) * kChunk + r;
      const bool valid = vt < n && col < ldv;
      const int64_t pr = valid ? (w.reverse ? n - 1 - vt : vt) : 0;
      dev::cp_async_16(sv + LV::offset(r, col), vg + pr * ldv + (valid ? col : 0), valid ? 16 : 0);
    }
  };

  // The inputs were complete before this pass's first kernel started (it is launched without early
  // start), so the first tiles may be fetched before waiting for the kernel ahead (the scan), whose
  // start states are read only after the wait.
  if constexpr (SM::kStages == 2) {
    if (c_begin < c_end) load_chunk(c_begin, 0);
    dev::cp_async_commit();
  }
  if constexpr (OUT) {
    if (waits_for_kernel_ahead(a, seg)) dev::grid_dependency_wait();
  } else {
    // The output step may get ready at once: its first segment needs nothing from this one, the others
    // wait for all of it.
    dev::allow_dependent_launch();
  }

  // The state: strip mt covers rows s_row0 + 16 mt .., columns s_col0 .. s_col0 + OCOLS - 1.
  StateRegs<DK, DV, MT_S, OCOLS, 16> st{{}, s_row0, s_col0, g, t};
  int shift0 = 0;
  if constexpr (OUT) {
    shift0 = seg == 0 ? a.start.shift : 0;
    const StateView& init = a.start.state;
    const float* ip = init.p ? init.p + bh * init.bh_stride + seg * init.seg_stride : nullptr;
    const int incs = a.scan.increments.p ? seg * a.scan.per_seg : 0;
    const float* incp = incs > 0 ? a.scan.increments.p + bh * a.scan.increments.bh_stride : nullptr;
    scan_start_state(st, ip, layout_of(init), a.start.shift, a.scan, incp, incs, slope, [](int) {});
  } else {
    st.fill(0.f);  // the states-only step: each segment's own increment
  }
  const bool want_fin = a.end.p != nullptr && (!a.end.last_seg_only || seg == static_cast<int>(gridDim.y) - 1);

  // The operand copy of S (the element type, the tiles' padded layout) for the output products.
  auto write_state = [&](T* dst) {
#pragma unroll
    for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
      for (int i = 0; i < NT_S * 4; i += 2) dev::store_pair<T>(dst + LV::offset(st.row(mt, i), st.col(i)), st.x[mt][i], st.x[mt][i + 1]);
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
      // O_c = c_inter diag(lambda^(i+1)) Q_c S + ((Q_c K_c^T) (x) D) V_c for this warp's 16 rows and
      // half of the value columns.
      const T* s_op = state_sm + (state_bufs == 2 ? (local & 1) : 0) * SM::kState;
      float o[NT_O * 4], s[32];
#pragma unroll
      for (int i = 0; i < NT_O * 4; ++i) o[i] = 0.f;
#pragma unroll
      for (int i = 0; i < 32; ++i) s[i] = 0.f;
      // Inter (Q S) and the scores (Q K^T) share the Q fragments. Key tiles above the diagonal are skipped.
#pragma unroll
      for (int kk = 0; kk < DK / 16; ++kk) {
        FragA<T> qa;
        dev::load_a_rows<T, DK>(qa, sq, 16 * rg, 16 * kk);
#pragma unroll
        for (int np = 0; np < NT_O / 2; ++np) {
          FragB<T> b[2];
          dev::load_b_kn_x2<T, DV>(b, s_op, 16 * kk, s_col0 + 16 * np);
          dev::mma(o, 2 * np, qa, b[0]);
          dev::mma(o, 2 * np + 1, qa, b[1]);
        }
#pragma unroll
        for (int np = 0; np < 4; ++np)
          if (np <= rg) {
            FragB<T> b[2];
            dev::load_b_nk_x2<T, DK>(b, sk, 16 * kk, 16 * np);
            dev::mma(s, 2 * np, qa, b[0]);
            dev::mma(s, 2 * np + 1, qa, b[1]);
          }
      }
      const int i0 = 16 * rg;
      apply_row_decay(o, i0, g, shift, w.c_inter, pw);
      apply_decay_mask(s, i0, g, t, w.c_intra, pw);
#pragma unroll
      for (int kk = 0; kk < 4; ++kk)
        if (kk <= rg) {
          FragA<T> p;
          dev::acc_to_a<T>(p, s, kk);
#pragma unroll
          for (int np = 0; np < NT_O / 2; ++np) {
            FragB<T> b[2];
            dev::load_b_kn_x2<T, DV>(b, sv, 16 * kk, s_col0 + 16 * np);
            dev::mma(o, 2 * np, p, b[0]);
            dev::mma(o, 2 * np + 1, p, b[1]);
          }
        }
      const int ldo = in_place_width<DV>(a.cols_o);  // o's row stride; columns past it are not written
      T* og = static_cast<T*>(a.o) + place.row0 * ldo;
      const int64_t t0 = int64_t(c) * kChunk + i0 + g, t1 = t0 + 8;
      const int64_t p0 = w.reverse ? n - 1 - t0 : t0, p1 = w.reverse ? n - 1 - t1 : t1;
#pragma unroll
      for (int nt = 0; nt < NT_O; ++nt) {
        const int col = s_col0 + 8 * nt + 2 * t;
        if (col >= ldo) continue;  // past the tensor's own width: zero columns, not stored
        if (t0 < n) dev::store_pair<T>(og + p0 * ldo + col, o[4 * nt], o[4 * nt + 1]);
        if (t1 < n) dev::store_pair<T>(og + p1 * ldo + col, o[4 * nt + 2], o[4 * nt + 3]);
      }
    }

    // S <- lambda^(L - shift) S + c_update sum_j lambda^(L-1-j) k_j^T v_j (not needed after the
    // segment's last chunk unless the end state is wanted)
    if (want_fin || c + 1 < c_end) {
      st.scale(pw[L - shift]);
      // acc += c_update (diag(lambda^(L-1-j)) K_c)^T V_c for this warp's strips of S.
      auto add_update = [&](float (&acc)[MT_S][decltype(st)::kFloats]) {
#pragma unroll
        for (int kk = 0; kk < 4; ++kk)
          if (16 * kk < L) {
            float f[4];
            key_decays(f, kk, t, L, w.c_update, pw);
            FragA<T> ka[MT_S];
#pragma unroll
            for (int mt = 0; mt < MT_S; ++mt) dev::load_a_cols_scaled<T, DK>(ka[mt], sk, s_row0 + 16 * mt, 16 * kk, f);
#pragma unroll
            for (int np = 0; np < NT_S / 2; ++np) {
              FragB<T> b[2];
              dev::load_b_kn_x2<T, DV>(b, sv, 16 * kk, s_col0 + 16 * np);
#pragma unroll
              for (int mt = 0; mt < MT_S; ++mt) {
                dev::mma(acc[mt], 2 * np, ka[mt], b[0]);
                dev::mma(acc[mt], 2 * np + 1, ka[mt], b[1]);
              }
            }
          }
      };
      if constexpr (SM::kSplit) {
        // fp32: the tensor cores' fp32 sums do not round to nearest, and their error leans one way, so
        // over hundreds of chunks added straight into S it grew linearly (1e-4 at 256 chunks a segment
        // without decay). This chunk's update is summed apart, from zero, and added to S with one
        // round-to-nearest addition.
        float upd[MT_S][decltype(st)::kFloats];
#pragma unroll
        for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
          for (int i = 0; i < decltype(st)::kFloats; ++i) upd[mt][i] = 0.f;
        add_update(upd);
#pragma unroll
        for (int mt = 0; mt < MT_S; ++mt)
#pragma unroll
          for (int i = 0; i < decltype(st)::kFloats; ++i) st.x[mt][i] += upd[mt][i];
      } else {
        add_update(st.x);
      }
    }

    if constexpr (OUT) {
      if (c + 1 < c_end) {
        if (state_bufs == 1) __syncthreads();  // everyone has read the single copy
        write_state(state_sm + (state_bufs == 2 ? ((local + 1) & 1) : 0) * SM::kState);
      }
    }
  }

  if (want_fin) st.template store<!OUT>(a.end.p + bh * a.end.bh_stride + seg * a.end.seg_stride, pw[a.end.power]);
  if constexpr (!OUT)
    if (a.ends_after_kernel_ahead) dev::grid_dependency_wait();
}

}  // namespace lasuite::la2
