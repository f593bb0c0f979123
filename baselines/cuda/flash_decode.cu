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
#include <type_traits>

#include "baselines/cuda/flash_decode_launch.h"
#include "harness/cuda/cuda_check.h"
#include "kernels/common/constants.cuh"
#include "kernels/common/dynamic_smem.cuh"
#include "kernels/common/element.cuh"
#include "kernels/common/mma_sm80.cuh"

namespace lasuite {
namespace {

constexpr int kTileKeys = 32;
constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kKeysPerWarp = kTileKeys / kWarps;  // 8: a key per lane, four times (four quarters of the columns)
constexpr int kQuarters = 32 / kKeysPerWarp;

// Shared memory: q of every query (fp32, scaled into the log2 domain), then kStages stages of a tile's
// K and V rows in the input type, copied by cp.async (no registers in between). A K row is padded by 16
// bytes, so that key j's column word w sits in bank (4 j + w) mod 32 (see the dot product below).
// Three stages up to d = 128; two at 256, so that two blocks (8 warps) share an SM instead of one.
template <class T, int D>
struct DecodeSmem {
  static constexpr int kStages = D > 128 ? 2 : 3;
  static constexpr int kKRow = D + 16 / static_cast<int>(sizeof(T));  // elements
  static constexpr int kQBytes = kFlashDecodeMaxTokens * D * 4;
  static constexpr int kKBytes = kTileKeys * kKRow * static_cast<int>(sizeof(T));
  static constexpr int kVBytes = kTileKeys * D * static_cast<int>(sizeof(T));
  static constexpr int kStageBytes = kKBytes + kVBytes;
  static constexpr int kBytes = kQBytes + kStages * kStageBytes;
  // The warps' partials (max, sum, D outputs of each row) after the walk, over the stages.
  static constexpr int kPartFloats = D + 2;
  static_assert(kWarps * kFlashDecodeMaxTokens * kPartFloats * 4 <= kStages * kStageBytes, "the partials fit");
};

// One block: split blockIdx.x of (batch, head) blockIdx.y. Writes, per query row, its output rows
// unnormalised (o_part), and its max and sum (ml_part, log2 domain); a row none of whose keys fall in
// the split writes max -inf, sum 0.
template <class T, int D>
__global__ void __launch_bounds__(kThreads) flash_decode_split_kernel(const FlashDecodeArgs a, float* o_part,
                                                                      float2* ml_part) {
  using E = dev::Element<T>;
  using SM = DecodeSmem<T, D>;
  constexpr int kCols = D / 32;               // output columns a lane holds
  constexpr int kWords = D / 2;               // 2-element words of a row
  constexpr int kQuarterWords = kWords / kQuarters;
  constexpr int kPiecesPerRow = D * static_cast<int>(sizeof(T)) / 16;
  constexpr int kPiecesPerThread = kTileKeys * kPiecesPerRow / kThreads;  // of K, and as many of V
  extern __shared__ __align__(16) unsigned char smem[];
  float* qs = reinterpret_cast<float*>(smem);  // [16][D]
  unsigned char* stages = smem + SM::kQBytes;
  const int split = blockIdx.x;
  const int64_t bh = blockIdx.y;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int Tq = a.tokens;
  const int64_t kv = a.context + Tq;
  const int64_t u_begin = int64_t(split) * a.split_keys, u_end = min(kv, u_begin + a.split_keys);
  const int tiles = static_cast<int>((u_end - u_begin + kTileKeys - 1) / kTileKeys);
  const T* q = static_cast<const T*>(a.q) + bh * Tq * D;
  const T* k = static_cast<const T*>(a.k) + bh * kv * D;
  const T* v = static_cast<const T*>(a.v) + bh * kv * D;

  // Tile i's rows into stage s; rows past the split are zero-filled (no read).
  auto load_tile = [&](int i, int s) {
    T* ks = reinterpret_cast<T*>(stages + s * SM::kStageBytes);
    T* vs = reinterpret_cast<T*>(stages + s * SM::kStageBytes + SM::kKBytes);
    const int64_t u0 = u_begin + int64_t(i) * kTileKeys;
#pragma unroll
    for (int x = 0; x < kPiecesPerThread; ++x) {
      const int piece = threadIdx.x + x * kThreads, j = piece / kPiecesPerRow;
      const int c = (piece % kPiecesPerRow) * (16 / static_cast<int>(sizeof(T)));
      const bool in = u0 + j < u_end;
      dev::cp_async_16(ks + j * SM::kKRow + c, in ? k + (u0 + j) * D + c : k, in ? 16 : 0);
      dev::cp_async_16(vs + j * D + c, in ? v + (u0 + j) * D + c : v, in ? 16 : 0);
    }
  };
#pragma unroll
  for (int s = 0; s < SM::kStages - 1; ++s) {
    if (s < tiles) load_tile(s, s);
    dev::cp_async_commit();
  }

  const float q_mul = a.scale * dev::kLog2e;
  for (int i = threadIdx.x; i < Tq * D; i += kThreads) qs[i] = E::to_float(q[i]) * q_mul;

  // Every warp serves every query row, over its own quarter of each tile's keys: at T = 1 all four
  // warps work. Lane l scores key (l mod 8) of the warp's keys over quarter l / 8 of the columns, walking
  // the quarter's words from word `quarter` on (wrapping): the rows' pad puts key j's word w in bank
  // (4 j + w) mod 32, so the 8 keys take banks 4 apart and the quarters the residues 0..3 between them.
  float m[kFlashDecodeMaxTokens], l[kFlashDecodeMaxTokens], acc[kFlashDecodeMaxTokens][kCols];
#pragma unroll
  for (int t = 0; t < kFlashDecodeMaxTokens; ++t) {
    m[t] = -INFINITY, l[t] = 0.f;
#pragma unroll
    for (int c = 0; c < kCols; ++c) acc[t][c] = 0.f;
  }
  const int my_key = warp * kKeysPerWarp + (lane % kKeysPerWarp);
  const int quarter = lane / kKeysPerWarp;

  for (int i = 0; i < tiles; ++i) {
    dev::cp_async_wait<SM::kStages - 2>();  // this thread's copies of tile i have landed
    __syncthreads();                    // everyone's have; and tile i - 1's stage is free again
    if (i + SM::kStages - 1 < tiles) load_tile(i + SM::kStages - 1, (i + SM::kStages - 1) % SM::kStages);
    dev::cp_async_commit();
    const unsigned char* st = stages + (i % SM::kStages) * SM::kStageBytes;
    const uint32_t* kw = reinterpret_cast<const uint32_t*>(st) + my_key * (SM::kKRow / 2);
    const T* vs = reinterpret_cast<const T*>(st + SM::kKBytes);
    const int64_t u0 = u_begin + int64_t(i) * kTileKeys;
#pragma unroll
    for (int t = 0; t < kFlashDecodeMaxTokens; ++t) {
      if (t >= Tq) break;
      const float2* qt = reinterpret_cast<const float2*>(qs + t * D);
      float dot = 0.f;
#pragma unroll
      for (int cc = 0; cc < kQuarterWords; ++cc) {
        const int w = quarter * kQuarterWords + (cc + quarter) % kQuarterWords;
        const float2 kk = E::unpack(kw[w]), qq = qt[w];
        dot = fmaf(qq.x, kk.x, fmaf(qq.y, kk.y, dot));
      }
      dot += __shfl_xor_sync(0xffffffffu, dot, 8);
      dot += __shfl_xor_sync(0xffffffffu, dot, 16);
      // query t is at position context + t and sees the keys up to it
      const float s = (u0 + my_key < u_end && u0 + my_key <= a.context + t) ? dot : -INFINITY;
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
        const T* vrow = vs + (warp * kKeysPerWarp + j) * D;
#pragma unroll
        for (int c = 0; c < kCols; ++c) acc[t][c] = fmaf(pj, E::to_float(vrow[lane + 32 * c]), acc[t][c]);
      }
    }
  }
  dev::cp_async_wait<0>();  // no copy may land in the partials below

