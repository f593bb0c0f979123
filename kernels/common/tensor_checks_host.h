// Argument checks a GPU implementation runs before any launch: every tensor of the call on the right
// device, of the right type and shape for the problem, aligned for 16-byte vector access. A mismatch
// throws UnsupportedError naming the tensor, so a bad call is refused before anything runs.
#pragma once
#include <cstddef>

#include "harness/implementation.h"

namespace lasuite::host {

// Inputs q, k, v (and slopes for linear attention) and the output o. States are not checked: the
// callers of this support none and refuse problems with one in unsupported().
void check_forward_io(const Problem& p, const ForwardIO& io, DeviceKind device, size_t alignment);
// As above, plus dout and the gradients dq, dk, dv; o only where `needs_o`.
void check_backward_io(const Problem& p, const BackwardIO& io, DeviceKind device, size_t alignment, bool needs_o);

}  // namespace lasuite::host
