#include "harness/inputs.h"

#include <algorithm>
#include <vector>

namespace lasuite {

namespace {

// splitmix64: fast, seedable, and good enough to make inputs that are neither zero nor structured.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

TensorView view_of(const Buffer& buffer, DType dtype, DeviceKind device, std::array<int64_t, 4> dims) {
  TensorView t;
  t.data = buffer.data();
  t.dtype = dtype;
  t.device = device;
  t.dims = dims;
  return t;
}

void fill_random(Backend& backend, const TensorView& t, uint64_t seed, double amplitude) {
  const size_t count = static_cast<size_t>(t.numel());
  const size_t chunk = std::min<size_t>(count, size_t(1) << 20);
  const size_t elem = dtype_size(t.dtype);
  std::vector<double> values(chunk);
  std::vector<unsigned char> converted(chunk * elem);
  uint64_t state = seed * 0x2545F4914F6CDD1Dull + 1;
  for (size_t done = 0; done < count; done += chunk) {
    size_t n = std::min(chunk, count - done);
    for (size_t i = 0; i < n; ++i) {
      // 53 random bits to [0, 1), then to [-amplitude, amplitude).
      double u = static_cast<double>(next_random(state) >> 11) * (1.0 / 9007199254740992.0);
      values[i] = amplitude * (2.0 * u - 1.0);
    }
    convert_from_f64(values.data(), converted.data(), t.dtype, n);
    backend.copy_from_host(static_cast<unsigned char*>(t.data) + done * elem, converted.data(), n * elem);
  }
}

std::array<int64_t, 4> qk_dims(const Problem& p) { return {p.batch, p.heads, p.seqlen, p.dim_qk}; }
std::array<int64_t, 4> v_dims(const Problem& p) { return {p.batch, p.heads, p.seqlen, p.dim_v}; }
std::array<int64_t, 4> state_dims(const Problem& p) { return {p.batch, p.heads, p.dim_qk, p.dim_v}; }

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
  auto make = [&](Buffer& buf, TensorView& view, std::array<int64_t, 4> dims, DType dtype, uint64_t salt,
                  double amplitude) {
    buf = ws.allocate(tensor_bytes(dims, dtype), MemoryCategory::inputs);
    view = view_of(buf, dtype, device, dims);
    fill_random(backend, view, seed * 1000003u + salt, amplitude);
  };
  make(in.q, in.q_view, qk_dims(p), p.dtype, 1, 1.0);
  make(in.k, in.k_view, qk_dims(p), p.dtype, 2, 1.0);
  make(in.v, in.v_view, v_dims(p), p.dtype, 3, 1.0);
  if (with_dout) make(in.dout, in.dout_view, v_dims(p), p.dtype, 4, 1.0);
  if (p.state_in) make(in.state_in, in.state_in_view, state_dims(p), DType::f32, 5, 1.0);
  if (p.state_out && with_dout) make(in.dstate_out, in.dstate_out_view, state_dims(p), DType::f32, 6, 1.0);

  std::vector<float> slopes(static_cast<size_t>(p.heads));
  for (int64_t h = 0; h < p.heads; ++h) slopes[static_cast<size_t>(h)] = static_cast<float>(p.slope(h));
  std::array<int64_t, 4> slope_dims{1, 1, 1, p.heads};
  in.slopes = ws.allocate(tensor_bytes(slope_dims, DType::f32), MemoryCategory::inputs);
  in.slopes_view = view_of(in.slopes, DType::f32, device, slope_dims);
  backend.copy_from_host(in.slopes.data(), slopes.data(), slopes.size() * sizeof(float));
  return in;
}

}  // namespace lasuite
