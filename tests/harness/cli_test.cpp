// The real `lasuite` command, in-process with its own argv and streams: exit codes and messages for
// bad input, rows that cannot run, and the files it writes.
#include "harness/cli.h"
#include "harness/cli_args.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness/bench_gpus.h"
#include "harness/registry.h"
#include "tests/harness/fake_implementation.h"
#include "tests/support/temp_files.h"

namespace lasuite {
namespace {

struct CliRun {
  int code;
  std::string out, err;
};

CliRun lasuite(std::vector<std::string> args) {
  testing::register_fakes();
  args.insert(args.begin(), "lasuite");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int code = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string temp_path(const std::string& name) { return test_support::temp_path("cli", name); }

// A result file the command wrote, parsed; false where it cannot be opened.
bool read_json(const std::string& path, nlohmann::json& j) {
  std::ifstream f(path);
  if (!f.good()) return false;
  j = nlohmann::json::parse(f);
  return true;
}

// Small, fast bench arguments on the test double.
std::vector<std::string> quick_bench(std::vector<std::string> extra) {
  std::vector<std::string> a = {"bench", "--impl", testing::kFake, "--seqlen", "32,64", "--batch", "1", "--heads",
                                "2", "--dim", "8", "--warmup", "1", "--repeats", "2", "--min-time", "0",
                                "--no-ceilings"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(Cli, UnknownImplementationIsAUsageError) {
  CliRun r = lasuite({"bench", "--impl", "no_such_impl", "--seqlen", "1k"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown implementation 'no_such_impl'")) << r.err;
  EXPECT_TRUE(contains(r.err, testing::kFake)) << "the message names the known ones: " << r.err;
  CliRun v = lasuite({"verify", "--impl", "no_such_impl"});
  EXPECT_EQ(v.code, 2);
  EXPECT_TRUE(contains(v.err, "unknown implementation")) << v.err;
}

TEST(Cli, BadDtypeIsAUsageError) {
  CliRun r = lasuite(quick_bench({"--dtype", "f8"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown dtype 'f8'")) << r.err;
  CliRun v = lasuite({"verify", "--impl", testing::kFake, "--dtype", "bf16,int4"});
  EXPECT_EQ(v.code, 2);
  EXPECT_TRUE(contains(v.err, "unknown dtype 'int4'")) << v.err;
}

TEST(Cli, MalformedRangeIsAUsageError) {
  for (const char* bad : {"1k..3k", "4k..1k", "..", "zero", "0", "1k,,2k"}) {
    CliRun r = lasuite({"bench", "--impl", testing::kFake, "--seqlen", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(contains(r.err, "bad sequence lengths")) << bad << ": " << r.err;
  }
  CliRun v = lasuite({"verify", "--impl", testing::kFake, "--long", "16k..3k"});
  EXPECT_EQ(v.code, 2);
  CliRun empty = lasuite({"bench", "--impl", testing::kFake, "--seqlen", ""});
  EXPECT_EQ(empty.code, 2) << "an empty value is not the default";
  EXPECT_TRUE(contains(empty.err, "--seqlen is empty")) << empty.err;
}

TEST(Cli, OtherBadArgumentsAreUsageErrors) {
  EXPECT_EQ(lasuite({}).code, 2) << "a subcommand is required";
  EXPECT_EQ(lasuite({"frobnicate"}).code, 2);
  EXPECT_EQ(lasuite({"bench", "--no-such-option"}).code, 2);
  EXPECT_EQ(lasuite(quick_bench({"--batch", "0"})).code, 2);
  EXPECT_EQ(lasuite(quick_bench({"--heads", "many"})).code, 2);
  CliRun mode = lasuite(quick_bench({"--mode", "sideways"}));
  EXPECT_EQ(mode.code, 2);
  EXPECT_TRUE(contains(mode.err, "unknown mode 'sideways'")) << mode.err;
  CliRun decay = lasuite(quick_bench({"--decay", "-1"}));
  EXPECT_EQ(decay.code, 2);
  CliRun flush = lasuite(quick_bench({"--l2-flush", "warm"}));
  EXPECT_EQ(flush.code, 2);
  EXPECT_TRUE(contains(flush.err, "--l2-flush must be dirty or clean, not 'warm'")) << flush.err;
  EXPECT_FALSE(contains(flush.err, "[1/")) << "refused before any row ran: " << flush.err;
  CliRun device = lasuite({"verify", "--device", "tpu"});
  EXPECT_EQ(device.code, 2);
  EXPECT_TRUE(contains(device.err, "unknown device 'tpu'")) << device.err;
  CliRun json = lasuite(quick_bench({"--json", "/nonexistent-folder/out.json"}));
  EXPECT_EQ(json.code, 2);
  EXPECT_TRUE(contains(json.err, "does not exist")) << json.err;
  // Numbers out of range: said in words (CLI11's own check printed a 300-digit bound), and NaN,
  // which slipped through it and switched the time limits off, refused.
  for (std::vector<std::string> bad : {std::vector<std::string>{"--batch", "0"}, {"--min-time", "nan"},
                                       {"--row-time-limit", "nan"}, {"--row-time-limit", "inf"}}) {
    CliRun r = lasuite(quick_bench(bad));
    EXPECT_EQ(r.code, 2) << bad[0] << " " << bad[1];
    EXPECT_TRUE(contains(r.err, "'" + bad[1] + "' is not a finite number")) << r.err;
    EXPECT_FALSE(contains(r.err, "17976931348623157")) << r.err;
  }
  // A shape whose byte counts would wrap (it crashed with a segfault) is refused before any work.
  CliRun huge = lasuite({"bench", "--impl", testing::kFake, "--seqlen", "4611686018427387904", "--no-ceilings"});
  EXPECT_EQ(huge.code, 2);
  EXPECT_TRUE(contains(huge.err, "more than 2^63 bytes")) << huge.err;
  CliRun huge_verify = lasuite({"verify", "--impl", testing::kFake, "--long", "1m", "--long-heads", "4000000000000"});
  EXPECT_EQ(huge_verify.code, 2);
  EXPECT_TRUE(contains(huge_verify.err, "more than 2^63 bytes")) << huge_verify.err;
  EXPECT_EQ(lasuite({"--help"}).code, 0);
  EXPECT_EQ(lasuite({"bench", "--help"}).code, 0);
}

TEST(Cli, UnsupportedHeadDimIsARowThatSaysSoAndNothingRan) {
  CliRun r = lasuite({"bench", "--impl", testing::kFake, "--seqlen", "64", "--dim", "64", "--no-ceilings"});
  EXPECT_EQ(r.code, 3) << "nothing could run";
  EXPECT_TRUE(contains(r.out, "unsupported")) << r.out;
  EXPECT_TRUE(contains(r.out, "head dim d=64 not supported (supports 8)")) << r.out;
  EXPECT_TRUE(contains(r.err, "nothing was measured")) << r.err;

  CliRun v = lasuite({"verify", "--impl", testing::kFake});
  EXPECT_EQ(v.code, 3) << "every default case has d >= 32, so every one is skipped";
  EXPECT_TRUE(contains(v.out, "SKIP: head dim d=")) << v.out;
  EXPECT_TRUE(contains(v.out, "seed: ")) << "the seed is printed";
  EXPECT_TRUE(contains(last_line(v.out), "verify: 0 passed, 0 failed, ")) << last_line(v.out);

  CliRun d = lasuite({"verify", "--impl", testing::kFake, "--dtype", "bf16"});
  EXPECT_EQ(d.code, 3);
  EXPECT_TRUE(contains(d.out, "SKIP: dtype bf16 not supported")) << d.out;
  EXPECT_EQ(last_line(d.out), "verify: 0 passed, 0 failed, 1 skipped");
}

TEST(Cli, VerifyPassesWritesJsonAndEndsWithTheSummary) {
  const std::string path = temp_path("verify.json");
  CliRun r = lasuite({"verify", "--impl", testing::kFake, "--long", "64", "--long-heads", "2", "--dim", "8",
                   "--skip-defaults", "--no-state", "--seed", "5", "--json", path});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "seed: 5"));
  EXPECT_TRUE(contains(r.out, "PASS"));
  EXPECT_FALSE(contains(r.out, "FAIL"));
  // Two long cases (decay on and off), four tensors each.
  EXPECT_EQ(last_line(r.out), "verify: 8 passed, 0 failed, 0 skipped");
  nlohmann::json j;
  ASSERT_TRUE(read_json(path, j)) << path;
  std::remove(path.c_str());
  EXPECT_EQ(j["schema"], "lasuite.verify/1");
  EXPECT_EQ(j["meta"]["seed"], 5);
  EXPECT_TRUE(contains(j["meta"]["command"].get<std::string>(), "verify --impl test_fake_d8"));
  EXPECT_EQ(j["meta"]["device"]["kind"], "cpu");
  EXPECT_FALSE(j["meta"]["git_commit"].get<std::string>().empty());
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0]["status"], "pass");
  EXPECT_EQ(j["rows"][0]["checks"].size(), 4u);
}

// --time-limit: past it no case starts; each left is a SKIP row saying so, in the output and the result
// file, and the exit code is 4 (a hung case, ended by the watchdog, is tests/examples/cpp_plugin_test.sh's).
TEST(Cli, VerifyPastItsTimeLimitRecordsTheRestAsNotRun) {
  const std::string path = temp_path("time_limit.json");
  CliRun r = lasuite({"verify", "--impl", testing::kFake, "--long", "64,96", "--long-heads", "2", "--dim", "8",
                      "--skip-defaults", "--time-limit", "0.000001", "--json", path});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_EQ(last_line(r.out), "verify: 0 passed, 0 failed, 8 skipped");
  EXPECT_TRUE(contains(r.out, "SKIP: not run: --time-limit of 1e-06 s passed")) << r.out;
  EXPECT_TRUE(contains(r.err, "stopped (--time-limit of 1e-06 s passed)")) << r.err;
  EXPECT_FALSE(contains(r.err, "[1/")) << "a case started past the limit";
  nlohmann::json j;
  ASSERT_TRUE(read_json(path, j)) << path;
  std::remove(path.c_str());
  ASSERT_EQ(j["rows"].size(), 8u);
  for (const auto& row : j["rows"]) EXPECT_EQ(row["status"], "skipped");

  // A limit the run keeps to changes nothing, and its watchdog does not hold the process at the end.
  CliRun within = lasuite({"verify", "--impl", testing::kFake, "--long", "64", "--long-heads", "2", "--dim", "8",
                           "--skip-defaults", "--no-state", "--time-limit", "100000"});
  EXPECT_EQ(within.code, 0) << within.out << within.err;
  EXPECT_EQ(last_line(within.out), "verify: 8 passed, 0 failed, 0 skipped");
}

TEST(Cli, BenchPastItsTimeLimitRecordsTheRestAsNotRun) {
  const std::string path = temp_path("bench_time_limit.json");
  CliRun r = lasuite(quick_bench({"--mode", "fwd", "--time-limit", "0.000001", "--json", path}));
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "timeout: not run: --time-limit of 1e-06 s passed")) << r.err;
  EXPECT_TRUE(contains(r.err, "stopped (--time-limit of 1e-06 s passed)")) << r.err;
  nlohmann::json j;
  ASSERT_TRUE(read_json(path, j)) << path;
  std::remove(path.c_str());
  ASSERT_EQ(j["rows"].size(), 2u);
  for (const auto& row : j["rows"]) EXPECT_EQ(row["status"], "timeout");

  CliRun within = lasuite(quick_bench({"--mode", "fwd", "--time-limit", "100000"}));
  EXPECT_EQ(within.code, 0) << within.out << within.err;
}

TEST(Cli, VerifyFailureOrErrorExitsOne) {
  // The failing double throws at n == 96: an ERROR row, counted as failed.
  CliRun r = lasuite({"verify", "--impl", testing::kFakeFailing, "--long", "96", "--long-heads", "1", "--dim", "8",
                   "--skip-defaults", "--no-state"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "ERROR")) << r.out;
  EXPECT_TRUE(contains(r.out, "fails at n == 96")) << r.out;
  EXPECT_EQ(last_line(r.out), "verify: 0 passed, 2 failed, 0 skipped");
}

TEST(Cli, BenchWritesJsonAndCsvAndSaysHowToPlot) {
  const std::string json_path = temp_path("bench.json"), csv_path = temp_path("bench.csv");
  CliRun r = lasuite(quick_bench({"--mode", "fwd,fwdbwd", "--decay", "0.5", "--json", json_path, "--csv", csv_path}));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "[1/4] test_fake_d8 f32 n=32 fwd ... ")) << r.err;
  EXPECT_TRUE(contains(r.out, "| impl")) << "a markdown table on stdout";
  EXPECT_TRUE(contains(r.out, "plot with: python3 ")) << r.out;
  EXPECT_TRUE(contains(r.out, "plots/plot_bench.py " + json_path)) << r.out;
  nlohmann::json j;
  ASSERT_TRUE(read_json(json_path, j)) << json_path;
  EXPECT_EQ(j["schema"], "lasuite.bench/1");
  EXPECT_TRUE(contains(j["meta"]["command"].get<std::string>(), "--decay 0.5"));
  EXPECT_EQ(j["meta"]["timing"]["min_repeats"], 2);
  EXPECT_EQ(j["meta"]["timing"]["l2_flush_mode"], "dirty") << "the default, as triton's do_bench";
  EXPECT_EQ(j["meta"]["timing"]["scratch_pool"], "keep") << "the default, as PyTorch's caching allocator";
  EXPECT_TRUE(j["meta"]["ceilings"].is_null()) << "--no-ceilings";
  ASSERT_EQ(j["rows"].size(), 4u);
  for (auto& row : j["rows"]) {
    EXPECT_EQ(row["status"], "ok");
    EXPECT_EQ(row["decay"], "0.5");
    EXPECT_GT(row["tokens_per_s"].get<double>(), 0);
  }
  std::ifstream c(csv_path);
  std::string first;
  std::getline(c, first);
  EXPECT_EQ(first, "# schema: lasuite.bench/1");
  std::remove(json_path.c_str());
  std::remove(csv_path.c_str());
}

// --timer launches,graph: a row per point and timer, each saying how it was timed (the CPU cannot record a
// graph, so that row says why), the header and the progress lines naming the timers.
TEST(Cli, BenchTimerGivesARowPerTimer) {
  const std::string json_path = temp_path("bench_timers.json");
  CliRun r = lasuite(quick_bench({"--mode", "fwd", "--timer", "launches,graph", "--json", json_path}));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "timed as launches, graph of 1 step |")) << r.err;
  EXPECT_TRUE(contains(r.err, "n=32 fwd (graph of 1 step) ... unsupported")) << r.err;
  nlohmann::json j;
  ASSERT_TRUE(read_json(json_path, j)) << json_path;
  ASSERT_EQ(j["rows"].size(), 4u) << "2 lengths x 2 timers";
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(j["rows"][i]["timer"], i % 2 ? "graph of 1 step" : "launches");
    EXPECT_EQ(j["rows"][i]["status"], i % 2 ? "unsupported" : "ok");
  }
  std::remove(json_path.c_str());
}

TEST(Cli, BenchScratchPoolIsRecordedAndChecked) {
  const std::string json_path = temp_path("bench_release.json");
  CliRun r = lasuite(quick_bench({"--scratch-pool", "release", "--json", json_path}));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  nlohmann::json j;
  ASSERT_TRUE(read_json(json_path, j)) << json_path;
  EXPECT_EQ(j["meta"]["timing"]["scratch_pool"], "release");
  std::remove(json_path.c_str());
  CliRun bad = lasuite(quick_bench({"--scratch-pool", "cache"}));
  EXPECT_NE(bad.code, 0);
  EXPECT_TRUE(contains(bad.err, "--scratch-pool must be keep or release, not 'cache'")) << bad.err;
}

TEST(Cli, BenchCleanFlushIsRecorded) {
  const std::string json_path = temp_path("bench_clean.json"), csv_path = temp_path("bench_clean.csv");
  CliRun r = lasuite(quick_bench({"--l2-flush", "clean", "--json", json_path, "--csv", csv_path}));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "clean L2 flush")) << r.err;
  nlohmann::json j;
  ASSERT_TRUE(read_json(json_path, j)) << json_path;
  EXPECT_EQ(j["meta"]["timing"]["l2_flush_mode"], "clean");
  for (auto& row : j["rows"]) EXPECT_EQ(row["status"], "ok");
  std::ifstream c(csv_path);
  std::stringstream all;
  all << c.rdbuf();
  EXPECT_TRUE(contains(all.str(), "clean")) << all.str().substr(0, 2000);
  std::remove(json_path.c_str());
  std::remove(csv_path.c_str());
}

