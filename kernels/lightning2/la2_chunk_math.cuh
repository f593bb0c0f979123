// The pieces of Lightning Attention-2's chunk algorithm that both kernel families (mma.sync,
// la2_chunk_kernel.cuh, and wgmma, la2_wgmma_kernel.cuh) compute the same way, named after the math
// (../shared/design/math.md): the decay table lambda^k, the intra-chunk decay mask D, the decays of the
// inter term's rows and of the update's keys, and the state S held in registers with the scan over the
// segments ahead of a block.
//
// Both families hold fp32 accumulators in the same per-warp layout: a warp's 16 rows x C columns are
// C / 8 m16n8 tiles side by side (mma.sync's accumulators, and one warp's rows of a wgmma m64 x C
// accumulator). With g = lane / 4 and t = lane % 4, float i of such a strip is at
//   row g + 8 ((i / 2) % 2), column 8 (i / 4) + 2 t + i % 2.
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common/block_flags.cuh"
#include "kernels/lightning2/la2_chunk_args.h"
#include "kernels/lightning2/la2_state_layout.h"

namespace lasuite::la2 {

// A tensor's row stride in the mma.sync kernel of width W (ChunkWalk::cols_qk, cols_v;
// OutputStepArgs::cols_o): its own width, read in place, only where W is 128 (widths 72..120); the
// 64-wide kernel keeps W as a compile-time stride (its padded copies are W wide), since a runtime one
// spilled the output step at d = e = 64, which two blocks a multiprocessor cap at 128 registers. 0 or
// W: W. (The wgmma kernels have a windowed variant instead: la2_wgmma_kernel.cuh.)
template <int W>
__device__ __forceinline__ int in_place_width(int cols) {
  if constexpr (W == 128) return cols ? cols : W;
  else return W;
}

constexpr int kChunk = 64;
constexpr int kThreads = 256;
constexpr int kPowEntries = 68;  // lambda^0 .. lambda^64, padded to 16 bytes
// The decay table holds kPowZeros zeros before lambda^0, so that lambda^k reads as 0 for k in -64..-1:
// the mask above the diagonal (k = i - j < 0) and the keys past a chunk's last row (k = L - 1 - j < 0)
// need no compare and select, and every entry a thread reads is a fixed offset from one base address.
constexpr int kPowZeros = 64;
constexpr int kDecayTableFloats = kPowZeros + kPowEntries;

// Where a block's (sequence, head) lies: the offset of its row 0 in q, k, v, o (in rows), its length,
// its index among the states ([.][dk][dv], `bh_stride` apart), its first row among its head's rows
// (seq_row0: where a ragged grid's tile maps find it) and its head (for the slope). A dense batch:
// blockIdx.x is the (batch, head). A ragged grid: blockIdx.x = j * heads + head, sequence walk.ragged[j]
// of the packed batch.
struct BlockPlace {
  int64_t row0, n, state_bh, seq_row0;
  int head;
};
__device__ __forceinline__ BlockPlace place_block(const ChunkWalk& w, int64_t bh = blockIdx.x) {
  const int head = static_cast<int>(bh % w.heads);
  if (!w.ragged) return {bh * w.head_rows, w.n, bh, 0, head};
  const RaggedSequence s = w.ragged[bh / w.heads];
  return {head * w.head_rows + s.row0, s.n, s.index * w.heads + head, s.row0, head};
}

__device__ __forceinline__ int strip_row(int i, int g) { return g + 8 * ((i >> 1) & 1); }
__device__ __forceinline__ int strip_col(int i, int t) { return 8 * (i >> 2) + 2 * t + (i & 1); }

// pw[k] = lambda^k, k = 0 .. kChunk, lambda = exp(-slope), and pw[k] = 0 for k = -kPowZeros .. -1 (pw is
// kPowZeros floats into a table of kDecayTableFloats); the block's first kChunk + 1 threads write it.
__device__ __forceinline__ void fill_decay_powers(float* pw, float slope) {
  const int k = static_cast<int>(threadIdx.x);
  if (k < kPowZeros) pw[k - kPowZeros] = 0.f;
  if (k <= kChunk) pw[k] = expf(-slope * static_cast<float>(k));
}

// Rows upside down (REV): the tile's row r holds the chunk's row 63 - r (the reverse walk's tiles as
// boxes of stored rows: la2_wgmma_block.cuh), so the chunk's row i - j is the tile's j - i, row i + 1
// is 64 - r, and key j's L - 1 - j is L - 64 + r.

// Scores of a warp's 16 rows (i0 .. i0 + 15 of the chunk) against the chunk's 64 keys, times the decay
// mask: D[i][j] = c_intra lambda^(i-j) on and below the diagonal, 0 above (pw[i - j] is 0 there; a
// finite score times 0 is the 0 a select would give, up to its sign, which adds nothing to P V).
// The 32 factors take 18 distinct offsets from one base, so the loads are 18 with immediate offsets.
template <bool REV = false>
__device__ __forceinline__ void apply_decay_mask(float (&s)[32], int i0, int g, int t, float c_intra,
                                                 const float* pw) {
  const int sign = REV ? -1 : 1;
  const float* row_base = pw + sign * (i0 + g - 2 * t);
#pragma unroll
  for (int x = 0; x < 32; ++x) s[x] *= c_intra * row_base[sign * (strip_row(x, 0) - strip_col(x, 0))];
}

// The inter term's rows: row i of the chunk times c_inter lambda^(i + 1 - shift) (shift: the segment's
// start state already holds one step of decay).
template <int N, bool REV = false>
__device__ __forceinline__ void apply_row_decay(float (&o)[N], int i0, int g, int shift, float c_inter,
                                                const float* pw) {
  const int r0 = i0 + g, r1 = r0 + 8;  // this thread's rows of the tile
  const float f0 = c_inter * pw[(REV ? 64 - r0 : r0 + 1) - shift], f1 = c_inter * pw[(REV ? 64 - r1 : r1 + 1) - shift];
#pragma unroll
  for (int x = 0; x < N; x += 4) o[x] *= f0, o[x + 1] *= f0, o[x + 2] *= f1, o[x + 3] *= f1;
}

// The update's key decays for the k-step over keys 16 kk .. 16 kk + 15, in the A fragment's order
// (keys 2t, 2t+1, 2t+8, 2t+9 of the step): f = c lambda^(L-1-j), 0 for keys past the chunk's L rows
// (pw[L - 1 - j] is 0 there).
template <bool REV = false>
__device__ __forceinline__ void key_decays(float (&f)[4], int kk, int t, int L, float c, const float* pw) {
  const int sign = REV ? 1 : -1;
  const float* key_base = pw + (REV ? L - 64 + 2 * t : L - 1 - 2 * t);
#pragma unroll
  for (int q = 0; q < 4; ++q) f[q] = c * key_base[sign * (16 * kk + (q & 1) + 8 * (q >> 1))];
}

// This thread's share of a state S (DK x DV, fp32) in registers: MT strips of 16 rows x COLS columns,
// strip mt starting at row row0 + mt * STEP and every strip at column col0.
template <int DK, int DV, int MT, int COLS, int STEP>
struct StateRegs {
  static_assert(COLS > 0 && COLS % 8 == 0 && COLS <= DV, "whole 8-column blocks of the state's columns");
  static constexpr int kFloats = COLS / 2;
  static constexpr int kStrips = MT;
  float x[MT][kFloats];
  int row0, col0, g, t;

