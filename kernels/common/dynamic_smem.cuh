// Kernels that use more than 48 KiB of dynamic shared memory must say so once before their first launch.
#pragma once
#include <cuda_runtime.h>

#include "harness/cuda/cuda_check.h"

namespace lasuite::dev {

// Raises `kernel`'s dynamic shared-memory limit to `bytes`, once per kernel.
template <class Kernel>
void allow_dynamic_smem(Kernel kernel, int bytes) {
  static const bool done = [&] {
    CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
    return true;
  }();
  (void)done;
}

}  // namespace lasuite::dev
