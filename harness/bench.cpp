#include "harness/bench.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "harness/driver_probe.h"
#include "harness/errors.h"
#include "harness/inputs.h"
#include "harness/registry.h"

namespace lasuite {

const char* mode_name(BenchMode m) {
  switch (m) {
    case BenchMode::fwd: return "fwd";
    case BenchMode::bwd: return "bwd";
    case BenchMode::fwdbwd: return "fwdbwd";
    case BenchMode::decode: return "decode";
  }
  return "?";
}

std::optional<BenchMode> parse_mode(const std::string& s) {
  if (s == "fwd") return BenchMode::fwd;
  if (s == "bwd") return BenchMode::bwd;
  if (s == "fwdbwd" || s == "fwd+bwd") return BenchMode::fwdbwd;
  if (s == "decode") return BenchMode::decode;
  return std::nullopt;
}

const char* row_status_name(RowStatus s) {
  switch (s) {
    case RowStatus::ok: return "ok";
    case RowStatus::unsupported: return "unsupported";
    case RowStatus::oom: return "oom";
    case RowStatus::timeout: return "timeout";
    case RowStatus::error: return "error";
  }
  return "?";
}

std::string DecaySpec::name() const {
  if (kind == Kind::none) return "none";
  if (kind == Kind::alibi) return "alibi";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", slope);
  return buf;
}

std::vector<double> DecaySpec::slopes(int64_t heads) const {
  if (kind == Kind::alibi) return alibi_slopes(heads);
  if (kind == Kind::constant) return std::vector<double>(static_cast<size_t>(heads), slope);
  return {};
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string seconds_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", ms / 1e3);
  return buf;
}

Problem make_problem(const BenchConfig& c, const ImplInfo& info, DType dtype, int64_t n, int64_t batch,
                     int64_t context) {
  Problem p;
  p.batch = batch;
  p.heads = c.heads;
  p.seqlen = n;
  p.dim_qk = c.dim_qk;
  p.dim_v = c.dim_v;
  p.dtype = dtype;
  p.function = info.function;
  if (info.function == Function::linear_decay) p.slopes = c.decay.slopes(c.heads);
  // A decode step carries the state (linear attention) or reads a KV cache of `context` tokens (softmax).
  if (!c.decode_batches.empty() && info.function == Function::linear_decay) p.state_in = p.state_out = true;
  p.context = context;
  if (c.packed) {
    p.batch = 1;
    p.seqlen = c.packed->total();
    p.cu_seqlens = c.packed->cu_seqlens();
  }
  return p;
}

// "N sequences, MIN..MAX tokens" of a packed problem.
std::string packed_summary(const Problem& p) {
  int64_t lo = p.seqlen, hi = 0;
  for (int64_t i = 0; i < p.sequences(); ++i) lo = std::min(lo, p.sequence_length(i)), hi = std::max(hi, p.sequence_length(i));
  return std::to_string(p.sequences()) + " sequences, " + std::to_string(lo) + ".." + std::to_string(hi) + " tokens";
}

BenchRow base_row(const ImplInfo& info, const Problem& p, BenchMode mode, const DecaySpec& decay) {
  BenchRow r;
  r.impl = info.name;
  r.device = device_name(info.device);
  r.function = function_name(info.function);
  r.batch = p.batch;
  r.heads = p.heads;
  r.seqlen = p.seqlen;
  r.dim_qk = p.dim_qk;
  r.dim_v = p.dim_v;
  r.dtype = dtype_name(p.dtype);
  r.decay = info.function == Function::linear_decay ? decay.name() : "none";
  r.mode = mode_name(mode);
  r.context = p.context;
  if (p.packed()) r.packed = packed_summary(p);
  return r;
}

void set_status(BenchRow& r, RowStatus s, std::string reason) {
  r.status = s;
  r.reason = std::move(reason);
}

// The work model's figures for one mode: FLOPs and the fewest bytes moved.
struct ModeWork {
  double flops = 0, bytes = 0;
};
ModeWork mode_work(const Implementation& impl, const Problem& p, BenchMode mode) {
  const Work w = impl.work(p);
  return {(runs_forward(mode) ? w.fwd_flops : 0) + (runs_backward(mode) ? w.bwd_flops : 0),
          (runs_forward(mode) ? w.fwd_bytes : 0) + (runs_backward(mode) ? w.bwd_bytes : 0)};
}

// The least time a run can take on a device with these ceilings: the bytes over the copy rate or the
// FLOPs over the GEMM rate, whichever is longer; nullopt without ceilings.
std::optional<double> floor_seconds(const ModeWork& w, const std::optional<Ceilings>& ceilings) {
  if (!ceilings || ceilings->copy_bytes_per_s <= 0 || ceilings->gemm_flops_per_s <= 0) return std::nullopt;
  return std::max(w.bytes / ceilings->copy_bytes_per_s, w.flops / ceilings->gemm_flops_per_s);
}

void fill_figures(BenchRow& r, const Implementation& impl, const Problem& p, BenchMode mode, const Samples& s,
                  const std::optional<Ceilings>& ceilings) {
  r.median_ms = s.median_ms();
  r.min_ms = s.min_ms();
  r.max_ms = s.max_ms();
  r.repeats = static_cast<int>(s.ms.size());
  const ModeWork w = mode_work(impl, p, mode);
  r.flops = w.flops;
  r.min_bytes = w.bytes;
  double seconds = r.median_ms / 1e3;
  if (seconds > 0) {
    r.tokens_per_s = static_cast<double>(p.batch * p.seqlen) / seconds;
    r.flops_per_s = r.flops / seconds;
  }
  if (const std::optional<double> floor_s = floor_seconds(w, ceilings)) {
    r.floor_ms = *floor_s * 1e3;
    if (r.median_ms > 0) r.fraction_of_floor = *r.floor_ms / r.median_ms;
  }
}

// What a row of `mode` still has to allocate in the harness's own buffers: its outputs (o; or o as an
// input, and dq, dk, dv) and, unless they exist already, the inputs made for its length (q, k, v,
// slopes, and dout when any mode of the sweep runs a backward).
size_t row_bytes_to_allocate(const Problem& p, BenchMode mode, bool inputs_with_dout, bool inputs_made) {
  const size_t qk = tensor_bytes(qk_dims(p), p.dtype), vo = tensor_bytes(v_dims(p), p.dtype);
  const size_t kv = tensor_bytes(key_dims(p), p.dtype) + tensor_bytes(value_dims(p), p.dtype);
  const size_t inputs = qk + kv + (inputs_with_dout ? vo : 0) + static_cast<size_t>(p.heads) * sizeof(float);
  const size_t state = p.state_out ? tensor_bytes(state_dims(p), DType::f32) : 0;
  const size_t outputs = (runs_backward(mode) ? vo + 2 * qk + vo : vo) + state;
  return outputs + (inputs_made ? 0 : inputs + (p.state_in ? state : 0));
}

// Runs one row on inputs that already exist: outputs allocated, the memory run (first warm-up,
// through the driver probe), then the remaining warm-ups and the cold samples; with graph_steps > 0,
// the samples replay graph_steps runs recorded as one graph (Backend::record), each over graph_steps.
void run_row(Implementation& impl, const Problem& p, BenchMode mode, const ProblemInputs& in, Backend& backend,
             MemoryTracker& tracker, const TimingPolicy& policy, const std::optional<Ceilings>& ceilings,
             BenchRow& row, int graph_steps = 0) {
  const auto row_start = std::chrono::steady_clock::now();
  const DeviceKind dev = impl.info().device;
  // Scratch freed by one run of the row serves the next (TimingPolicy::keep_freed_scratch); what the
  // row kept goes back to the driver when it ends, so the next row (another implementation's libraries
  // allocating outside the pool) finds the device as free as before.
  KeptFreedMemory kept(backend, policy.keep_freed_scratch);
  DriverProbe probe(backend);
  Workspace probe_ws(probe, tracker);
  Workspace ws(backend, tracker);

  // For the backward alone, o is one of its inputs.
  Buffer o_input;
  if (mode == BenchMode::bwd) o_input = ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::inputs);

