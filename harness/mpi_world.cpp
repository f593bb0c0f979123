// harness/mpi_world.h.
#include "harness/mpi_world.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "harness/process_group.h"

#ifdef LASUITE_HAVE_MPI
#include <mpi.h>
#endif

namespace lasuite::mpi {
namespace {

struct World {
  bool tried = false, ok = false, running = false;
  int rank = 0, size = 1;
  std::string why_not;
};

World& world_state() {
  static World w;
  return w;
}

#ifdef LASUITE_HAVE_MPI
void finalize() {
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

int count_of(size_t bytes) {
  if (bytes > static_cast<size_t>(INT_MAX))
    throw std::invalid_argument("an MPI exchange of " + std::to_string(bytes) + " bytes (at most 2^31 - 1 at once)");
  return static_cast<int>(bytes);
}
#endif

// Host buffers between the launch's processes.
class MpiCommunicator : public Communicator {
 public:
  int rank() const override { return mpi::rank(); }
  int world() const override { return mpi::world(); }
  void all_gather(const void* send, void* recv, size_t bytes) override { mpi::all_gather(send, recv, bytes); }
  void send(const void* data, size_t bytes, int to) override {
#ifdef LASUITE_HAVE_MPI
    MPI_Send(data, count_of(bytes), MPI_BYTE, to, 0, MPI_COMM_WORLD);
#else
    (void)data, (void)bytes, (void)to;
    throw std::logic_error("a world of one has no other rank to send to");
#endif
  }
  void recv(void* data, size_t bytes, int from) override {
#ifdef LASUITE_HAVE_MPI
    MPI_Recv(data, count_of(bytes), MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
#else
    (void)data, (void)bytes, (void)from;
    throw std::logic_error("a world of one has no other rank to receive from");
#endif
  }
};

}  // namespace

bool start(std::string* why_not) {
  World& w = world_state();
  if (!w.tried) {
    w.tried = true;
    const LaunchPlace place = launch_place();
#ifdef LASUITE_HAVE_MPI
    if (place.launched) {
      int ready = 0;
      MPI_Initialized(&ready);
      if (!ready) {
        MPI_Init(nullptr, nullptr);
        std::atexit(finalize);
      }
      w.running = true;
      MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
      MPI_Comm_size(MPI_COMM_WORLD, &w.size);
    }
    w.ok = true;
#else
    w.ok = place.world <= 1;
    if (!w.ok)
      w.why_not = "this build has no MPI, so it cannot join a launch of " + std::to_string(place.world) +
                  " processes (install libopenmpi-dev and rebuild)";
#endif
  }
  if (!w.ok && why_not) *why_not = w.why_not;
  return w.ok;
}

bool with_others() { return world_state().running && world_state().size > 1; }
int rank() { return world_state().rank; }
int world() { return world_state().size; }

bool all(bool mine) {
#ifdef LASUITE_HAVE_MPI
  if (world_state().running) {
    int ok = mine ? 1 : 0, every = 0;
    MPI_Allreduce(&ok, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return every == 1;
  }
#endif
  return mine;
}

double max(double value) {
#ifdef LASUITE_HAVE_MPI
  if (world_state().running) {
    double out = value;
    MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return out;
  }
#endif
  return value;
}

void barrier() {
#ifdef LASUITE_HAVE_MPI
  if (world_state().running) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void broadcast(void* data, size_t bytes, int root) {
#ifdef LASUITE_HAVE_MPI
  if (world_state().running) MPI_Bcast(data, count_of(bytes), MPI_BYTE, root, MPI_COMM_WORLD);
#else
  (void)data, (void)bytes, (void)root;
#endif
}

void all_gather(const void* send, void* recv, size_t bytes) {
#ifdef LASUITE_HAVE_MPI
  if (world_state().running) {
    MPI_Allgather(send, count_of(bytes), MPI_BYTE, recv, count_of(bytes), MPI_BYTE, MPI_COMM_WORLD);
    return;
  }
#endif
  if (recv != send) std::memmove(recv, send, bytes);
}

void abort(const std::string& why) {
  std::fprintf(stderr, "lasuite (rank %d): %s; ending the launch\n", launch_place().rank, why.c_str());
  std::fflush(stderr);
#ifdef LASUITE_HAVE_MPI
  if (world_state().running) MPI_Abort(MPI_COMM_WORLD, 1);
#endif
  std::_Exit(1);
}

Communicator* host_group(std::string* why_not) {
  if (!start(why_not)) return nullptr;
  static MpiCommunicator comm;
  return &comm;
}

}  // namespace lasuite::mpi
