// The output step of Lightning Attention-2 for Hopper (sm_90a): the same chunk algorithm and arguments
// as la2_chunk_kernel's output variant (see there for the math), with the four products on wgmma and
// the work split between two warpgroups that run side by side on every chunk:
//   warpgroup 0 (output): scores = Q K^T, O = c_inter diag(lambda^(i+1)) Q S + (scores (x) D) V, for
//     all 64 rows of the chunk; Q, K, V and the operand copy of S are read by the tensor cores straight
//     from shared memory, the masked scores go back in as a register operand;
//   warpgroup 1 (state): S <- lambda^L S + c_update (diag(lambda^(L-1-j)) K)^T V with S (d x e, fp32)
//     in its registers, then the next chunk's operand copy of S (double-buffered); up to a contraction
//     of 128 it also issues the copies of the outputs' later chunks (kStateRefills).
// Why: the mma.sync kernel spends most of its time in ldmatrix/mma issue (about 0.5 ldmatrix per mma,
// every warp re-reading the state copy and the tiles); wgmma reads the shared operands once per
// warpgroup and frees the issue slots. Tiles arrive kStages chunks deep, by bulk tensor copies (TMA,
// below: the output step, its tensors as wide as the kernel, narrower, or in value tiles, and the
// states-only step beside it at the kernel's own widths) or by every thread's cp.async (which reverses
// rows for the backward's reverse passes and zero-fills rows past n).
//
// WIN (windowed): the tensors' widths and row strides come from the arguments (ChunkWalk::cols_qk,
// cols_v, value_tiles; OutputStepArgs::cols_o): head dims narrower than the kernel read in place, and
// value dims wider than it as value tiles, blocks of the same launch (ChunkWalk::value_tiles). Otherwise
// they are the kernel's own dk and dv at compile time: runtime strides cost the d = e = 128 pass 1.5-2.5 %
// (11 more registers and the address arithmetic), so only the shapes that need them pay for them.
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common/block_flags.cuh"
#include "kernels/common/element.cuh"
#include "kernels/common/grid_dependency.cuh"
#include "kernels/common/mma_sm80.cuh"
#include "kernels/common/role_barrier.cuh"
#include "kernels/common/sw128_tile.cuh"
#include "kernels/common/swizzled_tile.cuh"
#include "kernels/common/tma_sm90.cuh"
#include "kernels/common/wgmma_sm90.cuh"
#include "kernels/lightning2/la2_chunk_args.h"
#include "kernels/lightning2/la2_chunk_kernel.cuh"
#include "kernels/lightning2/la2_chunk_math.cuh"

namespace lasuite::la2 {

// OUT: the output step; otherwise the states-only step (no Q tile, no operand copy of S, no outputs:
// each segment's own state increment), which is bound by reading K and V, so it keeps more chunks in flight.
// DUAL: the output step with a second output (SecondOutput), whose X tile ([row][e]) follows V in a stage.
template <class T, int DK, int DV, bool OUT, bool DUAL = false>
struct WgmmaSmem {
  static_assert(!DUAL || OUT, "a second output belongs to the output step");
  using QTile = dev::Sw128Tile<kChunk, DK>;  // Q and K; the second output's staging
  using VTile = dev::Sw128Tile<kChunk, DV>;  // V and X
  using STile = dev::Sw128Tile<DK, DV>;      // operand copy of S, [d][e]
  static constexpr int kQBytes = OUT ? QTile::kBytes : 0;
  static constexpr int kXBytes = DUAL ? VTile::kBytes : 0;
  static constexpr int kStageBytes = kQBytes + QTile::kBytes + VTile::kBytes + kXBytes;
  static constexpr int kStateBytes = OUT ? 2 * STile::kBytes : 0;
  // Outputs on their way to global memory (each output in turn: a warp stages only its own rows).
  static constexpr int kOStageBytes = !OUT ? 0 : DUAL && QTile::kBytes > VTile::kBytes ? QTile::kBytes : VTile::kBytes;
  // After the stages: the operand copies of S, the output staging tile, the decay table, then 64 bytes
  // where the tiles arrive by TMA: the stages' barriers (8 bytes each), then the block's MapPlace.
  static constexpr int kTableOffset = kStateBytes + kOStageBytes;  // from the end of the stages
  static constexpr int kBarrierOffset = (kTableOffset + kDecayTableFloats * 4 + 7) / 8 * 8;
  static constexpr int kFixedBytes = kBarrierOffset + 64 + 1024;  // 1024: alignment slack
  // Two blocks share an SM (registers capped at 128), so one block's loads and barriers hide behind
  // the other's products: the output step at d = e = 64 (97 KiB each), and the states-only step at
  // d = 128, whose S is split over both warpgroups (97 KiB).
  static constexpr int kBlocksPerSm = (OUT && DK == 64 && DV == 64) || (!OUT && DK == 128) ? 2 : 1;
  static constexpr int kSmemPerBlock = 227 * 1024 / kBlocksPerSm;
  // As many chunks in flight as fit: 3 for the output step (225 KiB at d = e = 128 and at 192 x 64; 2 at
  // 256 x 64 and in the dual step), up to 6 for the states-only step (3 at d = 128, two blocks per SM; 5
  // at 256 x 64).
  static constexpr int fit(int most) {
    return most <= 2 || most * kStageBytes + kFixedBytes <= kSmemPerBlock ? most : fit(most - 1);
  }
  static constexpr int kStages = fit(OUT ? 3 : 6);
  static_assert(kStages <= 6, "a barrier a stage and a MapPlace in 64 bytes");
  static constexpr size_t bytes() { return size_t(kStages) * kStageBytes + kFixedBytes; }
};

// How the output step's tiles and outputs move (WgmmaBlock's TMA): every thread's cp.async and 16-byte
// stores, or bulk tensor copies over a dense batch's maps or a ragged grid's (la2_pass.cu, pass_kernels).
// kTmaDenseReversed: a dense batch's maps walked in reverse (the plain output step of a reverse pass; the
// dual step always walks in reverse). The states-only step's tiles move so too over a dense batch at its
// own widths (kTmaDense, kTmaDenseReversed): its copies by cp.async were a third of the copying
// warpgroup's instructions a chunk, on the chain both warpgroups meet at (ncu: the step issued on 45 %
// of cycles, its warps waiting at the meeting 39 % of the time, DRAM at 48 % of its peak).
constexpr int kCpAsync = 0, kTmaDense = 1, kTmaRagged = 2, kTmaDenseReversed = 3;

// What every role of a block shares: the shared-memory layout, the walk's tensors, the block's segment
// and this thread's place in it.
// TMA: the output step (its tensors as wide as the kernel, narrower, or, windowed, value tiles of whole
// tensors: the maps have the tensors' own widths, so columns past them land as zeros and are not stored) moves its tiles as bulk
// tensor copies (OutputStepArgs::maps): they arrive as 64 x 64 boxes issued by one thread, each stage's landing
// announced on its mbarrier, instead of every thread's cp.async, and the outputs leave as boxes
// (store_output_rows). A box cannot reverse rows, so the dual step's reverse walk (kRevBoxes) takes its
// chunk c as the box of stored rows n - 64 (c + 1) .. n - 64 c - 1: the tile's row r is the chunk's row
// 63 - r, which the mask, the inter term's row decays and the update's key decays read upside down
// (la2_chunk_math.cuh, REV), and its outputs are in stored order; a plain output step walks so where a
// reverse pass asks (kTmaDenseReversed). A dense batch's maps are [bh][n][cols]:
// rows past n, and before 0, land as zeros. A ragged grid's are the packed batch's [heads][total][cols],
// a sequence's rows from its first (MapPlace): the rows of a last, partial chunk past the sequence (or
// before it, reversed) are another sequence's, and begin_chunk zeroes them, as cp.async's zero-fill
// would, so that nothing of one sequence reaches another (a score or a value times a zero mask entry is
// zero only where it is finite). The two are kernels of their own (TMA = kTmaDense, kTmaRagged), so that a
// dense batch's copies and stores take no shared load and no test for another sequence's rows.
// Windowed (WIN), the maps are the whole tensors' and a block's value tile is the box column DV z of V and
// O; its map head, the (batch, head) without the tile, sits in shared memory (MapPlace) as a ragged
// grid's does.
template <class T, int DK, int DV, bool OUT, bool WIN, bool DUAL = false, int TMA = kCpAsync>
struct WgmmaBlock {
  static_assert(TMA == kCpAsync || OUT || (!WIN && (TMA == kTmaDense || TMA == kTmaDenseReversed)),
                "TMA: the output step, or the states-only step over a dense batch at its own widths");
  static_assert(!WIN || (TMA != kTmaRagged && !DUAL), "windows: a dense batch, one output");
  using SM = WgmmaSmem<T, DK, DV, OUT, DUAL>;
  using Elem = T;
  using QTile = typename SM::QTile;
  using VTile = typename SM::VTile;
  using STile = typename SM::STile;
  static constexpr int kStages = SM::kStages;
  // The state warpgroup refills the outputs' chunks (those after the first kStages - 1, which the
  // output warpgroup prefetches), taking the copies out of the output warpgroup's per-chunk chain, the
  // longer one (in the dual step the state warpgroup waited at the meeting for about 30 % of its stall
  // cycles, ncu, session 15): measured 1-4 % faster forward and forward+backward at d = 128 (session 15,
  // call 4). Not past a contraction of 128: measured there, d = 256 ran 9-11 % slower and 192 no faster
  // (call 6; ptxas spilled 4 more bytes in each). Each warpgroup waits for its own copies (cp.async groups
  // are a thread's own), so both commit one group a chunk, empty or not.
  static constexpr bool kStateRefills = OUT && DK <= 128;
  static constexpr bool kTma = TMA != kCpAsync;
  static constexpr bool kRagged = TMA == kTmaRagged;
  static constexpr bool kRevBoxes = kTma && (DUAL || TMA == kTmaDenseReversed);
  static constexpr bool kMapPlaceShared = kRagged || (kTma && WIN);