  const size_t extra_before = tracker.current(MemoryCategory::extra);
  const size_t outputs_before = tracker.current(MemoryCategory::outputs);
  tracker.reset_peaks();
  probe.begin();

  Buffer o, dq, dk, dv, state_out;
  if (mode != BenchMode::bwd) o = probe_ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::outputs);
  // A decode step writes the state back: into the state it read where the implementation allows it.
  const bool state_in_place = p.state_in && impl.info().support.state_in_place;
  if (p.state_out && !state_in_place)
    state_out = probe_ws.allocate(tensor_bytes(state_dims(p), DType::f32), MemoryCategory::outputs);
  if (runs_backward(mode)) {
    dq = probe_ws.allocate(tensor_bytes(qk_dims(p), p.dtype), MemoryCategory::outputs);
    dk = probe_ws.allocate(tensor_bytes(qk_dims(p), p.dtype), MemoryCategory::outputs);
    dv = probe_ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::outputs);
  }

  ForwardIO fio = forward_io(in, view_of(mode == BenchMode::bwd ? o_input : o, p.dtype, dev, v_dims(p)));
  if (p.state_out) fio.state_out = state_in_place ? in.state_in_view : view_of(state_out, DType::f32, dev, state_dims(p));
  BackwardIO bio = backward_io(in, fio.o, TensorView{}, TensorView{}, TensorView{});
  if (runs_backward(mode)) {
    bio.dq = view_of(dq, p.dtype, dev, qk_dims(p));
    bio.dk = view_of(dk, p.dtype, dev, qk_dims(p));
    bio.dv = view_of(dv, p.dtype, dev, v_dims(p));
  }

  std::unique_ptr<Saved> bwd_saved, run_saved;
  Workspace* run_ws = &probe_ws;
  if (mode == BenchMode::bwd) {
    // The backward's Saved comes from one untimed forward; what it keeps counts, its scratch does not
    // (handed back to the driver here, or the kept pool would carry it into the driver's figure).
    bwd_saved = impl.forward(p, fio, probe_ws);
    backend.keep_freed_memory(false);
    backend.keep_freed_memory(policy.keep_freed_scratch);
    probe.sync_point();
    tracker.reset_peaks();
    probe.restart_low_mark();
  }

  // One run of the mode on `w`: what the forward saved, for the caller to keep or drop.
  const auto run_mode = [&](Workspace& w) -> std::unique_ptr<Saved> {
    switch (mode) {
      case BenchMode::fwd:
      case BenchMode::decode: return impl.forward(p, fio, w);
      case BenchMode::fwdbwd: {
        std::unique_ptr<Saved> saved = impl.forward(p, fio, w);
        impl.backward(p, bio, saved.get(), w);
        return saved;
      }
      case BenchMode::bwd: impl.backward(p, bio, bwd_saved.get(), w); break;
    }
    return nullptr;
  };
  Region region;
  region.run = [&] { run_saved = run_mode(*run_ws); };
  region.cleanup = [&] { run_saved.reset(); };

  // First warm-up: module load and first touch, and the memory figures of one whole run.
  std::unique_ptr<Timer> timer = backend.make_timer();
  timer->start();
  region.run();
  timer->stop();
  const double first_ms = timer->elapsed_ms();
  row.plan = impl.plan_text();
  probe.sync_point();
  row.peak_extra_bytes = static_cast<int64_t>(tracker.peak(MemoryCategory::extra) - extra_before);
  row.outputs_bytes = static_cast<int64_t>(tracker.peak(MemoryCategory::outputs) - outputs_before);
  region.cleanup();
  row.driver_delta_bytes = probe.delta_bytes();

  if (first_ms > policy.row_time_limit_s * 1e3) {
    set_status(row, RowStatus::timeout,
               "one run took " + seconds_text(first_ms) + ", over the row time limit of " +
                   seconds_text(policy.row_time_limit_s * 1e3));
    return;
  }
  run_ws = &ws;
  std::unique_ptr<Replay> replay;
  if (graph_steps > 0) {
    // Each recorded run drops what it saved at once, so the graph frees what it allocates.
    try {
      replay = backend.record([&] { run_mode(ws); }, graph_steps);
    } catch (const std::runtime_error& e) {
      set_status(row, RowStatus::unsupported, e.what());
      return;
    }
    if (!replay) {
      set_status(row, RowStatus::unsupported, std::string("no graphs to record on ") + device_name(dev));
      return;
    }
    region.run = [&] { replay->launch(); };
    region.cleanup = nullptr;
  }
  const int warmups_asked = std::max(0, policy.warmup - 1);
  Samples s = sample(backend, region, policy, warmups_asked, seconds_since(row_start));
  if (graph_steps > 0)
    for (double& ms : s.ms) ms /= graph_steps;
  if (s.timed_out) {
    const std::string run = graph_steps > 0 ? "a warm-up replay of " + std::to_string(graph_steps) + " steps" : "a warm-up run";
    set_status(row, RowStatus::timeout,
               run + " took " + seconds_text(s.over_limit_ms) + ", over the row time limit of " +
                   seconds_text(policy.row_time_limit_s * 1e3));
    return;
  }
  set_status(row, RowStatus::ok, cut_short_note(s, policy, warmups_asked));
  fill_figures(row, impl, p, mode, s, ceilings);
  if (const std::string above = above_floor_note(row); !above.empty())
    row.reason += (row.reason.empty() ? "" : "; ") + above;
}

