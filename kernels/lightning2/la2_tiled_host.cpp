// forward_in_tiles, backward_in_tiles (la2_tiled_host.h).
#include "kernels/lightning2/la2_tiled_host.h"

#include <cstdint>
#include <vector>

#include "kernels/lightning2/la2_head_dims_host.h"
#include "kernels/lightning2/la2_tiles.h"

namespace lasuite::la2 {
namespace {

// A [blocks][rows][cols] view of a tensor: q, k, v, o ([b, h, n, dim]) or a state ([b, h, d, e]).
struct Shape3 {
  int64_t blocks, rows, cols;
};
Shape3 shape_of(const TensorView& t) { return {t.dims[0] * t.dims[1], t.dims[2], t.dims[3]}; }

TileRegion columns(const Shape3& s, const DimTile& c) { return {s.blocks, s.rows, s.cols, 0, s.rows, c.begin, c.size}; }
TileRegion block(const Shape3& s, const DimTile& r, const DimTile& c) {
  return {s.blocks, s.rows, s.cols, r.begin, r.size, c.begin, c.size};
}

// A padded copy of a tensor: its tile of columns (rows: all), or of a state (rows and columns).
struct Padded {
  Buffer buf;
  TensorView view;
};
Padded allocate_padded(Workspace& ws, const TensorView& like, int64_t rows, int64_t cols) {
  Padded p;
  p.view = like;
  p.view.dims[2] = rows;
  p.view.dims[3] = cols;
  p.buf = ws.allocate(p.view.bytes());
  p.view.data = p.buf.data();
  return p;
}
Padded gather_columns(Workspace& ws, const TensorView& t, const DimTile& c) {
  Padded p = allocate_padded(ws, t, t.dims[2], c.padded);
  gather_tile(t.dtype, t.data, columns(shape_of(t), c), p.view.data, t.dims[2], c.padded, ws.stream());
  return p;
}
Padded gather_state(Workspace& ws, const TensorView& s, const DimTile& r, const DimTile& c) {
  Padded p = allocate_padded(ws, s, r.padded, c.padded);
  gather_tile(s.dtype, s.data, block(shape_of(s), r, c), p.view.data, r.padded, c.padded, ws.stream());
  return p;
}

// An output summed over tiles: written straight into the tensor when one tile gives it, else summed
// in fp32 and converted once at the end.
class Sum {
 public:
  Sum(Workspace& ws, const TensorView& out, size_t terms) : ws_(ws), out_(out), terms_(terms) {
    if (terms_ > 1) acc_ = ws.allocate(static_cast<size_t>(out.numel()) * sizeof(float));
  }
  // Adds term `k` (0-based), the padded tile `part` of columns `c`.
  void add(size_t k, const Padded& part, const DimTile& c) {
    const TileRegion region = columns(shape_of(out_), c);
    if (terms_ == 1)
      scatter_tile(out_.dtype, part.view.data, part.view.dims[2], part.view.dims[3], out_.data, region, ws_.stream());
    else
      accumulate_tile(out_.dtype, part.view.data, part.view.dims[2], part.view.dims[3], acc_.as<float>(), region, k > 0,
                      ws_.stream());
  }
  void finish() {
    if (terms_ > 1) convert_from_f32(acc_.as<float>(), out_.dtype, out_.data, out_.numel(), ws_.stream());
  }

