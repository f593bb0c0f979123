// What every role of a wgmma step's block shares (la2_wgmma_kernel.cuh): the shared-memory layout
// (WgmmaSmem), how the tiles and outputs move (kCpAsync, kTmaDense, ...), WgmmaBlock (the walk's tensors,
// the block's segment and this thread's place in it, and the loads), and what one pass adds (OwnIncrement).
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
// stores, or bulk tensor copies over a dense batch's maps or a ragged grid's (la2_pass_cuda.cpp, pass_kernels).
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
// Windowed (WIN), the maps are the whole tensors' and a block's window is a box column of them: of V, X
// and O (value tiles) or of Q and K (windows of the contraction: TileMaps::contraction_windows); its map
// head, the (batch, head) without the window, sits in shared memory (MapPlace) as a ragged grid's does.
template <class T, int DK, int DV, bool OUT, bool WIN, bool DUAL = false, int TMA = kCpAsync>
struct WgmmaBlock {
  static_assert(TMA == kCpAsync || OUT || (!WIN && (TMA == kTmaDense || TMA == kTmaDenseReversed)),
                "TMA: the output step, or the states-only step over a dense batch at its own widths");
  static_assert(!WIN || (TMA != kTmaRagged && (!DUAL || TMA == kTmaDense)),
                "windows: a dense batch, and a second output only by TMA");
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
  // The one step windows of the contraction run on (contraction_tiling: 128 x 128, by TMA): in the others the
  // window columns and the partial sums' adds are no run-time choice, so their code stays the value windows'
  // alone (with the choice compiled in, the 256 x 64 steps ran 3 % slower and the 192 x 64 ones 1-1.5 %, session 35).
  static constexpr bool kContractionWindows = WIN && kTma && DK == 128 && DV == 128;

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
      const bool of_contraction = kContractionWindows && maps->contraction_windows;  // the window's first columns
      const int qk_col = of_contraction ? DK * z : 0, v_col = WIN && !of_contraction ? DV * z : 0;
#pragma unroll
      for (int h = 0; h < DK / 64; ++h) {
        if (with_q) dev::tma_load_box(sq + h * QTile::kBlockBytes, &maps->q, qk_col + 64 * h, row, head, bar);
        dev::tma_load_box(sk + h * QTile::kBlockBytes, &maps->k, qk_col + 64 * h, row, head, bar);
      }
#pragma unroll
      for (int h = 0; h < DV / 64; ++h) {
        dev::tma_load_box(sk + QTile::kBytes + h * VTile::kBlockBytes, &maps->v, v_col + 64 * h, row, head, bar);
        if (DUAL && with_q)
          dev::tma_load_box(sk + QTile::kBytes + VTile::kBytes + h * VTile::kBlockBytes, &maps->x, v_col + 64 * h, row,
                            head, bar);
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
  // products of the chunk are issued, the state warpgroup right after the meeting, or at 64 x 64 by TMA once
  // its update's products are issued (state_warpgroup's kRefillWhileProducts); and in one pass's own
  // increment the output warpgroup right after the meeting, before its strip's products where it sums one.
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

}  // namespace lasuite::la2
