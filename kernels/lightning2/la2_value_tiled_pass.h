// One pass of la2 at head dims past 128 as windows run by blocks of one launch (la2_value_tiles_host.h
// says how): the pass planned and run at the problem's own widths, its states moved into and out of the
// windows' layout. Windows of the value (value tiles: each exact on its own), or, for a backward's dQ
// pass beside the fused dK/dV pass in windows of e, windows of the contraction (each a partial sum added
// into the output: PassArgs::contraction_windows). Host interface, no CUDA headers; built only with CUDA
// (la2_value_tiled_pass_cuda.cpp).
#pragma once
#include <cstdint>

#include "harness/memory.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_value_tiles_host.h"

namespace lasuite::la2 {

// One pass at the problem's widths: `a` as for run_pass, but with dk and dv the contraction's and the
// value's own widths (any cols_* are replaced) and its initial state (if any) and final state in the problem's
// layout, [bh][dk][dv] row-major or [bh][dv][dk] (init_rs = 1, init_cs = dk). a.contraction_windows: the
// windows cut the contraction (contraction_tiling), else the value (value_tiling). a.prior (with `like`, the
// plan of the pass that wrote it): segment data in the windows' layout, of the same windows (the forward's
// for a dQ pass in windows of the contraction, which reads it transposed). The constructor plans the pass
// and enqueues the move of the initial state into the windows' layout (so a final state may be the same
// memory); run enqueues the pass (or a part of it) and, after its outputs, the move of the final state out.
class ValueTiledPass {
 public:
  ValueTiledPass(const PassArgs& a, const PlanOptions& options, Workspace& ws, const PassPlan* like = nullptr);
  // The plan the constructor would choose, and the pass's arguments in the windows (its states' pointers the
  // problem's): to ask before enqueuing anything (needs_states_step).
  static PassArgs windowed_args(const PassArgs& a);
  static PassPlan plan_for(const PassArgs& a, const PlanOptions& options, const PassPlan* like = nullptr) {
    return plan_pass(windowed_args(a), options, like);
  }
  size_t flag_bytes() const { return plan_.flag_bytes; }
  const PassPlan& plan() const { return plan_; }
  const ValueTiling& tiling() const { return tiling_; }
  bool contraction_windows() const { return args_.contraction_windows; }
  // `flags`: flag_bytes() of zeroed flags, or null where there are none. `part` as for run_pass.
  void run(int* flags, PassPart part = PassPart::all);
  // The segment data, for a later pass that reads it (the forward's, for the dQ pass): empty where the
  // plan has none.
  Buffer take_segment_data() { return std::move(segbuf_); }

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
