// forward_in_tiles, backward_in_tiles (tiled_head_dims.h).
#include "kernels/common/tiled_head_dims.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/common/head_dim_tiles_host.h"
#include "kernels/common/tile_moves.h"

namespace lasuite::tiles {
namespace {

// A [blocks][rows][cols] view of a tensor: q, k, v, o ([b, h, n, dim]) or a state ([b, h, d, e]).
struct Shape3 {
  int64_t blocks, rows, cols;
};
Shape3 shape_of(const TensorView& t) { return {t.dims[0] * t.dims[1], t.dims[2], t.dims[3]}; }

TileRegion columns(const TensorView& t, const DimTile& c) {
  const Shape3 s = shape_of(t);
  return {s.blocks, s.rows, s.cols, 0, s.rows, c.begin, c.size};
}
TileRegion block(const TensorView& t, const DimTile& r, const DimTile& c) {
  const Shape3 s = shape_of(t);
  return {s.blocks, s.rows, s.cols, r.begin, r.size, c.begin, c.size};
}

// A tensor's tile at the kernels' width: the tensor itself where the tile is all of it, else a padded
// buffer (`buf` owns it).
struct Tile {
  Buffer buf;
  TensorView view;
};
Tile allocate_tile(Workspace& ws, const TensorView& like, int64_t rows, int64_t cols) {
  Tile p;
  p.view = like;
  p.view.dims[2] = rows;
  p.view.dims[3] = cols;
  p.buf = ws.allocate(p.view.bytes());
  p.view.data = p.buf.data();
  return p;
}
// The tensor itself serves: its tile is all of it, at a kernel's width or read in place.
bool serves_itself(const TensorView& t, const DimTile& c, const InPlaceWidth& in_place) {
  const int64_t width = t.dims[3];
  return c.whole(width) || (c.begin == 0 && c.size == width && in_place && in_place(width));
}
Tile input_columns(Workspace& ws, const TensorView& t, const DimTile& c, const InPlaceWidth& in_place) {
  if (serves_itself(t, c, in_place)) return {Buffer{}, t};
  Tile p = allocate_tile(ws, t, t.dims[2], c.padded);
  gather_tile(t.dtype, t.data, columns(t, c), p.view.data, t.dims[2], c.padded, ws.stream());
  return p;
}
Tile input_block(Workspace& ws, const TensorView& s, const DimTile& r, const DimTile& c) {
  if (r.whole(s.dims[2]) && c.whole(s.dims[3])) return {Buffer{}, s};
  Tile p = allocate_tile(ws, s, r.padded, c.padded);
  gather_tile(s.dtype, s.data, block(s, r, c), p.view.data, r.padded, c.padded, ws.stream());
  return p;
}
// An output block (a state's (r, c) block, written once): where the native run writes it, and the move
// into the tensor after it.
Tile output_block(Workspace& ws, const TensorView& s, const DimTile& r, const DimTile& c) {
  if (r.whole(s.dims[2]) && c.whole(s.dims[3])) return {Buffer{}, s};
  return allocate_tile(ws, s, r.padded, c.padded);
}
void finish_block(Workspace& ws, const Tile& t, const TensorView& s, const DimTile& r, const DimTile& c) {
  if (t.view.data == s.data) return;
  scatter_tile(s.dtype, t.view.data, r.padded, c.padded, s.dtype, s.data, block(s, r, c), ws.stream());
}

// The columns of tile `c` of an output, summed over `terms` native runs: written in place where one run
// gives the whole tensor, moved into it where one run gives a padded tile, else the runs' parts (each
// already rounded to the element type by its run) summed in fp32 in a padded tile's shape and rounded
// once more at the end: about twice the rounding of a native dim.
class ColumnSum {
 public:
  ColumnSum(Workspace& ws, const TensorView& out, const DimTile& c, size_t terms, const InPlaceWidth& in_place)
      : ws_(ws), out_(out), c_(c), terms_(terms), in_place_(terms == 1 && serves_itself(out, c, in_place)) {
    if (terms_ > 1) acc_ = ws.allocate(static_cast<size_t>(part_count()) * sizeof(float));
  }
  // Where run k writes its part.
  Tile part() {
    if (in_place_) return {Buffer{}, out_};
    return allocate_tile(ws_, out_, out_.dims[2], c_.padded);
  }
  // Run k (0-based) has written `part`.
  void add(size_t k, const Tile& part) {
    if (part.view.data == out_.data) return;
    if (terms_ == 1)
      scatter_tile(out_.dtype, part.view.data, out_.dims[2], c_.padded, out_.dtype, out_.data, columns(out_, c_),
                   ws_.stream());
    else
      accumulate(out_.dtype, part.view.data, acc_.as<float>(), part_count(), k > 0, ws_.stream());
  }
  void finish() {
    if (terms_ > 1)
      scatter_tile(DType::f32, acc_.data(), out_.dims[2], c_.padded, out_.dtype, out_.data, columns(out_, c_), ws_.stream());
  }

