#include "harness/host_memory.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

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

// A "key value" line of a memory.stat file; 0 when absent.
uint64_t stat_value(const std::string& stat_text, const std::string& key) {
  std::istringstream in(stat_text);
  std::string k;
  uint64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

// The memory cgroups that limit this process, its own and every one above it (a pod's or a slice's
// limit sits on a parent), v2 and v1 alike, each with its limit: found once, since the limits do not
// change while the suite runs; only the usage is read per call (CPU allocations, some of them inside
// timed runs, ask every time). Where no cgroup has a limit, nothing is read per call.
struct LimitedCgroup {
  std::string usage_file, stat_file, reclaimable_key;
  uint64_t limit;
};
const std::vector<LimitedCgroup>& limited_cgroups() {
  static std::once_flag once;
  static std::vector<LimitedCgroup> found;
  std::call_once(once, [] {
    std::ifstream f("/proc/self/cgroup");
    std::string line;
    while (std::getline(f, line)) {
      const size_t a = line.find(':'), b = line.find(':', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
      const bool v2 = line.rfind("0::", 0) == 0;
      const bool v1_memory = ("," + controllers + ",").find(",memory,") != std::string::npos;
      if (!v2 && !v1_memory) continue;
      const std::string root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
      std::vector<std::string> dirs;
      for (std::string p = path;; p = p.substr(0, p.find_last_of('/'))) {
        dirs.push_back(root + (p == "/" ? "" : p));
        if (p.empty() || p == "/" || p.find('/') == std::string::npos) break;
      }
      dirs.push_back(root);  // a container sees its own cgroup as the root
      for (const std::string& dir : dirs) {
        const std::string limit_file = dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes");
        const std::string usage_file = dir + (v2 ? "/memory.current" : "/memory.usage_in_bytes");
        const std::optional<uint64_t> limit = parse_bytes(read_text(limit_file));
        if (limit && *limit < (uint64_t(1) << 62) && parse_bytes(read_text(usage_file)))
          found.push_back({usage_file, dir + "/memory.stat", v2 ? "inactive_file" : "total_inactive_file", *limit});
      }
    }
  });
  return found;
}

uint64_t meminfo(const std::string& key) {
  std::ifstream f("/proc/meminfo");
  std::string k, unit;
  uint64_t kib = 0;
  while (f >> k >> kib >> unit)
    if (k == key + ":") return kib * 1024;
  return 0;
}

}  // namespace

std::optional<uint64_t> cgroup_bytes_left(const std::string& limit_text, const std::string& usage_text,
                                          uint64_t reclaimable) {
  const std::optional<uint64_t> limit = parse_bytes(limit_text), usage = parse_bytes(usage_text);
  if (!limit || !usage || *limit >= (uint64_t(1) << 62)) return std::nullopt;  // "max", or v1's "unlimited"
  const uint64_t used = *usage > reclaimable ? *usage - reclaimable : 0;
  return *limit > used ? *limit - used : 0;
}

uint64_t host_meminfo_bytes(const std::string& key) { return meminfo(key); }

uint64_t host_available_bytes() {
  std::optional<uint64_t> left;
  for (const LimitedCgroup& c : limited_cgroups()) {
    const std::optional<uint64_t> here =
        cgroup_bytes_left(std::to_string(c.limit), read_text(c.usage_file),
                          stat_value(read_text(c.stat_file), c.reclaimable_key));
    if (here) left = left ? std::min(*left, *here) : *here;
  }
  const uint64_t avail = meminfo("MemAvailable");
  if (!left) return avail;
  return avail ? std::min(avail, *left) : *left;
}

}  // namespace lasuite
