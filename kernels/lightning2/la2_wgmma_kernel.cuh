// The output step of Lightning Attention-2 for Hopper (sm_90a): the same chunk algorithm and arguments
// as la2_chunk_kernel's output variant (see there for the math), with the four products on wgmma and
// the work split between two warpgroups that run side by side on every chunk:
//   warpgroup 0 (output): scores = Q K^T, O = c_inter diag(lambda^(i+1)) Q S + (scores (x) D) V, for
//     all 64 rows of the chunk; Q, K, V and the operand copy of S are read by the tensor cores straight
//     from shared memory, the masked scores go back in as a register operand;
//   warpgroup 1 (state): S <- lambda^L S + c_update (diag(lambda^(L-1-j)) K)^T V with S (d x e, fp32)
//     in its registers, then the next chunk's operand copy of S (double-buffered).
// Why: the mma.sync kernel spends most of its time in ldmatrix/mma issue (about 0.5 ldmatrix per mma,
// every warp re-reading the state copy and the tiles); wgmma reads the shared operands once per
// warpgroup and frees the issue slots. Tiles arrive by cp.async (which also handles the reversed row
// order of the backward passes and zero-fills rows past n), kStages chunks deep.
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common/block_flags.cuh"
#include "kernels/common/element.cuh"
#include "kernels/common/grid_dependency.cuh"
#include "kernels/common/mma_sm80.cuh"
#include "kernels/common/role_barrier.cuh"
#include "kernels/common/sw128_tile.cuh"
#include "kernels/common/swizzled_tile.cuh"
#include "kernels/common/wgmma_sm90.cuh"
#include "kernels/lightning2/la2_chunk_args.h"
#include "kernels/lightning2/la2_chunk_kernel.cuh"

