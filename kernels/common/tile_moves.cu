// The head-dim tile moves (tile_moves.h). A warp moves one row at a time, its lanes side by side along
// the row (coalesced), so the row's place in the tensor is worked out once a row, not once an element.
// Where every row piece starts 16-byte aligned (dims, offsets and strides multiples of 8 elements, as
// at d = 96 or 192) each lane moves 16 bytes of the destination at a time; element by element
// otherwise (d = 33). They do no arithmetic but a conversion; their cost is the bytes of the padded
// buffers, which native head dims never pay.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "harness/cuda/cuda_check.h"
#include "kernels/common/element.cuh"
#include "kernels/common/element_dispatch.cuh"
#include "kernels/common/tile_moves.h"

namespace lasuite::tiles {
namespace {

constexpr int kThreads = 256, kWarps = kThreads / 32;

// A window of a [blocks][rows][stride] tensor: row r of block b is at (b * rows + row0 + r) * stride + col0.
struct Window {
  int64_t rows, stride, row0, col0;
};

// dst window <- src window over blocks x out_rows x out_cols; elements outside the src's valid_rows x
// valid_cols read as zero.
struct Move {
  Window src, dst;
  int64_t blocks, out_rows, out_cols, valid_rows, valid_cols;
};

// VEC elements a lane at a time: 1, or 16 bytes of TD (every piece then aligned: vec_width below).
template <class TS, class TD, int VEC>
__global__ void __launch_bounds__(kThreads) move_kernel(const TS* __restrict__ src, TD* __restrict__ dst, const Move m) {
  static_assert(VEC == 1 || VEC * sizeof(TD) == 16, "one element or 16 bytes of the destination");
  constexpr int kInWords = VEC == 1 ? 1 : int(VEC * sizeof(TS) / 16);  // 16-byte loads per piece
  const int lane = threadIdx.x % 32;
  const int64_t total_rows = m.blocks * m.out_rows;
  for (int64_t r = int64_t(blockIdx.x) * kWarps + threadIdx.x / 32; r < total_rows; r += int64_t(gridDim.x) * kWarps) {
    const int64_t b = r / m.out_rows, row = r - b * m.out_rows;
    const TS* s = src + (b * m.src.rows + m.src.row0 + row) * m.src.stride + m.src.col0;
    TD* d = dst + (b * m.dst.rows + m.dst.row0 + row) * m.dst.stride + m.dst.col0;
    const bool row_valid = row < m.valid_rows;
    for (int64_t c = int64_t(lane) * VEC; c < m.out_cols; c += 32 * VEC) {
      const bool valid = row_valid && c < m.valid_cols;  // a whole piece: valid_cols is a multiple of VEC
      if constexpr (VEC == 1) {
        d[c] = dev::Element<TD>::from_float(valid ? dev::Element<TS>::to_float(s[c]) : 0.f);
      } else {
        uint4 in[kInWords], out;
#pragma unroll
        for (int w = 0; w < kInWords; ++w) in[w] = valid ? reinterpret_cast<const uint4*>(s + c)[w] : make_uint4(0, 0, 0, 0);
        const TS* x = reinterpret_cast<const TS*>(in);
        TD* y = reinterpret_cast<TD*>(&out);
#pragma unroll
        for (int i = 0; i < VEC; ++i) y[i] = dev::Element<TD>::from_float(dev::Element<TS>::to_float(x[i]));
        *reinterpret_cast<uint4*>(d + c) = out;
      }
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads) accumulate_kernel(const T* __restrict__ src, float* __restrict__ acc,
                                                              int64_t count, bool add) {
  for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < count; i += int64_t(gridDim.x) * kThreads) {
    const float x = dev::Element<T>::to_float(src[i]);
    acc[i] = add ? acc[i] + x : x;
  }
}

unsigned grid_for(int64_t items, int per_block) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((items + per_block - 1) / per_block, 8192)));
}

constexpr const char* kWho = "head-dim tiles";

// 16 bytes of TD a lane where every row piece of both sides starts 16-byte aligned, else 1 element.
template <class TS, class TD>
int vec_width(const void* src, const void* dst, const Move& m) {
  constexpr int v = 16 / sizeof(TD);
  const auto aligned = [](const void* p, size_t bytes) { return reinterpret_cast<uintptr_t>(p) % bytes == 0; };
  const bool ok = m.out_cols % v == 0 && m.valid_cols % v == 0 && m.src.stride % v == 0 && m.dst.stride % v == 0 &&
                  m.src.col0 % v == 0 && m.dst.col0 % v == 0 && aligned(src, v * sizeof(TS)) && aligned(dst, 16);
  return ok ? v : 1;
}

template <class TS, class TD>
void launch_move(const void* src, void* dst, const Move& m, void* stream) {
  if (m.blocks * m.out_rows == 0 || m.out_cols == 0) return;
  const dim3 grid(grid_for(m.blocks * m.out_rows, kWarps));
  const auto s = static_cast<const TS*>(src);
  const auto d = static_cast<TD*>(dst);
  const auto st = static_cast<cudaStream_t>(stream);
  if (vec_width<TS, TD>(src, dst, m) > 1) move_kernel<TS, TD, 16 / sizeof(TD)><<<grid, kThreads, 0, st>>>(s, d, m);
  else move_kernel<TS, TD, 1><<<grid, kThreads, 0, st>>>(s, d, m);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void gather_tile(DType dtype, const void* src, const TileRegion& r, void* dst, int64_t pad_rows, int64_t pad_cols,
                 void* stream) {
  const Move m{{r.rows, r.cols, r.row0, r.col0}, {pad_rows, pad_cols, 0, 0}, r.blocks, pad_rows, pad_cols,
               r.row_count, r.col_count};
  dev::with_element_type(dtype, kWho, [&](auto zero) {
    using T = decltype(zero);
    launch_move<T, T>(src, dst, m, stream);
  });
}

void scatter_tile(DType src_dtype, const void* src, int64_t pad_rows, int64_t pad_cols, DType dst_dtype, void* dst,
                  const TileRegion& r, void* stream) {
  if (src_dtype != dst_dtype && src_dtype != DType::f32)
    throw std::invalid_argument("head-dim tiles: scatter from " + std::string(dtype_name(src_dtype)) + " to " +
                                std::string(dtype_name(dst_dtype)));
  const Move m{{pad_rows, pad_cols, 0, 0}, {r.rows, r.cols, r.row0, r.col0}, r.blocks, r.row_count, r.col_count,
               r.row_count, r.col_count};
  dev::with_element_type(dst_dtype, kWho, [&](auto zero) {
    using T = decltype(zero);
    if (src_dtype == DType::f32) launch_move<float, T>(src, dst, m, stream);
    else launch_move<T, T>(src, dst, m, stream);
  });
}

void accumulate(DType dtype, const void* src, float* acc, int64_t count, bool add, void* stream) {
  if (count == 0) return;
  dev::with_element_type(dtype, kWho, [&](auto zero) {
    using T = decltype(zero);
    accumulate_kernel<T><<<grid_for(count, kThreads), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<const T*>(src), acc, count, add);
  });
  CUDA_CHECK_LAUNCH();
}

}  // namespace lasuite::tiles
