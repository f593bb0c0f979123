// Float64 reference of causal linear attention with per-head decay (shared/design/math.md), for one
// (batch, head) slice. It is the yardstick every implementation is verified against, so it is kept
// obviously correct and shares no code with any implementation under test.
//
//   O   = (scale Q K^T ⊙ M) V + diag(lambda^(t+1)) (scale Q) S0,   M[t][u] = lambda^(t-u) for t >= u
//   S_n = lambda^n S0 + sum_u lambda^(n-1-u) k_u^T v_u              (the final state)
//
// lambda = exp(-slope). S0 is the optional initial state (d x e); without it S0 = 0.
#pragma once
#include <cstdint>

#include "reference/matrix.h"

namespace lasuite::reference {

// dense: the definition as matrices, O(n^2 (d + e)) time and n^2 memory, for short sequences.
// recurrent: KV_t = lambda KV_{t-1} + k_t^T v_t, o_t = scale q_t KV_t; O(n d e) time, O(d e) memory.
// automatic: dense up to kDenseMaxSeqlen tokens, recurrent beyond, where the dense form's n x n
// products cost more than the recurrence (already 15x more at n = 1000, d = 32). The two forms are
// cross-checked in tests/reference.
enum class LinearForm { automatic, dense, recurrent };
inline constexpr int64_t kDenseMaxSeqlen = 256;
// The form automatic resolves to for n tokens (dense or recurrent are returned unchanged).
LinearForm resolve_linear_form(LinearForm form, int64_t seqlen);

struct LinearParams {
  double slope = 0.0;  // s >= 0; lambda = exp(-s); 0 is no decay
  double scale = 1.0;  // multiplies Q
  LinearForm form = LinearForm::automatic;
};

struct LinearOutputs {
  Mat o;          // n x e
  Mat state_out;  // d x e, S_n (computed whether or not the caller asks for it)
};

struct LinearGradients {
  Mat dq, dk, dv;  // n x d, n x d, n x e
  Mat dstate_in;   // d x e, gradient with respect to S0 (computed whether or not S0 was given)
};

// q, k: n x d; v: n x e; state_in: d x e or nullptr for a zero initial state.
LinearOutputs linear_forward(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* state_in,
                             const LinearParams& params);

// Analytic backward. dout: cotangent of O (n x e); dstate_out: cotangent of S_n (d x e) or nullptr.
LinearGradients linear_backward(const MatRef& q, const MatRef& k, const MatRef& v, const Mat* state_in,
                                const MatRef& dout, const Mat* dstate_out, const LinearParams& params);

}  // namespace lasuite::reference
