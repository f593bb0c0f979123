#include "kernels/common/tensor_checks_host.h"

#include <array>
#include <cstdint>
#include <string>

#include "harness/errors.h"

namespace lasuite::host {
namespace {

std::string dims_text(const std::array<int64_t, 4>& d) {
  return "[" + std::to_string(d[0]) + ", " + std::to_string(d[1]) + ", " + std::to_string(d[2]) + ", " +
         std::to_string(d[3]) + "]";
}

void check(const TensorView& t, const char* name, DType dtype, DeviceKind device,
           const std::array<int64_t, 4>& dims, size_t alignment) {
  const std::string who = std::string("tensor ") + name;
  if (!t.defined()) throw UnsupportedError(who + " is missing");
  if (t.device != device)
    throw UnsupportedError(who + " is on " + device_name(t.device) + ", expected " + device_name(device));
  if (t.dtype != dtype) throw UnsupportedError(who + " is " + dtype_name(t.dtype) + ", expected " + dtype_name(dtype));
  if (t.dims != dims) throw UnsupportedError(who + " has shape " + dims_text(t.dims) + ", expected " + dims_text(dims));
  if (reinterpret_cast<uintptr_t>(t.data) % alignment != 0)
    throw UnsupportedError(who + " is not " + std::to_string(alignment) + "-byte aligned");
}

void check_slopes(const Problem& p, const TensorView& slopes, DeviceKind device) {
  if (p.function != Function::linear_decay) return;
  const std::string who = "tensor slopes";
  if (!slopes.defined()) throw UnsupportedError(who + " is missing");
  if (slopes.device != device || slopes.dtype != DType::f32 || slopes.numel() != p.heads)
    throw UnsupportedError(who + " must be " + std::to_string(p.heads) + " fp32 values on " + device_name(device));
}

struct Shapes {
  std::array<int64_t, 4> qk, vo, k, v, state;
  explicit Shapes(const Problem& p)
      : qk{p.batch, p.heads, p.seqlen, p.dim_qk},
        vo{p.batch, p.heads, p.seqlen, p.dim_v},
        k{p.batch, p.heads, p.kv_rows(), p.dim_qk},  // a KV cache's rows ahead of the queries'
        v{p.batch, p.heads, p.kv_rows(), p.dim_v},
        state{p.sequences(), p.heads, p.dim_qk, p.dim_v} {}  // [N, h, d, e] for a packed problem
};

}  // namespace

void check_forward_io(const Problem& p, const ForwardIO& io, DeviceKind device, size_t alignment) {
  const Shapes s(p);
  check(io.q, "q", p.dtype, device, s.qk, alignment);
  check(io.k, "k", p.dtype, device, s.k, alignment);
  check(io.v, "v", p.dtype, device, s.v, alignment);
  check(io.o, "o", p.dtype, device, s.vo, alignment);
  check_slopes(p, io.slopes, device);
  if (p.state_in) check(io.state_in, "state_in", DType::f32, device, s.state, alignment);
  if (p.state_out) check(io.state_out, "state_out", DType::f32, device, s.state, alignment);
}

void check_backward_io(const Problem& p, const BackwardIO& io, DeviceKind device, size_t alignment, bool needs_o) {
  const Shapes s(p);
  check(io.q, "q", p.dtype, device, s.qk, alignment);
  check(io.k, "k", p.dtype, device, s.k, alignment);
  check(io.v, "v", p.dtype, device, s.v, alignment);
  if (needs_o) check(io.o, "o", p.dtype, device, s.vo, alignment);
  check(io.dout, "dout", p.dtype, device, s.vo, alignment);
  check(io.dq, "dq", p.dtype, device, s.qk, alignment);
  check(io.dk, "dk", p.dtype, device, s.qk, alignment);
  check(io.dv, "dv", p.dtype, device, s.vo, alignment);
  check_slopes(p, io.slopes, device);
  if (p.state_in) {
    check(io.state_in, "state_in", DType::f32, device, s.state, alignment);
    check(io.dstate_in, "dstate_in", DType::f32, device, s.state, alignment);
  }
  if (p.state_out) check(io.dstate_out, "dstate_out", DType::f32, device, s.state, alignment);
}

}  // namespace lasuite::host
