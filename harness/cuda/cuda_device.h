// Host-side pieces of the CUDA backend that other CUDA host code may reuse (tests, baselines):
// device properties of the device the suite runs on, and the two hardware ceilings.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/backend.h"

namespace lasuite {

// The properties of the current device, read once (throws where there is no device).
const cudaDeviceProp& cuda_device_properties();

// Fills `count` 16-bit values with bf16 numbers uniform in [-1, 1), from a counter-based hash of
// (seed, index): reproducible, never zeros, no host round trip. Asynchronous on `stream`.
void cuda_fill_random_bf16(void* dst, size_t count, uint64_t seed, cudaStream_t stream);
// Reads `bytes` (a multiple of 16) at p, and may write the word right after them (a value the reads
// would have to produce by chance), so the reads cannot be dropped: the cache is left holding clean
// lines of p (the clean L2 flush).
void cuda_read_through(void* p, size_t bytes, cudaStream_t stream);

// Device-to-device copy of `bytes` (bytes read + written per second, median of `repeats`) and
// cuBLAS bf16 GEMM of size n^3 with fp32 accumulation on random data (FLOP/s, median).
double cuda_measure_copy_rate(size_t bytes, int repeats, cudaStream_t stream, std::string* method);
double cuda_measure_gemm_rate(int n, int repeats, cudaStream_t stream, std::string* method);

}  // namespace lasuite
