// The output step at d = e = 128 with two output warpgroups taking alternate chunks (the dQ pass's where its
// segments are short, `output_warpgroups=auto`; the forward's too under `output_warpgroups=2`, where it
// measured no faster): the wgmma output step (la2_wgmma_kernel.cuh) has one output and one state warpgroup,
// two long dependent chains that meet once a chunk, and its warps wait mostly for each other and for
// fixed latencies (ncu, session 26: 6 cycles an issued instruction at 4k, 1.4 of them at the barrier; the
// issue slots a third busy at 16k). Here three warpgroups share a block:
//   warpgroup 0 (state): S through every chunk, as the wgmma step's state warpgroup, writing S_c's operand
//     copy into the copy of chunk c's output warpgroup (the parity of c's index in the segment), and
//     issuing the tiles' boxes;
//   warpgroups 1 and 2 (outputs): chunks of even and odd index in the segment, each as the wgmma step's
//     output warpgroup, the output staged in the chunk's own Q tile (read by then) and stored by boxes.
// So two chunks' outputs run at once (the intent: the state warpgroup setting the pace; measured, the
// forward was no faster, the dQ pass at 4k 1.3 % faster forward+backward, and a variant with four stages
// and one operand copy 11-14 % slower: NOTES, sessions 26-27). Registers: 384 threads start at 168 each
// (the launch bound), and setmaxnreg moves them to the state warpgroup (232: S is 128 a thread) from the
// output ones (136): 64,512 in all either way, so the increase waits for nothing as long as the kernel
// starts at 168 (a GPU test checks the allotment).
// Shared memory is the wgmma step's layout at d = e = 128 (three stages, two operand copies; its staging
// tile allocated and unused). Hand-overs, each a named barrier met once a phase in one direction (one
// arrival ahead of the other side's meet would complete a barrier's count without it, so each side meets
// the other's barrier before it arrives at its own again: the state meets kChunkDone + X before its next
// arrival at kCopyReady + X, and X meets kCopyReady + X before its next arrival at kChunkDone + X):
// kCopyReady + X (state -> output warpgroup X: S_c is in X's copy) and kChunkDone + X (X -> state: X has
// read its copy and stage and its boxes have left the stage; the state warpgroup then refills that stage
// and writes X's next copy). Only the row-order TMA step over a dense batch, never in one pass (it reads
// start states or increments as the two-kernel plans give them; run_pass refuses a one-pass plan for it).
#pragma once
#include <cstdint>

#include "kernels/lightning2/la2_wgmma_kernel.cuh"

