// value_tiling, value_tiled_dims, max_value_tiles (la2_value_tiles_host.h).
#include "kernels/lightning2/la2_value_tiles_host.h"

#include <algorithm>
#include <stdexcept>
#include <string>

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

ValueTiling contraction_tiling(int64_t contraction, int64_t value) {
  if (contraction <= 128 || contraction > 256 || value < 1 || value > 128)
    throw std::invalid_argument("la2: windows of the contraction take a contraction of 129..256 and a value of 1..128");
  ValueTiling t;
  t.dk = t.dv = 128;
  t.tiles = static_cast<int>((contraction + t.dk - 1) / t.dk);
  return t;
}

tiles::TileRegion state_window(int64_t bh, int64_t contraction, int64_t value, const ValueTiling& t, int z, bool transposed,
                               bool of_contraction) {
  const int64_t step = of_contraction ? t.dk : t.dv, whole = of_contraction ? contraction : value;
  const int64_t first = int64_t(z) * step, count = std::min<int64_t>(step, whole - first);
  if (z < 0 || count < 1) throw std::invalid_argument("la2: no window " + std::to_string(z) + " of " + std::to_string(whole));
  // The stored rows are the contraction's, unless transposed; the window cuts the rows where they are its axis.
  const bool cuts_rows = of_contraction != transposed;
  const int64_t rows = transposed ? value : contraction, cols = transposed ? contraction : value;
  if (cuts_rows) return {bh, rows, cols, first, count, 0, cols};
  return {bh, rows, cols, 0, rows, first, count};
}

bool window_backward_dims(int64_t d, int64_t e) { return value_tiled_dims(d, e) && d > 64 && d <= 128 && e > 128; }

bool value_tiled_dims(int64_t d, int64_t e) {
  return std::max(d, e) > 128 && d <= 256 && e <= 256 && d % 8 == 0 && e % 8 == 0;
}

int max_value_tiles(int64_t d, int64_t e) { return std::max(value_tiling(d, e).tiles, value_tiling(e, d).tiles); }

}  // namespace lasuite::la2
