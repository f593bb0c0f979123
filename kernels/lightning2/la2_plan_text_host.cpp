#include "kernels/lightning2/la2_plan_text_host.h"

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

}  // namespace lasuite::la2
