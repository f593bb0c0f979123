// Chunk kernel instantiations for f16 inputs (see la2_chunk_instances.cuh).
#include "kernels/lightning2/la2_chunk_instances.cuh"

namespace lasuite::la2 {
ChunkKernel chunk_kernel_f16(int dk, int dv, bool windowed) { return chunk_kernel_for<__half>(dk, dv, windowed); }
}  // namespace lasuite::la2
