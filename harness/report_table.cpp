#include "harness/report_table.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "harness/memory.h"

namespace lasuite {

MarkdownTable::MarkdownTable(std::vector<std::string> headers) {
  for (std::string& h : headers) {
    bool right = !h.empty() && h[0] == '>';
    right_.push_back(right);
    headers_.push_back(right ? h.substr(1) : h);
  }
}

void MarkdownTable::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string MarkdownTable::str() const {
  std::vector<size_t> w(headers_.size(), 3);
  for (size_t c = 0; c < headers_.size(); ++c) {
    w[c] = std::max(w[c], headers_[c].size());
    for (auto& r : rows_) w[c] = std::max(w[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string pad(w[c] - cells[c].size(), ' ');
      s += " " + (right_[c] ? pad + cells[c] : cells[c] + pad) + " |";
    }
    return s + "\n";
  };
  std::string out = line(headers_) + "|";
  for (size_t c = 0; c < headers_.size(); ++c) out += right_[c] ? std::string(w[c] + 1, '-') + ":|" : std::string(w[c] + 2, '-') + "|";
  out += "\n";
  for (auto& r : rows_) out += line(r);
  return out;
}

std::string fixed_width_row(const std::vector<std::string>& cells, const std::vector<int>& widths) {
  std::string s = "|";
  for (size_t c = 0; c < cells.size(); ++c) {
    std::string cell = cells[c];
    int width = c < widths.size() ? widths[c] : 0;
    if (static_cast<int>(cell.size()) < width) cell += std::string(static_cast<size_t>(width) - cell.size(), ' ');
    s += " " + cell + " |";
  }
  return s;
}

std::string format_number(double v, int significant) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

std::string format_ms(double ms) {
  char buf[48];
  if (ms >= 1000) std::snprintf(buf, sizeof buf, "%.3g s", ms / 1000);
  else std::snprintf(buf, sizeof buf, "%.3g ms", ms);
  return buf;
}

std::string format_signed_bytes(int64_t bytes) {
  return bytes < 0 ? "-" + format_bytes(static_cast<size_t>(-bytes)) : format_bytes(static_cast<size_t>(bytes));
}

std::string bench_table(const std::vector<BenchRow>& rows) {
  MarkdownTable t({"impl", "dtype", ">b", ">n", "mode", "status", ">median ms", ">min ms", ">max ms", ">M tokens/s",
                   ">TFLOP/s", ">% of floor", ">peak extra", ">outputs", ">driver delta", "note"});
  for (const BenchRow& r : rows) {
    std::string mode = r.timer == "launches" ? r.mode : r.mode + " (" + r.timer + ")";
    if (r.context > 0) mode += ", " + std::to_string(r.context) + " cached";
    std::vector<std::string> cells = {r.impl, r.dtype, std::to_string(r.batch), std::to_string(r.seqlen), mode,
                                      row_status_name(r.status)};
    if (r.status == RowStatus::ok) {
      cells.push_back(format_number(r.median_ms));
      cells.push_back(format_number(r.min_ms));
      cells.push_back(format_number(r.max_ms));
      cells.push_back(format_number(r.tokens_per_s / 1e6));
      cells.push_back(format_number(r.flops_per_s / 1e12));
      cells.push_back(r.fraction_of_floor ? format_number(*r.fraction_of_floor * 100, 2) : "-");
      cells.push_back(format_bytes(static_cast<size_t>(r.peak_extra_bytes)));
      cells.push_back(format_bytes(static_cast<size_t>(r.outputs_bytes)));
      cells.push_back(format_signed_bytes(r.driver_delta_bytes));
      cells.push_back(r.reason);  // an ok row's caveats (runs cut short, faster than the floor, ...), or ""
    } else {
      for (int i = 0; i < 9; ++i) cells.push_back("-");
      cells.push_back(r.reason);
    }
    t.add_row(cells);
  }
  return t.str();
}

}  // namespace lasuite
