// Lightning Attention-2 on CUDA, registered as "la2": argument checks before any launch, then the
// forward as one pass of the chunk algorithm and the backward as three, or two (below) (la2_pass.h):
//   dQ = forward(Q'=dO, K'=V, V'=K; init S0^T), scaled by `scale`
//   dK = reverse-order forward(Q'=V, K'=dO, V'=scale Q; init dS_out^T / lambda)
//   dV = reverse-order forward(Q'=K, K'=scale Q, V'=dO; init dS_out / lambda), dS_in = lambda * its final state
// (the 1/lambda is never computed: the pass is told its initial state is lambda times the true one).
// The forward keeps its segment data (a few state matrices per head): the dQ pass's state is the
// forward's transposed, so it reads them instead of computing its own. Where the dual output step runs
// (la2::dual_pass_usable: bf16/f16 on Hopper, d = e = 64 or 128, or narrower read in place by TMA), dK
// comes from the dV pass as its second
// output, O2 = c_intra ((V dO^T) (x) M) Q + c_inter diag(lambda^(t+1)) V dS^T with the dV pass's
// c_intra = scale and c_inter = 1 (the dK pass's state is dS^T), so Q, K, V and dO are read once for
// both; otherwise the dV pass reads the dK pass's segment data.
// A packed batch (Problem::cu_seqlens) runs its sequences in one ragged grid a pass (la2_ragged_host.h),
// a sequence too long to share the device as a span of its own (its heads, its rows, every head's rows
// `total` apart); an empty sequence's final state is its initial one (and dS_in its dS_out).
// Head dims past 128 run as value-tiled passes (la2_value_tiles_host.h) where the Hopper kernels run,
// other dims than 64 and 128 in head-dim tiles (kernels/common/tiled_head_dims.h).
// A forward of at most la2::kDecodeMaxTokens rows (a decode step) runs the recurrent kernel instead
// (la2_decode.h), which reads and writes the state once; its final state may be written over its
// initial one (Support::state_in_place), which the chunk passes get by reading a copy.
// Each pass's plan is chosen by la2::plan_pass within this instance's PlanOptions, which an experiment
// sets through the options declared below (`--impl-option`); nothing is read from the environment.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/backend.h"
#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"
#include "kernels/common/head_dim_tiles_host.h"
#include "kernels/common/tensor_map.h"
#include "kernels/common/tensor_checks_host.h"
#include "kernels/common/tiled_head_dims.h"
#include "kernels/lightning2/la2_decode.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_plan_options_host.h"
#include "kernels/lightning2/la2_plan_text_host.h"
#include "kernels/lightning2/la2_ragged_host.h"
#include "kernels/lightning2/la2_value_tiled_pass.h"
#include "kernels/lightning2/la2_value_tiles_host.h"

namespace lasuite {
namespace {

// Rows are read with 16-byte cp.async; states are written as float2.
constexpr size_t kAlignment = 16;

// The one-pass flags of up to three passes run in this order, in one region zeroed on the stream before
// the first launch, so that no later launch, which may start early, waits behind a memset. at[i]: pass i's.
struct PassFlags {
  Buffer region;
  std::array<int*, 3> at{};
};
PassFlags zeroed_flags(Workspace& ws, std::initializer_list<size_t> bytes) {
  size_t total = 0;
  for (size_t b : bytes) total += b;
  PassFlags f;
  f.region = ws.allocate(total);
  ws.backend().fill_bytes(f.region.data(), 0, total);
  int* next = f.region.as<int>();
  size_t i = 0;
  for (size_t b : bytes) f.at.at(i++) = next, next += b / sizeof(int);
  return f;
}

class La2Saved : public Saved {
 public:
  la2::PassPlan plan;
  Buffer segbuf;
  // A packed forward's ragged grid, for its backward: the split (the table's sequences, those run
  // alone; none before a packed forward) and the table on the device. The backward reuses both rather
  // than split again, so options set in between cannot make it read a table of another length.
  std::optional<la2::RaggedSplit> split;
  Buffer ragged_table;
};

class La2Cuda : public Implementation {
 public:
  La2Cuda() {
    info_.name = "la2";
    info_.description =
        "Lightning Attention-2, CUDA: chunk 64, tensor cores (wgmma on Hopper for bf16/f16, else mma.sync), "
        "parallel over sequence segments";
    info_.device = DeviceKind::cuda;
    info_.function = Function::linear_decay;
    info_.support.dtypes = {DType::bf16, DType::f16, DType::f32};
    info_.support.dims_qk = {};  // 64 and 128 natively, past 128 in value tiles (la2_value_tiles_host.h), others in head-dim tiles
    info_.support.dims_v = {};
    info_.support.max_dim = tiles::kMaxHeadDim;
    info_.support.distinct_v_dim = true;
    info_.support.decay = true;
    info_.support.scale = true;
    info_.support.state = true;
    info_.support.state_in_place = true;
    info_.support.packed = true;
    info_.support.backward = true;
    info_.options = la2::plan_option_list();
  }
  const ImplInfo& info() const override { return info_; }

