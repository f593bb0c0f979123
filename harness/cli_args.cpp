#include "harness/cli_args.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <ostream>

#include "harness/backend.h"
#include "harness/cli.h"
#include "harness/errors.h"
#include "harness/process_group.h"
#include "harness/registry.h"

namespace lasuite {

namespace {
std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}
}  // namespace

std::string join_list(const std::vector<std::string>& items, const std::string& sep) {
  std::string s;
  for (const std::string& x : items) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::vector<std::string> split_list(std::string_view text, const std::string& option) {
  std::vector<std::string> out;
  if (trim(text).empty()) throw UsageError(option + " is empty");
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string item = trim(text.substr(start, comma - start));
    if (item.empty()) throw UsageError(option + " '" + std::string(text) + "' has an empty item");
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> parse_impls(std::string_view text) {
  if (trim(text).empty()) return Registry::instance().names();
  std::vector<std::string> names = split_list(text, "--impl");
  for (const std::string& n : names) {
    if (Registry::instance().contains(n)) continue;
    std::string known;
    for (const std::string& k : Registry::instance().names()) known += (known.empty() ? "" : ", ") + k;
    // A module:callable or ext: name is a Python kernel, which the scripts of baselines/external/ load, not lasuite.
    const std::string python = n.find(':') == std::string::npos
                                   ? ""
                                   : "; '" + n + "' reads as a Python kernel: those go to baselines/external/verify_external.py "
                                     "and run_external.py, a C++ one to --plugin";
    throw UsageError("unknown implementation '" + n + "' (known: " + (known.empty() ? "none registered" : known) +
                     "; see `lasuite list`)" + python);
  }
  return names;
}

std::vector<DType> parse_dtypes(std::string_view text) {
  std::vector<DType> out;
  for (const std::string& s : split_list(text, "--dtype")) {
    std::optional<DType> t = parse_dtype(s);
    if (!t) throw UsageError("unknown dtype '" + s + "' (expected f64, f32, bf16 or f16)");
    if (std::find(out.begin(), out.end(), *t) == out.end()) out.push_back(*t);
  }
  return out;
}

std::vector<BenchMode> parse_modes(std::string_view text) {
  std::vector<BenchMode> out;
  for (const std::string& s : split_list(text, "--mode")) {
    std::optional<BenchMode> m = parse_mode(s);
    if (!m) throw UsageError("unknown mode '" + s + "' (expected fwd, bwd, fwdbwd or decode)");
    if (std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(*m);
  }
  return out;
}

bool decimal_number_text(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789.eE+-") == std::string::npos &&
         text.find_first_of("0123456789") != std::string::npos;
}

DecaySpec parse_decay(std::string_view text) {
  std::string s = trim(text);
  DecaySpec d;
  if (s == "alibi") return d;
  if (s == "none" || s == "off") {
    d.kind = DecaySpec::Kind::none;
    return d;
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (!decimal_number_text(s) || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
    throw UsageError("bad --decay '" + s + "' (expected alibi, none, or a slope >= 0 such as 0.5)");
  d.kind = v == 0 ? DecaySpec::Kind::none : DecaySpec::Kind::constant;
  d.slope = v;
  return d;
}

std::optional<DeviceKind> parse_device(std::string_view text, bool allow_all) {
  std::string s = trim(text);
  if (s == "cpu") return DeviceKind::cpu;
  if (s == "cuda" || s == "gpu") return DeviceKind::cuda;
  if (allow_all && s == "all") return std::nullopt;
  throw UsageError("unknown device '" + s + (allow_all ? "' (expected cpu, cuda or all)" : "' (expected cpu or cuda)"));
}

void check_runs_on(const std::vector<std::string>& impls, DeviceKind device, const std::string& device_text) {
  for (const std::string& n : impls) {
    const DeviceKind runs_on = Registry::instance().create(n)->info().device;
    if (runs_on != device)
      throw UsageError(n + " runs on " + device_name(runs_on) + ", not on " + device_name(device) + " (--device " +
                       device_text + ")");
  }
}

bool device_available(DeviceKind kind, std::string* why_not) {
  const std::string why = device_unavailable(kind);
  if (why_not) *why_not = why;
  return why.empty();
}

void check_shape_fits(int64_t batch, int64_t heads, const std::vector<int64_t>& seqlens, int64_t dim_qk,
                      int64_t dim_v, const std::string& what) {
  // In long double, which holds these products without wrapping; 8 bytes is the widest element.
  const long double heads_total = static_cast<long double>(batch) * heads;
  long double largest = heads_total * dim_qk * dim_v;
  for (int64_t n : seqlens) largest = std::max(largest, heads_total * n * std::max(dim_qk, dim_v));
  if (largest * 8 > static_cast<long double>(std::numeric_limits<int64_t>::max()))
    throw UsageError(what + ": a tensor of this shape would hold more than 2^63 bytes");
  // A slope a head is made before any memory is checked: more heads than any model has would be gigabytes of them.
  if (heads > kMaxHeads)
    throw UsageError(what + ": " + std::to_string(heads) + " heads; at most " + std::to_string(kMaxHeads));
}

void check_time_limit_applies(double time_limit_s, const std::string& unit) {
  const int world = launch_place().world;
  if (time_limit_s > 0 && world > 1)
    throw UsageError("--time-limit does not apply under a launch of " + std::to_string(world) + " processes (each would stop at a " +
                     unit + " of its own, leaving the others waiting in it)");
}

int stop_exit_code(const StopCause& cause, bool failed) {
  if (cause.kind == StopCause::Kind::signal) return 128 + cause.signal;
  return failed ? kExitFailed : kExitTimeLimit;
}

std::string ended_while_running(const StopCause& cause, const RunStop& stop, const std::string& unit) {
  const double grace_s = cause.kind == StopCause::Kind::signal ? kSignalGraceS : stop.grace_s();
  return "still running " + time_limit_text(grace_s) + " after " + cause.text + "; the process was ended (the " + unit +
         "s after it are not listed)";
}

int last_words_exit(std::ostream& out, std::ostream& err, const StopCause& cause, bool failed_before) {
  if (!out) {
    err << "lasuite: the standard output could not be written (a full device?)" << std::endl;
    return kExitFailed;
  }
  return stop_exit_code(cause, failed_before);
}

}  // namespace lasuite
