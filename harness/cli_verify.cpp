// `lasuite verify`: every chosen implementation over the default cases (and long ones on request),
// one printed row per tensor check, JSON on request, a summary line, exit 1 on any failure, 4 when
// --time-limit stopped it, 128 + the signal when SIGINT or SIGTERM did.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>

#include "harness/cli.h"
#include "harness/cli_args.h"
#include "harness/errors.h"
#include "harness/impl_options.h"
#include "harness/packed_lengths.h"
#include "harness/range.h"
#include "harness/result_files.h"
#include "harness/registry.h"
#include "harness/run_stop.h"
#include "harness/report_json.h"
#include "harness/report_table.h"
#include "harness/verify.h"
#include "harness/verify_decode.h"

namespace lasuite {

namespace {

// The (sequence, head) slices a packed case may compare (each listed, then its reference computed): 2^24, far past a
// batch anyone packs, and short of a list that would fill the host's memory.
constexpr int64_t kMaxComparedSlices = int64_t(1) << 24;

// The order dtypes are verified in when an implementation supports several.
const DType kDtypeOrder[] = {DType::f32, DType::f64, DType::bf16, DType::f16};

const std::vector<int> kWidths = {17, 34, 5, 6, 9, 9, 8, 6};

std::string sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2e", v);
  return buf;
}

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
};

// Prints a case's rows and counts them: one per check, then SKIP / ERROR / an unexplained FAIL, or a pass's NOTE.
void print_case(std::ostream& out, const CaseResult& r, const std::string& dtype, Tally& tally) {
  const std::string& label = r.vcase.label;
  if (r.status == CaseStatus::skipped) {
    out << fixed_width_row({r.impl, label, dtype, "-", "-", "-", "-", "SKIP: " + r.reason}, kWidths) << "\n";
    ++tally.skipped;
    return;
  }
  bool some_check_failed = false;
  for (const TensorCheck& c : r.checks) {
    // A failure the row's numbers do not show says which bar it missed.
    std::string result = c.pass ? "PASS" : "FAIL";
    if (!c.pass && c.non_finite > 0) result += ": " + std::to_string(c.non_finite) + " elements not finite";
    else if (!c.pass && c.rel_frobenius <= c.tolerance)
      result += ": a block of 64 rows at " + sci(c.worst_rows_rel) + " > " + sci(c.rows_tolerance);
    out << fixed_width_row({r.impl, label, dtype, c.tensor, sci(c.rel_frobenius), sci(c.max_abs), sci(c.tolerance),
                            result},
                           kWidths)
        << "\n";
    if (c.pass) ++tally.passed;
    else ++tally.failed, some_check_failed = true;
  }
  if (r.status == CaseStatus::error) {
    out << fixed_width_row({r.impl, label, dtype, "-", "-", "-", "-", "ERROR: " + r.reason}, kWidths) << "\n";
    ++tally.failed;
  } else if (r.status == CaseStatus::fail && !some_check_failed) {
    out << fixed_width_row({r.impl, label, dtype, "-", "-", "-", "-", "FAIL: " + r.reason}, kWidths) << "\n";
    ++tally.failed;
  } else if (r.status == CaseStatus::pass && r.reason == kForwardOnlyNote) {
    // A pass that checked no gradient must be seen as such beside its PASS rows, not only in the result file.
    out << fixed_width_row({r.impl, label, dtype, "-", "-", "-", "-", "NOTE: " + r.reason}, kWidths) << "\n";
  } else if (r.status == CaseStatus::pass && r.checks.empty()) {
    // A pass without a single check would count nothing; say so rather than hide it.
    out << fixed_width_row({r.impl, label, dtype, "-", "-", "-", "-", "FAIL: passed without any check"}, kWidths)
        << "\n";
    ++tally.failed;
  }
}

// A row standing for every case of an (implementation, dtype) that cannot run at all.
CaseResult skipped_everything(const std::string& impl, DType dtype, const std::string& why, uint64_t seed) {
  CaseResult r;
  r.impl = impl;
  r.vcase.label = "*";
  r.vcase.problem.dtype = dtype;
  r.seed = seed;
  r.status = CaseStatus::skipped;
  r.reason = why;
  return r;
}

