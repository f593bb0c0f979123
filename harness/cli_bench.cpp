// `lasuite bench`: picks defaults for the main device, runs the sweep with a progress line per row on
// stderr, prints the markdown table, writes JSON/CSV and says how to plot them.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <ostream>
#include <sstream>

#include "harness/bench_gpus.h"
#include "harness/cli.h"
#include "harness/cli_args.h"
#include "harness/errors.h"
#include "harness/impl_options.h"
#include "harness/packed_lengths.h"
#include "harness/range.h"
#include "harness/registry.h"
#include "harness/report_csv.h"
#include "harness/report_json.h"
#include "harness/report_table.h"
#include "harness/result_files.h"
#include "harness/run_stop.h"

namespace lasuite {

namespace {

// What a bench run uses when the command line does not say: the paper's shape on a GPU; on the CPU
// a shape and sweep that finish in minutes on two cores, with the quadratic ones cut by the row limit.
struct DeviceDefaults {
  int64_t batch, heads, dim;
  DType dtype;
  const char* seqlens;
  int warmup, repeats;
  double min_time_s, row_time_limit_s;
};
const DeviceDefaults kGpuDefaults{1, 32, 128, DType::bf16, "1k..128k", 3, 10, 0.2, 60};
const DeviceDefaults kCpuDefaults{1, 4, 64, DType::f32, "1k..16k", 1, 5, 0.2, 5};

std::vector<std::string> registered_on(DeviceKind kind) {
  std::vector<std::string> out;
  for (const std::string& name : Registry::instance().names())
    if (Registry::instance().create(name)->info().device == kind) out.push_back(name);
  return out;
}

DeviceKind main_device(const BenchArgs& a, const std::vector<std::string>& named) {
  if (!a.device.empty()) return *parse_device(a.device, false);
  const bool gpu = device_available(DeviceKind::cuda, nullptr);
  if (named.empty()) return gpu && !registered_on(DeviceKind::cuda).empty() ? DeviceKind::cuda : DeviceKind::cpu;
  for (const std::string& n : named)
    if (Registry::instance().create(n)->info().device == DeviceKind::cuda && gpu) return DeviceKind::cuda;
  return DeviceKind::cpu;
}

// A timer list (launches, graph or both) as the rows' graph steps: 0 for plain launches.
std::vector<int> parse_timers(const std::string& list, const char* flag, int64_t graph_steps) {
  std::vector<int> out;
  for (const std::string& t : split_list(list, flag)) {
    if (t == "launches") out.push_back(0);
    else if (t == "graph") out.push_back(static_cast<int>(graph_steps));
    else throw UsageError(std::string(flag) + " takes launches, graph or both, not '" + t + "'");
  }
  return out;
}

// --graph-steps given where no row is timed as a graph says nothing: refused rather than ignored.
void check_graph_steps_used(const BenchArgs& a, const std::vector<int>& steps, const char* timer_flag) {
  if (a.graph_steps > 0 && std::count(steps.begin(), steps.end(), 0) == static_cast<long>(steps.size()))
    throw UsageError(std::string("--graph-steps applies to a graph timer; ") + timer_flag + " has none");
}

// The plotting script beside the sources, relative when we run from the source tree.
std::string plot_script() {
  std::string src = source_dir();
  char cwd[PATH_MAX];
  if (src.empty()) return "plots/plot_bench.py";
  char* real_src = realpath(src.c_str(), nullptr);
  bool here = real_src && getcwd(cwd, sizeof cwd) && std::string(cwd) == real_src;
  std::free(real_src);
  return here ? "plots/plot_bench.py" : src + "/plots/plot_bench.py";
}

std::string progress_line(const BenchRow& r, size_t index, size_t total) {
  // A decode row is told apart by its batch and cache; the others by their length.
  const std::string shape = r.mode == "decode" ? "b=" + std::to_string(r.batch) + " T=" + std::to_string(r.seqlen) +
                                                     (r.context > 0 ? " context=" + std::to_string(r.context) : "")
                                               : "n=" + std::to_string(r.seqlen);
  std::string s = "[" + std::to_string(index) + "/" + std::to_string(total) + "] " + r.impl + " " + r.dtype + " " +
                  shape + " " + r.mode + (r.timer == "launches" ? "" : " (" + r.timer + ")") + " ... ";
  if (r.status == RowStatus::ok)
    return s + format_ms(r.median_ms) + " (" + format_number(r.tokens_per_s / 1e6) + " M tokens/s, " +
           std::to_string(r.repeats) + " runs)";
  return s + row_status_name(r.status) + ": " + r.reason;
}

// --mode decode's sweep: batch sizes, cache lengths and timers.
void read_decode_sweep(const BenchArgs& a, DeviceKind device, bool softmax_runs, BenchConfig& c) {
  if (c.modes.size() > 1) throw UsageError("--mode decode is a sweep of its own (over --decode-batch); not with other modes");
  if (!a.seqlens.empty() || !a.packed.empty())
    throw UsageError("--mode decode times T = --decode-tokens tokens per step; --seqlen and --packed do not apply");
  if (a.batch > 0) throw UsageError("--mode decode sweeps --decode-batch; --batch does not apply");
  try {
    c.decode_batches = parse_seqlens(a.decode_batch, "batch sizes");
  } catch (const UsageError& e) {
    throw UsageError(std::string("--decode-batch: ") + e.what());
  }
  c.seqlens = {a.decode_tokens};
  try {
    c.decode_contexts = parse_seqlens(a.context, "cache lengths");
  } catch (const UsageError& e) {
    throw UsageError(std::string("--context: ") + e.what());
  }
  // A cache length is softmax's alone (a linear attention's step reads its state): given where no softmax
  // implementation runs, it would be a setting that did nothing.
  if (std::count(a.decode_options_given.begin(), a.decode_options_given.end(), "--context") && !softmax_runs)
    throw UsageError("--context sets softmax attention's KV cache; none of " + join_list(c.impls, ", ") +
                     " decodes against one (a linear attention's step reads its state)");
  if (a.timer != BenchArgs{}.timer) throw UsageError("--mode decode is timed as --decode-timer says; not --timer");
  // The CPU records no graphs: there the default is launched steps alone (a graph row would only say so).
  const bool default_timer = a.decode_timer == BenchArgs{}.decode_timer;
  const std::string timers = default_timer && device == DeviceKind::cpu ? "launches" : a.decode_timer;
  c.decode_graph_steps = parse_timers(timers, "--decode-timer", a.graph_steps > 0 ? a.graph_steps : 10);
  check_graph_steps_used(a, c.decode_graph_steps, "--decode-timer");
}

// The training passes' sweep: lengths (or a packed batch) and timers.
void read_pass_sweep(const BenchArgs& a, const DeviceDefaults& def, BenchConfig& c) {
  if (a.decode_timer != BenchArgs{}.decode_timer)
    throw UsageError("--decode-timer times --mode decode; the other modes take --timer");
  if (!a.decode_options_given.empty())
    throw UsageError(a.decode_options_given.front() + " applies to --mode decode only");
  // One run a replay by default, so that each starts from the flushed L2 as a launched run does: with more,
  // the later runs find part of the one before in the L2, which is not the host's cost.
  c.pass_graph_steps = parse_timers(a.timer, "--timer", a.graph_steps > 0 ? a.graph_steps : 1);
  check_graph_steps_used(a, c.pass_graph_steps, "--timer");
  if (!a.packed.empty()) {
    if (!a.seqlens.empty()) throw UsageError("--packed gives the lengths; --seqlen cannot be given with it");
    if (a.batch > 1) throw UsageError("--packed puts its sequences in one batch entry; --batch must be 1");
    c.packed = parse_packed_lengths(a.packed);
    c.seqlens = {c.packed->total()};
  } else {
    c.seqlens = parse_seqlens(a.seqlens.empty() ? def.seqlens : a.seqlens);
  }
}

// What a bench command asks for, every option checked before anything runs.
struct BenchRequest {
  BenchConfig config;
  std::vector<std::string> named;  // the implementations --impl names (empty: every one of the main device)
  DeviceKind device = DeviceKind::cpu;
  bool softmax_runs = false;  // a softmax implementation is among them (a KV cache length applies)
};

BenchRequest checked_bench_request(const BenchArgs& a) {
  if (a.scaling != "strong") throw UsageError("--scaling applies to --gpus only");
  BenchRequest r;
  BenchConfig& c = r.config;
  r.named = a.impls.empty() ? std::vector<std::string>{} : parse_impls(a.impls);
  const std::vector<std::string>& named = r.named;
  const DeviceKind device = r.device = main_device(a, named);
  const DeviceDefaults& def = device == DeviceKind::cuda ? kGpuDefaults : kCpuDefaults;

  if (!a.device.empty()) check_runs_on(named, device, a.device);
  c.impls = named.empty() ? registered_on(device) : named;
  if (c.impls.empty())
    throw UsageError(std::string("no implementations registered for ") + device_name(device) +
                     " in this build (see `lasuite list`)");
  // Whether a KV cache length applies to any of them (softmax decodes against one; linear attention reads a state).
  r.softmax_runs = std::any_of(c.impls.begin(), c.impls.end(), [](const std::string& n) {
    return Registry::instance().create(n)->info().function == Function::softmax;
  });
  c.modes = parse_modes(a.modes);
  if (std::count(c.modes.begin(), c.modes.end(), BenchMode::decode) > 0)
    read_decode_sweep(a, device, r.softmax_runs, c);
  else
    read_pass_sweep(a, def, c);
  c.dtypes = a.dtypes.empty() ? std::vector<DType>{def.dtype} : parse_dtypes(a.dtypes);
  c.decay = parse_decay(a.decay);
  c.batch = a.batch > 0 ? a.batch : def.batch;
  c.heads = a.heads > 0 ? a.heads : def.heads;
  c.dim_qk = a.dim > 0 ? a.dim : def.dim;
  c.dim_v = a.dim_v > 0 ? a.dim_v : c.dim_qk;
  c.timing.warmup = a.warmup > 0 ? a.warmup : def.warmup;
  c.timing.min_repeats = a.repeats > 0 ? a.repeats : def.repeats;
  if (c.timing.min_repeats > c.timing.max_repeats)
    throw UsageError("--repeats " + std::to_string(a.repeats) + ": a row takes at most " +
                     std::to_string(c.timing.max_repeats) + " timed runs");
  c.timing.min_time_s = a.min_time >= 0 ? a.min_time : def.min_time_s;
  c.timing.row_time_limit_s = a.row_time_limit > 0 ? a.row_time_limit : def.row_time_limit_s;
  c.timing.flush = parse_cache_flush(a.l2_flush);
  if (a.scratch_pool != "keep" && a.scratch_pool != "release")
    throw UsageError("--scratch-pool must be keep or release, not '" + a.scratch_pool + "'");
  c.timing.keep_freed_scratch = a.scratch_pool == "keep";
  c.measure_ceilings = !a.no_ceilings;
  c.seed = a.seed;
  c.impl_options = parse_impl_options(a.impl_options);
  check_impl_options(c.impl_options, c.impls);
  check_shape_fits(c.batch, c.heads, c.seqlens, c.dim_qk, c.dim_v, "--batch, --heads, --seqlen, --dim, --dim-v");
  for (int64_t b : c.decode_batches) {
    check_shape_fits(b, c.heads, c.seqlens, c.dim_qk, c.dim_v, "--decode-batch, --heads, --decode-tokens, --dim, --dim-v");
    for (int64_t ctx : c.decode_contexts)
      check_shape_fits(b, c.heads, {ctx + c.seqlens.front()}, c.dim_qk, c.dim_v,
                       "--decode-batch, --heads, --context, --dim, --dim-v");
  }
  check_distinct_outputs({{"--json", a.json}, {"--csv", a.csv}});
  if (!a.json.empty()) check_output_path(a.json, "--json");
  if (!a.csv.empty()) check_output_path(a.csv, "--csv");
  check_time_limit_applies(a.time_limit_s, "row");
  return r;
}

// The sweep in one line, said before it starts.
std::string sweep_line(const BenchRequest& r, const BenchArgs& a) {
  const BenchConfig& c = r.config;
  std::string dtypes;
  for (DType t : c.dtypes) dtypes += (dtypes.empty() ? "" : ",") + std::string(dtype_name(t));
  std::string modes;
  for (BenchMode m : c.modes) modes += (modes.empty() ? "" : ",") + std::string(mode_name(m));
  std::string lengths;
  for (int64_t n : c.seqlens) lengths += (lengths.empty() ? "" : ",") + std::to_string(n);
  if (c.packed)
    lengths += " packed as " + std::to_string(c.packed->lengths.size()) + " sequences (" + c.packed->spec + ")";
  if (!c.decode_batches.empty()) {
    lengths += " tokens per decode step, batch ";
    for (size_t i = 0; i < c.decode_batches.size(); ++i) lengths += (i ? "," : "") + std::to_string(c.decode_batches[i]);
    if (r.softmax_runs) lengths += ", softmax's KV cache " + a.context;
  }
  std::string timers;
  for (int steps : c.decode_batches.empty() ? c.pass_graph_steps : c.decode_graph_steps)
    timers += (timers.empty() ? "" : ", ") + timer_name(steps);
  std::ostringstream s;
  s << "bench: " << join_list(c.impls) << " | b" << c.batch << " h" << c.heads << " d" << c.dim_qk << " e" << c.dim_v
    << " " << dtypes << " decay " << c.decay.name() << " | n = " << lengths << " | " << modes << " timed as " << timers
    << " | warm-up " << c.timing.warmup << ", >= " << c.timing.min_repeats << " runs and >= " << c.timing.min_time_s
    << " s, row time limit " << c.timing.row_time_limit_s << " s, " << cache_flush_name(c.timing.flush) << " L2 flush"
    << " (unset options: defaults for " << device_name(r.device) << ")";
  return s.str();
}

// The result files say how the rows were made; the watchdog's last words write them too, so both go through this.
void write_bench_files(const BenchArgs& a, const CliContext& ctx, const BenchConfig& c, const BenchResult& result) {
  Metadata meta = collect_metadata(kBenchSchema, ctx.command_line);
  meta.devices = result.devices;
  meta.impl_options = result.impl_options;
  if (c.packed) {
    meta.packed_spec = c.packed->spec;
    meta.packed_cu_seqlens = c.packed->cu_seqlens();
  }
  order_devices(meta.devices);
  TimingMeta timing;
  for (const DeviceRecord& d : meta.devices)
    timing.method += meta.devices.size() == 1 ? timer_method(d.kind)
                                              : (timing.method.empty() ? "" : "; ") + std::string(device_name(d.kind)) +
                                                    ": " + timer_method(d.kind);
  timing.warmup = c.timing.warmup;
  timing.min_repeats = c.timing.min_repeats;
  timing.min_time_s = c.timing.min_time_s;
  timing.l2_flush = true;
  timing.l2_flush_mode = cache_flush_name(c.timing.flush);
  timing.scratch_pool = c.timing.keep_freed_scratch ? "keep" : "release";
  timing.row_time_limit_s = c.timing.row_time_limit_s;
  meta.timing = timing;
  std::vector<std::pair<std::string, std::string>> files;
  if (!a.csv.empty()) files.emplace_back(a.csv, bench_csv(meta, result.rows));
  if (!a.json.empty()) files.emplace_back(a.json, json_text(bench_json(meta, result.rows)));
  if (write_files_atomically(files)) {
    if (!a.csv.empty()) ctx.out << "\nwrote " << a.csv << "\n";
    if (!a.json.empty()) ctx.out << "\nwrote " << a.json << "\nplot with: python3 " << plot_script() << " " << a.json << "\n";
  }
  ctx.out.flush();
}

int bench_exit_code(const BenchResult& result, const std::vector<std::string>& named, const StopCause& stopped,
                    const CliContext& ctx) {
  size_t errors = 0, measured = 0;
  for (const BenchRow& r : result.rows) {
    errors += r.status == RowStatus::error;
    measured += r.status == RowStatus::ok;
  }
  if (errors) ctx.err << "lasuite bench: " << errors << " row(s) failed with an error (see the note column)" << std::endl;
  if (stopped) {
    ctx.err << "lasuite bench: stopped (" << stopped.text << "); the rows measured are above and in the result files, "
               "the rest timeouts not run"
            << std::endl;
    return stop_exit_code(stopped, errors > 0);
  }
  if (errors) return kExitFailed;
  if (measured == 0) {
    ctx.err << "lasuite bench: nothing was measured: every row is unsupported, oom or timeout (see the note column)"
            << std::endl;
    return kExitNothingRan;
  }
  // An implementation named on the command line that timed no row was asked for and not measured: not a
  // success, though the others' rows stand (the default list, every one registered, may hold some that cannot
  // run here).
  std::vector<std::string> unmeasured;
  for (const std::string& name : named)
    if (std::none_of(result.rows.begin(), result.rows.end(),
                     [&](const BenchRow& r) { return r.impl == name && r.status == RowStatus::ok; }))
      unmeasured.push_back(name);
  if (!unmeasured.empty()) {
    ctx.err << "lasuite bench: " << join_list(unmeasured) << " named by --impl but not measured in any row (see the note column)"
            << std::endl;
    return kExitNothingRan;
  }
  return kExitOk;
}

}  // namespace

int run_bench_command(const BenchArgs& a, const CliContext& ctx) {
  if (a.gpus > 0) {
    if (a.timer != BenchArgs{}.timer || a.graph_steps > 0)
      throw UsageError("--gpus times launched runs across the GPUs; --timer and --graph-steps do not apply");
    GpusBench run = gpus_bench();
    if (!run) throw UsageError("--gpus: this build has no multi-GPU bench (it needs CUDA)");
    return run(a, ctx);
  }
  BenchRequest request = checked_bench_request(a);
  BenchConfig& c = request.config;
  ctx.err << sweep_line(request, a) << std::endl;

  BenchResult so_far;  // what the watchdog's last words write: the devices and options, the rows done
  std::optional<BenchRow> running;  // the row running now, and since when
  std::chrono::steady_clock::time_point running_since;
  RunStop run_stop(a.time_limit_s, [&](const StopCause& cause) -> int {
    const bool errored_before = std::any_of(so_far.rows.begin(), so_far.rows.end(),
                                            [](const BenchRow& r) { return r.status == RowStatus::error; });
    BenchResult rows = so_far;
    if (running) {
      running->status = RowStatus::error;
      running->reason = ended_while_running(cause, run_stop, "row") + " (it ran " +
                        time_limit_text(std::chrono::duration<double>(std::chrono::steady_clock::now() - running_since).count()) +
                        ")";
      rows.rows.push_back(*running);
    }
    ctx.out << "\n" << bench_table(rows.rows);
    write_bench_files(a, ctx, c, rows);
    ctx.err << "lasuite bench: stopped (" << cause.text << "): "
            << (running ? "a row did not return in time (its error row above)"
                        : "it was not in a row (measuring the device's ceilings or setting up an implementation took "
                          "that long)")
            << std::endl;
    return last_words_exit(ctx.out, ctx.err, cause, errored_before);
  });
  StopCause stopped;  // set between rows once the sweep should stop: the rows left are not run
  c.stop_reason = [&]() -> std::string {
    if (!stopped && (stopped = run_stop.cause()))
      ctx.err << "lasuite bench: " << stopped.text << "; the rows left are not run" << std::endl;
    return stopped ? "not run: " + stopped.text : std::string();
  };

  BenchObserver observer;
  observer.note = [&](const std::string& s) { ctx.err << s << std::endl; };
  observer.sweep_ready = [&](const BenchResult& r) {
    std::unique_lock<std::mutex> lock = run_stop.lock_results();
    so_far.devices = r.devices;
    so_far.impl_options = r.impl_options;
  };
  observer.row_starting = [&](const BenchRow& r) {
    std::unique_lock<std::mutex> lock = run_stop.lock_results();
    running = r;
    running_since = std::chrono::steady_clock::now();
  };
  observer.row = [&](const BenchRow& r, size_t i, size_t total) {
    std::unique_lock<std::mutex> lock = run_stop.lock_results();
    running.reset();
    ctx.err << progress_line(r, i, total) << std::endl;
    so_far.rows.push_back(r);
  };
  BenchResult result = run_bench(c, observer);
  run_stop.finishing();

  ctx.out << "\n" << bench_table(result.rows);
  write_bench_files(a, ctx, c, result);

  return bench_exit_code(result, request.named, stopped, ctx);
}

}  // namespace lasuite
