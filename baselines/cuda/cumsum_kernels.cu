// Kernels of the naive cumsum baseline: a sequential scan per state element that writes every token's
// state (the n x d x e prefix), and the two contractions that read outputs and gradients off it.
// Memory-bound by design; the prefix is what makes the baseline blow up.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <stdexcept>

#include "baselines/cuda/cumsum_launch.h"
#include "harness/cuda/cuda_check.h"
#include "kernels/common/element.cuh"

namespace lasuite {
namespace {

using dev::Element;

// One thread per state element (i, j) of one head, walking the tokens in order.
template <class T>
__global__ void scan_kernel(CumsumShape s, const T* a, const T* b, float mul, bool reverse, const float* slopes,
                            float* prefix) {
  const int64_t bh = blockIdx.x;
  const int64_t idx = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (idx >= s.d * s.e) return;
  const int64_t i = idx / s.e, j = idx % s.e;
  const double lambda = exp(-static_cast<double>(slopes[bh % s.heads]));
  const T* ah = a + bh * s.n * s.d + i;
  const T* bh_ = b + bh * s.n * s.e + j;
  float* out = prefix + bh * s.n * s.d * s.e + idx;
  double state = 0;
#pragma unroll 4
  for (int64_t step = 0; step < s.n; ++step) {
    const int64_t t = reverse ? s.n - 1 - step : step;
    const double x = static_cast<double>(Element<T>::to_float(ah[t * s.d])) * Element<T>::to_float(bh_[t * s.e]);
    state = lambda * state + static_cast<double>(mul) * x;
    out[t * s.d * s.e] = static_cast<float>(state);
  }
}

// One block per (head, token): out[j] = mul * sum_i a[i] P[i][j], threads over j (coalesced rows of P).
template <class T>
__global__ void rows_times_prefix_kernel(CumsumShape s, const T* a, const float* prefix, float mul, T* out) {
  extern __shared__ float row[];
  const int64_t r = blockIdx.x;  // bh * n + t
  for (int64_t i = threadIdx.x; i < s.d; i += blockDim.x) row[i] = Element<T>::to_float(a[r * s.d + i]);
  __syncthreads();
  const float* p = prefix + r * s.d * s.e;
  for (int64_t j = threadIdx.x; j < s.e; j += blockDim.x) {
    float acc = 0.f;
    for (int64_t i = 0; i < s.d; ++i) acc = fmaf(row[i], p[i * s.e + j], acc);
    out[r * s.e + j] = Element<T>::from_float(acc * mul);
  }
}

// One block per (head, token): out[i] = mul * sum_j P[i][j] b[j], a warp per i (coalesced rows of P).
template <class T>
__global__ void prefix_times_cols_kernel(CumsumShape s, const float* prefix, const T* b, float mul, T* out) {
  extern __shared__ float col[];
  const int64_t r = blockIdx.x;
  for (int64_t j = threadIdx.x; j < s.e; j += blockDim.x) col[j] = Element<T>::to_float(b[r * s.e + j]);
  __syncthreads();
  const float* p = prefix + r * s.d * s.e;
  const int lane = threadIdx.x & 31, warps = blockDim.x / 32;
  for (int64_t i = threadIdx.x / 32; i < s.d; i += warps) {
    float acc = 0.f;
    for (int64_t j = lane; j < s.e; j += 32) acc = fmaf(p[i * s.e + j], col[j], acc);
#pragma unroll
    for (int m = 16; m > 0; m >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, m);
    if (lane == 0) out[r * s.d + i] = Element<T>::from_float(acc * mul);
  }
}

unsigned rows_grid(const CumsumShape& s) {
  const int64_t rows = s.batch_heads * s.n;
  if (rows > 0x7fffffff) throw std::invalid_argument("cumsum: batch * heads * n above 2^31 - 1");
  return static_cast<unsigned>(rows);
}

template <class T>
void scan(const CumsumShape& s, const void* a, const void* b, float mul, bool reverse, const float* slopes,
          float* prefix, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(s.batch_heads), static_cast<unsigned>((s.d * s.e + 255) / 256));
  scan_kernel<T><<<grid, 256, 0, stream>>>(s, static_cast<const T*>(a), static_cast<const T*>(b), mul, reverse,
                                           slopes, prefix);
  CUDA_CHECK_LAUNCH();
}

template <class T>
void rows_times_prefix(const CumsumShape& s, const void* a, const float* prefix, float mul, void* out,
                       cudaStream_t stream) {
  rows_times_prefix_kernel<T><<<rows_grid(s), 128, s.d * sizeof(float), stream>>>(
      s, static_cast<const T*>(a), prefix, mul, static_cast<T*>(out));
  CUDA_CHECK_LAUNCH();
}

template <class T>
void prefix_times_cols(const CumsumShape& s, const float* prefix, const void* b, float mul, void* out,
                       cudaStream_t stream) {
  prefix_times_cols_kernel<T><<<rows_grid(s), 256, s.e * sizeof(float), stream>>>(
      s, prefix, static_cast<const T*>(b), mul, static_cast<T*>(out));
  CUDA_CHECK_LAUNCH();
}

}  // namespace

#define LASUITE_CUMSUM_DISPATCH(fn, ...)                                          \
  switch (dtype) {                                                                \
    case DType::bf16: return fn<__nv_bfloat16>(__VA_ARGS__);                      \
    case DType::f16: return fn<__half>(__VA_ARGS__);                              \
    case DType::f32: return fn<float>(__VA_ARGS__);                               \
    default: throw std::invalid_argument("cumsum_cuda: bf16, fp16 or fp32 only"); \
  }

void cumsum_scan(DType dtype, const CumsumShape& s, const void* a, const void* b, float mul, bool reverse,
                 const float* slopes, float* prefix, cudaStream_t stream) {
  LASUITE_CUMSUM_DISPATCH(scan, s, a, b, mul, reverse, slopes, prefix, stream)
}
void cumsum_rows_times_prefix(DType dtype, const CumsumShape& s, const void* a, const float* prefix, float mul,
                              void* out, cudaStream_t stream) {
  LASUITE_CUMSUM_DISPATCH(rows_times_prefix, s, a, prefix, mul, out, stream)
}
void cumsum_prefix_times_cols(DType dtype, const CumsumShape& s, const float* prefix, const void* b, float mul,
                              void* out, cudaStream_t stream) {
  LASUITE_CUMSUM_DISPATCH(prefix_times_cols, s, prefix, b, mul, out, stream)
}

}  // namespace lasuite
