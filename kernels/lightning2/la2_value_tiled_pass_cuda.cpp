// ValueTiledPass (la2_value_tiled_pass.h).
#include "kernels/lightning2/la2_value_tiled_pass.h"

#include <stdexcept>
#include <string>

#include "harness/backend.h"
#include "kernels/common/tile_moves.h"

namespace lasuite::la2 {

PassArgs ValueTiledPass::windowed_args(const PassArgs& a) {
  const ValueTiling t = a.contraction_windows ? contraction_tiling(a.dk, a.dv) : value_tiling(a.dk, a.dv);
  PassArgs w = a;
  w.dk = t.dk;
  w.dv = t.dv;
  w.value_tiles = t.tiles;
  w.cols_qk = static_cast<int>(a.dk);
  w.cols_v = w.cols_o = static_cast<int>(a.dv);
  return w;
}

ValueTiledPass::ValueTiledPass(const PassArgs& a, const PlanOptions& options, Workspace& ws, const PassPlan* like)
    : ws_(ws), args_(windowed_args(a)) {
  if (a.prior && !like) throw std::logic_error("la2: a windowed pass on prior data needs the plan that wrote it");
  contraction_ = a.dk;
  value_ = a.dv;
  const bool of_contraction = a.contraction_windows;
  tiling_ = {args_.dk, args_.dv, args_.value_tiles};
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
      tiles::gather_tile(DType::f32, a.init, state_window(bh, contraction_, value_, tiling_, z, transposed, of_contraction),
                         init_.as<float>() + z * bh * window_elems, transposed ? tiling_.dv : tiling_.dk,
                         transposed ? tiling_.dk : tiling_.dv, ws.stream());
    args_.init = init_.as<float>();
    args_.init_rs = transposed ? 1 : tiling_.dv;
    args_.init_cs = transposed ? tiling_.dk : 1;
  }
  if (a.final_state) {
    if (of_contraction) throw std::logic_error("la2: a pass in windows of the contraction has no final state");
    final_dst_ = a.final_state;
    final_ = ws.allocate(states_bytes);
    args_.final_state = final_.as<float>();
  }
  plan_ = plan_pass(args_, options, like);
  if (!a.prior) segbuf_ = ws.allocate(plan_.segbuf_bytes);
}

void ValueTiledPass::run(int* flags, PassPart part) {
  run_pass(args_, plan_, segbuf_.as<float>(), flags, ws_.stream(), part);
  if (!final_dst_ || part == PassPart::states) return;
  const int64_t bh = args_.bh, window_elems = int64_t(tiling_.dk) * tiling_.dv;
  for (int z = 0; z < tiling_.tiles; ++z)
    tiles::scatter_tile(DType::f32, final_.as<float>() + z * bh * window_elems, tiling_.dk, tiling_.dv, DType::f32,
                        final_dst_, state_window(bh, contraction_, value_, tiling_, z, false, false), ws_.stream());
}

}  // namespace lasuite::la2
