// Lightning Attention-1 in fp32 with fp32 FMAs: the same tiled left product as the tensor-core path,
// on CUDA cores, because tf32 tensor cores (about 3e-4 relative) would miss the fp32 bar of 1e-4.
// Tiles of 64 rows against 32 columns live in shared memory (rows padded by one word so the column
// walks of a warp hit distinct banks); each of 256 threads owns one row and every fourth column.
//   forward: O = scale * sum_u ((Q K_u^T) ⊙ M) V_u                 (one CTA per 64 queries)
//   dQ:      dQ = scale * sum_u ((dO V_u^T) ⊙ M) K_u               (the forward kernel on dO, V, K)
//   dK, dV:  dK = scale * sum_t ((dO_t V^T) ⊙ M)^T Q_t,  dV = scale * sum_t ((Q_t K^T) ⊙ M)^T dO_t
//                                                                 (one CTA per 64 keys)
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "harness/cuda/cuda_check.h"
#include "kernels/common/constants.cuh"
#include "kernels/common/dynamic_smem.cuh"
#include "kernels/common/swizzled_tile.cuh"
#include "kernels/lightning1/la1_launch.h"

namespace lasuite {
namespace {

constexpr int kRows = 64, kCols = 32, kThreads = 256, kLdP = kCols + 1;

// out[i] = sum_k A[r][k] * B[c + 4 i][k] for r = tid / 4, c = tid % 4, i < 8 (a 64 x 32 product A B^T).
template <int K>
__device__ __forceinline__ void rows_dot_cols(const float* A, int lda, const float* B, int ldb, float (&out)[8],
                                              int tid) {
  const int r = tid >> 2, c = tid & 3;
#pragma unroll
  for (int i = 0; i < 8; ++i) out[i] = 0.f;
#pragma unroll 4
  for (int k = 0; k < K; ++k) {
    const float a = A[r * lda + k];
#pragma unroll
    for (int i = 0; i < 8; ++i) out[i] = fmaf(a, B[(c + 4 * i) * ldb + k], out[i]);
  }
}

// acc[i] += sum_u P[r][u] * B[u][c + 4 i] for u < 32 (a 64 x 32 by 32 x N product).
template <int N>
__device__ __forceinline__ void rows_times_tile(const float* P, const float* B, int ldb, float (&acc)[N / 4],
                                                int tid) {
  const int r = tid >> 2, c = tid & 3;
#pragma unroll 4
  for (int u = 0; u < kCols; ++u) {
    const float p = P[r * kLdP + u];
#pragma unroll
    for (int i = 0; i < N / 4; ++i) acc[i] = fmaf(p, B[u * ldb + c + 4 * i], acc[i]);
  }
}

// rows [row0, row0 + rows) of a [n, cols] matrix into shared memory with row stride ld; zeros past n.
__device__ __forceinline__ void load_rows(float* dst, int ld, const float* src, int64_t row0, int rows, int cols,
                                          int64_t n, int tid) {
  for (int i = tid; i < rows * cols; i += kThreads) {
    const int r = i / cols, c = i % cols;
    dst[r * ld + c] = row0 + r < n ? src[(row0 + r) * cols + c] : 0.f;
  }
}

// M[t][u] = 2^(-slope*log2e*(t-u)) for t >= u, else 0.
__device__ __forceinline__ float decay_mask(int64_t t, int64_t u, float decay_l2) {
  return t >= u ? dev::fast_exp2(-decay_l2 * static_cast<float>(t - u)) : 0.f;
}

template <int D, int E>
struct F32Smem {
  static constexpr int fwd = (kRows * (D + 1) + kCols * (D + 1) + kCols * E + kRows * kLdP) * 4;
  static constexpr int dkdv = (kRows * (D + 1) + kRows * (E + 1) + kCols * (D + 1) + kCols * (E + 1) + 2 * kRows * kLdP) * 4;
};

template <int D, int E>
__global__ void __launch_bounds__(kThreads) la1_fp32_forward_kernel(const TiledAttentionArgs a) {
  extern __shared__ float sm[];
  float* s_q = sm;                          // [64][D+1]
  float* s_k = s_q + kRows * (D + 1);       // [32][D+1]
  float* s_v = s_k + kCols * (D + 1);       // [32][E]
  float* s_p = s_v + kCols * E;             // [64][33]
  const int tid = threadIdx.x, r = tid >> 2, c = tid & 3;
  const int bh = blockIdx.x;
  const int64_t n = a.n, row0 = static_cast<int64_t>(gridDim.y - 1 - blockIdx.y) * kRows;
  const float* q = static_cast<const float*>(a.q) + bh * n * D;
  const float* k = static_cast<const float*>(a.k) + bh * n * D;
  const float* v = static_cast<const float*>(a.v) + bh * n * E;
  const float decay_l2 = a.slopes[bh % a.heads] * dev::kLog2e;

  load_rows(s_q, D + 1, q, row0, kRows, D, n, tid);
  float acc[E / 4];
#pragma unroll
  for (int i = 0; i < E / 4; ++i) acc[i] = 0.f;
  const int64_t tiles = min((n + kCols - 1) / kCols, (row0 + kRows - 1) / kCols + 1);
  for (int64_t j = 0; j < tiles; ++j) {
    const int64_t key0 = j * kCols;
    __syncthreads();  // the previous tile is consumed
    load_rows(s_k, D + 1, k, key0, kCols, D, n, tid);
    load_rows(s_v, E, v, key0, kCols, E, n, tid);
    __syncthreads();
    float s[8];
    rows_dot_cols<D>(s_q, D + 1, s_k, D + 1, s, tid);
#pragma unroll
    for (int i = 0; i < 8; ++i) s_p[r * kLdP + c + 4 * i] = s[i] * decay_mask(row0 + r, key0 + c + 4 * i, decay_l2);
    __syncthreads();
    rows_times_tile<E>(s_p, s_v, E, acc, tid);
  }
  const int64_t t = row0 + r;
  if (t < n) {
    float* o = static_cast<float*>(a.out) + (bh * n + t) * E;
#pragma unroll
    for (int i = 0; i < E / 4; ++i) o[c + 4 * i] = acc[i] * a.scale;
  }
}

template <int D, int E>
__global__ void __launch_bounds__(kThreads) la1_fp32_dkdv_kernel(const TiledAttentionArgs a) {
  extern __shared__ float sm[];
  float* s_k = sm;                          // [64][D+1]  this CTA's keys
  float* s_v = s_k + kRows * (D + 1);       // [64][E+1]
  float* s_q = s_v + kRows * (E + 1);       // [32][D+1]  a tile of queries
  float* s_do = s_q + kCols * (D + 1);      // [32][E+1]
  float* s_pt = s_do + kCols * (E + 1);     // [64][33]   P^T (unscaled)
  float* s_dst = s_pt + kRows * kLdP;       // [64][33]   dS^T
  const int tid = threadIdx.x, r = tid >> 2, c = tid & 3;
  const int bh = blockIdx.x;
  const int64_t n = a.n, key0 = static_cast<int64_t>(blockIdx.y) * kRows;  // low keys carry the most work
  const float* q = static_cast<const float*>(a.q) + bh * n * D;
  const float* k = static_cast<const float*>(a.k) + bh * n * D;
  const float* v = static_cast<const float*>(a.v) + bh * n * E;
  const float* dout = static_cast<const float*>(a.dout) + bh * n * E;
  const float decay_l2 = a.slopes[bh % a.heads] * dev::kLog2e;

  load_rows(s_k, D + 1, k, key0, kRows, D, n, tid);
  load_rows(s_v, E + 1, v, key0, kRows, E, n, tid);
  float acc_dk[D / 4], acc_dv[E / 4];
#pragma unroll
  for (int i = 0; i < D / 4; ++i) acc_dk[i] = 0.f;
#pragma unroll
  for (int i = 0; i < E / 4; ++i) acc_dv[i] = 0.f;
  const int64_t tiles = (n + kCols - 1) / kCols;
  for (int64_t j = key0 / kCols; j < tiles; ++j) {
    const int64_t qrow0 = j * kCols;
    __syncthreads();
    load_rows(s_q, D + 1, q, qrow0, kCols, D, n, tid);
    load_rows(s_do, E + 1, dout, qrow0, kCols, E, n, tid);
    __syncthreads();
    float st[8], dpt[8];
    rows_dot_cols<D>(s_k, D + 1, s_q, D + 1, st, tid);
    rows_dot_cols<E>(s_v, E + 1, s_do, E + 1, dpt, tid);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const float m = decay_mask(qrow0 + c + 4 * i, key0 + r, decay_l2);
      s_pt[r * kLdP + c + 4 * i] = st[i] * m;
      s_dst[r * kLdP + c + 4 * i] = dpt[i] * m;
    }
    __syncthreads();
    rows_times_tile<E>(s_pt, s_do, E + 1, acc_dv, tid);
    rows_times_tile<D>(s_dst, s_q, D + 1, acc_dk, tid);
  }
  const int64_t u = key0 + r;
  if (u < n) {
    float* dk = static_cast<float*>(a.dk) + (bh * n + u) * D;
    float* dv = static_cast<float*>(a.dv) + (bh * n + u) * E;
#pragma unroll
    for (int i = 0; i < D / 4; ++i) dk[c + 4 * i] = acc_dk[i] * a.scale;
#pragma unroll
    for (int i = 0; i < E / 4; ++i) dv[c + 4 * i] = acc_dv[i] * a.scale;
  }
}

template <class Kernel>
void launch(Kernel kernel, int smem, unsigned blocks_y, const TiledAttentionArgs& a, cudaStream_t s) {
  dev::allow_dynamic_smem(kernel, smem);
  kernel<<<dim3(a.batch_heads, blocks_y), kThreads, smem, s>>>(a);
  CUDA_CHECK_LAUNCH();
}

template <int D, int E>
void forward_dims(const TiledAttentionArgs& a, cudaStream_t s) {
  launch(la1_fp32_forward_kernel<D, E>, F32Smem<D, E>::fwd, static_cast<unsigned>((a.n + kRows - 1) / kRows), a, s);
}
template <int D, int E>
void backward_dims(const TiledAttentionArgs& a, cudaStream_t s) {
  // dQ is the forward's product with (dO, V, K) in place of (Q, K, V) and d, e swapped.
  TiledAttentionArgs dq = a;
  dq.q = a.dout, dq.k = a.v, dq.v = a.k, dq.out = a.dq;
  forward_dims<E, D>(dq, s);
  launch(la1_fp32_dkdv_kernel<D, E>, F32Smem<D, E>::dkdv, static_cast<unsigned>((a.n + kRows - 1) / kRows), a, s);
}

}  // namespace

void la1_forward_fp32(int d, int e, const TiledAttentionArgs& a, cudaStream_t s) {
  if (d == 64 && e == 64) return forward_dims<64, 64>(a, s);
  if (d == 64 && e == 128) return forward_dims<64, 128>(a, s);
  if (d == 128 && e == 64) return forward_dims<128, 64>(a, s);
  if (d == 128 && e == 128) return forward_dims<128, 128>(a, s);
  throw std::logic_error("la1 fp32 forward: no kernel for d=" + std::to_string(d) + " e=" + std::to_string(e));
}

void la1_backward_fp32(int d, int e, const TiledAttentionArgs& a, cudaStream_t s) {
  if (d == 64 && e == 64) return backward_dims<64, 64>(a, s);
  if (d == 64 && e == 128) return backward_dims<64, 128>(a, s);
  if (d == 128 && e == 64) return backward_dims<128, 64>(a, s);
  if (d == 128 && e == 128) return backward_dims<128, 128>(a, s);
  throw std::logic_error("la1 fp32 backward: no kernel for d=" + std::to_string(d) + " e=" + std::to_string(e));
}

}  // namespace lasuite