namespace lasuite::la2 {

// OUT: the output step; otherwise the states-only step (no Q tile, no operand copy of S, no outputs:
// each segment's own state increment), which is bound by reading K and V, so it keeps more chunks in flight.
template <class T, int DK, int DV, bool OUT>
struct WgmmaSmem {
  using QTile = dev::Sw128Tile<kChunk, DK>;  // Q and K
  using VTile = dev::Sw128Tile<kChunk, DV>;
  using STile = dev::Sw128Tile<DK, DV>;      // operand copy of S, [d][e]
  static constexpr int kQBytes = OUT ? QTile::kBytes : 0;
  static constexpr int kStageBytes = kQBytes + QTile::kBytes + VTile::kBytes;
  static constexpr int kStateBytes = OUT ? 2 * STile::kBytes : 0;
  static constexpr int kOStageBytes = OUT ? VTile::kBytes : 0;  // outputs on their way to global memory
  static constexpr int kFixedBytes = kStateBytes + kOStageBytes + kPowEntries * 4 + 1024;  // 1024: alignment slack
  // Two blocks share an SM (registers capped at 128), so one block's loads and barriers hide behind
  // the other's products: the output step at d = e = 64 (97 KiB each), and the states-only step at
  // d = 128, whose S is split over both warpgroups (97 KiB).
  static constexpr int kBlocksPerSm = (OUT && DK == 64 && DV == 64) || (!OUT && DK == 128) ? 2 : 1;
  static constexpr int kSmemPerBlock = 227 * 1024 / kBlocksPerSm;
  // As many chunks in flight as fit: 3 for the output step (225 KiB at d = e = 128), up to 6 for the
  // states-only step (3 at d = 128, two blocks per SM).
  static constexpr int fit(int most) {
    return most <= 2 || most * kStageBytes + kFixedBytes <= kSmemPerBlock ? most : fit(most - 1);
  }
  static constexpr int kStages = fit(OUT ? 3 : 6);
  static constexpr size_t bytes() { return size_t(kStages) * kStageBytes + kFixedBytes; }
};

template <class T, int DK, int DV, bool OUT>
__global__ void __launch_bounds__(kThreads, WgmmaSmem<T, DK, DV, OUT>::kBlocksPerSm) la2_wgmma_kernel(const ChunkArgs a) {
#if LASUITE_WGMMA
  static_assert(kThreads == 256, "two warpgroups");
  using SM = WgmmaSmem<T, DK, DV, OUT>;
  using QTile = typename SM::QTile;
  using VTile = typename SM::VTile;
  using STile = typename SM::STile;
  using El = dev::Element<T>;
  constexpr int MT = DK / 64;  // 64-row tiles of S
  constexpr int SD = DV / 2;   // accumulator floats per thread of one 64 x DV product
  constexpr int kStages = SM::kStages;

  extern __shared__ unsigned char smem_raw[];
  unsigned char* smem = smem_raw + ((1024u - (dev::smem_addr(smem_raw) & 1023u)) & 1023u);
  unsigned char* state_sm = smem + kStages * SM::kStageBytes;  // two copies of S (output step)
  float* pw = reinterpret_cast<float*>(state_sm + SM::kStateBytes + SM::kOStageBytes);  // pw[k] = lambda^k
  // The warpgroups meet once per chunk, each from its own loop.
  const dev::RoleBarrier meeting{1, kThreads};

  // Segment-major grid: the blocks of segment 0 are dispatched first (they may run beside the states step).
  const int seg = blockIdx.y;
  const int64_t bh = blockIdx.x;
  const int wg = threadIdx.x >> 7, warp = (threadIdx.x >> 5) & 3, lane = threadIdx.x & 31, g = lane >> 2,
            t = lane & 3;
  const int64_t n = a.n;
  const int nchunks = static_cast<int>((n + kChunk - 1) / kChunk);
  const int c_begin = seg * a.seg_chunks;
  const int c_end = min(nchunks, c_begin + a.seg_chunks);

  const T* qg = OUT ? static_cast<const T*>(a.q) + bh * n * DK : nullptr;
  const T* kg = static_cast<const T*>(a.k) + bh * n * DK;
  const T* vg = static_cast<const T*>(a.v) + bh * n * DV;
  T* og = OUT ? static_cast<T*>(a.o) + bh * n * DV : nullptr;

  // One-pass mode (a.publish): segment 0's block writes outputs at once; the block of segment s > 0 first
  // computes the increment of segment s - 1, the nearest term of its own start state, so its scan
  // starts on its own increment (just stored, no flag to wait for) while the other blocks publish
  // theirs; the last block's increment is needed by no block of this grid, so it raises no flag. The
  // block beside segment 0 reads segment 0's keys and values when its outputs do (L2 hits).
  const bool fused = OUT && a.publish != nullptr;
  const int segs = static_cast<int>(gridDim.y);
  const int inc_seg = !fused || seg == 0 ? -1 : seg - 1;
  const bool own_increment = inc_seg >= 0;
  const int a_begin = own_increment ? inc_seg * a.seg_chunks : 0;  // the chunks of that increment
  const int a_end = own_increment ? min(nchunks, a_begin + a.seg_chunks) : 0;
  const int inc_count = a_end - a_begin;
  // Past segment 0, the increment is summed from its last chunk to its first (a.inc_last_first), so that
  // the outputs of its segment, which start at the first chunk, find the keys and values read last still
  // in L2. dS_0 keeps the forward order: segment 0's outputs read the same chunks at the same time.
  const bool inc_down = a.inc_last_first && inc_seg > 0;
  auto inc_chunk = [&](int i) { return inc_down ? a_end - 1 - i : a_begin + i; };

  // Rows past n are zero-filled (cp.async with 0 source bytes): they add nothing to any product.
  // Only the output warpgroup copies: the state warpgroup needs all its registers for S. with_q: the
  // outputs' chunks; the increment needs only K and V.
  auto load_chunk = [&](int chunk, int stage, bool with_q) {
    unsigned char* sq = smem + stage * SM::kStageBytes;
    unsigned char* sk = sq + SM::kQBytes;
    const int64_t row0 = int64_t(chunk) * kChunk;
    const int tid = threadIdx.x;
    if (OUT && with_q) dev::load_rows_sw128<kChunk, DK, 128>(sq, qg, n, row0, a.reverse, tid);
    dev::load_rows_sw128<kChunk, DK, 128>(sk, kg, n, row0, a.reverse, tid);
    dev::load_rows_sw128<kChunk, DV, 128>(sk + QTile::kBytes, vg, n, row0, a.reverse, tid);
  };
  // The output warpgroup refills the oldest stage once its products of the chunk are issued (chunks up
  // to `end`).
  auto refill = [&](int c, int local, int end, bool with_q) {
    if (c + kStages - 1 < end) load_chunk(c + kStages - 1, (local + kStages - 1) % kStages, with_q);
    dev::cp_async_commit();
  };
  auto prefetch = [&](int begin, int end, bool with_q) {
#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
      if (begin + s < end) load_chunk(begin + s, s, with_q);
      dev::cp_async_commit();
    }
  };

