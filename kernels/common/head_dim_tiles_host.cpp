// dim_tiles (head_dim_tiles_host.h).
#include "kernels/common/head_dim_tiles_host.h"

#include <stdexcept>
#include <string>

namespace lasuite::tiles {
namespace {

int padded_width(int64_t size) { return size <= 64 ? 64 : 128; }

}  // namespace

std::vector<DimTile> dim_tiles(int64_t dim) {
  if (dim < 1 || dim > kMaxHeadDim)
    throw std::invalid_argument("head dim " + std::to_string(dim) + " outside 1.." + std::to_string(kMaxHeadDim));
  if (dim <= 128) return {{0, dim, padded_width(dim)}};
  return {{0, 128, 128}, {128, dim - 128, padded_width(dim - 128)}};
}

}  // namespace lasuite::tiles
