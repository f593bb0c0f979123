#include "harness/random_stream.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "harness/parallel.h"

namespace lasuite {
namespace {

// splitmix64's output function: a bijective 64-bit mix with full avalanche.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

uint64_t stream_key(uint64_t seed, uint64_t stream) { return mix64(mix64(seed + kGolden) ^ (stream * 0xD1B54A32D192ED03ull)); }

// Element i of a stream is splitmix64's i-th output from the stream's key.
double value_from_key(uint64_t key, uint64_t index, double amplitude) {
  const double u = static_cast<double>(mix64(key + (index + 1) * kGolden) >> 11) * 0x1.0p-53;  // [0, 1)
  return amplitude * (2.0 * u - 1.0);
}

constexpr size_t kBlock = 4096;  // values generated and rounded at a time, on a thread's stack

}  // namespace

double random_stream_value(uint64_t seed, uint64_t stream, uint64_t index, double amplitude) {
  return value_from_key(stream_key(seed, stream), index, amplitude);
}

void random_stream_rounded(uint64_t seed, uint64_t stream, uint64_t first, size_t count, DType dtype,
                           double amplitude, double* out) {
  const uint64_t key = stream_key(seed, stream);
  parallel_for(count, size_t(1) << 18, [&](size_t begin, size_t end) {
    unsigned char stored[kBlock * 8];
    for (size_t b = begin; b < end; b += kBlock) {
      const size_t n = std::min(kBlock, end - b);
      for (size_t i = 0; i < n; ++i) out[b + i] = value_from_key(key, first + b + i, amplitude);
      convert_from_f64(out + b, stored, dtype, n);
      convert_to_f64(stored, dtype, out + b, n);
    }
  });
}

void random_stream_fill(Backend& backend, void* dst, DType dtype, size_t count, uint64_t seed, uint64_t stream,
                        double amplitude) {
  const uint64_t key = stream_key(seed, stream);
  const size_t elem = dtype_size(dtype);
  const size_t chunk = std::min(count, (size_t(64) << 20) / elem);  // 64 MiB of staging at most
  std::vector<unsigned char> staging(chunk * elem);
  for (size_t done = 0; done < count; done += chunk) {
    const size_t n = std::min(chunk, count - done);
    parallel_for(n, size_t(1) << 18, [&](size_t begin, size_t end) {
      double values[kBlock];
      for (size_t b = begin; b < end; b += kBlock) {
        const size_t m = std::min(kBlock, end - b);
        for (size_t i = 0; i < m; ++i) values[i] = value_from_key(key, done + b + i, amplitude);
        convert_from_f64(values, staging.data() + b * elem, dtype, m);
      }
    });
    backend.copy_from_host(static_cast<unsigned char*>(dst) + done * elem, staging.data(), n * elem);
  }
}

}  // namespace lasuite