  // The inputs were complete before this pass's first kernel started, so the first tiles may be
  // fetched before waiting for the kernel ahead, whose start states are read only after the wait;
  // and before the slope's load, which the decay table waits for.
  if (wg == 0) {
    if (own_increment) {
#pragma unroll
      for (int s = 0; s < kStages - 1; ++s) {
        if (s < inc_count) load_chunk(inc_chunk(s), s, false);
        dev::cp_async_commit();
      }
    } else {
      prefetch(c_begin, c_end, true);
    }
  }
  const float slope = a.slopes ? a.slopes[bh % a.heads] : 0.f;
  if (threadIdx.x <= kChunk) pw[threadIdx.x] = expf(-slope * static_cast<float>(threadIdx.x));
  if constexpr (OUT)
    if (waits_for_kernel_ahead(a, seg)) dev::grid_dependency_wait();
  // The kernel after this one may get ready once every block here has started (so none of these waits
  // for a block without room): it reads what this one writes only after its own wait (the output step
  // after the states-only step: its first segment needs nothing from it).
  dev::allow_dependent_launch();

  const int shift0 = seg == 0 ? a.init_shift : 0;
  const bool want_fin = a.fin != nullptr && (!a.fin_last_seg_only || seg == segs - 1);
  // Start of every chunk, in both warpgroups (each runs its own loop, so that the state's registers
  // are live only in the state warpgroup): chunk c's tiles and state copy published.
  auto begin_chunk = [&]() {
    if (wg == 0) {
      dev::cp_async_wait<kStages - 2>();  // this thread's copies of the chunk have landed
      dev::fence_proxy_async();
    }
    meeting.meet();
  };
  auto stage_addr = [&](int local) { return dev::smem_addr(smem + (local % kStages) * SM::kStageBytes); };
  // B = V (stored [row][e], MN-major) for the k-step over rows kk: both warpgroups use it.
  auto v_desc = [&](uint32_t v_addr, int kk) {
    return dev::sw128_desc(v_addr + VTile::mn_major_step(kk), VTile::kBlockBytes, 1024);
  };

