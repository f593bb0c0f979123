// How la2's sequence-parallel forms split a sequence: W contiguous parts, part r = rows [a_r, a_(r+1)),
// as even as whole rows allow; and the options both forms take.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "harness/errors.h"

namespace lasuite::la2::sp {

constexpr int kMaxRanks = 64;

struct Split {
  std::vector<int64_t> begin;  // a_0 = 0, ..., a_W = n
  int world() const { return static_cast<int>(begin.size()) - 1; }
  int64_t rows(int r) const { return begin[r + 1] - begin[r]; }
};

inline Split split_rows(int64_t n, int world) {
  Split s;
  for (int r = 0; r <= world; ++r) s.begin.push_back(n * r / world);
  return s;
}

// `ranks` as a whole number 1..kMaxRanks, else a UsageError naming `who`.
inline int parse_ranks(const std::string& who, const std::string& value) {
  const bool digits = !value.empty() && value.size() <= 3 && value.find_first_not_of("0123456789") == std::string::npos;
  const int w = digits ? std::stoi(value) : 0;
  if (w < 1 || w > kMaxRanks)
    throw UsageError(who + " option ranks takes a whole number 1.." + std::to_string(kMaxRanks) + ", not '" + value + "'");
  return w;
}

// `exchange`: true for the ring, false for the all-gather, else a UsageError naming `who`.
inline bool parse_ring(const std::string& who, const std::string& value) {
  if (value != "allgather" && value != "ring")
    throw UsageError(who + " option exchange takes allgather or ring, not '" + value + "'");
  return value == "ring";
}

}  // namespace lasuite::la2::sp