  unsigned char* smem;      // kStages stages of [Q], K, V tiles
  unsigned char* state_sm;  // two operand copies of S (output step), then the output staging tile
  float* pw;                // pw[k] = lambda^k (0 for k < 0: fill_decay_powers)
  const T* qg;
  const T* kg;
  const T* vg;
  const T* xg;    // the second output's X (DUAL)
  int64_t n, bh;  // bh: the states' index (a dense batch's (batch, head); BlockPlace)
  int64_t row0;   // of q, k, v, o, in rows
  int cols_qk, cols_v;  // q and k's width (their row stride), v's in this block's value tile
  int64_t ld_v;         // v's row stride
  int z;                // the value tile (WIN)
  int reverse, seg, segs, c_begin, c_end;
  int wg, warp, lane, g, t;
  dev::RoleBarrier meeting;  // the warpgroups meet once per chunk, each from its own loop
  // TMA: the tensors' maps (the kernel's arguments; where the block's rows lie in them: MapPlace), the
  // stages' barriers, and bit s of `phases` the parity of stage s's next landing (each thread waits for
  // every landing, so its count of a stage's phases is the barrier's).
  const TileMaps* maps;
  uint64_t* landed;
  mutable uint32_t phases;
  // Where a ragged grid's block lies in its maps, in shared memory after the barriers, read where used
  // (held in registers, it cost the 64 x 64 kernels 8 bytes of spill); a windowed block's head likewise.
  // A dense batch's block is otherwise at row 0 of map head bh.
  struct MapPlace {
    int head, row0;
  };
  __device__ __forceinline__ MapPlace* map_place() const { return reinterpret_cast<MapPlace*>(landed + kStages); }

  // What every kernel on this block sets the same way (la2_wgmma_kernel, la2_pingpong_kernel): its shared
  // memory (aligned to 1024 bytes for the swizzled tiles), its place in the walk, segment, value tile and
  // chunks, its warpgroup, warp and lane, its rows' pointers (xg: the caller's, DUAL), and under TMA the
  // maps, its MapPlace and the stages' barriers (thread 0; the caller syncs the block before any copy or
  // wait). Returns the block's place (its head gives the slope).
  __device__ __forceinline__ BlockPlace set_up(unsigned char* smem_raw, const ChunkWalk& w, const TileMaps* tile_maps) {
    smem = smem_raw + ((1024u - (dev::smem_addr(smem_raw) & 1023u)) & 1023u);
    state_sm = smem + kStages * SM::kStageBytes;
    pw = reinterpret_cast<float*>(state_sm + SM::kTableOffset) + kPowZeros;
    landed = reinterpret_cast<uint64_t*>(state_sm + SM::kBarrierOffset);
    phases = 0;
    // Segment-major grid: the blocks of segment 0 are dispatched first (they may run beside the states step).
    seg = blockIdx.y;
    segs = static_cast<int>(gridDim.y);
    const int tiles = WIN ? w.value_tiles : 1;
    z = WIN ? static_cast<int>(blockIdx.x % tiles) : 0;
    const BlockPlace place = place_block(w, blockIdx.x / tiles);
    bh = place.state_bh + int64_t(z) * (gridDim.x / tiles);
    row0 = place.row0;
    wg = threadIdx.x >> 7, warp = (threadIdx.x >> 5) & 3, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    n = place.n;
    reverse = w.reverse;
    const int nchunks = static_cast<int>((n + kChunk - 1) / kChunk);
    c_begin = seg * w.seg_chunks;
    c_end = min(nchunks, c_begin + w.seg_chunks);
    cols_qk = WIN ? w.cols_qk : DK;
    ld_v = WIN ? w.cols_v : DV;
    cols_v = WIN ? w.cols_v - DV * z : DV;
    qg = OUT ? static_cast<const T*>(w.q) + row0 * cols_qk : nullptr;
    kg = static_cast<const T*>(w.k) + row0 * cols_qk;
    vg = static_cast<const T*>(w.v) + row0 * ld_v + DV * z;
    xg = nullptr;
    if constexpr (kTma) {
      maps = tile_maps;
      if (threadIdx.x == 0) {  // before this thread's first copy
        if constexpr (kRagged) *map_place() = {place.head, static_cast<int>(place.seq_row0)};
        else if constexpr (WIN) *map_place() = {static_cast<int>(place.state_bh), 0};
        for (int s = 0; s < kStages; ++s) dev::mbarrier_init(landed + s, 1);
        dev::fence_mbarrier_init();
      }
    }
    return place;
  }
  // The map coordinates (row, head) of the block's row `row`.
  __device__ __forceinline__ int2 map_coords(int64_t row) const {
    if constexpr (kMapPlaceShared) return make_int2(map_place()->row0 + static_cast<int>(row), map_place()->head);
    else return make_int2(static_cast<int>(row), static_cast<int>(bh));
  }

