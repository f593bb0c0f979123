// harness/process_group.h. NCCL and MPI are optional (CMake: LASUITE_HAVE_NCCL, LASUITE_HAVE_MPI); the
// launch place is read from the environment either way.
#include "harness/process_group.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#ifdef LASUITE_HAVE_NCCL
#include <cuda_runtime.h>
#include <nccl.h>

#include "harness/backend.h"
#endif
#include "harness/mpi_world.h"

namespace lasuite {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  return end && *end == '\0' ? static_cast<int>(x) : fallback;
}

}  // namespace

LaunchPlace launch_place() {
  LaunchPlace p;
  // Open MPI's names, then the PMI ones other launchers (MPICH, Slurm's PMI) set.
  const int world = env_int("OMPI_COMM_WORLD_SIZE", env_int("PMI_SIZE", -1));
  if (world < 1) return p;
  p.launched = true;
  p.world = world;
  p.rank = env_int("OMPI_COMM_WORLD_RANK", env_int("PMI_RANK", 0));
  p.local_rank = env_int("OMPI_COMM_WORLD_LOCAL_RANK", env_int("MPI_LOCALRANKID", 0));
  p.local_world = std::max(1, env_int("OMPI_COMM_WORLD_LOCAL_SIZE", env_int("MPI_LOCALNRANKS", world)));
  return p;
}

void bind_process_to_gpu() {
  const LaunchPlace p = launch_place();
  if (!p.launched || p.world == 1) return;
  const char* given = std::getenv("CUDA_VISIBLE_DEVICES");
  if (!given) {
    setenv("CUDA_VISIBLE_DEVICES", std::to_string(p.local_rank).c_str(), 1);
    return;
  }
  // A list the launch set (a scheduler's, or exported before mpirun): this rank's entry of it. One
  // entry is the launcher's own binding and stays.
  std::vector<std::string> devices;
  std::string item;
  for (const char* c = given;; ++c) {
    if (*c == ',' || *c == '\0') {
      if (!item.empty()) devices.push_back(item);
      item.clear();
      if (*c == '\0') break;
    } else {
      item += *c;
    }
  }
  if (devices.size() > 1)
    setenv("CUDA_VISIBLE_DEVICES", devices[static_cast<size_t>(p.local_rank) % devices.size()].c_str(), 1);
}

#ifdef LASUITE_HAVE_NCCL
namespace {

void nccl_check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(r));
}

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator(ncclComm_t comm, cudaStream_t stream, int rank, int world)
      : comm_(comm), stream_(stream), rank_(rank), world_(world) {}
  int rank() const override { return rank_; }
  int world() const override { return world_; }
  bool device_buffers() const override { return true; }
  void all_gather(const void* send, void* recv, size_t bytes) override {
    nccl_check(ncclAllGather(send, recv, bytes, ncclChar, comm_, stream_), "ncclAllGather");
  }
  void send(const void* data, size_t bytes, int to) override {
    nccl_check(ncclSend(data, bytes, ncclChar, to, comm_, stream_), "ncclSend");
  }
  void recv(void* data, size_t bytes, int from) override {
    nccl_check(ncclRecv(data, bytes, ncclChar, from, comm_, stream_), "ncclRecv");
  }

 private:
  ncclComm_t comm_;  // left to the process's end: the driver may be gone by then
  cudaStream_t stream_;
  int rank_, world_;
};

struct Group {
  std::unique_ptr<NcclCommunicator> comm;
  std::string why_not;
  GroupFacts facts;
};

std::vector<std::string> transports_in(const std::string& log_path) {
  std::set<std::string> seen;
  std::ifstream in(log_path);
  for (std::string line; std::getline(in, line);) {
    const size_t at = line.find(" via ");
    if (at == std::string::npos) continue;
    std::string how = line.substr(at + 5);
    while (!how.empty() && (how.back() == '\r' || how.back() == ' ')) how.pop_back();
    seen.insert(how);
  }
  return {seen.begin(), seen.end()};
}

