// The result-file writers round-trip: what is written parses back to the same fields, metadata included.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "harness/metadata.h"
#include "harness/process_group.h"
#include "harness/report_csv.h"
#include "harness/report_json.h"
#include "harness/report_table.h"
#include "harness/result_files.h"
#include "tests/support/temp_files.h"

namespace lasuite {
namespace {

using json = nlohmann::json;

std::string temp_path(const std::string& name) { return test_support::temp_path("report", name); }

using test_support::read_file;

Metadata sample_meta() {
  Metadata m = collect_metadata(kBenchSchema, "lasuite bench --impl la2 --seqlen '1k..4k'");
  DeviceRecord gpu;
  gpu.kind = DeviceKind::cuda;
  gpu.info.name = "NVIDIA H100 80GB HBM3";
  gpu.info.multiprocessors = 132;
  gpu.info.sm_clock_mhz = 1980;
  gpu.info.memory_clock_mhz = 2619;
  gpu.info.driver_version = "550.54";
  gpu.info.runtime_version = "12.4";
  gpu.info.compute_capability = "9.0";
  gpu.info.total_memory = 85'000'000'000ull;
  gpu.ceilings = Ceilings{3.0e12, 7.0e14, "cudaMemcpy d2d", "cublas bf16"};
  DeviceRecord cpu;
  cpu.kind = DeviceKind::cpu;
  cpu.info.name = "AMD EPYC";
  m.devices = {cpu, gpu};
  order_devices(m.devices);
  m.timing = TimingMeta{"cuda events", 3, 10, 0.2, true, 60, "clean"};
  return m;
}

std::vector<BenchRow> sample_rows() {
  BenchRow ok;
  ok.impl = "la2";
  ok.device = "cuda";
  ok.function = "linear_decay";
  ok.batch = 1;
  ok.heads = 32;
  ok.seqlen = 4096;
  ok.dim_qk = 128;
  ok.dim_v = 64;
  ok.dtype = "bf16";
  ok.decay = "alibi";
  ok.mode = "fwd";
  ok.median_ms = 0.125;
  ok.min_ms = 0.12;
  ok.max_ms = 0.5;
  ok.repeats = 17;
  ok.tokens_per_s = 4096 / 0.125e-3;
  ok.flops = 1.5e11;
  ok.flops_per_s = 1.2e15;
  ok.min_bytes = 3.0e7;
  ok.floor_ms = 0.0625;
  ok.fraction_of_floor = 0.5;
  ok.peak_extra_bytes = 123456789012;
  ok.outputs_bytes = 33554432;
  ok.driver_delta_bytes = -4096;
  BenchRow oom = ok;
  oom.seqlen = 131072;
  oom.mode = "fwdbwd";
  oom.status = RowStatus::oom;
  oom.reason = "device allocation of 64.00 GiB failed, \"cudaErrorMemoryAllocation\", retry smaller";
  return {ok, oom};
}

void expect_meta(const json& meta, const Metadata& m) {
  EXPECT_EQ(meta["command"], m.command);
  EXPECT_EQ(meta["git_commit"], m.git_commit);
  if (m.git_dirty) EXPECT_EQ(meta["git_dirty"], *m.git_dirty);
  else EXPECT_TRUE(meta["git_dirty"].is_null()) << "an unknown state is written as null, never as clean";
  EXPECT_EQ(meta["date"], m.date);
  EXPECT_EQ(meta["host"], m.host);
  EXPECT_EQ(meta["lasuite_version"], m.lasuite_version);
  EXPECT_EQ(meta["device"]["kind"], "cuda") << "the GPU is the main device of a mixed run";
  EXPECT_EQ(meta["device"]["name"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(meta["device"]["multiprocessors"], 132);
  EXPECT_EQ(meta["device"]["sm_clock_mhz"], 1980);
  EXPECT_EQ(meta["device"]["memory_clock_mhz"], 2619);
  EXPECT_EQ(meta["device"]["driver_version"], "550.54");
  EXPECT_EQ(meta["device"]["runtime_version"], "12.4");
  EXPECT_EQ(meta["device"]["compute_capability"], "9.0");
  EXPECT_EQ(meta["device"]["total_memory_bytes"], 85'000'000'000ull);
  EXPECT_EQ(meta["ceilings"]["copy_bytes_per_s"], 3.0e12);
  EXPECT_EQ(meta["ceilings"]["gemm_flops_per_s"], 7.0e14);
  EXPECT_EQ(meta["ceilings"]["gemm_method"], "cublas bf16");
  ASSERT_EQ(meta["devices"].size(), 2u);
  EXPECT_EQ(meta["devices"][1]["kind"], "cpu");
  EXPECT_TRUE(meta["devices"][1]["ceilings"].is_null());
}

TEST(Report, NvidiaDriverVersionFromProcText) {
  EXPECT_EQ(parse_nvidia_driver_version(
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Thu Oct  9 2025\nGCC version:  gcc 13\n"),
            "580.159.04");
  EXPECT_EQ(parse_nvidia_driver_version("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.15  Release Build"),
            "550.54.15");
  EXPECT_EQ(parse_nvidia_driver_version(""), "");
  EXPECT_EQ(parse_nvidia_driver_version("NVRM version: something else entirely"), "");
  EXPECT_EQ(parse_nvidia_driver_version("Kernel Module  unknown-build"), "");
}

TEST(Report, MetadataNamesCommitDateHostAndVersion) {
  Metadata m = collect_metadata(kVerifySchema, "x");
  // A tree without .git (the GPU machine's copy) is told its commit through LASUITE_GIT_COMMIT, as given.
  if (const char* given = std::getenv("LASUITE_GIT_COMMIT"); given && *given)
    EXPECT_EQ(m.git_commit, given);
  else
    EXPECT_TRUE(std::regex_match(m.git_commit, std::regex("[0-9a-f]{40}( \\(at configure time\\))?")) ||
                m.git_commit == "unknown")
        << m.git_commit;
  // Whether the tree differs from the commit is known only from git itself: a commit given from outside, or the
  // one seen at configure time, says nothing of the tree it runs from.
  const char* given = std::getenv("LASUITE_GIT_COMMIT");
  if ((given && *given) || !std::regex_match(m.git_commit, std::regex("[0-9a-f]{40}")))
    EXPECT_FALSE(m.git_dirty.has_value()) << m.git_commit;
  if (!given) {  // a commit given from outside, as the GPU machine's copy is told it
    setenv("LASUITE_GIT_COMMIT", "0123abc", 1);
    const Metadata told = collect_metadata(kVerifySchema, "x");
    unsetenv("LASUITE_GIT_COMMIT");
    EXPECT_EQ(told.git_commit, "0123abc");
    EXPECT_FALSE(told.git_dirty.has_value()) << "a given commit says nothing of the tree";
    EXPECT_TRUE(metadata_json(told)["git_dirty"].is_null());
  }
  EXPECT_TRUE(std::regex_match(m.date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << m.date;
  EXPECT_FALSE(m.host.empty());
  EXPECT_FALSE(m.lasuite_version.empty());
  EXPECT_NE(m.lasuite_version, "unknown");
  EXPECT_EQ(m.schema, kVerifySchema);
  const char* argv[] = {"lasuite", "bench", "--seqlen", "1k..4k", "it's"};
  EXPECT_EQ(join_command_line(5, argv), "lasuite bench --seqlen 1k..4k 'it'\\''s'");
}

TEST(Report, LaunchRecordOnlyForAnMpirunLaunch) {
  Metadata m = collect_metadata(kBenchSchema, "x");
  if (launch_place().launched) GTEST_SKIP() << "this test process was itself launched by mpirun";
  EXPECT_FALSE(m.launch.has_value());
  EXPECT_FALSE(metadata_json(m).contains("launch"));
  m.launch = LaunchRecord{2, {"rank 0: G (0)", "rank 1: G (1)"}, "2.27.7", {"P2P/CUMEM"}};
  const auto j = metadata_json(m);
  ASSERT_TRUE(j.contains("launch"));
  EXPECT_EQ(j["launch"]["world_size"], 2);
  EXPECT_EQ(j["launch"]["gpus"].size(), 2u);
  EXPECT_EQ(j["launch"]["nccl_transports"][0], "P2P/CUMEM");
}

TEST(Report, BenchJsonRoundTrips) {
  const Metadata m = sample_meta();
  const std::vector<BenchRow> rows = sample_rows();
  const std::string path = temp_path("bench.json");
  write_files_atomically({{path, json_text(bench_json(m, rows))}});
  json j = json::parse(read_file(path));
  std::remove(path.c_str());

  EXPECT_EQ(j["schema"], "lasuite.bench/1");
  expect_meta(j["meta"], m);
  EXPECT_EQ(j["meta"]["timing"]["method"], "cuda events");
  EXPECT_EQ(j["meta"]["timing"]["warmup"], 3);
  EXPECT_EQ(j["meta"]["timing"]["min_repeats"], 10);
  EXPECT_EQ(j["meta"]["timing"]["row_time_limit_s"], 60.0);
  EXPECT_EQ(j["meta"]["timing"]["l2_flush"], true);
  EXPECT_EQ(j["meta"]["timing"]["l2_flush_mode"], "clean");
  ASSERT_EQ(j["rows"].size(), 2u);
  const json& r = j["rows"][0];
  EXPECT_EQ(r["impl"], "la2");
  EXPECT_EQ(r["device"], "cuda");
  EXPECT_EQ(r["seqlen"], 4096);
  EXPECT_EQ(r["dim_v"], 64);
  EXPECT_EQ(r["status"], "ok");
  EXPECT_EQ(r["median_ms"], 0.125);
  EXPECT_EQ(r["repeats"], 17);
  EXPECT_EQ(r["tokens_per_s"], 4096 / 0.125e-3);
  EXPECT_EQ(r["fraction_of_floor"], 0.5);
  EXPECT_EQ(r["peak_extra_bytes"], 123456789012);
  EXPECT_EQ(r["driver_delta_bytes"], -4096);
  const json& bad = j["rows"][1];
  EXPECT_EQ(bad["status"], "oom");
  EXPECT_EQ(bad["reason"], rows[1].reason);
  EXPECT_TRUE(bad["median_ms"].is_null()) << "a row that did not run carries no numbers";
  EXPECT_TRUE(bad["peak_extra_bytes"].is_null());
  EXPECT_TRUE(bad["fraction_of_floor"].is_null());
}

// A small RFC 4180 reader: comment lines, then a header and quoted fields.
struct Csv {
  std::map<std::string, std::string> meta;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

Csv read_csv(const std::string& text) {
  Csv csv;
  size_t i = 0;
  while (i < text.size() && text[i] == '#') {
    size_t end = text.find('\n', i);
    std::string line = text.substr(i + 2, end - i - 2);
    size_t colon = line.find(": ");
    if (colon == std::string::npos) colon = line.find(':');  // "key: " with an empty value
    csv.meta[line.substr(0, colon)] = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    i = end + 1;
  }
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(field), field.clear();
    } else if (c == '\n') {
      record.push_back(field), field.clear();
      if (csv.header.empty()) csv.header = record;
      else csv.rows.push_back(record);
      record.clear();
    } else {
      field += c;
    }
  }
  return csv;
}

TEST(Report, BenchCsvRoundTripsWithMetadataLines) {
  const Metadata m = sample_meta();
  const std::vector<BenchRow> rows = sample_rows();
  const std::string path = temp_path("bench.csv");
  write_files_atomically({{path, bench_csv(m, rows)}});
  Csv csv = read_csv(read_file(path));
  std::remove(path.c_str());

  EXPECT_EQ(csv.meta["schema"], "lasuite.bench/1");
  EXPECT_EQ(csv.meta["command"], m.command);
  EXPECT_EQ(csv.meta["git_commit"], m.git_commit);
  EXPECT_EQ(csv.meta["date"], m.date);
  EXPECT_EQ(csv.meta["host"], m.host);
  EXPECT_EQ(csv.meta["lasuite_version"], m.lasuite_version);
  EXPECT_EQ(csv.meta["device.name"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(csv.meta["device.driver_version"], "550.54");
  EXPECT_EQ(std::stod(csv.meta["ceilings.copy_bytes_per_s"]), 3.0e12);
  EXPECT_EQ(csv.meta["timing.method"], "cuda events");

  // The columns are exactly the JSON row's fields, in its order.
  const nlohmann::ordered_json j = bench_row_json(rows[0]);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(csv.header, keys);
  ASSERT_EQ(csv.rows.size(), 2u);
  for (size_t r = 0; r < rows.size(); ++r) {
    const nlohmann::ordered_json row = bench_row_json(rows[r]);
    ASSERT_EQ(csv.rows[r].size(), keys.size());
    for (size_t c = 0; c < keys.size(); ++c) {
      const auto& v = row[keys[c]];
      const std::string& cell = csv.rows[r][c];
      if (v.is_null()) EXPECT_EQ(cell, "") << keys[c];
      else if (v.is_string()) EXPECT_EQ(cell, v.get<std::string>()) << keys[c];
      else EXPECT_DOUBLE_EQ(std::stod(cell), v.get<double>()) << keys[c];
    }
  }
  const size_t reason = std::find(keys.begin(), keys.end(), "reason") - keys.begin();
  ASSERT_LT(reason, keys.size());
  EXPECT_EQ(csv.rows[1][reason], rows[1].reason) << "a reason with commas and quotes survives";
}

TEST(Report, VerifyJsonRoundTrips) {
  Metadata m = sample_meta();
  m.schema = kVerifySchema;
  m.seed = 42;
  CaseResult r;
  r.impl = "la2_cpu";
  r.vcase.label = "n65-d64-e32-b2h3-alibi";
  r.vcase.problem.batch = 2;
  r.vcase.problem.heads = 3;
  r.vcase.problem.seqlen = 65;
  r.vcase.problem.dim_qk = 64;
  r.vcase.problem.dim_v = 32;
  r.vcase.problem.slopes = alibi_slopes(3);
  r.vcase.sampled_heads = {{0, 1}, {1, 2}};
  r.seed = 42;
  r.status = CaseStatus::fail;
  r.seconds = 0.5;
  r.checks = {TensorCheck{"O", 1e-7, 1e-6, 1e-4, true}, TensorCheck{"dQ", 2e-3, 1e-2, 1e-4, false}};
  CaseResult skipped = r;
  skipped.status = CaseStatus::skipped;
  skipped.reason = "head dim d=64 not supported (supports 128)";
  skipped.checks.clear();
  const std::string path = temp_path("verify.json");
  write_files_atomically({{path, json_text(verify_json(m, {r, skipped}))}});
  json j = json::parse(read_file(path));
  std::remove(path.c_str());

  EXPECT_EQ(j["schema"], "lasuite.verify/1");
  expect_meta(j["meta"], m);
  EXPECT_EQ(j["meta"]["seed"], 42);
  ASSERT_EQ(j["rows"].size(), 2u);
  const json& row = j["rows"][0];
  EXPECT_EQ(row["impl"], "la2_cpu");
  EXPECT_EQ(row["case"], "n65-d64-e32-b2h3-alibi");
  EXPECT_EQ(row["seqlen"], 65);
  EXPECT_EQ(row["dim_v"], 32);
  EXPECT_EQ(row["dtype"], "f32");
  EXPECT_EQ(row["decay"], "alibi");
  EXPECT_EQ(row["state"], false);
  EXPECT_EQ(row["sampled_heads"], "b0h1,b1h2");
  EXPECT_EQ(row["status"], "fail");
  ASSERT_EQ(row["checks"].size(), 2u);
  EXPECT_EQ(row["checks"][1]["tensor"], "dQ");
  EXPECT_EQ(row["checks"][1]["rel_frobenius"], 2e-3);
  EXPECT_EQ(row["checks"][1]["pass"], false);
  EXPECT_EQ(j["rows"][1]["status"], "skipped");
  EXPECT_EQ(j["rows"][1]["reason"], skipped.reason);
}

TEST(Report, DecayLabels) {
  Problem p;
  p.heads = 4;
  EXPECT_EQ(decay_label(p), "none");
  p.slopes = alibi_slopes(4);
  EXPECT_EQ(decay_label(p), "alibi");
  p.slopes = {0.5, 0.5, 0.5, 0.5};
  EXPECT_EQ(decay_label(p), "0.5");
  p.slopes = {0.5, 0.5, 0.5, 0.25};
  EXPECT_EQ(decay_label(p), "custom");
  p.function = Function::softmax;
  EXPECT_EQ(decay_label(p), "none");
}

TEST(Report, MarkdownTableAlignsColumns) {
  MarkdownTable t({"name", ">n"});
  t.add_row({"la2", "4096"});
  t.add_row({"flash_softmax", "1"});
  EXPECT_EQ(t.str(),
            "| name          |    n |\n"
            "|---------------|-----:|\n"
            "| la2           | 4096 |\n"
            "| flash_softmax |    1 |\n");
}

TEST(Report, WritingToAMissingFolderSaysWhere) {
  try {
    write_files_atomically({{"/nonexistent-folder/x.json", "{}"}});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/x.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace lasuite
