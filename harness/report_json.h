// JSON result files (results/SCHEMA.md): lasuite.bench/1 and lasuite.verify/1, metadata first.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/bench.h"
#include "harness/metadata.h"
#include "harness/verify.h"

namespace lasuite {

inline constexpr const char* kBenchSchema = "lasuite.bench/1";
inline constexpr const char* kVerifySchema = "lasuite.verify/1";

nlohmann::ordered_json metadata_json(const Metadata& meta);
nlohmann::ordered_json bench_row_json(const BenchRow& row);  // numbers are null unless status is ok
nlohmann::ordered_json bench_json(const Metadata& meta, const std::vector<BenchRow>& rows);
nlohmann::ordered_json verify_row_json(const CaseResult& result);
nlohmann::ordered_json verify_json(const Metadata& meta, const std::vector<CaseResult>& results);

// "none", "alibi", the common slope ("0.5") or "custom", from a problem's slopes.
std::string decay_label(const Problem& p);

// Writes text to a file; throws std::runtime_error naming the path when it cannot.
void write_text_file(const std::string& path, const std::string& text);
void write_json_file(const std::string& path, const nlohmann::ordered_json& doc);

}  // namespace lasuite
