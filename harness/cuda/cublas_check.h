// cuBLAS calls go through CUBLAS_CHECK, as CUDA runtime calls go through CUDA_CHECK (cuda_check.h): a
// failure becomes a std::runtime_error naming the call site, the call and cuBLAS's own message.
#pragma once
#include <cublas_v2.h>

#include <stdexcept>
#include <string>

#define CUBLAS_CHECK(call)                                                                          \
  do {                                                                                              \
    cublasStatus_t lasuite_cublas_st_ = (call);                                                     \
    if (lasuite_cublas_st_ != CUBLAS_STATUS_SUCCESS)                                                \
      throw std::runtime_error(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " #call \
                               " failed: " + cublasGetStatusString(lasuite_cublas_st_));            \
  } while (0)
