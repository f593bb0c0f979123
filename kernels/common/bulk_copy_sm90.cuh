// Bulk copies from shared to global memory (cp.async.bulk, sm_90): one instruction moves a contiguous
// run of bytes (a multiple of 16, both addresses 16-byte aligned) through the async proxy, so a thread
// hands over a whole row instead of loading and storing it 16 bytes at a time. Shared memory written by
// ordinary stores must be fenced (fence_proxy_async, wgmma_sm90.cuh) by each writing thread and then
// synchronised before the copy is issued. A thread's copies form groups of its own: it may rewrite the
// source after bulk_wait_read, and must not leave the block (whose shared memory goes to the next one)
// before its last group has read it.
#pragma once
#include <cstdint>

#include "kernels/common/mma_sm80.cuh"

namespace lasuite::dev {

__device__ __forceinline__ void bulk_store(void* gmem_dst, const void* smem_src, uint32_t bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;\n" ::"l"(gmem_dst),
               "r"(smem_addr(smem_src)), "r"(bytes)
               : "memory");
#endif
}
__device__ __forceinline__ void bulk_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("cp.async.bulk.commit_group;\n" ::: "memory");
#endif
}
// Until at most N of this thread's groups have not yet read their shared-memory source.
template <int N>
__device__ __forceinline__ void bulk_wait_read() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("cp.async.bulk.wait_group.read %0;\n" ::"n"(N) : "memory");
#endif
}

}  // namespace lasuite::dev