  void set_option(const std::string& key, const std::string& value) override {
    la2::set_plan_option(options_, key, value);
  }

  std::optional<std::string> unsupported(const Problem& p) const override {
    if (auto why = problem_refusal(p)) return why;
    return gpu_refusal();
  }

  Work work(const Problem& p) const override { return linear_block_work(p, 64); }

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    refuse(problem_refusal(p));
    host::check_forward_io(p, io, DeviceKind::cuda, kAlignment);
    refuse(gpu_refusal());
    forward_plans_.clear();
    backward_plans_.clear();  // an earlier call's backward is not this forward's
    // The decode kernel takes any head dims itself; the chunk kernels 64 and 128, dims past 128 in value
    // tiles where they can, others in tiles.
    if (!decode_step(p) && value_tiled(p)) return forward_value_tiled(p, io, ws);
    if (!decode_step(p) && !tiles::native_dims(p.dim_qk, p.dim_v)) {
      forward_plans_.push_back(text_note("in head-dim tiles (each pair a native run)"));
      return tiles::forward_in_tiles(
          p, io, ws, tiles::Split::linear,
          [&](const Problem& t, const ForwardIO& x, Workspace& w) { return forward_native(t, x, w); },
          reads_in_place(p));
    }
    return forward_native(p, io, ws);
  }

  void backward(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) override {
    refuse(problem_refusal(p));
    host::check_backward_io(p, io, DeviceKind::cuda, kAlignment, /*needs_o=*/false);
    refuse(gpu_refusal());
    backward_plans_.clear();
    if (value_tiled(p)) {
      if (options_.fused_backward && backward_in_windows_runs(p, io))
        return backward_in_windows(p, io, dynamic_cast<La2Saved*>(saved), ws);
      return backward_value_tiled(p, io, ws);
    }
    if (!tiles::native_dims(p.dim_qk, p.dim_v)) {
      backward_plans_.push_back(text_note("in head-dim tiles (each pair a native run)"));
      // One pair of tiles (dims up to 128) hands on the forward's segment data; more recompute their own.
      tiles::backward_in_tiles(p, io, saved, ws, tiles::Split::linear, /*needs_o=*/false,
                               [&](const Problem& t, const BackwardIO& x, Saved* s, Workspace& w) {
                                 backward_native(t, x, s, w);
                               },
                               reads_in_place(p));
      return;
    }
    backward_native(p, io, saved, ws);
  }

  std::string plan_text() const override { return la2::calls_text(forward_plans_, backward_plans_); }

 private:
  // What the last forward ran, and the backward after it if one has (plan_text). Cleared, not freed, by each
  // call, so noting costs no allocation after the first.
  std::vector<la2::PassNote> forward_plans_, backward_plans_;
  static la2::PassNote pass_note(const char* what, const la2::PassPlan& plan, bool reads_prior = false,
                                 bool ragged = false, const char* after = "") {
    la2::PassNote n;
    n.what = what, n.ragged = ragged, n.has_plan = true, n.plan = plan, n.reads_prior = reads_prior, n.after = after;
    return n;
  }
  static la2::PassNote text_note(const char* what) {
    la2::PassNote n;
    n.what = what;
    return n;
  }
  // `adds_second`: the windows add partial sums of their second output (dK beside dV in windows of e).
  static la2::PassNote value_tiled_note(const char* what, const la2::ValueTiledPass& pass, bool reads_prior = false,
                                        const char* after = "", bool adds_second = false) {
    la2::PassNote n = pass_note(what, pass.plan(), reads_prior, false, after);
    n.tiling = pass.tiling();
    n.of_contraction = pass.contraction_windows();
    n.adds = n.of_contraction || adds_second;
    return n;
  }