  // Rows past n are zero-filled (cp.async with 0 source bytes): they add nothing to any product. The
  // output warpgroup copies, except the outputs' chunks after the first kStages - 1 where kStateRefills
  // (the state warpgroup; warpgroup 0 in the split states-only step). outputs_chunk: one of the outputs'
  // chunks, which need Q (and X) too; an increment needs only K and V (the states-only step's chunks are
  // all increments).
  __device__ __forceinline__ void load_chunk(int chunk, int stage, bool outputs_chunk) const {
    unsigned char* sq = smem + stage * SM::kStageBytes;
    unsigned char* sk = sq + SM::kQBytes;
    const bool with_q = OUT && outputs_chunk;
    if constexpr (kTma) {  // the copying warpgroup's first thread; rows past n land as zeros
      if ((threadIdx.x & 127) != 0) return;
      uint64_t* bar = landed + stage;
      dev::mbarrier_arrive_expect(bar, (with_q ? QTile::kBytes + SM::kXBytes : 0) + QTile::kBytes + VTile::kBytes);
      const int2 at = map_coords(kRevBoxes ? n - int64_t(chunk + 1) * kChunk : int64_t(chunk) * kChunk);
      const int row = at.x, head = at.y;
#pragma unroll
      for (int h = 0; h < DK / 64; ++h) {
        if (with_q) dev::tma_load_box(sq + h * QTile::kBlockBytes, &maps->q, 64 * h, row, head, bar);
        dev::tma_load_box(sk + h * QTile::kBlockBytes, &maps->k, 64 * h, row, head, bar);
      }
      const int v_col = WIN ? DV * z : 0;  // the value tile's first column
#pragma unroll
      for (int h = 0; h < DV / 64; ++h) {
        dev::tma_load_box(sk + QTile::kBytes + h * VTile::kBlockBytes, &maps->v, v_col + 64 * h, row, head, bar);
        if (DUAL && with_q)
          dev::tma_load_box(sk + QTile::kBytes + VTile::kBytes + h * VTile::kBlockBytes, &maps->x, 64 * h, row, head, bar);
      }
      return;
    }
    const int64_t row0 = int64_t(chunk) * kChunk;
    const int tid = threadIdx.x & 127;  // within the copying warpgroup (either, where kStateRefills)
    if (with_q) dev::load_rows_sw128<kChunk, DK, 128>(sq, qg, n, row0, reverse, tid, cols_qk, cols_qk);
    dev::load_rows_sw128<kChunk, DK, 128>(sk, kg, n, row0, reverse, tid, cols_qk, cols_qk);
    dev::load_rows_sw128<kChunk, DV, 128>(sk + QTile::kBytes, vg, n, row0, reverse, tid, cols_v, ld_v);
    if (DUAL && with_q) dev::load_rows_sw128<kChunk, DV, 128>(sk + QTile::kBytes + VTile::kBytes, xg, n, row0, reverse, tid, DV, DV);
  }
  // The copying warpgroup refills the oldest stage (chunks up to `end`): the output warpgroup once its
  // products of the chunk are issued, the state warpgroup right after the meeting.
  __device__ __forceinline__ void refill(int c, int local, int end, bool with_q) const {
    if (c + kStages - 1 < end) load_chunk(c + kStages - 1, (local + kStages - 1) % kStages, with_q);
    commit_copies();
  }
  __device__ __forceinline__ void prefetch(int begin, int end, bool with_q) const {
#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
      if (begin + s < end) load_chunk(begin + s, s, with_q);
      commit_copies();
    }
  }
  // cp.async: a group a chunk, empty or not, so that begin_chunk's wait counts chunks.
  __device__ __forceinline__ static void commit_copies() {
    if constexpr (!kTma) dev::cp_async_commit();
  }
  // Start of every chunk (the local-th of its loop, in stage local % kStages), in both warpgroups: the
  // chunk's tiles and the state's operand copy published.
  __device__ __forceinline__ void begin_chunk(int local) const {
    if constexpr (kTma) {
      const int s = local % kStages;
      dev::mbarrier_wait(landed + s, (phases >> s) & 1u);
      phases ^= 1u << s;
      if constexpr (kRagged)
        // A ragged grid runs one segment (run_pass refuses more), so the local chunk is the sequence's
        // (no one-pass increment's chunks); a partial last one's box holds another sequence's rows.
        if (n % kChunk != 0 && c_begin + local == c_end - 1) zero_foreign_rows(stage(local));
    } else if (wg == 0 || kStateRefills) {
      dev::cp_async_wait<kStages - 2>();  // this thread's copies of the chunk have landed
      dev::fence_proxy_async();
    }
    meeting.meet();
  }
  __device__ __forceinline__ unsigned char* stage(int local) const { return smem + (local % kStages) * SM::kStageBytes; }
  // The rows of a landed stage that are not the sequence's (past its n % 64, or before them reversed):
  // every 64-column block of its tiles (a stage is whole blocks, a row 128 bytes of each, whatever the
  // swizzle) written zero by both warpgroups, made visible to the tensor cores' reads after the meeting
  // that follows. Not inlined: called once a sequence, inlined it cost the 64 x 64 dual step 8 bytes of
  // spill (ptxas).
  __device__ __noinline__ void zero_foreign_rows(unsigned char* st) const {
    constexpr int kBlocks = SM::kStageBytes / (kChunk * 128);
    static_assert(kBlocks * kChunk * 128 == SM::kStageBytes, "a stage of whole 64-column blocks");
    const int tail_rows = static_cast<int>(n % kChunk), piece = threadIdx.x & 7;  // 16 bytes of a row; rows kThreads / 8 apart
#pragma unroll 1
    for (int j = threadIdx.x >> 3; j < kBlocks * kChunk; j += kThreads / 8) {
      const int r = j & (kChunk - 1);
      if (kRevBoxes ? r < kChunk - tail_rows : r >= tail_rows)
        *reinterpret_cast<uint4*>(st + j * 128 + piece * 16) = make_uint4(0, 0, 0, 0);
    }
    dev::fence_proxy_async();
  }
  __device__ __forceinline__ uint32_t stage_addr(int local) const { return dev::smem_addr(stage(local)); }
  // B = V (stored [row][e], MN-major) for the k-step over rows kk: both warpgroups use it.
  __device__ __forceinline__ static uint64_t v_desc(uint32_t v_addr, int kk) {
    return dev::sw128_desc(v_addr + VTile::mn_major_step(kk), VTile::kBlockBytes, 1024);
  }
};

