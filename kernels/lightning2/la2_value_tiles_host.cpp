// value_tiling, value_tiled_dims, max_value_tiles (la2_value_tiles_host.h).
#include "kernels/lightning2/la2_value_tiles_host.h"

#include <algorithm>
#include <stdexcept>

namespace lasuite::la2 {

ValueTiling value_tiling(int64_t contraction, int64_t value) {
  if (contraction < 1 || contraction > 256 || value < 1 || value > 256)
    throw std::invalid_argument("la2: value tiles take widths 1..256");
  ValueTiling t;
  t.dk = contraction <= 64 ? 64 : contraction <= 128 ? 128 : contraction <= 192 ? 192 : 256;
  t.dv = t.dk > 128 ? 64 : 128;
  t.tiles = static_cast<int>((value + t.dv - 1) / t.dv);
  return t;
}

bool value_tiled_dims(int64_t d, int64_t e) {
  return std::max(d, e) > 128 && d <= 256 && e <= 256 && d % 8 == 0 && e % 8 == 0;
}

int max_value_tiles(int64_t d, int64_t e) { return std::max(value_tiling(d, e).tiles, value_tiling(e, d).tiles); }

}  // namespace lasuite::la2
