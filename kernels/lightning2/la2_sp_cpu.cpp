// Lightning Attention-2 with the sequence split over W ranks (issue 19), the all-gather form: each rank
// holds a contiguous part [a_r, b_r) of every (batch, head)'s rows and
//   forward:  its increment m_r = sum_u lambda^(b_r-1-u) k_u^T v_u (from a zero state), one all-gather
//             of the increments, its start state S_r = lambda^a_r S_init + sum_(j<r) lambda^(a_r-b_j) m_j,
//             then its outputs from S_r (the last rank's final state is the whole sequence's);
//   backward: its reverse increment p_r = sum_u lambda^(u-a_r+1) (scale q_u)^T do_u, one all-gather, the
//             gradient at its end dS_r = lambda^(n-b_r) dS_out + sum_(j>r) lambda^(a_j-b_r) p_j, then its
//             dQ, dK, dV from S_r and dS_r (the first rank's dS_in is the whole sequence's).
// Each rank runs an engine implementation on its part (la2_cpu here) with those states, so the ranks
// compute what one run would, regrouped. Option exchange=ring passes the states rank to rank instead
// (LASP): S_(r+1) = lambda^L_r S_r + m_r forward, dS at a part's start back to the rank before, so
// 2 (W - 1) serial steps a forward and backward against the all-gather's one exchange. Registered as
// "la2_cpu_sp": W ranks as threads of this process through InProcessGroup, the stand-in for NCCL, so
// the algorithm is tested without several GPUs; or (comm=mpi) the processes of an mpirun launch through
// MPI, each holding the whole tensors, computing its part and receiving the others', so the launch,
// the bootstrap and the exchanges between processes are tested on CPUs (tests/CMakeLists.txt runs it).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/communicator.h"
#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/memory.h"
#include "harness/mpi_world.h"
#include "harness/registry.h"
#include "kernels/lightning2/la2_sp_split_host.h"

namespace lasuite {
namespace {

using la2::sp::kMaxRanks;
using la2::sp::Split;
using la2::sp::split_rows;

// One rank's part of every (batch, head)'s rows, as a tensor of its own ([b, h, rows, cols]).
TensorView part_view(Workspace& ws, const TensorView& whole, int64_t rows, Buffer& keep) {
  TensorView t = whole;
  t.dims[2] = rows;
  keep = ws.allocate(t.bytes());
  t.data = keep.data();
  return t;
}

// Copies rows [row0, row0 + rows) of every (batch, head) between a whole tensor and a part.
void copy_rows(const TensorView& whole, const TensorView& part, int64_t row0, bool to_part) {
  const int64_t bh = whole.dims[0] * whole.dims[1], n = whole.dims[2], rows = part.dims[2];
  const size_t row_bytes = static_cast<size_t>(whole.dims[3]) * dtype_size(whole.dtype);
  auto* w = static_cast<unsigned char*>(whole.data);
  auto* p = static_cast<unsigned char*>(part.data);
  for (int64_t i = 0; i < bh; ++i) {
    unsigned char* wi = w + (i * n + row0) * row_bytes;
    unsigned char* pi = p + i * rows * row_bytes;
    if (to_part) std::memcpy(pi, wi, rows * row_bytes);
    else std::memcpy(wi, pi, rows * row_bytes);
  }
}

// A rank's copy of rows [row0, row0 + rows) of every (batch, head) of a whole tensor.
TensorView take_part(Workspace& ws, const TensorView& whole, int64_t row0, int64_t rows, Buffer& keep) {
  TensorView t = part_view(ws, whole, rows, keep);
  copy_rows(whole, t, row0, true);
  return t;
}

// A tensor's rows as doubles (host memory, any dtype).
std::vector<double> as_doubles(const TensorView& t) {
  std::vector<double> out(static_cast<size_t>(t.numel()));
  convert_to_f64(t.data, t.dtype, out.data(), out.size());
  return out;
}

// sum_u w(u) a_u^T b_u over a part's rows, per (batch, head): [bh][da][db], in fp32 (the states' type).
template <class Weight>
std::vector<float> weighted_outer_sums(const TensorView& a, const TensorView& b, Weight weight) {
  const int64_t bh = a.dims[0] * a.dims[1], rows = a.dims[2], da = a.dims[3], db = b.dims[3];
  const std::vector<double> x = as_doubles(a), y = as_doubles(b);
  std::vector<float> out(static_cast<size_t>(bh * da * db));
  std::vector<double> acc(static_cast<size_t>(da * db));
  for (int64_t i = 0; i < bh; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t u = 0; u < rows; ++u) {
      const double w = weight(i, u);
      const double* xu = x.data() + (i * rows + u) * da;
      const double* yu = y.data() + (i * rows + u) * db;
      for (int64_t r = 0; r < da; ++r)
        for (int64_t c = 0; c < db; ++c) acc[r * db + c] += w * xu[r] * yu[c];
    }
    std::copy(acc.begin(), acc.end(), out.begin() + i * da * db);
  }
  return out;
}

// A part's increment m = sum_u lambda^(rows-1-u) k_u^T v_u, per (batch, head).
std::vector<float> state_increment(const Problem& p, const TensorView& k, const TensorView& v) {
  const int64_t rows = k.dims[2];
  return weighted_outer_sums(k, v, [&](int64_t i, int64_t u) {
    return std::exp(-p.slope(i % p.heads) * static_cast<double>(rows - 1 - u));
  });
}

class La2SequenceParallelCpu : public Implementation {
 public:
  La2SequenceParallelCpu() {
    info_ = Registry::instance().create("la2_cpu")->info();  // the engine's support, less what is below
    info_.name = "la2_cpu_sp";
    info_.description =
        "Lightning Attention-2 with the sequence split over W ranks (threads, through the in-process stand-in "
        "for NCCL, or an mpirun launch's processes with comm=mpi): one all-gather of the parts' state "
        "increments, la2_cpu on each part; a test of the algorithm, not a benchmark (the ranks' memory is "
        "their own, not counted)";
    // The exchanged states are fp32, as on the GPUs: an f64 problem would carry fp32 rounding into f64.
    info_.support.dtypes = {DType::f32, DType::bf16, DType::f16};
    info_.support.packed = false;
    info_.support.state_in_place = false;
    info_.options = {{"ranks", "1.." + std::to_string(kMaxRanks), "4", "ranks the sequence is split over"},
                     {"exchange", "allgather or ring", "allgather",
                      "how the ranks get their start states: one all-gather, or passed rank to rank (LASP)"},
                     {"comm", "threads or mpi", "threads",
                      "ranks as threads of this process, or the processes of an mpirun launch (ranks then ignored)"}};
  }
  const ImplInfo& info() const override { return info_; }

