// Host view of the chunk kernel instantiations: one per (element type, d, e), found at run time.
#pragma once
#include <cstddef>

#include "harness/dtype.h"

namespace lasuite::la2 {

// Tensors at most this wide, read in place by the 128 x 128 TMA output steps, take the variants whose
// products read only these columns of d and e (ChunkKernel::tma_narrow_func): 96 is a common head dim,
// and the variant skips 2 of 8 k-steps of each contraction over them, a quarter of each output's columns,
// and a quarter of the state's (its update, its scan and its operand copy).
constexpr int kNarrowReadCols = 96;

struct ChunkKernel {
  const void* func = nullptr;  // with outputs; for cudaLaunchKernel / occupancy queries; null: none
  size_t smem_one_state_buf = 0;
  size_t smem_two_state_bufs = 0;  // 0 where only one state buffer is supported (fp32)
  const void* states_func = nullptr;  // states only (segment increments)
  size_t states_smem = 0;
  // The Hopper kernels (wgmma, la2_wgmma_kernel.cuh), 16-bit types only; null: none. It runs
  // only where its sm_90a image is the one loaded (wgmma_usable, la2_plan_host.h), else the output kernel above.
  const void* wgmma_func = nullptr;
  size_t wgmma_smem = 0;
  const void* wgmma_states_func = nullptr;  // and its states-only step
  size_t wgmma_states_smem = 0;
  // Its states-only step moving K and V by TMA (StatesStepArgs::maps; wgmma_states_smem), in row order
  // and in reverse (boxes read upside down); null: none.
  const void* states_tma_func = nullptr;
  const void* states_tma_rev_func = nullptr;
  const void* dual_func = nullptr;  // and its output step with a second output (SecondOutput); null: none
  size_t dual_smem = 0;
  const void* tma_func = nullptr;  // and its output step moving tiles by TMA (OutputStepArgs::maps); null: none
  size_t tma_smem = 0;
  // The windowed kernels' TMA output step in reverse (a dense batch's reverse passes); null: none.
  const void* tma_rev_func = nullptr;
  const void* dual_tma_func = nullptr;  // and its dual output step storing by TMA (dual_smem); null: none
  // The same two TMA steps (dense batch; tma_smem, dual_smem) with products over only the first
  // kNarrowReadCols columns of d and e (la2_wgmma_kernel's READ); null: none (only at 128 x 128).
  const void* tma_narrow_func = nullptr;
  const void* dual_tma_narrow_func = nullptr;
  // The two TMA steps over a ragged grid's maps (la2_wgmma_block.cuh's kTmaRagged); null: none.
  const void* ragged_tma_func = nullptr;
  const void* ragged_dual_tma_func = nullptr;
  // The TMA output step with two output warpgroups (la2_pingpong_kernel.cuh, tma_smem) and its block's
  // threads (three warpgroups); null and 0: none.
  const void* pingpong_func = nullptr;
  int pingpong_threads = 0;
};

// Defined by la2_chunk_{bf16,f16,f32}.cu: (dk, dv) in {64, 128}^2, and (192, 64) and (256, 64) for the
// 16-bit types;
// `windowed`: wgmma kernels that take widths and value tiles from their arguments (la2_chunk_instances.cuh
// says which exist). An empty ChunkKernel where there is none.
ChunkKernel chunk_kernel_bf16(int dk, int dv, bool windowed);
ChunkKernel chunk_kernel_f16(int dk, int dv, bool windowed);
ChunkKernel chunk_kernel_f32(int dk, int dv, bool windowed);

inline ChunkKernel chunk_kernel(DType t, int dk, int dv, bool windowed) {
  switch (t) {
    case DType::bf16: return chunk_kernel_bf16(dk, dv, windowed);
    case DType::f16: return chunk_kernel_f16(dk, dv, windowed);
    case DType::f32: return chunk_kernel_f32(dk, dv, windowed);
    default: return {};
  }
}

}  // namespace lasuite::la2
