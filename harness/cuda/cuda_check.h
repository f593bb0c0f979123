// Every CUDA runtime and cuBLAS call, and every kernel launch, goes through these: a failure becomes a
// std::runtime_error naming the call site and the runtime's own message, never a silent wrong result.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace lasuite {

// A refused call leaves its error as the thread's last error, where the next launch check anywhere
// (cudaGetLastError) would report it as its own: cleared here, with the error in the exception.
[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* what, const char* file, int line) {
  (void)cudaGetLastError();
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + " failed: " +
                           cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

}  // namespace lasuite

#define CUDA_CHECK(call)                                                             \
  do {                                                                               \
    cudaError_t lasuite_cuda_err_ = (call);                                          \
    if (lasuite_cuda_err_ != cudaSuccess)                                            \
      ::lasuite::throw_cuda_error(lasuite_cuda_err_, #call, __FILE__, __LINE__);     \
  } while (0)

// After a <<<...>>> launch: configuration errors show up at once, faults inside the kernel at the next
// synchronising call (which is checked too).
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