  // The chunk kernels read q, k, v and write o in place at a padded width (ChunkWalk::cols_qk, cols_v,
  // OutputStepArgs::cols_o) where rows stay 16-byte pieces and the kernel is 128 wide (in_place_width):
  // widths 72..120 that are multiples of 8, in a dense batch (a packed one's short sequences may run the decode kernel, which reads the padded copies'
  // layout).
  static tiles::InPlaceWidth reads_in_place(const Problem& p) {
    if (p.packed()) return {};
    return [](int64_t width) { return width % 8 == 0 && width > 64 && width <= 128; };
  }

  // Head dims past 128 run as passes in value tiles (la2_value_tiles_host.h), no copies of the tensors,
  // where the dims allow and the Hopper kernels run (16-bit types); a packed batch, f32, other GPUs and
  // more (batch, head) windows than the scan kernel's grid holds take the head-dim tiles.
  bool value_tiled(const Problem& p) const {
    return options_.value_tiles && !p.packed() && la2::value_tiled_dims(p.dim_qk, p.dim_v) &&
           p.batch * p.heads * la2::max_value_tiles(p.dim_qk, p.dim_v) <= la2::kMaxValueTiledRows &&
           la2::wide_kernels_usable(p.dtype, options_);
  }
  std::unique_ptr<Saved> forward_value_tiled(const Problem& p, const ForwardIO& io, Workspace& ws) {
    // The pass moves the initial state first, so the final may overwrite it.
    la2::ValueTiledPass pass(forward_pass(p, io, dense_span(p)), options_, ws);
    forward_plans_.push_back(value_tiled_note("", pass));
    const PassFlags flags = zeroed_flags(ws, {pass.flag_bytes()});
    pass.run(flags.at[0]);
    auto saved = std::make_unique<La2Saved>();
    // A backward in windows of e reads the segment data of these windows (its dQ pass's are the same,
    // transposed); the three-pass backward's windows are others, and compute their own.
    if (window_backward_dims(p) && window_kernels_run(p) && pass.plan().segments > 1) {
      saved->plan = pass.plan();
      saved->segbuf = pass.take_segment_data();
    }
    return saved;
  }
  static bool window_backward_dims(const Problem& p) { return la2::window_backward_dims(p.dim_qk, p.dim_v); }
  // The fused backward asked for, and the windowed dual step on this device under the options.
  bool window_kernels_run(const Problem& p) const {
    return options_.fused_backward && la2::dual_pass_runs(p.dtype, 128, 128, options_, /*windowed=*/true);
  }
  // Whether the backward runs in windows of e (backward_in_windows): its shape, its kernels, and every tensor
  // placed for the copy engine (its windows move by TMA only).
  bool backward_in_windows_runs(const Problem& p, const BackwardIO& io) const {
    if (!window_backward_dims(p) || !window_kernels_run(p)) return false;
    const int64_t rows = p.seqlen;
    for (const TensorView* t : {&io.q, &io.k, &io.v, &io.dout, &io.dq, &io.dk, &io.dv})
      if (!dev::row_tiles_encodable(t->data, t->dims[3], rows)) return false;
    return true;
  }
  // The backward in windows of e (la2::window_backward_dims): dQ as its pass in two windows of its
  // contraction, each adding its partial sum into dQ, on the forward's segment data where it kept them; dK and
  // dV from the dV pass in two value windows with dK as its second output, each window adding its partial sum
  // into dK. Each partial sum is rounded to the element type before the adds, so dQ and dK are rounded three
  // times where a pass over all of e rounds once (two adds into zero land alike in either order, so runs
  // repeat bit for bit). dQ and dK are zeroed first, before the first kernel (a memset between kernels would
  // hold back their early starts). A dQ pass without the forward's data that would need a states step (its
  // blocks not one wave: la2::needs_states_step) runs in value windows on the wide kernel instead, as the
  // three-pass backward's does, writing dQ whole. The order as backward_span's: the fused pass's states part
  // ahead of the dQ pass where fused_states_first says so.
  void backward_in_windows(const Problem& p, const BackwardIO& io, const La2Saved* fwd, Workspace& ws) {
    const Span sp = dense_span(p);
    BackwardPasses b = backward_passes(p, io, sp);
    la2::PassArgs& dv = b.dv;
    la2::PassArgs dq = b.dq;  // a copy: b.dq stays the value-windowed form the fallback below takes
    dq.contraction_windows = true;
    const bool reuse = fwd && fwd->plan.segments > 1 && fwd->segbuf.data();
    if (reuse) dq.prior = fwd->segbuf.as<float>(), dq.prior_transposed = true;
    // (dq_pass_options would change nothing here: its two output warpgroups never run windowed.) Planned here only
    // without the forward's data, the uncommon case; the pass plans again as it is built.
    const bool dq_in_windows = reuse || !la2::needs_states_step(dq, la2::ValueTiledPass::plan_for(dq, options_));
    if (!dq_in_windows) dq = b.dq;
    dv.x = rows_at(io.v, p, sp), dv.o2 = rows_at(io.dk, p, sp);
    if (dq_in_windows) ws.backend().fill_bytes(io.dq.data, 0, io.dq.bytes());
    ws.backend().fill_bytes(io.dk.data, 0, io.dk.bytes());
    la2::ValueTiledPass pass_q(dq, options_, ws, reuse ? &fwd->plan : nullptr);
    la2::ValueTiledPass pass_v(dv, options_, ws);
    const bool states_first = la2::fused_states_first(options_, pass_v.plan());
    backward_plans_.push_back(value_tiled_note("dQ ", pass_q, reuse));
    backward_plans_.push_back(value_tiled_note("dK and dV fused, ", pass_v, false,
                                               states_first ? ", its states step before the dQ pass" : "", /*adds_second=*/true));
    const PassFlags flags = zeroed_flags(ws, {pass_q.flag_bytes(), pass_v.flag_bytes()});
    if (states_first) pass_v.run(flags.at[1], la2::PassPart::states);
    pass_q.run(flags.at[0]);
    pass_v.run(flags.at[1], states_first ? la2::PassPart::outputs : la2::PassPart::all);
  }
  // The backward's three passes (backward_passes), each computing its own segment data (one value
  // window's state is not another pass's transposed).
  void backward_value_tiled(const Problem& p, const BackwardIO& io, Workspace& ws) {
    const BackwardPasses b = backward_passes(p, io, dense_span(p));
    la2::ValueTiledPass pass_q(b.dq, options_, ws), pass_k(b.dk, options_, ws), pass_v(b.dv, options_, ws);
    backward_plans_.push_back(value_tiled_note("dQ ", pass_q));
    backward_plans_.push_back(value_tiled_note("dK ", pass_k));
    backward_plans_.push_back(value_tiled_note("dV ", pass_v));
    const PassFlags flags = zeroed_flags(ws, {pass_q.flag_bytes(), pass_k.flag_bytes(), pass_v.flag_bytes()});
    pass_q.run(flags.at[0]);
    pass_k.run(flags.at[1]);
    pass_v.run(flags.at[2]);
  }