// The default cases and the packed ones (unless --skip-defaults), then the --long ones, from index
// `first_long` on. Softmax attention has no decay (its cases drop the slopes), so its --long and --packed cases are
// the decay-free ones only: a decayed one would run the same problem again under a label saying alibi.
std::vector<VerifyCase> cases_for(const VerifyArgs& a, DType dtype, Function function,
                                  const std::vector<int64_t>& long_lengths, const std::optional<PackedLengths>& packed,
                                  size_t& first_long) {
  std::vector<VerifyCase> cases;
  if (!a.skip_defaults) {
    cases = default_cases(dtype);
    for (VerifyCase& c : packed_cases(dtype)) cases.push_back(std::move(c));
  }
  first_long = cases.size();
  const int64_t dim_v = a.dim_v > 0 ? a.dim_v : a.dim;
  const bool has_decay = function != Function::softmax;
  for (int64_t n : long_lengths)
    for (bool decay : {true, false})
      for (bool state : {false, true}) {
        if (a.state >= 0 && state != (a.state == 1)) continue;
        if (decay && !has_decay) continue;
        cases.push_back(long_case(n, a.long_batch, a.long_heads, a.dim, dim_v, dtype, decay, state, a.sample_heads));
      }
  if (packed)
    for (bool decay : {true, false})
      for (bool state : {false, true}) {
        if (a.state >= 0 && state != (a.state == 1)) continue;
        if (decay && !has_decay) continue;
        cases.push_back(packed_case(packed->lengths, a.long_heads, a.dim, dim_v, dtype, decay, state));
      }
  return cases;
}

// A case recorded without running (the time is up), named as its row would be had it run.
CaseResult not_run(const ImplInfo& info, const VerifyCase& c, const std::string& why, uint64_t seed) {
  CaseResult r;
  r.impl = info.name;
  r.vcase = row_case(info, c);
  r.seed = seed;
  r.status = CaseStatus::skipped;
  r.reason = why;
  return r;
}

// What verify's arguments ask for, each checked (a UsageError saying what is wrong) before anything runs.
struct VerifyRequest {
  bool impls_named = false;
  std::vector<std::string> names;
  std::optional<DeviceKind> device;  // --device, where given
  std::vector<DType> dtypes_asked;
  std::vector<int64_t> long_lengths;
  std::optional<PackedLengths> packed;
  std::vector<OptionSetting> settings;
};

VerifyRequest checked_request(const VerifyArgs& a) {
  VerifyRequest q;
  q.impls_named = !a.impls.empty();
  q.names = parse_impls(a.impls);
  q.device = parse_device(a.device, true);
  q.dtypes_asked = a.dtypes.empty() ? std::vector<DType>{} : parse_dtypes(a.dtypes);
  q.long_lengths = a.long_seqlens.empty() ? std::vector<int64_t>{} : parse_seqlens(a.long_seqlens);
  const int64_t dim_v = a.dim_v > 0 ? a.dim_v : a.dim;
  check_shape_fits(a.long_batch, a.long_heads, q.long_lengths, a.dim, dim_v,
                   "--long, --long-batch, --long-heads, --dim, --dim-v");
  if (!a.packed.empty()) q.packed = parse_packed_lengths(a.packed);
  if (q.packed) {
    check_shape_fits(1, a.long_heads, {q.packed->total()}, a.dim, dim_v,
                     "--packed, --long-heads, --dim, --dim-v");
    // Every (sequence, head) slice of a packed case is compared, each listed first.
    const long double slices = static_cast<long double>(q.packed->lengths.size()) * a.long_heads;
    if (slices > kMaxComparedSlices)
      throw UsageError("--packed, --long-heads: " + std::to_string(q.packed->lengths.size()) + " sequences x " +
                       std::to_string(a.long_heads) + " heads is more (sequence, head) slices than the " +
                       std::to_string(kMaxComparedSlices) + " a packed case compares");
  }
  if (a.skip_defaults && q.long_lengths.empty() && !q.packed)
    throw UsageError("--skip-defaults needs --long or --packed (nothing left to run)");
  if (q.long_lengths.empty() && q.packed)
    for (const char* long_only : {"--long-batch", "--sample-heads"})
      if (std::count(a.shape_options_given.begin(), a.shape_options_given.end(), long_only))
        throw UsageError(std::string(long_only) + " shapes the --long cases; a --packed case is one batch entry, every head compared");
  if (q.long_lengths.empty() && !q.packed && !a.shape_options_given.empty()) {
    throw UsageError(join_list(a.shape_options_given, ", ") + " shape the --long and --packed cases; without either, verify runs only its default cases, "
                           "whose shapes are fixed (add --long N or --packed LENGTHS)");
  }
  if (q.device && *q.device == DeviceKind::cuda && !backend_for(DeviceKind::cuda))
    throw UsageError("--device cuda: this build has no CUDA backend (configure with nvcc present)");
  if (!a.json.empty()) check_output_path(a.json, "--json");
  check_time_limit_applies(a.time_limit_s, "case");
  if (q.names.empty()) throw UsageError("no implementations are registered in this build");
  if (q.impls_named && q.device) check_runs_on(q.names, *q.device, a.device);
  // The options are checked against the implementations that will run (those of --device).
  std::vector<std::string> on_device;
  for (const std::string& n : q.names)
    if (!q.device || Registry::instance().create(n)->info().device == *q.device) on_device.push_back(n);
  q.settings = parse_impl_options(a.impl_options);
  check_impl_options(q.settings, on_device);
  return q;
}

