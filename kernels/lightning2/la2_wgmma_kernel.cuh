// The output step of Lightning Attention-2 for Hopper (sm_90a): the same chunk algorithm and arguments
// as la2_chunk_kernel's output variant (see there for the math), with the four products on wgmma and
// the work split between two warpgroups that run side by side on every chunk:
//   warpgroup 0 (output): scores = Q K^T, O = c_inter diag(lambda^(i+1)) Q S + (scores (x) D) V, for
//     all 64 rows of the chunk; Q, K, V and the operand copy of S are read by the tensor cores straight
//     from shared memory, the masked scores go back in as a register operand (in one pass, at d = 128,
//     it also sums rows 64..127 of the block's own increment first: la2_wgmma_scan.cuh);
//   warpgroup 1 (state): S <- lambda^L S + c_update (diag(lambda^(L-1-j)) K)^T V with S (d x e, fp32;
//     its first READ columns where fewer are read, below) in its registers, then the next chunk's operand copy of S (double-buffered); up to a contraction
//     of 128 it also issues the copies of the outputs' later chunks (kStateRefills).
// Why: the mma.sync kernel spends most of its time in ldmatrix/mma issue (about 0.5 ldmatrix per mma,
// every warp re-reading the state copy and the tiles); wgmma reads the shared operands once per
// warpgroup and frees the issue slots. Tiles arrive kStages chunks deep, by bulk tensor copies (TMA,
// below: the output step, its tensors as wide as the kernel, narrower, or in value tiles, and the
// states-only step beside it at the kernel's own widths) or by every thread's cp.async (which reverses
// rows for the backward's reverse passes and zero-fills rows past n).
//
// WIN (windowed): the tensors' widths and row strides come from the arguments (ChunkWalk::cols_qk,
// cols_v, value_tiles; OutputStepArgs::cols_o): head dims narrower than the kernel read in place, and
// value dims wider than it as value tiles, blocks of the same launch (ChunkWalk::value_tiles). Otherwise
// they are the kernel's own dk and dv at compile time: runtime strides cost the d = e = 128 pass 1.5-2.5 %
// (11 more registers and the address arithmetic), so only the shapes that need them pay for them.
//
// READ (below DK only in the output step of the kernel's own widths by TMA over a dense batch, DK = DV): its
// products read only the first READ columns of d and of e, for tensors that narrow read in place, whose
// other columns land as zeros and would add nothing: Q K^T and Q S contract over READ columns of d, Q S
// and P V make READ columns of e (wgmma's N); with DUAL, X V^T and X S^T contract over READ columns of e
// and X S^T and the intra product onto it make READ columns of d. The state warpgroup then holds and updates
// only READ columns of S (kStateCols: the others are zero and unread), stored whole. A compile-time count:
// skipped at run time, the k-steps serialised every wgmma of the step (ptxas C7515, 16 % slower, session 30).
#pragma once
#include <cstdint>

#include "kernels/lightning2/la2_wgmma_block.cuh"
#include "kernels/lightning2/la2_wgmma_output_role.cuh"
#include "kernels/lightning2/la2_wgmma_state_role.cuh"

