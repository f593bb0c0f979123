// la2_sp_moves.h. Each is a pass over memory (states of a few MiB; a part's rows once), a grid-stride
// loop of 256 threads, no shared memory.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "harness/cuda/cuda_check.h"
#include "kernels/common/element.cuh"
#include "kernels/common/element_dispatch.cuh"
#include "kernels/lightning2/la2_sp_moves.h"

namespace lasuite::la2::sp {
namespace {

constexpr int kThreads = 256;
constexpr const char* kWho = "la2 sequence-parallel moves";

unsigned grid_for(int64_t items) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((items + kThreads - 1) / kThreads, 16384)));
}

__global__ void __launch_bounds__(kThreads) combine_kernel(float* __restrict__ out, bool add, const float* __restrict__ in,
                                                           int count, const float* __restrict__ weights, int64_t blocks,
                                                           int heads, int64_t size) {
  const int64_t total = blocks * size;
  for (int64_t x = int64_t(blockIdx.x) * kThreads + threadIdx.x; x < total; x += int64_t(gridDim.x) * kThreads) {
    const int head = static_cast<int>((x / size) % heads);
    float acc = add ? out[x] : 0.f;
    for (int j = 0; j < count; ++j) acc += weights[j * heads + head] * in[j * total + x];
    out[x] = acc;
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads) decayed_rows_kernel(const T* __restrict__ src, T* __restrict__ dst,
                                                                int64_t block0, int64_t blocks, int heads, int64_t rows, int64_t cols,
                                                                const float* __restrict__ slopes, float first, float step) {
  const int64_t total = blocks * rows * cols;
  for (int64_t x = int64_t(blockIdx.x) * kThreads + threadIdx.x; x < total; x += int64_t(gridDim.x) * kThreads) {
    const int64_t row = x / cols;  // over all blocks
    const int64_t t = row % rows;
    const int head = static_cast<int>((block0 + row / rows) % heads);
    const float w = expf(-slopes[head] * (first + step * static_cast<float>(t)));
    dst[x] = dev::Element<T>::from_float(w * dev::Element<T>::to_float(src[x]));
  }
}

}  // namespace

void combine_states(float* out, bool add, const float* in, int count, const float* weights, int64_t blocks, int heads,
                    int64_t size, void* stream) {
  if (blocks * size == 0) return;
  combine_kernel<<<grid_for(blocks * size), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(out, add, in, count, weights,
                                                                                               blocks, heads, size);
  CUDA_CHECK_LAUNCH();
}

void decayed_rows(DType dtype, const void* src, void* dst, int64_t block0, int64_t blocks, int heads, int64_t rows,
                  int64_t cols, const float* slopes, float first, float step, void* stream) {
  if (blocks * rows * cols == 0) return;
  dev::with_element_type(dtype, kWho, [&](auto zero) {
    using T = decltype(zero);
    decayed_rows_kernel<T><<<grid_for(blocks * rows * cols), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<const T*>(src), static_cast<T*>(dst), block0, blocks, heads, rows, cols, slopes, first, step);
  });
  CUDA_CHECK_LAUNCH();
}

}  // namespace lasuite::la2::sp