// The exit code once every case is recorded; where it is not 0, stderr says why.
int verify_exit_code(const VerifyRequest& q, const Tally& tally, const StopCause& stopped,
                     const std::vector<CaseResult>& results, size_t long_asked, size_t long_passed, std::ostream& err) {
  if (stopped) {
    err << "lasuite verify: stopped (" << stopped.text << "); what ran is above and in the result file, the rest are "
           "SKIP rows (not run)"
        << std::endl;
    return stop_exit_code(stopped, tally.failed > 0);
  }
  if (tally.failed > 0) return kExitFailed;
  if (tally.passed == 0) {
    if (tally.skipped == 0)
      err << "lasuite verify: nothing was verified: no case was run (no implementation's device is present here; "
             "see the notes above)"
          << std::endl;
    else
      err << "lasuite verify: nothing was verified (every case was skipped; see the reasons above)" << std::endl;
    return kExitNothingRan;
  }
  // An implementation named by --impl of which no case passed was asked for and not verified (declined: its
  // device absent, its dtypes or options not taken): not a success, though the others' cases stand.
  std::vector<std::string> unverified;
  if (q.impls_named)
    for (const std::string& name : q.names) {  // check_runs_on refused a named one on another --device
      if (std::none_of(results.begin(), results.end(),
                       [&](const CaseResult& r) { return r.impl == name && r.status == CaseStatus::pass; }))
        unverified.push_back(name);
    }
  if (!unverified.empty()) {
    err << "lasuite verify: " << join_list(unverified, ", ") << " named by --impl but no case of it was verified (every one was skipped; "
        << "see the reasons above)" << std::endl;
    return kExitNothingRan;
  }
  if (!q.long_lengths.empty() && long_passed == 0) {
    err << "lasuite verify: none of the " << long_asked
        << " --long cases was verified (every one was skipped; see the reasons above)" << std::endl;
    return kExitNothingRan;
  }
  return kExitOk;
}

}  // namespace

