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
// memory.current, or v1 memory.limit_in_bytes and memory.usage_in_bytes), counting as free the page
// cache the kernel can take back (`reclaimable`: memory.stat's inactive_file); nullopt when there is
// no limit ("max", a v1 "unlimited" near 2^63, unreadable text).
std::optional<uint64_t> cgroup_bytes_left(const std::string& limit_text, const std::string& usage_text,
                                          uint64_t reclaimable = 0);

// min(MemAvailable, the bytes left under this process's cgroup and each one above it that has a
// limit); 0 where none can be read. Reads /proc/meminfo, and two files per limited cgroup.
uint64_t host_available_bytes();

// A /proc/meminfo field ("MemTotal", "MemAvailable") in bytes; 0 where absent.
uint64_t host_meminfo_bytes(const std::string& key);

}  // namespace lasuite