// The devices the implementations run on that are present, each with its ceilings (once per run).
std::vector<DeviceRecord> describe_devices(const std::vector<std::unique_ptr<Implementation>>& impls,
                                           bool measure_ceilings, const std::function<void(const std::string&)>& note) {
  std::vector<DeviceRecord> devices;
  for (auto& impl : impls) {
    const DeviceKind kind = impl->info().device;
    Backend* backend = backend_for(kind);
    bool seen = std::any_of(devices.begin(), devices.end(), [&](const DeviceRecord& d) { return d.kind == kind; });
    if (seen || !backend || !backend->available(nullptr)) continue;
    DeviceRecord rec;
    rec.kind = kind;
    rec.info = backend->info();
    if (measure_ceilings) {
      note(std::string("measuring ceilings on ") + device_name(kind) + " (copy bandwidth, GEMM rate)");
      try {
        rec.ceilings = backend->measure_ceilings();
      } catch (const std::exception& e) {
        note(std::string("ceilings on ") + device_name(kind) + " failed: " + e.what());
      }
    }
    devices.push_back(rec);
  }
  return devices;
}

// The inputs of one (implementation, dtype, length), made when the first mode needs them; failing to
// make them is the outcome of every mode that needed them.
class LazyInputs {
 public:
  LazyInputs(Backend& backend, const Problem& p, DeviceKind device, uint64_t seed, bool with_dout)
      : backend_(backend), p_(p), device_(device), seed_(seed), with_dout_(with_dout) {}
  // Null when they could not be made; then status() and failure() say why.
  const ProblemInputs* get() {
    if (!inputs_ && status_ == RowStatus::ok) {
      try {
        Workspace ws(backend_, tracker_);
        inputs_.emplace(make_inputs(p_, ws, device_, seed_, with_dout_));
      } catch (const OutOfMemoryError& e) {
        status_ = RowStatus::oom;
        failure_ = std::string("inputs: ") + e.what();
      } catch (const std::exception& e) {
        status_ = RowStatus::error;
        failure_ = std::string("inputs: ") + e.what();
      } catch (...) {
        status_ = RowStatus::error;
        failure_ = std::string("inputs: ") + kUnknownException;
      }
    }
    return inputs_ ? &*inputs_ : nullptr;
  }
  bool made() const { return inputs_.has_value(); }
  MemoryTracker& tracker() { return tracker_; }
  RowStatus status() const { return status_; }
  const std::string& failure() const { return failure_; }

