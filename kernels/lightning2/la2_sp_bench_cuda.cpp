// `lasuite bench --gpus N`: la2 with the sequence split over the N processes of an mpirun launch, one
// GPU each (la2_sp_rank.h over NCCL). Each process holds only its part (so the sequence may be N times
// what one GPU holds) and times, per row:
//   step   its forward (or forward and backward) with the exchange and the corrections; a row's time
//          is the slowest rank's (ranks start together after a barrier);
//   alone  la2 on its part by itself, no states and no exchange: what one GPU does with that many rows
//          (weak scaling's per-GPU baseline, in the same run);
//   comm   the exchange and the prefix alone (an all-gather and the weighted sum; twice for a forward
//          and backward), the communication measured apart.
// Rank 0 prints the table and writes the result file: world size, each GPU, the NCCL version and the
// transports it set up.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/backend.h"
#include "harness/bench_gpus.h"
#include "harness/cli_args.h"
#include "harness/errors.h"
#include "harness/impl_options.h"
#include "harness/inputs.h"
#include "harness/memory.h"
#include "harness/metadata.h"
#include "harness/process_group.h"
#include "harness/range.h"
#include "harness/registry.h"
#include "harness/report_json.h"
#include "harness/report_table.h"
#include "harness/result_files.h"
#include "harness/timing.h"
#include "kernels/lightning2/la2_sp_rank.h"

