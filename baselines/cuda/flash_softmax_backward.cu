// Flash softmax backward: FlashAttention-2's recomputation of P from the log-sum-exp, D = rowsum(dO ⊙ O).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <stdexcept>
#include <string>

#include "baselines/cuda/flash_softmax_launch.h"
#include "kernels/common/tiled_attention_launch.cuh"

namespace lasuite {

namespace {
template <class T>
void backward_dim(int d, const TiledAttentionArgs& a, cudaStream_t s) {
  constexpr ScoreMode M = ScoreMode::softmax;
  if (d == 64) return dev::launch_tiled_backward<T, 64, 64, M>(a, s);
  if (d == 128) return dev::launch_tiled_backward<T, 128, 128, M>(a, s);
  if (d == 256) return dev::launch_tiled_backward<T, 256, 256, M>(a, s);
  throw std::logic_error("flash_softmax backward: no kernel for d=" + std::to_string(d));
}
}  // namespace

void flash_softmax_backward(DType dtype, int d, const TiledAttentionArgs& a, cudaStream_t s) {
  if (dtype == DType::bf16) return backward_dim<__nv_bfloat16>(d, a, s);
  if (dtype == DType::f16) return backward_dim<__half>(d, a, s);
  throw std::logic_error("flash_softmax backward: bf16 / fp16 only");
}

}  // namespace lasuite