 private:
  Backend& backend_;
  const Problem& p_;
  DeviceKind device_;
  uint64_t seed_;
  bool with_dout_;
  MemoryTracker tracker_;  // before inputs_: the buffers report to it when they go
  std::optional<ProblemInputs> inputs_;
  RowStatus status_ = RowStatus::ok;
  std::string failure_;
};

// "" when what the row still has to allocate fits 7/8 of the device's free memory (checked together,
// before anything is allocated: each buffer alone may fit where all do not); else the oom reason.
// Inputs of more than 1 GiB about to be made are announced first.
std::string room_for_row(const LazyInputs& inputs, const Problem& p, BenchMode mode, bool with_dout,
                         const ImplInfo& info, const std::function<void(const std::string&)>& note) {
  const size_t need = row_bytes_to_allocate(p, mode, with_dout, inputs.made());
  const size_t free_bytes = backend_for(info.device)->free_memory();
  if (free_bytes && need > usable_memory(free_bytes))
    return "the row's " + std::string(inputs.made() ? "outputs need " : "inputs and outputs need ") +
           format_bytes(need) + ", " + format_bytes(free_bytes) + " available on " + device_name(info.device) +
           " (7/8 of it usable)";
  if (!inputs.made() && need > (size_t(1) << 30))
    note("making " + format_bytes(need) + " of inputs and outputs for " + info.name + " n=" + std::to_string(p.seqlen) +
         " on " + device_name(info.device));
  return "";
}

// The equal-length counterpart of a packed problem: its N sequences, all of total / N tokens.
Problem equal_length_problem(const Problem& packed) {
  Problem p = packed;
  p.cu_seqlens.clear();
  p.batch = packed.sequences();
  p.seqlen = packed.seqlen / p.batch;
  return p;
}