 private:
  Workspace& ws_;
  TensorView out_;
  size_t terms_;
  Buffer acc_;
};

Problem padded_problem(const Problem& p, const DimTile& d, const DimTile& e) {
  Problem t = p;
  t.dim_qk = d.padded;
  t.dim_v = e.padded;
  // The padding adds no term to the scores, so the scale stays the problem's (by default 1/sqrt(d)).
  t.scale = p.effective_scale();
  return t;
}

}  // namespace

void forward_in_tiles(const Problem& p, const ForwardIO& io, Workspace& ws, const NativeForward& native) {
  const std::vector<DimTile> dt = dim_tiles(p.dim_qk), et = dim_tiles(p.dim_v);
  std::vector<Padded> q, k, v;
  for (const DimTile& t : dt) q.push_back(gather_columns(ws, io.q, t)), k.push_back(gather_columns(ws, io.k, t));
  for (const DimTile& t : et) v.push_back(gather_columns(ws, io.v, t));
  for (size_t j = 0; j < et.size(); ++j) {
    Sum o(ws, io.o, dt.size());
    for (size_t i = 0; i < dt.size(); ++i) {
      ForwardIO t = io;
      t.q = q[i].view, t.k = k[i].view, t.v = v[j].view;
      Padded out = allocate_padded(ws, io.o, io.o.dims[2], et[j].padded), s_in, s_out;
      t.o = out.view;
      if (p.state_in) t.state_in = (s_in = gather_state(ws, io.state_in, dt[i], et[j])).view;
      if (p.state_out) t.state_out = (s_out = allocate_padded(ws, io.state_out, dt[i].padded, et[j].padded)).view;
      native(padded_problem(p, dt[i], et[j]), t, ws);
      o.add(i, out, et[j]);
      if (p.state_out)
        scatter_tile(DType::f32, s_out.view.data, dt[i].padded, et[j].padded, io.state_out.data,
                     block(shape_of(io.state_out), dt[i], et[j]), ws.stream());
    }
    o.finish();
  }
}

void backward_in_tiles(const Problem& p, const BackwardIO& io, Workspace& ws, const NativeBackward& native) {
  const std::vector<DimTile> dt = dim_tiles(p.dim_qk), et = dim_tiles(p.dim_v);
  std::vector<Padded> q, k, v, dout;
  for (const DimTile& t : dt) q.push_back(gather_columns(ws, io.q, t)), k.push_back(gather_columns(ws, io.k, t));
  for (const DimTile& t : et) v.push_back(gather_columns(ws, io.v, t)), dout.push_back(gather_columns(ws, io.dout, t));
  // dQ and dK of d tile i sum over the e tiles, dV of e tile j over the d tiles.
  std::vector<Sum> dq, dk, dv;
  for (size_t i = 0; i < dt.size(); ++i) dq.emplace_back(ws, io.dq, et.size()), dk.emplace_back(ws, io.dk, et.size());
  for (size_t j = 0; j < et.size(); ++j) dv.emplace_back(ws, io.dv, dt.size());
  for (size_t i = 0; i < dt.size(); ++i)
    for (size_t j = 0; j < et.size(); ++j) {
      BackwardIO t = io;
      t.q = q[i].view, t.k = k[i].view, t.v = v[j].view, t.dout = dout[j].view;
      t.o = TensorView{};  // la2's backward does not read O
      Padded gq = allocate_padded(ws, io.dq, io.dq.dims[2], dt[i].padded),
             gk = allocate_padded(ws, io.dk, io.dk.dims[2], dt[i].padded),
             gv = allocate_padded(ws, io.dv, io.dv.dims[2], et[j].padded), s_in, ds_out, ds_in;
      t.dq = gq.view, t.dk = gk.view, t.dv = gv.view;
      if (p.state_in) {
        t.state_in = (s_in = gather_state(ws, io.state_in, dt[i], et[j])).view;
        t.dstate_in = (ds_in = allocate_padded(ws, io.dstate_in, dt[i].padded, et[j].padded)).view;
      }
      if (p.state_out) t.dstate_out = (ds_out = gather_state(ws, io.dstate_out, dt[i], et[j])).view;
      native(padded_problem(p, dt[i], et[j]), t, ws);
      dq[i].add(j, gq, dt[i]);
      dk[i].add(j, gk, dt[i]);
      dv[j].add(i, gv, et[j]);
      if (p.state_in)
        scatter_tile(DType::f32, ds_in.view.data, dt[i].padded, et[j].padded, io.dstate_in.data,
                     block(shape_of(io.dstate_in), dt[i], et[j]), ws.stream());
    }
  for (Sum& s : dq) s.finish();
  for (Sum& s : dk) s.finish();
  for (Sum& s : dv) s.finish();
}

}  // namespace lasuite::la2
