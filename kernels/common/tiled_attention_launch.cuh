// Launch configuration of the tiled attention kernels, one template per pass, so each user (LA-1,
// the flash softmax baseline) instantiates only the variants it dispatches to.
#pragma once
#include <cuda_runtime.h>

#include "harness/cuda/cuda_check.h"
#include "kernels/common/dynamic_smem.cuh"
#include "kernels/common/tiled_attention_bwd.cuh"
#include "kernels/common/tiled_attention_fwd.cuh"

namespace lasuite::dev {

template <class T, int D, int E, ScoreMode kMode>
void launch_tiled_forward(const TiledAttentionArgs& a, cudaStream_t stream) {
  using Shape = TiledFwdShape<T, D, E>;
  auto kernel = tiled_attention_fwd_kernel<T, D, E, kMode>;
  allow_dynamic_smem(kernel, Shape::kSmemBytes);
  const dim3 grid(a.batch_heads, static_cast<unsigned>((a.n + Shape::kBr - 1) / Shape::kBr));
  kernel<<<grid, Shape::kThreads, Shape::kSmemBytes, stream>>>(a);
  CUDA_CHECK_LAUNCH();
}

// dq_accum must hold batch_heads * n * D floats; it is zeroed here. Softmax also needs o, lse and dsum.
template <class T, int D, int E, ScoreMode kMode>
void launch_tiled_backward(const TiledAttentionArgs& a, cudaStream_t stream) {
  using Shape = TiledBwdShape<T, D, E>;
  const int64_t dq_count = static_cast<int64_t>(a.batch_heads) * a.n * D;
  CUDA_CHECK(cudaMemsetAsync(a.dq_accum, 0, static_cast<size_t>(dq_count) * sizeof(float), stream));
  if constexpr (kMode == ScoreMode::softmax) {
    const int64_t rows = static_cast<int64_t>(a.batch_heads) * a.n_pad;
    tiled_attention_dsum_kernel<T, E><<<static_cast<unsigned>((rows + 7) / 8), 256, 0, stream>>>(a);
    CUDA_CHECK_LAUNCH();
  }
  const dim3 grid(a.batch_heads, static_cast<unsigned>((a.n + Shape::kBc - 1) / Shape::kBc));
  auto run = [&](auto kernel) {
    allow_dynamic_smem(kernel, Shape::kSmemBytes);
    kernel<<<grid, Shape::kThreads, Shape::kSmemBytes, stream>>>(a);
    CUDA_CHECK_LAUNCH();
  };
  if constexpr (Shape::kTwoPasses) {
    run(tiled_attention_bwd_kernel<T, D, E, kMode, BwdPart::dv>);
    run(tiled_attention_bwd_kernel<T, D, E, kMode, BwdPart::dk_dq>);
  } else {
    run(tiled_attention_bwd_kernel<T, D, E, kMode, BwdPart::all>);
  }
  const int64_t count4 = dq_count / 4;
  tiled_attention_dq_convert_kernel<T><<<static_cast<unsigned>((count4 + 255) / 256), 256, 0, stream>>>(
      a.dq_accum, static_cast<T*>(a.dq), count4, a.scale);
  CUDA_CHECK_LAUNCH();
}

}  // namespace lasuite::dev
