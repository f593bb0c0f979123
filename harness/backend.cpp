#include "harness/backend.h"

namespace lasuite {

namespace {
Backend*& slot(DeviceKind k) {
  static Backend* backends[2] = {nullptr, nullptr};
  return backends[static_cast<int>(k)];
}
}  // namespace

const char* device_name(DeviceKind k) { return k == DeviceKind::cuda ? "cuda" : "cpu"; }

Backend* backend_for(DeviceKind kind) { return slot(kind); }

bool register_backend(DeviceKind kind, Backend* backend) {
  slot(kind) = backend;
  return true;
}

}  // namespace lasuite