  // The states-only step at d = 128 splits S between the warpgroups (a 64-row tile each: half the
  // products per chunk on each side, so the step keeps up with its loads); otherwise warpgroup 1 holds
  // all of S.
  constexpr bool kSplitState = !OUT && MT == 2;
  constexpr int kTiles = kSplitState ? 1 : MT;  // 64-row tiles of S this thread's warpgroup holds
  const int tile0 = kSplitState ? wg : 0;
  if constexpr (!OUT) {
    if (!kSplitState && wg == 0) {  // the states-only step at d = 64: this warpgroup only copies
      for (int c = c_begin; c < c_end; ++c) {
        begin_chunk();
        refill(c, c - c_begin, c_end, false);
      }
      return;
    }
  } else if (wg == 0) {
    if (own_increment) {  // the keys and values for the state warpgroup's increment, then the outputs' chunks
      // refill's loop again, over inc_chunk: refill and prefetch generalised to 'first + step i' served
      // both, but cost the forward 0.8 us at 4k (5136d9b, reverted).
      for (int i = 0; i < inc_count; ++i) {
        begin_chunk();
        if (i + kStages - 1 < inc_count) load_chunk(inc_chunk(i + kStages - 1), (i + kStages - 1) % kStages, false);
        dev::cp_async_commit();
      }
      meeting.meet();  // the state warpgroup is done with the stages
      prefetch(c_begin, c_end, true);
    }
    const int i0 = 16 * warp + g, i1 = i0 + 8;  // this thread's rows of the chunk
    unsigned char* o_stage = state_sm + SM::kStateBytes;  // [64][DV], this warp's rows only
    for (int c = c_begin; c < c_end; ++c) {
      const int local = c - c_begin;
      begin_chunk();
      const uint32_t q_addr = stage_addr(local), k_addr = q_addr + QTile::kBytes, v_addr = k_addr + QTile::kBytes;
      const uint32_t s_addr = dev::smem_addr(state_sm + (local & 1) * STile::kBytes);
      const int shift = c == c_begin ? shift0 : 0;
      float sc[32], o[SD];
      dev::wgmma_fence();
#pragma unroll
      for (int kk = 0; kk < DK / 16; ++kk)  // scores = Q K^T: B = K^T, K stored [key][d] (K-major)
        dev::Wgmma<T, 64, 0>::ss(sc, dev::sw128_desc(q_addr + QTile::k_major_step(kk), 16, 1024),
                                 dev::sw128_desc(k_addr + QTile::k_major_step(kk), 16, 1024), kk > 0);
      dev::wgmma_commit();
#pragma unroll
      for (int kk = 0; kk < DK / 16; ++kk)  // O = Q S: B = S stored [d][e] (MN-major)
        dev::Wgmma<T, DV, 1>::ss(o, dev::sw128_desc(q_addr + QTile::k_major_step(kk), 16, 1024),
                                 dev::sw128_desc(s_addr + STile::mn_major_step(kk), STile::kBlockBytes, 1024),
                                 kk > 0);
      dev::wgmma_commit();
      refill(c, local, c_end, true);  // while the tensor cores work
      dev::wgmma_wait<1>();  // the scores; Q S still running
      dev::wgmma_fence_regs(sc);
      // D[i][j] = c_intra lambda^(i-j) on and below the diagonal, 0 above; then the A fragments of
      // (scores (x) D) for the k-steps over keys.
#pragma unroll
      for (int j = 0; j < 8; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int i = e < 2 ? i0 : i1, col = 8 * j + 2 * t + (e & 1);
          sc[4 * j + e] = col <= i ? sc[4 * j + e] * (a.c_intra * pw[i - col >= 0 ? i - col : 0]) : 0.f;
        }
      uint32_t p[4][4];
#pragma unroll
      for (int kk = 0; kk < 4; ++kk) {
        p[kk][0] = El::pack(sc[8 * kk], sc[8 * kk + 1]);
        p[kk][1] = El::pack(sc[8 * kk + 2], sc[8 * kk + 3]);
        p[kk][2] = El::pack(sc[8 * kk + 4], sc[8 * kk + 5]);
        p[kk][3] = El::pack(sc[8 * kk + 6], sc[8 * kk + 7]);
      }
      dev::wgmma_wait<0>();
      dev::wgmma_fence_regs(o);
      {
        const float f0 = a.c_inter * pw[i0 + 1 - shift], f1 = a.c_inter * pw[i1 + 1 - shift];
#pragma unroll
        for (int j = 0; j < SD / 4; ++j) o[4 * j] *= f0, o[4 * j + 1] *= f0, o[4 * j + 2] *= f1, o[4 * j + 3] *= f1;
      }
      dev::wgmma_fence();
#pragma unroll
      for (int kk = 0; kk < 4; ++kk) dev::Wgmma<T, DV, 1>::rs(o, p[kk], v_desc(v_addr, kk), 1);
      dev::wgmma_commit();
      dev::wgmma_wait<0>();
      dev::wgmma_fence_regs(o);
      // O to global memory through this warp's 16 rows of the staging tile: 16-byte stores of whole
      // rows instead of 4-byte pieces (fewer requests in the load/store queue).
#pragma unroll
      for (int j = 0; j < SD / 4; j += 2) {
        const int m = lane >> 3, row = 16 * warp + 8 * (m & 1) + (lane & 7), col = 8 * (j + (m >> 1));
        dev::stmatrix_x4(o_stage + VTile::offset(row, col), El::pack(o[4 * j], o[4 * j + 1]),
                         El::pack(o[4 * j + 2], o[4 * j + 3]), El::pack(o[4 * j + 4], o[4 * j + 5]),
                         El::pack(o[4 * j + 6], o[4 * j + 7]));
      }
      __syncwarp();
      constexpr int kRowChunks = DV / 8;  // 16-byte pieces per row
#pragma unroll
      for (int k = 0; k < 16 * kRowChunks / 32; ++k) {
        const int piece = 32 * k + lane, row = 16 * warp + piece / kRowChunks, col = 8 * (piece % kRowChunks);
        const int64_t vt = int64_t(c) * kChunk + row;
        const uint4 v = *reinterpret_cast<const uint4*>(o_stage + VTile::offset(row, col));
        if (vt < n) *reinterpret_cast<uint4*>(og + (a.reverse ? n - 1 - vt : vt) * DV + col) = v;
      }
      __syncwarp();  // the next chunk's stmatrix overwrites these rows
    }
    if (fused) dev::grid_dependency_wait();  // a one-pass kernel ends after the kernel ahead, as others do
    return;
  }

