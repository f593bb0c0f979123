// Launchers of the Lightning Attention-1 CUDA kernels (device code in la1_*.cu), called by la1_cuda.cpp
// after it has checked the problem: shapes, types and alignment are the caller's promise here.
#pragma once
#include <cuda_runtime.h>

#include "harness/dtype.h"
#include "kernels/common/tiled_attention_params.h"

namespace lasuite {

// bf16 / fp16 on tensor cores: d, e in {64, 128}.
void la1_forward_tensor_core(DType dtype, int d, int e, const TiledAttentionArgs& args, cudaStream_t stream);
// args.dq_accum: batch_heads * n * d floats of scratch.
void la1_backward_tensor_core(DType dtype, int d, int e, const TiledAttentionArgs& args, cudaStream_t stream);

// fp32 with fp32 FMAs (tensor cores' tf32 would miss the 1e-4 bar): d, e in {64, 128}.
void la1_forward_fp32(int d, int e, const TiledAttentionArgs& args, cudaStream_t stream);
void la1_backward_fp32(int d, int e, const TiledAttentionArgs& args, cudaStream_t stream);

}  // namespace lasuite
