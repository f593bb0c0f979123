// Powers of a head's decay lambda = exp(-slope), each computed as exp(-slope * k) from the integer k
// (math.md: never by repeated multiplication, so long sequences do not accumulate rounding).
#pragma once
#include <cmath>
#include <cstdint>

namespace lasuite::host {

// out[k] = factor * lambda^k for k in [0, count).
template <class T>
void fill_decay_powers(double slope, int64_t count, T* out, double factor = 1.0) {
  for (int64_t k = 0; k < count; ++k) out[k] = static_cast<T>(factor * std::exp(-slope * static_cast<double>(k)));
}

}  // namespace lasuite::host
