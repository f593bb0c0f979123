#include "harness/run_stop.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "harness/stop_signals.h"

namespace lasuite {

namespace {

std::string signal_name(int sig) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(sig);
}

}  // namespace

double time_limit_grace_s(double limit_s) { return std::max(5.0, limit_s / 10); }

std::string time_limit_text(double seconds) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g s", seconds);
  return buf;
}

RunStop::RunStop(double limit_s, std::function<int(const StopCause&)> last_words, double grace_s)
    : limit_s_(limit_s),
      grace_s_(grace_s >= 0 ? grace_s : time_limit_grace_s(limit_s)),
      start_(std::chrono::steady_clock::now()),
      last_words_(std::move(last_words)) {
  arm_stop_signals(true);
  if (limit_s_ > 0 || stop_signals_installed()) watchdog_ = std::thread([this] { watch(); });
}

RunStop::~RunStop() {
  arm_stop_signals(false);
  finishing();
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    done_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

StopCause RunStop::signal_cause() const {
  StopCause c;
  c.kind = StopCause::Kind::signal;
  c.signal = stop_signal();
  c.text = signal_name(c.signal) + " was received";
  return c;
}

StopCause RunStop::limit_cause() const {
  StopCause c;
  c.kind = StopCause::Kind::time_limit;
  c.text = "--time-limit of " + time_limit_text(limit_s_) + " passed";
  return c;
}

StopCause RunStop::cause() const {
  if (stop_signal()) return signal_cause();
  if (limit_s_ > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >= limit_s_)
    return limit_cause();
  return StopCause{};
}

void RunStop::finishing() {
  std::lock_guard<std::mutex> lock(results_mutex_);
  finishing_ = true;
}

void RunStop::watch() {
  using clock = std::chrono::steady_clock;
  auto after = [](clock::time_point t, double s) {
    // Capped at 30 years, so that a huge limit does not overflow the clock's 64-bit nanoseconds.
    return t + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(std::min(s, 1e9)));
  };
  const clock::time_point limit_end = after(start_, limit_s_ + grace_s_);
  clock::time_point signal_end = clock::time_point::max();
  bool by_signal = false;  // which grace ran out: the signal's, else the limit's
  {
    std::unique_lock<std::mutex> lock(wake_mutex_);
    while (!done_) {
      const clock::time_point now = clock::now();
      if (signal_end == clock::time_point::max() && stop_signal()) signal_end = after(now, kSignalGraceS);
      if (now >= signal_end) {
        by_signal = true;
        break;
      }
      if (limit_s_ > 0 && now >= limit_end) break;
      // A signal handler cannot wake a condition variable, so the flag is polled; the limit is waited for.
      clock::time_point next = limit_s_ > 0 ? std::min(limit_end, signal_end) : signal_end;
      if (stop_signals_installed()) next = std::min(next, now + std::chrono::milliseconds(100));
      wake_.wait_until(lock, next);
    }
    if (done_) return;
  }
  std::lock_guard<std::mutex> lock(results_mutex_);
  if (finishing_) return;
  // The command's thread is inside work that has not returned; it cannot be unwound from here, so the process
  // ends without running destructors (a device context mid-kernel is the driver's to clean up). Should the last
  // words block (a full pipe to a paused reader, a lock the hung work holds), SIGALRM's default action ends the
  // process, as the stop asked.
  alarm(30);
  const StopCause fired = by_signal ? signal_cause() : limit_cause();
  int code = 1;
  try {
    code = last_words_(fired);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lasuite: failed while writing what finished before the stop: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "lasuite: failed while writing what finished before the stop\n");
  }
  std::fflush(stdout);
  std::fflush(stderr);
  if (by_signal) end_by_signal(fired.signal);  // as a shell expects of a program it interrupted
  std::_Exit(code);
}

}  // namespace lasuite
