// "la2_sp": la2 with the sequence split over W ranks (la2_sp_rank.h), on GPUs. Two communicators:
//   comm=threads  W ranks as threads of this process on its one GPU, through InProcessGroup (the
//                 stand-in for NCCL): the algorithm verified without several GPUs;
//   comm=nccl     the processes of an mpirun launch, one GPU each (harness/process_group.h); a world of
//                 one without a launcher.
// Each rank copies its part of the problem's tensors, runs la2_sp_rank on it, and puts its part of the
// outputs back (with NCCL every rank gets every part, so each process holds what one GPU would have
// computed: the harness verifies it as any implementation). The copies and the whole tensors on every
// GPU make this the form for verifying; `lasuite bench --gpus` runs ranks on their parts alone.
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/backend.h"
#include "harness/communicator.h"
#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/memory.h"
#include "harness/process_group.h"
#include "harness/registry.h"
#include "kernels/common/tile_moves.h"
#include "kernels/lightning2/la2_sp_rank.h"
#include "kernels/lightning2/la2_sp_split_host.h"

namespace lasuite {
namespace {

using la2::sp::Split;

// A rank's part of a [batch, heads, n, cols] tensor: rows [row0, row0 + rows) of each (batch, head).
tiles::TileRegion rows_of(const TensorView& whole, int64_t row0, int64_t rows) {
  tiles::TileRegion r;
  r.blocks = whole.dims[0] * whole.dims[1], r.rows = whole.dims[2], r.cols = whole.dims[3];
  r.row0 = row0, r.row_count = rows, r.col0 = 0, r.col_count = whole.dims[3];
  return r;
}

TensorView part_of(const TensorView& whole, int64_t rows, Buffer& keep, Workspace& ws) {
  TensorView t = whole;
  t.dims[2] = rows;
  keep = ws.allocate(t.bytes());
  t.data = keep.data();
  return t;
}

TensorView copy_part(const TensorView& whole, int64_t row0, int64_t rows, Buffer& keep, Workspace& ws) {
  TensorView t = part_of(whole, rows, keep, ws);
  tiles::gather_tile(whole.dtype, whole.data, rows_of(whole, row0, rows), t.data, rows, whole.dims[3], ws.stream());
  return t;
}

void put_part(const TensorView& part, const TensorView& whole, int64_t row0, Workspace& ws) {
  tiles::scatter_tile(part.dtype, part.data, part.dims[2], part.dims[3], whole.dtype, whole.data,
                      rows_of(whole, row0, part.dims[2]), ws.stream());
}

// Every rank's part into the whole tensor on every rank (NCCL: one all-gather of the parts, each padded
// to the longest).
void share_parts(Communicator& comm, const Split& split, const TensorView& part, const TensorView& whole, Workspace& ws) {
  const int64_t longest = split.longest();
  TensorView padded_view = part;
  padded_view.dims[2] = longest;
  Buffer padded = ws.allocate(padded_view.bytes());
  tiles::TileRegion mine = rows_of(part, 0, part.dims[2]);
  tiles::gather_tile(part.dtype, part.data, mine, padded.data(), longest, part.dims[3], ws.stream());
  Buffer all = ws.allocate(padded_view.bytes() * split.world());
  comm.all_gather(padded.data(), all.data(), padded_view.bytes());
  for (int r = 0; r < split.world(); ++r)
    tiles::scatter_tile(part.dtype, static_cast<const char*>(all.data()) + r * padded_view.bytes(), longest,
                        part.dims[3], whole.dtype, whole.data, rows_of(whole, split.begin[r], split.rows(r)), ws.stream());
}

// One rank's state (rank `from`'s `state`) into `state` on every rank.
void share_state(Communicator& comm, int from, const TensorView& state, Workspace& ws) {
  Buffer all = ws.allocate(state.bytes() * comm.world());
  comm.all_gather(state.data, all.data(), state.bytes());
  ws.backend().copy_on_device(state.data, static_cast<const char*>(all.data()) + from * state.bytes(), state.bytes());
}

// The in-process ranks share one GPU stream, so running their host sides at once gains nothing; one
// at a time (a rank gives the turn up while it waits in an exchange) keeps every launch on one
// thread at a time, which compute-sanitizer's racecheck needs (it loses track of kernels launched
// from several threads at once, "failure to track a kernel launch", and stalls), and lets every rank
// allocate from the caller's workspace, so its tracker sees the ranks' memory on this GPU together.
class TakingTurns : public Communicator {
 public:
  TakingTurns(Communicator& inner, std::mutex& turn) : inner_(inner), turn_(turn) {}
  int rank() const override { return inner_.rank(); }
  int world() const override { return inner_.world(); }
  bool device_buffers() const override { return inner_.device_buffers(); }
  void all_gather(const void* send, void* recv, size_t bytes) override {
    Waiting w(turn_);
    inner_.all_gather(send, recv, bytes);
  }
  void send(const void* data, size_t bytes, int to) override {
    Waiting w(turn_);
    inner_.send(data, bytes, to);
  }
  void recv(void* data, size_t bytes, int from) override {
    Waiting w(turn_);
    inner_.recv(data, bytes, from);
  }

