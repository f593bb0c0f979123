// Flash-decoding (flash_decode_launch.h). A decode step reads the whole KV cache and does little with
// each key, so it is a stream over K and V: the cache is split across blocks (grid splits x bh) so that
// even batch 1 fills the device, each block walks its split in tiles of 32 keys with an online softmax
// per query (each warp over a quarter of the tile's keys for every query, its lanes over the keys for the
// scores and over the columns for P V), and writes its unnormalised output with the running max and sum
// (the warps' partials merged in the block); the combine kernel rescales
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

constexpr int kTileKeys = 32;
constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kKeysPerWarp = kTileKeys / kWarps;  // 8: a key per lane, four times (four quarters of the columns)
constexpr int kQuarters = 32 / kKeysPerWarp;

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
  constexpr int kCols = D / 32;    // output columns a lane holds
  constexpr int kQuarter = D / kQuarters;  // the dot product's columns a lane sums (the others on lanes ^ 8, 16, 24)
  extern __shared__ float smem[];
  float* qs = smem;                                // [16][D]
  float* ks = qs + kFlashDecodeMaxTokens * D;      // [32][D + 1]
  float* vs = ks + kTileKeys * (D + 1);            // [32][D]
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

  // Every warp serves every query row, over its own quarter of each tile's keys: at T = 1 all four
  // warps work. Lane l scores key (l mod 8) of the warp's keys over quarter l / 8 of the columns. Key j's
  // column c sits in bank (j + c) mod 32, so each quarter starts its walk rotated to its own window of
  // 8 banks (quarter q at bank 8q for D = 128; 0, 16, 8, 24 for D = 64).
  float m[kFlashDecodeMaxTokens], l[kFlashDecodeMaxTokens], acc[kFlashDecodeMaxTokens][kCols];
#pragma unroll
  for (int t = 0; t < kFlashDecodeMaxTokens; ++t) {
    m[t] = -INFINITY, l[t] = 0.f;
#pragma unroll
    for (int c = 0; c < kCols; ++c) acc[t][c] = 0.f;
  }
  const int my_key = warp * kKeysPerWarp + (lane % kKeysPerWarp);
  const int quarter = lane / kKeysPerWarp;
  const int rotation = D == 128 ? 8 * quarter : 8 * (quarter / 2);
  static_assert(D == 64 || D == 128, "the bank rotation is worked out for 64 and 128 columns");

  // The tile's K and V rows go through registers in 16-byte pieces: the next tile's loads are issued
  // before the current tile is computed, so each block keeps a tile's worth of reads in flight.
  using Piece = uint4;
  constexpr int kPieceElems = sizeof(Piece) / sizeof(T);
  constexpr int kPiecesPerRow = D / kPieceElems;
  constexpr int kPiecesPerThread = kTileKeys * kPiecesPerRow / kThreads;
  Piece k_next[kPiecesPerThread], v_next[kPiecesPerThread];
  auto fetch = [&](int64_t u0) {
    const int keys = static_cast<int>(min(int64_t(kTileKeys), u_end - u0));
#pragma unroll
    for (int i = 0; i < kPiecesPerThread; ++i) {
      const int piece = threadIdx.x + i * kThreads, j = piece / kPiecesPerRow, c = (piece % kPiecesPerRow) * kPieceElems;
      const bool in = j < keys;
      k_next[i] = in ? *reinterpret_cast<const Piece*>(k + (u0 + j) * D + c) : Piece{0, 0, 0, 0};
      v_next[i] = in ? *reinterpret_cast<const Piece*>(v + (u0 + j) * D + c) : Piece{0, 0, 0, 0};
    }
  };
  if (u_begin < u_end) fetch(u_begin);

  for (int64_t u0 = u_begin; u0 < u_end; u0 += kTileKeys) {
    const int keys = static_cast<int>(min(int64_t(kTileKeys), u_end - u0));
    __syncthreads();  // the previous tile is read by every warp
#pragma unroll
    for (int i = 0; i < kPiecesPerThread; ++i) {
      const int piece = threadIdx.x + i * kThreads, j = piece / kPiecesPerRow, c = (piece % kPiecesPerRow) * kPieceElems;
      const T* kp = reinterpret_cast<const T*>(&k_next[i]);
      const T* vp = reinterpret_cast<const T*>(&v_next[i]);
#pragma unroll
      for (int x = 0; x < kPieceElems; ++x) {
        ks[j * (D + 1) + c + x] = E::to_float(kp[x]);
        vs[j * D + c + x] = E::to_float(vp[x]);
      }
    }
    if (u0 + kTileKeys < u_end) fetch(u0 + kTileKeys);
    __syncthreads();
    const float* krow = ks + my_key * (D + 1);
#pragma unroll
    for (int t = 0; t < kFlashDecodeMaxTokens; ++t) {
      if (t >= Tq) break;
      const float* qt = qs + t * D;
      float dot = 0.f;
#pragma unroll
      for (int cc = 0; cc < kQuarter; ++cc) {
        const int c = quarter * kQuarter + (cc + rotation) % kQuarter;
        dot = fmaf(qt[c], krow[c], dot);
      }
      dot += __shfl_xor_sync(0xffffffffu, dot, 8);
      dot += __shfl_xor_sync(0xffffffffu, dot, 16);
      // query t is at position context + t and sees the keys up to it
      const float s = (my_key < keys && u0 + my_key <= a.context + t) ? dot : -INFINITY;
      float tile_max = s;
      for (int off = kKeysPerWarp / 2; off > 0; off >>= 1)
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, off));
      const float m_new = fmaxf(m[t], tile_max);
      if (m_new == -INFINITY) continue;  // no key of this row so far: nothing to add, and exp2 would give NaN
      const float rescale = exp2f(m[t] - m_new);  // 0 while m was -inf
      const float p = exp2f(s - m_new);
      float psum = p;
      for (int off = kKeysPerWarp / 2; off > 0; off >>= 1) psum += __shfl_xor_sync(0xffffffffu, psum, off);
      l[t] = l[t] * rescale + psum;
      m[t] = m_new;