// One pass (OnePass): the block of segment s > 0 first computes the increment of segment s - 1, the
// nearest term of its own start state, so its scan starts on its own increment (just stored, no flag
// to wait for) while the other blocks publish theirs; segment 0's block writes outputs at once. Past
// segment 1 the increment is summed from its last chunk to its first (inc_last_first), so that the
// outputs of its segment, which start at the first chunk, find the keys and values read last still in
// L2; dS_0 keeps the forward order: segment 0's outputs read the same chunks at the same time.
struct OwnIncrement {
  int seg = -1;  // the segment whose increment this block computes; -1: none
  int begin = 0, end = 0;
  bool last_first = false;
  __device__ __forceinline__ bool any() const { return seg >= 0; }
  __device__ __forceinline__ int count() const { return end - begin; }
  __device__ __forceinline__ int chunk(int i) const { return last_first ? end - 1 - i : begin + i; }
};

template <bool OUT>
__device__ __forceinline__ bool is_one_pass(const StepArgs<OUT>& a) {
  if constexpr (OUT) return a.one_pass.publish != nullptr;
  else return false;
}

// acc (64 x N) = A B^T over K, one committed group: A [64][K] (tile AT) and B [N][K] (tile BT) both read
// as K-major operands from shared memory. The scores Q K^T and X V^T, and the second output's inter term
// X S^T (S stored [d][e] is S^T's [n][k]).
template <class T, int N, int K, class AT, class BT>
__device__ __forceinline__ void issue_a_bt(float (&acc)[N / 2], uint32_t a_addr, uint32_t b_addr) {
  dev::wgmma_fence();
#pragma unroll
  for (int kk = 0; kk < K / 16; ++kk)
    dev::Wgmma<T, N, 0>::ss(acc, dev::sw128_desc(a_addr + AT::k_major_step(kk), 16, 1024),
                            dev::sw128_desc(b_addr + BT::k_major_step(kk), 16, 1024), kk > 0);
  dev::wgmma_commit();
}

// The masked scores of a 64 x 64 product as the register A operand of the four k-steps over the chunk's
// keys: a thread's accumulators are already in the A fragments' order, two to a register.
template <class T>
__device__ __forceinline__ void score_fragments(const float (&sc)[32], uint32_t (&p)[4][4]) {
  using El = dev::Element<T>;
#pragma unroll
  for (int kk = 0; kk < 4; ++kk) {
    p[kk][0] = El::pack(sc[8 * kk], sc[8 * kk + 1]);
    p[kk][1] = El::pack(sc[8 * kk + 2], sc[8 * kk + 3]);
    p[kk][2] = El::pack(sc[8 * kk + 4], sc[8 * kk + 5]);
    p[kk][3] = El::pack(sc[8 * kk + 6], sc[8 * kk + 7]);
  }
}

// Between an output's first two product groups (the scores, then the inter term) and its intra
// product: the scores masked and decayed into A fragments `p` once they land, then the inter term's rows
// decayed once it lands, fenced for the intra product that accumulates onto it.
template <class T, class B, int N>
__device__ __forceinline__ void mask_scores_decay_rows(const B& b, const OutputStepArgs& a, float (&sc)[32],
                                                       float (&o)[N], uint32_t (&p)[4][4], int shift) {
  const int i0 = 16 * b.warp;  // this warp's rows of the chunk
  dev::wgmma_wait<1>();  // the scores; the inter term still running
  dev::wgmma_fence_regs(sc);
  apply_decay_mask<B::kRevBoxes>(sc, i0, b.g, b.t, a.walk.c_intra, b.pw);
  score_fragments<T>(sc, p);
  dev::wgmma_wait<0>();
  dev::wgmma_fence_regs(o);
  apply_row_decay<N, B::kRevBoxes>(o, i0, b.g, shift, a.walk.c_inter, b.pw);
  dev::wgmma_fence();
}

// One output's chunk (W columns, a thread's share in `o`) to global memory through this warp's 16 rows of
// the staging tile ([64][W]): 16-byte stores of whole rows instead of 4-byte pieces (fewer
// requests in the load/store queue). `out`: the output, `ld` its row stride, `col0` the tile's first
// column; columns at or past `cols` are not written. The row pointer is formed here, after the staging
// address: formed by the caller, it gave the native 128 x 128 output step 8 bytes of spill (ptxas).
// TMA (B::kTma; the map, of the output's own width, clips the columns; `cols` serves the 16-byte stores):
// the tile's rows are stored rows first .. first + 63 (first = 64 c, or in reverse n - 64 (c + 1):
// kRevBoxes), and the warp's 16 staged rows leave as boxes of `map` (one a 64 columns), issued by its
// first lane, which before staging the next rows waits
// for the boxes' reads of these (a chunk later, long done; between the dual step's two outputs, the
// second output's products later). A box is stored only where all its rows are the sequence's: a box
// may not start before row 0 (the store is an illegal instruction there, measured), and past a ragged
// grid's sequence lie another's rows; so where n is not a multiple of 64 the last chunk's boxes that
// cross the sequence's bounds leave by 16-byte stores from the same staged rows.
// A warp's 16 rows of a 64 x W output (a thread's share in `o`) into the staging tile at `stage`
// ([64][W], swizzled), as 16-bit elements.
template <int W, class Elem>
__device__ __forceinline__ void stage_output_rows(const float (&o)[W / 2], unsigned char* stage, int warp, int lane) {
  using El = dev::Element<Elem>;
  using TILE = dev::Sw128Tile<kChunk, W>;
#pragma unroll
  for (int j = 0; j < W / 8; j += 2) {
    const int m = lane >> 3, row = 16 * warp + 8 * (m & 1) + (lane & 7), col = 8 * (j + (m >> 1));
    dev::stmatrix_x4(stage + TILE::offset(row, col), El::pack(o[4 * j], o[4 * j + 1]),
                     El::pack(o[4 * j + 2], o[4 * j + 3]), El::pack(o[4 * j + 4], o[4 * j + 5]),
                     El::pack(o[4 * j + 6], o[4 * j + 7]));
  }
}

