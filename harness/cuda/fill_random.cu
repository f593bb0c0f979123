// Random bf16 fill on the device, for the GEMM ceiling (and anyone needing non-zero data quickly).
#include <cuda_bf16.h>

#include "harness/cuda/cuda_check.h"
#include "harness/cuda/cuda_device.h"

namespace lasuite {
namespace {

// splitmix64: a good-enough hash from a counter to 64 random bits.
__device__ __forceinline__ uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

__global__ void fill_random_bf16_kernel(__nv_bfloat16* dst, size_t count, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x) {
    uint64_t r = splitmix64(seed * 0x100000001B3ull + i);
    float u = static_cast<float>(r >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    dst[i] = __float2bfloat16_rn(2.0f * u - 1.0f);
  }
}

}  // namespace

void cuda_fill_random_bf16(void* dst, size_t count, uint64_t seed, cudaStream_t stream) {
  if (count == 0) return;
  size_t blocks = (count + 255) / 256;
  if (blocks > 65535) blocks = 65535;
  fill_random_bf16_kernel<<<static_cast<unsigned>(blocks), 256, 0, stream>>>(static_cast<__nv_bfloat16*>(dst),
                                                                             count, seed);
  CUDA_CHECK_LAUNCH();
}

}  // namespace lasuite
