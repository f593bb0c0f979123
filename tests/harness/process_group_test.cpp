// The launch place read from an MPI launcher's environment, and the GPU a process is bound to; the
// NCCL group itself needs a GPU (tests/kernels/lightning2/la2_sp_cuda_test.cpp runs it as a world of one).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "harness/process_group.h"

namespace lasuite {
namespace {

// Sets the variables for the test's scope and puts back what was there.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, std::optional<std::string>>& vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      set(name, value);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) set(name, value);
  }

 private:
  static void set(const std::string& name, const std::optional<std::string>& value) {
    if (value) setenv(name.c_str(), value->c_str(), 1);
    else unsetenv(name.c_str());
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

const std::map<std::string, std::optional<std::string>> kNoLauncher = {
    {"OMPI_COMM_WORLD_SIZE", std::nullopt}, {"OMPI_COMM_WORLD_RANK", std::nullopt},
    {"OMPI_COMM_WORLD_LOCAL_RANK", std::nullopt}, {"PMI_SIZE", std::nullopt}, {"PMI_RANK", std::nullopt},
    {"MPI_LOCALRANKID", std::nullopt}, {"OMPI_COMM_WORLD_LOCAL_SIZE", std::nullopt}, {"MPI_LOCALNRANKS", std::nullopt}};

TEST(LaunchPlace, AloneWithoutALauncher) {
  ScopedEnv env(kNoLauncher);
  const LaunchPlace p = launch_place();
  EXPECT_FALSE(p.launched);
  EXPECT_EQ(p.rank, 0);
  EXPECT_EQ(p.world, 1);
  EXPECT_EQ(p.local_world, 1);
}

TEST(LaunchPlace, ReadsOpenMpisAndPmisVariables) {
  auto vars = kNoLauncher;
  vars["OMPI_COMM_WORLD_SIZE"] = "8", vars["OMPI_COMM_WORLD_RANK"] = "5", vars["OMPI_COMM_WORLD_LOCAL_RANK"] = "1";
  {
    ScopedEnv env(vars);
    const LaunchPlace p = launch_place();
    EXPECT_TRUE(p.launched);
    EXPECT_EQ(p.world, 8);
    EXPECT_EQ(p.rank, 5);
    EXPECT_EQ(p.local_rank, 1);
    EXPECT_EQ(p.local_world, 8) << "no local count given: the whole world taken as on this host";
  }
  vars["OMPI_COMM_WORLD_LOCAL_SIZE"] = "4";
  {
    ScopedEnv env(vars);
    EXPECT_EQ(launch_place().local_world, 4);
  }
  auto pmi = kNoLauncher;
  pmi["PMI_SIZE"] = "2", pmi["PMI_RANK"] = "1", pmi["MPI_LOCALRANKID"] = "1";
  ScopedEnv env(pmi);
  const LaunchPlace p = launch_place();
  EXPECT_TRUE(p.launched);
  EXPECT_EQ(p.world, 2);
  EXPECT_EQ(p.rank, 1);
  EXPECT_EQ(p.local_rank, 1);
}

TEST(LaunchPlace, MalformedSizeIsNoLaunch) {
  auto vars = kNoLauncher;
  vars["OMPI_COMM_WORLD_SIZE"] = "two";
  ScopedEnv env(vars);
  EXPECT_FALSE(launch_place().launched);
}

TEST(BindProcessToGpu, TakesTheLocalRanksGpuOrItsEntryOfTheLaunchsList) {
  auto vars = kNoLauncher;
  vars["OMPI_COMM_WORLD_SIZE"] = "4", vars["OMPI_COMM_WORLD_RANK"] = "3", vars["OMPI_COMM_WORLD_LOCAL_RANK"] = "3";
  vars["CUDA_VISIBLE_DEVICES"] = std::nullopt;
  {
    ScopedEnv env(vars);
    bind_process_to_gpu();
    ASSERT_NE(std::getenv("CUDA_VISIBLE_DEVICES"), nullptr);
    EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "3");
  }
  vars["CUDA_VISIBLE_DEVICES"] = "4,5,6,7";  // a list the launch set: this rank's entry of it
  {
    ScopedEnv env(vars);
    bind_process_to_gpu();
    EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "7");
  }
  vars["CUDA_VISIBLE_DEVICES"] = "2";  // one entry: the launcher bound this process already
  {
    ScopedEnv env(vars);
    bind_process_to_gpu();
    EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "2");
  }
  auto alone = kNoLauncher;
  alone["CUDA_VISIBLE_DEVICES"] = std::nullopt;
  ScopedEnv env(alone);
  bind_process_to_gpu();
  EXPECT_EQ(std::getenv("CUDA_VISIBLE_DEVICES"), nullptr);
}

}  // namespace
}  // namespace lasuite