Group form_group() {
  Group g;
  // MPI first, so that every rank agrees on what follows.
  if (!mpi::start(&g.why_not)) return g;
  const int rank = mpi::rank(), world = mpi::world();
  Backend* cuda = backend_for(DeviceKind::cuda);
  std::string why;
  const bool have_gpu = cuda && cuda->available(&why);
  // One rank's missing GPU refuses the group on every rank, rather than leaving the others waiting.
  if (!mpi::all(have_gpu)) {
    g.why_not = have_gpu ? "another rank has no usable GPU" : "no CUDA device: " + why;
    return g;
  }
  ncclUniqueId id;
  // NVLink multicast off in every launch; NCCL's own log (unless the user asked for it) to a file we
  // read the transports from. NCCL reads both at its first call.
  setenv("NCCL_NVLS_ENABLE", "0", 1);
  std::string log_path;
  if (!std::getenv("NCCL_DEBUG")) {
    log_path = "/tmp/lasuite_nccl." + std::to_string(getpid()) + ".log";
    setenv("NCCL_DEBUG", "INFO", 1);
    setenv("NCCL_DEBUG_FILE", log_path.c_str(), 1);
  }
  if (rank == 0) nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
  mpi::broadcast(&id, sizeof(id), 0);
  auto stream = static_cast<cudaStream_t>(cuda->stream());
  ncclComm_t comm;
  const ncclResult_t made = ncclCommInitRank(&comm, world, id, rank);
  if (made != ncclSuccess) {
    const std::string what = std::string("ncclCommInitRank failed: ") + ncclGetErrorString(made);
    if (world > 1) mpi::abort(what);  // the others may be inside the same call
    throw std::runtime_error(what);
  }
  g.comm = std::make_unique<NcclCommunicator>(comm, stream, rank, world);
  {  // NCCL connects its channels at the first collective: one tiny all-gather, so the log has them
    void* probe = cuda->raw_allocate(64 * static_cast<size_t>(world));
    cuda->fill_bytes(probe, 0, 64 * static_cast<size_t>(world));
    g.comm->all_gather(static_cast<char*>(probe) + 64 * rank, probe, 64);  // in place
    cuda->synchronize();
    cuda->raw_free(probe);
  }
  int v = 0;
  ncclGetVersion(&v);
  g.facts.nccl_version = std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
  cudaDeviceProp prop{};
  int dev = 0;
  cudaGetDevice(&dev);
  cudaGetDeviceProperties(&prop, dev);
  char bus[32] = {0};
  cudaDeviceGetPCIBusId(bus, sizeof(bus), dev);
  char mine[320] = {0};
  std::snprintf(mine, sizeof(mine), "rank %d: %s (%s)", rank, prop.name, bus);
  std::vector<char> all(sizeof(mine) * static_cast<size_t>(world), 0);
  mpi::all_gather(mine, all.data(), sizeof(mine));
  for (int r = 0; r < world; ++r) g.facts.gpus.emplace_back(all.data() + r * sizeof(mine));
  if (!log_path.empty()) {
    g.facts.transports = transports_in(log_path);
    std::remove(log_path.c_str());
    unsetenv("NCCL_DEBUG");
    unsetenv("NCCL_DEBUG_FILE");
  }
  if (world == 1) g.facts.transports = {"none (a world of one)"};
  return g;
}

bool& group_formed() {
  static bool formed = false;
  return formed;
}

Group& group() {
  static Group g = [] {
    group_formed() = true;  // asked for: formed, or refused with the reason
    try {
      return form_group();
    } catch (const std::exception& e) {
      Group failed;
      failed.why_not = e.what();
      return failed;
    }
  }();
  return g;
}

}  // namespace

Communicator* process_group(std::string* why_not) {
  Group& g = group();
  if (!g.comm && why_not) *why_not = g.why_not;
  return g.comm.get();
}

GroupFacts process_group_facts() { return group().facts; }
bool process_group_built() { return true; }
bool process_group_formed() { return group_formed(); }

#else  // no NCCL

Communicator* process_group(std::string* why_not) {
  if (why_not) *why_not = "this build has no NCCL (nccl.h and libnccl were not found when it was configured)";
  return nullptr;
}
GroupFacts process_group_facts() { return {}; }
bool process_group_built() { return false; }
bool process_group_formed() { return false; }
#endif

void process_abort(const std::string& why) { mpi::abort(why); }
void process_barrier() { mpi::barrier(); }
double process_max(double value) { return mpi::max(value); }

}  // namespace lasuite
