// The state warpgroup of a wgmma step (warpgroup 1; both warpgroups in the states-only step at d = 128
// and 256): S through every chunk (update_state), the operand copy of S for the output warpgroup
// (write_state_operand), in one pass its own increment (publish_own_increment), and its walk
// (state_warpgroup).
#pragma once
#include <cstdint>

#include "kernels/lightning2/la2_wgmma_block.cuh"
#include "kernels/lightning2/la2_wgmma_scan.cuh"

namespace lasuite::la2 {

// S <- lambda^(L - shift) S + c_update sum_j lambda^(L-1-j) k_j^T v_j for chunk c (in stage `local`),
// or, `summed`, S <- S + key_mul c_update sum_j lambda^(L-1-j) k_j^T v_j (chunks taken last first):
// A = (f K)^T from registers (ldmatrix.trans of the K tile, scaled per key row), B = V.
// Each 64-row tile of S is its own group of products, so the next tile's A fragments are made while
// the tensor cores work on this one (its fragments stay untouched until the wait). All tiles are
// decayed first: touching a tile's accumulators while another tile's products ran made ptxas wait
// for those products (C7517).
// `while_products` runs once every product is issued, before the wait for them.
template <class T, int DK, int DV, bool OUT, bool WIN, int TILES, bool DUAL, int TMA, int COLS, class WhileProducts>
__device__ __forceinline__ void update_state(const WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>& b, WgmmaState<DK, DV, TILES, COLS>& st,
                                             int c, int local, int shift, bool summed, float key_mul, float c_update,
                                             int tile0, WhileProducts&& while_products) {
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
    for (int i = 0; i < COLS / 2; ++i) st.x[mt][i] *= dec;
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
    for (int kk = 0; kk < 4; ++kk) dev::Wgmma<T, COLS, 1>::rs(st.x[mt], ka[mt][kk], B::v_desc(v_addr, kk), 1);
    dev::wgmma_commit();
  }
  while_products();
  dev::wgmma_wait<0>();
#pragma unroll
  for (int mt = 0; mt < TILES; ++mt) {
    dev::wgmma_fence_regs(st.x[mt]);
    dev::wgmma_keep_regs(ka[mt]);
  }
}

// The operand copy of S (the element type, swizzled) that the output warpgroup's Q S reads: the columns S
// holds (the products read no others).
template <class T, int DK, int DV, bool WIN, int TILES, bool DUAL, int TMA, int COLS>
__device__ __forceinline__ void write_state_operand(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b,
                                                    const WgmmaState<DK, DV, TILES, COLS>& st, unsigned char* dst) {
  using STile = typename WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>::STile;
  using El = dev::Element<T>;
  static_assert(COLS % 16 == 0, "stmatrix_x4 writes 16 columns at a time");
  const int lane = b.lane;
#pragma unroll
  for (int mt = 0; mt < TILES; ++mt)
#pragma unroll
    for (int j = 0; j < COLS / 8; j += 2) {  // matrices (rows +0, cols j), (+8, j), (+0, j+1), (+8, j+1)
      const int m = lane >> 3, row = 64 * mt + 16 * b.warp + 8 * (m & 1) + (lane & 7), col = 8 * (j + (m >> 1));
      dev::stmatrix_x4(dst + STile::offset(row, col), El::pack(st.x[mt][4 * j], st.x[mt][4 * j + 1]),
                       El::pack(st.x[mt][4 * j + 2], st.x[mt][4 * j + 3]),
                       El::pack(st.x[mt][4 * j + 4], st.x[mt][4 * j + 5]),
                       El::pack(st.x[mt][4 * j + 6], st.x[mt][4 * j + 7]));
    }
  dev::fence_proxy_async();  // the output warpgroup's wgmma reads it after the next barrier
}

// One pass: strips tile0 .. tile0 + TILES - 1 of the increment of the segment before this block's, the same
// products in the same order as the states-only step's (or last chunk first); `refill(i)` runs once the i-th
// chunk has landed, ahead of its products (the output warpgroup's copies). Ends at the meeting after which
// the stages may be refilled.
template <class T, int DK, int DV, bool WIN, int TILES, bool DUAL, int TMA, int COLS, class Refill>
__device__ __forceinline__ void sum_own_increment(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b, const OutputStepArgs& a,
                                                  const OwnIncrement& inc, WgmmaState<DK, DV, TILES, COLS>& st, int tile0,
                                                  Refill&& refill) {
  st.fill(0.f);
  float key_mul = 1.f;  // lambda^(rows after the chunk, within the increment)
  for (int i = 0; i < inc.count(); ++i) {
    const int c = inc.chunk(i);
    b.begin_chunk(i);
    refill(i);
    update_state(b, st, c, i, 0, inc.last_first, key_mul, a.walk.c_update, tile0, [] {});
    if (inc.last_first) key_mul *= b.pw[dev::rows_left(b.n, int64_t(c) * kChunk, kChunk)];
  }
  b.meeting.meet();
}

