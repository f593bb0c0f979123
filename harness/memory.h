// Tracked allocations: every buffer an implementation (or the harness) allocates goes through a
// Workspace, so the harness knows the exact peak of extra memory, apart from inputs and outputs.
#pragma once
#include <cstddef>
#include <string>
#include <utility>

#include "harness/backend.h"

namespace lasuite {

enum class MemoryCategory { inputs = 0, outputs = 1, extra = 2 };

class MemoryTracker {
 public:
  void on_allocate(MemoryCategory c, size_t bytes);
  void on_free(MemoryCategory c, size_t bytes);
  size_t current(MemoryCategory c) const { return current_[static_cast<int>(c)]; }
  size_t peak(MemoryCategory c) const { return peak_[static_cast<int>(c)]; }
  // Starts a new measurement window: peaks restart from what is allocated now.
  void reset_peaks();

 private:
  size_t current_[3] = {0, 0, 0};
  size_t peak_[3] = {0, 0, 0};
};

// An owned allocation; frees itself and updates its tracker.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Backend* backend, MemoryTracker* tracker, MemoryCategory category, size_t bytes);
  ~Buffer() { release(); }
  Buffer(Buffer&& o) noexcept { *this = std::move(o); }
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void* data() const { return data_; }
  template <class T>
  T* as() const { return static_cast<T*>(data_); }
  size_t bytes() const { return bytes_; }
  void release();

 private:
  Backend* backend_ = nullptr;
  MemoryTracker* tracker_ = nullptr;
  MemoryCategory category_ = MemoryCategory::extra;
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// What an implementation gets to allocate scratch and saved tensors with, and launch on.
class Workspace {
 public:
  Workspace(Backend& backend, MemoryTracker& tracker) : backend_(backend), tracker_(tracker) {}
  // Throws OutOfMemoryError where it does not fit.
  Buffer allocate(size_t bytes, MemoryCategory c = MemoryCategory::extra) {
    return Buffer(&backend_, &tracker_, c, bytes);
  }
  Backend& backend() const { return backend_; }
  MemoryTracker& tracker() const { return tracker_; }
  void* stream() const { return backend_.stream(); }

 private:
  Backend& backend_;
  MemoryTracker& tracker_;
};

// "1.50 GiB" style.
std::string format_bytes(size_t bytes);

// What of a device's free memory the suite lets one row or allocation take: 7/8, so that the driver,
// the page cache and other processes keep room (swap and the OOM killer are worse than an `oom` row).
inline size_t usable_memory(size_t free_bytes) { return free_bytes - free_bytes / 8; }

}  // namespace lasuite
