// Result files: proven writable before any work, written under a temporary name and renamed, so a
// failure leaves the previous file whole.
#include "harness/result_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>

#include "harness/errors.h"
#include "tests/support/temp_files.h"

namespace lasuite {
namespace {

std::string temp_path(const std::string& name) { return test_support::temp_path("rf", name); }

using test_support::read_file;

void write_plain(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Files in the temporary folder whose names start with ".lasuite_rf_<pid>": leftovers of a write.
int leftovers() {
  int count = 0;
  const std::string prefix = ".lasuite_rf_" + std::to_string(getpid());
  if (DIR* d = opendir(::testing::TempDir().c_str())) {
    while (dirent* e = readdir(d)) count += std::string(e->d_name).rfind(prefix, 0) == 0;
    closedir(d);
  }
  return count;
}

void expect_refused(const std::string& path, const std::string& message) {
  try {
    check_output_path(path, "--json");
    ADD_FAILURE() << path << " was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(ResultFiles, ReplacesTheTargetWhole) {
  const std::string a = temp_path("a.json"), b = temp_path("b.csv");
  write_plain(a, "old a");
  EXPECT_TRUE(write_files_atomically({{a, "new a"}, {b, "new b"}}));
  EXPECT_EQ(read_file(a), "new a");
  EXPECT_EQ(read_file(b), "new b");
  EXPECT_EQ(leftovers(), 0);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

// A secondary rank of a launch (by its environment) writes nothing, and says so by its result, so that the
// caller does not claim the files; rank 0 of the same launch writes them.
TEST(ResultFiles, ASecondaryRankWritesNothingAndSaysSo) {
  const std::string a = temp_path("rank.json");
  std::remove(a.c_str());
  // The launcher's variables as this process had them (set where the tests themselves run under mpirun).
  const char* had_size = std::getenv("OMPI_COMM_WORLD_SIZE");
  const char* had_rank = std::getenv("OMPI_COMM_WORLD_RANK");
  const std::string size_before = had_size ? had_size : "", rank_before = had_rank ? had_rank : "";
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  setenv("OMPI_COMM_WORLD_RANK", "1", 1);
  const bool secondary_wrote = write_files_atomically({{a, "rank 1"}});
  const bool secondary_file = std::ifstream(a).good();
  setenv("OMPI_COMM_WORLD_RANK", "0", 1);
  const bool primary_wrote = write_files_atomically({{a, "rank 0"}});
  if (had_size) setenv("OMPI_COMM_WORLD_SIZE", size_before.c_str(), 1);
  else unsetenv("OMPI_COMM_WORLD_SIZE");
  if (had_rank) setenv("OMPI_COMM_WORLD_RANK", rank_before.c_str(), 1);
  else unsetenv("OMPI_COMM_WORLD_RANK");
  EXPECT_FALSE(secondary_wrote);
  EXPECT_FALSE(secondary_file);
  EXPECT_TRUE(primary_wrote);
  EXPECT_EQ(read_file(a), "rank 0");
  std::remove(a.c_str());
}

// The second file cannot be written: the first is not touched either, and no temporary stays.
TEST(ResultFiles, AFailedWriteLeavesEveryPreviousFile) {
  const std::string a = temp_path("keep.json");
  write_plain(a, "previous result");
  EXPECT_THROW(write_files_atomically({{a, "new"}, {"/nonexistent-folder/x.csv", "new"}}), std::runtime_error);
  EXPECT_EQ(read_file(a), "previous result");
  EXPECT_EQ(leftovers(), 0);
  std::remove(a.c_str());
}

TEST(ResultFiles, UnwritablePathsAreRefusedUpFront) {
  expect_refused("/nonexistent-folder/x.json", "does not exist");
  expect_refused(::testing::TempDir(), "is a folder");
  expect_refused("/dev/null", "not a regular file");
  expect_refused(std::string("caf\xe9.json"), "not valid UTF-8");
  const std::string ro = temp_path("readonly.json");
  write_plain(ro, "kept");
  chmod(ro.c_str(), 0444);
  expect_refused(ro, "read-only");
  EXPECT_EQ(read_file(ro), "kept");
  std::remove(ro.c_str());
  struct stat st {};
  if (stat("/proc/self", &st) == 0) expect_refused("/proc/lasuite.json", "cannot create a file");
  // A good path passes and leaves nothing behind.
  EXPECT_NO_THROW(check_output_path(temp_path("fine.json"), "--json"));
  EXPECT_EQ(leftovers(), 0);
}

TEST(ResultFiles, TwoOptionsNamingOneFileAreRefused) {
  const std::string f = temp_path("same");
  EXPECT_THROW(check_distinct_outputs({{"--json", f}, {"--csv", f}}), UsageError);
  EXPECT_NO_THROW(check_distinct_outputs({{"--json", f + ".json"}, {"--csv", f + ".csv"}}));
  // Another spelling of a file that does not exist yet.
  const std::string dir = ::testing::TempDir();
  EXPECT_THROW(check_distinct_outputs({{"--json", dir + "x_not_yet"}, {"--csv", dir + "./x_not_yet"}}), UsageError);
  EXPECT_NO_THROW(check_distinct_outputs({{"--json", ""}, {"--csv", ""}}));
}

}  // namespace
}  // namespace lasuite
