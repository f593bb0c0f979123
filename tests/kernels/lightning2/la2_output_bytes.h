// Every output of one forward and backward with states on a device (the GPU, or the CPU), as bytes (O, dQ, dK, dV, S_out,
// dS_in), for the tests that compare two runs bit for bit. Each output is filled with NaN bytes first,
// so an element never written shows.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "harness/backend.h"
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
  f.state_out = view_of(s_out, DType::f32, dev, state_dims(p));
  auto saved = impl.forward(p, f, ws);
  BackwardIO b = backward_io(in, f.o, view_of(dq, p.dtype, dev, qk_dims(p)),
                             view_of(dk, p.dtype, dev, qk_dims(p)),
                             view_of(dv, p.dtype, dev, v_dims(p)));
  b.dstate_in = view_of(ds_in, DType::f32, dev, state_dims(p));
  impl.backward(p, b, backward_reads_forward ? saved.get() : nullptr, ws);
  backend.synchronize();
  OutputBytes host;
  for (auto& [name, buf] : std::vector<std::pair<std::string, const Buffer*>>{
           {"O", &o}, {"dQ", &dq}, {"dK", &dk}, {"dV", &dv}, {"S_out", &s_out}, {"dS_in", &ds_in}}) {
    host[name].resize(buf->bytes());
    backend.copy_to_host(host[name].data(), buf->data(), buf->bytes());
  }
  return host;
}

}  // namespace lasuite::test_support
