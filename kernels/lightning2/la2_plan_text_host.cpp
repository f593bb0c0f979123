#include "kernels/lightning2/la2_plan_text_host.h"

#include <algorithm>
#include <sstream>

namespace lasuite::la2 {

std::string plan_text(const PassPlan& p, bool reads_prior) {
  std::ostringstream s;
  s << p.segments << (p.segments == 1 ? " segment" : " segments") << " of " << p.seg_chunks
    << (p.seg_chunks == 1 ? " chunk" : " chunks");
  if (p.segments > 1) {
    if (reads_prior) {
      s << ", outputs on an earlier pass's segment data";
    } else if (p.one_pass) {
      s << ", one pass" << (p.cooperative ? " (cooperative launch)" : "");
    } else {
      s << ", states step";
      if (p.fine > 1) s << " in " << p.fine << " parts a segment";
      if (p.states_halves) s << " in halves";
      if (p.states_tma) s << " by TMA";
      s << (p.scan_in_kernel ? " then outputs" : ", scan kernel, outputs");
    }
  }
  s << ", " << (p.wgmma ? "wgmma" : "mma.sync") << ", " << (p.tma ? "TMA" : "cp.async");
  if (p.dual) s << ", dual output";
  if (p.pingpong) s << ", two output warpgroups";
  if (p.narrow_products) s << ", narrow products";
  return s.str();
}

std::string PassNote::text() const {
  std::string s = what;
  if (tiling.tiles > 0) {
    const char* how = !adds              ? ""
                      : plan.adds_by_tma ? ", partial sums added by the copy engine"
                                         : ", partial sums added by 16-byte atomics";
    s += "in " + std::to_string(tiling.tiles) + (of_contraction ? " windows of the contraction" : " value windows") +
         " on the " + std::to_string(tiling.dk) + " x " + std::to_string(tiling.dv) + " kernel" + how + ": ";
  }
  if (ragged) s += "a ragged grid of ";
  if (has_plan) s += plan_text(plan, reads_prior);
  return s + after;
}

std::string calls_text(const std::vector<PassNote>& forward, const std::vector<PassNote>& backward) {
  const auto join = [](const char* side, const std::vector<PassNote>& notes) {
    std::vector<std::string> texts;
    for (const PassNote& n : notes) {
      std::string t = n.text();
      if (std::find(texts.begin(), texts.end(), t) == texts.end()) texts.push_back(std::move(t));
    }
    std::string s;
    for (const std::string& t : texts) s += (s.empty() ? std::string(side) + ": " : "; ") + t;
    return s;
  };
  const std::string f = join("forward", forward), b = join("backward", backward);
  return f + (f.empty() || b.empty() ? "" : " | ") + b;
}

}  // namespace lasuite::la2
