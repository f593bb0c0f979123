// CSV result files: `# key: value` lines with the metadata (flattened like the JSON "meta", nested
// keys joined with '.'), then a header and one line per row with the JSON row's fields as columns.
#pragma once
#include <string>
#include <vector>

#include "harness/bench.h"
#include "harness/metadata.h"

namespace lasuite {

std::string bench_csv(const Metadata& meta, const std::vector<BenchRow>& rows);

// RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled.
std::string csv_field(const std::string& s);

}  // namespace lasuite
