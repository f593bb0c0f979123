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

// The document as the files hold it (indented); bytes that are not UTF-8 (an argument in the command
// line, say) become U+FFFD instead of failing the write.
std::string json_text(const nlohmann::ordered_json& doc);

}  // namespace lasuite