// A warp's 16 staged rows (stage_output_rows) out as boxes of `map`, one a 64 columns, to stored rows
// box_row .. + 15 from column col0, issued by its first lane as one bulk group (not waited for).
template <int W, class B>
__device__ __forceinline__ void store_staged_boxes(const B& b, const dev::TensorMap* map, int col0, int64_t box_row,
                                                   unsigned char* stage) {
  using TILE = dev::Sw128Tile<kChunk, W>;
  dev::fence_proxy_async();  // the staged rows visible to the copy engine
  __syncwarp();
  if (b.lane == 0) {
    const int2 at = b.map_coords(box_row);
#pragma unroll
    for (int h = 0; h < W / 64; ++h)
      dev::tma_store_box(map, col0 + 64 * h, at.x, at.y, stage + TILE::offset(16 * b.warp, 64 * h));
    dev::bulk_commit_group();
  }
}

template <int W, class B>
__device__ __forceinline__ void store_output_rows(const B& b, const float (&o)[W / 2], void* out, int ld, int col0,
                                                  int cols, int c, const dev::TensorMap* map) {
  using TILE = dev::Sw128Tile<kChunk, W>;
  unsigned char* o_stage = b.state_sm + B::SM::kStateBytes;
  typename B::Elem* og = static_cast<typename B::Elem*>(out) + b.row0 * ld + col0;
  const int lane = b.lane, warp = b.warp;
  if constexpr (B::kTma) {
    if (lane == 0) dev::bulk_wait_group_read<0>();
    __syncwarp();
  }
  stage_output_rows<W, typename B::Elem>(o, o_stage, warp, lane);
  static_assert(kOutputBoxRows == 16, "an output box is a warp's 16 rows");
  const int64_t first = B::kRevBoxes ? b.n - int64_t(c + 1) * kChunk : int64_t(c) * kChunk;
  if constexpr (B::kTma) {
    const int64_t box_row = first + 16 * warp;
    if (box_row >= 0 && (!B::kRagged || box_row + 16 <= b.n)) {  // the same for the whole warp; a dense map clips rows past n
      store_staged_boxes<W>(b, map, col0, box_row, o_stage);
      return;
    }
  }
  __syncwarp();
  constexpr int kRowChunks = W / 8;  // 16-byte pieces per row
#pragma unroll
  for (int k = 0; k < 16 * kRowChunks / 32; ++k) {
    const int piece = 32 * k + lane, row = 16 * warp + piece / kRowChunks, col = 8 * (piece % kRowChunks);
    const uint4 v = *reinterpret_cast<const uint4*>(o_stage + TILE::offset(row, col));
    if constexpr (B::kRevBoxes) {  // rows in stored order
      if (first + row >= 0 && col < cols) *reinterpret_cast<uint4*>(og + (first + row) * ld + col) = v;
    } else {
      const int64_t vt = int64_t(c) * kChunk + row;
      if (vt < b.n && col < cols) *reinterpret_cast<uint4*>(og + (b.reverse ? b.n - 1 - vt : vt) * ld + col) = v;
    }
  }
  __syncwarp();  // the next stmatrix overwrites these rows
}

// The second output's chunk (DUAL; SecondOutput): O2_c = c_intra ((X_c V_c^T) (x) D) K_c
// + c_inter diag(lambda^(i+1)) X_c S^T, from the same stage and operand copy of S as the first: X V^T
// and X S^T contract over e with X, V and S read as K-major operands (S [d][e] is S^T's [n][k]), and K
// ([row][d]) is the intra product's MN-major B, as V is the first output's. Two halves, so that the
// first output's last product and its stores run beside the scores X V^T (issue_second_scores, before the
// first output's stores), then X S^T (issue_second_inter); finish_second_output waits for both and does
// the rest. Issuing X S^T before the stores too spilled 56 bytes at d = 128 and serialised the products
// at d = 64 (128 registers a thread there).
template <class T, int DV>
__device__ __forceinline__ void issue_second_scores(float (&sc)[32], uint32_t v_addr) {
  using VTile = dev::Sw128Tile<kChunk, DV>;
  issue_a_bt<T, 64, DV, VTile, VTile>(sc, v_addr + VTile::kBytes, v_addr);  // X V^T, X after V in the stage
}
template <class T, int DK, int DV>
__device__ __forceinline__ void issue_second_inter(float (&o)[DK / 2], uint32_t v_addr, uint32_t s_addr) {
  using VTile = dev::Sw128Tile<kChunk, DV>;
  issue_a_bt<T, DK, DV, VTile, dev::Sw128Tile<DK, DV>>(o, v_addr + VTile::kBytes, s_addr);  // X S^T
}

template <class T, int DK, int DV, int TMA>
__device__ __forceinline__ void finish_second_output(const WgmmaBlock<T, DK, DV, true, false, true, TMA>& b,
                                                     const OutputStepArgs& a, int c, int shift, float (&sc)[32],
                                                     float (&o)[DK / 2], uint32_t k_addr) {
  using QTile = typename WgmmaBlock<T, DK, DV, true, false, true, TMA>::QTile;
  uint32_t p[4][4];
  mask_scores_decay_rows<T>(b, a, sc, o, p, shift);
#pragma unroll
  for (int kk = 0; kk < 4; ++kk)
    dev::Wgmma<T, DK, 1>::rs(o, p[kk], dev::sw128_desc(k_addr + QTile::mn_major_step(kk), QTile::kBlockBytes, 1024), 1);
  dev::wgmma_commit();
  dev::wgmma_wait<0>();
  dev::wgmma_fence_regs(o);
  const int ld = b.kTma ? a.walk.cols_qk : DK;  // O2 as wide as K' (narrower where read in place)
  store_output_rows<DK>(b, o, a.second.o, ld, 0, ld, c, &a.maps.o2);
}

// A chunk's first output, O_c = c_inter diag(lambda^(i+1)) Q_c S + ((Q_c K_c^T) (x) D) V_c, into `o` from
// its stage's tiles at q_addr, k_addr and v_addr and the operand copy of S at s_addr: the scores Q K^T and the inter term
// Q S as one group (S stored [d][e] is the MN-major B), `between()` while the tensor cores work, the
// scores masked into A fragments and the inter rows decayed, then the intra product onto `o`, committed
// and not waited for.
template <class T, int DK, int DV, class B, class Between>
__device__ __forceinline__ void output_products(const B& b, const OutputStepArgs& a, float (&o)[DV / 2],
                                                uint32_t q_addr, uint32_t k_addr, uint32_t v_addr, uint32_t s_addr,
                                                int shift, Between&& between) {
  using QTile = dev::Sw128Tile<kChunk, DK>;
  using STile = dev::Sw128Tile<DK, DV>;
  float sc[32];
  issue_a_bt<T, 64, DK, QTile, QTile>(sc, q_addr, k_addr);  // scores = Q K^T, K stored [key][d]
#pragma unroll
  for (int kk = 0; kk < DK / 16; ++kk)
    dev::Wgmma<T, DV, 1>::ss(o, dev::sw128_desc(q_addr + QTile::k_major_step(kk), 16, 1024),
                             dev::sw128_desc(s_addr + STile::mn_major_step(kk), STile::kBlockBytes, 1024), kk > 0);
  dev::wgmma_commit();
  between();
  uint32_t p[4][4];  // the A fragments of (scores (x) D) for the k-steps over keys
  mask_scores_decay_rows<T>(b, a, sc, o, p, shift);
#pragma unroll
  for (int kk = 0; kk < 4; ++kk) dev::Wgmma<T, DV, 1>::rs(o, p[kk], B::v_desc(v_addr, kk), 1);
  dev::wgmma_commit();
}