  // A span of n rows a sequence runs on the decode kernel (any head dims) rather than the chunk passes.
  bool decode_kernel_runs(int64_t n, bool ragged) const {
    return n >= 1 && n <= la2::kDecodeMaxTokens && options_.allow_decode_kernel && !ragged;
  }
  bool decode_step(const Problem& p) const { return !p.packed() && decode_kernel_runs(p.seqlen, false); }

  // A problem the kernels take as it is: native head dims, or a decode step.
  std::unique_ptr<Saved> forward_native(const Problem& p, const ForwardIO& io, Workspace& ws) {
    if (!p.packed()) return forward_span(p, io, ws, dense_span(p));
    auto saved = std::make_unique<La2Saved>();  // no segment data: each backward pass computes its own
    const Packed packed = packed_runs(p, ws, *saved);
    for (int64_t i : packed.alone) forward_span(p, io, ws, sequence_span(p, i));
    if (packed.shared.ragged) forward_span(p, io, ws, packed.shared);
    // An empty sequence's final state is its initial one.
    if (p.state_out) pass_through_empty_sequences(p, ws, io.state_out, p.state_in ? io.state_in : TensorView{});
    return saved;
  }

  void backward_native(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) {
    auto* fwd = dynamic_cast<La2Saved*>(saved);
    if (!p.packed()) return backward_span(p, io, fwd, ws, dense_span(p));
    La2Saved own;
    const Packed packed = packed_runs(p, ws, fwd && fwd->split ? *fwd : own);
    for (int64_t i : packed.alone) backward_span(p, io, nullptr, ws, sequence_span(p, i));
    if (packed.shared.ragged) backward_span(p, io, nullptr, ws, packed.shared);
    // An empty sequence passes dS_out through to dS_in unchanged.
    if (p.state_in) pass_through_empty_sequences(p, ws, io.dstate_in, p.state_out ? io.dstate_out : TensorView{});
  }

