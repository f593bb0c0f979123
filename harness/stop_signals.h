// SIGINT and SIGTERM (Ctrl-C; timeout(1) and batch schedulers at the end of a job) as a request to stop. While a run
// is armed (verify's and bench's cases and rows: run_stop.h) the first one sets a flag the run reads between cases and
// rows, says so on stderr and restores both signals' default action, so that a second one ends the process at once;
// when none is armed (parsing, `list`, `bench --gpus`) a signal takes its default action. main.cpp installs the
// handlers and, once the command has returned, ends the process by the signal received, as a shell expects of a
// program it interrupted; a process that does not install them (the tests' own) keeps the default actions.
#pragma once

namespace lasuite {

void install_stop_signals();
// Whether a handler is in place for either signal (not where both were inherited as ignored).
bool stop_signals_installed();
// While armed, a signal is a request to stop; else it takes its default action.
void arm_stop_signals(bool armed);
// The first signal received since install_stop_signals, or 0.
int stop_signal();
// Ends the process by `sig` with its default action (after the caller has written what it keeps).
[[noreturn]] void end_by_signal(int sig);

}  // namespace lasuite