// The output warpgroup's chunk: O_c = c_inter diag(lambda^(i+1)) Q_c S + ((Q_c K_c^T) (x) D) V_c for all
// 64 rows, Q, K, V and the operand copy of S read by the tensor cores from shared memory, the masked
// scores going back in as a register operand (then, DUAL, the second output's). Refills the oldest
// stage while the products run, unless the state warpgroup does (kStateRefills).
template <class T, int DK, int DV, bool WIN, bool DUAL, int TMA>
__device__ __forceinline__ void chunk_outputs(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b, const OutputStepArgs& a,
                                              int c, int shift) {
  using B = WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>;
  using QTile = typename B::QTile;
  using STile = typename B::STile;
  constexpr int SD = DV / 2;  // accumulator floats per thread of one 64 x DV product
  const int local = c - b.c_begin;
  const uint32_t q_addr = b.stage_addr(local), k_addr = q_addr + QTile::kBytes, v_addr = k_addr + QTile::kBytes;
  const uint32_t s_addr = dev::smem_addr(b.state_sm + (local & 1) * STile::kBytes);
  float o[SD];
  output_products<T, DK, DV>(b, a, o, q_addr, k_addr, v_addr, s_addr, shift, [&] {
    if (B::kStateRefills) B::commit_copies();  // an empty group: begin_chunk's wait counts one a chunk
    else b.refill(c, local, b.c_end, true);     // while the tensor cores work
  });
  float sc2[DUAL ? 32 : 1];  // the second output's scores (DUAL)
  if constexpr (DUAL) {
    issue_second_scores<T, DV>(sc2, v_addr);
    dev::wgmma_wait<1>();  // this output's last product; the second's scores run on
  } else {
    dev::wgmma_wait<0>();
  }
  dev::wgmma_fence_regs(o);
  const int ld_o = WIN || B::kTma ? a.cols_o : DV;  // o's row stride (under TMA, for the rows stored by 16-byte stores)
  const int cols_o = WIN ? ld_o - DV * b.z : ld_o;  // this tile's columns of o; those past it are not written
  store_output_rows<DV>(b, o, a.o, ld_o, DV * b.z, cols_o, c, &a.maps.o);
  if constexpr (DUAL) {
    float o2[DK / 2];
    issue_second_inter<T, DK, DV>(o2, v_addr, s_addr);
    finish_second_output(b, a, c, shift, sc2, o2, k_addr);
  }
}

// The state warpgroup's S: strip mt of S's rows 64 (tile0 + mt) .. + 63, this warp's 16 of them.
template <int DK, int DV, int TILES>
using WgmmaState = StateRegs<DK, DV, TILES, DV, 64>;

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
// the output warpgroup, which once its first tiles are issued has nothing to do until its first chunk's
// meeting, strip 1, handed over through the second operand copy of S (unused until the state warpgroup
// writes chunk 1's into it; the strip's fp32 is as large). The sums are the same operations on the same
// values, so the outputs are bit for bit those of one warpgroup's scan. Barriers: kOwnPublished (one pass:
// the block's own increment, just stored by the state warpgroup, may be read) and kScanHandedOver (strip 1
// stashed), each met by both warpgroups from their own code, so both read the condition from the same TILES
// (DK / 64: asserted in state_warpgroup). Why, and what it does: session 24's probe had a block's scan at
// 2.35 k cycles a strip and increment (14 k for the fourth segment of four at 4k, 15 % of its forward),
// taken for a chain of round trips that two warpgroups would halve; measured (calls 4-6) the forward is
// 2.4 % faster at 4k and 0.5 % at 16k, forward+backward unchanged, but the probe of this form (call 7) has
// the scan no shorter (the two warpgroups' loads share the SM's load path: each warp's load of the then
// row-major segment data touched 8 rows of 32 bytes, so the loads' throughput bounded it), and the dQ pass's
// transposed scan 2 k cycles longer. The segment data is blocked since session 25 (la2_state_layout.h);
// which steps take the split was measured before that and not again.
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

// Warpgroup 0 of the output step: copies the tiles (those of its own increment, in one pass; the
// outputs' chunks unless the state warpgroup refills them, kStateRefills), sums its strip of the scan
// where the strips are apart, and computes the outputs of the segment's chunks.
template <class T, int DK, int DV, bool WIN, bool DUAL, int TMA>
__device__ __forceinline__ void output_warpgroup(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b, const OutputStepArgs& a,
                                                 const OwnIncrement& inc, int shift0, float slope) {
  using B = WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>;
  if (inc.any()) {  // the keys and values for the state warpgroup's increment, then the outputs' first chunks
    // refill's loop again, over inc.chunk: refill and prefetch generalised to 'first + step i' served
    // both, but cost the forward 0.8 us at 4k (5136d9b, reverted).
    for (int i = 0; i < inc.count(); ++i) {
      b.begin_chunk(i);
      if (i + B::kStages - 1 < inc.count())
        b.load_chunk(inc.chunk(i + B::kStages - 1), (i + B::kStages - 1) % B::kStages, false);
      B::commit_copies();
    }
    b.meeting.meet();  // the state warpgroup is done with the stages
    b.prefetch(b.c_begin, b.c_end, true);
  }
  if constexpr (kScanStripsApart<DK / 64, WIN, DUAL>) {
    WgmmaState<DK, DV, DK / 64> part{{}, 16 * b.warp, 0, b.g, b.t};  // the state warpgroup's thread's layout
    const ScanInputs in = scan_inputs(b, a);
    if (inc.any()) dev::RoleBarrier{kOwnPublished, kThreads}.meet();
    scan_from<1, 2>(part, in, a, slope, IncrementWait<0, kOutputGroupBarrier, B>{b, a, inc.seg});
    part.template stash<1, 2>(scan_stash(b), threadIdx.x & 127, 128);
    dev::RoleBarrier{kScanHandedOver, kThreads}.meet();
  }
  for (int c = b.c_begin; c < b.c_end; ++c) {
    b.begin_chunk(c - b.c_begin);
    chunk_outputs(b, a, c, c == b.c_begin ? shift0 : 0);
  }
  if constexpr (B::kTma)  // the block's shared memory stays until the last boxes have left it
    if (b.lane == 0) dev::bulk_wait_all();
  if (is_one_pass<true>(a)) dev::grid_dependency_wait();  // a one-pass kernel ends after the kernel ahead, as others do
}

