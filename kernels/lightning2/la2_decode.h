// A decode step of Lightning Attention-2: T <= kDecodeMaxTokens new tokens of every (batch, head)
// against its carried fp32 state, by the recurrent form (math.md), the state read and written once:
//   S_t = lambda S_{t-1} + k_t^T v_t,   o_t = scale q_t S_t,   t = 1..T.
// Host interface, no CUDA headers; la2_cuda.cpp runs every forward of at most kDecodeMaxTokens rows here.
#pragma once
#include <cstdint>

#include "harness/dtype.h"

namespace lasuite::la2 {

constexpr int kDecodeMaxTokens = 16;
constexpr int kDecodeMaxDim = 256;

struct DecodeArgs {
  DType dtype = DType::bf16;
  int dk = 0, dv = 0, tokens = 0;  // d, e (each 1..kDecodeMaxDim), T (1..kDecodeMaxTokens)
  int64_t bh = 0, heads = 1;
  // Rows from one (batch, head)'s q, k, v, o to the next: 0 means T; a packed batch's total when the
  // step runs one of its sequences (the pointers then start at that sequence's first row).
  int64_t head_rows = 0;
  const void* q = nullptr;  // [bh][T][dk], of dtype
  const void* k = nullptr;
  const void* v = nullptr;  // [bh][T][dv]
  void* o = nullptr;        // [bh][T][dv]
  const float* slopes = nullptr;  // [heads]; null: no decay
  float scale = 1;
  // [bh][dk][dv], row-major. A null state_in starts from zero; state_out may be state_in (each element
  // is read and written by the same thread), or null.
  const float* state_in = nullptr;
  float* state_out = nullptr;
};

// Enqueues the step on `stream` (a cudaStream_t); early_start: the kernel may start beside the kernel
// ahead and waits for it before reading anything (PlanOptions::early_start). Throws
// std::invalid_argument outside the limits above.
void run_decode(const DecodeArgs& a, bool early_start, void* stream);

}  // namespace lasuite::la2
