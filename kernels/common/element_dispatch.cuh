// Host side of a launcher that has one kernel per element type: calls f(T{}) for the C++ type of
// bf16, f16 or f32, and refuses any other dtype naming `who`.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <stdexcept>
#include <string>

#include "harness/dtype.h"

namespace lasuite::dev {

template <class F>
void with_element_type(DType dtype, const char* who, F&& f) {
  switch (dtype) {
    case DType::bf16: f(__nv_bfloat16{}); break;
    case DType::f16: f(__half{}); break;
    case DType::f32: f(float{}); break;
    default: throw std::invalid_argument(std::string(who) + ": no kernel for " + dtype_name(dtype));
  }
}

}  // namespace lasuite::dev
