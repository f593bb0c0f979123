// ValueTiledPass (la2_value_tiled_pass.h).
#include "kernels/lightning2/la2_value_tiled_pass.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "harness/backend.h"
#include "kernels/common/tile_moves.h"

namespace lasuite::la2 {

namespace {

// Tile z's state block in the problem's layout: rows x cols of a [bh][rows][cols] state, the block at
// the value window's rows (transposed) or columns.
tiles::TileRegion window(int64_t bh, int64_t contraction, int64_t value, const ValueTiling& t, int z, bool transposed) {
  const int64_t first = int64_t(z) * t.dv, count = std::min<int64_t>(t.dv, value - first);
  if (transposed) return {bh, value, contraction, first, count, 0, contraction};
  return {bh, contraction, value, 0, contraction, first, count};
}

}  // namespace

ValueTiledPass::ValueTiledPass(const PassArgs& a, const PlanOptions& options, Workspace& ws) : ws_(ws), args_(a) {
  if (a.prior) throw std::logic_error("la2: value-tiled passes compute their own segment data");
  contraction_ = a.dk;
  value_ = a.dv;
  tiling_ = value_tiling(contraction_, value_);
  args_.dk = tiling_.dk;
  args_.dv = tiling_.dv;
  args_.value_tiles = tiling_.tiles;
  args_.cols_qk = static_cast<int>(contraction_);
  args_.cols_v = args_.cols_o = static_cast<int>(value_);
  const int64_t bh = a.bh, window_elems = int64_t(tiling_.dk) * tiling_.dv;
  const size_t states_bytes = static_cast<size_t>(tiling_.tiles * bh * window_elems) * sizeof(float);
  if (a.init) {
    const bool transposed = a.init_rs == 1 && a.init_cs == contraction_;
    if (!transposed && !(a.init_rs == value_ && a.init_cs == 1))
      throw std::logic_error("la2: an initial state must be row-major or transposed (strides " +
                             std::to_string(a.init_rs) + ", " + std::to_string(a.init_cs) + " for a " +
                             std::to_string(contraction_) + " x " + std::to_string(value_) + " state)");
    init_ = ws.allocate(states_bytes);
    for (int z = 0; z < tiling_.tiles; ++z)
      tiles::gather_tile(DType::f32, a.init, window(bh, contraction_, value_, tiling_, z, transposed),
                         init_.as<float>() + z * bh * window_elems, transposed ? tiling_.dv : tiling_.dk,
                         transposed ? tiling_.dk : tiling_.dv, ws.stream());
    args_.init = init_.as<float>();
    args_.init_rs = transposed ? 1 : tiling_.dv;
    args_.init_cs = transposed ? tiling_.dk : 1;
  }
  if (a.final_state) {
    final_dst_ = a.final_state;
    final_ = ws.allocate(states_bytes);
    args_.final_state = final_.as<float>();
  }
  plan_ = plan_pass(args_, options);
  segbuf_ = ws.allocate(plan_.segbuf_bytes);
}

void ValueTiledPass::run(int* flags) {
  run_pass(args_, plan_, segbuf_.as<float>(), flags, ws_.stream());
  if (!final_dst_) return;
  const int64_t bh = args_.bh, window_elems = int64_t(tiling_.dk) * tiling_.dv;
  for (int z = 0; z < tiling_.tiles; ++z)
    tiles::scatter_tile(DType::f32, final_.as<float>() + z * bh * window_elems, tiling_.dk, tiling_.dv, DType::f32,
                        final_dst_, window(bh, contraction_, value_, tiling_, z, false), ws_.stream());
}

}  // namespace lasuite::la2
