// See gpu_busy.h.
#include <cuda_runtime.h>

#include <cstdint>

#include "harness/cuda/cuda_check.h"
#include "tests/support/gpu_busy.h"

namespace lasuite::test_support {
namespace {

__device__ uint64_t global_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void busy_kernel(uint64_t ns) {
  extern __shared__ unsigned char held[];  // only held, so that the block takes an SM's room
  if (threadIdx.x != 0) return;
  const uint64_t end = global_ns() + ns;
  while (global_ns() < end) __nanosleep(1000);
  held[0] = 1;
}

}  // namespace

void launch_busy_kernel(void* stream, int blocks, double ms, int smem_bytes) {
  CUDA_CHECK(cudaFuncSetAttribute(busy_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_bytes));
  busy_kernel<<<blocks, 32, smem_bytes, static_cast<cudaStream_t>(stream)>>>(static_cast<uint64_t>(ms * 1e6));
  CUDA_CHECK_LAUNCH();
}

}  // namespace lasuite::test_support
