// A non-owning view of a contiguous row-major tensor on some device.
#pragma once
#include <array>
#include <cstdint>

#include "harness/dtype.h"

namespace lasuite {

enum class DeviceKind { cpu, cuda };
const char* device_name(DeviceKind k);

struct TensorView {
  void* data = nullptr;
  DType dtype = DType::f32;
  DeviceKind device = DeviceKind::cpu;
  std::array<int64_t, 4> dims{0, 0, 0, 0};  // [batch, heads, rows, cols]; unused leading dims are 1

  bool defined() const { return data != nullptr; }
  int64_t numel() const { return dims[0] * dims[1] * dims[2] * dims[3]; }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  template <class T>
  T* as() const { return static_cast<T*>(data); }
};

}  // namespace lasuite
