// Softmax decoding against a KV cache on the GPU (flash-decoding): the step's T <= 16 queries of every
// (batch, head) meet the cache's keys split across blocks, each block keeping a running max, sum and
// output for its split; a second kernel combines the splits. Host interface, no CUDA headers.
#pragma once
#include <cstddef>
#include <cstdint>

#include "harness/dtype.h"

namespace lasuite {

constexpr int kFlashDecodeMaxTokens = 16;

struct FlashDecodeArgs {
  DType dtype = DType::bf16;  // bf16 or f16
  int dim = 0;                // d = e: 64, 128 or 256
  int tokens = 0;             // T, the step's queries
  int64_t bh = 0;
  int64_t context = 0;        // keys and values hold context + T rows, query t at position context + t
  const void* q = nullptr;    // [bh][T][d]
  const void* k = nullptr;    // [bh][context + T][d]
  const void* v = nullptr;
  void* o = nullptr;          // [bh][T][d]
  float scale = 1;
  int64_t split_keys = 0;     // keys a block takes (a multiple of the 32-key tile): flash_decode_plan
  int splits = 1;
};

// Chooses the split for `multiprocessors` and returns the scratch the step needs (fp32 partial outputs,
// maxima and sums of every split).
size_t flash_decode_plan(FlashDecodeArgs& a, int multiprocessors);
// Enqueues the step on `stream` (a cudaStream_t): `a` as flash_decode_plan left it (which checked it);
// scratch: its bytes.
void flash_decode(const FlashDecodeArgs& a, float* scratch, void* stream);

}  // namespace lasuite
