#include "harness/memory.h"

#include <algorithm>
#include <cstdio>

namespace lasuite {

void MemoryTracker::on_allocate(MemoryCategory c, size_t bytes) {
  int i = static_cast<int>(c);
  current_[i] += bytes;
  peak_[i] = std::max(peak_[i], current_[i]);
}

void MemoryTracker::on_free(MemoryCategory c, size_t bytes) { current_[static_cast<int>(c)] -= bytes; }

void MemoryTracker::reset_peaks() {
  for (int i = 0; i < 3; ++i) peak_[i] = current_[i];
}

Buffer::Buffer(Backend* backend, MemoryTracker* tracker, MemoryCategory category, size_t bytes)
    : backend_(backend), tracker_(tracker), category_(category), bytes_(bytes) {
  if (bytes == 0) return;
  data_ = backend_->raw_allocate(bytes);  // throws before the tracker counts anything
  if (tracker_) tracker_->on_allocate(category_, bytes_);
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    release();
    backend_ = o.backend_;
    tracker_ = o.tracker_;
    category_ = o.category_;
    data_ = o.data_;
    bytes_ = o.bytes_;
    o.data_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

void Buffer::release() {
  if (data_) {
    backend_->raw_free(data_);
    if (tracker_) tracker_->on_free(category_, bytes_);
  }
  data_ = nullptr;
  bytes_ = 0;
}

std::string format_bytes(size_t bytes) {
  char buf[64];
  double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024) std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  else if (b >= 1024.0) std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%zu B", bytes);
  return buf;
}

}  // namespace lasuite