  // What one run of the kernels covers: `bh` (sequence, head) pairs of n rows each, q, k, v, o starting
  // at row row0 of every head and head_rows apart, the states at (sequence, head) index state0 on,
  // `states` of them. A dense batch is one span; a packed batch one span per sequence (its heads, at its
  // offset), or, with `ragged` (a device table of la2::RaggedSequence), one span for the sequences that
  // share a ragged grid: block j * heads + h runs sequence ragged[j], n is the longest, and the states
  // are indexed by the sequences' own indices (all the batch's states).
  struct Span {
    int64_t bh = 0, n = 0, head_rows = 0, row0 = 0, state0 = 0, states = 0;
    const la2::RaggedSequence* ragged = nullptr;
  };
  static Span dense_span(const Problem& p) {
    return {p.batch * p.heads, p.seqlen, p.seqlen, 0, 0, p.batch * p.heads, nullptr};
  }
  static Span sequence_span(const Problem& p, int64_t i) {
    return {p.heads, p.sequence_length(i), p.seqlen, p.sequence_begin(i), i * p.heads, p.heads, nullptr};
  }
  static int64_t state_elems(const Problem& p) { return p.dim_qk * p.dim_v; }
  static size_t state_bytes(const Problem& p, const Span& s) {
    return static_cast<size_t>(s.states * state_elems(p)) * sizeof(float);
  }

  // How a packed batch runs: the sequences run alone (a span each), and the ones sharing a ragged
  // grid (`shared`, no table when none do, or when the option asks for spans: then every non-empty
  // sequence is alone). `grid`: a forward's split and table, made here unless it holds them already.
  struct Packed {
    std::vector<int64_t> alone;
    Span shared;
  };
  Packed packed_runs(const Problem& p, Workspace& ws, La2Saved& grid) {
    const bool made_here = !grid.split;
    if (made_here) {
      grid.split.emplace();
      if (!options_.packed_ragged) {
        for (int64_t i = 0; i < p.sequences(); ++i)
          if (p.sequence_length(i) > 0) grid.split->alone.push_back(i);
      } else {
        grid.split = la2::split_packed(
            p, la2::output_slots(p.dtype, static_cast<int>(p.dim_qk), static_cast<int>(p.dim_v), options_));
      }
    }
    const la2::RaggedSplit& split = *grid.split;
    const int64_t count = static_cast<int64_t>(split.table.size());
    if (made_here && count > 0) {
      grid.ragged_table = ws.allocate(static_cast<size_t>(count) * sizeof(la2::RaggedSequence));
      upload_(split.table.data(), count, static_cast<la2::RaggedSequence*>(grid.ragged_table.data()), ws.stream());
    }
    Packed r;
    r.alone = split.alone;
    if (count > 0)
      r.shared = {count * p.heads, split.longest, p.seqlen, 0, 0, p.sequences() * p.heads,
                  static_cast<const la2::RaggedSequence*>(grid.ragged_table.data())};
    return r;
  }
  // Every empty sequence's state in `dst` (a final state, or a dS_in) becomes its state in `src` (its
  // initial state, or its dS_out), or zero where `src` is undefined; nothing to do where they are the
  // same memory.
  static void pass_through_empty_sequences(const Problem& p, Workspace& ws, const TensorView& dst,
                                           const TensorView& src) {
    if (src.data == dst.data) return;
    for (int64_t i = 0; i < p.sequences(); ++i) {
      const Span s = sequence_span(p, i);
      if (s.n > 0) continue;
      float* out = state_at(dst, p, s);
      if (src.defined()) ws.backend().copy_on_device(out, state_at(src, p, s), state_bytes(p, s));
      else ws.backend().fill_bytes(out, 0, state_bytes(p, s));
    }
  }
  // A tensor's pointer at the span's first row (row-major [.., rows, width], its width its own: the
  // problem's dim, or narrower where the kernels read it in place at a padded dim) or first state.
  static void* rows_at(const TensorView& t, const Problem& p, const Span& s) {
    return static_cast<char*>(t.data) + s.row0 * t.dims[3] * static_cast<int64_t>(dtype_size(p.dtype));
  }
  static int width(const TensorView& t) { return static_cast<int>(t.dims[3]); }
  static float* state_at(const TensorView& t, const Problem& p, const Span& s) {
    return t.data ? t.as<float>() + s.state0 * state_elems(p) : nullptr;
  }

