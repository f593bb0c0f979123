// dim_tiles, padded_dim (head_dim_tiles_host.h).
#include "kernels/common/head_dim_tiles_host.h"

#include <stdexcept>
#include <string>

namespace lasuite::tiles {
namespace {

int padded_width(int64_t size) { return size <= 64 ? 64 : 128; }

void check_dim(int64_t dim) {
  if (dim < 1 || dim > kMaxHeadDim)
    throw std::invalid_argument("head dim " + std::to_string(dim) + " outside 1.." + std::to_string(kMaxHeadDim));
}

}  // namespace

DimTile padded_dim(int64_t dim) {
  check_dim(dim);
  return {0, dim, dim <= 128 ? padded_width(dim) : 256};
}

std::vector<DimTile> dim_tiles(int64_t dim) {
  check_dim(dim);
  if (dim <= 128) return {{0, dim, padded_width(dim)}};
  return {{0, 128, 128}, {128, dim - 128, padded_width(dim - 128)}};
}

}  // namespace lasuite::tiles
