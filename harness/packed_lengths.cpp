#include "harness/packed_lengths.h"

#include <cmath>
#include <limits>
#include <numeric>

#include "harness/errors.h"

namespace lasuite {
namespace {

constexpr const char* kExpected =
    "expected a comma list of lengths such as 100,2000,0,15k, or loguniform:MIN..MAX,total=T,seed=S";

[[noreturn]] void fail(std::string_view text, const std::string& what) {
  throw UsageError("bad --packed '" + std::string(text) + "': " + what + " (" + kExpected + ")");
}

// A whole number >= 0 with an optional k/m suffix, in decimal.
int64_t parse_count(std::string_view all, std::string_view item) {
  // Spaces around an item are dropped, as --seqlen's list drops them ("100, 200").
  while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
  while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
  if (item.empty()) fail(all, "an empty item");
  int64_t mul = 1;
  const char last = item.back();
  if (last == 'k' || last == 'K') mul = 1024, item.remove_suffix(1);
  else if (last == 'm' || last == 'M') mul = 1024 * 1024, item.remove_suffix(1);
  if (item.empty() || item.find_first_not_of("0123456789") != std::string_view::npos)
    fail(all, "'" + std::string(item) + "' is not a whole number");
  if (item.size() > 12) fail(all, "'" + std::string(item) + "' is too large");
  const int64_t v = std::stoll(std::string(item)) * mul;
  if (v > (int64_t(1) << 40)) fail(all, "'" + std::string(item) + "' is too large");
  return v;
}

// splitmix64: the same lengths from the same seed on every machine and standard library.
uint64_t next(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

PackedLengths draw_loguniform(std::string_view text, std::string_view args) {
  int64_t lo = -1, hi = -1, total = -1;
  uint64_t seed = 1;
  bool seed_given = false;
  size_t start = 0;
  bool first = true;
  while (start <= args.size()) {
    const size_t end = args.find(',', start);
    const std::string_view item = args.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (first) {
      const size_t dots = item.find("..");
      if (dots == std::string_view::npos) fail(text, "loguniform needs MIN..MAX first");
      lo = parse_count(text, item.substr(0, dots));
      hi = parse_count(text, item.substr(dots + 2));
      first = false;
    } else if (item.substr(0, 6) == "total=") {
      if (total >= 0) fail(text, "total= given twice");
      total = parse_count(text, item.substr(6));
    } else if (item.substr(0, 5) == "seed=") {
      if (seed_given) fail(text, "seed= given twice");
      seed = static_cast<uint64_t>(parse_count(text, item.substr(5)));
      seed_given = true;
    } else {
      fail(text, "unknown part '" + std::string(item) + "'");
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (lo < 1 || hi < lo) fail(text, "loguniform needs 1 <= MIN <= MAX");
  if (total < 1) fail(text, "loguniform needs total=T with T >= 1");
  PackedLengths p;
  int64_t sum = 0;
  uint64_t state = seed;
  while (sum < total) {
    // Bounded before the draws fill memory: short lengths against a huge total would otherwise allocate
    // until the host runs out.
    if (p.lengths.size() >= kMaxPackedSequences)
      fail(text, "draws more than " + std::to_string(kMaxPackedSequences) + " sequences before reaching total=" +
                     std::to_string(total) + " (raise MIN or lower the total)");
    const double u = static_cast<double>(next(state) >> 11) * 0x1.0p-53;
    int64_t n = static_cast<int64_t>(std::llround(std::exp(std::log(double(lo)) + u * (std::log(double(hi)) - std::log(double(lo))))));
    n = std::min(std::max(n, lo), hi);
    n = std::min(n, total - sum);
    p.lengths.push_back(n);
    sum += n;
  }
  return p;
}

}  // namespace

int64_t PackedLengths::total() const { return std::accumulate(lengths.begin(), lengths.end(), int64_t(0)); }

std::vector<int64_t> PackedLengths::cu_seqlens() const {
  std::vector<int64_t> cu = {0};
  for (int64_t n : lengths) cu.push_back(cu.back() + n);
  return cu;
}

PackedLengths parse_packed_lengths(std::string_view text) {
  PackedLengths p;
  if (text.substr(0, 11) == "loguniform:") {
    p = draw_loguniform(text, text.substr(11));
  } else {
    size_t start = 0;
    while (start <= text.size()) {
      const size_t end = text.find(',', start);
      p.lengths.push_back(parse_count(text, text.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                                          : end - start)));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }
  if (p.total() < 1) fail(text, "the sequences hold no token");
  p.spec = std::string(text);
  return p;
}

}  // namespace lasuite
