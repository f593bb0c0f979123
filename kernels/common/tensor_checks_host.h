// Argument checks a GPU implementation runs before any launch: every tensor of the call on the right
// device, of the right type and shape for the problem, aligned for 16-byte vector access. A mismatch
// throws UnsupportedError naming the tensor, so a bad call is refused before anything runs.
#pragma once
#include <cstddef>

#include "harness/implementation.h"

namespace lasuite::host {

// Inputs q, k, v (and slopes for linear attention), the output o, and the [b, h, d, e] fp32 states the
// problem has (state_in, state_out); implementations without states refuse those in unsupported().
void check_forward_io(const Problem& p, const ForwardIO& io, DeviceKind device, size_t alignment);
// As above, plus dout and the gradients dq, dk, dv (o only where `needs_o`), and for states
// state_in with dstate_in, and dstate_out.
void check_backward_io(const Problem& p, const BackwardIO& io, DeviceKind device, size_t alignment, bool needs_o);

}  // namespace lasuite::host
