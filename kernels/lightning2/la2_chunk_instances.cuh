// The (d, e) instantiations of the chunk kernel for one element type; each la2_chunk_<type>.cu includes
// this once, so the three types compile in parallel and only dispatched variants exist.
#pragma once
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "kernels/lightning2/la2_chunk_kernel.cuh"
#include "kernels/lightning2/la2_chunk_launch.h"

namespace lasuite::la2 {

// LASUITE_LA2_WIDE=0 selects the 8-warp output kernel for 16-bit inputs (to compare; fp32 always has it).
inline bool wide_output_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("LASUITE_LA2_WIDE");
    return !(env && std::strcmp(env, "0") == 0);
  }();
  return on;
}

template <class T, int DK, int DV>
ChunkKernel chunk_kernel_entry() {
  using SM = ChunkSmem<T, DK, DV, true>;
  // fp32's hi + lo fragments need the registers of the 8-warp kernel.
  constexpr int kWide = std::is_same<T, float>::value ? 2 : 4;
  ChunkKernel k;
  if (kWide == 4 && wide_output_enabled()) {
    k.func = reinterpret_cast<const void*>(&la2_chunk_kernel<T, DK, DV, true, kWide>);
    k.threads = chunk_threads<kWide>();
  } else {
    k.func = reinterpret_cast<const void*>(&la2_chunk_kernel<T, DK, DV, true, 2>);
    k.threads = chunk_threads<2>();
  }
  k.smem_one_state_buf = SM::bytes(1);
  k.smem_two_state_bufs = SM::kSplit ? 0 : SM::bytes(2);
  k.states_func = reinterpret_cast<const void*>(&la2_chunk_kernel<T, DK, DV, false, 2>);
  k.states_threads = chunk_threads<2>();
  k.states_smem = ChunkSmem<T, DK, DV, false>::bytes(0);
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
