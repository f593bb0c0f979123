#include "harness/range.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string>

#include "harness/errors.h"

namespace lasuite {

namespace {

constexpr const char* kExpected = "expected a comma list like 1024, 16k, 1m or power-of-two ranges like 1k..128k";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

[[noreturn]] void fail(const char* noun, std::string_view whole, const std::string& what) {
  throw UsageError(std::string("bad ") + noun + " '" + std::string(whole) + "': " + what + " (" + kExpected + ")");
}

}  // namespace

int64_t parse_size(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) throw UsageError("empty size");
  int64_t multiplier = 1;
  char last = static_cast<char>(std::tolower(static_cast<unsigned char>(s.back())));
  if (last == 'k') multiplier = 1024;
  if (last == 'm') multiplier = 1024 * 1024;
  if (multiplier != 1) s.remove_suffix(1);
  if (s.empty()) throw UsageError("'" + std::string(text) + "' has a suffix but no number");
  const int64_t max = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (char c : s) {
    if (c == '-') throw UsageError("'" + std::string(text) + "' is negative; values must be > 0");
    if (!std::isdigit(static_cast<unsigned char>(c)))
      throw UsageError("'" + std::string(text) + "' is not a number (digits with an optional k or m suffix)");
    int digit = c - '0';
    if (value > (max - digit) / 10) throw UsageError("'" + std::string(text) + "' is too large");
    value = value * 10 + digit;
  }
  if (value > max / multiplier) throw UsageError("'" + std::string(text) + "' is too large");
  value *= multiplier;
  if (value <= 0) throw UsageError("'" + std::string(text) + "' is zero; values must be > 0");
  return value;
}

std::vector<int64_t> parse_seqlens(std::string_view text, const char* noun) {
  std::vector<int64_t> out;
  auto add = [&](int64_t v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  if (trim(text).empty()) fail(noun, text, "empty");
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) fail(noun, text, "an empty item between commas");

    size_t dots = item.find("..");
    try {
      if (dots == std::string_view::npos) {
        add(parse_size(item));
        continue;
      }
      std::string_view lo_text = item.substr(0, dots), hi_text = item.substr(dots + 2);
      if (trim(lo_text).empty() || trim(hi_text).empty())
        fail(noun, text, "range '" + std::string(item) + "' needs both ends, like 1k..128k");
      int64_t lo = parse_size(lo_text), hi = parse_size(hi_text);
      if (!is_power_of_two(lo) || !is_power_of_two(hi))
        fail(noun, text, "range '" + std::string(item) +
                       "' has an end that is not a power of two; a..b means the powers of two from a to b, "
                       "so both ends must be powers of two (like 1k..128k); list other lengths with commas");
      if (lo > hi) fail(noun, text, "range '" + std::string(item) + "' runs backwards; write the smaller end first");
      for (int64_t v = lo; v <= hi; v *= 2) {
        add(v);
        if (v > std::numeric_limits<int64_t>::max() / 2) break;
      }
    } catch (const UsageError& e) {
      std::string msg = e.what();
      if (msg.rfind(std::string("bad ") + noun, 0) == 0) throw;
      fail(noun, text, msg);
    }
  }
  return out;
}

}  // namespace lasuite
