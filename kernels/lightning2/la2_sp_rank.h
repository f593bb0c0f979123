// One rank of la2 with the sequence split over W ranks (issue 19), on the GPU. The rank holds its part
// [a_r, b_r) of every (batch, head)'s rows as tensors of its own and runs la2 on it from the states its
// own rows give (a zero start state, a zero end gradient; the sequence's own at the first and last
// rank), then exchanges one state a rank and corrects its part for what the other parts contribute:
//   forward:  e_r, its part's end state, exchanged; S_r = sum_(j<r) lambda^(a_r-b_j) e_j (the state
//             its part starts from); O_u += scale lambda^(u-a_r+1) q_u S_r; the last rank's final
//             state += lambda^(L_r) S_r;
//   backward: g_r, the gradient of its part's start state, exchanged; dS_r = sum_(j>r) lambda^(a_j-b_r)
//             g_j (the gradient of its end state); dQ_u += scale lambda^(u-a_r+1) dO_u S_r^T,
//             dK_u += lambda^(b_r-1-u) V_u dS_r^T, dV_u += lambda^(b_r-1-u) K_u dS_r; the first rank's
//             dS_in += lambda^(L_0) dS_0.
// The corrections are batched GEMMs (cuBLAS) on rows scaled by their decay, states rounded to the
// problem's dtype as la2's own kernels round them. Exchange: one all-gather, or (ring) the states
// passed rank to rank, S_(r+1) = lambda^(L_r) S_r + e_r forward and G_r = lambda^(L_r) G_(r+1) + g_r
// back (LASP). At W = 1 it is la2 itself, bit for bit.
#pragma once
#include <memory>

#include "harness/communicator.h"
#include "harness/implementation.h"
#include "harness/memory.h"
#include "kernels/lightning2/la2_sp_split_host.h"

namespace lasuite::la2::sp {

class Rank {
 public:
  // whole: the sequence's problem (dense); split: its parts, one a rank of comm; engine: la2, this
  // rank's own instance. ws: the rank's memory (its stream carries every call).
  Rank(const Problem& whole, Split split, Communicator& comm, Implementation& engine, Workspace& ws, bool ring);
  ~Rank();
  // io: the rank's part ([batch, heads, rows, dim] tensors on the device; slopes the problem's; state_in
  // the sequence's, read at rank 0; state_out the sequence's, written at the last rank).
  std::unique_ptr<Saved> forward(const ForwardIO& io);
  // io as the forward's, dstate_out read at the last rank, dstate_in written at rank 0.
  void backward(const BackwardIO& io, Saved* saved);
  // The problem la2 runs on this rank's part.
  const Problem& part() const;
  // The exchange and the prefix alone (what a forward adds to one GPU's work but the corrections), on
  // states of the forward's size; for timing the communication apart.
  void exchange_only();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lasuite::la2::sp
