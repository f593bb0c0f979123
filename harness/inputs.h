// Random inputs on an implementation's device, made once per problem and counted as inputs, so the
// harness never times or checks zeros and the implementation's own memory stays apart.
#pragma once
#include <cstdint>

#include "harness/implementation.h"
#include "harness/memory.h"

namespace lasuite {

// A view of a whole buffer as a [d0, d1, d2, d3] tensor of the given type on the buffer's device.
TensorView view_of(const Buffer& buffer, DType dtype, DeviceKind device, std::array<int64_t, 4> dims);

// Everything forward and backward read: q, k, v, slopes (fp32, [heads]; zeros without decay), the
// output cotangent dout (when with_dout), and the fp32 states the problem asks for. Allocated with
// MemoryCategory::inputs through ws.
struct ProblemInputs {
  Buffer q, k, v, slopes, dout, state_in, dstate_out;
  TensorView q_view, k_view, v_view, slopes_view, dout_view, state_in_view, dstate_out_view;
};
ProblemInputs make_inputs(const Problem& p, Workspace& ws, DeviceKind device, uint64_t seed, bool with_dout);

// The argument structs of one run over these inputs (states left undefined unless the problem has them
// and the inputs carry them).
ForwardIO forward_io(const ProblemInputs& in, const TensorView& o);
BackwardIO backward_io(const ProblemInputs& in, const TensorView& o, const TensorView& dq, const TensorView& dk,
                       const TensorView& dv);

// The problem's tensor shapes.
std::array<int64_t, 4> qk_dims(const Problem& p);
std::array<int64_t, 4> v_dims(const Problem& p);  // o, dout, dv; and v without a KV cache
// k and v: the queries' rows, after Problem::context cached ones.
std::array<int64_t, 4> key_dims(const Problem& p);
std::array<int64_t, 4> value_dims(const Problem& p);
std::array<int64_t, 4> state_dims(const Problem& p);
size_t tensor_bytes(std::array<int64_t, 4> dims, DType dtype);

}  // namespace lasuite