// Beside a packed row: the equal-length problem (inputs made once for all modes of the point) in the
// same mode and timer. Its outcome only adds to the row (the rate, or why there is none).
void time_equal_lengths(Implementation& impl, const Problem& p, LazyInputs& inputs, BenchMode mode, int graph_steps,
                        const BenchConfig& config, const std::optional<Ceilings>& ceilings, BenchRow& row) {
  BenchRow equal = row;
  std::string why;
  if (p.seqlen < 1) {
    why = "fewer tokens than sequences";
  } else if (auto no = impl.unsupported(p)) {
    why = *no;
  } else if (const ProblemInputs* in = inputs.get(); !in) {
    why = inputs.failure();
  } else {
    try {
      run_row(impl, p, mode, *in, *backend_for(impl.info().device), inputs.tracker(), config.timing, ceilings, equal,
              graph_steps);
      if (equal.status != RowStatus::ok) why = equal.reason;
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
      why = kUnknownException;
    }
  }
  if (why.empty()) row.equal_length_tokens_per_s = equal.tokens_per_s;
  else
    row.reason += (row.reason.empty() ? "" : "; ") + std::string("equal lengths (") + std::to_string(p.batch) + " x " +
                  std::to_string(p.seqlen) + ") not timed: " + why;
}

// Each mode with each way it is timed: a decode step once per BenchConfig::decode_graph_steps, the
// other modes once per BenchConfig::pass_graph_steps.
std::vector<std::pair<BenchMode, int>> timed_variants(const BenchConfig& config) {
  std::vector<std::pair<BenchMode, int>> out;
  for (BenchMode mode : config.modes)
    for (int steps : mode == BenchMode::decode ? config.decode_graph_steps : config.pass_graph_steps)
      out.emplace_back(mode, steps);
  return out;
}

}  // namespace

std::string timer_name(int graph_steps) {
  if (graph_steps <= 0) return "launches";
  return "graph of " + std::to_string(graph_steps) + (graph_steps == 1 ? " step" : " steps");
}