#pragma unroll
      for (int c = 0; c < kCols; ++c) acc[t][c] *= rescale;
#pragma unroll
      for (int j = 0; j < kKeysPerWarp; ++j) {
        const float pj = __shfl_sync(0xffffffffu, p, j);
        const float* vrow = vs + (warp * kKeysPerWarp + j) * D;
#pragma unroll
        for (int c = 0; c < kCols; ++c) acc[t][c] = fmaf(pj, vrow[lane + 32 * c], acc[t][c]);
      }
    }
  }

  // The four warps' partials of each row meet in shared memory (q's and the tiles' space, free now); warp w
  // combines rows w, w + 4, ... and writes the block's partial.
  constexpr int kPartFloats = D + 2;
  static_assert(kWarps * kFlashDecodeMaxTokens * kPartFloats <= smem_floats<D>(), "the partials fit");
  float* part = smem;
  __syncthreads();
#pragma unroll
  for (int t = 0; t < kFlashDecodeMaxTokens; ++t) {
    if (t >= Tq) break;
    float* mine = part + (t * kWarps + warp) * kPartFloats;
#pragma unroll
    for (int c = 0; c < kCols; ++c) mine[2 + lane + 32 * c] = acc[t][c];
    if (lane == 0) mine[0] = m[t], mine[1] = l[t];
  }
  __syncthreads();
  const int64_t row0 = (int64_t(split) * a.bh + bh) * Tq;
  for (int t = warp; t < Tq; t += kWarps) {
    const float* parts = part + t * kWarps * kPartFloats;
    float big = -INFINITY;
    for (int w = 0; w < kWarps; ++w) big = fmaxf(big, parts[w * kPartFloats]);
    float sum = 0.f, out[kCols] = {};
    for (int w = 0; w < kWarps; ++w) {
      const float* pw = parts + w * kPartFloats;
      const float scale = pw[0] == -INFINITY ? 0.f : exp2f(pw[0] - big);
      sum += scale * pw[1];
#pragma unroll
      for (int c = 0; c < kCols; ++c) out[c] += scale * pw[2 + lane + 32 * c];
    }
#pragma unroll
    for (int c = 0; c < kCols; ++c) o_part[(row0 + t) * D + lane + 32 * c] = out[c];
    if (lane == 0) ml_part[row0 + t] = make_float2(big, sum);
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
