// The decode step (la2_decode.h). The step moves the state (fp32, d x e per head, read and written) and
// little else, so the kernel is a stream over the state: each thread keeps its elements in registers
// for all T tokens, and the state is read and written once. A block holds one (batch, head) and a tile
// of TILE value columns (all d rows); the products q_t S_t are sums over d, reduced across the block's
// rows through shuffles and shared memory. Wide tiles (64 columns, 256-byte row pieces, 8 rows a thread
// at d = 128) where there are enough of them to fill the device, since per element they issue fewer
// instructions and keep more loads in flight; narrow ones (16) at small batch, where blocks are few.
// Wide tiles are launched to start early (programmatic dependent launch) where the plan allows: a step's
// blocks become resident while the step ahead finishes, and wait for it before they read anything.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "harness/cuda/cuda_check.h"
#include "harness/cuda/cuda_device.h"
#include "kernels/common/dynamic_smem.cuh"
#include "kernels/common/element.cuh"
#include "kernels/common/element_dispatch.cuh"
#include "kernels/common/grid_dependency.cuh"
#include "kernels/common/kernel_launch.cuh"
#include "kernels/lightning2/la2_decode.h"

namespace lasuite::la2 {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kNarrowTile = 16, kWideTile = 64;

// VEC columns per thread: 4 (float4 state accesses) when every state row starts 16-byte aligned, else 1.
template <int TILE, int VEC, int DMAX>
struct DecodeLayout {
  static_assert(TILE % VEC == 0 && TILE / VEC <= 32, "a row piece within one warp");
  static constexpr int kColLanes = TILE / VEC;       // lanes side by side along a row
  static constexpr int kRowLanes = 32 / kColLanes;   // rows a warp covers at once
  static constexpr int kRowGroups = kWarps * kRowLanes;
  static constexpr int kRowsPerThread = DMAX / kRowGroups;  // rows r, r + kRowGroups, ... below d <= DMAX
};

template <int VEC>
__device__ __forceinline__ void load_cols(const float* p, float (&x)[VEC]) {
  if constexpr (VEC == 4) {
    const float4 f = *reinterpret_cast<const float4*>(p);
    x[0] = f.x, x[1] = f.y, x[2] = f.z, x[3] = f.w;
  } else {
    x[0] = *p;
  }
}

template <int VEC>
__device__ __forceinline__ void store_cols(float* p, const float (&x)[VEC]) {
  if constexpr (VEC == 4) {
    *reinterpret_cast<float4*>(p) = make_float4(x[0], x[1], x[2], x[3]);
  } else {
    *p = x[0];
  }
}

// Shared memory, floats: q and k of the T tokens (q already scaled), v of the tile's columns, and one
// partial output row per token and warp.
constexpr int decode_smem_floats(int tokens, int dk, int tile) {
  return 2 * tokens * dk + tokens * tile + tokens * kWarps * tile;
}

template <class T, int TILE, int VEC, int DMAX>
__global__ void __launch_bounds__(kThreads) la2_decode_kernel(const DecodeArgs a) {
  using L = DecodeLayout<TILE, VEC, DMAX>;
  using E = dev::Element<T>;
  constexpr int kTileCols = TILE;
  extern __shared__ float smem[];
  // Everything read here may come from the kernel ahead (the previous step's state, this step's tokens).
  dev::allow_dependent_launch();
  dev::grid_dependency_wait();
  const int tiles = (a.dv + kTileCols - 1) / kTileCols;
  const int64_t bh = blockIdx.x / tiles;
  const int col0 = (blockIdx.x % tiles) * kTileCols;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row0 = warp * L::kRowLanes + lane / L::kColLanes;
  const int ccol = (lane % L::kColLanes) * VEC;  // within the tile
  const int col = col0 + ccol;
  const int dk = a.dk, dv = a.dv, T_ = a.tokens;
  const bool col_in = col < dv;  // VEC == 4 only when dv % 4 == 0: a group is all in or all out

  // The state first: its loads are the step's latency; the token loads below overlap them.
  float s[L::kRowsPerThread][VEC];
  const int64_t state_base = bh * dk * dv;
#pragma unroll
  for (int i = 0; i < L::kRowsPerThread; ++i) {
    const int r = row0 + i * L::kRowGroups;
#pragma unroll
    for (int j = 0; j < VEC; ++j) s[i][j] = 0.f;
    if (a.state_in && r < dk && col_in) load_cols<VEC>(a.state_in + state_base + int64_t(r) * dv + col, s[i]);
  }

  float* qs = smem;
  float* ks = qs + T_ * dk;
  float* vs = ks + T_ * dk;
  float* partial = vs + T_ * kTileCols;
  const int64_t rows = a.head_rows ? a.head_rows : T_;
  const T* q = static_cast<const T*>(a.q) + bh * rows * dk;
  const T* k = static_cast<const T*>(a.k) + bh * rows * dk;
  const T* v = static_cast<const T*>(a.v) + bh * rows * dv;
  for (int i = threadIdx.x; i < T_ * dk; i += kThreads) {
    qs[i] = E::to_float(q[i]) * a.scale;
    ks[i] = E::to_float(k[i]);
  }
  for (int i = threadIdx.x; i < T_ * kTileCols; i += kThreads) {
    const int t = i / kTileCols, c = col0 + i % kTileCols;
    vs[i] = c < dv ? E::to_float(v[int64_t(t) * dv + c]) : 0.f;
  }
  const float lambda = a.slopes ? expf(-a.slopes[bh % a.heads]) : 1.f;
  __syncthreads();

  // The recurrence itself multiplies by lambda once a token (math.md's rule of powers from exp(-s k)
  // is for the block forms' lambda^k); over T <= 16 tokens that is a few ulp.
  for (int t = 0; t < T_; ++t) {
    const float* qt = qs + t * dk;
    const float* kt = ks + t * dk;
    float vt[VEC], out[VEC];
#pragma unroll
    for (int j = 0; j < VEC; ++j) vt[j] = vs[t * kTileCols + ccol + j], out[j] = 0.f;
#pragma unroll
    for (int i = 0; i < L::kRowsPerThread; ++i) {
      const int r = row0 + i * L::kRowGroups;
      if (r < dk) {
        const float kr = kt[r], qr = qt[r];
#pragma unroll
        for (int j = 0; j < VEC; ++j) {
          s[i][j] = fmaf(lambda, s[i][j], kr * vt[j]);
          out[j] = fmaf(qr, s[i][j], out[j]);
        }
      }
    }
    // Sum over the warp's rows (lanes kColLanes apart hold the same columns), then one row per warp.
#pragma unroll
    for (int j = 0; j < VEC; ++j)
      for (int off = L::kColLanes; off < 32; off <<= 1) out[j] += __shfl_xor_sync(0xffffffffu, out[j], off);
    if (lane < L::kColLanes)
#pragma unroll
      for (int j = 0; j < VEC; ++j) partial[(t * kWarps + warp) * kTileCols + ccol + j] = out[j];
  }
  __syncthreads();

  for (int i = threadIdx.x; i < T_ * kTileCols; i += kThreads) {
    const int t = i / kTileCols, c = i % kTileCols;
    if (col0 + c >= dv) continue;
    float sum = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) sum += partial[(t * kWarps + w) * kTileCols + c];
    static_cast<T*>(a.o)[(bh * rows + t) * dv + col0 + c] = E::from_float(sum);
  }

