#include "baselines/cuda/vanilla_mask.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <stdexcept>

#include "harness/cuda/cuda_check.h"
#include "kernels/common/element.cuh"
#include "kernels/common/element_dispatch.cuh"

namespace lasuite {
namespace {

// One block per row (head, t); threads stride over the columns u.
template <class T>
__global__ void decay_mask_kernel(int64_t n, int heads, const float* slopes, float mul, T* s) {
  const int64_t row = blockIdx.x;  // bh * n + t
  const int64_t bh = row / n, t = row % n;
  const float decay_l2 = slopes[bh % heads] * 1.4426950408889634f;
  T* r = s + row * n;
  for (int64_t u = threadIdx.x; u < n; u += blockDim.x) {
    float x = 0.f;
    if (u <= t) x = dev::Element<T>::to_float(r[u]) * mul * exp2f(-decay_l2 * static_cast<float>(t - u));
    r[u] = dev::Element<T>::from_float(x);
  }
}

template <class T>
void launch(int64_t batch_heads, int64_t n, int heads, const float* slopes, float mul, void* s, cudaStream_t stream) {
  const int64_t rows = batch_heads * n;
  if (rows > 0x7fffffff) throw std::invalid_argument("vanilla_cublas: batch * heads * n above 2^31 - 1");
  decay_mask_kernel<T><<<static_cast<unsigned>(rows), 256, 0, stream>>>(n, heads, slopes, mul, static_cast<T*>(s));
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void vanilla_apply_decay_mask(DType dtype, int64_t batch_heads, int64_t n, int heads, const float* slopes, float mul,
                              void* s, cudaStream_t stream) {
  dev::with_element_type(dtype, "vanilla_cublas", [&](auto zero) {
    launch<decltype(zero)>(batch_heads, n, heads, slopes, mul, s, stream);
  });
}

}  // namespace lasuite
