// How a result file was made: command, source commit, date, host, version, schema, devices and their
// ceilings, timing method. Every file lasuite writes carries it (results/SCHEMA.md).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/backend.h"
#include "harness/plugins.h"

namespace lasuite {

struct DeviceRecord {
  DeviceKind kind = DeviceKind::cpu;
  DeviceInfo info;
  std::optional<Ceilings> ceilings;  // measured by bench (unless --no-ceilings); absent in verify
};

struct TimingMeta {
  std::string method;  // "cuda events", "steady_clock wall time"
  int warmup = 0;
  int min_repeats = 0;
  double min_time_s = 0;
  bool l2_flush = true;
  double row_time_limit_s = 0;
  std::string l2_flush_mode = "dirty";  // cache_flush_name of the policy
  std::string scratch_pool = "keep";    // --scratch-pool: keep | release
};

// A run launched as several processes (mpirun), or one that formed the NCCL group: the world's size
// and, where the group formed, each rank's GPU, the NCCL version and the transports NCCL set up.
struct LaunchRecord {
  int world_size = 1;
  std::vector<std::string> gpus;
  std::string nccl_version;
  std::vector<std::string> nccl_transports;
};

struct Metadata {
  std::string schema;       // "lasuite.bench/1", "lasuite.verify/1"
  std::string command;      // argv joined, as typed
  std::string git_commit;   // "unknown" where neither git nor the configure-time value has it
  std::optional<bool> git_dirty;  // tracked files differ from the commit; unset where git could not say
  std::string date;         // UTC, ISO 8601
  std::string host;
  std::string lasuite_version;
  std::vector<DeviceRecord> devices;  // every device the run used; the first is the main one
  std::optional<TimingMeta> timing;   // bench
  std::optional<uint64_t> seed;       // verify
  // The implementation options in force (--impl-option or the defaults), impl -> key -> value, for every
  // implementation of the run that has options.
  std::map<std::string, std::map<std::string, std::string>> impl_options;
  std::vector<PluginRecord> plugins;  // every plugin loaded (--plugin, LASUITE_PLUGINS)
  // bench --packed: the lengths as given and the offsets they made (empty otherwise).
  std::string packed_spec;
  std::vector<int64_t> packed_cu_seqlens;
  std::optional<LaunchRecord> launch;  // set when launched by mpirun or the NCCL group formed
};

// Fills command, git, date, host and version; the caller adds devices, timing or seed.
Metadata collect_metadata(const std::string& schema, const std::string& command);

// argv joined with spaces, arguments with spaces or shell characters single-quoted.
std::string join_command_line(int argc, const char* const* argv);
std::string utc_now_iso8601();
std::string host_name();
std::string lasuite_version();
// The source tree this binary was built from ("" where unknown).
std::string source_dir();

struct GitState {
  std::string commit = "unknown";
  std::optional<bool> dirty;  // unset: not known (git not asked or failing, or the commit given from outside)
};
// Asks git about the source tree this binary was built from, at run time; falls back to the
// commit seen when CMake configured the build.
GitState source_git_state();

// The NVIDIA kernel driver's version ("580.159.04") in the text of /proc/driver/nvidia/version, or "".
std::string parse_nvidia_driver_version(const std::string& proc_text);
// The same, read from /proc on this machine ("" where there is none).
std::string nvidia_driver_version();

// Puts the CUDA device first when there is one, so "the device" of a mixed run is the GPU.
void order_devices(std::vector<DeviceRecord>& devices);

}  // namespace lasuite
