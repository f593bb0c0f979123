// A pass's plan in words, for result files (`lasuite bench` rows' `plan`: which plan each measured run took).
// Host code, no CUDA.
#pragma once
#include <string>

#include "kernels/lightning2/la2_pass.h"

namespace lasuite::la2 {

// e.g. "4 segments of 16 chunks, one pass, wgmma, TMA" or "4 segments of 128 chunks, states step in halves by
// TMA then outputs, wgmma, TMA, dual output". `reads_prior`: the pass's start states come from an earlier pass's
// segment data (PassArgs::prior: its output step alone runs, whatever the plan's one_pass says).
std::string plan_text(const PassPlan& plan, bool reads_prior = false);

}  // namespace lasuite::la2