 private:
  // Gives the turn up for the wait, takes it back after (also when the wait throws).
  struct Waiting {
    std::mutex& m;
    explicit Waiting(std::mutex& turn) : m(turn) { m.unlock(); }
    ~Waiting() { m.lock(); }
  };
  Communicator& inner_;
  std::mutex& turn_;
};

// The forward's data: each rank's (threads), or this process's (NCCL); and the world it was split over.
struct SpSaved : Saved {
  int world = 0;
  std::vector<std::unique_ptr<Saved>> ranks;
};

class La2SequenceParallelCuda : public Implementation {
 public:
  La2SequenceParallelCuda() {
    info_ = Registry::instance().create("la2")->info();  // the engine's support, less what is below
    info_.name = "la2_sp";
    info_.description =
        "Lightning Attention-2 with the sequence split over W ranks: la2 on each part, one all-gather of the "
        "parts' end states (or a ring), the other parts' contribution added by batched GEMMs; ranks as threads "
        "on this GPU (comm=threads) or the processes of an mpirun launch (comm=nccl); for verifying (whole "
        "tensors on every GPU; bench --gpus runs the parts alone)";
    info_.support.packed = false;
    info_.support.state_in_place = false;
    info_.options = {{"ranks", "1.." + std::to_string(la2::sp::kMaxRanks), "4",
                      "ranks the sequence is split over (comm=threads; with nccl the launch's processes)"},
                     {"exchange", "allgather or ring", "allgather",
                      "how the ranks get their start states: one all-gather, or passed rank to rank (LASP)"},
                     {"comm", "threads or nccl", "threads",
                      "ranks as threads on this GPU, or the processes of an mpirun launch over NCCL"}};
  }
  const ImplInfo& info() const override { return info_; }

