// Passes at head dims past 128 (up to 256, multiples of 8), with no copies of q, k, v or o: a pass's
// contraction is read whole and in place by a kernel at least as wide as it (64, 128, 192 or 256), and
// its value columns are cut into windows of that kernel's value width (128, or 64 beside the
// contractions past 128), each window run by blocks of the same launch (PassArgs::value_tiles). A window of the
// value columns is exact on its own (math.md: the function is separable in e), so nothing is summed;
// what it costs is the contraction's products once per window. The states (a few d x e matrices a
// head) are moved into and out of the windows' padded layout. Host code, no CUDA headers.
#pragma once
#include <cstdint>

#include "harness/memory.h"
#include "kernels/lightning2/la2_pass.h"

namespace lasuite::la2 {

// The kernel (dk x dv) and the number of value windows a pass over `contraction` x `value` columns runs
// on.
struct ValueTiling {
  int dk = 0, dv = 0, tiles = 0;
};
ValueTiling value_tiling(int64_t contraction, int64_t value);

// Whether head dims d x e run as value-tiled passes: one past 128, both at most 256 and multiples of 8
// (rows read as 16-byte pieces). The device and dtype are for the caller to check (wide_kernels_usable).
bool value_tiled_dims(int64_t d, int64_t e);

// The most value windows any of the four passes at d x e runs: bh times this is the passes' grid rows
// and states, of which the scan kernel takes at most kMaxValueTiledRows (its grid's y dimension).
int max_value_tiles(int64_t d, int64_t e);
constexpr int64_t kMaxValueTiledRows = 65535;

// One pass at the problem's widths: `a` as for run_pass, but with dk and dv the contraction's and the
// value's own widths (cols_* unset) and its initial state (if any) and final state in the problem's
// layout, [bh][dk][dv] row-major or [bh][dv][dk] (init_rs = 1, init_cs = dk). The constructor plans the
// pass and enqueues the move of the initial state into the windows' layout (so a final state may be
// the same memory); run enqueues the pass and the move of the final state out.
class ValueTiledPass {
 public:
  ValueTiledPass(const PassArgs& a, const PlanOptions& options, Workspace& ws);
  size_t flag_bytes() const { return plan_.flag_bytes; }
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