int run_verify(const VerifyArgs& a, const CliContext& ctx) {
  const VerifyRequest q = checked_request(a);
  ctx.out << "seed: " << a.seed << "\n";
  ctx.out << fixed_width_row({"impl", "case", "dtype", "tensor", "rel_frob", "max_abs", "tol", "result"}, kWidths)
          << "\n";
  ctx.out << fixed_width_row({"---", "---", "---", "---", "---", "---", "---", "---"}, kWidths) << "\n";

  Tally tally;
  size_t long_asked = 0, long_passed = 0;  // the --long cases, over every implementation and dtype
  std::vector<CaseResult> results;
  std::vector<DeviceRecord> devices_used;
  OptionRecord options_used;
  auto write_json = [&](const std::vector<CaseResult>& rows) {
    if (a.json.empty()) return;
    Metadata meta = collect_metadata(kVerifySchema, ctx.command_line);
    meta.devices = devices_used;  // a copy: the watchdog's last words may run beside the command's thread reading it
    order_devices(meta.devices);
    meta.seed = a.seed;
    meta.impl_options = options_used;
    if (write_files_atomically({{a.json, json_text(verify_json(meta, rows))}})) ctx.err << "wrote " << a.json << "\n";
  };
  auto summary_line = [&] {
    return "verify: " + std::to_string(tally.passed) + " passed, " + std::to_string(tally.failed) + " failed, " +
           std::to_string(tally.skipped) + " skipped";
  };
  // The case running now and since when, for the watchdog's last words: what never returned is a row of its own.
  std::optional<CaseResult> running;
  std::chrono::steady_clock::time_point running_since;
  RunStop run_stop(a.time_limit_s, [&](const StopCause& cause) -> int {
    const bool failed_before = tally.failed > 0;  // the cases that finished; the one running is the stop itself
    std::vector<CaseResult> rows = results;
    if (running) {
      running->status = CaseStatus::error;
      running->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - running_since).count();
      running->reason = ended_while_running(cause, run_stop, "case");
      print_case(ctx.out, *running, dtype_name(running->vcase.problem.dtype), tally);
      rows.push_back(*running);
    }
    ctx.out << summary_line() << std::endl;
    write_json(rows);
    ctx.err << "lasuite verify: stopped (" << cause.text << "): "
            << (running ? "a case did not return in time (its ERROR row above)"
                        : "it was not in a case (setting up an implementation or its device took that long)")
            << std::endl;
    return last_words_exit(ctx.out, ctx.err, cause, failed_before);
  });
  StopCause stopped;  // set between cases once the run should stop: the rest are recorded as not run
  auto stop_now = [&] {  // under the results lock
    if (!stopped && (stopped = run_stop.cause()))
      ctx.err << "lasuite verify: " << stopped.text << "; the cases left are recorded as not run (SKIP)" << std::endl;
    return static_cast<bool>(stopped);
  };
  for (const std::string& name : q.names) {
    std::unique_ptr<Implementation> impl = Registry::instance().create(name);
    const ImplInfo& info = impl->info();
    if (q.device && info.device != *q.device) continue;
    // Once stopped, an implementation's cases are recorded as not run without setting up its device.
    const bool stopped_before = [&] {
      std::unique_lock<std::mutex> lock = run_stop.lock_results();
      return stop_now();
    }();
    std::map<std::string, std::string> in_force = apply_impl_options(*impl, q.settings);
    std::string why_not;
    const bool available = !stopped_before && device_available(info.device, &why_not);
    if (!stopped_before && !available && !q.impls_named && !q.device) {
      ctx.err << "note: not verifying " << name << " (" << device_name(info.device) << "): " << why_not << "\n";
      continue;
    }
    const bool new_device = available && std::none_of(devices_used.begin(), devices_used.end(),
                                                      [&](const DeviceRecord& d) { return d.kind == info.device; });
    std::optional<DeviceRecord> device_record;  // described outside the lock: a GPU's first description takes a while
    if (new_device) device_record = DeviceRecord{info.device, backend_for(info.device)->info(), std::nullopt};
    {
      std::unique_lock<std::mutex> lock = run_stop.lock_results();
      if (!in_force.empty()) options_used[name] = in_force;
      if (device_record) devices_used.push_back(*device_record);
    }

    std::vector<DType> dtypes = q.dtypes_asked;
    if (dtypes.empty())
      for (DType t : kDtypeOrder)
        if (std::count(info.support.dtypes.begin(), info.support.dtypes.end(), t)) dtypes.push_back(t);

    for (DType dtype : dtypes) {
      const std::string dname = dtype_name(dtype);
      auto record = [&](CaseResult r) {
        std::unique_lock<std::mutex> lock = run_stop.lock_results();
        running.reset();
        print_case(ctx.out, r, dname, tally);
        ctx.out.flush();
        results.push_back(std::move(r));
      };
      // Before each case: once the run should stop it is recorded as not run; else it is the one running.
      auto may_run = [&](const VerifyCase& c) {
        std::unique_lock<std::mutex> lock = run_stop.lock_results();
        if (stop_now()) return false;
        running = not_run(info, c, "", a.seed);
        running_since = std::chrono::steady_clock::now();
        return true;
      };
      if (!available && !stopped_before) {
        record(skipped_everything(name, dtype, why_not, a.seed));
        continue;
      }
      if (!std::count(info.support.dtypes.begin(), info.support.dtypes.end(), dtype)) {
        record(skipped_everything(name, dtype, std::string("dtype ") + dname + " not supported", a.seed));
        continue;
      }
      size_t first_long = 0;
      const std::vector<VerifyCase> cases = cases_for(a, dtype, info.function, q.long_lengths, q.packed, first_long);
      for (size_t index = 0; index < cases.size(); ++index) {
        const VerifyCase& c = cases[index];
        if (!may_run(c)) {
          record(not_run(info, c, "not run: " + stopped.text, a.seed));
          continue;
        }
        // The long and packed cases run for seconds to minutes each (the float64 reference among them): each says
        // on stderr that it starts, so a long run shows where it is.
        if (index >= first_long)
          ctx.err << "[" << index - first_long + 1 << "/" << cases.size() - first_long << " of --long/--packed] " << name
                  << " " << c.label << " " << dname << std::endl;
        CaseResult r;
        auto t0 = std::chrono::steady_clock::now();
        try {
          r = verify_case(*impl, c, a.seed);
        } catch (const std::exception& e) {
          // verify_case reports errors itself; this is the net under it.
          r.vcase = c;
          r.seed = a.seed;
          r.status = CaseStatus::error;
          r.reason = e.what();
          r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        r.impl = name;
        if (index >= first_long) {
          ++long_asked;
          long_passed += r.status == CaseStatus::pass;
        }
        record(std::move(r));
      }
      // Decoding: prefill then decode steps against one forward (implementations with a state).
      if (!a.skip_defaults)
        for (const DecodeCase& c : decode_cases(dtype)) {
          const VerifyCase row = decode_row_case(info, c);
          if (!may_run(row)) {
            record(not_run(info, row, "not run: " + stopped.text, a.seed));
            continue;
          }
          CaseResult r = verify_decode_case(*impl, c, a.seed);
          r.impl = name;
          record(std::move(r));
        }
    }
  }

  run_stop.finishing();
  // The summary first: a result file that cannot be written (a full disk) then fails the run after it.
  ctx.out << summary_line() << std::endl;
  write_json(results);
  return verify_exit_code(q, tally, stopped, results, long_asked, long_passed, ctx.err);
}

}  // namespace lasuite
