// la2 at head dims the chunk kernels do not take: the problem cut into head-dim tiles
// (la2_head_dims_host.h), each (d tile, e tile) run by la2 itself on zero-padded copies, the outputs
// summed over the other dim's tiles in fp32 (la2_tiles.h moves them). Works for dense and packed
// problems alike (a tensor is [blocks][rows][dim] either way). Host code.
#pragma once
#include <functional>

#include "harness/implementation.h"

namespace lasuite::la2 {

using NativeForward = std::function<void(const Problem&, const ForwardIO&, Workspace&)>;
using NativeBackward = std::function<void(const Problem&, const BackwardIO&, Workspace&)>;

// `native` runs a problem of native dims (64 or 128 each); the backward recomputes what it needs (no
// saved data crosses the tiles).
void forward_in_tiles(const Problem& p, const ForwardIO& io, Workspace& ws, const NativeForward& native);
void backward_in_tiles(const Problem& p, const BackwardIO& io, Workspace& ws, const NativeBackward& native);

}  // namespace lasuite::la2
