#include "harness/host_memory.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace lasuite {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::optional<uint64_t> parse_bytes(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  if (!(in >> word) || word.find_first_not_of("0123456789") != std::string::npos || word.size() > 20)
    return std::nullopt;
  try {
    return std::stoull(word);
  } catch (...) {
    return std::nullopt;
  }
}

uint64_t mem_available() {
  std::ifstream f("/proc/meminfo");
  std::string key, unit;
  uint64_t kib = 0;
  while (f >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

// The cgroup of this process: its path below /sys/fs/cgroup from /proc/self/cgroup (v2: "0::/path";
// v1: the memory controller's line), tried at that path and at the mount's root (a container sees
// its own cgroup as the root).
std::optional<uint64_t> cgroup_left() {
  std::ifstream f("/proc/self/cgroup");
  std::string line, v2_path, v1_path;
  while (std::getline(f, line)) {
    if (line.rfind("0::", 0) == 0) v2_path = line.substr(3);
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a != std::string::npos && b != std::string::npos) {
      const std::string controllers = line.substr(a + 1, b - a - 1);
      if (("," + controllers + ",").find(",memory,") != std::string::npos) v1_path = line.substr(b + 1);
    }
  }
  std::optional<uint64_t> best;
  auto consider = [&](const std::string& limit, const std::string& usage) {
    const std::optional<uint64_t> left = cgroup_bytes_left(read_text(limit), read_text(usage));
    if (left) best = best ? std::min(*best, *left) : *left;
  };
  for (const std::string& dir : {"/sys/fs/cgroup" + v2_path, std::string("/sys/fs/cgroup")})
    consider(dir + "/memory.max", dir + "/memory.current");
  for (const std::string& dir : {"/sys/fs/cgroup/memory" + v1_path, std::string("/sys/fs/cgroup/memory")})
    consider(dir + "/memory.limit_in_bytes", dir + "/memory.usage_in_bytes");
  return best;
}

}  // namespace

std::optional<uint64_t> cgroup_bytes_left(const std::string& limit_text, const std::string& usage_text) {
  const std::optional<uint64_t> limit = parse_bytes(limit_text), usage = parse_bytes(usage_text);
  if (!limit || !usage || *limit >= (uint64_t(1) << 62)) return std::nullopt;  // "max", or v1's "unlimited"
  return *limit > *usage ? *limit - *usage : 0;
}

uint64_t host_available_bytes() {
  const uint64_t avail = mem_available();
  const std::optional<uint64_t> left = cgroup_left();
  if (!left) return avail;
  return avail ? std::min(avail, *left) : *left;
}

}  // namespace lasuite
