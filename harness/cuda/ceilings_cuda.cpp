// The two ceilings every bench row is compared with: device memory copy rate and dense bf16 GEMM rate.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/cuda/cublas_check.h"
#include "harness/cuda/cuda_check.h"
#include "harness/cuda/cuda_device.h"
#include "harness/memory.h"

namespace lasuite {
namespace {

// Device memory owned for the length of one measurement.
struct DeviceBlock {
  void* p = nullptr;
  explicit DeviceBlock(size_t bytes) { CUDA_CHECK(cudaMalloc(&p, bytes)); }
  ~DeviceBlock() { cudaFree(p); }
  DeviceBlock(const DeviceBlock&) = delete;
  DeviceBlock& operator=(const DeviceBlock&) = delete;
};

struct EventPair {
  cudaEvent_t a = nullptr, b = nullptr;
  EventPair() {
    CUDA_CHECK(cudaEventCreate(&a));
    CUDA_CHECK(cudaEventCreate(&b));
  }
  ~EventPair() {
    cudaEventDestroy(a);
    cudaEventDestroy(b);
  }
  float ms() {
    CUDA_CHECK(cudaEventSynchronize(b));
    float t = 0;
    CUDA_CHECK(cudaEventElapsedTime(&t, a, b));
    return t;
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

double cuda_measure_copy_rate(size_t bytes, int repeats, cudaStream_t stream, std::string* method) {
  DeviceBlock src(bytes), dst(bytes);
  cuda_fill_random_bf16(src.p, bytes / 2, 7, stream);
  EventPair ev;
  std::vector<double> ms;
  for (int i = -2; i < repeats; ++i) {  // two warm-ups
    CUDA_CHECK(cudaEventRecord(ev.a, stream));
    CUDA_CHECK(cudaMemcpyAsync(dst.p, src.p, bytes, cudaMemcpyDeviceToDevice, stream));
    CUDA_CHECK(cudaEventRecord(ev.b, stream));
    double t = ev.ms();
    if (i >= 0) ms.push_back(t);
  }
  if (method)
    *method = "cudaMemcpyAsync device-to-device of " + format_bytes(bytes) + ", bytes read + written, median of " +
              std::to_string(repeats) + " (cuda events, 2 warm-ups)";
  return 2.0 * static_cast<double>(bytes) / (median(ms) * 1e-3);
}

double cuda_measure_gemm_rate(int n, int repeats, cudaStream_t stream, std::string* method) {
  size_t elems = static_cast<size_t>(n) * static_cast<size_t>(n);
  DeviceBlock a(elems * 2), b(elems * 2), c(elems * 2);
  cuda_fill_random_bf16(a.p, elems, 11, stream);
  cuda_fill_random_bf16(b.p, elems, 13, stream);
  cublasHandle_t handle = nullptr;
  CUBLAS_CHECK(cublasCreate(&handle));
  struct HandleGuard {
    cublasHandle_t h;
    ~HandleGuard() { cublasDestroy(h); }
  } guard{handle};
  CUBLAS_CHECK(cublasSetStream(handle, stream));
  const float alpha = 1.0f, beta = 0.0f;
  EventPair ev;
  std::vector<double> ms;
  for (int i = -2; i < repeats; ++i) {
    CUDA_CHECK(cudaEventRecord(ev.a, stream));
    CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, a.p, CUDA_R_16BF, n, b.p,
                              CUDA_R_16BF, n, &beta, c.p, CUDA_R_16BF, n, CUBLAS_COMPUTE_32F,
                              CUBLAS_GEMM_DEFAULT));
    CUDA_CHECK(cudaEventRecord(ev.b, stream));
    double t = ev.ms();
    if (i >= 0) ms.push_back(t);
  }
  if (method)
    *method = "cublasGemmEx bf16 " + std::to_string(n) + "^3, fp32 accumulate, random inputs in [-1,1), median of " +
              std::to_string(repeats) + " (cuda events, 2 warm-ups)";
  return 2.0 * static_cast<double>(n) * n * n / (median(ms) * 1e-3);
}

}  // namespace lasuite
