// A packed batch's sequence lengths as `lasuite bench --packed` takes them:
//   "100,2000,0,15k"                       the lengths themselves (0 allowed; k = 1024, m = 1048576)
//   "loguniform:1..64k,total=256k,seed=7"  lengths drawn log-uniformly from [min, max], seeded, until
//                                          they sum to the total (the last one cut to fit)
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lasuite {

struct PackedLengths {
  std::vector<int64_t> lengths;
  std::string spec;  // as given, for the result files
  int64_t total() const;
  std::vector<int64_t> cu_seqlens() const;  // 0, then the running sums
};

// The most sequences a packed batch holds (a drawn one stops there with an error rather than filling memory).
constexpr size_t kMaxPackedSequences = size_t(1) << 24;

// Throws UsageError saying what is wrong and what is expected.
PackedLengths parse_packed_lengths(std::string_view text);

}  // namespace lasuite
