#include "harness/inputs.h"

#include <algorithm>
#include <vector>

#include "harness/random_stream.h"

namespace lasuite {

TensorView view_of(const Buffer& buffer, DType dtype, DeviceKind device, std::array<int64_t, 4> dims) {
  TensorView t;
  t.data = buffer.data();
  t.dtype = dtype;
  t.device = device;
  t.dims = dims;
  return t;
}

std::array<int64_t, 4> qk_dims(const Problem& p) { return {p.batch, p.heads, p.seqlen, p.dim_qk}; }
std::array<int64_t, 4> v_dims(const Problem& p) { return {p.batch, p.heads, p.seqlen, p.dim_v}; }
std::array<int64_t, 4> key_dims(const Problem& p) { return {p.batch, p.heads, p.kv_rows(), p.dim_qk}; }
std::array<int64_t, 4> value_dims(const Problem& p) { return {p.batch, p.heads, p.kv_rows(), p.dim_v}; }
std::array<int64_t, 4> state_dims(const Problem& p) { return {p.sequences(), p.heads, p.dim_qk, p.dim_v}; }

size_t tensor_bytes(std::array<int64_t, 4> dims, DType dtype) {
  return static_cast<size_t>(dims[0] * dims[1] * dims[2] * dims[3]) * dtype_size(dtype);
}

ForwardIO forward_io(const ProblemInputs& in, const TensorView& o) {
  ForwardIO io;
  io.q = in.q_view;
  io.k = in.k_view;
  io.v = in.v_view;
  io.slopes = in.slopes_view;
  io.state_in = in.state_in_view;
  io.o = o;
  return io;
}

BackwardIO backward_io(const ProblemInputs& in, const TensorView& o, const TensorView& dq, const TensorView& dk,
                       const TensorView& dv) {
  BackwardIO io;
  io.q = in.q_view;
  io.k = in.k_view;
  io.v = in.v_view;
  io.o = o;
  io.slopes = in.slopes_view;
  io.state_in = in.state_in_view;
  io.dout = in.dout_view;
  io.dstate_out = in.dstate_out_view;
  io.dq = dq;
  io.dk = dk;
  io.dv = dv;
  return io;
}

ProblemInputs make_inputs(const Problem& p, Workspace& ws, DeviceKind device, uint64_t seed, bool with_dout) {
  ProblemInputs in;
  Backend& backend = ws.backend();
  // Uniform in [-1, 1): one seeded stream per tensor, made on every host core (random_stream.h).
  auto make = [&](Buffer& buf, TensorView& view, std::array<int64_t, 4> dims, DType dtype, uint64_t stream) {
    buf = ws.allocate(tensor_bytes(dims, dtype), MemoryCategory::inputs);
    view = view_of(buf, dtype, device, dims);
    random_stream_fill(backend, view.data, dtype, static_cast<size_t>(view.numel()), seed, stream, 1.0);
  };
  make(in.q, in.q_view, qk_dims(p), p.dtype, 1);
  make(in.k, in.k_view, key_dims(p), p.dtype, 2);
  make(in.v, in.v_view, value_dims(p), p.dtype, 3);
  if (with_dout) make(in.dout, in.dout_view, v_dims(p), p.dtype, 4);
  if (p.state_in) make(in.state_in, in.state_in_view, state_dims(p), DType::f32, 5);
  if (p.state_out && with_dout) make(in.dstate_out, in.dstate_out_view, state_dims(p), DType::f32, 6);

  std::vector<float> slopes(static_cast<size_t>(p.heads));
  for (int64_t h = 0; h < p.heads; ++h) slopes[static_cast<size_t>(h)] = static_cast<float>(p.slope(h));
  std::array<int64_t, 4> slope_dims{1, 1, 1, p.heads};
  in.slopes = ws.allocate(tensor_bytes(slope_dims, DType::f32), MemoryCategory::inputs);
  in.slopes_view = view_of(in.slopes, DType::f32, device, slope_dims);
  backend.copy_from_host(in.slopes.data(), slopes.data(), slopes.size() * sizeof(float));
  return in;
}

}  // namespace lasuite
