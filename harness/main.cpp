#include <iostream>

#include "harness/cli.h"
#include "harness/process_group.h"

int main(int argc, char** argv) {
  // Under mpirun each process takes the GPU of its local rank, and only rank 0 prints results (the
  // others' progress and errors still go to stderr).
  lasuite::bind_process_to_gpu();
  if (lasuite::launch_place().rank > 0) {
    std::ostream muted(nullptr);
    return lasuite::run_cli(argc, argv, muted, std::cerr);
  }
  return lasuite::run_cli(argc, argv, std::cout, std::cerr);
}