  // The forward as one pass over a span: O = forward(Q, K, V; S_in), S_out its final state.
  static la2::PassArgs forward_pass(const Problem& p, const ForwardIO& io, const Span& sp) {
    la2::PassArgs a = common(p, io.slopes, sp);
    a.dk = static_cast<int>(p.dim_qk), a.dv = static_cast<int>(p.dim_v);
    a.q = rows_at(io.q, p, sp), a.k = rows_at(io.k, p, sp), a.v = rows_at(io.v, p, sp), a.o = rows_at(io.o, p, sp);
    a.cols_qk = width(io.q), a.cols_v = width(io.v), a.cols_o = width(io.o);
    a.c_intra = a.c_inter = static_cast<float>(p.effective_scale());
    a.c_update = 1;
    if (p.state_in) a.init = state_at(io.state_in, p, sp), a.init_rs = p.dim_v, a.init_cs = 1;
    if (p.state_out) a.final_state = state_at(io.state_out, p, sp);
    return a;
  }

  // The backward's three passes over a span (the operands in this file's header), each initial state
  // in the layout its pass reads. The dK and dV passes read only the backward's inputs, complete before
  // the dQ pass's first kernel started: their kernels may start beside the one ahead.
  struct BackwardPasses {
    la2::PassArgs dq, dk, dv;
  };
  static BackwardPasses backward_passes(const Problem& p, const BackwardIO& io, const Span& sp) {
    const int di = static_cast<int>(p.dim_qk), ei = static_cast<int>(p.dim_v);
    const float scale = static_cast<float>(p.effective_scale());
    float* state_in = state_at(io.state_in, p, sp);
    float* dstate_out = state_at(io.dstate_out, p, sp);
    BackwardPasses b;
    la2::PassArgs& dq = b.dq = common(p, io.slopes, sp);  // Q'=dO, K'=V, V'=K: state e x d = S^T
    dq.dk = ei, dq.dv = di;
    dq.q = rows_at(io.dout, p, sp), dq.k = rows_at(io.v, p, sp), dq.v = rows_at(io.k, p, sp);
    dq.o = rows_at(io.dq, p, sp);
    dq.cols_qk = width(io.dout), dq.cols_v = width(io.k), dq.cols_o = width(io.dq);
    dq.c_intra = dq.c_inter = scale;
    dq.c_update = 1;
    if (p.state_in) dq.init = state_in, dq.init_rs = 1, dq.init_cs = ei;

    la2::PassArgs& dk = b.dk = common(p, io.slopes, sp);  // reverse; Q'=V, K'=dO, V'=Q: state e x d = dS^T
    dk.dk = ei, dk.dv = di;
    dk.q = rows_at(io.v, p, sp), dk.k = rows_at(io.dout, p, sp), dk.v = rows_at(io.q, p, sp);
    dk.o = rows_at(io.dk, p, sp);
    dk.cols_qk = width(io.v), dk.cols_v = width(io.q), dk.cols_o = width(io.dk);
    dk.reverse = true;
    dk.c_intra = scale, dk.c_inter = 1, dk.c_update = scale;
    if (p.state_out) dk.init = dstate_out, dk.init_rs = 1, dk.init_cs = ei, dk.init_shift = true;

    la2::PassArgs& dv = b.dv = common(p, io.slopes, sp);  // reverse; Q'=K, K'=Q, V'=dO: state d x e = dS
    dv.dk = di, dv.dv = ei;
    dv.q = rows_at(io.k, p, sp), dv.k = rows_at(io.q, p, sp), dv.v = rows_at(io.dout, p, sp);
    dv.o = rows_at(io.dv, p, sp);
    dv.cols_qk = width(io.k), dv.cols_v = width(io.dout), dv.cols_o = width(io.dv);
    dv.reverse = true;
    dv.c_intra = scale, dv.c_inter = 1, dv.c_update = scale;
    if (p.state_out) dv.init = dstate_out, dv.init_rs = ei, dv.init_cs = 1, dv.init_shift = true;
    if (p.state_in) dv.final_state = state_at(io.dstate_in, p, sp), dv.final_power = 1;
    dk.inputs_ready_early = dv.inputs_ready_early = true;
    return b;
  }