// S <- lambda^(L - shift) S + c_update sum_j lambda^(L-1-j) k_j^T v_j for chunk c (in stage `local`),
// or, `summed`, S <- S + key_mul c_update sum_j lambda^(L-1-j) k_j^T v_j (chunks taken last first):
// A = (f K)^T from registers (ldmatrix.trans of the K tile, scaled per key row), B = V.
// Each 64-row tile of S is its own group of products, so the next tile's A fragments are made while
// the tensor cores work on this one (its fragments stay untouched until the wait). All tiles are
// decayed first: touching a tile's accumulators while another tile's products ran made ptxas wait
// for those products (C7517).
template <class T, int DK, int DV, bool OUT, bool WIN, int TILES, bool DUAL, int TMA>
__device__ __forceinline__ void update_state(const WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>& b, WgmmaState<DK, DV, TILES>& st,
                                             int c, int local, int shift, bool summed, float key_mul, float c_update,
                                             int tile0) {
  using B = WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>;
  using QTile = typename B::QTile;
  using El = dev::Element<T>;
  const uint32_t k_addr = b.stage_addr(local) + B::SM::kQBytes, v_addr = k_addr + QTile::kBytes;
  const unsigned char* sk = b.stage(local) + B::SM::kQBytes;
  const int L = dev::rows_left(b.n, int64_t(c) * kChunk, kChunk);
  const float dec = summed ? 1.f : b.pw[L - shift];
  const float cu = c_update * key_mul;
  const int lane = b.lane;
#pragma unroll
  for (int mt = 0; mt < TILES; ++mt) {
#pragma unroll
    for (int i = 0; i < DV / 2; ++i) st.x[mt][i] *= dec;
    dev::wgmma_fence_regs(st.x[mt]);  // keeps the compiler from sinking the multiplies past the first issue
  }
  // The key decays are the same for every tile of S: formed once up to two tiles (the products' fences
  // would have them reloaded for each tile), for each tile past that (formed once, they spilled 12 bytes
  // at 256 x 64).
  float f[4][4];
  auto form_key_decays = [&] {
#pragma unroll
    for (int kk = 0; kk < 4; ++kk) key_decays<B::kRevBoxes>(f[kk], kk, b.t, L, cu, b.pw);
  };
  if constexpr (TILES <= 2) form_key_decays();
  uint32_t ka[TILES][4][4];
#pragma unroll
  for (int mt = 0; mt < TILES; ++mt) {
    if constexpr (TILES > 2) form_key_decays();
#pragma unroll
    for (int kk = 0; kk < 4; ++kk) {
      const int row = 16 * kk + (lane & 7) + 8 * (lane >> 4), col = 64 * (tile0 + mt) + 16 * b.warp + 8 * ((lane >> 3) & 1);
      dev::ldmatrix_x4_trans(ka[mt][kk], sk + QTile::offset(row, col));
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float2 x = El::unpack(ka[mt][kk][i]);
        ka[mt][kk][i] = El::pack(x.x * f[kk][2 * (i >> 1)], x.y * f[kk][2 * (i >> 1) + 1]);
      }
    }
    dev::wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < 4; ++kk) dev::Wgmma<T, DV, 1>::rs(st.x[mt], ka[mt][kk], B::v_desc(v_addr, kk), 1);
    dev::wgmma_commit();
  }
  dev::wgmma_wait<0>();
#pragma unroll
  for (int mt = 0; mt < TILES; ++mt) {
    dev::wgmma_fence_regs(st.x[mt]);
    dev::wgmma_keep_regs(ka[mt]);
  }
}

// The operand copy of S (the element type, swizzled) that the output warpgroup's Q S reads.
template <class T, int DK, int DV, bool WIN, int TILES, bool DUAL, int TMA>
__device__ __forceinline__ void write_state_operand(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b,
                                                    const WgmmaState<DK, DV, TILES>& st, unsigned char* dst) {
  using STile = typename WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>::STile;
  using El = dev::Element<T>;
  const int lane = b.lane;
#pragma unroll
  for (int mt = 0; mt < TILES; ++mt)
#pragma unroll
    for (int j = 0; j < DV / 8; j += 2) {  // matrices (rows +0, cols j), (+8, j), (+0, j+1), (+8, j+1)
      const int m = lane >> 3, row = 64 * mt + 16 * b.warp + 8 * (m & 1) + (lane & 7), col = 8 * (j + (m >> 1));
      dev::stmatrix_x4(dst + STile::offset(row, col), El::pack(st.x[mt][4 * j], st.x[mt][4 * j + 1]),
                       El::pack(st.x[mt][4 * j + 2], st.x[mt][4 * j + 3]),
                       El::pack(st.x[mt][4 * j + 4], st.x[mt][4 * j + 5]),
                       El::pack(st.x[mt][4 * j + 6], st.x[mt][4 * j + 7]));
    }
  dev::fence_proxy_async();  // the output warpgroup's wgmma reads it after the next barrier
}

// One pass: the increment of the segment before this block's, the same products in the same order as
// the states-only step's (or last chunk first), published for the segments after it and for the passes
// that read this pass's segment data (the backward's).
template <class T, int DK, int DV, bool WIN, int TILES, bool DUAL, int TMA>
__device__ __forceinline__ void publish_own_increment(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b, const OutputStepArgs& a,
                                                      const OwnIncrement& inc, WgmmaState<DK, DV, TILES>& st) {
  st.fill(0.f);
  float key_mul = 1.f;  // lambda^(rows after the chunk, within the increment)
  for (int i = 0; i < inc.count(); ++i) {
    const int c = inc.chunk(i);
    b.begin_chunk(i);
    update_state(b, st, c, i, 0, inc.last_first, key_mul, a.walk.c_update, 0);
    if (inc.last_first) key_mul *= b.pw[dev::rows_left(b.n, int64_t(c) * kChunk, kChunk)];
  }
  b.meeting.meet();  // the output warpgroup may refill the stages
  const SegmentScan& s = a.scan;
  st.template store</*BLOCKED=*/true>(a.one_pass.publish + b.bh * s.increments.bh_stride + inc.seg * s.f_stride, 1.f);
  if (b.seg + 1 < b.segs) {  // a later block of this grid waits for it (a later kernel sees it anyway)
    __threadfence();
    dev::barrier_sync(kStateGroupBarrier, 128);
    if (threadIdx.x == 128) dev::store_release(a.one_pass.flags + b.bh * b.segs + inc.seg, a.one_pass.flag_value);
  }
}