  void set_option(const std::string& key, const std::string& value) override {
    if (key == "ranks") {
      world_ = la2::sp::parse_ranks("la2_sp", value);
      ranks_given_ = true;
    } else if (key == "exchange") {
      ring_ = la2::sp::parse_ring("la2_sp", value);
    } else if (key == "comm") {
      nccl_ = la2::sp::parse_comm("la2_sp", value, "nccl");
    } else {
      throw UsageError("la2_sp has no option '" + key + "'");
    }
  }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = Implementation::unsupported(p)) return why;
    // The problem's own limits first (any machine says them); with NCCL the world is known only once
    // the group has formed, after the engine's and the device's.
    if (p.seqlen < world_ && !nccl_) return too_few_rows(p);
    if (auto why = engine_(0).unsupported(p)) return why;
    std::string why_not;
    if (nccl_ && !process_group(&why_not)) return "no NCCL group: " + why_not;
    if (nccl_ && p.seqlen < ranks()) return too_few_rows(p);
    if (nccl_) return la2::sp::ranks_beside_launch(ranks_given_, world_, ranks(), "nccl");
    return std::nullopt;
  }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse(p);
    auto saved = std::make_unique<SpSaved>();
    const Split split = la2::sp::split_rows(p.seqlen, ranks());
    saved->world = split.world();
    saved->ranks.resize(nccl_ ? 1 : static_cast<size_t>(split.world()));
    run_ranks(ws, [&](Communicator& comm) {
      const int r = comm.rank();
      std::unique_ptr<Saved>& mine = saved->ranks[static_cast<size_t>(nccl_ ? 0 : r)];
      const int64_t a = split.begin[r], rows = split.rows(r);
      Buffer bq, bk, bv, bo;
      ForwardIO f = io;
      f.q = copy_part(io.q, a, rows, bq, ws), f.k = copy_part(io.k, a, rows, bk, ws);
      f.v = copy_part(io.v, a, rows, bv, ws), f.o = part_of(io.o, rows, bo, ws);
      la2::sp::Rank rank(p, split, comm, engine_(nccl_ ? 0 : r), ws, ring_);
      mine = rank.forward(f);
      if (nccl_) {
        share_parts(comm, split, f.o, io.o, ws);
        if (p.state_out) share_state(comm, split.world() - 1, io.state_out, ws);
      } else {
        put_part(f.o, io.o, a, ws);
      }
    });
    return saved;
  }

  void backward(const Problem& p, const BackwardIO& io, Saved* saved_base, Workspace& ws) override {
    refuse(p);
    auto* saved = dynamic_cast<SpSaved*>(saved_base);
    if (!saved) throw std::logic_error("la2_sp: a backward without its forward");
    if (saved->world != ranks())
      throw UsageError("la2_sp: the forward ran over " + std::to_string(saved->world) + " ranks, the backward over " +
                       std::to_string(ranks()) + " (the option changed between them)");
    const Split split = la2::sp::split_rows(p.seqlen, ranks());
    run_ranks(ws, [&](Communicator& comm) {
      const int r = comm.rank();
      Saved* mine = saved->ranks[static_cast<size_t>(nccl_ ? 0 : r)].get();
      const int64_t a = split.begin[r], rows = split.rows(r);
      Buffer bq, bk, bv, bdo, bdq, bdk, bdv;
      BackwardIO g = io;
      g.q = copy_part(io.q, a, rows, bq, ws), g.k = copy_part(io.k, a, rows, bk, ws);
      g.v = copy_part(io.v, a, rows, bv, ws), g.dout = copy_part(io.dout, a, rows, bdo, ws);
      g.o = TensorView{};
      g.dq = part_of(io.dq, rows, bdq, ws), g.dk = part_of(io.dk, rows, bdk, ws);
      g.dv = part_of(io.dv, rows, bdv, ws);
      la2::sp::Rank rank(p, split, comm, engine_(nccl_ ? 0 : r), ws, ring_);
      rank.backward(g, mine);
      if (nccl_) {
        share_parts(comm, split, g.dq, io.dq, ws), share_parts(comm, split, g.dk, io.dk, ws);
        share_parts(comm, split, g.dv, io.dv, ws);
        if (p.state_in) share_state(comm, 0, io.dstate_in, ws);
      } else {
        put_part(g.dq, io.dq, a, ws), put_part(g.dk, io.dk, a, ws), put_part(g.dv, io.dv, a, ws);
      }
    });
  }

 private:
  std::string too_few_rows(const Problem& p) const {
    return "a sequence of " + std::to_string(p.seqlen) + " rows over " + std::to_string(ranks()) +
           " ranks (each needs a row)";
  }
  int ranks() const {
    if (!nccl_) return world_;
    Communicator* c = process_group(nullptr);
    return c ? c->world() : 1;
  }
  void refuse(const Problem& p) const {
    if (auto why = unsupported(p)) throw UnsupportedError("la2_sp: " + *why);
  }
  void run_ranks(Workspace& ws, const std::function<void(Communicator&)>& body) {
    if (nccl_) {
      std::string why_not;
      Communicator* c = process_group(&why_not);
      if (!c) throw UnsupportedError("la2_sp: no NCCL group: " + why_not);
      try {
        body(*c);
      } catch (const std::exception& e) {
        // The other processes are in, or on their way to, this call's collectives: with no way to
        // tell them, the launch ends here (a message and a non-zero exit, not a hang).
        if (c->world() > 1) process_abort(std::string("la2_sp: ") + e.what());
        throw;
      }
      return;
    }
    ws.stream();  // the backend's stream made before the threads share it
    InProcessGroup group(world_);
    std::mutex turn;
    group.run([&](Communicator& comm) {
      std::unique_lock<std::mutex> mine(turn);
      TakingTurns taking_turns(comm, turn);
      body(taking_turns);
    });
  }

  la2::sp::EnginePerRank engine_{"la2"};
  ImplInfo info_;
  int world_ = 4;
  bool ring_ = false, nccl_ = false, ranks_given_ = false;
};

}  // namespace

LASUITE_REGISTER(la2_sp, [] { return std::make_unique<La2SequenceParallelCuda>(); });

}  // namespace lasuite