TEST(Cli, BenchErrorRowsExitOneButTheSweepFinishes) {
  CliRun r = lasuite({"bench", "--impl", testing::kFakeFailing, "--seqlen", "64,96,128", "--dim", "8", "--mode", "fwd",
                   "--repeats", "1", "--min-time", "0", "--no-ceilings"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.out, "| error")) << r.out;
  EXPECT_TRUE(contains(r.out, "| oom")) << r.out;
  EXPECT_TRUE(contains(r.err, "[3/3]")) << r.err;
}

// --impl-option: the instance that runs gets it (the double's scratch=2 doubles its forward's peak),
// and the file records every option in force.
TEST(Cli, BenchImplOptionReachesTheRunAndIsRecorded) {
  const std::string json_path = temp_path("bench_opt.json"), csv_path = temp_path("bench_opt.csv");
  CliRun r = lasuite(quick_bench({"--mode", "fwd", "--impl-option", "scratch=2", "--json", json_path, "--csv", csv_path}));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  nlohmann::json j;
  ASSERT_TRUE(read_json(json_path, j)) << json_path;
  EXPECT_EQ(j["meta"]["impl_options"][testing::kFake]["scratch"], "2") << j["meta"].dump();
  ASSERT_EQ(j["rows"].size(), 2u);
  for (auto& row : j["rows"]) {
    const int64_t n = row["seqlen"].get<int64_t>();
    EXPECT_EQ(row["peak_extra_bytes"].get<int64_t>(), 4 * n * 4) << "4n floats";
    EXPECT_EQ(row["plan"], "forward scratch 2n") << "the implementation's word on what ran, recorded in the row";
  }
  std::ifstream c(csv_path);
  std::stringstream all;
  all << c.rdbuf();
  EXPECT_TRUE(contains(all.str(), "# impl_options.test_fake_d8.scratch: 2")) << all.str().substr(0, 3000);
  std::remove(json_path.c_str());
  std::remove(csv_path.c_str());

  // Without it, the default is recorded (and the peak is the plain 3n floats).
  CliRun plain = lasuite(quick_bench({"--mode", "fwd", "--json", json_path}));
  EXPECT_EQ(plain.code, 0) << plain.err;
  nlohmann::json k;
  ASSERT_TRUE(read_json(json_path, k)) << json_path;
  EXPECT_EQ(k["meta"]["impl_options"][testing::kFake]["scratch"], "1");
  EXPECT_EQ(k["rows"][0]["peak_extra_bytes"].get<int64_t>(), 3 * 32 * 4);
  EXPECT_EQ(k["rows"][0]["plan"], "forward scratch 1n");
  std::remove(json_path.c_str());
}

