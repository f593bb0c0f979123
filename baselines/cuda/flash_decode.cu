// Flash-decoding (flash_decode_launch.h). A decode step reads the whole KV cache and does little with
// each key, so it is a stream over K and V: the cache is split across blocks (grid splits x bh) so that
// even batch 1 fills the device, each block walks its split in tiles of 64 keys with an online softmax
// per query (one warp per query row, 32 lanes over the keys for the scores and over the columns for
// P V), and writes its unnormalised output with the running max and sum; the combine kernel rescales
// the splits to a common max and divides by the total sum. Scores are in the log2 domain (q is
// multiplied by scale * log2(e)), as the tiled softmax kernels keep them.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "baselines/cuda/flash_decode_launch.h"
#include "harness/cuda/cuda_check.h"
#include "kernels/common/dynamic_smem.cuh"
#include "kernels/common/element.cuh"

namespace lasuite {
namespace {

constexpr int kTileKeys = 64;
constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kRowsPerWarp = kFlashDecodeMaxTokens / kWarps;

template <int D>
constexpr int smem_floats() {
  // q of every query; K with a padded row (lane j reads row j: the pad spreads the banks); V.
  return kFlashDecodeMaxTokens * D + kTileKeys * (D + 1) + kTileKeys * D;
}

// One block: split blockIdx.x of (batch, head) blockIdx.y. Writes, per query row, its output rows
// unnormalised (o_part), and its max and sum (ml_part, log2 domain); a row none of whose keys fall in
// the split writes max -inf, sum 0.
template <class T, int D>
__global__ void __launch_bounds__(kThreads) flash_decode_split_kernel(const FlashDecodeArgs a, float* o_part,
                                                                      float2* ml_part) {
  using E = dev::Element<T>;
  constexpr int kCols = D / 32;  // output columns a lane holds
  extern __shared__ float smem[];
  float* qs = smem;                                // [16][D]
  float* ks = qs + kFlashDecodeMaxTokens * D;      // [64][D + 1]
  float* vs = ks + kTileKeys * (D + 1);            // [64][D]
  const int split = blockIdx.x;
  const int64_t bh = blockIdx.y;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int Tq = a.tokens;
  const int64_t kv = a.context + Tq;
  const int64_t u_begin = int64_t(split) * a.split_keys, u_end = min(kv, u_begin + a.split_keys);
  const T* q = static_cast<const T*>(a.q) + bh * Tq * D;
  const T* k = static_cast<const T*>(a.k) + bh * kv * D;
  const T* v = static_cast<const T*>(a.v) + bh * kv * D;

  const float q_mul = a.scale * 1.4426950408889634f;
  for (int i = threadIdx.x; i < Tq * D; i += kThreads) qs[i] = E::to_float(q[i]) * q_mul;

  float m[kRowsPerWarp], l[kRowsPerWarp], acc[kRowsPerWarp][kCols];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    m[r] = -INFINITY, l[r] = 0.f;
#pragma unroll
    for (int c = 0; c < kCols; ++c) acc[r][c] = 0.f;
  }

  for (int64_t u0 = u_begin; u0 < u_end; u0 += kTileKeys) {
    const int keys = static_cast<int>(min(int64_t(kTileKeys), u_end - u0));
    __syncthreads();  // the previous tile is read by every warp
    for (int i = threadIdx.x; i < kTileKeys * D; i += kThreads) {
      const int j = i / D, c = i % D;
      const bool in = j < keys;
      ks[j * (D + 1) + c] = in ? E::to_float(k[(u0 + j) * D + c]) : 0.f;
      vs[j * D + c] = in ? E::to_float(v[(u0 + j) * D + c]) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int t = warp + r * kWarps;
      if (t >= Tq) break;
      const int64_t pos = a.context + t;  // the last key this query sees
      const float* qt = qs + t * D;
      float s[2];
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int j = lane + 32 * h;
        float dot = 0.f;
#pragma unroll 8
        for (int c = 0; c < D; ++c) dot = fmaf(qt[c], ks[j * (D + 1) + c], dot);
        s[h] = (j < keys && u0 + j <= pos) ? dot : -INFINITY;
      }
      float tile_max = fmaxf(s[0], s[1]);
      for (int off = 16; off > 0; off >>= 1) tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, off));
      const float m_new = fmaxf(m[r], tile_max);
      if (m_new == -INFINITY) continue;  // no key of this row so far: nothing to add, and exp2 would give NaN
      const float rescale = exp2f(m[r] - m_new);  // 0 while m was -inf
      const float p0 = exp2f(s[0] - m_new), p1 = exp2f(s[1] - m_new);
      float psum = p0 + p1;
      for (int off = 16; off > 0; off >>= 1) psum += __shfl_xor_sync(0xffffffffu, psum, off);
      l[r] = l[r] * rescale + psum;
      m[r] = m_new;
#pragma unroll
      for (int c = 0; c < kCols; ++c) acc[r][c] *= rescale;
      for (int j = 0; j < keys; ++j) {
        const float pj = __shfl_sync(0xffffffffu, j < 32 ? p0 : p1, j & 31);
#pragma unroll
        for (int c = 0; c < kCols; ++c) acc[r][c] = fmaf(pj, vs[j * D + lane + 32 * c], acc[r][c]);
      }
    }
  }

  const int64_t row0 = (int64_t(split) * a.bh + bh) * Tq;
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int t = warp + r * kWarps;
    if (t >= Tq) break;
