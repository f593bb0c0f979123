// A pass's plan in words, and a call's passes in words, for result files (`lasuite bench` rows' `plan`: which plan
// each measured run took). Host code, no CUDA.
#pragma once
#include <string>
#include <vector>

#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_value_tiles_host.h"

namespace lasuite::la2 {

// e.g. "4 segments of 16 chunks, one pass, wgmma, TMA" or "4 segments of 128 chunks, states step in halves by
// TMA then outputs, wgmma, TMA, dual output". `reads_prior`: the pass's start states come from an earlier pass's
// segment data (PassArgs::prior: its output step alone runs, whatever the plan's one_pass says).
std::string plan_text(const PassPlan& plan, bool reads_prior = false);

// One pass a call ran (la2_cuda.cpp notes each). Kept as the plan itself and put in words only when asked: the
// calls are inside the bench's timed region, where formatting text for every pass would be host time the GPU
// waits for.
struct PassNote {
  const char* what = "";       // "dQ ", "the decode kernel", ...
  bool ragged = false;         // the pass ran a packed batch's ragged grid
  bool has_plan = false;       // a chunk pass: `plan` (and `reads_prior`) say how it ran
  PassPlan plan;
  bool reads_prior = false;
  ValueTiling tiling;          // tiles > 0: the pass ran in value windows
  bool of_contraction = false;  // and they were windows of its contraction
  bool adds = false;            // each window added a partial sum of an output (plan.adds_by_tma says how)
  const char* after = "";       // what the order of the passes adds
  std::string text() const;
};

// A forward's passes and the backward's after it, e.g. "forward: A | backward: B; C": each distinct description
// once a side, in the order first run; a side that ran nothing is left out.
std::string calls_text(const std::vector<PassNote>& forward, const std::vector<PassNote>& backward);

}  // namespace lasuite::la2
