// Lightning Attention-1 backward on tensor cores: dQ, dK, dV of the tiled left product with the decay mask.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <stdexcept>
#include <string>

#include "kernels/common/tiled_attention_launch.cuh"
#include "kernels/lightning1/la1_launch.h"

namespace lasuite {

namespace {
template <class T>
void backward_dims(int d, int e, const TiledAttentionArgs& a, cudaStream_t s) {
  constexpr ScoreMode M = ScoreMode::decay;
  if (d == 64 && e == 64) return dev::launch_tiled_backward<T, 64, 64, M>(a, s);
  if (d == 64 && e == 128) return dev::launch_tiled_backward<T, 64, 128, M>(a, s);
  if (d == 128 && e == 64) return dev::launch_tiled_backward<T, 128, 64, M>(a, s);
  if (d == 128 && e == 128) return dev::launch_tiled_backward<T, 128, 128, M>(a, s);
  throw std::logic_error("la1 backward: no kernel for d=" + std::to_string(d) + " e=" + std::to_string(e));
}
}  // namespace

void la1_backward_tensor_core(DType dtype, int d, int e, const TiledAttentionArgs& a, cudaStream_t s) {
  if (dtype == DType::bf16) return backward_dims<__nv_bfloat16>(d, e, a, s);
  if (dtype == DType::f16) return backward_dims<__half>(d, e, a, s);
  throw std::logic_error("la1 backward: tensor-core path is for bf16 / fp16");
}

}  // namespace lasuite