  __device__ __forceinline__ int row(int mt, int i) const { return row0 + mt * STEP + strip_row(i, g); }
  __device__ __forceinline__ int col(int i) const { return col0 + strip_col(i, t); }

  __device__ __forceinline__ void fill(float value) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int i = 0; i < kFloats; ++i) x[mt][i] = value;
  }
  __device__ __forceinline__ void scale(float d) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int i = 0; i < kFloats; ++i) x[mt][i] *= d;
  }
  // Where float i of strip mt lies in a state in memory of layout L (la2_state_layout.h): the thread's
  // part of the offset plus a compile-time constant. The blocked layouts rest on row0 and col0 being
  // multiples of 8 (every kernel's are: 16 warp, or DK / 4 and OCOLS multiples, and the zero columns
  // store_state writes start at the held ones' count).
  static constexpr int kRowMajor = state_layout::kRowMajor, kTransposed = state_layout::kTransposed,
                       kBlocked = state_layout::kBlocked, kBlockedTransposed = state_layout::kBlockedTransposed;
  static_assert(DK % 8 == 0 && DV % 8 == 0 && STEP % 8 == 0, "whole 8 x 8 blocks");
  template <int L>
  __device__ __forceinline__ int base() const { return state_layout::thread_part<L, DK, DV>(row0, col0, g, t); }
  template <int L>
  __device__ __forceinline__ static constexpr int offset(int mt, int i) {
    return state_layout::fixed_part<L, DK, DV>(mt * STEP + 8 * ((i >> 1) & 1), 8 * (i >> 2) + (i & 1));
  }
  // Strip mt of a state in memory into y, every load issued before use; pairs as float2 where they are
  // side by side (row-major and blocked: state offsets are even).
  template <int L>
  __device__ __forceinline__ void load_strip_as(const float* p, int mt, float (&y)[kFloats]) const {
    p += base<L>();
#pragma unroll
    for (int i = 0; i < kFloats; i += 2) {
      if constexpr (L == kRowMajor || L == kBlocked) {
        const float2 v = *reinterpret_cast<const float2*>(p + offset<L>(mt, i));
        y[i] = v.x, y[i + 1] = v.y;
      } else {
        y[i] = p[offset<L>(mt, i)];
        y[i + 1] = p[offset<L>(mt, i + 1)];
      }
    }
  }
  // S = mul * (the state at p, layout L), a strip at a time (the whole state's loads would not fit the
  // registers beside S). Strips FIRST .. END - 1 only (the others are left as they are).
  template <int L, int FIRST, int END>
  __device__ __forceinline__ void load_as(const float* p, float mul) {
#pragma unroll
    for (int mt = FIRST; mt < END; ++mt) {
      load_strip_as<L>(p, mt, x[mt]);
#pragma unroll
      for (int i = 0; i < kFloats; ++i) x[mt][i] *= mul;
    }
  }
  // load_as in the layout StateView's flags name (layout_of), or S = 0 where p is null.
  template <int FIRST = 0, int END = MT>
  __device__ __forceinline__ void load(const float* p, int layout, float mul) {
    if (!p) {
#pragma unroll
      for (int mt = FIRST; mt < END; ++mt)
#pragma unroll
        for (int i = 0; i < kFloats; ++i) x[mt][i] = 0.f;
      return;
    }
    switch (layout) {
      case kRowMajor: load_as<kRowMajor, FIRST, END>(p, mul); break;
      case kTransposed: load_as<kTransposed, FIRST, END>(p, mul); break;
      case kBlocked: load_as<kBlocked, FIRST, END>(p, mul); break;
      default: load_as<kBlockedTransposed, FIRST, END>(p, mul); break;
    }
  }
  // S += d * (the segment data's state at p: blocked, transposed or not), strips FIRST .. END - 1.
  template <int FIRST = 0, int END = MT>
  __device__ __forceinline__ void add_scaled_blocked(const float* p, bool transposed, float d) {
#pragma unroll
    for (int mt = FIRST; mt < END; ++mt) {
      float y[kFloats];
      if (transposed) load_strip_as<kBlockedTransposed>(p, mt, y);
      else load_strip_as<kBlocked>(p, mt, y);
#pragma unroll
      for (int i = 0; i < kFloats; ++i) x[mt][i] = fmaf(d, y[i], x[mt][i]);
    }
  }
  // Strips FIRST .. END - 1 to shared memory and back, in this thread's own order (the float4s of
  // consecutive threads side by side, so no bank conflicts), at `base` for `threads` threads (`tid`).
  template <int FIRST>
  __device__ __forceinline__ static int stash_offset(int mt, int i, int tid, int threads) {
    return 4 * ((((mt - FIRST) * kFloats + i) / 4) * threads + tid);
  }
  template <int FIRST, int END>
  __device__ __forceinline__ void stash(float* base, int tid, int threads) const {
#pragma unroll
    for (int mt = FIRST; mt < END; ++mt)
#pragma unroll
      for (int i = 0; i < kFloats; i += 4)
        *reinterpret_cast<float4*>(base + stash_offset<FIRST>(mt, i, tid, threads)) =
            make_float4(x[mt][i], x[mt][i + 1], x[mt][i + 2], x[mt][i + 3]);
  }
  template <int FIRST, int END>
  __device__ __forceinline__ void unstash(const float* base, int tid, int threads) {
#pragma unroll
    for (int mt = FIRST; mt < END; ++mt)
#pragma unroll
      for (int i = 0; i < kFloats; i += 4) {
        const float4 v = *reinterpret_cast<const float4*>(base + stash_offset<FIRST>(mt, i, tid, threads));
        x[mt][i] = v.x, x[mt][i + 1] = v.y, x[mt][i + 2] = v.z, x[mt][i + 3] = v.w;
      }
  }
  // mul * S to a state in memory: row-major, or (BLOCKED) in StateView's blocks.
  template <bool BLOCKED>
  __device__ __forceinline__ void store(float* dst, float mul) const {
    constexpr int L = BLOCKED ? kBlocked : kRowMajor;
    dst += base<L>();
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int i = 0; i < kFloats; i += 2)
        *reinterpret_cast<float2*>(dst + offset<L>(mt, i)) = make_float2(x[mt][i] * mul, x[mt][i + 1] * mul);
  }
  // Adds mul times this state into dst, the segment data's blocks (sm_90's vector float atomics, one per pair).
  __device__ __forceinline__ void add_to_blocked(float* dst, float mul) const {
    dst += base<kBlocked>();
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int i = 0; i < kFloats; i += 2)
        atomicAdd(reinterpret_cast<float2*>(dst + offset<kBlocked>(mt, i)), make_float2(x[mt][i] * mul, x[mt][i + 1] * mul));
  }
};

