#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <string>

#include "harness/cli.h"
#include "harness/mpi_world.h"
#include "harness/process_group.h"
#include "harness/stop_signals.h"

int main(int argc, char** argv) {
  // Under mpirun each process takes the GPU of its local rank, and only rank 0 prints results (the
  // others' progress and errors still go to stderr).
  lasuite::bind_process_to_gpu();
  std::ostream muted(nullptr);
  const lasuite::LaunchPlace place = lasuite::launch_place();
  const bool secondary = place.rank > 0;
  // Said, not silent: the same variables inherited by a process that is no rank of a launch (a program
  // started from inside one) would otherwise end with exit 0 and no results anywhere.
  if (secondary)
    std::cerr << "lasuite: rank " << place.rank << " of " << place.world
              << " by the launcher's environment (OMPI_COMM_WORLD_RANK / PMI_RANK): rank 0 prints the results and"
                 " writes the result files, this process neither\n";
  // A reader that closes the pipe early (`| head`) must not end the run before its result files are written:
  // the failed writes are seen below instead of killing the process mid-run.
  std::signal(SIGPIPE, SIG_IGN);
  // Ctrl-C or a scheduler's SIGTERM stops verify and bench after the case or row running, keeping what finished. Not
  // under a launch of several processes: each would stop at a case of its own, leaving the others waiting in it.
  if (place.world <= 1) lasuite::install_stop_signals();
  int rc = lasuite::run_cli(argc, argv, secondary ? muted : std::cout, std::cerr);
  // A run that a signal stopped has written what it keeps; it ends by that signal, so that a shell running it from a
  // script stops there too (bash goes on after a child that merely exits 130).
  if (const int sig = lasuite::stop_signal()) {
    std::cout.flush();
    std::cerr.flush();
    lasuite::end_by_signal(sig);
  }
  if (!secondary && !(std::cout << std::flush)) {
    // A reader gone is the shell's ordinary case (`lasuite list | head -1`): end as a closed pipe ends any
    // program, now that the files are written. Any other failure (a full device) is an error.
    pollfd out{STDOUT_FILENO, POLLOUT, 0};
    if (poll(&out, 1, 0) == 1 && (out.revents & POLLERR)) {
      std::signal(SIGPIPE, SIG_DFL);
      std::raise(SIGPIPE);
    }
    std::cerr << "lasuite: the standard output could not be written (a full device?): what was printed there is "
                 "incomplete; the result files (--json, --csv) do not depend on it\n";
    if (rc == 0) rc = lasuite::kExitFailed;
  }
  // A rank that ends with an error while MPI runs with others could leave them in a collective, and
  // MPI_Finalize at exit waits for every rank: end the whole launch instead (exit codes become 1).
  if (rc != 0 && lasuite::mpi::with_others()) lasuite::mpi::abort("exit code " + std::to_string(rc));
  return rc;
}
