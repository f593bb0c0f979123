// A packed batch as one launch a pass (a ragged grid): which sequences share the launch, and in what
// order. Host code, no CUDA.
#pragma once
#include <cstdint>
#include <vector>

#include "harness/problem.h"
#include "kernels/lightning2/la2_chunk_args.h"

namespace lasuite::la2 {

// Each sequence of the ragged launch runs whole in one block per head, so the launch takes about as
// long as its longest block or its work spread over the device's slots, whichever is more. The longest
// sequence runs as a pass of its own instead (split into segments like a dense batch, its blocks
// filling the device) when that shortens the launch by more than its own pass costs; then the next.
struct RaggedSplit {
  std::vector<RaggedSequence> table;  // the sequences sharing the launch, longest first (dispatched first)
  std::vector<int64_t> alone;         // the sequences run on their own, in batch order
  int64_t longest = 0;                // rows of the table's longest sequence
};

// slots: output blocks the device holds at once (output_slots). Empty sequences are in neither list.
// The backward's passes share the forward's split (and its table), balanced for the forward's
// (dk, dv): for their swapped dims the balance is approximate.
RaggedSplit split_packed(const Problem& p, int64_t slots);

}  // namespace lasuite::la2
