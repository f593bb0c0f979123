// SIGINT and SIGTERM (Ctrl-C; timeout(1) and batch schedulers at the end of a job) as a request to stop: the first
// sets a flag that verify and bench read between cases and rows (run_stop.h), and says so on stderr; a second one
// ends the process at once (the default action, which the first restores). main.cpp installs the handlers; a
// process that does not (the tests' own) keeps the default actions and never sees a stop signal.
#pragma once

namespace lasuite {

void install_stop_signals();
bool stop_signals_installed();
// The signal received since install_stop_signals, or 0.
int stop_signal();

}  // namespace lasuite
