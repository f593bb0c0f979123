// A family at head dims its kernels do not take: the problem cut into head-dim tiles
// (head_dim_tiles_host.h), each (d tile, e tile) pair run by the family itself on zero-padded copies
// (a tile that is a whole dim at a kernel's width is used in place), the outputs summed over the other
// dim's tiles in fp32 (tile_moves.h moves them). Works for dense and packed problems alike (a tensor is
// [blocks][rows][dim] either way). Host code, built only with CUDA (the moves are kernels).
#pragma once
#include <functional>
#include <memory>

#include "harness/implementation.h"

namespace lasuite::tiles {

// `native` runs a problem of the tiles' padded dims (64 or 128 each; softmax's may be 256).
using NativeForward = std::function<std::unique_ptr<Saved>(const Problem&, const ForwardIO&, Workspace&)>;
using NativeBackward = std::function<void(const Problem&, const BackwardIO&, Saved*, Workspace&)>;

// Linear attention: any split. Softmax: padding only (one tile a dim, to 64, 128 or 256), one pair.
enum class Split { linear, padding_only };

// Whether the native kernels read and write a tensor of this width (a dim up to 128 that is not one of
// theirs) in place, as if padded with zero columns to the tile's width (row stride its own): then no
// copy is made of it. Empty: never.
using InPlaceWidth = std::function<bool(int64_t width)>;

// Returns the native forward's saved data where the problem is one (d tile, e tile) pair (always with
// padding only; dims up to 128 when split), else nothing (the native backward then recomputes what it needs).
std::unique_ptr<Saved> forward_in_tiles(const Problem& p, const ForwardIO& io, Workspace& ws, Split split,
                                        const NativeForward& native, const InPlaceWidth& in_place = {});
// `saved`: what forward_in_tiles returned. `needs_o`: the native backward reads O (softmax's D = rowsum(dO O)).
void backward_in_tiles(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws, Split split, bool needs_o,
                       const NativeBackward& native, const InPlaceWidth& in_place = {});

}  // namespace lasuite::tiles
