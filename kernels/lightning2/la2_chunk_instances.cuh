// The (d, e) instantiations of the chunk kernel for one element type; each la2_chunk_<type>.cu includes
// this once, so the three types compile in parallel and only dispatched variants exist.
#pragma once
#include "kernels/lightning2/la2_chunk_kernel.cuh"
#include "kernels/lightning2/la2_chunk_launch.h"
#include "kernels/lightning2/la2_pingpong_kernel.cuh"
#include "kernels/lightning2/la2_wgmma_kernel.cuh"

#include <type_traits>

namespace lasuite::la2 {

// WIN: the windowed wgmma variant (la2_wgmma_kernel.cuh); MMA_SYNC: with the mma.sync kernels (every
// GPU, fp32), which read widths 72..120 in place at 128 but take no value tiles; DUAL: with the wgmma
// output step that has a second output (the backward's dK and dV in one pass); TMA: with the wgmma output
// steps that move their tiles and outputs by bulk tensor copies: at the kernel's own widths the plain one
// in row order and the dual one in reverse, over a dense batch and over a ragged grid, and the states-only
// step over a dense batch in either order; windowed, the plain one in either direction over a dense batch
// (the value tiles' passes), and at 128 x 128 the dual one in reverse over value tiles (the backward in
// windows of e).
template <class T, int DK, int DV, bool WIN, bool MMA_SYNC = true, bool DUAL = false, bool TMA = false>
ChunkKernel chunk_kernel_entry() {
  ChunkKernel k;
  bool wgmma = true;
  if constexpr (MMA_SYNC) {
    using SM = ChunkSmem<T, DK, DV, true>;
    k.func = reinterpret_cast<const void*>(&la2_chunk_kernel<T, DK, DV, true>);
    k.smem_one_state_buf = SM::bytes(1);
    k.smem_two_state_bufs = SM::kSplit ? 0 : SM::bytes(2);
    k.states_func = reinterpret_cast<const void*>(&la2_chunk_kernel<T, DK, DV, false>);
    k.states_smem = ChunkSmem<T, DK, DV, false>::bytes(0);
    wgmma = !SM::kSplit;
  }
  if constexpr (!std::is_same_v<T, float>) {
    if (wgmma) {
      k.wgmma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, WIN>);
      k.wgmma_smem = WgmmaSmem<T, DK, DV, true>::bytes();
      k.wgmma_states_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, false, WIN>);
      k.wgmma_states_smem = WgmmaSmem<T, DK, DV, false>::bytes();
      if constexpr (DUAL && !WIN) {
        k.dual_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, false, true>);
        k.dual_smem = WgmmaSmem<T, DK, DV, true, true>::bytes();
      }
      if constexpr (TMA && !WIN) {
        k.tma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, false, false, kTmaDense>);
        k.ragged_tma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, false, false, kTmaRagged>);
        k.tma_smem = WgmmaSmem<T, DK, DV, true>::bytes();
        k.states_tma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, false, false, false, kTmaDense>);
        k.states_tma_rev_func =
            reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, false, false, false, kTmaDenseReversed>);
        if constexpr (DK == 128 && DV == 128) {
          k.pingpong_func = reinterpret_cast<const void*>(&la2_pingpong_kernel<T>);
          k.pingpong_threads = kPingpongThreads;
          k.tma_narrow_func =
              reinterpret_cast<const void*>(&la2_wgmma_kernel<T, 128, 128, true, false, false, kTmaDense, kNarrowReadCols>);
          if constexpr (DUAL)
            k.dual_tma_narrow_func =
                reinterpret_cast<const void*>(&la2_wgmma_kernel<T, 128, 128, true, false, true, kTmaDense, kNarrowReadCols>);
        }
      }
      if constexpr (TMA && WIN) {
        k.tma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, true, false, kTmaDense>);
        k.tma_rev_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, true, false, kTmaDenseReversed>);
        k.tma_smem = WgmmaSmem<T, DK, DV, true>::bytes();
        if constexpr (DUAL) {
          k.dual_tma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, true, true, kTmaDense>);
          k.dual_smem = WgmmaSmem<T, DK, DV, true, true>::bytes();
        }
      }
      if constexpr (DUAL && TMA && !WIN) {
        k.dual_tma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, false, true, kTmaDense>);
        k.ragged_dual_tma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true, false, true, kTmaRagged>);
      }
    }
  }
  return k;
}

// Only what is dispatched: d = e = 64 never windowed (compile-time widths; a runtime width spilled its
// two-blocks-a-multiprocessor output step); 64 x 128 and 128 x 64 always windowed (a width read in
// place at 128); 128 x 128 both (the native pass keeps compile-time widths); the dual output step and
// the own-width TMA output steps at d = e = 64 and 128 only (the backward's fused dK and dV pass, whose
// walk is d x e; the forward and dQ passes at the kernel's widths); 192 x 64 and 256 x 64
// windowed and Hopper only: the kernels of contractions of 136..192 and 200..256 columns (value tiles
// of 64; 192 rather than 256 for the shorter ones saves a quarter of their products and holds three
// chunks in flight instead of two). The windowed TMA steps where value tiles run: 128 x 128 (a
// contraction of up to 128 beside values past 128), 192 x 64 and 256 x 64; not 64 x 128, whose value
// tiles serve only contractions of at most 64 beside values past 128. At 128 x 128 the dense TMA output
// steps (plain and dual) also as variants reading and making only kNarrowReadCols columns (tensors of
// 72..96 read in place: 2 of 8 k-steps fewer at 96, and a quarter of each output's and the state's columns),
// and the windowed dual step (the fused dK/dV pass in value windows of e, beside d of 72..128).
template <class T>
ChunkKernel chunk_kernel_for(int dk, int dv, bool windowed) {
  if (dk == 64 && dv == 64) return windowed ? ChunkKernel{} : chunk_kernel_entry<T, 64, 64, false, true, true, true>();
  if (dk == 64 && dv == 128) return chunk_kernel_entry<T, 64, 128, true>();
  if (dk == 128 && dv == 64) return chunk_kernel_entry<T, 128, 64, true>();
  if (dk == 128 && dv == 128)
    return windowed ? chunk_kernel_entry<T, 128, 128, true, true, !std::is_same_v<T, float>, true>()
                    : chunk_kernel_entry<T, 128, 128, false, true, true, true>();
  if constexpr (!std::is_same_v<T, float>)
    if (dv == 64 && windowed) {
      if (dk == 192) return chunk_kernel_entry<T, 192, 64, true, false, false, true>();
      if (dk == 256) return chunk_kernel_entry<T, 256, 64, true, false, false, true>();
    }
  return {};
}

}  // namespace lasuite::la2
