// A pass of the chunk algorithm, parallel over the sequence (see la2_pass.h):
//   segments == 1: one kernel per (batch, head) walks the whole sequence;
//   otherwise: (1) each segment's own state increment dS_s, (2) a scan over segments (la2_segment_scan.cu),
//   S_start[s+1] = lambda^(L_s) S_start[s] + dS_s, (3) the outputs, each segment from its S_start.
//   With few segments step (2) is done by each output block for itself (no third launch: at 4k the
//   scan kernel and its launch were about a sixth of the forward), and (1)-(2) are skipped when
//   another pass's segment data is given (the dQ pass reads the forward's). On Hopper, when the grid
//   fits the device at once, (1) is done by the output blocks too (one kernel, PassPlan::one_pass): each
//   publishes its increment and waits for those ahead, so the pass pays one kernel's start and drain.
#include <cuda_runtime.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "harness/cuda/cuda_check.h"
#include "harness/cuda/cuda_device.h"
#include "harness/errors.h"
#include "kernels/common/dynamic_smem.cuh"
#include "kernels/common/kernel_launch.cuh"
#include "kernels/common/tensor_map.h"
#include "kernels/lightning2/la2_chunk_args.h"
#include "kernels/lightning2/la2_chunk_launch.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_segment_scan.h"

