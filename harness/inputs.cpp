#include "harness/inputs.h"

#include <algorithm>
#include <vector>

#include "harness/parallel.h"

namespace lasuite {

namespace {

// Counter-based (splitmix64's finaliser of seed and index): element i gets the same value however
// the tensor is split into blocks and threads.
inline double uniform_pm1(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return 2.0 * (static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0)) - 1.0;  // [-1, 1)
}

void generate(void* dst, DType t, uint64_t first, size_t count, uint64_t seed, double amplitude) {
  for (size_t i = 0; i < count; ++i) {
    const double x = amplitude * uniform_pm1(seed, first + i);
    switch (t) {
      case DType::f64: static_cast<double*>(dst)[i] = x; break;
      case DType::f32: static_cast<float*>(dst)[i] = static_cast<float>(x); break;
      case DType::bf16: static_cast<uint16_t*>(dst)[i] = float_to_bf16_bits(static_cast<float>(x)); break;
      case DType::f16: static_cast<uint16_t*>(dst)[i] = float_to_f16_bits(static_cast<float>(x)); break;
    }
  }
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
  // Blocks of 16M elements made on every host core, then one copy each: a 128k-token tensor of 32
  // heads (half a billion elements) takes seconds, not minutes, and host memory stays bounded.
  const size_t count = static_cast<size_t>(t.numel());
  const size_t elem = dtype_size(t.dtype);
  const size_t block = std::min<size_t>(count, size_t(1) << 24);
  std::vector<unsigned char> host(block * elem);
  for (size_t done = 0; done < count; done += block) {
    const size_t n = std::min(block, count - done);
    parallel_for(n, size_t(1) << 16, [&](size_t begin, size_t end) {
      generate(host.data() + begin * elem, t.dtype, done + begin, end - begin, seed, amplitude);
    });
    backend.copy_from_host(static_cast<unsigned char*>(t.data) + done * elem, host.data(), n * elem);
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