namespace lasuite {
namespace {

struct GpusRow {
  int64_t total = 0, per_gpu = 0;  // rows of the whole sequence, of the longest part
  std::string mode, status = "ok", reason;
  double step_ms = 0, alone_ms = 0, comm_ms = 0;
  size_t peak_bytes = 0;  // the largest rank's, inputs and outputs included
  int repeats = 0;
};

// Times `work` `repeats` times after `warmup`, each run started by every rank together; the slowest
// rank's time of each run, their median.
double timed(Backend& gpu, int warmup, int repeats, const std::function<void()>& work) {
  for (int i = 0; i < warmup; ++i) work();
  gpu.synchronize();
  Samples samples;
  auto timer = gpu.make_timer();
  for (int i = 0; i < repeats; ++i) {
    process_barrier();
    samples.ms.push_back(process_max(time_once(*timer, Region{work, {}})));
  }
  return samples.median_ms();
}

GpusRow run_row(Communicator& comm, Backend& gpu, const Problem& whole, bool backward, bool ring, int warmup, int repeats,
                uint64_t seed) {
  GpusRow row;
  row.total = whole.seqlen;
  row.mode = backward ? "fwdbwd" : "fwd";
  const la2::sp::Split split = la2::sp::split_rows(whole.seqlen, comm.world());
  row.per_gpu = split.longest();
  MemoryTracker tracker;
  Workspace ws(gpu, tracker);
  auto engine = Registry::instance().create("la2");
  std::optional<la2::sp::Rank> rank;
  Problem alone;
  ProblemInputs in;
  Buffer o, dq, dk, dv;
  bool failed = false;
  try {
    rank.emplace(whole, split, comm, *engine, ws, ring);
    alone = rank->part();
    alone.state_in = alone.state_out = false;
    // Each rank's own inputs (seeded by rank): a part's values, not a slice of one sequence's.
    in = make_inputs(alone, ws, DeviceKind::cuda, seed + static_cast<uint64_t>(comm.rank()), backward);
    o = ws.allocate(tensor_bytes(v_dims(alone), whole.dtype));
    if (backward) {
      dq = ws.allocate(tensor_bytes(qk_dims(alone), whole.dtype)), dk = ws.allocate(tensor_bytes(qk_dims(alone), whole.dtype));
      dv = ws.allocate(tensor_bytes(v_dims(alone), whole.dtype));
    }
  } catch (const OutOfMemoryError& e) {
    failed = true;
    row.reason = e.what();
  }
  // Every rank runs the row or none does: a rank that left would leave the others in a collective.
  if (process_max(failed ? 1.0 : 0.0) > 0) {
    row.status = "oom";
    if (row.reason.empty()) row.reason = "another rank ran out of memory";
    return row;
  }
  // Freed scratch stays with the allocator during the row (bench's --scratch-pool keep).
  KeptFreedMemory kept(gpu, true);
  const TensorView ov = view_of(o, whole.dtype, DeviceKind::cuda, v_dims(alone));
  ForwardIO f = forward_io(in, ov);
  BackwardIO b;
  if (backward)
    b = backward_io(in, ov, view_of(dq, whole.dtype, DeviceKind::cuda, qk_dims(alone)),
                    view_of(dk, whole.dtype, DeviceKind::cuda, qk_dims(alone)),
                    view_of(dv, whole.dtype, DeviceKind::cuda, v_dims(alone)));
  // The sequence's own states are not part of these rows: the part problem asks for the ones the
  // exchange needs, which the rank makes itself.
  f.state_in = f.state_out = TensorView{};
  b.state_in = b.dstate_out = b.dstate_in = TensorView{};
  row.step_ms = timed(gpu, warmup, repeats, [&] {
    auto saved = rank->forward(f);
    if (backward) rank->backward(b, saved.get());
  });
  row.alone_ms = timed(gpu, warmup, repeats, [&] {
    auto saved = engine->forward(alone, f, ws);
    if (backward) engine->backward(alone, b, saved.get(), ws);
  });
  row.comm_ms = timed(gpu, warmup, repeats, [&] {
    rank->exchange_only();
    if (backward) rank->exchange_only();
  });
  row.repeats = repeats;
  size_t peak = 0;
  for (MemoryCategory c : {MemoryCategory::inputs, MemoryCategory::outputs, MemoryCategory::extra}) peak += tracker.peak(c);
  row.peak_bytes = static_cast<size_t>(process_max(static_cast<double>(peak)));
  return row;
}

std::string table(const std::vector<GpusRow>& rows, int world, int64_t batch) {
  std::string t =
      "| n | n per GPU | mode | step | M tokens/s | per GPU | one GPU alone on its part | per-GPU rate / alone | "
      "comm | comm share | peak memory per GPU |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const GpusRow& r : rows) {
    t += "| " + std::to_string(r.total) + " | " + std::to_string(r.per_gpu) + " | " + r.mode + " | ";
    if (r.status != "ok") {
      t += r.status + ": " + r.reason + " | | | | | | | |\n";
      continue;
    }
    const double rate = static_cast<double>(r.total * batch) / (r.step_ms * 1e-3) / 1e6;
    t += format_ms(r.step_ms) + " | " + format_number(rate) + " | " + format_number(rate / world) + " | " +
         format_ms(r.alone_ms) + " | " + format_number(r.alone_ms / r.step_ms) + " | " + format_ms(r.comm_ms) + " | " +
         format_number(100 * r.comm_ms / r.step_ms) + " % | " + format_bytes(r.peak_bytes) + " |\n";
  }
  return t;
}

int run_gpus_bench(const BenchArgs& a, const CliContext& ctx) {
  // Every argument is checked before the process group forms: a bad one is a usage error on any machine, not
  // hidden behind NCCL's absence, and nothing starts for a command that cannot run.
  if (!a.impls.empty() && a.impls != "la2_sp") throw UsageError("--gpus runs la2_sp (la2 over the GPUs); --impl may only name it");
  if (a.scaling != "strong" && a.scaling != "weak") throw UsageError("--scaling takes strong or weak, not '" + a.scaling + "'");
  if (!a.packed.empty()) throw UsageError("--gpus splits one dense sequence; --packed does not apply");
  if (!a.single_gpu_options_given.empty())
    throw UsageError("--gpus runs on the GPUs of its launch, writes --json only and times each row as --warmup and "
                     "--repeats say, with no flush, ceilings or time limit; " + a.single_gpu_options_given.front() +
                     " does not apply");
  if (!a.decode_options_given.empty()) throw UsageError(a.decode_options_given.front() + " applies to --mode decode only");
  bool ring = false;
  const std::vector<OptionSetting> settings = parse_impl_options(a.impl_options);
  if (settings.size() > 1) throw UsageError("--gpus takes its one implementation option, exchange, once");
  for (const OptionSetting& s : settings) {
    if ((!s.impl.empty() && s.impl != "la2_sp") || s.key != "exchange")
      throw UsageError("--gpus takes one implementation option, exchange=allgather|ring, not '" + s.text + "'");
    ring = la2::sp::parse_ring("la2_sp", s.value);
  }
  std::vector<BenchMode> modes = parse_modes(a.modes == "fwd,bwd,fwdbwd" ? "fwd,fwdbwd" : a.modes);
  for (BenchMode m : modes)
    if (m != BenchMode::fwd && m != BenchMode::fwdbwd) throw UsageError("--gpus times fwd and fwdbwd");
  const std::vector<int64_t> seqlens = parse_seqlens(a.seqlens.empty() ? "1m" : a.seqlens);
  const std::vector<DType> dtypes = parse_dtypes(a.dtypes.empty() ? "bf16" : a.dtypes);
  if (dtypes.size() != 1) throw UsageError("--gpus takes one --dtype");
  const DecaySpec decay = parse_decay(a.decay);
  Problem base;
  base.batch = a.batch > 0 ? a.batch : 1;
  base.heads = a.heads > 0 ? a.heads : 32;
  base.dim_qk = a.dim > 0 ? a.dim : 128;
  base.dim_v = a.dim_v > 0 ? a.dim_v : base.dim_qk;
  base.dtype = dtypes.front();
  base.slopes = decay.slopes(base.heads);
  const int warmup = a.warmup >= 0 ? a.warmup : 2, repeats = a.repeats > 0 ? a.repeats : 5;
  const int64_t longest = *std::max_element(seqlens.begin(), seqlens.end());
  check_shape_fits(base.batch, base.heads, {longest}, base.dim_qk, base.dim_v, "--batch, --heads, --seqlen, --dim, --dim-v");

  std::string why;
  Communicator* comm = process_group(&why);
  if (!comm) throw UnsupportedError("--gpus: no NCCL group: " + why);
  if (comm->world() != a.gpus)
    throw UsageError("--gpus " + std::to_string(a.gpus) + " needs that many processes, one a GPU: launch as mpirun -np " +
                     std::to_string(a.gpus) + " lasuite bench --gpus " + std::to_string(a.gpus) +
                     " ... (this launch has " + std::to_string(comm->world()) + ")");
  const int world = comm->world();
  if (a.scaling == "weak") {
    if (longest > std::numeric_limits<int64_t>::max() / world)
      throw UsageError("--seqlen " + std::to_string(longest) + " on each of " + std::to_string(world) + " GPUs overflows");
    check_shape_fits(base.batch, base.heads, {longest * world}, base.dim_qk, base.dim_v,
                     "--batch, --heads, --seqlen (weak scaling: each GPU's), --dim, --dim-v");
  }
  // After the group forms, so that a rank refusing its path (its own file system) ends the whole launch
  // through main's abort rather than leaving the others waiting to start.
  if (!a.json.empty()) check_output_path(a.json, "--json");
  Backend& gpu = *backend_for(DeviceKind::cuda);
  const GroupFacts facts = process_group_facts();
  if (comm->rank() == 0)
    ctx.err << "bench --gpus " << world << ": la2 over " << world << " GPU(s) (" << (ring ? "ring" : "all-gather")
          << "), NCCL " << facts.nccl_version << ", b" << base.batch << " h" << base.heads << " d" << base.dim_qk << " e"
          << base.dim_v << " " << dtype_name(base.dtype) << " decay " << decay.name() << ", " << a.scaling
          << " scaling, warm-up " << warmup << ", " << repeats << " runs a row" << std::endl;
  std::vector<GpusRow> rows;
  size_t index = 0;
  for (int64_t n : seqlens)
    for (BenchMode m : modes) {
      Problem whole = base;
      whole.seqlen = a.scaling == "weak" ? n * world : n;
      if (whole.seqlen < world) throw UsageError("--seqlen " + std::to_string(n) + " gives a GPU no rows");
      try {
        rows.push_back(run_row(*comm, gpu, whole, m == BenchMode::fwdbwd, ring, warmup, repeats, a.seed));
      } catch (const std::exception& e) {
        // Past a row's set-up the others may be in a collective this rank will not reach.
        if (world > 1) process_abort(std::string("bench --gpus: ") + e.what());
        throw;
      }
      const GpusRow& r = rows.back();
      if (comm->rank() == 0)
        ctx.err << "[" << ++index << "/" << seqlens.size() * modes.size() << "] n=" << r.total << " " << r.mode << " ... "
              << (r.status == "ok" ? format_ms(r.step_ms) + " (alone " + format_ms(r.alone_ms) + ", comm " +
                                         format_ms(r.comm_ms) + ")"
                                   : r.status + ": " + r.reason)
              << std::endl;
    }
  ctx.out << "\n" << table(rows, world, base.batch);
  if (!a.json.empty()) {
    Metadata meta = collect_metadata("lasuite.bench_gpus/1", ctx.command_line);
    DeviceRecord d;
    d.kind = DeviceKind::cuda;
    d.info = gpu.info();
    meta.devices = {d};
    // As bench's files: schema, meta (with "launch": the world, each GPU, NCCL's version and transports)
    // and rows.
    nlohmann::ordered_json m = metadata_json(meta);
    m["exchange"] = ring ? "ring" : "allgather";
    m["scaling"] = a.scaling;
    m["problem"] = {{"batch", base.batch}, {"heads", base.heads}, {"dim_qk", base.dim_qk}, {"dim_v", base.dim_v},
                    {"dtype", dtype_name(base.dtype)}, {"decay", decay.name()}};
    m["timing"] = {{"method", "cuda events on each rank after a barrier; a run's time is the slowest rank's; median"},
                   {"warmup", warmup}, {"repeats", repeats}, {"l2_flush", false}, {"scratch_pool", "keep"}};
    nlohmann::ordered_json doc = {{"schema", "lasuite.bench_gpus/1"}, {"meta", m}};
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const GpusRow& r : rows) {
      nlohmann::ordered_json j = {{"seqlen", r.total}, {"seqlen_per_gpu", r.per_gpu}, {"mode", r.mode}, {"status", r.status}};
      if (r.status == "ok") {
        const double tps = static_cast<double>(r.total * base.batch) / (r.step_ms * 1e-3);
        j["step_ms"] = r.step_ms, j["tokens_per_s"] = tps, j["tokens_per_s_per_gpu"] = tps / world;
        j["alone_ms"] = r.alone_ms, j["per_gpu_rate_over_alone"] = r.alone_ms / r.step_ms;
        j["comm_ms"] = r.comm_ms, j["comm_share"] = r.comm_ms / r.step_ms;
        j["peak_bytes_per_gpu"] = r.peak_bytes, j["repeats"] = r.repeats;
      } else {
        j["reason"] = r.reason;
      }
      out.push_back(j);
    }
    doc["rows"] = out;
    if (write_files_atomically({{a.json, json_text(doc)}})) ctx.out << "\nwrote " << a.json << "\n";
  }
  ctx.out.flush();
  return std::any_of(rows.begin(), rows.end(), [](const GpusRow& r) { return r.status == "ok"; }) ? kExitOk : kExitNothingRan;
}

const bool registered = register_gpus_bench(&run_gpus_bench);

}  // namespace
}  // namespace lasuite
