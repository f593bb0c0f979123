// split_packed (la2_ragged_host.h).
#include "kernels/lightning2/la2_ragged_host.h"

#include <algorithm>

#include "kernels/lightning2/la2_pass.h"

namespace lasuite::la2 {
namespace {

// What a pass of its own costs beyond its work, in chunk times (its launches, the scan, the tail).
constexpr int64_t kPassOverheadChunks = 8;

int64_t chunks(int64_t rows) { return (rows + kChunkRows - 1) / kChunkRows; }

}  // namespace

RaggedSplit split_packed(const Problem& p, int64_t slots) {
  RaggedSplit s;
  std::vector<int64_t> order;
  for (int64_t i = 0; i < p.sequences(); ++i)
    if (p.sequence_length(i) > 0) order.push_back(i);
  // Longest first; equal lengths in batch order, so the table does not depend on the sort's whims.
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return p.sequence_length(a) > p.sequence_length(b); });
  int64_t work = 0;  // chunk-blocks of every sequence still in the table, over all heads
  for (int64_t i : order) work += (chunks(p.sequence_length(i)) + kSegmentOverheadChunks) * p.heads;
  slots = std::max<int64_t>(slots, 1);
  auto block = [&](size_t k) { return chunks(p.sequence_length(order[k])) + kSegmentOverheadChunks; };
  size_t first = 0;  // order[first..] share the launch
  while (first < order.size()) {
    const int64_t longest = block(first);
    const int64_t rest = work - longest * p.heads;
    const int64_t without = std::max(first + 1 < order.size() ? block(first + 1) : 0, (rest + slots - 1) / slots);
    const int64_t own_pass = (longest * p.heads + slots - 1) / slots + kPassOverheadChunks;
    if (longest - without <= own_pass) break;
    work = rest;
    s.alone.push_back(order[first++]);
  }
  std::sort(s.alone.begin(), s.alone.end());
  for (size_t k = first; k < order.size(); ++k) {
    const int64_t i = order[k];
    s.table.push_back({p.sequence_begin(i), p.sequence_length(i), i});
  }
  if (!s.table.empty()) s.longest = s.table.front().n;
  return s;
}

}  // namespace lasuite::la2
