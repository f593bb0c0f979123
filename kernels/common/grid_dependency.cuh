// Programmatic dependent launch (Hopper, sm_90+): a kernel launched with the programmatic stream
// serialization attribute may start before the kernel ahead of it in the stream has finished; it must
// call grid_dependency_wait() before it reads anything that kernel wrote or writes anything that kernel
// reads. The kernel ahead lets it start early with allow_dependent_launch(). Both are no-ops on older
// GPUs and for kernels launched without the attribute, so the same code serves every launch.
#pragma once

namespace lasuite::dev {

__device__ __forceinline__ void grid_dependency_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void allow_dependent_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

}  // namespace lasuite::dev
