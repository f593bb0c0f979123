// The problem-level fields of TiledAttentionArgs, filled the same way by every launcher of the tiled
// kernels (la1, flash_softmax); each adds its own pointers (slopes, outputs, scratch) on top.
#pragma once
#include "harness/implementation.h"
#include "kernels/common/tiled_attention_params.h"

namespace lasuite::host {

inline TiledAttentionArgs tiled_attention_args(const Problem& p, const TensorView& q, const TensorView& k,
                                               const TensorView& v) {
  TiledAttentionArgs a;
  a.q = q.data;
  a.k = k.data;
  a.v = v.data;
  a.n = p.seqlen;
  a.n_pad = (p.seqlen + 127) / 128 * 128;
  a.heads = static_cast<int>(p.heads);
  a.batch_heads = static_cast<int>(p.batch * p.heads);
  a.scale = static_cast<float>(p.effective_scale());
  return a;
}

}  // namespace lasuite::host
