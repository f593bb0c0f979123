#include "harness/backend.h"

#include "harness/errors.h"

namespace lasuite {

namespace {
Backend*& slot(DeviceKind k) {
  static Backend* backends[2] = {nullptr, nullptr};
  return backends[static_cast<int>(k)];
}
}  // namespace

const char* device_name(DeviceKind k) { return k == DeviceKind::cuda ? "cuda" : "cpu"; }

const char* cache_flush_name(CacheFlush how) { return how == CacheFlush::clean ? "clean" : "dirty"; }

CacheFlush parse_cache_flush(const std::string& text) {
  if (text == "dirty") return CacheFlush::dirty;
  if (text == "clean") return CacheFlush::clean;
  throw UsageError("--l2-flush must be dirty or clean, not '" + text + "'");
}

Backend* backend_for(DeviceKind kind) { return slot(kind); }

std::string device_unavailable(DeviceKind kind) {
  Backend* backend = backend_for(kind);
  if (!backend) return std::string("this build has no ") + device_name(kind) + " backend (built without CUDA)";
  std::string why;
  if (backend->available(&why)) return "";
  return why.empty() ? std::string(device_name(kind)) + " device not available" : why;
}

bool register_backend(DeviceKind kind, Backend* backend) {
  slot(kind) = backend;
  return true;
}

}  // namespace lasuite
