// The processes of a multi-GPU run, one GPU each, and the NCCL communicator between them. Under an MPI
// launcher (mpirun) every rank of the launch, bootstrapped through MPI (rank 0's NCCL id broadcast);
// otherwise this process alone, a world of one (NCCL still, so its path runs on one GPU).
#pragma once
#include <string>
#include <vector>

#include "harness/communicator.h"

namespace lasuite {

// This process's place in the launch, from the launcher's environment (no MPI call): rank 0 of 1
// when not launched by mpirun. For choosing a GPU and muting output before anything starts.
struct LaunchPlace {
  int rank = 0, world = 1, local_rank = 0;
  int local_world = 1;  // the launch's processes on this host (the launcher's count; the whole world where it gives none)
  bool launched = false;  // under an MPI launcher
};
LaunchPlace launch_place();

// Under a launcher with several processes, each sees only the GPU of its local rank: CUDA_VISIBLE_DEVICES
// becomes that rank's entry of the list the launch set, or the local rank where it set none (a single
// entry is the launcher's own binding and stays). Call before any CUDA call.
void bind_process_to_gpu();

// The group, formed on first use on the CUDA backend's stream; null with why_not where it cannot be
// (a build without NCCL, several processes without MPI, NCCL failing). NVLink multicast is turned
// off (NCCL_NVLS_ENABLE=0) before NCCL starts.
Communicator* process_group(std::string* why_not);

// Whether this build has NCCL at all: where it has, a group that does not form is a failure to report, not a
// feature the build lacks.
bool process_group_built();

// Whether process_group() has been asked for in this process (the group then formed, or was refused
// with the reason); does not form it.
bool process_group_formed();

// What the group reports of itself, for result files: the NCCL version, each rank's GPU (name and PCI
// bus id, gathered), and the transports NCCL set up between them (its "via" lines: P2P, SHM, NET).
struct GroupFacts {
  std::string nccl_version;
  std::vector<std::string> gpus;
  std::vector<std::string> transports;
};
GroupFacts process_group_facts();

// Ends the whole launch with `why` on stderr and a non-zero exit (MPI_Abort where MPI started): for an
// error on one rank after the others may have entered a collective, which they would wait in for ever.
[[noreturn]] void process_abort(const std::string& why);

// Blocks until every rank arrives (MPI where launched; nothing for a world of one).
void process_barrier();
// The largest of every rank's value, on every rank.
double process_max(double value);

}  // namespace lasuite