namespace lasuite::la2 {
namespace {

constexpr int kBlockThreads = 256;
// The longest segment walk (chunks) on which the dQ pass takes the two-output-warpgroup step by default
// (output_warpgroups=auto). Measured against one output warpgroup, b1 h32 d128 bf16 forward+backward
// (session 27, call 2, two rounds): 4k (4 segments of 16 chunks, one wave) 1.3 % faster, 8k (32) 0.6 %
// and 16k (64) 0.3 % slower, 32k to 128k the same. Short walks are where the one-warpgroup step's two
// chains show. Not measured, so not taken: one segment a head (at most 1024 rows), several waves.
constexpr int kPingpongMaxSegmentChunks = 16;

// The Hopper output kernel runs where the device is sm_90 and the image loaded for it is the sm_90a one
// (a build without that target would load its sm_80 image, in which the kernel body is empty).
bool wgmma_usable(const ChunkKernel& k, const cudaDeviceProp& prop) {
  if (!k.wgmma_func || std::max(k.wgmma_smem, k.wgmma_states_smem) > prop.sharedMemPerBlockOptin) return false;
  if (prop.major != 9 || prop.minor != 0) return false;
  static std::mutex mutex;
  static std::map<const void*, bool> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known.find(k.wgmma_func);
  if (it != known.end()) return it->second;
  cudaFuncAttributes attr{};
  CUDA_CHECK(cudaFuncGetAttributes(&attr, k.wgmma_func));
  return known[k.wgmma_func] = attr.binaryVersion == 90;
}

// The first kernel of a pass starts only after everything ahead of it in the stream (its inputs may
// come from any kernel); the later ones of the pass may start early and wait in the kernel. The kernel's
// shared-memory limit is raised here too (once per kernel and size, then a lookup), so that a launch does
// not depend on its plan having asked blocks_per_sm about that very kernel.
template <class Args>
void launch_chunk(const void* func, size_t smem, const Args& args, int segments, int64_t bh, bool early_start,
                  cudaStream_t stream, bool cooperative = false, int threads = kBlockThreads) {
  dev::allow_dynamic_smem(func, static_cast<int>(smem));
  Args copy = args;
  void* params[] = {&copy};
  dev::launch_kernel(func, dim3(static_cast<unsigned>(bh), static_cast<unsigned>(segments)), dim3(threads), smem,
                     params, early_start, cooperative, stream);
}

// Raises the kernel's shared-memory limit and asks how many blocks fit an SM, once per (kernel, size):
// every pass plans on the host, between the timer's start and the first launch, so repeated driver
// queries there would be time the GPU waits.
int blocks_per_sm(const void* func, size_t smem, int threads = kBlockThreads) {
  dev::allow_dynamic_smem(func, static_cast<int>(smem));
  static std::mutex mutex;
  static std::map<std::pair<const void*, size_t>, int> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known.find({func, smem});
  if (it != known.end()) return it->second;
  int per_sm = 0;
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, func, threads, smem));
  return known[{func, smem}] = std::max(per_sm, 1);
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

// Whether the mma.sync kernels read this pass's tensors: one value window, and each width the kernel's
// own or, at 128, read in place (in_place_width).
bool mma_sync_widths(const PassArgs& p) {
  const auto reads = [](int cols, int width) { return cols == 0 || cols == width || width == 128; };
  return p.value_tiles == 1 && p.dk <= 128 && reads(p.cols_qk, p.dk) && reads(p.cols_v, p.dv) &&
         reads(p.cols_o, p.dv);
}

// Windowed only for widths narrower than the kernel's, read in place (one value window, a contraction
// of at most 128).
bool narrow_in_place(const PassArgs& p) { return windowed(p) && p.value_tiles == 1 && p.dk <= 128; }

// The pass's kernels: the windowed ones where it needs them, and beside them, where the widths are only
// narrower than the kernel's, the TMA output steps at the kernel's own widths (and the dual step, which
// has no windowed variant): their maps are of the tensors' own widths, so the copy engine reads them in
// place (columns past them land as zeros and are not stored) and no runtime width is left in the chunk
// loop. So does the states-only step where the output step moves by TMA (its own widths' kernel, either
// order), and elsewhere stays windowed on cp.async. A reverse pass's plain TMA step is
// the windowed kernel's, for value tiles only (the kernels of their own widths have none: their reverse
// pass is the dual one; a narrower width's three-pass reverse passes keep cp.async, the path verified on
// the GPU).
// A ragged grid's TMA steps are kernels of their own (their maps are the packed batch's), which take
// the dense ones' places here; it has no reverse plain one.
ChunkKernel pass_kernels(const PassArgs& p) {
  ChunkKernel k = chunk_kernel(p.dtype, p.dk, p.dv, windowed(p));
  if (narrow_in_place(p)) {
    const ChunkKernel own = chunk_kernel(p.dtype, p.dk, p.dv, /*windowed=*/false);
    k.tma_func = own.tma_func, k.tma_smem = own.tma_smem;
    k.dual_tma_func = own.dual_tma_func, k.dual_smem = own.dual_smem;
    k.tma_narrow_func = own.tma_narrow_func, k.dual_tma_narrow_func = own.dual_tma_narrow_func;
    k.ragged_tma_func = own.ragged_tma_func, k.ragged_dual_tma_func = own.ragged_dual_tma_func;
    k.states_tma_func = own.states_tma_func, k.states_tma_rev_func = own.states_tma_rev_func;
    k.tma_rev_func = nullptr;
  }
  if (p.ragged) {
    k.tma_func = k.ragged_tma_func, k.dual_tma_func = k.ragged_dual_tma_func, k.tma_rev_func = nullptr;
    k.tma_narrow_func = k.dual_tma_narrow_func = nullptr;
    k.states_tma_func = k.states_tma_rev_func = nullptr;
  }
  return k;
}

// The grid's rows: a block row per (batch, head) and value tile; also the number of states.
int64_t grid_bh(const PassArgs& p) { return p.bh * p.value_tiles; }

// Rows from one (batch, head)'s tensors to the next (PassArgs::head_rows; 0 means n).
int64_t head_rows(const PassArgs& p) { return p.head_rows ? p.head_rows : p.n; }

// The tensors' own widths (PassArgs::cols_qk, cols_v, cols_o; 0 means the kernel's dk or dv).
int width_qk(const PassArgs& p) { return p.cols_qk ? p.cols_qk : p.dk; }
int width_v(const PassArgs& p) { return p.cols_v ? p.cols_v : p.dv; }
int width_o(const PassArgs& p) { return p.cols_o ? p.cols_o : p.dv; }

ChunkWalk walk_of(const PassArgs& p, const PassPlan& plan) {
  ChunkWalk w;
  w.q = p.q;
  w.k = p.k;
  w.v = p.v;
  w.n = p.n;
  w.head_rows = head_rows(p);
  w.heads = static_cast<int>(p.heads);
  w.reverse = p.reverse ? 1 : 0;
  w.slopes = p.slopes;
  w.c_intra = p.c_intra;
  w.c_inter = p.c_inter;
  w.c_update = p.c_update;
  w.seg_chunks = plan.seg_chunks;
  w.ragged = p.ragged;
  w.cols_qk = width_qk(p);
  w.cols_v = width_v(p);
  w.value_tiles = p.value_tiles;
  return w;
}

OutputStepArgs output_args(const PassArgs& p, const PassPlan& plan) {
  OutputStepArgs a;
  a.walk = walk_of(p, plan);
  a.o = p.o;
  a.cols_o = width_o(p);
  a.second.x = p.x;
  a.second.o = p.o2;
  a.state_bufs = plan.state_bufs;
  a.dependents_chunks_left = p.dependents_chunks_left;
  if (plan.tma) {
    // A dense batch's (batch, head)s of n rows; a ragged grid's heads of the packed batch's rows, in
    // which a block finds its sequence (la2_wgmma_kernel.cuh). Each tensor at its own width: X is as
    // wide as V', O2 as K' (the dual pass's).
    const int64_t hr = head_rows(p), rows = p.ragged ? hr : p.n, heads = p.ragged ? p.heads : p.bh;
    a.maps.q = dev::rows_of_heads(p.q, a.walk.cols_qk, rows, heads, hr);
    a.maps.k = dev::rows_of_heads(p.k, a.walk.cols_qk, rows, heads, hr);
    a.maps.v = dev::rows_of_heads(p.v, a.walk.cols_v, rows, heads, hr);
    // Windows of the contraction, and how a window's partial sums are added (TileMaps): O's there, O2's in the
    // dual step over value tiles; the copy engine adds only through a map of the float type.
    a.maps.contraction_windows = p.contraction_windows ? 1 : 0;
    a.maps.adds = plan.adds_by_tma ? kAddBoxes : kAddPieces;
    const dev::MapElements sums = p.dtype == DType::f16 ? dev::MapElements::f16 : dev::MapElements::bf16;
    const auto elements = [&](bool partial) {
      return partial && a.maps.adds == kAddBoxes ? sums : dev::MapElements::bits16;
    };
    a.maps.o = dev::rows_of_heads(p.o, a.cols_o, rows, heads, hr, kOutputBoxRows, elements(p.contraction_windows));
    if (plan.dual) {
      a.maps.x = dev::rows_of_heads(p.x, a.walk.cols_v, rows, heads, hr);
      a.maps.o2 = dev::rows_of_heads(p.o2, a.walk.cols_qk, rows, heads, hr, kOutputBoxRows, elements(p.value_tiles > 1));
    }
  }
  return a;
}

// The chunk kernels read an initial state row-major ([dk][dv]) or transposed ([dv][dk]), strides fixed
// at compile time; PassArgs' strides must be one of the two.
bool init_transposed(const PassArgs& p) {
  if (!p.init || (p.init_rs == p.dv && p.init_cs == 1)) return false;
  if (p.init_rs == 1 && p.init_cs == p.dk) return true;
  throw std::logic_error("la2: an initial state must be row-major or transposed (strides " + std::to_string(p.init_rs) +
                         ", " + std::to_string(p.init_cs) + " for a " + std::to_string(p.dk) + " x " +
                         std::to_string(p.dv) + " state)");
}

// The pass's own initial and final state (one per (batch, head)).
StartState pass_start(const PassArgs& p) {
  StartState s;
  s.state.p = p.init;
  s.state.bh_stride = int64_t(p.dk) * p.dv;
  s.state.transposed = init_transposed(p) ? 1 : 0;
  s.shift = p.init && p.init_shift ? 1 : 0;
  return s;
}
EndState pass_end(const PassArgs& p) {
  EndState e;
  e.p = p.final_state;
  e.bh_stride = int64_t(p.dk) * p.dv;
  e.power = p.final_power;
  return e;
}

// Whether the output step moves its tiles by TMA (PassPlan::tma): a kernel of its own widths (64 x 64,
// 128 x 128: pass_kernels) for tensors as wide or narrower, over a dense batch or a ragged grid, or a
// windowed one (128 x 128, 192 x 64, 256 x 64) over a dense batch's value tiles, every tensor it maps
// aligned for the copy engine at its own width; the plain step in row order (or, over value tiles, in
// reverse), the dual step in reverse (these kernels read the boxes upside down).
bool tma_usable(const PassArgs& p, const ChunkKernel& k, const PlanOptions& o, const PassPlan& plan) {
  if (!o.tma_loads || !plan.wgmma || !dev::tensor_maps_available()) return false;
  const int64_t rows = head_rows(p);
  const int qk = width_qk(p), v = width_v(p);
  const bool plain = dev::row_tiles_encodable(p.q, qk, rows) && dev::row_tiles_encodable(p.k, qk, rows) &&
                     dev::row_tiles_encodable(p.v, v, rows) && dev::row_tiles_encodable(p.o, width_o(p), rows);
  if (plan.dual)
    return k.dual_tma_func && p.reverse && plain && dev::row_tiles_encodable(p.x, v, rows) &&
           dev::row_tiles_encodable(p.o2, qk, rows);
  return (p.reverse ? k.tma_rev_func : k.tma_func) && plain;
}

// A segmented split of several waves, where one wave would run as one pass (one kernel: no states step,
// no scan kernel), costs about this much more than choose_split's model says. Measured (session 19,
// call 4, forward, 951605b): 1.16 at d96 h42 128k (22 segments in 7 waves against 3 in one), 1.05 at
// b1 h16 d128 1M (33 in 4 against 8), 1.10 at h24 d128 128k (11 in 2 against 5).
constexpr double kMultiWaveFactor = 1.1;

// Sets segments, seg_chunks and fine of `plan`.
void choose_split(const PassArgs& p, const PlanOptions& o, const cudaDeviceProp& prop, int64_t nchunks, int64_t slots,
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
    const bool one_wave_unsplit = int64_t(plan.segments - 1) * grid_bh(p) <= prop.multiProcessorCount;
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
bool halves_pay(const PassArgs& p, const PlanOptions& o, const cudaDeviceProp& prop, int states_per_sm,
                const PassPlan& plan) {
  const int least = plan.dual ? kMinFusedHalfChunks : kMinForwardHalfChunks;
  return (plan.dual || (!p.reverse && !windowed(p))) && o.states_split == 0 && plan.seg_chunks / 2 >= least &&
         int64_t(plan.segments - 1) * grid_bh(p) * 2 <= int64_t(prop.multiProcessorCount) * states_per_sm;
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

const void* output_step_kernel(const PassArgs& p, const PassPlan& plan) {
  return output_kernel(pass_kernels(p), plan, p.reverse);
}

PlanOptions dq_pass_options(PlanOptions options) {
  using Warpgroups = PlanOptions::OutputWarpgroups;
  if (options.output_warpgroups == Warpgroups::dq) options.output_warpgroups = Warpgroups::two;
  if (options.output_warpgroups == Warpgroups::automatic) options.output_warpgroups = Warpgroups::two_where_short;
  return options;
}

PassPlan plan_pass(const PassArgs& p, const PlanOptions& options, const PassPlan* like) {
  const ChunkKernel k = pass_kernels(p);
  const std::string shape =
      std::string(dtype_name(p.dtype)) + " d=" + std::to_string(p.dk) + " e=" + std::to_string(p.dv);
  if (!k.func && !k.wgmma_func) throw UnsupportedError("la2: no kernel for " + shape);
  if (p.value_tiles > 1 && (p.ragged || p.cols_o != p.cols_v))
    throw std::logic_error("la2: value tiles need a dense batch and o as wide as v");
  const cudaDeviceProp& prop = cuda_device_properties();
  PassPlan plan;
  const size_t optin = prop.sharedMemPerBlockOptin;
  plan.wgmma = options.allow_wgmma && wgmma_usable(k, prop);
  // The mma.sync kernels read widths of their own or 72..120 at 128, one value window: a pass beyond
  // that (value tiles, a contraction past 128 or narrower than 64 in place) runs wgmma in both steps,
  // whatever states_kernel says.
  const bool mma_sync_reads = k.func && mma_sync_widths(p);
  if (!plan.wgmma && !mma_sync_reads)
    throw UnsupportedError("la2: " + shape + (p.value_tiles > 1 ? " in value tiles" : "") +
                           " runs only on the Hopper (wgmma) kernels, which this device or plan does not use");
  plan.wgmma_states = plan.wgmma && (options.allow_wgmma_states || !mma_sync_reads);
  plan.inc_last_first = options.inc_last_first;
  plan.early_start = options.early_start && prop.major >= 9;
  plan.state_bufs = plan.wgmma || (k.smem_two_state_bufs && k.smem_two_state_bufs <= optin) ? 2 : 1;
  plan.dual = p.x != nullptr || p.o2 != nullptr;
  plan.adds_by_tma = options.window_adds_tma;
  plan.tma = tma_usable(p, k, options, plan);
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
                           prop.name + " allows " + std::to_string(optin));
  const int out_per_sm = blocks_per_sm(output_kernel(k, plan, p.reverse), plan.smem_bytes, output_threads(k, plan));
  const int states_per_sm = blocks_per_sm(states_kernel(k, plan, p.reverse), plan.states_smem_bytes);
  const int64_t slots = int64_t(prop.multiProcessorCount) * out_per_sm;
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
    choose_split(p, options, prop, nchunks, slots, out_per_sm, states_per_sm, plan);
    plan.scan_in_kernel = scan_in_blocks(options, plan);
  }
  // Where halves pay, the forward leaves its one kernel for them, unless one_pass=all fixes it.
  const bool pays = halves_pay(p, options, prop, states_per_sm, plan);
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
    plan.pingpong = blocks_per_sm(k.pingpong_func, plan.smem_bytes, k.pingpong_threads) == out_per_sm;
  plan.segbuf_bytes = plan.segments > 1 && !p.prior ? size_t(grid_bh(p)) * fine_segments(plan, nchunks) * size_t(p.dk) *
                                                          size_t(p.dv) * sizeof(float)
                                                    : 0;
  plan.flag_bytes = plan.one_pass ? size_t(grid_bh(p)) * plan.segments * sizeof(int) : 0;
  plan.cooperative = plan.one_pass && options.cooperative_one_pass && prop.cooperativeLaunch != 0;
  return plan;
}

void run_pass(const PassArgs& p, const PassPlan& plan, float* segbuf, int* flags, void* stream_ptr, PassPart part) {
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  // The kernels index segment data and flags by the state index, which in a ragged grid is the
  // sequence's, not the block row's: only a one-segment plan (plan_pass's for ragged) has none.
  if (p.ragged && plan.segments != 1) throw std::logic_error("la2: a ragged grid runs one segment a sequence");
  const ChunkKernel k = pass_kernels(p);
  const int64_t state_elems = int64_t(p.dk) * p.dv;
  // Before any launch: encoding the tile maps (PassPlan::tma) may throw, and then nothing is queued.
  const OutputStepArgs out = output_args(p, plan);
  const bool states_part = part != PassPart::outputs, outputs_part = part != PassPart::states;
  if (plan.segments == 1) {
    if (!outputs_part) return;  // no states part
    OutputStepArgs a = out;
    a.start = pass_start(p);
    a.end = pass_end(p);
    launch_chunk(output_kernel(k, plan, p.reverse), plan.smem_bytes, a, 1, grid_bh(p), false, stream, false,
                 output_threads(k, plan));
    return;
  }
  const float* data = p.prior ? p.prior : segbuf;
  if (!data) throw std::runtime_error("la2: run_pass needs the segment-state buffer of its plan");
  if (p.prior && p.final_state && !plan.scan_in_kernel)
    throw std::logic_error("la2: a pass on an earlier pass's start states cannot give a final state");
  const int64_t nchunks = (p.n + kChunkRows - 1) / kChunkRows;
  const int64_t fine_chunks = plan.seg_chunks / plan.fine;
  const int64_t fines = fine_segments(plan, nchunks);
  const int64_t bh_stride = state_elems * fines;
  // Without the scan kernel the last fine segment's increment is never needed (the output kernel's
  // last segment carries the final state).
  const bool scan_kernel = !plan.scan_in_kernel;
  const bool one_pass = plan.one_pass && !p.prior;
  if (one_pass && !flags) throw std::runtime_error("la2: run_pass needs the flags of its one-pass plan");
  if (p.contraction_windows && needs_states_step(p, plan))
    throw std::logic_error("la2: a pass in windows of the contraction has no states step (ask needs_states_step first)");
  // The two-output-warpgroup step has no one-pass variant: it would read the start states as zeros.
  if (plan.one_pass && plan.pingpong) throw std::logic_error("la2: a one-pass plan cannot take two output warpgroups");
  if (states_part && !one_pass && !p.prior) {  // (1) each fine segment's own increment; the last one only matters for a final state
    StatesStepArgs a;
    a.walk = walk_of(p, plan);
    a.walk.q = nullptr;
    a.walk.seg_chunks = static_cast<int>(fine_chunks);
    a.end.p = segbuf;
    a.end.bh_stride = bh_stride;
    a.end.seg_stride = state_elems;
    if (plan.states_tma) a.maps = out.maps;  // k and v are read
    int64_t blocks = scan_kernel && p.final_state ? fines : fines - 1;
    const bool early = plan.early_start && p.states_start_early;
    a.ends_after_kernel_ahead = early ? 1 : 0;
    if (plan.states_halves) {  // two blocks a segment ahead of the last (the scan is in the output blocks)
      a.walk.seg_chunks = plan.seg_chunks / 2;
      a.halves = 1;
      blocks = 2 * (fines - 1);
      // They add into their slots: zeroed here, in stream order, so no caller's buffer (another pass's
      // data before, in a shared one) can leave sums in them; by the caller where the step starts early.
      if (!early) zero_halves_slots(plan, segbuf, stream);
    }
    launch_chunk(states_kernel(k, plan, p.reverse), plan.states_smem_bytes, a, static_cast<int>(blocks), grid_bh(p), early,
                 stream);
  }
  if (states_part && scan_kernel && !p.prior) {  // (2) start states of every fine segment
    ScanArgs s{};
    s.buf = segbuf;
    s.segments = static_cast<int>(fines);
    s.every = plan.fine;
    s.seg_rows = fine_chunks * kChunkRows;
    s.n = p.n;
    s.elems = static_cast<int>(state_elems);
    s.heads = static_cast<int>(p.heads);
    s.slopes = p.slopes;
    s.init = p.init;
    s.init_rs = p.init_rs;
    s.init_cs = p.init_cs;
    s.dv = p.dv;
    s.init_shift = p.init_shift ? 1 : 0;
    s.fin = p.final_state;
    s.fin_power = p.final_power;
    launch_segment_scan(s, grid_bh(p), plan.early_start, stream);
  }
  if (!outputs_part) return;
  // (3) outputs, segment s starting from fine segment s * fine. The first kernel of a pass on prior
  // data must not start early (it reads inputs written by anything ahead of it).
  OutputStepArgs a = out;
  // Element (r, c) of this pass's state in the segment data (another pass's may be its transpose).
  StateView segment_data;
  segment_data.p = data;
  segment_data.bh_stride = bh_stride;
  segment_data.transposed = p.prior_transposed ? 1 : 0;
  segment_data.blocked = 1;
  if (plan.scan_in_kernel) {
    a.start = pass_start(p);
    a.scan.increments = segment_data;
    a.scan.f_stride = state_elems;
    a.scan.rows = fine_chunks * kChunkRows;
    a.scan.per_seg = plan.fine;
    a.end = pass_end(p);
    a.end.last_seg_only = 1;
    if (one_pass) {
      a.one_pass.publish = segbuf;
      a.one_pass.flags = flags;
      a.one_pass.flag_value = 1;
      a.one_pass.inc_last_first = plan.inc_last_first ? 1 : 0;
    }
  } else {
    a.start.state = segment_data;
    a.start.state.seg_stride = state_elems * plan.fine;
    a.start.shift = p.init && p.init_shift ? 1 : 0;
  }
  const bool early = plan.early_start && (one_pass ? p.inputs_ready_early : !p.prior || p.inputs_ready_early);
  launch_chunk(output_kernel(k, plan, p.reverse), plan.smem_bytes, a, plan.segments, grid_bh(p), early, stream,
               one_pass && plan.cooperative, output_threads(k, plan));
}

bool needs_states_step(const PassArgs& p, const PassPlan& plan) { return plan.segments > 1 && !plan.one_pass && !p.prior; }

void zero_halves_slots(const PassPlan& plan, float* segbuf, void* stream) {
  if (plan.states_halves) CUDA_CHECK(cudaMemsetAsync(segbuf, 0, plan.segbuf_bytes, static_cast<cudaStream_t>(stream)));
}

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

bool dual_pass_runs(DType dtype, int dk, int dv, const PlanOptions& options, bool windowed) {
  if (!options.fused_backward || !options.allow_wgmma) return false;
  const ChunkKernel k = chunk_kernel(dtype, dk, dv, windowed);
  const bool tma = options.tma_loads && dev::tensor_maps_available();
  return (windowed ? tma && k.dual_tma_func != nullptr : k.dual_func != nullptr) && wgmma_usable(k, cuda_device_properties()) &&
         k.dual_smem <= cuda_device_properties().sharedMemPerBlockOptin;
}

bool dual_pass_usable(const PassArgs& p, const PlanOptions& options) {
  if (!p.x || !p.o2 || !dual_pass_runs(p.dtype, p.dk, p.dv, options)) return false;
  if (!windowed(p)) return true;
  PassPlan plan;
  plan.wgmma = plan.dual = true;
  return narrow_in_place(p) && tma_usable(p, pass_kernels(p), options, plan);
}

bool wide_kernels_usable(DType dtype, const PlanOptions& options) {
  if (!options.allow_wgmma) return false;
  const ChunkKernel k = chunk_kernel(dtype, 256, 64, true);
  return k.wgmma_func && wgmma_usable(k, cuda_device_properties());
}

int64_t output_slots(DType dtype, int dk, int dv, const PlanOptions& options) {
  PassArgs p;
  p.dtype = dtype, p.dk = dk, p.dv = dv, p.bh = 1, p.n = 1;
  return plan_pass(p, options).slots;
}

RaggedTableUpload::~RaggedTableUpload() {
  // A destructor must not throw: errors here (a device already reset) are dropped.
  if (!copied_ && !staging_) return;  // never used: no CUDA call (a machine without a GPU may run this)
  if (copied_) {
    cudaEventSynchronize(static_cast<cudaEvent_t>(copied_));
    cudaEventDestroy(static_cast<cudaEvent_t>(copied_));
  }
  if (staging_) cudaFreeHost(staging_);
  cudaGetLastError();
}

void RaggedTableUpload::operator()(const RaggedSequence* table, int64_t count, RaggedSequence* device_dst,
                                   void* stream) {
  if (count <= 0) return;
  cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusNone;
  CUDA_CHECK(cudaStreamIsCapturing(static_cast<cudaStream_t>(stream), &capturing));
  if (capturing != cudaStreamCaptureStatusNone)
    throw std::runtime_error(
        "la2: a packed batch's ragged grid cannot be recorded into a graph (its sequence table is copied from the "
        "host on every call)");
  if (!copied_) {
    cudaEvent_t e = nullptr;
    CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    copied_ = e;
  }
  CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(copied_)));  // the last copy has read staging_
  if (count > capacity_) {
    if (staging_) CUDA_CHECK(cudaFreeHost(staging_));
    staging_ = nullptr;
    capacity_ = 0;
    CUDA_CHECK(cudaMallocHost(&staging_, static_cast<size_t>(count) * sizeof(RaggedSequence)));
    capacity_ = count;
  }
  std::copy(table, table + count, staging_);
  CUDA_CHECK(cudaMemcpyAsync(device_dst, staging_, static_cast<size_t>(count) * sizeof(RaggedSequence),
                             cudaMemcpyHostToDevice, static_cast<cudaStream_t>(stream)));
  CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(copied_), static_cast<cudaStream_t>(stream)));
}

}  // namespace lasuite::la2
