#include "harness/stop_signals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <initializer_list>

namespace lasuite {

namespace {

volatile std::sig_atomic_t g_signal = 0;
std::atomic<bool> g_installed{false};

// Only async-signal-safe work here: a flag and write(2).
void on_stop_signal(int sig) {
  g_signal = sig;
  static const char kSaid[] =
      "\nlasuite: asked to stop: the case or row running now finishes (or is ended within 5 s), the rest are not run, "
      "and what finished is printed and written; the same signal again ends the process at once\n";
  ssize_t ignored = write(STDERR_FILENO, kSaid, sizeof kSaid - 1);
  (void)ignored;
}

}  // namespace

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;  // the second signal takes the default action: the process ends
  for (int sig : {SIGINT, SIGTERM}) {
    // A signal the parent set to be ignored (nohup, a shell's background job for SIGINT) stays ignored.
    struct sigaction before {};
    if (sigaction(sig, nullptr, &before) == 0 && before.sa_handler == SIG_IGN) continue;
    sigaction(sig, &action, nullptr);
  }
  g_installed = true;
}

bool stop_signals_installed() { return g_installed; }

int stop_signal() { return g_signal; }

}  // namespace lasuite