  if (a.state_out) {
#pragma unroll
    for (int i = 0; i < L::kRowsPerThread; ++i) {
      const int r = row0 + i * L::kRowGroups;
      if (r < dk && col_in) store_cols<VEC>(a.state_out + state_base + int64_t(r) * dv + col, s[i]);
    }
  }
}

template <class T, int TILE, int VEC, int DMAX = kDecodeMaxDim>
void launch_tile(const DecodeArgs& a, bool early_start, cudaStream_t stream) {
  const int tiles = (a.dv + TILE - 1) / TILE;
  const int64_t blocks = a.bh * tiles;
  if (blocks > 0x7fffffff) throw std::invalid_argument("la2 decode: batch x heads x value tiles above 2^31 - 1");
  const int smem = static_cast<int>(sizeof(float)) * decode_smem_floats(a.tokens, a.dk, TILE);
  const void* func = reinterpret_cast<const void*>(&la2_decode_kernel<T, TILE, VEC, DMAX>);
  dev::allow_dynamic_smem(func, smem);
  DecodeArgs copy = a;
  void* params[] = {&copy};
  dev::launch_kernel(func, dim3(static_cast<unsigned>(blocks)), dim3(kThreads), static_cast<size_t>(smem), params,
                     early_start, /*cooperative=*/false, stream);
}

template <class T>
void launch(const DecodeArgs& a, bool early_start, cudaStream_t stream) {
  // float4 state accesses need every row 16-byte aligned: dv a multiple of 4 and aligned bases.
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  const bool vec4 = a.dv % 4 == 0 && aligned(a.state_in) && aligned(a.state_out);
  // Wide tiles once they give every multiprocessor two blocks.
  const int64_t wide_blocks = a.bh * ((a.dv + kWideTile - 1) / kWideTile);
  const bool wide = vec4 && wide_blocks >= 2 * static_cast<int64_t>(cuda_device_properties().multiProcessorCount);
  // A wide tile holds d / 16 rows a thread: registers for d <= 128 apart, so that they leave room for
  // four blocks a multiprocessor instead of two.
  // Narrow tiles (small batch) start after the step ahead: early start measured slower there on the
  // H200 (batch 1: 3.33 against 3.16 us a step in a graph of 10, 3.25 against 2.83 in one of 100), and
  // faster with wide tiles (batch 8: 8.04 against 8.34, 7.50 against 7.79).
  if (wide && a.dk <= 128) launch_tile<T, kWideTile, 4, 128>(a, early_start, stream);
  else if (wide) launch_tile<T, kWideTile, 4>(a, early_start, stream);
  else if (vec4) launch_tile<T, kNarrowTile, 4>(a, false, stream);
  else launch_tile<T, kNarrowTile, 1>(a, false, stream);
}

}  // namespace

void run_decode(const DecodeArgs& a, bool early_start, void* stream) {
  if (a.tokens < 1 || a.tokens > kDecodeMaxTokens)
    throw std::invalid_argument("la2 decode: " + std::to_string(a.tokens) + " tokens, outside 1.." +
                                std::to_string(kDecodeMaxTokens));
  if (a.dk < 1 || a.dk > kDecodeMaxDim || a.dv < 1 || a.dv > kDecodeMaxDim)
    throw std::invalid_argument("la2 decode: head dims " + std::to_string(a.dk) + " x " + std::to_string(a.dv) +
                                " outside 1.." + std::to_string(kDecodeMaxDim));
  if (a.bh == 0) return;
  auto s = static_cast<cudaStream_t>(stream);
  dev::with_element_type(a.dtype, "la2 decode", [&](auto zero) { launch<decltype(zero)>(a, early_start, s); });
}

}  // namespace lasuite::la2
