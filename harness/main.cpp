#include <iostream>
#include <string>

#include "harness/cli.h"
#include "harness/mpi_world.h"
#include "harness/process_group.h"

int main(int argc, char** argv) {
  // Under mpirun each process takes the GPU of its local rank, and only rank 0 prints results (the
  // others' progress and errors still go to stderr).
  lasuite::bind_process_to_gpu();
  std::ostream muted(nullptr);
  const bool secondary = lasuite::launch_place().rank > 0;
  const int rc = lasuite::run_cli(argc, argv, secondary ? muted : std::cout, std::cerr);
  // A rank that ends with an error while MPI runs with others could leave them in a collective, and
  // MPI_Finalize at exit waits for every rank: end the whole launch instead (exit codes become 1).
  if (rc != 0 && lasuite::mpi::with_others()) lasuite::mpi::abort("exit code " + std::to_string(rc));
  return rc;
}
