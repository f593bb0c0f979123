// The (d, e) instantiations of the chunk kernel for one element type; each la2_chunk_<type>.cu includes
// this once, so the three types compile in parallel and only dispatched variants exist.
#pragma once
#include "kernels/lightning2/la2_chunk_kernel.cuh"
#include "kernels/lightning2/la2_chunk_launch.h"
#include "kernels/lightning2/la2_wgmma_kernel.cuh"

namespace lasuite::la2 {

template <class T, int DK, int DV>
ChunkKernel chunk_kernel_entry() {
  using SM = ChunkSmem<T, DK, DV, true>;
  ChunkKernel k;
  k.func = reinterpret_cast<const void*>(&la2_chunk_kernel<T, DK, DV, true>);
  k.smem_one_state_buf = SM::bytes(1);
  k.smem_two_state_bufs = SM::kSplit ? 0 : SM::bytes(2);
  k.states_func = reinterpret_cast<const void*>(&la2_chunk_kernel<T, DK, DV, false>);
  k.states_smem = ChunkSmem<T, DK, DV, false>::bytes(0);
  if constexpr (!SM::kSplit) {
    k.wgmma_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, true>);
    k.wgmma_smem = WgmmaSmem<T, DK, DV, true>::bytes();
    k.wgmma_states_func = reinterpret_cast<const void*>(&la2_wgmma_kernel<T, DK, DV, false>);
    k.wgmma_states_smem = WgmmaSmem<T, DK, DV, false>::bytes();
  }
  return k;
}

template <class T>
ChunkKernel chunk_kernel_for(int dk, int dv) {
  if (dk == 64 && dv == 64) return chunk_kernel_entry<T, 64, 64>();
  if (dk == 64 && dv == 128) return chunk_kernel_entry<T, 64, 128>();
  if (dk == 128 && dv == 64) return chunk_kernel_entry<T, 128, 64>();
  if (dk == 128 && dv == 128) return chunk_kernel_entry<T, 128, 128>();
  return {};
}

}  // namespace lasuite::la2