  // The four warps' partials of each row meet in shared memory (over the stages, free now); warp w
  // combines rows w, w + 4, ... and writes the block's partial.
  constexpr int kPartFloats = SM::kPartFloats;
  float* part = reinterpret_cast<float*>(stages);
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

// Blocks of the split kernel an SM holds: its shared memory decides (3 at d = 128, 2 at 256). Asked once
// per kernel: a decode step plans on the host inside the timed step.
template <class T, int D>
int split_blocks_per_sm() {
  static const int per_sm = [] {
    const void* func = reinterpret_cast<const void*>(&flash_decode_split_kernel<T, D>);
    dev::allow_dynamic_smem(func, DecodeSmem<T, D>::kBytes);
    int n = 0;
    CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, func, kThreads, DecodeSmem<T, D>::kBytes));
    return n > 0 ? n : 1;
  }();
  return per_sm;
}

template <class T, int D>
void launch(const FlashDecodeArgs& a, float* scratch, cudaStream_t stream) {
  const int64_t rows = a.bh * a.tokens;
  float* o_part = scratch;
  float2* ml_part = reinterpret_cast<float2*>(o_part + a.splits * rows * D);
  const int smem = DecodeSmem<T, D>::kBytes;
  const void* split_func = reinterpret_cast<const void*>(&flash_decode_split_kernel<T, D>);
  dev::allow_dynamic_smem(split_func, smem);
  flash_decode_split_kernel<T, D><<<dim3(static_cast<unsigned>(a.splits), static_cast<unsigned>(a.bh)), kThreads,
                                    static_cast<size_t>(smem), stream>>>(a, o_part, ml_part);
  CUDA_CHECK_LAUNCH();
  flash_decode_combine_kernel<T, D><<<static_cast<unsigned>(rows), D, 0, stream>>>(a, o_part, ml_part);
  CUDA_CHECK_LAUNCH();
}