  // The state: st[mt][4j + e] is S(64 (tile0 + mt) + 16 warp + g + 8 (e / 2), 8 j + 2 t + e % 2).
  float st[kTiles][SD];
  auto state_row = [&](int mt, int e) { return 64 * (tile0 + mt) + 16 * warp + g + 8 * (e >> 1); };
  auto state_col = [&](int j, int e) { return 8 * j + 2 * t + (e & 1); };
  auto write_state = [&](unsigned char* dst) {
#pragma unroll
    for (int mt = 0; mt < kTiles; ++mt)
#pragma unroll
      for (int j = 0; j < SD / 4; j += 2) {  // matrices (rows +0, cols j), (+8, j), (+0, j+1), (+8, j+1)
        const int m = lane >> 3, row = 64 * (tile0 + mt) + 16 * warp + 8 * (m & 1) + (lane & 7), col = 8 * (j + (m >> 1));
        dev::stmatrix_x4(dst + STile::offset(row, col), El::pack(st[mt][4 * j], st[mt][4 * j + 1]),
                         El::pack(st[mt][4 * j + 2], st[mt][4 * j + 3]), El::pack(st[mt][4 * j + 4], st[mt][4 * j + 5]),
                         El::pack(st[mt][4 * j + 6], st[mt][4 * j + 7]));
      }
    dev::fence_proxy_async();  // the output warpgroup's wgmma reads it after the next barrier
  };
  // S <- lambda^(L - shift) S + c_update sum_j lambda^(L-1-j) k_j^T v_j for chunk c (in stage `local`),
  // or, `summed`, S <- S + key_mul c_update sum_j lambda^(L-1-j) k_j^T v_j (chunks taken last first):
  // A = (f K)^T from registers (ldmatrix.trans of the K tile, scaled per key row), B = V.
  // Each 64-row tile of S is its own group of products, so the next tile's A fragments are made while
  // the tensor cores work on this one (its fragments stay untouched until the wait). All tiles are
  // decayed first: touching a tile's accumulators while another tile's products ran made ptxas wait
  // for those products (C7517).
  auto update_state = [&](int c, int local, int shift, bool summed, float key_mul) {
    const uint32_t k_addr = stage_addr(local) + SM::kQBytes, v_addr = k_addr + QTile::kBytes;
    const unsigned char* sk = smem + (local % kStages) * SM::kStageBytes + SM::kQBytes;
    const int L = dev::rows_left(n, int64_t(c) * kChunk, kChunk);
    const float dec = summed ? 1.f : pw[L - shift];
    const float cu = a.c_update * key_mul;
#pragma unroll
    for (int mt = 0; mt < kTiles; ++mt) {
#pragma unroll
      for (int i = 0; i < SD; ++i) st[mt][i] *= dec;
      dev::wgmma_fence_regs(st[mt]);  // keeps the compiler from sinking the multiplies past the first issue
    }
    uint32_t ka[kTiles][4][4];
#pragma unroll
    for (int mt = 0; mt < kTiles; ++mt) {
#pragma unroll
      for (int kk = 0; kk < 4; ++kk) {
        float f[4];
#pragma unroll
        for (int q = 0; q < 4; ++q) {
          const int j = 16 * kk + 2 * t + (q & 1) + 8 * (q >> 1);
          f[q] = j < L ? cu * pw[L - 1 - j] : 0.f;
        }
        const int row = 16 * kk + (lane & 7) + 8 * (lane >> 4),
                  col = 64 * (tile0 + mt) + 16 * warp + 8 * ((lane >> 3) & 1);
        dev::ldmatrix_x4_trans(ka[mt][kk], sk + QTile::offset(row, col));
#pragma unroll
        for (int i = 0; i < 4; ++i) {
          const float2 x = El::unpack(ka[mt][kk][i]);
          ka[mt][kk][i] = El::pack(x.x * f[2 * (i >> 1)], x.y * f[2 * (i >> 1) + 1]);
        }
      }
      dev::wgmma_fence();
#pragma unroll
      for (int kk = 0; kk < 4; ++kk) dev::Wgmma<T, DV, 1>::rs(st[mt], ka[mt][kk], v_desc(v_addr, kk), 1);
      dev::wgmma_commit();
    }
    dev::wgmma_wait<0>();
#pragma unroll
    for (int mt = 0; mt < kTiles; ++mt) {
      dev::wgmma_fence_regs(st[mt]);
      dev::wgmma_keep_regs(ka[mt]);
    }
  };
  // S (times `mul`) to a [DK][DV] state in global memory.
  auto store_state = [&](float* dst, float mul) {
#pragma unroll
    for (int mt = 0; mt < kTiles; ++mt)
#pragma unroll
      for (int i = 0; i < SD; i += 2) {
        const int64_t r = state_row(mt, i & 3), c = state_col(i >> 2, i & 3);
        *reinterpret_cast<float2*>(dst + r * DV + c) = make_float2(st[mt][i] * mul, st[mt][i + 1] * mul);
      }
  };

