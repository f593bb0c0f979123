// Host side of launching a kernel with the attributes the kernels here use: programmatic dependent
// launch (grid_dependency.cuh: the kernel may start before the one ahead in the stream ends, and waits
// in the kernel for what that one writes) and cooperative launch (every block resident at once, or the
// launch fails).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

#include "harness/cuda/cuda_check.h"

namespace lasuite::dev {

inline void launch_kernel(const void* func, dim3 grid, dim3 block, size_t smem, void** params, bool early_start,
                          bool cooperative, cudaStream_t stream) {
  cudaLaunchConfig_t config{};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem;
  config.stream = stream;
  cudaLaunchAttribute attr[2];
  unsigned n = 0;
  if (early_start) {
    attr[n].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[n].val.programmaticStreamSerializationAllowed = 1;
    ++n;
  }
  if (cooperative) {
    attr[n].id = cudaLaunchAttributeCooperative;
    attr[n].val.cooperative = 1;
    ++n;
  }
  config.attrs = n ? attr : nullptr;
  config.numAttrs = n;
  CUDA_CHECK(cudaLaunchKernelExC(&config, func, params));
  CUDA_CHECK_LAUNCH();
}

}  // namespace lasuite::dev
