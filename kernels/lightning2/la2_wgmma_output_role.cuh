// The output warpgroup of a wgmma output step (warpgroup 0): a chunk's products (output_products), its
// outputs staged and stored (store_output_rows), the dual step's second output, and the warpgroup's walk
// (output_warpgroup): in one pass its part of the block's own increment, its part of the scan, then its chunks.
#pragma once
#include <cstdint>

#include "kernels/lightning2/la2_wgmma_block.cuh"
#include "kernels/lightning2/la2_wgmma_scan.cuh"
#include "kernels/lightning2/la2_wgmma_state_role.cuh"  // the own increment's strip 1, where strips are apart

namespace lasuite::la2 {

// acc (64 x N) = A B^T over the first K columns of the tiles, one committed group: A [64][K] (tile AT)
// and B [N][K] (tile BT) both read as K-major operands from shared memory. The scores Q K^T and X V^T,
// and the second output's inter term X S^T (S stored [d][e] is S^T's [n][k]).
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

// The staging tile of a W-wide output: whole 64-column blocks (W = 96 stages into a 128-wide tile, and its
// second box leaves clipped by the map at the output's width, at most 96: plan_pass's narrow gate).
template <int W>
using StagingTile = dev::Sw128Tile<kChunk, (W + 63) / 64 * 64>;

// One output's chunk (W columns, a thread's share in `o`) to global memory through this warp's 16 rows of
// the staging tile (StagingTile<W>): 16-byte stores of whole rows instead of 4-byte pieces (fewer
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
// cross the sequence's bounds leave by 16-byte stores from the same staged rows. `adds` (TileMaps::adds;
// a windowed TMA step's partial sums): kAddBoxes adds the boxes and the 16-byte pieces into the output instead,
// kAddPieces adds every row as 16-byte pieces.
// A warp's 16 rows of a 64 x W output (a thread's share in `o`) into the staging tile at `stage`
// (StagingTile<W>, swizzled), as 16-bit elements.
template <int W, class Elem>
__device__ __forceinline__ void stage_output_rows(const float (&o)[W / 2], unsigned char* stage, int warp, int lane) {
  using El = dev::Element<Elem>;
  using TILE = StagingTile<W>;
#pragma unroll
  for (int j = 0; j < W / 8; j += 2) {
    const int m = lane >> 3, row = 16 * warp + 8 * (m & 1) + (lane & 7), col = 8 * (j + (m >> 1));
    dev::stmatrix_x4(stage + TILE::offset(row, col), El::pack(o[4 * j], o[4 * j + 1]),
                     El::pack(o[4 * j + 2], o[4 * j + 3]), El::pack(o[4 * j + 4], o[4 * j + 5]),
                     El::pack(o[4 * j + 6], o[4 * j + 7]));
  }
}

// A warp's 16 staged rows (stage_output_rows) out as boxes of `map`, one a 64 columns, to stored rows
// box_row .. + 15 from column col0, issued by its first lane as one bulk group (not waited for); with
// `adds`, added into the rows there (TileMaps::adds) instead.
template <int W, class B>
__device__ __forceinline__ void store_staged_boxes(const B& b, const dev::TensorMap* map, int col0, int64_t box_row,
                                                   unsigned char* stage, bool adds = false) {
  using TILE = StagingTile<W>;
  dev::fence_proxy_async();  // the staged rows visible to the copy engine
  __syncwarp();
  if (b.lane == 0) {
    const int2 at = b.map_coords(box_row);
#pragma unroll
    for (int h = 0; h < (W + 63) / 64; ++h) {
      if (adds) dev::tma_add_box(map, col0 + 64 * h, at.x, at.y, stage + TILE::offset(16 * b.warp, 64 * h));
      else dev::tma_store_box(map, col0 + 64 * h, at.x, at.y, stage + TILE::offset(16 * b.warp, 64 * h));
    }
    dev::bulk_commit_group();
  }
}

template <int W, class B>
__device__ __forceinline__ void store_output_rows(const B& b, const float (&o)[W / 2], void* out, int ld, int col0,
                                                  int cols, int c, const dev::TensorMap* map, int adds = kStoreRows) {
  using TILE = StagingTile<W>;
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
    // the same for the whole warp; a dense map clips rows past n
    if (adds != kAddPieces && box_row >= 0 && (!B::kRagged || box_row + 16 <= b.n)) {
      store_staged_boxes<W>(b, map, col0, box_row, o_stage, adds == kAddBoxes);
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
      if (first + row >= 0 && col < cols) {
        typename B::Elem* at = og + (first + row) * ld + col;
        if (adds != kStoreRows) dev::Element<typename B::Elem>::add_to(at, v);
        else *reinterpret_cast<uint4*>(at) = v;
      }
    } else {
      const int64_t vt = int64_t(c) * kChunk + row;
      if (vt < b.n && col < cols) {
        typename B::Elem* at = og + (b.reverse ? b.n - 1 - vt : vt) * ld + col;
        if (adds != kStoreRows) dev::Element<typename B::Elem>::add_to(at, v);
        else *reinterpret_cast<uint4*>(at) = v;
      }
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
// Both contract over the first READ columns of e (READ: the kernel's, la2_wgmma_kernel, below DK only
// where DK = DV); X S^T, and the intra product onto it (finish_second_output), make the first READ
// columns of d.
template <class T, int DV, int READ>
__device__ __forceinline__ void issue_second_scores(float (&sc)[32], uint32_t v_addr) {
  using VTile = dev::Sw128Tile<kChunk, DV>;
  issue_a_bt<T, 64, READ, VTile, VTile>(sc, v_addr + VTile::kBytes, v_addr);  // X V^T, X after V in the stage
}
template <class T, int DK, int DV, int READ>
__device__ __forceinline__ void issue_second_inter(float (&o)[READ / 2], uint32_t v_addr, uint32_t s_addr) {
  using VTile = dev::Sw128Tile<kChunk, DV>;
  issue_a_bt<T, READ, READ, VTile, dev::Sw128Tile<DK, DV>>(o, v_addr + VTile::kBytes, s_addr);  // X S^T
}

template <int READ, class T, int DK, int DV, bool WIN, int TMA>
__device__ __forceinline__ void finish_second_output(const WgmmaBlock<T, DK, DV, true, WIN, true, TMA>& b,
                                                     const OutputStepArgs& a, int c, int shift, float (&sc)[32],
                                                     float (&o)[READ / 2], uint32_t k_addr) {
  using QTile = typename WgmmaBlock<T, DK, DV, true, WIN, true, TMA>::QTile;
  uint32_t p[4][4];
  mask_scores_decay_rows<T>(b, a, sc, o, p, shift);
#pragma unroll
  for (int kk = 0; kk < 4; ++kk)
    dev::Wgmma<T, READ, 1>::rs(o, p[kk], dev::sw128_desc(k_addr + QTile::mn_major_step(kk), QTile::kBlockBytes, 1024), 1);
  dev::wgmma_commit();
  dev::wgmma_wait<0>();
  dev::wgmma_fence_regs(o);
  const int ld = b.kTma ? a.walk.cols_qk : DK;  // O2 as wide as K' (narrower where read in place)
  // Over value tiles (WIN, by TMA only) O2 is the window's partial sum.
  store_output_rows<READ>(b, o, a.second.o, ld, 0, ld, c, &a.maps.o2, WIN ? a.maps.adds : kStoreRows);
}

// A chunk's first output, O_c = c_inter diag(lambda^(i+1)) Q_c S + ((Q_c K_c^T) (x) D) V_c, into `o`, from
// its stage's tiles (q_addr, k_addr, v_addr) and the operand copy of S (s_addr): the scores Q K^T and the
// inter term Q S as one group (S stored [d][e] is the MN-major B), `between()` while the tensor cores
// work, the scores masked into A fragments and the inter rows decayed, then the intra product onto `o`,
// committed and not waited for. Both first products contract over the first READ columns of d; the
// output has the first NO columns of e (the rest would be zeros).
template <class T, int DK, int DV, int READ = DK, int NO = DV, class B, class Between>
__device__ __forceinline__ void output_products(const B& b, const OutputStepArgs& a, float (&o)[NO / 2],
                                                uint32_t q_addr, uint32_t k_addr, uint32_t v_addr, uint32_t s_addr,
                                                int shift, Between&& between) {
  using QTile = dev::Sw128Tile<kChunk, DK>;
  using STile = dev::Sw128Tile<DK, DV>;
  float sc[32];
  issue_a_bt<T, 64, READ, QTile, QTile>(sc, q_addr, k_addr);  // scores = Q K^T, K stored [key][d]
#pragma unroll
  for (int kk = 0; kk < READ / 16; ++kk)
    dev::Wgmma<T, NO, 1>::ss(o, dev::sw128_desc(q_addr + QTile::k_major_step(kk), 16, 1024),
                             dev::sw128_desc(s_addr + STile::mn_major_step(kk), STile::kBlockBytes, 1024), kk > 0);
  dev::wgmma_commit();
  between();
  uint32_t p[4][4];  // the A fragments of (scores (x) D) for the k-steps over keys
  mask_scores_decay_rows<T>(b, a, sc, o, p, shift);
#pragma unroll
  for (int kk = 0; kk < 4; ++kk) dev::Wgmma<T, NO, 1>::rs(o, p[kk], B::v_desc(v_addr, kk), 1);
  dev::wgmma_commit();
}

// The output warpgroup's chunk: O_c = c_inter diag(lambda^(i+1)) Q_c S + ((Q_c K_c^T) (x) D) V_c for all
// 64 rows, Q, K, V and the operand copy of S read by the tensor cores from shared memory, the masked
// scores going back in as a register operand (then, DUAL, the second output's). Refills the oldest
// stage while the products run, unless the state warpgroup does (kStateRefills). READ: la2_wgmma_kernel's.
template <int READ, class T, int DK, int DV, bool WIN, bool DUAL, int TMA>
__device__ __forceinline__ void chunk_outputs(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b, const OutputStepArgs& a,
                                              int c, int shift) {
  using B = WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>;
  using QTile = typename B::QTile;
  using STile = typename B::STile;
  // Q S makes as many columns as S holds (READ where fewer are read, only in a kernel with DK = DV); the
  // dual step's second output, as wide as d, has READ columns in every kernel.
  constexpr int NO = kStateCols<READ, DK, DV>;
  constexpr int SD = NO / 2;  // accumulator floats per thread of one 64 x NO product
  const int local = c - b.c_begin;
  const uint32_t q_addr = b.stage_addr(local), k_addr = q_addr + QTile::kBytes, v_addr = k_addr + QTile::kBytes;
  const uint32_t s_addr = dev::smem_addr(b.state_sm + (local & 1) * STile::kBytes);
  float o[SD];
  output_products<T, DK, DV, READ, NO>(b, a, o, q_addr, k_addr, v_addr, s_addr, shift, [&] {
    if (B::kStateRefills) B::commit_copies();  // an empty group: begin_chunk's wait counts one a chunk
    else b.refill(c, local, b.c_end, true);     // while the tensor cores work
  });
  float sc2[DUAL ? 32 : 1];  // the second output's scores (DUAL)
  if constexpr (DUAL) {
    issue_second_scores<T, DV, READ>(sc2, v_addr);
    dev::wgmma_wait<1>();  // this output's last product; the second's scores run on
  } else {
    dev::wgmma_wait<0>();
  }
  dev::wgmma_fence_regs(o);
  const int ld_o = WIN || B::kTma ? a.cols_o : DV;  // o's row stride (under TMA, for the rows stored by 16-byte stores)
  // This block's first column of o and how many it writes: its value tile's (WIN), or the whole row for a
  // window of the contraction (by TMA), which adds its partial sum.
  const bool of_contraction = B::kContractionWindows && a.maps.contraction_windows;
  const int o_col0 = WIN && !of_contraction ? DV * b.z : 0;
  const int cols_o = ld_o - o_col0;
  store_output_rows<NO>(b, o, a.o, ld_o, o_col0, cols_o, c, &a.maps.o, of_contraction ? a.maps.adds : kStoreRows);
  if constexpr (DUAL) {
    float o2[READ / 2];
    issue_second_inter<T, DK, DV, READ>(o2, v_addr, s_addr);
    finish_second_output<READ>(b, a, c, shift, sc2, o2, k_addr);
  }
}

// Warpgroup 0 of the output step: copies the tiles (those of its own increment, in one pass; the
// outputs' chunks unless the state warpgroup refills them, kStateRefills), sums its strip of the own
// increment and of the scan where the strips are apart, and computes the outputs of the segment's chunks.
template <int READ, class T, int DK, int DV, bool WIN, bool DUAL, int TMA>
__device__ __forceinline__ void output_warpgroup(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b, const OutputStepArgs& a,
                                                 const OwnIncrement& inc, int shift0, float slope) {
  using B = WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>;
  constexpr bool kApart = kScanStripsApart<DK / 64, WIN, DUAL>;
  constexpr int kCols = kStateCols<READ, DK, DV>;
  if (inc.any()) {  // the keys and values for the increment (and its strip 1 where apart), then the outputs' first chunks
    // refill's loop again, over inc.chunk: one loop for both ('first + step i') costs the forward 0.8 us
    // at 4k (measured: NOTES.md's v8 table, 5136d9b).
    const auto refill = [&](int i) {
      if (i + B::kStages - 1 < inc.count())
        b.load_chunk(inc.chunk(i + B::kStages - 1), (i + B::kStages - 1) % B::kStages, false);
      B::commit_copies();
    };
    if constexpr (kApart) {
      WgmmaState<DK, DV, 1, kCols> strip{{}, 64 + 16 * b.warp, 0, b.g, b.t};
      sum_own_increment(b, a, inc, strip, 1, refill);
      b.prefetch(b.c_begin, b.c_end, true);
      publish_own_increment(b, a, inc, strip);
    } else {
      for (int i = 0; i < inc.count(); ++i) {
        b.begin_chunk(i);
        refill(i);
      }
      b.meeting.meet();  // the state warpgroup is done with the stages
      b.prefetch(b.c_begin, b.c_end, true);
    }
  }
  if constexpr (kApart) {
    WgmmaState<DK, DV, DK / 64, kCols> part{{}, 16 * b.warp, 0, b.g, b.t};  // the state warpgroup's thread's layout
    const ScanInputs in = scan_inputs(b, a);
    scan_from<1, 2>(part, in, a, slope, IncrementWait<0, kOutputGroupBarrier, B>{b, a, inc.seg});
    part.template stash<1, 2>(scan_stash(b), threadIdx.x & 127, 128);
    dev::RoleBarrier{kScanHandedOver, kThreads}.meet();
  }
  for (int c = b.c_begin; c < b.c_end; ++c) {
    if constexpr (!DUAL)  // only a one-output pass (the dQ pass) is asked to launch its dependents late
      if (launches_dependents_at(a, c, b.c_begin, b.c_end)) dev::allow_dependent_launch();
    b.begin_chunk(c - b.c_begin);
    chunk_outputs<READ>(b, a, c, c == b.c_begin ? shift0 : 0);
  }
  if constexpr (B::kTma)  // the block's shared memory stays until the last boxes have left it
    if (b.lane == 0) dev::bulk_wait_all();
  if (is_one_pass<true>(a)) dev::grid_dependency_wait();  // a one-pass kernel ends after the kernel ahead, as others do
}

}  // namespace lasuite::la2