  std::unique_ptr<La2Saved> forward_span(const Problem& p, const ForwardIO& io, Workspace& ws, const Span& sp) {
    auto saved = std::make_unique<La2Saved>();
    if (decode_kernel_runs(sp.n, sp.ragged != nullptr)) {
      forward_plans_.push_back(text_note("the decode kernel"));
      la2::run_decode(decode_args(p, io, sp), options_.early_start, ws.stream());
      return saved;  // no segment data: a backward computes its own
    }
    la2::PassArgs a = forward_pass(p, io, sp);
    Buffer init_copy;  // the chunk passes read the initial state while writing the final one
    if (p.state_in && p.state_out && io.state_out.data == io.state_in.data) {
      init_copy = ws.allocate(state_bytes(p, sp));
      ws.backend().copy_on_device(init_copy.data(), a.init, init_copy.bytes());
      a.init = init_copy.as<float>();
    }
    saved->plan = la2::plan_pass(a, options_);
    forward_plans_.push_back(pass_note("", saved->plan, false, sp.ragged != nullptr));
    saved->segbuf = ws.allocate(saved->plan.segbuf_bytes);
    const PassFlags flags = zeroed_flags(ws, {saved->plan.flag_bytes});
    la2::run_pass(a, saved->plan, saved->segbuf.as<float>(), flags.at[0], ws.stream());
    return saved;
  }

