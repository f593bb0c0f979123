// Launchers of the flash softmax baseline (device code in flash_softmax_*.cu: the shared tiled kernels
// of kernels/common in softmax mode), called by flash_softmax_cuda.cpp once it has checked the problem.
#pragma once
#include <cuda_runtime.h>

#include "harness/dtype.h"
#include "kernels/common/tiled_attention_params.h"

namespace lasuite {

// bf16 / fp16, d = e in {64, 128, 256}. Writes args.out and args.lse ([bh, n_pad] floats).
void flash_softmax_forward(DType dtype, int d, const TiledAttentionArgs& args, cudaStream_t stream);
// Reads o, lse; needs dsum ([bh, n_pad] floats) and dq_accum (bh * n * d floats) of scratch.
void flash_softmax_backward(DType dtype, int d, const TiledAttentionArgs& args, cudaStream_t stream);

}  // namespace lasuite
