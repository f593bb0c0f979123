// One pass of la2 at head dims past 128 as value-tiled windows (la2_value_tiles_host.h says how): the
// pass planned and run at the problem's own widths, its states moved into and out of the windows'
// layout. Host interface, no CUDA headers; built only with CUDA (la2_value_tiled_pass_cuda.cpp).
#pragma once
#include <cstdint>

#include "harness/memory.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_value_tiles_host.h"

namespace lasuite::la2 {

// One pass at the problem's widths: `a` as for run_pass, but with dk and dv the contraction's and the
// value's own widths (any cols_* are replaced) and its initial state (if any) and final state in the problem's
// layout, [bh][dk][dv] row-major or [bh][dv][dk] (init_rs = 1, init_cs = dk). The constructor plans the
// pass and enqueues the move of the initial state into the windows' layout (so a final state may be
// the same memory); run enqueues the pass and the move of the final state out.
class ValueTiledPass {
 public:
  ValueTiledPass(const PassArgs& a, const PlanOptions& options, Workspace& ws);
  size_t flag_bytes() const { return plan_.flag_bytes; }
  const PassPlan& plan() const { return plan_; }
  const ValueTiling& tiling() const { return tiling_; }
  // `flags`: flag_bytes() of zeroed flags, or null where there are none.
  void run(int* flags);

 private:
  Workspace& ws_;
  PassArgs args_;
  PassPlan plan_;
  ValueTiling tiling_;
  int64_t contraction_ = 0, value_ = 0;
  float* final_dst_ = nullptr;
  Buffer init_, final_, segbuf_;
};

}  // namespace lasuite::la2