  void set_option(const std::string& key, const std::string& value) override {
    if (key == "exchange") {
      ring_ = la2::sp::parse_ring("la2_cpu_sp", value);
      return;
    }
    if (key == "comm") {
      mpi_ = la2::sp::parse_comm("la2_cpu_sp", value, "mpi");
      return;
    }
    if (key != "ranks") throw UsageError("la2_cpu_sp has no option '" + key + "'");
    world_ = la2::sp::parse_ranks("la2_cpu_sp", value);
    ranks_given_ = true;
  }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = Implementation::unsupported(p)) return why;
    if (!mpi_) return std::nullopt;
    std::string why_not;
    if (!mpi::host_group(&why_not)) return "no MPI group: " + why_not;
    return la2::sp::ranks_beside_launch(ranks_given_, world_, ranks(), "mpi");
  }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse(p);
    const int world = ranks();
    const Split split = split_rows(p.seqlen, world);
    const int64_t bh = p.batch * p.heads, de = p.dim_qk * p.dim_v;
    run_ranks([&](Communicator& comm) {
      const int r = comm.rank();
      const int64_t a = split.begin[r], rows = split.rows(r);
      MemoryTracker tracker;  // the rank's own memory
      Workspace local(ws.backend(), tracker);
      Buffer kq, kk, kv, ko;
      TensorView q, k, v, o;
      std::vector<float> increment(static_cast<size_t>(bh * de), 0.f);
      if (rows > 0) {
        q = take_part(local, io.q, a, rows, kq), k = take_part(local, io.k, a, rows, kk);
        v = take_part(local, io.v, a, rows, kv), o = part_view(local, io.o, rows, ko);
        increment = state_increment(p, k, v);
      }
      std::vector<float> start;
      if (ring_) {
        start = ring_start_state(comm, p, io.state_in, split, increment);
      } else {
        std::vector<float> all(increment.size() * world);
        comm.all_gather(increment.data(), all.data(), increment.size() * sizeof(float));
        start = start_state(p, io.state_in, split, r, all);
      }
      if (rows == 0) {
        if (r == world - 1 && p.state_out) std::memcpy(io.state_out.data, start.data(), start.size() * sizeof(float));
        if (mpi_) share_outputs_forward(comm, p, io, split);
        return;
      }
      Problem part = p;
      part.seqlen = rows;
      part.state_in = r > 0 || p.state_in;
      part.state_out = r == world - 1 && p.state_out;
      ForwardIO f = io;
      f.q = q, f.k = k, f.v = v, f.o = o;
      f.state_in = part.state_in ? state_on(p, start.data()) : TensorView{};
      f.state_out = part.state_out ? io.state_out : TensorView{};
      engine_(mpi_ ? 0 : r).forward(part, f, local);
      copy_rows(io.o, o, a, false);
      if (mpi_) share_outputs_forward(comm, p, io, split);
    });
    return std::make_unique<Saved>();  // the backward recomputes the states
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    refuse(p);
    const int world = ranks();
    const Split split = split_rows(p.seqlen, world);
    const int64_t bh = p.batch * p.heads, de = p.dim_qk * p.dim_v;
    const double scale = p.effective_scale();
    run_ranks([&](Communicator& comm) {
      const int r = comm.rank();
      const int64_t a = split.begin[r], rows = split.rows(r);
      MemoryTracker tracker;
      Workspace local(ws.backend(), tracker);
      Buffer b_q, b_k, b_v, b_do, b_dq, b_dk, b_dv;
      TensorView q, k, v, dout;
      std::vector<float> increment(static_cast<size_t>(bh * de), 0.f), reverse(static_cast<size_t>(bh * de), 0.f);
      if (rows > 0) {
        q = take_part(local, io.q, a, rows, b_q), k = take_part(local, io.k, a, rows, b_k);
        v = take_part(local, io.v, a, rows, b_v), dout = take_part(local, io.dout, a, rows, b_do);
        increment = state_increment(p, k, v);
        reverse = weighted_outer_sums(q, dout, [&](int64_t i, int64_t u) {
          return scale * std::exp(-p.slope(i % p.heads) * static_cast<double>(u + 1));
        });
      }
      std::vector<float> start, end_grad;
      if (ring_) {
        start = ring_start_state(comm, p, io.state_in, split, increment);
        end_grad = ring_end_gradient(comm, p, io.dstate_out, split, reverse);
      } else {
        // One exchange of both: the forward's increments (for S_r) and the backward's (for dS_r).
        std::vector<float> mine(increment);
        mine.insert(mine.end(), reverse.begin(), reverse.end());
        std::vector<float> all(mine.size() * world);
        comm.all_gather(mine.data(), all.data(), mine.size() * sizeof(float));
        std::vector<float> incs(increment.size() * world), revs(increment.size() * world);
        for (int j = 0; j < world; ++j) {
          std::copy_n(all.begin() + j * mine.size(), increment.size(), incs.begin() + j * increment.size());
          std::copy_n(all.begin() + j * mine.size() + increment.size(), increment.size(), revs.begin() + j * increment.size());
        }
        start = start_state(p, io.state_in, split, r, incs);
        end_grad = end_gradient(p, io.dstate_out, split, r, revs);
      }
      if (rows == 0) {
        if (r == 0 && p.state_in) std::memcpy(io.dstate_in.data, end_grad.data(), end_grad.size() * sizeof(float));
        if (mpi_) share_outputs_backward(comm, p, io, split);
        return;
      }
      Problem part = p;
      part.seqlen = rows;
      part.state_in = r > 0 || p.state_in;
      part.state_out = r < world - 1 || p.state_out;
      BackwardIO g = io;
      g.q = q, g.k = k, g.v = v, g.dout = dout, g.o = TensorView{};
      g.dq = part_view(local, io.dq, rows, b_dq), g.dk = part_view(local, io.dk, rows, b_dk);
      g.dv = part_view(local, io.dv, rows, b_dv);
      g.state_in = part.state_in ? state_on(p, start.data()) : TensorView{};
      g.dstate_out = part.state_out ? state_on(p, end_grad.data()) : TensorView{};
      // Only the first rank's gradient of its start state is the sequence's dS_in; the others' go nowhere.
      std::vector<float> discard(r == 0 ? 0 : start.size());
      g.dstate_in = part.state_in ? (r == 0 ? io.dstate_in : state_on(p, discard.data())) : TensorView{};
      engine_(mpi_ ? 0 : r).backward(part, g, nullptr, local);
      copy_rows(io.dq, g.dq, a, false), copy_rows(io.dk, g.dk, a, false), copy_rows(io.dv, g.dv, a, false);
      if (mpi_) share_outputs_backward(comm, p, io, split);
    });
  }

 private:
  void refuse(const Problem& p) const {
    if (auto why = unsupported(p)) throw UnsupportedError("la2_cpu_sp: " + *why);
  }
  int ranks() const {
    if (!mpi_) return world_;
    Communicator* c = mpi::host_group(nullptr);  // refuse() has said why where there is none
    return c ? c->world() : 1;
  }
  // The ranks as threads (comm=threads), or this process as its launch's rank (comm=mpi; an error
  // after the exchanges may have begun ends the launch, since the others would wait for this rank).
  void run_ranks(const std::function<void(Communicator&)>& body) {
    if (!mpi_) {
      InProcessGroup group(world_);
      group.run(body);
      return;
    }
    Communicator& comm = *mpi::host_group(nullptr);
    try {
      body(comm);
    } catch (const std::exception& e) {
      if (comm.world() > 1) mpi::abort(std::string("la2_cpu_sp: ") + e.what());
      throw;
    }
  }
  // comm=mpi: every process holds the whole tensors and has written its part; the other parts come
  // from their ranks: all-gathers of the parts, each padded to the longest, over groups of (batch,
  // head) blocks that keep one rank's share of an exchange under 1 GiB (MPI counts are ints).
  static void share_rows(Communicator& comm, const Split& split, const TensorView& whole) {
    const int64_t longest = split.longest();
    const int64_t bh = whole.dims[0] * whole.dims[1], n = whole.dims[2];
    const size_t row_bytes = static_cast<size_t>(whole.dims[3]) * dtype_size(whole.dtype);
    const size_t block_bytes = static_cast<size_t>(longest) * row_bytes;
    const int64_t group = std::max<int64_t>(1, static_cast<int64_t>((size_t(1) << 30) / std::max<size_t>(block_bytes, 1)));
    auto* w = static_cast<unsigned char*>(whole.data);
    const int me = comm.rank();
    std::vector<unsigned char> mine, all;
    for (int64_t i0 = 0; i0 < bh; i0 += group) {
      const int64_t blocks = std::min(group, bh - i0);
      const size_t part_bytes = static_cast<size_t>(blocks) * block_bytes;
      mine.assign(part_bytes, 0), all.resize(part_bytes * split.world());
      for (int64_t i = 0; i < blocks; ++i)
        std::memcpy(mine.data() + i * block_bytes, w + ((i0 + i) * n + split.begin[me]) * row_bytes,
                    split.rows(me) * row_bytes);
      comm.all_gather(mine.data(), all.data(), part_bytes);
      for (int r = 0; r < split.world(); ++r)
        for (int64_t i = 0; i < blocks; ++i)
          std::memcpy(w + ((i0 + i) * n + split.begin[r]) * row_bytes, all.data() + r * part_bytes + i * block_bytes,
                      split.rows(r) * row_bytes);
    }
  }
  // Rank `from`'s copy of a state into every rank's.
  static void share_state(Communicator& comm, int from, const TensorView& state) {
    std::vector<unsigned char> all(state.bytes() * comm.world());
    comm.all_gather(state.data, all.data(), state.bytes());
    std::memcpy(state.data, all.data() + from * state.bytes(), state.bytes());
  }
  static void share_outputs_forward(Communicator& comm, const Problem& p, const ForwardIO& io, const Split& split) {
    share_rows(comm, split, io.o);
    if (p.state_out) share_state(comm, split.world() - 1, io.state_out);
  }
  static void share_outputs_backward(Communicator& comm, const Problem& p, const BackwardIO& io, const Split& split) {
    share_rows(comm, split, io.dq), share_rows(comm, split, io.dk), share_rows(comm, split, io.dv);
    if (p.state_in) share_state(comm, 0, io.dstate_in);
  }
  // A rank's state (start state, gradient at its end) in host memory, as the engine takes states.
  static TensorView state_on(const Problem& p, float* data) {
    TensorView t;
    t.data = data;
    t.dtype = DType::f32;
    t.device = DeviceKind::cpu;
    t.dims = {p.batch, p.heads, p.dim_qk, p.dim_v};
    return t;
  }
  // S_r = lambda^a_r S_init + sum_(j<r) lambda^(a_r-b_j) m_j, per (batch, head).
  static std::vector<float> start_state(const Problem& p, const TensorView& init, const Split& split, int r,
                                        const std::vector<float>& incs) {
    const int64_t bh = p.batch * p.heads, de = p.dim_qk * p.dim_v;
    std::vector<float> s(static_cast<size_t>(bh * de), 0.f);
    for (int64_t i = 0; i < bh; ++i) {
      const double slope = p.slope(i % p.heads);
      float* si = s.data() + i * de;
      if (p.state_in) {
        const float w = static_cast<float>(std::exp(-slope * static_cast<double>(split.begin[r])));
        for (int64_t x = 0; x < de; ++x) si[x] = w * init.as<const float>()[i * de + x];
      }
      for (int j = 0; j < r; ++j) {
        const float w = static_cast<float>(std::exp(-slope * static_cast<double>(split.begin[r] - split.begin[j + 1])));
        const float* mj = incs.data() + (static_cast<int64_t>(j) * bh + i) * de;
        for (int64_t x = 0; x < de; ++x) si[x] += w * mj[x];
      }
    }
    return s;
  }
  // dS at the end of part r: lambda^(n-b_r) dS_out + sum_(j>r) lambda^(a_j-b_r) p_j.
  static std::vector<float> end_gradient(const Problem& p, const TensorView& dout_state, const Split& split, int r,
                                         const std::vector<float>& revs) {
    const int64_t bh = p.batch * p.heads, de = p.dim_qk * p.dim_v, n = p.seqlen;
    const int world = static_cast<int>(split.begin.size()) - 1;
    const int64_t b = split.begin[r + 1];
    std::vector<float> g(static_cast<size_t>(bh * de), 0.f);
    for (int64_t i = 0; i < bh; ++i) {
      const double slope = p.slope(i % p.heads);
      float* gi = g.data() + i * de;
      if (p.state_out) {
        const float w = static_cast<float>(std::exp(-slope * static_cast<double>(n - b)));
        for (int64_t x = 0; x < de; ++x) gi[x] = w * dout_state.as<const float>()[i * de + x];
      }
      for (int j = r + 1; j < world; ++j) {
        const float w = static_cast<float>(std::exp(-slope * static_cast<double>(split.begin[j] - b)));
        const float* pj = revs.data() + (static_cast<int64_t>(j) * bh + i) * de;
        for (int64_t x = 0; x < de; ++x) gi[x] += w * pj[x];
      }
    }
    return g;
  }
  // The ring: S_r from the rank before (S_init, or zero, at rank 0), S_(r+1) = lambda^L_r S_r + m_r on.
  std::vector<float> ring_start_state(Communicator& comm, const Problem& p, const TensorView& init, const Split& split,
                                      const std::vector<float>& increment) const {
    const int r = comm.rank();
    const int64_t bh = p.batch * p.heads, de = p.dim_qk * p.dim_v;
    std::vector<float> s(increment.size(), 0.f);
    if (r > 0) comm.recv(s.data(), s.size() * sizeof(float), r - 1);
    else if (p.state_in) std::copy_n(init.as<const float>(), s.size(), s.begin());
    if (r + 1 < comm.world()) {
      std::vector<float> next(s.size());
      for (int64_t i = 0; i < bh; ++i) {
        const float w = static_cast<float>(std::exp(-p.slope(i % p.heads) * static_cast<double>(split.rows(r))));
        for (int64_t x = 0; x < de; ++x) next[i * de + x] = w * s[i * de + x] + increment[i * de + x];
      }
      comm.send(next.data(), next.size() * sizeof(float), r + 1);
    }
    return s;
  }
  // Backward along the ring: dS at the end of part r from the rank after (dS_out, or zero, at the last),
  // dS at its start = lambda^L_r dS_end + p_r to the rank before.
  std::vector<float> ring_end_gradient(Communicator& comm, const Problem& p, const TensorView& dout_state,
                                       const Split& split, const std::vector<float>& reverse) const {
    const int r = comm.rank();
    const int64_t bh = p.batch * p.heads, de = p.dim_qk * p.dim_v;
    std::vector<float> g(reverse.size(), 0.f);
    if (r + 1 < comm.world()) comm.recv(g.data(), g.size() * sizeof(float), r + 1);
    else if (p.state_out) std::copy_n(dout_state.as<const float>(), g.size(), g.begin());
    if (r > 0) {
      std::vector<float> before(g.size());
      for (int64_t i = 0; i < bh; ++i) {
        const float w = static_cast<float>(std::exp(-p.slope(i % p.heads) * static_cast<double>(split.rows(r))));
        for (int64_t x = 0; x < de; ++x) before[i * de + x] = w * g[i * de + x] + reverse[i * de + x];
      }
      comm.send(before.data(), before.size() * sizeof(float), r - 1);
    }
    return g;
  }

  la2::sp::EnginePerRank engine_{"la2_cpu"};
  ImplInfo info_;
  int world_ = 4;
  bool ring_ = false, mpi_ = false, ranks_given_ = false;
};

}  // namespace

LASUITE_REGISTER(la2_cpu_sp, [] { return std::make_unique<La2SequenceParallelCpu>(); });

}  // namespace lasuite