  // fwd: the forward's saved data over the same span, or null.
  void backward_span(const Problem& p, const BackwardIO& io, const La2Saved* fwd, Workspace& ws, const Span& sp) {
    BackwardPasses b = backward_passes(p, io, sp);
    la2::PassArgs &dq = b.dq, &dk = b.dk, &dv = b.dv;
    // Without the forward's segment data (a backward called on its own) the dQ pass makes its own.
    const bool reuse = fwd && fwd->plan.segments > 1 && fwd->segbuf.data();
    if (reuse) dq.prior = fwd->segbuf.as<float>(), dq.prior_transposed = true;
    la2::PassPlan plan_q = la2::plan_pass(dq, la2::dq_pass_options(options_), reuse ? &fwd->plan : nullptr);
    // dK from the dV pass as its second output where the dual output step runs (no dK pass then);
    // otherwise from a pass of its own, whose state is the dV pass's transposed (same reverse walk,
    // slopes and multipliers): the dV pass then reads the dK pass's segment data, unless that holds start
    // states and dS_in is wanted (the final state then comes from the scan kernel, which only a pass of
    // its own runs).
    dv.x = rows_at(io.v, p, sp), dv.o2 = rows_at(io.dk, p, sp);
    const bool fused = fused_dk_dv(dv, io);
    if (!fused) dv.x = nullptr, dv.o2 = nullptr;
    const la2::PassPlan plan_k = fused ? la2::PassPlan{} : la2::plan_pass(dk, options_);
    const bool dv_reuses = !fused && plan_k.segments > 1 && (plan_k.scan_in_kernel || !p.state_in);
    la2::PassPlan plan_v = la2::plan_pass(dv, options_, dv_reuses ? &plan_k : nullptr);
    // The dK and dV passes share one buffer (dV reads dK's); a dQ pass with data of its own gets another,
    // as the dK pass may start before it ends.
    Buffer segbuf = ws.allocate(std::max(plan_k.segbuf_bytes, plan_v.segbuf_bytes));
    Buffer segbuf_q = ws.allocate(plan_q.segbuf_bytes);
    const PassFlags flags = zeroed_flags(ws, {plan_q.flag_bytes, plan_k.flag_bytes, plan_v.flag_bytes});
    if (dv_reuses) dv.prior = segbuf.as<float>(), dv.prior_transposed = true;
    // The fused pass's states part ahead of the dQ pass (la2::fused_states_first): the dQ pass's first
    // kernel never starts early (it reads prior data or is a states step), so the fused pass's outputs,
    // waiting for the dQ pass, find the states step ended too.
    const bool states_first = la2::fused_states_first(options_, plan_v);  // false unless plan_v is the fused pass
    if (states_first) la2::run_pass(dv, plan_v, segbuf.as<float>(), flags.at[2], ws.stream(), la2::PassPart::states);
    // Where states_beside_dq asks (dQ-first order only), the fused pass's states step starts early beside the
    // dQ pass's tail: it reads Q and dO, complete before the dQ pass started, and writes its own buffer,
    // which the dQ pass does not touch; each of its blocks waits for the dQ pass at its end. Its halves'
    // slots are zeroed here, as a memset between the two kernels would hold the early start back.
    const int beside = la2::states_beside_dq_chunks(options_, plan_v, dq);
    if (beside > 0) {
      dv.states_start_early = true;
      dq.dependents_chunks_left = beside;
      la2::zero_halves_slots(plan_v, segbuf.as<float>(), ws.stream());
    }
    const bool ragged = sp.ragged != nullptr;
    backward_plans_.push_back(pass_note("dQ ", plan_q, reuse, ragged));
    if (fused) {
      // states_beside_dq runs in dQ-first order only, so at most one of the two is said.
      backward_plans_.push_back(pass_note("dK and dV fused, ", plan_v, false, ragged,
                                          states_first ? ", its states step before the dQ pass"
                                          : beside > 0 ? ", its states step started early beside the dQ pass"
                                                       : ""));
    } else {
      backward_plans_.push_back(pass_note("dK ", plan_k, false, ragged));
      backward_plans_.push_back(pass_note("dV ", plan_v, dv_reuses, ragged));
    }
    la2::run_pass(dq, plan_q, segbuf_q.as<float>(), flags.at[0], ws.stream());
    // The dK and dV kernels may start beside the one ahead (backward_passes); the dV pass reads the dK
    // pass's segment data only after waiting for it.
    if (!fused) la2::run_pass(dk, plan_k, segbuf.as<float>(), flags.at[1], ws.stream());
    la2::run_pass(dv, plan_v, segbuf.as<float>(), flags.at[2], ws.stream(),
                  states_first ? la2::PassPart::outputs : la2::PassPart::all);
  }
  // Whether the dV pass `dv`, its second output set (X = V, O2 = dK), gives dK too: X as wide as dO, O2
  // as K, narrower than the kernel only where the pass's tiles move by TMA (la2::dual_pass_usable).
  bool fused_dk_dv(const la2::PassArgs& dv, const BackwardIO& io) const {
    return dv.dk == dv.dv && width(io.v) == width(io.dout) && width(io.dk) == width(io.k) &&
           la2::dual_pass_usable(dv, options_);
  }
  // The problem's own limits, then the device: forward and backward check their tensors between the
  // two, so a bad call is refused for what is wrong with it on any machine, a GPU or none.
  std::optional<std::string> problem_refusal(const Problem& p) const {
    if (auto why = Implementation::unsupported(p)) return why;
    if (p.batch * p.heads > 65535) return "batch x heads above 65535 (one grid row per head)";
    if (!std::isfinite(p.effective_scale())) return "scale must be finite";
    return std::nullopt;
  }
  static std::optional<std::string> gpu_refusal() {
    Backend* b = backend_for(DeviceKind::cuda);
    std::string why_not;
    if (!b || !b->available(&why_not)) return "no usable GPU: " + (b ? why_not : std::string("no CUDA backend"));
    return std::nullopt;
  }
  static la2::DecodeArgs decode_args(const Problem& p, const ForwardIO& io, const Span& sp) {
    // The decode kernel steps rows by the problem's dims: tensors read in place at a padded width
    // (reads_in_place) must never reach it.
    if (io.q.dims[3] != p.dim_qk || io.v.dims[3] != p.dim_v || io.o.dims[3] != p.dim_v)
      throw std::logic_error("la2 decode: tensors narrower than the problem's head dims");
    la2::DecodeArgs a;
    a.dtype = p.dtype;
    a.dk = static_cast<int>(p.dim_qk);
    a.dv = static_cast<int>(p.dim_v);
    a.tokens = static_cast<int>(sp.n);
    a.bh = sp.bh;
    a.heads = p.heads;
    a.head_rows = sp.head_rows;
    a.q = rows_at(io.q, p, sp);
    a.k = rows_at(io.k, p, sp);
    a.v = rows_at(io.v, p, sp);
    a.o = rows_at(io.o, p, sp);
    a.slopes = io.slopes.defined() ? io.slopes.as<float>() : nullptr;
    a.scale = static_cast<float>(p.effective_scale());
    if (p.state_in) a.state_in = state_at(io.state_in, p, sp);
    if (p.state_out) a.state_out = state_at(io.state_out, p, sp);
    return a;
  }
  static void refuse(const std::optional<std::string>& why) {
    if (why) throw UnsupportedError("la2: " + *why);
  }
  static la2::PassArgs common(const Problem& p, const TensorView& slopes, const Span& sp) {
    la2::PassArgs a;
    a.dtype = p.dtype;
    a.bh = sp.bh;
    a.heads = p.heads;
    a.n = sp.n;
    a.head_rows = sp.head_rows;
    a.ragged = sp.ragged;
    a.slopes = slopes.defined() ? slopes.as<float>() : nullptr;
    return a;
  }

  ImplInfo info_;
  la2::PlanOptions options_;
  la2::RaggedTableUpload upload_;
};

}  // namespace

LASUITE_REGISTER(la2, [] { return std::make_unique<La2Cuda>(); });

}  // namespace lasuite