TEST(Cli, VerifyRecordsImplOptions) {
  const std::string path = temp_path("verify_opt.json");
  CliRun r = lasuite({"verify", "--impl", testing::kFake, "--long", "64", "--long-heads", "1", "--dim", "8",
                      "--skip-defaults", "--no-state", "--impl-option", std::string(testing::kFake) + ":scratch=2",
                      "--json", path});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  nlohmann::json j;
  ASSERT_TRUE(read_json(path, j)) << path;
  EXPECT_EQ(j["meta"]["impl_options"][testing::kFake]["scratch"], "2");
  std::remove(path.c_str());
}

// Each bad --impl-option is refused before any work, with exit code 2 and a message naming it.
TEST(Cli, BadImplOptionsAreUsageErrors) {
  struct Bad {
    std::vector<std::string> option;
    std::string message;
  };
  const std::string fake = testing::kFake;
  for (const Bad& b : std::vector<Bad>{
           {{"--impl-option", "scratch"}, "is not key=value"},
           {{"--impl-option", "=2"}, "empty key"},
           {{"--impl-option", "scratch="}, "empty value"},
           {{"--impl-option", ":scratch=2"}, "empty implementation name"},
           {{"--impl-option", "colour=red"}, "no implementation run has an option 'colour'"},
           {{"--impl-option", fake + ":colour=red"}, "has no option 'colour'"},
           {{"--impl-option", "la2:segments=4"}, "la2 is not among the implementations run"},
           {{"--impl-option", "scratch=3"}, "scratch takes 1 or 2, not '3'"},
           {{"--impl-option", "scratch=2", "scratch=1"}, "not expected"},
           {{"--impl-option", "scratch=2", "--impl-option", "scratch=1"}, "both set " + fake + "'s scratch"},
           {{"--impl-option", "scratch=2", "--impl-option", fake + ":scratch=2"}, "both set " + fake + "'s scratch"},
       }) {
    for (const char* command : {"bench", "verify"}) {
      std::vector<std::string> args = std::string(command) == "bench"
                                          ? quick_bench({})
                                          : std::vector<std::string>{"verify", "--impl", fake, "--long", "64",
                                                                     "--dim", "8", "--skip-defaults"};
      args.insert(args.end(), b.option.begin(), b.option.end());
      CliRun r = lasuite(args);
      EXPECT_EQ(r.code, 2) << command << " " << b.option.back() << ": " << r.out << r.err;
      EXPECT_TRUE(contains(r.err, b.message)) << command << " " << b.option.back() << ": " << r.err;
      EXPECT_FALSE(contains(r.out, "PASS")) << "nothing ran";
      EXPECT_FALSE(contains(r.err, "[1/")) << "nothing ran";
    }
  }
}

