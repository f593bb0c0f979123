// A whole command's time limit (`verify --time-limit`). The command asks `passed()` between cases and
// starts nothing more once it is true; a case still running a grace period past the limit (a hung kernel,
// which the host cannot stop) is ended by a watchdog thread: it takes the results lock, calls the command's
// `last_words` (print and write what is finished, say why) and ends the process with the code they return.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lasuite {

// How long past the limit a running case is waited for: a tenth of the limit, at least 5 s.
double time_limit_grace_s(double limit_s);

class RunDeadline {
 public:
  // limit_s <= 0: no limit (passed() is never true, no watchdog).
  RunDeadline(double limit_s, std::function<int()> last_words);
  ~RunDeadline();
  RunDeadline(const RunDeadline&) = delete;
  RunDeadline& operator=(const RunDeadline&) = delete;

  bool passed() const;
  double limit_s() const { return limit_s_; }
  // Held while a result is recorded and printed, so the watchdog never writes a half-recorded one.
  std::unique_lock<std::mutex> lock_results() { return std::unique_lock<std::mutex>(results_mutex_); }
  // The command has run its last case and ends itself (result files, summary): the watchdog stands down.
  void finishing();

 private:
  void watch();

  const double limit_s_;
  const std::chrono::steady_clock::time_point start_;
  std::function<int()> last_words_;
  std::mutex results_mutex_;
  bool finishing_ = false;  // under results_mutex_
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool done_ = false;  // under wake_mutex_: the command is over, the watchdog returns
  std::thread watchdog_;
};

}  // namespace lasuite
