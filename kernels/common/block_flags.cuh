// Flags between thread blocks of one grid (a block publishes data, later blocks wait for it), as in
// single-pass prefix scans. Only for grids whose blocks can all be resident at once: a waiting block
// holds its SM, so a block it waits for must never need that SM to start.
#pragma once
#include <cstdint>

namespace lasuite::dev {

__device__ __forceinline__ int load_acquire(const int* p) {
  int v;
  asm volatile("ld.acquire.gpu.global.b32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}

__device__ __forceinline__ void store_release(int* p, int v) {
  asm volatile("st.release.gpu.global.b32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}

__device__ __forceinline__ uint64_t global_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// Spins until *flag == value (acquire: what its writer stored before raising it is then visible to
// this thread). A flag still not raised after 10 s means a block it waits for never ran (the grid did
// not fit the device beside other work): the kernel traps, which the host sees as a launch error,
// instead of hanging the process.
__device__ __forceinline__ void wait_for_flag(const int* flag, int value) {
  const uint64_t start = global_ns();
  while (load_acquire(flag) != value) {
    __nanosleep(64);
    if (global_ns() - start > 10'000'000'000ull) __trap();
  }
}

}  // namespace lasuite::dev
