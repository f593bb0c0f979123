// The cost model of a pass (la2_plan_host.h): which kernels, how each sequence splits, where the scan
// runs, one kernel or two; and the backward's order rules over the plans it makes. Host code: what it asks
// of the device comes through PlanDevice.
#include "kernels/lightning2/la2_plan_host.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "harness/errors.h"
#include "kernels/common/tensor_map.h"

namespace lasuite::la2 {

// The Hopper output kernel runs where the device is sm_90 and the image loaded for it is the sm_90a one
// (a build without that target would load its sm_80 image, in which the kernel body is empty).
bool wgmma_usable(const ChunkKernel& k, const PlanDevice& device) {
  if (!k.wgmma_func || std::max(k.wgmma_smem, k.wgmma_states_smem) > device.smem_optin) return false;
  if (device.major != 9 || device.minor != 0) return false;
  return device.image_is_sm90a(k.wgmma_func);
}

const void* output_kernel(const ChunkKernel& k, const PassPlan& plan, bool reverse) {
  if (plan.dual) return !plan.tma ? k.dual_func : plan.narrow_products ? k.dual_tma_narrow_func : k.dual_tma_func;
  if (plan.pingpong) return k.pingpong_func;
  if (plan.tma) return reverse ? k.tma_rev_func : plan.narrow_products ? k.tma_narrow_func : k.tma_func;
  return plan.wgmma ? k.wgmma_func : k.func;
}
// The output kernel's block: two warpgroups, or the two-output-warpgroup step's three.
int output_threads(const ChunkKernel& k, const PassPlan& plan) { return plan.pingpong ? k.pingpong_threads : kBlockThreads; }
const void* states_kernel(const ChunkKernel& k, const PassPlan& plan, bool reverse) {
  if (plan.states_tma) return reverse ? k.states_tma_rev_func : k.states_tma_func;
  return plan.wgmma_states ? k.wgmma_states_func : k.states_func;
}

int64_t fine_segments(const PassPlan& plan, int64_t nchunks) {
  const int64_t fine_chunks = plan.seg_chunks / plan.fine;
  return (nchunks + fine_chunks - 1) / fine_chunks;
}

// Windowed only for widths narrower than the kernel's, read in place (one value window, a contraction
// of at most 128).
bool narrow_in_place(const PassArgs& p) { return windowed(p) && p.value_tiles == 1 && p.dk <= 128; }

// The grid's rows: a block row per (batch, head) and value tile; also the number of states.
int64_t grid_bh(const PassArgs& p) { return p.bh * p.value_tiles; }

// Rows from one (batch, head)'s tensors to the next (PassArgs::head_rows; 0 means n).
int64_t head_rows(const PassArgs& p) { return p.head_rows ? p.head_rows : p.n; }

// The tensors' own widths (PassArgs::cols_qk, cols_v, cols_o; 0 means the kernel's dk or dv).
int width_qk(const PassArgs& p) { return p.cols_qk ? p.cols_qk : p.dk; }
int width_v(const PassArgs& p) { return p.cols_v ? p.cols_v : p.dv; }
int width_o(const PassArgs& p) { return p.cols_o ? p.cols_o : p.dv; }

// Whether the output step moves its tiles by TMA (PassPlan::tma): a kernel of its own widths (64 x 64,
// 128 x 128: pass_kernels) for tensors as wide or narrower, over a dense batch or a ragged grid, or a
// windowed one (128 x 128, 192 x 64, 256 x 64) over a dense batch's value tiles, every tensor it maps
// aligned for the copy engine at its own width; the plain step in row order (or, over value tiles, in
// reverse), the dual step in reverse (these kernels read the boxes upside down).
bool tma_usable(const PassArgs& p, const ChunkKernel& k, const PlanOptions& o, const PassPlan& plan,
                bool tensor_maps) {
  if (!o.tma_loads || !plan.wgmma || !tensor_maps) return false;
  const int64_t rows = head_rows(p);
  const int qk = width_qk(p), v = width_v(p);
  const bool plain = dev::row_tiles_encodable(p.q, qk, rows) && dev::row_tiles_encodable(p.k, qk, rows) &&
                     dev::row_tiles_encodable(p.v, v, rows) && dev::row_tiles_encodable(p.o, width_o(p), rows);
  if (plan.dual)
    return k.dual_tma_func && p.reverse && plain && dev::row_tiles_encodable(p.x, v, rows) &&
           dev::row_tiles_encodable(p.o2, qk, rows);
  return (p.reverse ? k.tma_rev_func : k.tma_func) && plain;
}

namespace {

// The longest segment walk (chunks) on which the dQ pass takes the two-output-warpgroup step by default
// (output_warpgroups=auto). Measured against one output warpgroup, b1 h32 d128 bf16 forward+backward
// (session 27, call 2, two rounds): 4k (4 segments of 16 chunks, one wave) 1.3 % faster, 8k (32) 0.6 %
// and 16k (64) 0.3 % slower, 32k to 128k the same. Short walks are where the one-warpgroup step's two
// chains show. Not measured, so not taken: one segment a head (at most 1024 rows), several waves.
constexpr int kPingpongMaxSegmentChunks = 16;

// Whether the mma.sync kernels read this pass's tensors: one value window, and each width the kernel's
// own or, at 128, read in place (in_place_width).
bool mma_sync_widths(const PassArgs& p) {
  const auto reads = [](int cols, int width) { return cols == 0 || cols == width || width == 128; };
  return p.value_tiles == 1 && p.dk <= 128 && reads(p.cols_qk, p.dk) && reads(p.cols_v, p.dv) &&
         reads(p.cols_o, p.dv);
}

// A segmented split of several waves, where one wave would run as one pass (one kernel: no states step,
// no scan kernel), costs about this much more than choose_split's model says. Measured (session 19,
// call 4, forward, 951605b): 1.16 at d96 h42 128k (22 segments in 7 waves against 3 in one), 1.05 at
// b1 h16 d128 1M (33 in 4 against 8), 1.10 at h24 d128 128k (11 in 2 against 5).
constexpr double kMultiWaveFactor = 1.1;

// Sets segments, seg_chunks and fine of `plan`.
void choose_split(const PassArgs& p, const PlanOptions& o, const PlanDevice& device, int64_t nchunks, int64_t slots,
                  int out_per_sm, int states_per_sm, PassPlan& plan) {
  // Time ~ waves x (chunks per segment + a per-segment cost of about 4 chunks: start state, pipeline
  // fill, the scan), and about 40% more when segmented (the states-only step). The per-segment term is
  // there because many short segments (10 waves at 128k) measured slower than their chunks alone predict.
  // Where a one-wave split would be one pass, several waves cost kMultiWaveFactor more again. Not for
  // the fused dK/dV pass, which runs as two kernels at any split (one_pass_usable): there several waves
  // measured faster (b1 h16 d128 1M forward+backward 19.0 ms at 33 segments against 19.3 at 8).
  const bool one_pass_at_one_wave = plan.wgmma_states && !plan.pingpong &&
                                    (o.one_pass == PlanOptions::OnePass::all ||
                                     (o.one_pass == PlanOptions::OnePass::automatic && !plan.dual));
  double best = 1e300;
  for (int64_t s = 1; s <= std::min<int64_t>(nchunks, 256); ++s) {
    const int64_t seg = (nchunks + s - 1) / s;
    const int64_t segs = (nchunks + seg - 1) / seg;
    if (segs != s) continue;  // same split as a smaller s
    const int64_t waves = (grid_bh(p) * segs + slots - 1) / slots;
    const double segmented = waves > 1 && one_pass_at_one_wave ? 1.4 * kMultiWaveFactor : 1.4;
    const double cost = static_cast<double>(waves) * static_cast<double>(seg + kSegmentOverheadChunks) * (segs > 1 ? segmented : 1.0);
    if (cost < best - 1e-9) {
      best = cost;
      plan.segments = static_cast<int>(segs);
      plan.seg_chunks = static_cast<int>(seg);
    }
  }
  if (o.segments > 0) {
    plan.seg_chunks = static_cast<int>((nchunks + o.segments - 1) / o.segments);
    plan.segments = static_cast<int>((nchunks + plan.seg_chunks - 1) / plan.seg_chunks);
  }
  if (plan.segments > 1) {
    // The states-only step skips the last segment, so with few segments it does less work unsplit
    // (3/4 of the keys and values at 4 segments, 7/8 split in two): unsplit while its blocks fit one
    // per SM (measured at 4k, b1 h32: forward 130 -> 125 us, forward+backward 453 -> 425 us; 128k within
    // noise). Otherwise it runs with as many blocks per SM as fit: each segment split that many times
    // (seg_chunks rounded up to a multiple, so fine boundaries fall on segment boundaries).
    // The wgmma states-only step is never split: split in two it was slower at every length measured
    // (4k 39.8 against 50.1 M tok/s forward, 128k 61.1 against 64.2; results/archive/h100/h100_la2_v6f_*): each
    // split doubles the increments the output step's scan reads.
    const bool one_wave_unsplit = int64_t(plan.segments - 1) * grid_bh(p) <= device.sms;
    plan.fine = one_wave_unsplit || plan.wgmma_states ? 1 : std::max(1, std::min(4, states_per_sm / out_per_sm));
    if (o.states_split > 0) plan.fine = o.states_split;
    while (plan.fine > 1 && plan.seg_chunks < plan.fine) --plan.fine;
    plan.seg_chunks = (plan.seg_chunks + plan.fine - 1) / plan.fine * plan.fine;
    plan.segments = static_cast<int>((nchunks + plan.seg_chunks - 1) / plan.seg_chunks);
    if (plan.segments == 1) plan.fine = 1;
  }
}

// One pass instead of two (PassPlan::one_pass). `slots`: output blocks the device holds at once; the
// pass's blocks wait for each other, so all of them must fit. The fused dK/dV pass (plan.dual) runs as
// two kernels unless asked: in one, its first segment's blocks, which have no increment to sum, end at
// 0.73 of the kernel and leave a quarter of the SMs idle (session 17's timelines); the states step ahead
// of it costs less than that.
bool one_pass_usable(const PassArgs& p, const PlanOptions& o, const PassPlan& plan, bool like, int64_t slots) {
  const bool asked = o.one_pass == PlanOptions::OnePass::all || (o.one_pass == PlanOptions::OnePass::automatic && !plan.dual);
  return asked && plan.wgmma_states && plan.segments > 1 && plan.fine == 1 && plan.scan_in_kernel &&
         !p.prior && !like && grid_bh(p) * plan.segments <= slots;
}

// The fewest chunks a half walks where the cost model halves a states step (halves_pay): the fused
// dK/dV pass's against its whole states step, the forward's against its one kernel.
constexpr int kMinFusedHalfChunks = 128;
constexpr int kMinForwardHalfChunks = 256;

// Where the states step in halves (PassPlan::states_halves) pays, options aside: each half walks the
// least above and one wave holds the halves (two blocks an SM, so twice the chains on the same memory).
// - The fused dK/dV pass's states step (96 blocks at b1 h32 d128, 32 heads x 3 segments on 132 SMs) is
//   latency-bound per chunk while the output step's later segments wait for all of it. Split in two with
//   a slot per half (session 21, its K and V by cp.async) it ran forward+backward 2.1-2.4 %
//   faster at 128k (halves of 256 chunks) and 0.4-2 % at 64k (128), but 1.8 % slower at 16k (32) and
//   6 % at 4k (8), where each block's fill and write cost more than the shorter walk saves; in halves
//   (session 23, call 1) 2.1-2.7 % at 128k, within noise at 64k, 0.6 % / 3.7 % slower at 16k / 4k.
// - The forward in row order, as a states step in halves and its outputs instead of one kernel
//   (session 23, call 4, b1 h32 d128): 2.7 % faster forward and 1.3 % forward+backward at 128k (halves of
//   256 chunks), the same at 64k (128), 6 % slower at 16k; and 0.8 % slower at b1 h16 n1M (1024).
// Only those two steps, the forward's at the kernel's own widths (the shapes measured; narrower ones
// read in place keep whole segments).
bool halves_pay(const PassArgs& p, const PlanOptions& o, const PlanDevice& device, int states_per_sm,
                const PassPlan& plan) {
  const int least = plan.dual ? kMinFusedHalfChunks : kMinForwardHalfChunks;
  return (plan.dual || (!p.reverse && !windowed(p))) && o.states_split == 0 && plan.seg_chunks / 2 >= least &&
         int64_t(plan.segments - 1) * grid_bh(p) * 2 <= int64_t(device.sms) * states_per_sm;
}

// PassPlan::states_halves, for a plan of two kernels: asked (on) wherever the plan allows it, else where
// it pays (`pays`: halves_pay's answer).
bool choose_halves(const PassArgs& p, const PlanOptions& o, const PassPlan& plan, bool pays) {
  const bool allowed = plan.wgmma_states && plan.segments > 1 && plan.fine == 1 && plan.scan_in_kernel &&
                       !p.prior && (!windowed(p) || narrow_in_place(p)) && plan.seg_chunks >= 2;
  switch (o.states_halves) {
    case PlanOptions::Halves::off: return false;
    case PlanOptions::Halves::on: return allowed;
    case PlanOptions::Halves::automatic: break;
  }
  return allowed && pays;
}

bool scan_in_blocks(const PlanOptions& o, const PassPlan& plan) {
  if (plan.segments <= 1) return false;
  switch (o.scan) {
    case PlanOptions::Scan::kernel: return false;
    case PlanOptions::Scan::blocks: return true;
    case PlanOptions::Scan::automatic: break;
  }
  return (plan.segments - 1) * plan.fine <= kMaxKernelScanIncrements;
}

}  // namespace

PlanOptions dq_pass_options(PlanOptions options) {
  using Warpgroups = PlanOptions::OutputWarpgroups;
  if (options.output_warpgroups == Warpgroups::dq) options.output_warpgroups = Warpgroups::two;
  if (options.output_warpgroups == Warpgroups::automatic) options.output_warpgroups = Warpgroups::two_where_short;
  return options;
}

PassPlan choose_plan(const PassArgs& p, const ChunkKernel& k, const PlanOptions& options, const PlanDevice& device,
                     const PassPlan* like) {
  const std::string shape =
      std::string(dtype_name(p.dtype)) + " d=" + std::to_string(p.dk) + " e=" + std::to_string(p.dv);
  if (!k.func && !k.wgmma_func) throw UnsupportedError("la2: no kernel for " + shape);
  if (p.value_tiles > 1 && (p.ragged || p.cols_o != p.cols_v))
    throw std::logic_error("la2: value tiles need a dense batch and o as wide as v");
  PassPlan plan;
  const size_t optin = device.smem_optin;
  plan.wgmma = options.allow_wgmma && wgmma_usable(k, device);
  // The mma.sync kernels read widths of their own or 72..120 at 128, one value window: a pass beyond
  // that (value tiles, a contraction past 128 or narrower than 64 in place) runs wgmma in both steps,
  // whatever states_kernel says.
  const bool mma_sync_reads = k.func && mma_sync_widths(p);
  if (!plan.wgmma && !mma_sync_reads)
    throw UnsupportedError("la2: " + shape + (p.value_tiles > 1 ? " in value tiles" : "") +
                           " runs only on the Hopper (wgmma) kernels, which this device or plan does not use");
  plan.wgmma_states = plan.wgmma && (options.allow_wgmma_states || !mma_sync_reads);
  plan.inc_last_first = options.inc_last_first;
  plan.early_start = options.early_start && device.major >= 9;
  plan.state_bufs = plan.wgmma || (k.smem_two_state_bufs && k.smem_two_state_bufs <= optin) ? 2 : 1;
  plan.dual = p.x != nullptr || p.o2 != nullptr;
  plan.adds_by_tma = options.window_adds_tma;
  plan.tma = tma_usable(p, k, options, plan, device.tensor_maps);
  using Warpgroups = PlanOptions::OutputWarpgroups;
  const bool pingpong_runs = plan.tma && !plan.dual && !p.reverse && !p.ragged && !windowed(p) && k.pingpong_func != nullptr;
  plan.pingpong = options.output_warpgroups == Warpgroups::two && pingpong_runs;
  // The states step reads K and V through the output step's maps (of the same tensors).
  plan.states_tma = plan.tma && plan.wgmma_states && (p.reverse ? k.states_tma_rev_func : k.states_tma_func) != nullptr;
  // Products over the narrow columns where every width is that narrow (the contractions and the outputs,
  // whose staged rows past the narrow columns are not written, so o may be no wider; the two-output-
  // warpgroup step runs only at the kernel's own widths, so never beside this).
  const auto narrow = [](int cols) { return cols > 0 && cols <= kNarrowReadCols; };
  plan.narrow_products = options.narrow_products && plan.tma && narrow(p.cols_qk) && narrow(p.cols_v) &&
                         narrow(p.cols_o) &&
                         (plan.dual ? k.dual_tma_narrow_func != nullptr : !p.reverse && k.tma_narrow_func);
  // Narrower widths and value tiles only by TMA (the windowed dual step moves its tiles so).
  if (plan.dual && !(p.x && p.o2 && plan.wgmma && (plan.tma ? k.dual_tma_func : !windowed(p) ? k.dual_func : nullptr)))
    throw std::logic_error("la2: a dual pass of " + shape + " does not run here (ask dual_pass_usable first)");
  // Windows of the contraction: only the windowed 128 x 128 TMA step's loads and stores know them (PassArgs;
  // WgmmaBlock::kContractionWindows).
  if (p.contraction_windows && !(plan.tma && windowed(p) && p.dk == 128 && p.dv == 128 && p.value_tiles > 1 && !p.reverse &&
                                 !plan.dual && !p.ragged))
    throw std::logic_error("la2: windows of the contraction (" + shape +
                           ") run only by TMA on the windowed 128 x 128 step, in row order, with one output");
  plan.smem_bytes = plan.dual    ? k.dual_smem
                    : plan.tma   ? k.tma_smem
                    : plan.wgmma ? k.wgmma_smem
                                 : plan.state_bufs == 2 ? k.smem_two_state_bufs : k.smem_one_state_buf;
  plan.states_smem_bytes = plan.wgmma_states ? k.wgmma_states_smem : k.states_smem;
  if (plan.smem_bytes > optin)
    throw UnsupportedError("la2: needs " + std::to_string(plan.smem_bytes) + " bytes of shared memory per block, " +
                           device.name + " allows " + std::to_string(optin));
  const int out_per_sm = device.blocks_per_sm(output_kernel(k, plan, p.reverse), plan.smem_bytes, output_threads(k, plan));
  const int states_per_sm = device.blocks_per_sm(states_kernel(k, plan, p.reverse), plan.states_smem_bytes, kBlockThreads);
  const int64_t slots = int64_t(device.sms) * out_per_sm;
  plan.slots = slots;

  const int64_t nchunks = (p.n + kChunkRows - 1) / kChunkRows;
  if (p.ragged) {  // every sequence whole in one block (PassArgs::ragged)
    plan.segments = 1;
    plan.seg_chunks = static_cast<int>(std::max<int64_t>(nchunks, 1));
    plan.fine = 1;
    plan.scan_in_kernel = false;
  } else if (like) {
    plan.segments = like->segments;
    plan.seg_chunks = like->seg_chunks;
    plan.fine = like->fine;
    plan.scan_in_kernel = like->scan_in_kernel;  // the layout of the data this pass reads
  } else {
    choose_split(p, options, device, nchunks, slots, out_per_sm, states_per_sm, plan);
    plan.scan_in_kernel = scan_in_blocks(options, plan);
  }
  // Where halves pay, the forward leaves its one kernel for them, unless one_pass=all fixes it.
  const bool pays = halves_pay(p, options, device, states_per_sm, plan);
  const bool halves = !like && choose_halves(p, options, plan, pays);
  plan.one_pass = !plan.pingpong && one_pass_usable(p, options, plan, like != nullptr, slots) &&
                  !(halves && options.one_pass == PlanOptions::OnePass::automatic && pays);
  // Halves of whole chunks: an odd segment grows by one chunk (kept only while that leaves two segments).
  const int64_t even_chunks = plan.seg_chunks + (plan.seg_chunks & 1);
  if (halves && !plan.one_pass && even_chunks < nchunks) {
    plan.states_halves = true;
    plan.seg_chunks = static_cast<int>(even_chunks);
    plan.segments = static_cast<int>((nchunks + even_chunks - 1) / even_chunks);
  }
  // Short segments in the dQ pass (output_warpgroups=auto) take the two-output-warpgroup step in the case
  // measured (kPingpongMaxSegmentChunks): several segments a head, all blocks in one wave. Only where the
  // step's occupancy query gives the blocks an SM the split assumed (one each at d = 128; the query
  // reports at least one).
  if (options.output_warpgroups == Warpgroups::two_where_short && pingpong_runs && !plan.one_pass &&
      plan.segments > 1 && plan.seg_chunks <= kPingpongMaxSegmentChunks && grid_bh(p) * plan.segments <= slots)
    plan.pingpong = device.blocks_per_sm(k.pingpong_func, plan.smem_bytes, k.pingpong_threads) == out_per_sm;
  plan.segbuf_bytes = plan.segments > 1 && !p.prior ? size_t(grid_bh(p)) * fine_segments(plan, nchunks) * size_t(p.dk) *
                                                          size_t(p.dv) * sizeof(float)
                                                    : 0;
  plan.flag_bytes = plan.one_pass ? size_t(grid_bh(p)) * plan.segments * sizeof(int) : 0;
  plan.cooperative = plan.one_pass && options.cooperative_one_pass && device.cooperative_launch;
  return plan;
}

bool needs_states_step(const PassArgs& p, const PassPlan& plan) { return plan.segments > 1 && !plan.one_pass && !p.prior; }

namespace {
// Whether the fused dK/dV pass `fused` has a states part another pass can run before or beside (several
// segments, not one pass).
bool fused_with_states_part(const PassPlan& fused) { return fused.dual && fused.segments > 1 && !fused.one_pass; }
}  // namespace

bool fused_states_first(const PlanOptions& options, const PassPlan& fused) {
  if (!fused_with_states_part(fused)) return false;
  using O = PlanOptions::BackwardOrder;
  return options.backward_order == O::states_first ||
         (options.backward_order == O::automatic && fused.seg_chunks <= kStatesFirstMaxSegmentChunks);
}

int states_beside_dq_chunks(const PlanOptions& options, const PassPlan& fused, const PassArgs& dq) {
  if (!fused_with_states_part(fused) || !fused.early_start || fused_states_first(options, fused)) return 0;
  if (options.states_beside_dq >= 0) return options.states_beside_dq;
  return dq.dk == 64 && dq.dv == 64 ? kStatesBesideDqChunksD64 : 0;
}

}  // namespace lasuite::la2
