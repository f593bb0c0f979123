// Float64 reference of causal softmax attention (shared/design/math.md), for one (batch, head) slice:
//
//   O = softmax(scale Q K^T + causal mask) V,   scale = 1/sqrt(d) unless given,
//
// with the log-sum-exp of every row kept for the backward, as FlashAttention-2 keeps it. Rows are
// processed in blocks so a 16k-token head needs a block of rows x n doubles, never n x n.
#pragma once
#include <cstdint>

#include "reference/matrix.h"

namespace lasuite::reference {

struct SoftmaxOutputs {
  Mat o;    // n x e
  Vec lse;  // n: log sum_u<=t exp(scale q_t . k_u)
};

struct SoftmaxGradients {
  Mat dq, dk, dv;  // n x d, n x d, n x e
};

// q, k: n x d; v: n x e.
// first_row: rows before it are not computed (left zero), for a caller that needs only the last rows
// of a long sequence (decoding against a long cache costs O(rows x n), not O(n^2)).
SoftmaxOutputs softmax_forward(const MatRef& q, const MatRef& k, const MatRef& v, double scale, int64_t first_row = 0);

// Analytic backward from the forward's outputs: P = exp(S - lse), dP = dO V^T, D_t = rowsum(dO ⊙ O),
// dS = P ⊙ (dP - D), dQ = scale dS K, dK = scale dS^T Q, dV = P^T dO.
SoftmaxGradients softmax_backward(const MatRef& q, const MatRef& k, const MatRef& v, const SoftmaxOutputs& fwd,
                                  const MatRef& dout, double scale);

// 1/sqrt(d), the default scale.
double softmax_default_scale(int64_t dim_qk);

}  // namespace lasuite::reference