// A StateView's layout as StateRegs numbers them.
__device__ __forceinline__ int layout_of(const StateView& v) {
  return (v.transposed ? state_layout::kTransposed : 0) | (v.blocked ? state_layout::kBlocked : 0);
}

// A segment's start state, S = lambda^(incs rows - shift) S_0 + sum_(k < incs) lambda^(k rows) dS_(incs-1-k)
// (SegmentScan), summed nearest increment first, each power formed at once; incs = 0: S_0 itself.
// wait_for(f) runs before dS_f is read (one pass: the flag of the block that publishes it). Strips FIRST ..
// END - 1 of S only: each element's sum is the same whichever thread forms it, so two warpgroups may
// share the strips (la2_wgmma_scan.cuh, kScanStripsApart).
template <int FIRST = 0, int END = -1, class State, class WaitFor>
__device__ __forceinline__ void scan_start_state(State& st, const float* init,
                                                 int init_layout, int shift, const SegmentScan& scan,
                                                 const float* increments, int incs, float slope, WaitFor&& wait_for) {
  constexpr int kEnd = END < 0 ? State::kStrips : END;
  // Scaling init in a loop of its own after the loads made ptxas spill 144 bytes (wgmma kernel).
  const float init_mul = incs > 0 ? expf(-slope * static_cast<float>(scan.rows * incs - shift)) : 1.f;
  st.template load<FIRST, kEnd>(init, init_layout, init_mul);
  for (int k = 0; k < incs; ++k) {  // k: the increment's distance from this segment, minus one
    const int f = incs - 1 - k;
    wait_for(f);
    st.template add_scaled_blocked<FIRST, kEnd>(increments + f * scan.f_stride, scan.increments.transposed,
                                                expf(-slope * static_cast<float>(scan.rows * k)));
  }
}

}  // namespace lasuite::la2
