// Runs the independent (batch, head) pairs of a problem on a few host threads, each with its own
// slice of one tracked scratch allocation (so the harness sees every byte the workers use).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "harness/memory.h"

namespace lasuite::host {

// Hands out 64-byte aligned arrays from a block of memory. With a null base it only counts bytes, so
// one carving function both sizes a worker's scratch and lays it out.
class Bump {
 public:
  explicit Bump(void* base = nullptr) : base_(static_cast<char*>(base)) {}
  template <class T>
  T* take(size_t count) {
    size_t at = used_;
    used_ += (count * sizeof(T) + 63) / 64 * 64;
    return base_ ? reinterpret_cast<T*>(base_ + at) : nullptr;
  }
  size_t used() const { return used_; }

 private:
  char* base_;
  size_t used_ = 0;
};

// Threads for `tasks` independent heads: one per core, never more than there are tasks.
int worker_count(int64_t tasks);

// Calls fn(worker, task) for every task in [0, tasks) on `workers` threads (worker 0 is the calling
// thread). The first exception thrown by any call is rethrown once every thread has stopped.
void for_each_task(int64_t tasks, int workers, const std::function<void(int, int64_t)>& fn);

// Sizes one worker's scratch with carve(Bump&) (which returns the worker's pointers), allocates it for
// every worker through ws, then calls body(scratch, bh) for every bh in [0, heads) on the workers.
template <class Carve, class Body>
void run_per_head(int64_t heads, Workspace& ws, Carve carve, Body body) {
  Bump sizer;
  carve(sizer);
  const size_t per_worker = sizer.used();
  const int workers = worker_count(heads);
  Buffer scratch = ws.allocate(per_worker * static_cast<size_t>(workers));
  for_each_task(heads, workers, [&](int worker, int64_t bh) {
    Bump bump(scratch.as<char>() + per_worker * static_cast<size_t>(worker));
    auto s = carve(bump);
    body(s, bh);
  });
}

}  // namespace lasuite::host
