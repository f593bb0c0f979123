// The head-dim tile moves (la2_tiles.h): element-wise grid-stride copies. They move each element once
// and do no arithmetic, so they run at the copy rate; their cost is the extra bytes of the padded
// buffers, which native head dims never pay.
#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "harness/cuda/cuda_check.h"
#include "kernels/common/element.cuh"
#include "kernels/lightning2/la2_tiles.h"

namespace lasuite::la2 {
namespace {

constexpr int kThreads = 256;

unsigned grid_for(int64_t count) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((count + kThreads - 1) / kThreads, 4096)));
}

template <class T>
__device__ __forceinline__ float to_f32(T x) { return dev::Element<T>::to_float(x); }
template <class T>
__device__ __forceinline__ T from_f32(float x) { return dev::Element<T>::from_float(x); }

template <class T>
__global__ void gather_tile_kernel(const T* src, const TileRegion r, T* dst, int64_t pad_rows, int64_t pad_cols) {
  const int64_t count = r.blocks * pad_rows * pad_cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % pad_cols, row = (i / pad_cols) % pad_rows, b = i / (pad_cols * pad_rows);
    dst[i] = row < r.row_count && c < r.col_count ? src[(b * r.rows + r.row0 + row) * r.cols + r.col0 + c]
                                                  : from_f32<T>(0.f);
  }
}

template <class T>
__global__ void scatter_tile_kernel(const T* src, int64_t pad_rows, int64_t pad_cols, T* dst, const TileRegion r) {
  const int64_t count = r.blocks * r.row_count * r.col_count;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % r.col_count, row = (i / r.col_count) % r.row_count, b = i / (r.col_count * r.row_count);
    dst[(b * r.rows + r.row0 + row) * r.cols + r.col0 + c] = src[(b * pad_rows + row) * pad_cols + c];
  }
}

template <class T>
__global__ void accumulate_tile_kernel(const T* src, int64_t pad_rows, int64_t pad_cols, float* acc, const TileRegion r,
                                       bool accumulate) {
  const int64_t count = r.blocks * r.row_count * r.col_count;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % r.col_count, row = (i / r.col_count) % r.row_count, b = i / (r.col_count * r.row_count);
    float& a = acc[(b * r.rows + r.row0 + row) * r.cols + r.col0 + c];
    const float x = to_f32(src[(b * pad_rows + row) * pad_cols + c]);
    a = accumulate ? a + x : x;
  }
}

template <class T>
__global__ void convert_kernel(const float* acc, T* dst, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = from_f32<T>(acc[i]);
}

// Calls f.template operator()<T>() for the element type of dtype.
template <class F>
void with_type(DType dtype, F&& f) {
  switch (dtype) {
    case DType::bf16: f(__nv_bfloat16{}); break;
    case DType::f16: f(__half{}); break;
    case DType::f32: f(float{}); break;
    default: throw std::invalid_argument("la2 tiles: no kernel for " + std::string(dtype_name(dtype)));
  }
}

}  // namespace

void gather_tile(DType dtype, const void* src, const TileRegion& region, void* dst, int64_t pad_rows, int64_t pad_cols,
                 void* stream) {
  const int64_t count = region.blocks * pad_rows * pad_cols;
  if (count == 0) return;
  with_type(dtype, [&](auto zero) {
    using T = decltype(zero);
    gather_tile_kernel<T><<<grid_for(count), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<const T*>(src), region, static_cast<T*>(dst), pad_rows, pad_cols);
  });
  CUDA_CHECK_LAUNCH();
}

void scatter_tile(DType dtype, const void* src, int64_t pad_rows, int64_t pad_cols, void* dst, const TileRegion& region,
                  void* stream) {
  const int64_t count = region.blocks * region.row_count * region.col_count;
  if (count == 0) return;
  with_type(dtype, [&](auto zero) {
    using T = decltype(zero);
    scatter_tile_kernel<T><<<grid_for(count), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<const T*>(src), pad_rows, pad_cols, static_cast<T*>(dst), region);
  });
  CUDA_CHECK_LAUNCH();
}

void accumulate_tile(DType dtype, const void* src, int64_t pad_rows, int64_t pad_cols, float* acc,
                     const TileRegion& region, bool accumulate, void* stream) {
  const int64_t count = region.blocks * region.row_count * region.col_count;
  if (count == 0) return;
  with_type(dtype, [&](auto zero) {
    using T = decltype(zero);
    accumulate_tile_kernel<T><<<grid_for(count), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<const T*>(src), pad_rows, pad_cols, acc, region, accumulate);
  });
  CUDA_CHECK_LAUNCH();
}

void convert_from_f32(const float* acc, DType dtype, void* dst, int64_t count, void* stream) {
  if (count == 0) return;
  with_type(dtype, [&](auto zero) {
    using T = decltype(zero);
    convert_kernel<T><<<grid_for(count), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(acc, static_cast<T*>(dst),
                                                                                           count);
  });
  CUDA_CHECK_LAUNCH();
}

}  // namespace lasuite::la2
