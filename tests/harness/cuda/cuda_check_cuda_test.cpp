// CUDA_CHECK: a refused call becomes an exception naming the call, and its error is not left behind for
// the next launch check to report as its own (else a refused launch in one verify case would fail the next).
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "harness/cuda/cuda_check.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

TEST(CudaCheck, ARefusedCallThrowsAndLeavesNoErrorBehind) {
  LASUITE_REQUIRE_GPU(gpu);
  void* p = nullptr;
  try {
    CUDA_CHECK(cudaMalloc(&p, size_t(1) << 62));  // refused: far more than any device holds
    cudaFree(p);
    FAIL() << "a 4 EiB allocation was granted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cudaMalloc"), std::string::npos) << e.what();
  }
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

}  // namespace
}  // namespace lasuite
