// The arguments of one launch of the chunk kernel (plain data, shared by the launcher and the kernel).
#pragma once
#include <cstdint>

namespace lasuite::la2 {

// One (batch, head, segment) per thread block walks its segment's chunks of 64 rows. The OUT variant
// writes the outputs; the other only accumulates the segment's state (q and o unused). Rows are "virtual": with
// `reverse`, virtual row t is stored row n-1-t (the reverse passes of the backward).
struct ChunkArgs {
  const void* q = nullptr;  // [bh][n][dk]
  const void* k = nullptr;  // [bh][n][dk]
  const void* v = nullptr;  // [bh][n][dv]
  void* o = nullptr;        // [bh][n][dv]
  int64_t n = 0;
  int heads = 1;            // bh % heads is the head, for the slope
  int reverse = 0;
  const float* slopes = nullptr;  // [heads], null: no decay
  // O = c_intra (Q K^T (x) D) V + c_inter diag(lambda^(t+1)) Q S,  S <- lambda^L S + c_update (...)^T V
  float c_intra = 1, c_inter = 1, c_update = 1;
  int seg_chunks = 1;       // chunks per segment; blockIdx.y is the segment, blockIdx.x the (batch, head)
  // Start state of (bh, seg): init[bh * init_bh_stride + seg * init_seg_stride + r * init_rs + c * init_cs],
  // or zero when null. init_shift = 1 says the init of segment 0 is lambda * S (the reverse passes), so
  // its first chunk decays it by one step less.
  const float* init = nullptr;
  int64_t init_bh_stride = 0, init_seg_stride = 0, init_rs = 0, init_cs = 0;
  int init_shift = 0;
  // The scan over segments done in the kernel (few segments): segment seg starts from
  //   S = init (segment 0's), then for f in [0, seg * inc_per_seg): S = lambda^(inc_rows - [f == 0] init_shift) S + dS_f,
  // element (r, c) of dS_f at inc[bh * inc_bh_stride + f * inc_f_stride + r * inc_rs + c * inc_cs]
  // (the Hopper kernel sums the same terms nearest first, each with its power of lambda).
  // Null: init already holds each segment's start state.
  const float* inc = nullptr;
  int64_t inc_bh_stride = 0, inc_f_stride = 0, inc_rs = 0, inc_cs = 0, inc_rows = 0;
  int inc_per_seg = 0;
  // One pass instead of two (Hopper output kernel only; needs inc == publish, inc_per_seg == 1 and the
  // whole grid resident at once): before its outputs, the block of segment s >= 1 computes dS_(s-1)
  // from that segment's keys and values, the first term its own scan adds (segment 0's block starts
  // its outputs at once); each writes its increment f at publish + bh * inc_bh_stride + f * inc_f_stride
  // as [dk][dv] and, unless it is the last segment's, sets flags[bh * segments + f] to flag_value,
  // which no earlier launch used on these flags. A segment waits for flag f before it adds dS_f in the
  // scan above. Null: the increments come from an earlier kernel.
  float* publish = nullptr;
  int* flags = nullptr;
  int flag_value = 0;
  int inc_last_first = 0;  // blocks 2 .. segments-1 sum their increment from its last chunk to its first
  // End state of (bh, seg), times lambda^fin_power, as [dk][dv] at fin + bh * fin_bh_stride + seg * fin_seg_stride;
  // fin_last_seg_only: only the last segment's (the pass's end state, when the scan is in the kernel).
  float* fin = nullptr;
  int64_t fin_bh_stride = 0, fin_seg_stride = 0;
  int fin_power = 0;
  int fin_last_seg_only = 0;
  int state_bufs = 2;       // 2: double-buffered operand copy of the state (one barrier per chunk)
};

}  // namespace lasuite::la2
