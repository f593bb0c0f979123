// A block-wide meeting point for warps that reach it from different places in the code (warpgroups
// with roles of their own, each running its own loop). bar.sync cannot serve: it is
// barrier.sync.aligned, which requires every participating thread to execute the same instruction,
// and compute-sanitizer's synccheck rightly reports it as divergent there. The unaligned
// barrier.sync is legal but made la2's forward 3-5 % slower on the H200 (the compiler wraps the code
// around it in convergence regions); an mbarrier in shared memory cost 2-3 % (results/h200/
// la2_barrier_forms.tgz, kernels/lightning2/NOTES.md).
#pragma once
#include <cstdint>

namespace lasuite::dev {

// One 8-byte mbarrier in shared memory, expecting one arrival per warp of the block; each thread
// keeps the parity of the phase it waits for.
struct RoleBarrier {
  uint64_t* word;
  uint32_t phase = 0;

  // By one thread, followed by a __syncthreads (the same one for every thread) before the first meet.
  __device__ __forceinline__ static void init(uint64_t* word, int warps) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(
                     static_cast<uint32_t>(__cvta_generic_to_shared(word))),
                 "r"(warps)
                 : "memory");
  }

  // Every thread of the block, once per meeting. What a thread wrote to shared or global memory
  // before it is visible to every thread after it (the warp's writes are ordered by __syncwarp,
  // then its lane 0 arrives with release semantics; each thread waits with acquire semantics).
  __device__ __forceinline__ void meet() {
    const uint32_t addr = static_cast<uint32_t>(__cvta_generic_to_shared(word));
    __syncwarp();
    if ((threadIdx.x & 31) == 0)
      asm volatile("mbarrier.arrive.release.cta.shared::cta.b64 _, [%0];\n" ::"r"(addr) : "memory");
    asm volatile(
        "{\n.reg .pred done;\nLASUITE_MEET_%=:\n"
        "mbarrier.try_wait.parity.acquire.cta.shared::cta.b64 done, [%0], %1;\n"
        "@!done bra LASUITE_MEET_%=;\n}\n" ::"r"(addr),
        "r"(phase)
        : "memory");
    phase ^= 1;
  }
};

}  // namespace lasuite::dev