// Every bad input refused before any work: exit code 2 and a message that names what is wrong (bench
// and verify share the option parsing; both are tried where an option exists in both). One row each,
// so what was fixed stays fixed.
TEST(Cli, BadInputsTable) {
  struct Bad {
    std::vector<std::string> args;  // after "bench" (the quick bench arguments) or in full
    std::string message;
    bool full = false;  // args are the whole command line
  };
  const std::string fake = testing::kFake;
  const std::string same = temp_path("same_out");
  const std::string link = temp_path("link_out.json");
  std::remove(link.c_str());
  ASSERT_EQ(symlink(temp_path("link_target.json").c_str(), link.c_str()), 0) << link;
  std::string zeros_then_one;
  for (int i = 0; i < 3000; ++i) zeros_then_one += "0,";
  zeros_then_one += "1";
  const std::vector<Bad> table = {
      {{"--heads", "-3"}, "'-3' is not a whole number in decimal"},
      {{"--repeats", " "}, "' ' is not a whole number in decimal"},
      {{"--seed", "-1"}, "'-1' is not a whole number in decimal"},
      {{"--warmup", "0x10"}, "'0x10' is not a whole number in decimal"},
      {{"--dim", "1e3"}, "'1e3' is not a whole number in decimal"},
      {{"--seed", "18446744073709551616"}, "'18446744073709551616' is out of range (at most 18446744073709551615)"},
      {{"--repeats", "99999999999"}, "is out of range (at most 2147483647)"},
      {{"--batch", "9223372036854775808"}, "is out of range"},
      {{"--impl", " "}, "--impl is empty", true},
      {{"--json", same, "--csv", same}, "name the same file"},
      {{"--json", "/dev/null"}, "not a regular file"},
      {{"--timer", "wall"}, "--timer takes launches, graph or both, not 'wall'"},
      {{"--graph-steps", "3"}, "--graph-steps applies to a graph timer; --timer has none"},
      {{"--decode-timer", "graph"}, "--decode-timer times --mode decode; the other modes take --timer"},
      {{"--gpus", "2", "--timer", "graph"}, "--timer and --graph-steps do not apply"},
      {{"bench", "--impl", fake, "--mode", "decode", "--timer", "graph"}, "not --timer", true},
      {{"--json", std::string("/tmp/caf\xe9.json")}, "not valid UTF-8"},
      {{"bench", "--device", "cuda", "--impl", fake, "--seqlen", "32"}, "runs on cpu, not on cuda", true},
      {{"verify", "--device", "cuda", "--impl", fake}, "runs on cpu, not on cuda", true},
      {{"verify", "--impl", fake, "--seed", "007x"}, "'007x' is not a whole number in decimal", true},
      {{"verify", "--impl", fake, "--long", "64", "--sample-heads", "0"}, "is not a finite number > 0", true},
      {{"verify", "--impl", fake, "--time-limit", "0"}, "'0' is not a finite number > 0", true},
      {{"verify", "--impl", fake, "--time-limit", "inf"}, "'inf' is not a finite number > 0", true},
      {{"verify", "--impl", fake, "--dim", "7"}, "--dim shape the --long and --packed cases", true},
      {{"verify", "--impl", fake, "--state", "--long-heads", "3"}, "--long-heads, --state shape the --long", true},
      {{"--decode-batch", "4"}, "--decode-batch applies to --mode decode only"},
      {{"--json", "/proc/self/exe"}, "is the lasuite executable"},
      {{"verify", "--impl", fake, "--packed", "3,5", "--sample-heads", "1"}, "--sample-heads shapes the --long cases", true},
      {{"bench", "--impl", fake, "--mode", "decode", "--decode-batch", "0"}, "bad batch sizes '0'", true},
      {{"bench", "--impl", fake, "--seqlen", "32", "--repeats", "1001"}, "a row takes at most 1000 timed runs", true},
      {{"--context", "1k"}, "--context applies to --mode decode only"},
      {{"bench", "--impl", fake, "--mode", "decode", "--context", "1k"}, "--context sets softmax attention's KV cache; none of",
       true},
      {{"--json", link}, "is a symbolic link (the results would replace the link"},
      {{"--json", "-"}, "the results go to a file, not to stdout"},
      {{"verify", "--impl", "mypkg.attn:my_attention"}, "reads as a Python kernel: those go to baselines/external/verify_external.py", true},
      {{"--row-time-limit", "0x1p-1"}, "'0x1p-1' is not a finite number > 0"},
      {{"--decay", "0x1p3"}, "bad --decay '0x1p3'"},
      {{"--timer", "graph", "--graph-steps", "0x10"}, "'0x10' is not a whole number in decimal"},
      {{"--gpus", "1.5"}, "'1.5' is not a whole number in decimal"},
      {{"bench", "--impl", fake, "--seqlen", "32", "--heads", "2147483648", "--dim", "8"}, "2147483648 heads; at most 1048576",
       true},
      {{"verify", "--impl", fake, "--long", "64", "--long-heads", "1048577", "--dim", "8"}, "at most 1048576", true},
      {{"verify", "--impl", fake, "--skip-defaults", "--packed", "549755813888", "--long-heads", "1048576", "--dim", "8"},
       "--packed, --long-heads, --dim, --dim-v: a tensor of this shape would hold more than 2^63 bytes", true},
      {{"verify", "--impl", fake, "--skip-defaults", "--packed", zeros_then_one, "--long-heads", "100000", "--dim", "8"},
       "3001 sequences x 100000 heads is more (sequence, head) slices than the 16777216", true},
  };
  for (const Bad& b : table) {
    std::vector<std::string> args = b.full ? b.args : quick_bench(b.args);
    if (b.full && b.args.front() != "bench" && b.args.front() != "verify") args.insert(args.begin(), "verify");
    CliRun r = lasuite(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.code, 2) << line << "\n" << r.out << r.err;
    // A build without the CUDA backend refuses --device cuda for that reason instead.
    const bool asks_cuda = std::find(args.begin(), args.end(), "cuda") != args.end();
    const bool no_cuda = asks_cuda && contains(r.err, "no CUDA backend");
    EXPECT_TRUE(contains(r.err, b.message) || no_cuda) << line << "\n" << r.err;
    EXPECT_FALSE(contains(r.err, "[1/")) << "a row ran: " << line;
    EXPECT_FALSE(contains(r.out, "PASS")) << "a case ran: " << line;
  }
}

