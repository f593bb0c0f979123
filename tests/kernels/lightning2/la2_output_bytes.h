// Every output of one forward and backward on a device (the GPU, or the CPU), as bytes (O, dQ, dK, dV, and S_out and
// dS_in where the problem has them), for the tests that compare two runs bit for bit. Each output is filled with NaN
// bytes first, so an element never written shows: two runs that both leave it are the same bytes, so a comparison
// also wants expect_written (every element finite) on one side.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "harness/backend.h"
#include "harness/dtype.h"
#include "harness/implementation.h"
#include "harness/inputs.h"
#include "harness/memory.h"

namespace lasuite::test_support {

using OutputBytes = std::map<std::string, std::vector<uint8_t>>;

// How many bytes of two outputs of one size differ.
inline size_t bytes_differing(const std::vector<uint8_t>& x, const std::vector<uint8_t>& y) {
  size_t differ = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) differ += x[i] != y[i];
  return differ;
}

// The element type of an output: the states fp32, the rest the problem's.
inline DType output_dtype(const std::string& name, DType problem_dtype) {
  return name == "S_out" || name == "dS_in" ? DType::f32 : problem_dtype;
}

// How many elements of an output are NaN or infinite: the fill where nothing was written.
inline size_t non_finite_elements(const std::vector<uint8_t>& bytes, DType t) {
  std::vector<double> values(bytes.size() / dtype_size(t));
  convert_to_f64(bytes.data(), t, values.data(), values.size());
  return static_cast<size_t>(std::count_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }));
}

// Every output written, and finite (the inputs are finite, so a NaN is an element no run wrote).
inline void expect_written(const OutputBytes& out, DType problem_dtype, const std::string& what) {
  for (const auto& [name, bytes] : out)
    EXPECT_EQ(non_finite_elements(bytes, output_dtype(name, problem_dtype)), 0u)
        << what << " " << name << ": elements not finite (never written?)";
}

// backward_reads_forward: the backward gets the forward's saved data; else none, as a backward run on
// its own (or a packed batch's sequences) computes its own.
inline OutputBytes forward_backward_bytes(Backend& backend, Implementation& impl, const Problem& p,
                                          const ProblemInputs& in, Workspace& ws, bool backward_reads_forward) {
  const DeviceKind dev = backend.kind();
  auto out = [&](std::array<int64_t, 4> dims, DType t) {
    Buffer b = ws.allocate(tensor_bytes(dims, t), MemoryCategory::outputs);
    backend.fill_bytes(b.data(), 0xff, b.bytes());
    return b;
  };
  Buffer o = out(v_dims(p), p.dtype), dq = out(qk_dims(p), p.dtype), dk = out(qk_dims(p), p.dtype),
         dv = out(v_dims(p), p.dtype), s_out = out(state_dims(p), DType::f32), ds_in = out(state_dims(p), DType::f32);
  ForwardIO f = forward_io(in, view_of(o, p.dtype, dev, v_dims(p)));
  if (p.state_out) f.state_out = view_of(s_out, DType::f32, dev, state_dims(p));
  auto saved = impl.forward(p, f, ws);
  BackwardIO b = backward_io(in, f.o, view_of(dq, p.dtype, dev, qk_dims(p)),
                             view_of(dk, p.dtype, dev, qk_dims(p)),
                             view_of(dv, p.dtype, dev, v_dims(p)));
  if (p.state_in) b.dstate_in = view_of(ds_in, DType::f32, dev, state_dims(p));
  impl.backward(p, b, backward_reads_forward ? saved.get() : nullptr, ws);
  backend.synchronize();
  std::vector<std::pair<std::string, const Buffer*>> outputs = {{"O", &o}, {"dQ", &dq}, {"dK", &dk}, {"dV", &dv}};
  if (p.state_out) outputs.push_back({"S_out", &s_out});
  if (p.state_in) outputs.push_back({"dS_in", &ds_in});
  OutputBytes host;
  for (auto& [name, buf] : outputs) {
    host[name].resize(buf->bytes());
    backend.copy_to_host(host[name].data(), buf->data(), buf->bytes());
  }
  return host;
}

}  // namespace lasuite::test_support
