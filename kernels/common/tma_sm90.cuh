// Bulk tensor copies (TMA) into shared memory and the mbarriers that say they have landed (sm_90).
// One thread issues a stage's boxes after announcing their bytes on the stage's barrier; every thread
// that reads the stage waits for the barrier's phase. The copies are the async proxy's, as wgmma's
// reads are: no proxy fence between them, and the barrier's completion makes the bytes visible to
// ordinary loads (ldmatrix) too.
#pragma once
#include <cstdint>

#include "kernels/common/mma_sm80.cuh"
#include "kernels/common/tensor_map.h"

namespace lasuite::dev {

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define LASUITE_TMA 1
#else
#define LASUITE_TMA 0
#endif

// Before any copy or wait uses the barrier: the first thread initialises a block's barriers, fences
// once (fence_mbarrier_init), then a block-wide barrier.
__device__ __forceinline__ void mbarrier_init(uint64_t* bar, int arrivals) {
#if LASUITE_TMA
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(smem_addr(bar)), "r"(arrivals) : "memory");
#endif
}
// The barriers' initialisation visible to the copies' completions (the async proxy) before any copy.
__device__ __forceinline__ void fence_mbarrier_init() {
#if LASUITE_TMA
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
#endif
}

// This thread's arrival, announcing `bytes` that copies will complete on the barrier.
__device__ __forceinline__ void mbarrier_arrive_expect(uint64_t* bar, uint32_t bytes) {
#if LASUITE_TMA
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smem_addr(bar)), "r"(bytes) : "memory");
#endif
}

// Until the barrier's phase of parity `parity` has completed.
__device__ __forceinline__ void mbarrier_wait(uint64_t* bar, uint32_t parity) {
#if LASUITE_TMA
  asm volatile(
      "{\n .reg .pred done;\n WAIT_%=:\n mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n @!done bra WAIT_%=;\n}\n" ::"r"(
          smem_addr(bar)),
      "r"(parity)
      : "memory");
#endif
}

// A 64 x 64 box of `map` at (col, row, head) into `dst` (1024-byte aligned), completing on `bar`.
__device__ __forceinline__ void tma_load_box(void* dst, const TensorMap* map, int col, int row, int head,
                                             uint64_t* bar) {
#if LASUITE_TMA
  asm volatile(
      "cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4}], [%5];\n" ::"r"(
          smem_addr(dst)),
      "l"(map), "r"(col), "r"(row), "r"(head), "r"(smem_addr(bar))
      : "memory");
#endif
}

// A box of `map` at (col, row, head) from `src` (its rows' 128-byte swizzle aligned as a load's
// would land) into global memory, in this thread's current bulk group; rows past the map's last are
// not written, but `row` must not be negative (an illegal instruction on the H200, measured, where a
// load there zero-fills). The writing threads' stores to `src` must be fenced for the async proxy first.
__device__ __forceinline__ void tma_store_box(const TensorMap* map, int col, int row, int head, const void* src) {
#if LASUITE_TMA
  asm volatile("cp.async.bulk.tensor.3d.global.shared::cta.tile.bulk_group [%0, {%1, %2, %3}], [%4];\n" ::"l"(map),
               "r"(col), "r"(row), "r"(head), "r"(smem_addr(src))
               : "memory");
#endif
}
// The same box added into global memory element by element (each add atomic, in the float type the map
// names: MapElements::bf16 or f16; a bits16 map would add integers): where blocks each hold a partial sum
// of an output. Two adds into zero give the same sum in either order, so two partial sums land bit for
// bit alike whichever comes first.
__device__ __forceinline__ void tma_add_box(const TensorMap* map, int col, int row, int head, const void* src) {
#if LASUITE_TMA
  asm volatile("cp.reduce.async.bulk.tensor.3d.global.shared::cta.add.tile.bulk_group [%0, {%1, %2, %3}], [%4];\n" ::"l"(map),
               "r"(col), "r"(row), "r"(head), "r"(smem_addr(src))
               : "memory");
#endif
}
__device__ __forceinline__ void bulk_commit_group() {
#if LASUITE_TMA
  asm volatile("cp.async.bulk.commit_group;\n" ::: "memory");
#endif
}
// Until at most N of this thread's bulk groups still read their shared memory.
template <int N>
__device__ __forceinline__ void bulk_wait_group_read() {
#if LASUITE_TMA
  asm volatile("cp.async.bulk.wait_group.read %0;\n" ::"n"(N) : "memory");
#endif
}
// Until all of this thread's bulk groups have completed (their writes done).
__device__ __forceinline__ void bulk_wait_all() {
#if LASUITE_TMA
  asm volatile("cp.async.bulk.wait_group 0;\n" ::: "memory");
#endif
}

}  // namespace lasuite::dev