// A misspelt subcommand and --plugin after the subcommand are named as such.
TEST(Cli, SubcommandMistakesAreNamed) {
  CliRun r = lasuite({"verfy", "--impl", testing::kFake});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown subcommand 'verfy'")) << r.err;
  // The parser's own refusals carry lasuite's prefix as the others do.
  r = lasuite({"bench", "--no-such-option"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("lasuite: error: ", 0), 0u) << r.err;
  EXPECT_TRUE(contains(r.err, "--no-such-option")) << r.err;
  r = lasuite({"list", "--plugin", "x.so"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--plugin goes before the subcommand")) << r.err;
  r = lasuite({"--plugin", "/nonexistent/x.so", "list"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "no such file")) << "--plugin's value is no subcommand: " << r.err;
}

// --gpus checks its arguments before any process group forms, so a bad one is a usage error here too (no GPU,
// no NCCL group), and the bench options it does not honour are refused rather than ignored.
TEST(Cli, GpusBenchRefusesBadArgumentsBeforeItsGroup) {
  if (!gpus_bench()) GTEST_SKIP() << "this build has no multi-GPU bench";
  const std::string json = temp_path("gpus.json");
  for (const auto& [extra, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--impl", "nosuch"}, "--impl may only name it"},
           {{"--csv", temp_path("gpus.csv")}, "--csv does not apply"},
           {{"--min-time", "1"}, "--min-time does not apply"},
           {{"--l2-flush", "clean"}, "--l2-flush does not apply"},
           {{"--no-ceilings"}, "--no-ceilings does not apply"},
           {{"--row-time-limit", "9"}, "--row-time-limit does not apply"},
           {{"--scratch-pool", "keep"}, "--scratch-pool does not apply"},
           {{"--device", "cpu"}, "--device does not apply"},
           {{"--impl-option", "exchange=ring", "--impl-option", "exchange=allgather"}, "exchange, once"},
           {{"--decode-batch", "4"}, "--decode-batch applies to --mode decode only"},
           {{"--dtype", "f99"}, "f99"},
           {{"--mode", "bwd"}, "--gpus times fwd and fwdbwd"},
       }) {
    std::vector<std::string> args = {"bench", "--gpus", "2", "--seqlen", "1k", "--json", json};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun r = lasuite(args);
    EXPECT_EQ(r.code, 2) << extra.front() << ": " << r.err;
    EXPECT_TRUE(contains(r.err, message)) << extra.front() << ": " << r.err;
    EXPECT_FALSE(contains(r.err, "NCCL")) << "the group was formed first: " << r.err;
  }
  // Well formed, on a machine whose group cannot form (no GPU here): nothing measured, exit 3, saying why.
  std::string why;
  if (device_available(DeviceKind::cuda, &why)) return;
  CliRun r = lasuite({"bench", "--gpus", "1", "--seqlen", "1k", "--json", json});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "lasuite: nothing was run: --gpus: no NCCL group: ")) << r.err;
}

// Integers are decimal: leading zeros do not make octal ("--heads 010" is ten heads, "--dim 08" eight).
TEST(Cli, LeadingZerosAreDecimal) {
  CliRun r = lasuite({"bench", "--impl", testing::kFake, "--seqlen", "32", "--heads", "010", "--dim", "08", "--mode",
                      "fwd", "--warmup", "01", "--repeats", "1", "--min-time", "0", "--no-ceilings"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "b1 h10 d8 e8")) << r.err;
}

// Nothing measured is not success: every row oom (the failing double from n = 128) exits 3.
TEST(Cli, BenchWithEveryRowOomExitsThree) {
  CliRun r = lasuite({"bench", "--impl", testing::kFakeFailing, "--seqlen", "128,256", "--dim", "8", "--mode", "fwd",
                      "--repeats", "1", "--min-time", "0", "--no-ceilings"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "| oom")) << r.out;
  EXPECT_TRUE(contains(r.err, "nothing was measured")) << r.err;
}

// An implementation named by --impl that ran nothing is not success, though another one's rows or cases
// stand: the failing double is out of memory from n = 128 while the plain one is timed, and the plain double
// (f32 only) verifies no case at f64 while cumsum_cpu does.
TEST(Cli, ANamedImplementationThatRanNothingExitsThree) {
  const std::string fake = testing::kFake, failing = testing::kFakeFailing;
  CliRun b = lasuite({"bench", "--impl", fake + "," + failing, "--seqlen", "128", "--dim", "8", "--mode", "fwd",
                      "--repeats", "1", "--min-time", "0", "--no-ceilings"});
  EXPECT_EQ(b.code, 3) << b.out << b.err;
  EXPECT_TRUE(contains(b.err, "lasuite bench: " + failing + " named by --impl but not measured in any row")) << b.err;
  CliRun v = lasuite({"verify", "--impl", fake + ",cumsum_cpu", "--dtype", "f64", "--long", "64", "--long-heads", "1",
                      "--dim", "8", "--skip-defaults"});
  EXPECT_EQ(v.code, 3) << v.out << v.err;
  EXPECT_TRUE(contains(v.out, "PASS")) << "cumsum_cpu's cases ran: " << v.out;
  EXPECT_TRUE(contains(v.err, "lasuite verify: " + fake + " named by --impl but no case of it was verified")) << v.err;
}

// --long cases asked for and every one skipped is not success, even when the default cases passed:
// cumsum_cpu refuses a 16M-token prefix (1 TiB) before allocating anything.
TEST(Cli, VerifyWithEveryLongCaseSkippedExitsThree) {
  CliRun r = lasuite({"verify", "--impl", "cumsum_cpu", "--dtype", "f32", "--long", "16m", "--long-heads", "1",
                      "--dim", "128", "--no-state"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "PASS")) << "the default cases ran";
  EXPECT_TRUE(contains(r.err, "none of the 2 --long cases was verified")) << r.err;
}

// A row whose work model alone puts one run far over the row time limit is a timeout that says so,
// with nothing allocated or run (la1_cpu at 1M tokens ran for hours): its floor here is hours.
TEST(Cli, HopelessRowsArePredictedNotRun) {
  CliRun r = lasuite({"bench", "--impl", "la1_cpu", "--seqlen", "1m,2m", "--mode", "fwd"});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "predicted: the work model's floor on this device is")) << r.out;
  EXPECT_TRUE(contains(r.out, "not run: n=1048576 is already predicted over the row time limit")) << r.out;
}

