// Passes at head dims past 128 (up to 256, multiples of 8), with no copies of q, k, v or o: a pass's
// contraction is read whole and in place by a kernel at least as wide as it (64, 128, 192 or 256), and
// its value columns are cut into windows of that kernel's value width (128, or 64 beside the
// contractions past 128), each window run by blocks of the same launch (PassArgs::value_tiles). A
// window of the value columns is exact on its own (math.md: the function is separable in e), so nothing is summed;
// what it costs is the contraction's products once per window. The states (a few d x e matrices a
// head) are moved into and out of the windows' padded layout (la2_value_tiled_pass.h runs such a pass).
// Host code, no CUDA.
#pragma once
#include <cstdint>

#include "kernels/common/tile_moves.h"

namespace lasuite::la2 {

// The kernel (dk x dv) and the number of value windows a pass over `contraction` x `value` columns runs
// on.
struct ValueTiling {
  int dk = 0, dv = 0, tiles = 0;
};
ValueTiling value_tiling(int64_t contraction, int64_t value);

// The windows of a pass whose contraction is cut instead (PassArgs::contraction_windows; the value at most
// 128, the contraction past 128 and at most 256): the 128 x 128 kernel, two windows of the contraction.
ValueTiling contraction_tiling(int64_t contraction, int64_t value);

// Window z's block of a pass's state in the problem's layout, [bh][contraction][value] or, `transposed`,
// [bh][value][contraction]: the window's columns of the value (value tiles: step t.dv) or, `of_contraction`,
// its rows of the contraction (step t.dk); the last window's block is what is left. What ValueTiledPass moves
// into and out of the windows' padded layout.
tiles::TileRegion state_window(int64_t bh, int64_t contraction, int64_t value, const ValueTiling& t, int z, bool transposed,
                               bool of_contraction);

// Whether a backward at d x e runs in windows of e (la2_cuda.cpp): 64 < d <= 128 < e <= 256, multiples of 8.
// Its dQ pass then runs in windows of its contraction (e) and dK with dV as one reverse pass in value windows
// (of e), both the windowed 128 x 128 kernel's, and dQ and dK are each the sum of two windows' partial sums,
// where the three-pass backward's dQ and dK passes contract over the whole of e on the 256 x 64 kernel.
bool window_backward_dims(int64_t d, int64_t e);

// Whether head dims d x e run as value-tiled passes: one past 128, both at most 256 and multiples of 8
// (rows read as 16-byte pieces). The device and dtype are for the caller to check (wide_kernels_usable).
bool value_tiled_dims(int64_t d, int64_t e);

// The most value windows any of the four passes at d x e runs: bh times this is the passes' grid rows
// and states, of which the scan kernel takes at most kMaxValueTiledRows (its grid's y dimension).
int max_value_tiles(int64_t d, int64_t e);
constexpr int64_t kMaxValueTiledRows = 65535;

}  // namespace lasuite::la2
