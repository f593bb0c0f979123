// Markdown tables for the terminal: `lasuite list`, verify rows as they come, the bench summary.
#pragma once
#include <string>
#include <vector>

#include "harness/bench.h"

namespace lasuite {

class MarkdownTable {
 public:
  // Columns whose header starts with '>' are right-aligned (numbers); the '>' is not printed.
  explicit MarkdownTable(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  std::string str() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// One "| a | b |" line with fixed widths, for rows printed as they are produced.
std::string fixed_width_row(const std::vector<std::string>& cells, const std::vector<int>& widths);

std::string bench_table(const std::vector<BenchRow>& rows);

// "%.3g" style for figures; "-" where there is none.
std::string format_number(double v, int significant = 3);
// "0.123 ms", "12.3 s".
std::string format_ms(double ms);
// Signed byte counts ("-1.2 MiB").
std::string format_signed_bytes(int64_t bytes);

}  // namespace lasuite