namespace lasuite::la2 {

constexpr int kPingpongThreads = 384;

template <class T>
using PingpongBlock = WgmmaBlock<T, 128, 128, true, false, false, kTmaDense>;

// Named barriers: 1 + X and 3 + X for output warpgroup X (0 or 1).
constexpr int kCopyReady = 1, kChunkDone = 3;

// Stage `local`'s landing: every consumer waits on its mbarrier, the parity its landings' count.
template <class B>
__device__ __forceinline__ void wait_landed(const B& b, int local) {
  dev::mbarrier_wait(b.landed + local % B::kStages, static_cast<uint32_t>(local / B::kStages) & 1u);
}

// Output warpgroup X: its chunks' outputs, O_c = c_inter diag(lambda^(i+1)) Q_c S_c + ((Q_c K_c^T) (x) D) V_c.
template <class T>
__device__ __forceinline__ void pingpong_outputs(const PingpongBlock<T>& b, const OutputStepArgs& a, int x, int shift0) {
  using B = PingpongBlock<T>;
  using QTile = typename B::QTile;
  using STile = typename B::STile;
  const int count = b.c_end - b.c_begin;
  const uint32_t s_addr = dev::smem_addr(b.state_sm + x * STile::kBytes);
  for (int local = x; local < count; local += 2) {
    const int c = b.c_begin + local;
    wait_landed(b, local);
    dev::RoleBarrier{kCopyReady + x, kPingpongThreads - 128}.meet();  // S_c in this warpgroup's copy
    unsigned char* q_stage = b.stage(local);
    const uint32_t q_addr = dev::smem_addr(q_stage), k_addr = q_addr + QTile::kBytes, v_addr = k_addr + QTile::kBytes;
    float o[64];
    output_products<T, 128, 128>(b, a, o, q_addr, k_addr, v_addr, s_addr, local == 0 ? shift0 : 0, [] {});
    dev::wgmma_wait<0>();
    dev::wgmma_fence_regs(o);
    // This warp's 16 rows into the chunk's Q tile (read by both products above, which have completed),
    // then out as boxes; a dense map clips rows past n.
    stage_output_rows<128, T>(o, q_stage, b.warp, b.lane);
    store_staged_boxes<128>(b, &a.maps.o, 0, int64_t(c) * kChunk + 16 * b.warp, q_stage);
    if (b.lane == 0) dev::bulk_wait_group_read<0>();  // the stage may be refilled once the boxes have read it
    __syncwarp();
    if (local + 2 < count) dev::RoleBarrier{kChunkDone + x, kPingpongThreads - 128}.arrive();
  }
  if (b.lane == 0) dev::bulk_wait_all();
}

// The state warpgroup: the start state, then S through every chunk, each S_c's operand copy for chunk
// c's output warpgroup, the stages' boxes (its first thread), the end state where asked.
template <class T>
__device__ __forceinline__ void pingpong_state(const PingpongBlock<T>& b, const OutputStepArgs& a, int shift0, float slope) {
  using B = PingpongBlock<T>;
  WgmmaState<128, 128, 2> st{{}, 16 * b.warp, 0, b.g, b.t};
  const ScanInputs in = scan_inputs(b, a);
  scan_start_state(st, in.init, layout_of(a.start.state), a.start.shift, a.scan, in.increments, in.incs, slope,
                   [](int) {});
  const int count = b.c_end - b.c_begin;
  const bool want_fin = a.end.p != nullptr && (!a.end.last_seg_only || b.seg == b.segs - 1);
  for (int local = 0; local < count; ++local) {
    const int x = local & 1, c = b.c_begin + local;
    if (local >= 2) {  // chunk local - 2's output warpgroup is done with its copy and its stage
      dev::RoleBarrier{kChunkDone + x, kPingpongThreads - 128}.meet();
      if (local + 1 < count) b.load_chunk(c + 1, (local + 1) % B::kStages, true);
    }
    write_state_operand(b, st, b.state_sm + x * B::STile::kBytes);
    dev::RoleBarrier{kCopyReady + x, kPingpongThreads - 128}.arrive();
    if (!want_fin && local + 1 == count) break;  // the state after the segment's last chunk is not needed
    wait_landed(b, local);
    update_state(b, st, c, local, local == 0 ? shift0 : 0, false, 1.f, a.walk.c_update, 0, [] {});
  }
  if (want_fin)
    st.template store<false>(a.end.p + b.bh * a.end.bh_stride + b.seg * a.end.seg_stride,
                             expf(-slope * static_cast<float>(a.end.power)));
}

template <class T>
__global__ void __launch_bounds__(kPingpongThreads, 1) la2_pingpong_kernel(const __grid_constant__ OutputStepArgs a) {
#if LASUITE_WGMMA
  using B = PingpongBlock<T>;
  const ChunkWalk& w = a.walk;
  extern __shared__ unsigned char smem_raw[];
  B b;
  const BlockPlace place = b.set_up(smem_raw, w, &a.maps);
  __syncthreads();  // the barriers set before any copy or wait
  if (b.wg == 0) b.prefetch(b.c_begin, b.c_end, true);  // its first thread: stages 0 .. kStages - 2
  if (b.wg == 0 && b.c_begin + B::kStages - 1 < b.c_end)  // and stage kStages - 1 (the refills start at chunk 3, stage 0)
    b.load_chunk(b.c_begin + B::kStages - 1, B::kStages - 1, true);
  const float slope = w.slopes ? w.slopes[place.head] : 0.f;
  fill_decay_powers(b.pw, slope);
  __syncthreads();
  if (waits_for_kernel_ahead(a, b.seg)) dev::grid_dependency_wait();
  dev::allow_dependent_launch();
  const int shift0 = b.seg == 0 ? a.start.shift : 0;
  if (b.wg == 0) {
    dev::setmaxnreg_inc<232>();
    pingpong_state(b, a, shift0, slope);
  } else {
    dev::setmaxnreg_dec<136>();
    pingpong_outputs(b, a, b.wg - 1, shift0);
  }
#else
  __trap();  // launched only where the sm_90a image was loaded (la2_pass_cuda.cpp)
#endif
}

}  // namespace lasuite::la2
