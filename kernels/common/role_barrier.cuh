// A block-wide meeting point for warps that reach it from different places in the code (warpgroups
// with roles of their own, each running its own loop). bar.sync cannot serve: it is
// barrier.sync.aligned, which requires every participating thread to execute the same instruction
// (compute-sanitizer's synccheck reported la2's kernel as divergent there). The unaligned
// barrier.sync is legal; measured on the H200 it made la2's forward 2-5 % slower than bar.sync (the
// compiler wraps the code around it in convergence regions). An mbarrier with one arrival per warp
// cost 2-3 %, but racecheck cannot see that a warp's __syncwarp orders its other lanes' accesses
// before lane 0's arrival and reported every tile reuse as a race; this named barrier keeps the
// sanitizers' view exact (kernels/lightning2/NOTES.md, "Barriers").
#pragma once

namespace lasuite::dev {

struct RoleBarrier {
  int id;       // 1..15 (0 is __syncthreads')
  int threads;  // every thread that meets here, a multiple of 32

  // What each thread wrote to shared or global memory before it is visible to all after it.
  __device__ __forceinline__ void meet() const {
    asm volatile("barrier.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
  }
  // This thread's part of the meeting without waiting for it: what it wrote or read before is ordered
  // before the waiting threads' meet() (a producer's side of a one-way hand-over).
  __device__ __forceinline__ void arrive() const {
    asm volatile("barrier.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
  }
};

}  // namespace lasuite::dev
