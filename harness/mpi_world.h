// The MPI side of a multi-process launch (harness/process_group.h is the GPU side on top of it):
// MPI started on first use where this process was launched by mpirun, and finalised at exit; a world
// of one otherwise. Built with MPI where CMake finds it (LASUITE_HAVE_MPI); without it a launch of
// several processes is refused with the reason.
#pragma once
#include <cstddef>
#include <string>

#include "harness/communicator.h"

namespace lasuite::mpi {

// Starts MPI where launched (once). False, with why_not, where the launch has several processes and
// this build has no MPI.
bool start(std::string* why_not);
// Whether MPI runs in this process with other processes (a launch of more than one).
bool with_others();
// This process's rank and the world's size once started (0 and 1 for a world of one).
int rank();
int world();
// Whether every rank's `mine` is true, on every rank.
bool all(bool mine);
// The largest of every rank's value, on every rank.
double max(double value);
void barrier();
void broadcast(void* data, size_t bytes, int root);
// Every rank's `bytes` of `send` into `recv` (world x bytes), in rank order; host memory.
void all_gather(const void* send, void* recv, size_t bytes);
// Ends the whole launch: `why` on stderr, MPI_Abort where MPI runs, a non-zero exit.
[[noreturn]] void abort(const std::string& why);

// The launch's processes as a Communicator on host buffers (MPI_Allgather, MPI_Send, MPI_Recv); a
// world of one without a launcher. Null with why_not where start() fails.
Communicator* host_group(std::string* why_not);

}  // namespace lasuite::mpi