  if (own_increment) {
    // One-pass mode: the increment of the segment before this one, the same products in the same order
    // as the states-only step's (or last chunk first), published for the segments after it and for the
    // passes that read this pass's segment data (the backward's).
#pragma unroll
    for (int mt = 0; mt < kTiles; ++mt)
#pragma unroll
      for (int i = 0; i < SD; ++i) st[mt][i] = 0.f;
    float key_mul = 1.f;  // lambda^(rows after the chunk, within the increment)
    for (int i = 0; i < inc_count; ++i) {
      const int c = inc_chunk(i);
      begin_chunk();
      update_state(c, i, 0, inc_down, key_mul);
      if (inc_down) key_mul *= pw[dev::rows_left(n, int64_t(c) * kChunk, kChunk)];
    }
    meeting.meet();  // the output warpgroup may refill the stages
    store_state(a.publish + bh * a.inc_bh_stride + inc_seg * a.inc_f_stride, 1.f);
    if (seg + 1 < segs) {  // a later block of this grid waits for it (a later kernel sees it anyway)
      __threadfence();
      dev::barrier_sync(2, 128);
      if (threadIdx.x == 128) dev::store_release(a.flags + bh * segs + inc_seg, a.flag_value);
    }
  }

  {
    // One 64-row tile of a state in memory (element (r, c) at p[r * rs + c * cs]) into x: its loads all
    // issued before use, one tile at a time (the whole state's would not fit the registers beside S).
    // In one-pass mode other blocks of this grid wrote the increments: plain loads still see them, as
    // they come after the acquire of their flags (and __ldcg here made ptxas spill the states-only step).
    auto load_tile = [&](const float* p, int64_t rs, int64_t cs, int mt, float (&x)[SD]) {
#pragma unroll
      for (int i = 0; i < SD; i += 2) {
        const int64_t r = state_row(mt, i & 3), c = state_col(i >> 2, i & 3);
        if (cs == 1) {  // float2: row strides and state strides are even here
          const float2 v = *reinterpret_cast<const float2*>(p + r * rs + c);
          x[i] = v.x, x[i + 1] = v.y;
        } else {
          x[i] = p[r * rs + c * cs];
          x[i + 1] = p[r * rs + (c + 1) * cs];
        }
      }
    };
    const float* ip = OUT && a.init ? a.init + bh * a.init_bh_stride + seg * a.init_seg_stride : nullptr;
    // The scan over the segments ahead (few of them), nearest increment first:
    //   S = lambda^(incs L - init_shift) init + dS_(incs-1) + lambda^L dS_(incs-2) + ... + lambda^((incs-1) L) dS_0,
    // each power formed at once. In one-pass mode the nearest increment is this block's own, just stored
    // (no flag to wait for), and the farther ones follow as their flags rise; the two-pass plan sums in
    // the same order, so the two plans still agree bit for bit. Never in the states-only step.
    const int incs = OUT && a.inc ? seg * a.inc_per_seg : 0;
    // Segment 0 starts from init itself (its first chunk applies the shift). (Scaling init in a pass of
    // its own after the loads made ptxas spill 144 bytes.)
    const float init_mul = incs > 0 ? expf(-slope * static_cast<float>(a.inc_rows * incs - a.init_shift)) : 1.f;
#pragma unroll
    for (int mt = 0; mt < kTiles; ++mt) {
      if (ip) {
        load_tile(ip, a.init_rs, a.init_cs, mt, st[mt]);
#pragma unroll
        for (int i = 0; i < SD; ++i) st[mt][i] *= init_mul;
      } else {
#pragma unroll
        for (int i = 0; i < SD; ++i) st[mt][i] = 0.f;
      }
    }
    if (incs > 0) {
      const float* base = a.inc + bh * a.inc_bh_stride;
      for (int k = 0; k < incs; ++k) {  // k: the increment's distance from this segment, minus one
        const int f = incs - 1 - k;
        if (fused && f != inc_seg) {  // published by the block of segment f + 1
          if (threadIdx.x == 128) dev::wait_for_flag(a.flags + bh * segs + f, a.flag_value);
          dev::barrier_sync(2, 128);
        }
        const float d = expf(-slope * static_cast<float>(a.inc_rows * k));
#pragma unroll
        for (int mt = 0; mt < kTiles; ++mt) {
          float x[SD];
          load_tile(base + f * a.inc_f_stride, a.inc_rs, a.inc_cs, mt, x);
#pragma unroll
          for (int i = 0; i < SD; ++i) st[mt][i] = fmaf(d, x[i], st[mt][i]);
        }
      }
    }
    if constexpr (OUT) write_state(state_sm);
  }

  for (int c = c_begin; c < c_end; ++c) {
    const int local = c - c_begin;
    begin_chunk();
    if (kSplitState && wg == 0) refill(c, local, c_end, false);
    if (!want_fin && c + 1 == c_end) continue;  // the state after the segment's last chunk is not needed
    update_state(c, local, c == c_begin ? shift0 : 0, false, 1.f);
    if (OUT && c + 1 < c_end) write_state(state_sm + ((local + 1) & 1) * STile::kBytes);
  }

  if (want_fin)  // no barrier ahead when a segment is empty
    store_state(a.fin + bh * a.fin_bh_stride + seg * a.fin_seg_stride, expf(-slope * static_cast<float>(a.fin_power)));
  if (fused) dev::grid_dependency_wait();
#else
  __trap();  // launched only where the sm_90a image was loaded (la2_pass.cu)
#endif
}

}  // namespace lasuite::la2
