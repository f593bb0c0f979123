// Why and how verify or bench stops before its end, keeping what finished: a --time-limit passed, or a stop signal
// (SIGINT, SIGTERM: stop_signals.h; a RunStop arms them while it lives). The command asks `cause()` between cases
// and rows and starts nothing more once it is set; a case still running a grace after the stop (past the limit: a
// tenth of it, at least 5 s; after a signal, 5 s: a hung kernel cannot be stopped from the host) is ended by a
// watchdog thread: it takes the results lock, calls the command's `last_words` with the cause (print and write what
// finished, say why) and ends the process with the code they return, or by the signal where one stopped it. What the last words read must be written under `lock_results()`; they may
// print to the standard streams beside the command's thread only because std::cout and std::cerr are synchronised
// (main.cpp keeps them so).
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lasuite {

// How long past the limit a running case is waited for: a tenth of the limit, at least 5 s.
double time_limit_grace_s(double limit_s);
// How long after a stop signal a running case is waited for.
inline constexpr double kSignalGraceS = 5;
// Seconds as messages and rows name them: "600 s", "0.5 s".
std::string time_limit_text(double seconds);

struct StopCause {
  enum class Kind { none, time_limit, signal } kind = Kind::none;
  int signal = 0;    // Kind::signal: which
  std::string text;  // "--time-limit of 600 s passed", "SIGINT was received"
  explicit operator bool() const { return kind != Kind::none; }
};

class RunStop {
 public:
  // limit_s <= 0: no limit. grace_s < 0: time_limit_grace_s(limit_s). The watchdog runs where there is a limit or
  // the stop signals are installed.
  RunStop(double limit_s, std::function<int(const StopCause&)> last_words, double grace_s = -1);
  // Stands the watchdog down (as finishing()) and joins it, so an exception unwinding the command is the command's
  // to report; only one that reaches here after the watchdog has taken the results lock is ended as a hang.
  ~RunStop();
  RunStop(const RunStop&) = delete;
  RunStop& operator=(const RunStop&) = delete;

  // A signal received, else the limit passed, else none.
  StopCause cause() const;
  double grace_s() const { return grace_s_; }
  // Held while a result is recorded and printed, so the watchdog never writes a half-recorded one.
  std::unique_lock<std::mutex> lock_results() { return std::unique_lock<std::mutex>(results_mutex_); }
  // The command has run its last case and ends itself (result files, summary): the watchdog stands down.
  void finishing();

 private:
  void watch();
  StopCause signal_cause() const;
  StopCause limit_cause() const;

  const double limit_s_, grace_s_;
  const std::chrono::steady_clock::time_point start_;
  std::function<int(const StopCause&)> last_words_;
  std::mutex results_mutex_;
  bool finishing_ = false;  // under results_mutex_
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool done_ = false;  // under wake_mutex_: the command is over, the watchdog returns
  std::thread watchdog_;
};

}  // namespace lasuite
