// Turning the CLI's strings into checked values; anything malformed is a UsageError that says what
// was expected (the CLI maps it to exit code 2).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/bench.h"
#include "harness/dtype.h"
#include "harness/run_stop.h"
#include "harness/tensor.h"

namespace lasuite {

// "a,b , c" -> {"a","b","c"}; an empty item is an error naming the option.
std::vector<std::string> split_list(std::string_view text, const std::string& option);
// {"a","b"} -> "a" + sep + "b": lists of names in messages.
std::string join_list(const std::vector<std::string>& items, const std::string& sep = ",");
// Registry names, checked; empty text gives every registered implementation.
std::vector<std::string> parse_impls(std::string_view text);
std::vector<DType> parse_dtypes(std::string_view text);
std::vector<BenchMode> parse_modes(std::string_view text);
DecaySpec parse_decay(std::string_view text);
// Whether text is a decimal number as people write one ("0.5", "1e-3", "+2"): strtod also reads hexadecimal
// ("0x1p3" is 8) and "infinity", which no option means.
bool decimal_number_text(const std::string& text);
// "cpu", "cuda"; "all" gives nullopt.
std::optional<DeviceKind> parse_device(std::string_view text, bool allow_all);
// Refuses (UsageError) an implementation named with --impl that runs on another device than --device
// names (`device_text`, as given).
void check_runs_on(const std::vector<std::string>& impls, DeviceKind device, const std::string& device_text);
// Whether this build has the device and it is present; why_not says what is missing.
bool device_available(DeviceKind kind, std::string* why_not);
// Refuses a shape whose tensors (q, k, v, o at every length given, the [b, h, d, e] state) would
// hold more than 2^63 bytes: their size_t byte counts would wrap to a small buffer that the run then
// overruns; and more than kMaxHeads heads. `what` names the options in the message.
inline constexpr int64_t kMaxHeads = int64_t(1) << 20;
void check_shape_fits(int64_t batch, int64_t heads, const std::vector<int64_t>& seqlens, int64_t dim_qk,
                      int64_t dim_v, const std::string& what);

// --time-limit under an MPI launch of several processes is refused: each rank's clock would stop it at a `unit`
// (case, row) of its own, leaving the others waiting in that one's exchanges.
void check_time_limit_applies(double time_limit_s, const std::string& unit);
// The exit code of a run stopped early: 128 + the signal (as a shell reports a process that signal ended), else 1
// where a case or row that finished failed, else 4 (kExitTimeLimit).
int stop_exit_code(const StopCause& cause, bool failed);
// The reason of the `unit` (case, row) the watchdog ended: "still running 5 s after SIGINT was received; the process
// was ended (the cases after it are not listed)".
std::string ended_while_running(const StopCause& cause, const RunStop& stop, const std::string& unit);
// The watchdog's last words' end, once what finished is printed and written: their exit code (stop_exit_code, or 1
// where the standard output could not be written, which it then says).
int last_words_exit(std::ostream& out, std::ostream& err, const StopCause& cause, bool failed_before);

}  // namespace lasuite
