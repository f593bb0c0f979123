// The arguments of the chunk kernels (plain data, shared by the launcher and the kernels): one struct
// per kernel variant, built from parts that each say one thing about the step.
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common/tensor_map.h"

namespace lasuite::la2 {

// One sequence of a packed batch run in a ragged grid (ChunkWalk::ragged): its first row in the
// packed tensors, its length, and its index in the batch (its states are [index][head]).
struct RaggedSequence {
  int64_t row0 = 0, n = 0, index = 0;
};

// What every step walks: one (batch, head, segment) per thread block, blockIdx.x the (batch, head),
// blockIdx.y the segment, each segment `seg_chunks` chunks of 64 rows. Rows are "virtual": with
// `reverse`, virtual row t is stored row n-1-t (the reverse passes of the backward).
//   O = c_intra (Q K^T (x) D) V + c_inter diag(lambda^(t+1)) Q S,   S <- lambda^L S + c_update (...)^T V
// A ragged grid (`ragged` set, one segment): blockIdx.x = j * heads + head runs sequence ragged[j] of a
// packed batch, its own length and first row, whole; n is then the longest's.
struct ChunkWalk {
  const void* q = nullptr;  // [bh][n][cols_qk]; unused by the states-only step
  const void* k = nullptr;  // [bh][n][cols_qk]
  const void* v = nullptr;  // [bh][n][cols_v]
  int64_t n = 0;
  int64_t head_rows = 0;    // rows from one (batch, head)'s q, k, v, o to the next: n, or a packed batch's total
  int heads = 1;            // bh % heads is the head, for the slope
  int reverse = 0;
  const float* slopes = nullptr;  // [heads], null: no decay
  float c_intra = 1, c_inter = 1, c_update = 1;
  int seg_chunks = 1;
  const RaggedSequence* ragged = nullptr;  // [bh / heads] on the device, or null: a dense batch
  // The tensors' own widths (multiples of 8): their row strides, columns past them read as zero. Always
  // set (walk_of: dk, dv unless narrower). cols_qk is at most the kernel's dk; cols_v at most dv, or,
  // with value_tiles > 1, the width that the value tiles cover.
  int cols_qk = 0, cols_v = 0;
  // Windowed kernels only: blockIdx.x = (batch, head) * value_tiles + z, block z computing the value
  // columns [z dv, (z + 1) dv) of o (a state that is that column window of the whole one) from those of
  // v, or, under TMA, whatever window TileMaps' window columns say (a window of the contraction); its
  // states' index is z * (gridDim.x / value_tiles) + the (batch, head). The tiles of one head are
  // neighbours in the grid, so they run together and share what they read alike through L2.
  int value_tiles = 1;
};

// A d x e state in global memory: (bh, seg)'s at p + bh * bh_stride + seg * seg_stride, row-major
// ([d][e]) or, `transposed`, column-major ([e][d]: a transposed user state, or another pass's segment
// data, which is this one's transpose and blocked). `blocked` (the segment data, never a user's state): the stored matrix
// as 8 x 8 blocks (la2_state_layout.h: the scan's loads read 2 cache lines a warp instead of 8). The layouts are
// compile-time strides in the kernels: runtime strides made ptxas keep every element's 64-bit offset
// live across the scan (255 registers against 186).
struct StateView {
  const float* p = nullptr;
  int64_t bh_stride = 0, seg_stride = 0;
  int transposed = 0;
  int blocked = 0;
};

// The start state of each segment: `state`, or zero where null. shift = 1 says the start state of
// segment 0 is lambda * S (the reverse passes), so its first chunk decays it by one step less.
struct StartState {
  StateView state;
  int shift = 0;
};

// The scan over the segments ahead, done by each output block for itself (few segments): segment seg
// starts from
//   lambda^(incs * rows - shift) S_0 + sum_(k < incs) lambda^(k * rows) dS_(incs-1-k),  incs = seg * per_seg,
// summed nearest increment first (dS_f at increments[f], f the fine segment); null increments.p: the
// start state already holds each segment's own. 
struct SegmentScan {
  StateView increments;  // the segment data: the kernels read it blocked whatever `blocked` says; seg_stride unused: f steps by f_stride
  int64_t f_stride = 0, rows = 0;
  int per_seg = 0;
};

// One kernel for the whole pass (Hopper output kernel only; needs the scan above with per_seg == 1 and
// the whole grid resident at once): before its outputs, the block of segment s >= 1 computes dS_(s-1)
// from that segment's keys and values, the first term its own scan adds (segment 0's block starts its
// outputs at once); it writes it at `publish` (the scan's increments, as [dk][dv] in StateView's blocks,
// with the scan's strides) and, unless it is the last segment's block, sets flags[bh * segments + s - 1] to flag_value,
// which no earlier launch used on these flags. A segment waits for flag f before it adds dS_f. Null
// publish: the increments come from an earlier kernel.
struct OnePass {
  float* publish = nullptr;
  int* flags = nullptr;
  int flag_value = 0;
  int inc_last_first = 0;  // blocks 2 .. segments-1 sum their increment from its last chunk to its first
};

// The end state of each segment, times lambda^power, at p + bh * bh_stride + seg * seg_stride: the
// states-only step's in the segment data (StateView's blocks), the output step's a user's ([dk][dv]);
// last_seg_only: only the last segment's (the pass's end state, when the scan is in the blocks).
struct EndState {
  float* p = nullptr;
  int64_t bh_stride = 0, seg_stride = 0;
  int power = 0;
  int last_seg_only = 0;
};

// The tiles of q, k, v and x (the second output's), and the outputs' rows, as bulk tensor copies (the
// output step that moves them by TMA, and the states-only step beside a TMA output step of the kernel's
// own widths, which reads k and v only): [bh][n][cols] over a dense batch, a ragged grid's
// [heads][head_rows][cols], cols each tensor's own width (at most the kernel's, or a value-tiled
// pass's whole width, windows of it as box columns), in boxes of 64 rows x 64 columns, o's and o2's of
// 16 rows (a warp's) x 64 (dev::rows_of_heads). Unset in every other step.
constexpr int kOutputBoxRows = 16;
constexpr int kStoreRows = 0, kAddBoxes = 1, kAddPieces = 2;  // how an output's staged rows leave (TileMaps::adds)
struct TileMaps {
  dev::TensorMap q, k, v, x, o, o2;
  // A windowed step (ChunkWalk::value_tiles) by TMA whose windows cut the contraction (PassArgs::
  // contraction_windows): block z reads the boxes of Q' and K' from column z dk and all of V' and O, instead of
  // V', X and O from column z dv (value tiles). 0 in every other step.
  int contraction_windows = 0;
  // How a windowed block's partial sum of an output leaves, added into the output (zeroed before the pass):
  // as boxes the copy engine adds (kAddBoxes; the map of MapElements bf16 or f16), or as every lane's 16-byte
  // atomic adds (kAddPieces; PlanOptions::window_adds_tma off). The partial sums are O's in windows of the
  // contraction and the dual step's O2 over value tiles (its X V'^T and X S^T contract over e); other outputs
  // are stored (kStoreRows).
  int adds = kAddBoxes;
};

// The states-only step: each segment's own state increment (from zero), written as its end state.
// With `halves` (PassPlan::states_halves) the walk's segments are halves: block seg adds lambda^(rows of
// the half after it, if it is the first) times its increment into slot seg / 2 (zeroed before the step),
// so the slot holds the whole segment's increment.
// ends_after_kernel_ahead: the step was launched to start early beside the kernel ahead (PassArgs::
// states_start_early), so each block waits for that kernel before it ends: the step, and whatever waits
// for it, then ends after that kernel, as with an ordinary launch.
struct StatesStepArgs {
  ChunkWalk walk;
  EndState end;
  TileMaps maps;
  int halves = 0;
  int ends_after_kernel_ahead = 0;
};

// A second output of the same walk and state (the dual output step, Hopper, the kernel's own widths):
//   O2 = c_intra ((X V^T) (x) D) K + c_inter diag(lambda^(t+1)) X S^T,  X [bh][n][dv], O2 [bh][n][dk].
// With the backward's dV pass as the walk (Q'=K, K'=Q, V'=dO, S = dS) and X = V, O2 is dK: the two come
// from one reverse pass that reads Q, K, V and dO once. Null in every other step.
struct SecondOutput {
  const void* x = nullptr;
  void* o = nullptr;
};

// The output step: each segment's outputs from its start state (given, or scanned in the block, or in
// one pass), and the end state where asked.
struct OutputStepArgs {
  ChunkWalk walk;
  void* o = nullptr;  // [bh][n][cols_o]
  int cols_o = 0;     // o's own width (at most dv, or the value tiles' span): its row stride, columns past it not written (always set)
  StartState start;
  SegmentScan scan;
  OnePass one_pass;
  EndState end;
  SecondOutput second;
  TileMaps maps;
  int state_bufs = 2;  // mma.sync kernel: 2 double-buffers the operand copy of the state (one barrier per chunk)
  int dependents_chunks_left = 0;  // PassArgs::dependents_chunks_left
};

template <bool OUT>
using StepArgs = std::conditional_t<OUT, OutputStepArgs, StatesStepArgs>;

}  // namespace lasuite::la2
