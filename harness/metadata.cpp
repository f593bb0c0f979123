#include "harness/metadata.h"

#include <cstdlib>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "harness/process_group.h"

#ifndef LASUITE_SOURCE_DIR
#define LASUITE_SOURCE_DIR ""
#endif
#ifndef LASUITE_VERSION
#define LASUITE_VERSION "unknown"
#endif
#ifndef LASUITE_GIT_COMMIT_AT_CONFIGURE
#define LASUITE_GIT_COMMIT_AT_CONFIGURE ""
#endif

namespace lasuite {

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  return s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~!") != std::string::npos;
}

// Runs a command and returns its standard output, or nullopt when it failed.
std::optional<std::string> capture(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  std::array<char, 256> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  if (pclose(pipe) != 0) return std::nullopt;
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string join_command_line(int argc, const char* const* argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i] ? argv[i] : "";
    out += (i ? " " : "") + (needs_quotes(a) ? shell_quote(a) : a);
  }
  return out;
}

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Thu ..." (open and proprietary modules
// word it alike): the first token after "Kernel Module" made of digits and dots.
std::string parse_nvidia_driver_version(const std::string& proc_text) {
  const std::string marker = "Kernel Module";
  size_t at = proc_text.find(marker);
  if (at == std::string::npos) return "";
  std::istringstream words(proc_text.substr(at + marker.size()));
  std::string w;
  while (words >> w) {
    if (w == "for" || w == "x86_64" || w == "aarch64") continue;  // "Open Kernel Module for x86_64"
    auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    const bool version = digit(w.front()) && std::all_of(w.begin(), w.end(), [&](char c) { return digit(c) || c == '.'; });
    return version ? w : "";
  }
  return "";
}

std::string nvidia_driver_version() {
  std::ifstream f("/proc/driver/nvidia/version");
  if (!f) return "";
  std::stringstream text;
  text << f.rdbuf();
  return parse_nvidia_driver_version(text.str());
}

std::string lasuite_version() { return LASUITE_VERSION; }

std::string source_dir() { return LASUITE_SOURCE_DIR; }

GitState source_git_state() {
  GitState g;
  // A copy of the tree without .git (the GPU machine gets the working tree only) is told its commit.
  if (const char* given = std::getenv("LASUITE_GIT_COMMIT"); given && *given) {
    g.commit = given;
    return g;
  }
  const std::string dir = LASUITE_SOURCE_DIR;
  if (!dir.empty()) {
    const std::string git = "git -C " + shell_quote(dir) + " ";
    if (auto head = capture(git + "rev-parse HEAD 2>/dev/null"); head && !trim(*head).empty()) {
      g.commit = trim(*head);
      // Tracked files only: result files written into the tree do not make the source dirty. Without optional
      // locks, so that a run beside a git command in the same tree does not take the index lock from it. A
      // status that fails leaves the state unknown (never "clean").
      if (auto status = capture("git --no-optional-locks -C " + shell_quote(dir) +
                                " status --porcelain --untracked-files=no 2>/dev/null"))
        g.dirty = !trim(*status).empty();
      return g;
    }
  }
  const std::string configured = LASUITE_GIT_COMMIT_AT_CONFIGURE;
  if (!configured.empty()) g.commit = configured + " (at configure time)";
  return g;
}

void order_devices(std::vector<DeviceRecord>& devices) {
  std::stable_sort(devices.begin(), devices.end(), [](const DeviceRecord& a, const DeviceRecord& b) {
    return a.kind == DeviceKind::cuda && b.kind != DeviceKind::cuda;
  });
}

Metadata collect_metadata(const std::string& schema, const std::string& command) {
  Metadata m;
  m.schema = schema;
  m.command = command;
  GitState g = source_git_state();
  m.git_commit = g.commit;
  m.git_dirty = g.dirty;
  m.date = utc_now_iso8601();
  m.host = host_name();
  m.lasuite_version = lasuite_version();
  m.plugins = loaded_plugins();
  const LaunchPlace place = launch_place();
  if ((place.launched && place.world > 1) || process_group_formed()) {
    LaunchRecord l;
    l.world_size = place.world;
    if (process_group_formed()) {
      const GroupFacts f = process_group_facts();
      l.gpus = f.gpus, l.nccl_version = f.nccl_version, l.nccl_transports = f.transports;
    }
    m.launch = l;
  }
  return m;
}

}  // namespace lasuite
