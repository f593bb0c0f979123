// The read half of the clean L2 flush (CacheFlush::clean): every byte of a buffer read once.
#include "harness/cuda/cuda_check.h"
#include "harness/cuda/cuda_device.h"

namespace lasuite {
namespace {

__global__ void read_through_kernel(const uint4* p, size_t count, unsigned* sink) {
  unsigned acc = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x) {
    const uint4 v = p[i];
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x9e3779b9u) *sink = acc;  // almost never true; the compiler cannot know that
}

}  // namespace

void cuda_read_through(void* p, size_t bytes, cudaStream_t stream) {
  const size_t count = bytes / sizeof(uint4);
  if (count == 0) return;
  const cudaDeviceProp& prop = cuda_device_properties();
  const unsigned blocks = static_cast<unsigned>(4 * prop.multiProcessorCount);
  read_through_kernel<<<blocks, 256, 0, stream>>>(static_cast<const uint4*>(p), count,
                                                   reinterpret_cast<unsigned*>(static_cast<char*>(p) + bytes));
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace lasuite
