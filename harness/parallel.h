// Splits [0, count) over the host's cores: input generation, scans and the float64 reference of
// 128k-token problems are otherwise minutes of one core.
#pragma once
#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace lasuite {

inline unsigned host_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

// True on a parallel_for worker: a nested parallel_for then runs serially instead of multiplying
// the threads (the reference runs heads in parallel, each of which generates its inputs in parallel).
inline thread_local bool in_parallel_worker = false;

// Calls fn(begin, end) on disjoint ranges covering [0, count), at most max_threads at once, each range
// at least min_grain long (small work stays on the calling thread). The first exception is rethrown.
template <class Fn>
void parallel_for(size_t count, size_t min_grain, Fn&& fn, unsigned max_threads = host_threads()) {
  if (count == 0) return;
  const size_t by_grain = (count + min_grain - 1) / std::max<size_t>(min_grain, 1);
  const size_t workers = in_parallel_worker ? 1 : std::max<size_t>(1, std::min<size_t>(max_threads, by_grain));
  if (workers == 1) {
    fn(size_t(0), count);
    return;
  }
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(workers);
  const size_t per = (count + workers - 1) / workers;
  for (size_t w = 0; w < workers; ++w) {
    const size_t begin = w * per, end = std::min(count, begin + per);
    if (begin >= end) break;
    threads.emplace_back([&, w, begin, end] {
      in_parallel_worker = true;
      try {
        fn(begin, end);
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace lasuite
