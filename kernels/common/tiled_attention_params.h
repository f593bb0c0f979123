// Arguments of the tiled (FlashAttention-style) left-product kernels shared by Lightning Attention-1
// (a decay mask, no softmax) and the flash softmax baseline. Plain data, so host launchers can fill it
// without CUDA headers. Tensors are [batch * heads, n, dim] row-major, 16-bit, 16-byte aligned.
#pragma once
#include <cstdint>

namespace lasuite {

// What the score tile S = Q K^T becomes before it multiplies V.
//   decay:   P = S ⊙ M, M[t][u] = exp(-slope * (t - u)) for t >= u, else 0; the scale multiplies the outputs.
//   softmax: P = exp(scale * S - lse) over the causal half, rows normalised online (FlashAttention-2).
enum class ScoreMode { decay, softmax };

struct TiledAttentionArgs {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  const void* o = nullptr;      // backward (softmax): read for rowsum(dO ⊙ O)
  const void* dout = nullptr;   // backward
  void* out = nullptr;          // forward: O
  void* dq = nullptr;           // backward outputs
  void* dk = nullptr;
  void* dv = nullptr;
  float* dq_accum = nullptr;    // backward: fp32 [bh, n, d], zeroed, then atomically accumulated
  float* lse = nullptr;         // softmax: [bh, n_pad] log2-domain log-sum-exp (forward writes, backward reads)
  float* dsum = nullptr;        // softmax backward: [bh, n_pad] rowsum(dO ⊙ O)
  const float* slopes = nullptr;  // decay: [heads] on the device
  int64_t n = 0;
  int64_t n_pad = 0;            // row stride of lse / dsum: n rounded up to 128
  int heads = 1;
  int batch_heads = 1;
  float scale = 1.f;
};

}  // namespace lasuite
