// What the host lets this process take: MemAvailable and the cgroup's limit.
#include "harness/host_memory.h"

#include <gtest/gtest.h>

namespace lasuite {
namespace {

TEST(HostMemory, CgroupBytesLeft) {
  EXPECT_EQ(cgroup_bytes_left("8589934592\n", "1073741824\n"), 7516192768u) << "v2 memory.max and memory.current";
  EXPECT_EQ(cgroup_bytes_left("1000", "1500"), 0u) << "over the limit: nothing left";
  EXPECT_FALSE(cgroup_bytes_left("max\n", "123\n").has_value()) << "v2 without a limit";
  EXPECT_FALSE(cgroup_bytes_left("9223372036854771712\n", "123\n").has_value()) << "v1 'unlimited'";
  EXPECT_FALSE(cgroup_bytes_left("", "").has_value()) << "no such file";
  EXPECT_FALSE(cgroup_bytes_left("12k", "1").has_value());
  // The page cache the kernel can take back (memory.stat's inactive_file) counts as free.
  EXPECT_EQ(cgroup_bytes_left("1000", "900", 600), 700u);
  EXPECT_EQ(cgroup_bytes_left("1000", "900", 5000), 1000u);
}

TEST(HostMemory, SomethingIsAvailableOnLinux) { EXPECT_GT(host_available_bytes(), 0u); }

}  // namespace
}  // namespace lasuite