 private:
  int64_t part_count() const { return shape_of(out_).blocks * out_.dims[2] * c_.padded; }
  Workspace& ws_;
  TensorView out_;
  DimTile c_;
  size_t terms_;
  bool in_place_;  // one run writes the tensor itself
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

// The tiles of both dims; with padding only, one each.
void tiles_of(const Problem& p, Split split, std::vector<DimTile>& dt, std::vector<DimTile>& et) {
  if (split == Split::padding_only) {
    dt = {padded_dim(p.dim_qk)};
    et = {padded_dim(p.dim_v)};
    return;
  }
  dt = dim_tiles(p.dim_qk);
  et = dim_tiles(p.dim_v);
}

}  // namespace

std::unique_ptr<Saved> forward_in_tiles(const Problem& p, const ForwardIO& io, Workspace& ws, Split split,
                                        const NativeForward& native, const InPlaceWidth& in_place) {
  std::vector<DimTile> dt, et;
  tiles_of(p, split, dt, et);
  std::vector<Tile> q, k, v;
  for (const DimTile& t : dt) q.push_back(input_columns(ws, io.q, t, in_place)), k.push_back(input_columns(ws, io.k, t, in_place));
  for (const DimTile& t : et) v.push_back(input_columns(ws, io.v, t, in_place));
  const bool one_pair = dt.size() == 1 && et.size() == 1;
  std::unique_ptr<Saved> saved;
  for (size_t j = 0; j < et.size(); ++j) {
    ColumnSum o(ws, io.o, et[j], dt.size(), in_place);
    for (size_t i = 0; i < dt.size(); ++i) {
      ForwardIO t = io;
      t.q = q[i].view, t.k = k[i].view, t.v = v[j].view;
      Tile out = o.part(), s_in, s_out;
      t.o = out.view;
      if (p.state_in) t.state_in = (s_in = input_block(ws, io.state_in, dt[i], et[j])).view;
      if (p.state_out) t.state_out = (s_out = output_block(ws, io.state_out, dt[i], et[j])).view;
      std::unique_ptr<Saved> s = native(padded_problem(p, dt[i], et[j]), t, ws);
      if (one_pair) saved = std::move(s);
      o.add(i, out);
      if (p.state_out) finish_block(ws, s_out, io.state_out, dt[i], et[j]);
    }
    o.finish();
  }
  return saved;
}

void backward_in_tiles(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws, Split split, bool needs_o,
                       const NativeBackward& native, const InPlaceWidth& in_place) {
  std::vector<DimTile> dt, et;
  tiles_of(p, split, dt, et);
  const bool one_pair = dt.size() == 1 && et.size() == 1;
  std::vector<Tile> q, k, v, dout, o;
  for (const DimTile& t : dt) q.push_back(input_columns(ws, io.q, t, in_place)), k.push_back(input_columns(ws, io.k, t, in_place));
  for (const DimTile& t : et) {
    v.push_back(input_columns(ws, io.v, t, in_place));
    dout.push_back(input_columns(ws, io.dout, t, in_place));
    if (needs_o) o.push_back(input_columns(ws, io.o, t, in_place));
  }
  // dQ and dK of d tile i sum over the e tiles, dV of e tile j over the d tiles.
  std::vector<ColumnSum> dq, dk, dv;
  for (size_t i = 0; i < dt.size(); ++i) dq.emplace_back(ws, io.dq, dt[i], et.size(), in_place), dk.emplace_back(ws, io.dk, dt[i], et.size(), in_place);
  for (size_t j = 0; j < et.size(); ++j) dv.emplace_back(ws, io.dv, et[j], dt.size(), in_place);
  for (size_t i = 0; i < dt.size(); ++i)
    for (size_t j = 0; j < et.size(); ++j) {
      BackwardIO t = io;
      t.q = q[i].view, t.k = k[i].view, t.v = v[j].view, t.dout = dout[j].view;
      t.o = needs_o ? o[j].view : TensorView{};
      Tile gq = dq[i].part(), gk = dk[i].part(), gv = dv[j].part(), s_in, ds_out, ds_in;
      t.dq = gq.view, t.dk = gk.view, t.dv = gv.view;
      if (p.state_in) {
        t.state_in = (s_in = input_block(ws, io.state_in, dt[i], et[j])).view;
        t.dstate_in = (ds_in = output_block(ws, io.dstate_in, dt[i], et[j])).view;
      }
      if (p.state_out) t.dstate_out = (ds_out = input_block(ws, io.dstate_out, dt[i], et[j])).view;
      native(padded_problem(p, dt[i], et[j]), t, one_pair ? saved : nullptr, ws);
      dq[i].add(j, gq);
      dk[i].add(j, gk);
      dv[j].add(i, gv);
      if (p.state_in) finish_block(ws, ds_in, io.dstate_in, dt[i], et[j]);
    }
  for (ColumnSum& s : dq) s.finish();
  for (ColumnSum& s : dk) s.finish();
  for (ColumnSum& s : dv) s.finish();
}

}  // namespace lasuite::tiles
