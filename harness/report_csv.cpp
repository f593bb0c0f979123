#include "harness/report_csv.h"

#include <sstream>

#include "harness/report_json.h"

namespace lasuite {

namespace {

using json = nlohmann::ordered_json;

// One line each, so a reader can take everything after "# key: " as the value.
std::string one_line(std::string s) {
  std::string out;
  for (char c : s) out += c == '\n' ? std::string("\\n") : c == '\r' ? std::string() : std::string(1, c);
  return out;
}

void flatten(const json& j, const std::string& prefix, std::ostringstream& os) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), os);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) flatten(j[i], prefix + "." + std::to_string(i), os);
  } else {
    os << "# " << prefix << ": " << one_line(j.is_string() ? j.get<std::string>() : j.is_null() ? "" : j.dump()) << "\n";
  }
}

std::string cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv_field(v.get<std::string>());
  return v.dump();
}

}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string bench_csv(const Metadata& meta, const std::vector<BenchRow>& rows) {
  std::ostringstream os;
  os << "# schema: " << kBenchSchema << "\n";
  flatten(metadata_json(meta), "", os);
  // The columns are the JSON row's fields, in its order.
  const json header_row = bench_row_json(BenchRow{});
  bool first = true;
  for (auto it = header_row.begin(); it != header_row.end(); ++it) {
    os << (first ? "" : ",") << it.key();
    first = false;
  }
  os << "\n";
  for (const BenchRow& r : rows) {
    json j = bench_row_json(r);
    first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      os << (first ? "" : ",") << cell(it.value());
      first = false;
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace lasuite
