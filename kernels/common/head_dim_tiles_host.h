// Head dims a family's kernels do not take (any d, e in 1..256 other than 64 and 128): each dim is cut
// into tiles of at most 128 and each tile padded with zeros to 64 or 128, a width the kernels have.
// Linear attention (la1, la2) is linear in such a split (math.md): with Q, K cut along d into Q_i, K_i
// and V along e into V_j, the state splits into blocks S_ij and
//   O[:, j] = sum_i LA(Q_i, K_i, V_j; S_ij),   S_out[i, j] = its block,
// and likewise the gradients: dQ[:, i] and dK[:, i] sum over j, dV[:, j] over i, dS_in[i, j] is a block.
// Softmax is not (its scores must be whole before the exponential): it takes padding alone, one tile a
// dim, to 64, 128 or 256. Zero columns add nothing to any product, so a padded tile computes what the
// unpadded one would.
// Host code, no CUDA.
#pragma once
#include <cstdint>
#include <vector>

namespace lasuite::tiles {

constexpr int64_t kMaxHeadDim = 256;

struct DimTile {
  int64_t begin = 0, size = 0;  // columns [begin, begin + size) of the problem's dim
  int padded = 0;               // the kernel's width, >= size: 64 or 128 (256 for a softmax tile)
  // The tile is the whole dim at a width the kernels take: the tensor itself serves, no copy.
  bool whole(int64_t dim) const { return begin == 0 && size == dim && padded == dim; }
};

// The tiles of a dim in 1..kMaxHeadDim: one tile up to 128 columns, two beyond (the first of 128).
// A dim of 64 or 128 is one tile of its own width (no padding). Throws outside 1..kMaxHeadDim.
std::vector<DimTile> dim_tiles(int64_t dim);
// The whole dim as one tile, padded to the first of 64, 128 and 256 that holds it (softmax's padding).
// Throws outside 1..kMaxHeadDim.
DimTile padded_dim(int64_t dim);

// True when a dim runs on the kernels directly (64 or 128).
inline bool native_dim(int64_t dim) { return dim == 64 || dim == 128; }
inline bool native_dims(int64_t d, int64_t e) { return native_dim(d) && native_dim(e); }

}  // namespace lasuite::tiles
