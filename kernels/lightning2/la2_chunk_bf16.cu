// Chunk kernel instantiations for bf16 inputs (see la2_chunk_instances.cuh).
#include "kernels/lightning2/la2_chunk_instances.cuh"

namespace lasuite::la2 {
ChunkKernel chunk_kernel_bf16(int dk, int dv, bool windowed) { return chunk_kernel_for<__nv_bfloat16>(dk, dv, windowed); }
}  // namespace lasuite::la2
