#include "harness/stop_signals.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <initializer_list>

namespace lasuite {

namespace {

std::atomic<int> g_signal{0};  // lock-free, so the handler may write it
std::atomic<bool> g_armed{false};
std::atomic<bool> g_installed{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

void default_action(int sig) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(sig, &action, nullptr);
}

// Only async-signal-safe work here: atomics, sigaction, raise and write(2); errno is the interrupted code's.
void on_stop_signal(int sig) {
  const int saved_errno = errno;
  default_action(SIGINT);  // the next one of either ends the process
  default_action(SIGTERM);
  if (!g_armed) {
    raise(sig);  // delivered once the handler returns: the default action, as if none were installed
    errno = saved_errno;
    return;
  }
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  static const char kSaid[] =
      "\nlasuite: asked to stop: the case or row running now finishes (or is ended within 5 s), the rest are not run, "
      "and what finished is printed and written; the same signal again ends the process at once\n";
  ssize_t ignored = write(STDERR_FILENO, kSaid, sizeof kSaid - 1);
  (void)ignored;
  errno = saved_errno;
}

}  // namespace

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM}) {
    // A signal the parent set to be ignored (nohup, a shell's background job for SIGINT) stays ignored.
    struct sigaction before {};
    if (sigaction(sig, nullptr, &before) == 0 && before.sa_handler == SIG_IGN) continue;
    if (sigaction(sig, &action, nullptr) == 0) g_installed = true;
  }
}

bool stop_signals_installed() { return g_installed; }

void arm_stop_signals(bool armed) { g_armed = armed; }

int stop_signal() { return g_signal; }

void end_by_signal(int sig) {
  default_action(sig);
  sigset_t just;
  sigemptyset(&just);
  sigaddset(&just, sig);
  pthread_sigmask(SIG_UNBLOCK, &just, nullptr);
  raise(sig);
  std::_Exit(128 + sig);  // not reached where the default action ends the process
}

}  // namespace lasuite