// The state warpgroup (and, in the states-only step at d = 128 and 256, both warpgroups, each with half of S):
// the segment's start state, then S through every chunk, each new S's operand copy for the next chunk's
// outputs (output step), the end state where asked.
template <class T, int DK, int DV, bool OUT, bool WIN, int TILES, bool DUAL, int TMA>
__device__ __forceinline__ void state_warpgroup(const WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>& b, const StepArgs<OUT>& a,
                                                const OwnIncrement& inc, int shift0, float slope, int tile0) {
  static_assert(!OUT || TILES == DK / 64, "the output step's state warpgroup holds all of S (kScanStripsApart)");
  WgmmaState<DK, DV, TILES> st{{}, 64 * tile0 + 16 * b.warp, 0, b.g, b.t};
  const bool one_pass = is_one_pass<OUT>(a);
  if constexpr (OUT) {
    if (inc.any()) publish_own_increment(b, a, inc, st);
    // The scan over the segments ahead (few of them), nearest increment first. In one pass the nearest
    // increment is this block's own, just stored (no flag to wait for), and the farther ones follow as
    // their flags rise; the two-pass plan sums in the same order, so the two plans agree bit for bit.
    const ScanInputs in = scan_inputs(b, a);
    const IncrementWait<128, kStateGroupBarrier, WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>> wait_for{b, a, inc.seg};
    if constexpr (kScanStripsApart<TILES, WIN, DUAL>) {
      if (inc.any()) dev::RoleBarrier{kOwnPublished, kThreads}.meet();
      scan_from<0, 1>(st, in, a, slope, wait_for);
      dev::RoleBarrier{kScanHandedOver, kThreads}.meet();
      st.template unstash<1, 2>(scan_stash(b), threadIdx.x & 127, 128);
    } else {
      scan_from(st, in, a, slope, wait_for);
    }
    write_state_operand(b, st, b.state_sm);
  } else {
    st.fill(0.f);  // the states-only step: the segment's own increment
  }

  const bool want_fin = a.end.p != nullptr && (!a.end.last_seg_only || b.seg == b.segs - 1);
  constexpr bool kSplitState = !OUT && DK % 128 == 0;
  for (int c = b.c_begin; c < b.c_end; ++c) {
    const int local = c - b.c_begin;
    b.begin_chunk(local);
    if (kSplitState && b.wg == 0) b.refill(c, local, b.c_end, false);
    if (WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>::kStateRefills) b.refill(c, local, b.c_end, true);
    if (!want_fin && c + 1 == b.c_end) continue;  // the state after the segment's last chunk is not needed
    update_state(b, st, c, local, c == b.c_begin ? shift0 : 0, false, 1.f, a.walk.c_update, tile0);
    if constexpr (OUT)
      if (c + 1 < b.c_end) write_state_operand(b, st, b.state_sm + ((local + 1) & 1) * WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>::STile::kBytes);
  }

  if constexpr (!OUT) {
    if (a.halves) {  // every half is whole: only the last segment may be short, and it has no states block
      const int rows_after = (b.seg & 1) ? 0 : a.walk.seg_chunks * kChunk;
      st.add_to_blocked(a.end.p + b.bh * a.end.bh_stride + (b.seg >> 1) * a.end.seg_stride,
                expf(-slope * static_cast<float>(a.end.power + rows_after)));
      return;
    }
  }
  if (want_fin)  // no barrier ahead when a segment is empty
    st.template store<!OUT>(a.end.p + b.bh * a.end.bh_stride + b.seg * a.end.seg_stride,
                            expf(-slope * static_cast<float>(a.end.power)));
  if (one_pass) dev::grid_dependency_wait();
}

template <class T, int DK, int DV, bool OUT, bool WIN, bool DUAL = false, int TMA = kCpAsync>
__global__ void __launch_bounds__(kThreads, WgmmaSmem<T, DK, DV, OUT, DUAL>::kBlocksPerSm)
    la2_wgmma_kernel(const __grid_constant__ StepArgs<OUT> a) {
#if LASUITE_WGMMA
  static_assert(kThreads == 256, "two warpgroups");
  static_assert(!DUAL || !WIN, "the second output is at the kernel's own widths");
  using SM = WgmmaSmem<T, DK, DV, OUT, DUAL>;
  constexpr int kStages = SM::kStages;
  const ChunkWalk& w = a.walk;

  extern __shared__ unsigned char smem_raw[];
  WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA> b;
  const BlockPlace place = b.set_up(smem_raw, w, &a.maps);
  b.meeting = dev::RoleBarrier{1, kThreads};
  if constexpr (DUAL) b.xg = static_cast<const T*>(a.second.x) + b.row0 * DV;
  const int nchunks = static_cast<int>((b.n + kChunk - 1) / kChunk);

  OwnIncrement inc;
  if constexpr (OUT)
    if (is_one_pass<OUT>(a) && b.seg > 0) {
      inc.seg = b.seg - 1;
      inc.begin = inc.seg * w.seg_chunks;
      inc.end = min(nchunks, inc.begin + w.seg_chunks);
      inc.last_first = a.one_pass.inc_last_first && inc.seg > 0;
    }

  // The inputs were complete before this pass's first kernel started, so the first tiles may be
  // fetched before waiting for the kernel ahead, whose start states are read only after the wait;
  // and before the slope's load, which the decay table waits for.
  if (b.wg == 0) {
    if (inc.any()) {
#pragma unroll
      for (int s = 0; s < kStages - 1; ++s) {
        if (s < inc.count()) b.load_chunk(inc.chunk(s), s, false);
        b.commit_copies();
      }
    } else {
      b.prefetch(b.c_begin, b.c_end, true);
    }
  }
  const float slope = w.slopes ? w.slopes[place.head] : 0.f;
  fill_decay_powers(b.pw, slope);
  if constexpr (TMA != kCpAsync) __syncthreads();  // the barriers and the MapPlace set before any other thread reads them
  if constexpr (OUT)
    if (waits_for_kernel_ahead(a, b.seg)) dev::grid_dependency_wait();
  // The kernel after this one may get ready once every block here has started (so none of these waits
  // for a block without room): it reads what this one writes only after its own wait (the output step
  // after the states-only step: its first segment needs nothing from it).
  dev::allow_dependent_launch();

  int shift0 = 0;
  if constexpr (OUT) shift0 = b.seg == 0 ? a.start.shift : 0;
  if constexpr (OUT) {
    if (b.wg == 0) return output_warpgroup(b, a, inc, shift0, slope);
    state_warpgroup<T, DK, DV, OUT, WIN, DK / 64, DUAL>(b, a, inc, shift0, slope, 0);
  } else if constexpr (DK % 128 == 0) {
    // The states-only step at d = 128 and 256 splits S between the warpgroups (half its 64-row tiles
    // each: half the products per chunk on each side, so the step keeps up with its loads); warpgroup 0
    // also copies (under TMA, its first thread issues the boxes).
    state_warpgroup<T, DK, DV, OUT, WIN, DK / 128>(b, a, inc, 0, slope, b.wg * (DK / 128));
  } else {
    if (b.wg == 0) {  // the states-only step at d = 64 and 192: this warpgroup only copies (or, by TMA, waits)
      for (int c = b.c_begin; c < b.c_end; ++c) {
        b.begin_chunk(c - b.c_begin);
        b.refill(c, c - b.c_begin, b.c_end, false);
      }
      return;
    }
    state_warpgroup<T, DK, DV, OUT, WIN, DK / 64>(b, a, inc, 0, slope, 0);
  }
#else
  __trap();  // launched only where the sm_90a image was loaded (la2_pass.cu)
#endif
}

}  // namespace lasuite::la2