BenchResult run_bench(const BenchConfig& config, const BenchObserver& observer) {
  auto note = [&](const std::string& s) {
    if (observer.note) observer.note(s);
  };
  std::vector<std::unique_ptr<Implementation>> impls;
  BenchResult result;
  for (const std::string& name : config.impls) {
    impls.push_back(Registry::instance().create(name));
    std::map<std::string, std::string> in_force = apply_impl_options(*impls.back(), config.impl_options);
    if (!in_force.empty()) result.impl_options[name] = in_force;
  }

  result.devices = describe_devices(impls, config.measure_ceilings, note);
  if (observer.sweep_ready) observer.sweep_ready(result);

  std::vector<int64_t> seqlens = config.seqlens;
  std::sort(seqlens.begin(), seqlens.end());
  seqlens.erase(std::unique(seqlens.begin(), seqlens.end()), seqlens.end());
  // The points of an implementation's sweep: (batch, length, cached tokens) over the lengths, or over the
  // batch sizes of a decode sweep, and for softmax attention's decode over the KV cache lengths too (a
  // linear attention step's cost does not depend on how many tokens its state stands for).
  auto points_for = [&](const ImplInfo& info) {
    std::vector<std::array<int64_t, 3>> points;
    if (config.decode_batches.empty())
      for (int64_t n : seqlens) points.push_back({config.batch, n, 0});
    else
      for (int64_t b : config.decode_batches) {
        if (info.function != Function::softmax || config.decode_contexts.empty()) points.push_back({b, seqlens.front(), 0});
        else
          for (int64_t ctx : config.decode_contexts) points.push_back({b, seqlens.front(), ctx});
      }
    return points;
  };
  size_t total = 0;
  for (const auto& impl : impls)
    total += config.dtypes.size() * points_for(impl->info()).size() * timed_variants(config).size();
  size_t index = 0;
  auto emit = [&](BenchRow row) {
    ++index;
    if (observer.row) observer.row(row, index, total);
    result.rows.push_back(std::move(row));
  };
  const bool any_backward_mode = std::any_of(config.modes.begin(), config.modes.end(), runs_backward);

  for (auto& impl_ptr : impls) {
    Implementation& impl = *impl_ptr;
    const ImplInfo& info = impl.info();
    const std::string why_unavailable = device_unavailable(info.device);
    std::optional<Ceilings> ceilings;
    for (const DeviceRecord& d : result.devices)
      if (d.kind == info.device) ceilings = d.ceilings;

    for (DType dtype : config.dtypes) {
      // (mode, graph steps) -> why larger n are not run: each timer's sweep stops on its own (a graph's replay
      // holds graph_steps runs, so it reaches the row limit at shorter n than a launched run).
      std::map<std::pair<BenchMode, int>, std::string> stopped;
      for (const auto& [batch, n, context] : points_for(info)) {
        const Problem p = make_problem(config, info, dtype, n, batch, context);
        std::optional<LazyInputs> inputs;
        const bool with_dout = any_backward_mode && info.support.backward;
        if (why_unavailable.empty())
          inputs.emplace(*backend_for(info.device), p, info.device,
                         config.seed + static_cast<uint64_t>(n) + static_cast<uint64_t>(context), with_dout);
        const Problem equal = p.packed() ? equal_length_problem(p) : Problem{};
        std::optional<LazyInputs> equal_inputs;
        if (p.packed() && why_unavailable.empty())
          equal_inputs.emplace(*backend_for(info.device), equal, info.device, config.seed + 1, with_dout);

        for (const auto& [mode, graph_steps] : timed_variants(config)) {
          BenchRow row = base_row(info, p, mode, config.decay);
          row.timer = timer_name(graph_steps);
          std::optional<std::string> why_not;
          if (!why_unavailable.empty()) {
            set_status(row, RowStatus::unsupported, why_unavailable);
          } else if ((why_not = impl.unsupported(p))) {
            set_status(row, RowStatus::unsupported, *why_not);
          } else if (runs_backward(mode) && !info.support.backward) {
            set_status(row, RowStatus::unsupported, "no backward pass");
          } else if (const std::string stop = config.stop_reason ? config.stop_reason() : std::string(); !stop.empty()) {
            set_status(row, RowStatus::timeout, stop);
          } else if (stopped.count({mode, graph_steps})) {
            set_status(row, RowStatus::timeout, stopped[{mode, graph_steps}]);
          } else if (const std::optional<double> floor_s = floor_seconds(mode_work(impl, p, mode), ceilings);
                     floor_s && *floor_s > 2 * config.timing.row_time_limit_s) {
            // Hopeless whatever the implementation does: the work model's floor on this device is over
            // twice the limit (twice: the ceilings are measured rates, which a kernel may beat a little),
            // so nothing is allocated or run.
            set_status(row, RowStatus::timeout,
                       "predicted: the work model's floor on this device is " + seconds_text(*floor_s * 1e3) +
                           " a run, over twice the row time limit of " +
                           seconds_text(config.timing.row_time_limit_s * 1e3));
            stopped[{mode, graph_steps}] = "not run: n=" + std::to_string(n) + " is already predicted over the row time limit (" +
                            row.reason + ")";
          } else if (const std::string no_room = room_for_row(*inputs, p, mode, with_dout, info, note);
                     !no_room.empty()) {
            set_status(row, RowStatus::oom, no_room);
          } else if (const ProblemInputs* in = inputs->get(); !in) {
            set_status(row, inputs->status(), inputs->failure());
          } else {
            if (observer.row_starting) observer.row_starting(row);
            try {
              run_row(impl, p, mode, *in, *backend_for(info.device), inputs->tracker(), config.timing, ceilings, row,
                      graph_steps);
              if (p.packed() && row.status == RowStatus::ok)
                time_equal_lengths(impl, equal, *equal_inputs, mode, graph_steps, config, ceilings, row);
            } catch (const UnsupportedError& e) {
              set_status(row, RowStatus::unsupported, e.what());
            } catch (const OutOfMemoryError& e) {
              set_status(row, RowStatus::oom, e.what());
            } catch (const std::exception& e) {
              set_status(row, RowStatus::error, e.what());
            } catch (...) {
              set_status(row, RowStatus::error, kUnknownException);
            }
            if (row.status == RowStatus::timeout)
              stopped[{mode, graph_steps}] = "not run: n=" + std::to_string(n) + " already passed the row time limit (" +
                              row.reason + "); larger n only take longer";
          }
          emit(std::move(row));
        }
      }
    }
  }
  return result;
}

std::string above_floor_note(const BenchRow& row) {
  if (!row.fraction_of_floor || *row.fraction_of_floor <= 1.0) return "";
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, "%.2f", *row.fraction_of_floor);
  return std::string("faster than the floor (") + fraction + "): the floor is the larger of the bytes from memory at "
         "the measured copy rate and the work at the measured GEMM rate, so the bytes came from the L2 (a graph's "
         "steps reuse it) or a ceiling measured low (a busy host)";
}

}  // namespace lasuite