// The instance for (dtype, dim), both checked by flash_decode_plan: f(T*{}, integral_constant<int, D>).
template <class F>
auto with_instance(DType dtype, int dim, F&& f) {
  using B = __nv_bfloat16;
  using H = __half;
  const bool bf16 = dtype == DType::bf16;
  if (dim == 64) return bf16 ? f(static_cast<B*>(nullptr), std::integral_constant<int, 64>{})
                             : f(static_cast<H*>(nullptr), std::integral_constant<int, 64>{});
  if (dim == 128) return bf16 ? f(static_cast<B*>(nullptr), std::integral_constant<int, 128>{})
                              : f(static_cast<H*>(nullptr), std::integral_constant<int, 128>{});
  return bf16 ? f(static_cast<B*>(nullptr), std::integral_constant<int, 256>{})
              : f(static_cast<H*>(nullptr), std::integral_constant<int, 256>{});
}

}  // namespace

size_t flash_decode_plan(FlashDecodeArgs& a, int multiprocessors) {
  if (a.tokens < 1 || a.tokens > kFlashDecodeMaxTokens)
    throw std::invalid_argument("flash decode: " + std::to_string(a.tokens) + " tokens a step, outside 1.." +
                                std::to_string(kFlashDecodeMaxTokens));
  if (a.dim != 64 && a.dim != 128 && a.dim != 256)
    throw std::invalid_argument("flash decode: head dim " + std::to_string(a.dim));
  if (a.bh < 1 || a.bh > 65535) throw std::invalid_argument("flash decode: batch x heads outside 1..65535");
  if (a.dtype != DType::bf16 && a.dtype != DType::f16) throw std::invalid_argument("flash decode: bf16 or f16 only");
  const int64_t kv = a.context + a.tokens;
  const int64_t tiles = (kv + kTileKeys - 1) / kTileKeys;
  // One wave: as many blocks as the SMs hold, over all (batch, head) pairs (rounded down, so no block
  // waits for a second wave), a tile of keys at least each.
  const int per_sm = with_instance(a.dtype, a.dim, [](auto* t, auto d) {
    return split_blocks_per_sm<std::remove_pointer_t<decltype(t)>, decltype(d)::value>();
  });
  const int64_t slots = int64_t(per_sm) * multiprocessors;
  const int64_t want = std::max<int64_t>(1, slots / a.bh);
  const int64_t splits = std::min(want, tiles);
  const int64_t tiles_per_split = (tiles + splits - 1) / splits;
  a.split_keys = tiles_per_split * kTileKeys;
  a.splits = static_cast<int>((tiles + tiles_per_split - 1) / tiles_per_split);
  const int64_t rows = a.bh * a.tokens;
  return static_cast<size_t>(a.splits * rows) * (sizeof(float) * a.dim + sizeof(float) * 2);
}

void flash_decode(const FlashDecodeArgs& a, float* scratch, void* stream) {
  auto s = static_cast<cudaStream_t>(stream);
  with_instance(a.dtype, a.dim, [&](auto* t, auto d) {
    launch<std::remove_pointer_t<decltype(t)>, decltype(d)::value>(a, scratch, s);
  });
}

}  // namespace lasuite
