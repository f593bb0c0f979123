// Sequence-length sweeps as users type them: "1k..128k" (powers of two), "1000,4096,16k", mixes.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace lasuite {

// Parses a comma list of items; each item is a number ("4096", "16k", "1m"; k = 1024, m = 1048576,
// case-insensitive) or a range "a..b" meaning the powers of two from a to b (both powers of two,
// a <= b). Returns the values in the order given, duplicates dropped. Throws UsageError saying what
// is wrong and what is expected, naming the values as `noun` ("batch sizes" for a sweep of those).
std::vector<int64_t> parse_seqlens(std::string_view text, const char* noun = "sequence lengths");

// One number with an optional k/m suffix, > 0. Throws UsageError.
int64_t parse_size(std::string_view text);

}  // namespace lasuite