namespace lasuite::la2 {

template <class T, int DK, int DV, bool OUT, bool WIN, bool DUAL = false, int TMA = kCpAsync, int READ = DK>
__global__ void __launch_bounds__(kThreads, WgmmaSmem<T, DK, DV, OUT, DUAL>::kBlocksPerSm)
    la2_wgmma_kernel(const __grid_constant__ StepArgs<OUT> a) {
#if LASUITE_WGMMA
  static_assert(kThreads == 256, "two warpgroups");
  static_assert(!DUAL || !WIN || TMA == kTmaDense, "a second output over windows only by TMA");
  static_assert(READ == DK || (OUT && !WIN && TMA == kTmaDense && (READ == 64 || READ == 96) && READ < DK && DK == DV),
                "fewer columns read only by the dense TMA output step of the kernel's own widths");
  using SM = WgmmaSmem<T, DK, DV, OUT, DUAL>;
  constexpr int kStages = SM::kStages;
  const ChunkWalk& w = a.walk;

  extern __shared__ unsigned char smem_raw[];
  WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA> b;
  const BlockPlace place = b.set_up(smem_raw, w, &a.maps);
  b.meeting = dev::RoleBarrier{1, kThreads};
  if constexpr (DUAL) b.xg = static_cast<const T*>(a.second.x) + b.row0 * DV;
  const int nchunks = static_cast<int>((b.n + kChunk - 1) / kChunk);

  OwnIncrement inc;
  if constexpr (OUT)
    if (is_one_pass<OUT>(a) && b.seg > 0) {
      inc.seg = b.seg - 1;
      inc.begin = inc.seg * w.seg_chunks;
      inc.end = min(nchunks, inc.begin + w.seg_chunks);
      inc.last_first = a.one_pass.inc_last_first && inc.seg > 0;
    }

  // The inputs were complete before this pass's first kernel started, so the first tiles may be
  // fetched before waiting for the kernel ahead, whose start states are read only after the wait;
  // and before the slope's load, which the decay table waits for.
  if (b.wg == 0) {
    if (inc.any()) {
#pragma unroll
      for (int s = 0; s < kStages - 1; ++s) {
        if (s < inc.count()) b.load_chunk(inc.chunk(s), s, false);
        b.commit_copies();
      }
    } else {
      b.prefetch(b.c_begin, b.c_end, true);
    }
  }
  const float slope = w.slopes ? w.slopes[place.head] : 0.f;
  fill_decay_powers(b.pw, slope);
  if constexpr (TMA != kCpAsync) __syncthreads();  // the barriers and the MapPlace set before any other thread reads them
  if constexpr (OUT)
    if (waits_for_kernel_ahead(a, b.seg)) dev::grid_dependency_wait();
  // The kernel after this one may get ready once every block here has started (so none of these waits
  // for a block without room): it reads what this one writes only after its own wait (the output step
  // after the states-only step: its first segment needs nothing from it). Or later: launches_dependents_at.
  if constexpr (OUT && !DUAL) {
    if (a.dependents_chunks_left == 0) dev::allow_dependent_launch();
  } else {
    dev::allow_dependent_launch();
  }

  int shift0 = 0;
  if constexpr (OUT) shift0 = b.seg == 0 ? a.start.shift : 0;
  if constexpr (OUT) {
    if (b.wg == 0) return output_warpgroup<READ>(b, a, inc, shift0, slope);
    state_warpgroup<kStateCols<READ, DK, DV>, T, DK, DV, OUT, WIN, DK / 64, DUAL>(b, a, inc, shift0, slope, 0);
  } else if constexpr (DK % 128 == 0) {
    // The states-only step at d = 128 and 256 splits S between the warpgroups (half its 64-row tiles
    // each: half the products per chunk on each side, so the step keeps up with its loads); warpgroup 0
    // also copies (under TMA, its first thread issues the boxes).
    state_warpgroup<DV, T, DK, DV, OUT, WIN, DK / 128>(b, a, inc, 0, slope, b.wg * (DK / 128));
    if (a.ends_after_kernel_ahead) dev::grid_dependency_wait();
  } else {
    if (b.wg == 0) {  // the states-only step at d = 64 and 192: this warpgroup only copies (or, by TMA, waits)
      for (int c = b.c_begin; c < b.c_end; ++c) {
        b.begin_chunk(c - b.c_begin);
        b.refill(c, c - b.c_begin, b.c_end, false);
      }
      return;
    }
    state_warpgroup<DV, T, DK, DV, OUT, WIN, DK / 64>(b, a, inc, 0, slope, 0);
    if (a.ends_after_kernel_ahead) dev::grid_dependency_wait();  // one warpgroup holds the block open
  }
#else
  __trap();  // launched only where the sm_90a image was loaded (la2_pass_cuda.cpp)
#endif
}

}  // namespace lasuite::la2
