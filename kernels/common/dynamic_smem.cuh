// Kernels that use more than 48 KiB of dynamic shared memory must say so before their first launch.
#pragma once
#include <cuda_runtime.h>

#include <map>
#include <mutex>

#include "harness/cuda/cuda_check.h"

namespace lasuite::dev {

// Raises `kernel`'s dynamic shared-memory limit to `bytes`, once per kernel. Keyed by the kernel's
// address: every kernel of one signature has the same type, so a per-type static would set only the first.
inline void allow_dynamic_smem(const void* kernel, int bytes) {
  static std::mutex mutex;
  static std::map<const void*, int> raised;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = raised.find(kernel);
  if (it != raised.end() && it->second >= bytes) return;
  CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  raised[kernel] = bytes;
}

template <class... Args>
void allow_dynamic_smem(void (*kernel)(Args...), int bytes) {
  allow_dynamic_smem(reinterpret_cast<const void*>(kernel), bytes);
}

}  // namespace lasuite::dev
