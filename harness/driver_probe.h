// The driver's view of memory, as a cross-check of the tracked figures: a Backend that forwards
// everything to the real one and, while armed, reads the driver's free memory after each allocation
// and before each free (where usage is highest), keeping the lowest value seen.
#pragma once
#include <cstddef>
#include <cstdint>

#include "harness/backend.h"

namespace lasuite {

class DriverProbe : public Backend {
 public:
  explicit DriverProbe(Backend& real) : real_(real) {}

  // Starts a window: the baseline is the free memory now.
  void begin();
  // Restarts the low-water mark from now, keeping the baseline (after untimed set-up work).
  void restart_low_mark();
  // A synchronisation point inside the run: waits for the device, then reads free memory.
  void sync_point();
  // Baseline minus the lowest free memory seen; can be slightly negative from other processes.
  int64_t delta_bytes() const;

  DeviceKind kind() const override { return real_.kind(); }
  bool available(std::string* why_not) const override { return real_.available(why_not); }
  DeviceInfo info() const override { return real_.info(); }
  void* raw_allocate(size_t bytes) override;
  void raw_free(void* p) override;
  void copy_from_host(void* dst, const void* src, size_t bytes) override { real_.copy_from_host(dst, src, bytes); }
  void copy_to_host(void* dst, const void* src, size_t bytes) override { real_.copy_to_host(dst, src, bytes); }
  void fill_bytes(void* dst, uint8_t value, size_t bytes) override { real_.fill_bytes(dst, value, bytes); }
  void copy_on_device(void* dst, const void* src, size_t bytes) override { real_.copy_on_device(dst, src, bytes); }
  void synchronize() override { real_.synchronize(); }
  std::unique_ptr<Timer> make_timer() override { return real_.make_timer(); }
  void flush_cache(CacheFlush how) override { real_.flush_cache(how); }
  size_t free_memory() const override { return real_.free_memory(); }
  Ceilings measure_ceilings() override { return real_.measure_ceilings(); }
  void* stream() const override { return real_.stream(); }
  std::unique_ptr<Replay> record(const std::function<void()>& work, int times) override {
    return real_.record(work, times);
  }

 private:
  void observe();
  Backend& real_;
  bool armed_ = false;
  size_t baseline_ = 0;
  size_t lowest_ = 0;
};

}  // namespace lasuite
