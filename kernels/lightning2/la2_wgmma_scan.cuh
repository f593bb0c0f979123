// A wgmma step's start state: the state warpgroup's S as a register tile (WgmmaState), what the block's
// scan sums (ScanInputs, scan_from), the scan's strips summed by both warpgroups at d = 128
// (kScanStripsApart), the block's named barriers, and in one pass the waits for other blocks' increments
// (IncrementWait).
#pragma once
#include <cstdint>

#include "kernels/lightning2/la2_wgmma_block.cuh"

namespace lasuite::la2 {

// The state warpgroup's S: strip mt of S's rows 64 (tile0 + mt) .. + 63, this warp's 16 of them, and
// its first COLS columns.
template <int DK, int DV, int TILES, int COLS = DV>
using WgmmaState = StateRegs<DK, DV, TILES, COLS, 64>;

// The columns of S an output step's state warpgroup holds: where its products read only READ columns of
// d and e (la2_wgmma_kernel.cuh, DK = DV), the columns of S past READ are zero (V's land as zeros, and every
// start state's are: the padded copies of the caller's, and the segment data and end states, which the
// steps store whole, store_state) and no product reads them, so neither the update nor the scan touches them.
template <int READ, int DK, int DV>
constexpr int kStateCols = READ < DK ? READ : DV;
static_assert(kStateCols<96, 128, 128> == 96 && kStateCols<128, 128, 128> == 128 && kStateCols<128, 128, 64> == 64,
              "READ below DK only where DK = DV (la2_wgmma_kernel.cuh)");

// mul * S to a state in memory of DV columns (BLOCKED: in StateView's blocks), the columns S does not hold
// written as the zeros they are, so that every reader of the state finds it whole: the steps that read all
// DV columns (the states-only step's consumers, a dQ pass reading the forward's segment data transposed,
// whose held columns are the forward's rows) and the caller's end state.
template <bool BLOCKED, int DK, int DV, int TILES, int COLS>
__device__ __forceinline__ void store_state(const WgmmaState<DK, DV, TILES, COLS>& st, float* dst, float mul) {
  st.template store<BLOCKED>(dst, mul);
  if constexpr (COLS < DV) {  // the output step's S, whose columns start at 0
    WgmmaState<DK, DV, TILES, DV - COLS> zeros{{}, st.row0, st.col0 + COLS, st.g, st.t};
    zeros.fill(0.f);
    zeros.template store<BLOCKED>(dst, 1.f);
  }
}

// The states a block's scan sums (scan_start_state): S_0 (the start state, or none) and the segment
// data's increments of the segments ahead.
struct ScanInputs {
  const float* init;
  const float* increments;
  int incs;
};
template <class B>
__device__ __forceinline__ ScanInputs scan_inputs(const B& b, const OutputStepArgs& a) {
  const StateView& init = a.start.state;
  ScanInputs in;
  in.init = init.p ? init.p + b.bh * init.bh_stride + b.seg * init.seg_stride : nullptr;
  in.incs = a.scan.increments.p ? b.seg * a.scan.per_seg : 0;
  in.increments = in.incs > 0 ? a.scan.increments.p + b.bh * a.scan.increments.bh_stride : nullptr;
  return in;
}
// scan_start_state over those, strips FIRST .. END - 1 of st, `wait` run before each increment.
template <int FIRST = 0, int END = -1, class State, class Wait>
__device__ __forceinline__ void scan_from(State& st, const ScanInputs& in, const OutputStepArgs& a, float slope,
                                          const Wait& wait) {
  scan_start_state<FIRST, END>(st, in.init, layout_of(a.start.state), a.start.shift, a.scan, in.increments, in.incs,
                               slope, wait);
}

// Where S is two strips of 64 rows (d = 128), the scan sums them apart: the state warpgroup strip 0, and
// the output warpgroup, which once its first tiles are issued (and, in one pass, its strip of the own
// increment published) has nothing to do until its first chunk's meeting, strip 1, handed over through the second operand copy of S (unused until the state warpgroup
// writes chunk 1's into it; the strip's fp32 is as large, or smaller where S holds fewer columns). The sums
// are the same operations on the same values, so the outputs are bit for bit those of one warpgroup's scan.
// In one pass the block's own increment is summed apart the same way (each warpgroup its strip, the output
// warpgroup between its copies' issues; each 64-row tile of S is its own group of products, so the strips
// are those of one warpgroup's sum), and each strip is stored and read back by the same threads. Barriers:
// kOwnPublished (one pass, where later blocks wait: both strips stored, so the flag may rise) and
// kScanHandedOver (strip 1 stashed), each met by both warpgroups from their own code, so both read the
// condition from the same TILES (DK / 64: asserted in state_warpgroup). Why, and what it does: session 24's
// probe had a block's scan at
// 2.35 k cycles a strip and increment (14 k for the fourth segment of four at 4k, 15 % of its forward),
// taken for a chain of round trips that two warpgroups would halve; measured (calls 4-6) the forward is
// 2.4 % faster at 4k and 0.5 % at 16k, forward+backward unchanged, but the probe of this form (call 7) has
// the scan no shorter (the two warpgroups' loads share the SM's load path, and on row-major segment data each
// warp's load touched 8 rows of 32 bytes, so the loads' throughput bounded it), and the dQ pass's transposed
// scan 2 k cycles longer. Which steps take the split was measured on row-major segment data, not on the
// blocked layout they read (la2_state_layout.h).
// Where the forward's 2.4 % comes from is not established (the kernel's registers moved with the change: no
// spill, 4 bytes before). In the dual step it cost forward+backward 1-1.4 %, in the windowed kernels (96 in
// place) 1-1.5 %, so only the plain output steps of the kernel's own widths take it.
template <int TILES, bool WIN, bool DUAL>
constexpr bool kScanStripsApart = TILES == 2 && !WIN && !DUAL;
// Named barriers: 1 the meeting (RoleBarrier of the block), kStateGroupBarrier and kOutputGroupBarrier
// within one warpgroup, the other two between them.
constexpr int kStateGroupBarrier = 2, kOutputGroupBarrier = 3, kOwnPublished = 4, kScanHandedOver = 5;
template <class B>
__device__ __forceinline__ float* scan_stash(const B& b) {
  return reinterpret_cast<float*>(b.state_sm + B::STile::kBytes);
}

// The scan's wait before it adds dS_f (scan_start_state's wait_for), for the warpgroup of thread LEADER
// and its own barrier BARRIER: in one pass, where dS_f is not the block's own increment, the leader waits
// for the flag of the block that publishes it (segment f + 1's) and the warpgroup for the leader. Other
// blocks of this grid wrote those increments: plain loads still see them, as they come after the acquire
// of their flags (__ldcg there made ptxas spill the states-only step).
template <int LEADER, int BARRIER, class B>
struct IncrementWait {
  const B& b;
  const OutputStepArgs& a;
  int own_seg;
  __device__ __forceinline__ void operator()(int f) const {
    if (is_one_pass<true>(a) && f != own_seg) {
      if (threadIdx.x == LEADER) dev::wait_for_flag(a.one_pass.flags + b.bh * b.segs + f, a.one_pass.flag_value);
      dev::barrier_sync(BARRIER, 128);
    }
  }
};

}  // namespace lasuite::la2
