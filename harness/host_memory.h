// How much host memory this process may still take: the kernel's MemAvailable, and the limit of the
// control group it runs in (a container's), whichever is smaller. A malloc does not count until its
// pages are touched, so a check per allocation against MemAvailable alone lets several buffers
// together push the process into the OOM killer; and a cgroup limit is invisible to MemAvailable.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace lasuite {

// Bytes left under a cgroup limit, from the texts of its limit and usage files (v2 memory.max and
// memory.current, or v1 memory.limit_in_bytes and memory.usage_in_bytes); nullopt when there is no
// limit ("max", a v1 "unlimited" near 2^63, unreadable text).
std::optional<uint64_t> cgroup_bytes_left(const std::string& limit_text, const std::string& usage_text);

// min(MemAvailable, the cgroup's bytes left); 0 where neither can be read.
uint64_t host_available_bytes();

}  // namespace lasuite
