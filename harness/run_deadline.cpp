#include "harness/run_deadline.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace lasuite {

double time_limit_grace_s(double limit_s) { return std::max(5.0, limit_s / 10); }

std::string time_limit_text(double seconds) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g s", seconds);
  return buf;
}

RunDeadline::RunDeadline(double limit_s, std::function<int()> last_words, double grace_s)
    : limit_s_(limit_s),
      grace_s_(grace_s >= 0 ? grace_s : time_limit_grace_s(limit_s)),
      start_(std::chrono::steady_clock::now()),
      last_words_(std::move(last_words)) {
  if (limit_s_ > 0) watchdog_ = std::thread([this] { watch(); });
}

RunDeadline::~RunDeadline() {
  finishing();
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    done_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

bool RunDeadline::passed() const {
  return limit_s_ > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >= limit_s_;
}

void RunDeadline::finishing() {
  std::lock_guard<std::mutex> lock(results_mutex_);
  finishing_ = true;
}

void RunDeadline::watch() {
  // Capped at 30 years, so that a huge limit does not overflow the clock's 64-bit nanoseconds.
  const double wait_s = std::min(limit_s_ + grace_s_, 1e9);
  const auto end = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(wait_s));
  {
    std::unique_lock<std::mutex> lock(wake_mutex_);
    if (wake_.wait_until(lock, end, [this] { return done_; })) return;
  }
  std::lock_guard<std::mutex> lock(results_mutex_);
  if (finishing_) return;
  // The command's thread is inside work that has not returned; it cannot be unwound from here, so the process
  // ends without running destructors (a device context mid-kernel is the driver's to clean up).
  int code = 1;
  try {
    code = last_words_();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lasuite: failed while writing what finished before the time limit: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "lasuite: failed while writing what finished before the time limit\n");
  }
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

}  // namespace lasuite