#pragma unroll
    for (int c = 0; c < kCols; ++c) o_part[(row0 + t) * D + lane + 32 * c] = acc[r][c];
    if (lane == 0) ml_part[row0 + t] = make_float2(m[r], l[r]);
  }
}

// One block per (batch x head, query row), one thread per column: the splits rescaled to their common
// max, summed, divided by the total sum.
template <class T, int D>
__global__ void flash_decode_combine_kernel(const FlashDecodeArgs a, const float* o_part, const float2* ml_part) {
  const int64_t row = blockIdx.x;  // bh * T + t
  const int c = threadIdx.x;
  const int64_t rows = a.bh * a.tokens;
  float big = -INFINITY;
  for (int s = 0; s < a.splits; ++s) big = fmaxf(big, ml_part[s * rows + row].x);
  float sum = 0.f, out = 0.f;
  for (int s = 0; s < a.splits; ++s) {
    const float2 ml = ml_part[s * rows + row];
    const float w = ml.x == -INFINITY ? 0.f : exp2f(ml.x - big);
    sum += w * ml.y;
    out += w * o_part[(s * rows + row) * D + c];
  }
  static_cast<T*>(a.o)[row * D + c] = dev::Element<T>::from_float(out / sum);
}

template <class T, int D>
void launch(const FlashDecodeArgs& a, float* scratch, cudaStream_t stream) {
  const int64_t rows = a.bh * a.tokens;
  float* o_part = scratch;
  float2* ml_part = reinterpret_cast<float2*>(o_part + a.splits * rows * D);
  const int smem = static_cast<int>(sizeof(float)) * smem_floats<D>();
  const void* split_func = reinterpret_cast<const void*>(&flash_decode_split_kernel<T, D>);
  dev::allow_dynamic_smem(split_func, smem);
  flash_decode_split_kernel<T, D><<<dim3(static_cast<unsigned>(a.splits), static_cast<unsigned>(a.bh)), kThreads,
                                    static_cast<size_t>(smem), stream>>>(a, o_part, ml_part);
  CUDA_CHECK_LAUNCH();
  flash_decode_combine_kernel<T, D><<<static_cast<unsigned>(rows), D, 0, stream>>>(a, o_part, ml_part);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

size_t flash_decode_plan(FlashDecodeArgs& a, int multiprocessors) {
  if (a.tokens < 1 || a.tokens > kFlashDecodeMaxTokens)
    throw std::invalid_argument("flash decode: " + std::to_string(a.tokens) + " tokens a step, outside 1.." +
                                std::to_string(kFlashDecodeMaxTokens));
  if (a.dim != 64 && a.dim != 128) throw std::invalid_argument("flash decode: head dim " + std::to_string(a.dim));
  if (a.bh < 1 || a.bh > 65535) throw std::invalid_argument("flash decode: batch x heads outside 1..65535");
  const int64_t kv = a.context + a.tokens;
  const int64_t tiles = (kv + kTileKeys - 1) / kTileKeys;
  // Four blocks a multiprocessor over all (batch, head) pairs, a tile of keys at least each.
  const int64_t want = std::max<int64_t>(1, (4 * int64_t(multiprocessors) + a.bh - 1) / a.bh);
  const int64_t splits = std::min(want, tiles);
  const int64_t tiles_per_split = (tiles + splits - 1) / splits;
  a.split_keys = tiles_per_split * kTileKeys;
  a.splits = static_cast<int>((tiles + tiles_per_split - 1) / tiles_per_split);
  const int64_t rows = a.bh * a.tokens;
  return static_cast<size_t>(a.splits * rows) * (sizeof(float) * a.dim + sizeof(float) * 2);
}

void flash_decode(const FlashDecodeArgs& a, float* scratch, void* stream) {
  auto s = static_cast<cudaStream_t>(stream);
  const bool bf16 = a.dtype == DType::bf16;
  if (!bf16 && a.dtype != DType::f16) throw std::invalid_argument("flash decode: bf16 or f16 only");
  if (a.dim == 64) bf16 ? launch<__nv_bfloat16, 64>(a, scratch, s) : launch<__half, 64>(a, scratch, s);
  else bf16 ? launch<__nv_bfloat16, 128>(a, scratch, s) : launch<__half, 128>(a, scratch, s);
}

}  // namespace lasuite
