// What the CPU implementations declare alike: every storage dtype (16-bit ones computed in float),
// any d and e. Each adds only its name, description, function and whether it carries a state.
#pragma once
#include <string>

#include "harness/implementation.h"

namespace lasuite::host {

inline ImplInfo cpu_impl_info(std::string name, std::string description, Function function, bool state) {
  ImplInfo in;
  in.name = std::move(name);
  in.description = std::move(description);
  in.device = DeviceKind::cpu;
  in.function = function;
  in.support.dtypes = {DType::f32, DType::f64, DType::bf16, DType::f16};
  in.support.decay = function == Function::linear_decay;
  in.support.state = state;
  return in;
}

}  // namespace lasuite::host