// A forward-only implementation passes on O alone, and the terminal says so beside its PASS rows (not only the
// result file): a reader must not take the pass for gradients checked.
TEST(Cli, VerifyOfAForwardOnlyImplementationSaysSo) {
  CliRun r = lasuite({"verify", "--impl", testing::kFakeForwardOnly, "--long", "64", "--long-heads", "1", "--dim", "8",
                      "--skip-defaults", "--no-state"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(last_line(r.out), "verify: 2 passed, 0 failed, 0 skipped") << "O only, in two cases";
  EXPECT_TRUE(contains(r.out, "NOTE: forward only: the implementation has no backward")) << r.out;
  EXPECT_FALSE(contains(r.out, "| dQ")) << r.out;
}

// Softmax attention has no decay: its --long cases are the decay-free ones, not the same problem again labelled alibi.
TEST(Cli, SoftmaxLongCasesAreTheDecayFreeOnes) {
  CliRun r = lasuite({"verify", "--impl", "flash_softmax_cpu", "--dtype", "f32", "--long", "64", "--long-heads", "1",
                      "--dim", "8", "--skip-defaults", "--no-state"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(last_line(r.out), "verify: 4 passed, 0 failed, 0 skipped") << "one case, four tensors";
  EXPECT_TRUE(contains(r.out, "nodecay")) << r.out;
  EXPECT_FALSE(contains(r.out, "alibi")) << r.out;
}

// A decode sweep's progress lines tell its rows apart by batch (each row is one token a step, n = 1); on the CPU,
// which records no graphs, the default timer is launched steps alone (no row that could only say unsupported).
TEST(Cli, DecodeProgressNamesEachRowsBatch) {
  CliRun r = lasuite({"bench", "--impl", "la2_cpu", "--mode", "decode", "--decode-batch", "1,2", "--dim", "16", "--heads",
                      "2", "--no-ceilings", "--repeats", "2", "--min-time", "0"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "unsupported")) << r.out;
  EXPECT_FALSE(contains(r.err, "graph")) << r.err;
  EXPECT_TRUE(contains(r.err, "[1/2] la2_cpu f32 b=1 T=1 decode ... ")) << r.err;
  EXPECT_TRUE(contains(r.err, "[2/2] la2_cpu f32 b=2 T=1 decode ... ")) << r.err;
}

TEST(Cli, ListShowsImplementationsAndWhereTheyRun) {
  CliRun r = lasuite({"list"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "| " + std::string(testing::kFake))) << r.out;
  EXPECT_TRUE(contains(r.out, "decay backward")) << r.out;
  EXPECT_TRUE(contains(r.out, "| yes")) << r.out;
  // and each one's options, with what they accept and their defaults
  EXPECT_TRUE(contains(r.out, "--impl-option")) << r.out;
  EXPECT_TRUE(contains(r.out, "| scratch")) << r.out;
  EXPECT_TRUE(contains(r.out, "| 1 or 2")) << r.out;
  // a head-dim range where an implementation takes any dim up to a bound (Support::max_dim): la2's d and e
  // (la2 exists in builds with CUDA only; a build without it lists none such)
  if (!Registry::instance().contains("la2")) return;
  const size_t la2_row = r.out.find("\n| la2 ");
  ASSERT_NE(la2_row, std::string::npos) << r.out;
  const std::string row = r.out.substr(la2_row + 1, r.out.find('\n', la2_row + 1) - la2_row - 1);
  const size_t first = row.find("| 1..256 ");
  ASSERT_NE(first, std::string::npos) << row;
  EXPECT_NE(row.find("| 1..256 ", first + 1), std::string::npos) << row;
}

}  // namespace
}  // namespace lasuite
