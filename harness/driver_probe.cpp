#include "harness/driver_probe.h"

#include <algorithm>

namespace lasuite {

void DriverProbe::begin() {
  real_.synchronize();
  baseline_ = lowest_ = real_.free_memory();
  armed_ = true;
}

void DriverProbe::restart_low_mark() {
  real_.synchronize();
  lowest_ = real_.free_memory();
}

void DriverProbe::sync_point() {
  real_.synchronize();
  observe();
}

int64_t DriverProbe::delta_bytes() const {
  return static_cast<int64_t>(baseline_) - static_cast<int64_t>(lowest_);
}

void DriverProbe::observe() {
  if (armed_) lowest_ = std::min(lowest_, real_.free_memory());
}

void* DriverProbe::raw_allocate(size_t bytes) {
  void* p = real_.raw_allocate(bytes);
  observe();
  return p;
}

void DriverProbe::raw_free(void* p) {
  observe();
  real_.raw_free(p);
}

}  // namespace lasuite