// One pass: the block's strips of its own increment published for the segments after it and for the passes
// that read this pass's segment data (the backward's). Where `st` holds all of S's rows the state warpgroup
// alone stored it; where a strip of them (kScanStripsApart), both warpgroups stored theirs and meet at
// kOwnPublished. Once all have stored, thread 128 raises the flag the later blocks of this grid wait for (a
// later kernel sees the data anyway).
template <class T, int DK, int DV, bool WIN, int TILES, bool DUAL, int TMA, int COLS>
__device__ __forceinline__ void publish_own_increment(const WgmmaBlock<T, DK, DV, true, WIN, DUAL, TMA>& b, const OutputStepArgs& a,
                                                      const OwnIncrement& inc, const WgmmaState<DK, DV, TILES, COLS>& st) {
  const SegmentScan& s = a.scan;
  store_state</*BLOCKED=*/true>(st, a.one_pass.publish + b.bh * s.increments.bh_stride + inc.seg * s.f_stride, 1.f);
  if (b.seg + 1 < b.segs) {  // the same in every thread of the block
    __threadfence();
    if constexpr (TILES == DK / 64) dev::barrier_sync(kStateGroupBarrier, 128);
    else dev::RoleBarrier{kOwnPublished, kThreads}.meet();
    if (threadIdx.x == 128) dev::store_release(a.one_pass.flags + b.bh * b.segs + inc.seg, a.one_pass.flag_value);
  }
}

// The state warpgroup (and, in the states-only step at d = 128 and 256, both warpgroups, each with half of S):
// the segment's start state, then S through every chunk, each new S's operand copy for the next chunk's
// outputs (output step), the end state where asked. COLS: the columns of S it holds (kStateCols).
template <int COLS, class T, int DK, int DV, bool OUT, bool WIN, int TILES, bool DUAL, int TMA>
__device__ __forceinline__ void state_warpgroup(const WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>& b, const StepArgs<OUT>& a,
                                                const OwnIncrement& inc, int shift0, float slope, int tile0) {
  static_assert(!OUT || TILES == DK / 64, "the output step's state warpgroup holds all of S's rows (kScanStripsApart)");
  static_assert(OUT || COLS == DV, "the states-only step adds whole states into its slots");
  WgmmaState<DK, DV, TILES, COLS> st{{}, 64 * tile0 + 16 * b.warp, 0, b.g, b.t};
  const bool one_pass = is_one_pass<OUT>(a);
  if constexpr (OUT) {
    // One pass: the block's own increment, where the strips are apart strip 0 only (the output warpgroup
    // sums strip 1 beside it: output_warpgroup).
    if (inc.any()) {
      if constexpr (kScanStripsApart<TILES, WIN, DUAL>) {
        WgmmaState<DK, DV, 1, COLS> strip{{}, 16 * b.warp, 0, b.g, b.t};
        sum_own_increment(b, a, inc, strip, 0, [](int) {});
        publish_own_increment(b, a, inc, strip);
      } else {
        sum_own_increment(b, a, inc, st, 0, [](int) {});
        publish_own_increment(b, a, inc, st);
      }
    }
    // The scan over the segments ahead (few of them), nearest increment first. In one pass the nearest
    // increment is this block's own, just stored (no flag to wait for; each strip read back by the threads
    // that stored it), and the farther ones follow as their flags rise; the two-pass plan sums in the same
    // order, so the two plans agree bit for bit.
    const ScanInputs in = scan_inputs(b, a);
    const IncrementWait<128, kStateGroupBarrier, WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>> wait_for{b, a, inc.seg};
    if constexpr (kScanStripsApart<TILES, WIN, DUAL>) {
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
  using B = WgmmaBlock<T, DK, DV, OUT, WIN, DUAL, TMA>;
  // Under TMA one thread issues the refill's boxes (about 0.65 k cycles for d128's six, session 24's probe),
  // holding its warp, and so the update's products, back. Where two blocks share an SM (d = e = 64) they
  // are issued while the products run instead (session 32 call 3: d64 n64k forward+backward 1.2 % faster,
  // 4k 0.8 % slower, the forward the same). At one block an SM this, with the output boxes deferred beside
  // it, made d128 2.0-4.2 % slower (call 2; the deferred boxes alone measured even there), and refilling a
  // stage as soon as both warpgroups were done with it, through a second named barrier a chunk, 7-9 %
  // slower forward (call 5; kernels/lightning2/NOTES.md, "Session 32").
  constexpr bool kRefillWhileProducts = B::kStateRefills && B::kTma && B::SM::kBlocksPerSm == 2;
  for (int c = b.c_begin; c < b.c_end; ++c) {
    const int local = c - b.c_begin;
    if constexpr (OUT && !DUAL)
      if (launches_dependents_at(a, c, b.c_begin, b.c_end)) dev::allow_dependent_launch();
    b.begin_chunk(local);
    if (kSplitState && b.wg == 0) b.refill(c, local, b.c_end, false);
    if (B::kStateRefills && !kRefillWhileProducts) b.refill(c, local, b.c_end, true);
    const auto refill_while_products = [&] {
      if constexpr (kRefillWhileProducts) b.refill(c, local, b.c_end, true);
    };
    if (!want_fin && c + 1 == b.c_end) {  // the state after the segment's last chunk is not needed
      refill_while_products();
      continue;
    }
    update_state(b, st, c, local, c == b.c_begin ? shift0 : 0, false, 1.f, a.walk.c_update, tile0, refill_while_products);
    if constexpr (OUT)
      if (c + 1 < b.c_end) write_state_operand(b, st, b.state_sm + ((local + 1) & 1) * B::STile::kBytes);
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
    store_state<!OUT>(st, a.end.p + b.bh * a.end.bh_stride + b.seg * a.end.seg_stride,
                      expf(-slope * static_cast<float>(a.end.power)));
  if (one_pass) dev::grid_dependency_wait();
}

}  // namespace lasuite::la2
