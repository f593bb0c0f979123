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
#include "kernels/lightning2/la2_plan_host.h"
#include "kernels/lightning2/la2_segment_scan.h"

namespace lasuite::la2 {
namespace {

// Whether the image loaded for a kernel is its sm_90a one (PlanDevice::image_is_sm90a), once per kernel.
bool image_is_sm90a(const void* func) {
  static std::mutex mutex;
  static std::map<const void*, bool> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known.find(func);
  if (it != known.end()) return it->second;
  cudaFuncAttributes attr{};
  CUDA_CHECK(cudaFuncGetAttributes(&attr, func));
  return known[func] = attr.binaryVersion == 90;
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

// The device as the cost model asks it (la2_plan_host.h): device 0, whose properties cuda_device_properties holds,
// described once, so that the plans made between a timer's start and the first launch copy nothing.
const PlanDevice& cuda_plan_device() {
  static const PlanDevice device = [] {
    const cudaDeviceProp& prop = cuda_device_properties();
    PlanDevice d;
    d.name = prop.name;
    d.sms = prop.multiProcessorCount;
    d.smem_optin = prop.sharedMemPerBlockOptin;
    d.major = prop.major;
    d.minor = prop.minor;
    d.cooperative_launch = prop.cooperativeLaunch != 0;
    d.tensor_maps = dev::tensor_maps_available();
    d.image_is_sm90a = image_is_sm90a;
    d.blocks_per_sm = [](const void* func, size_t smem, int threads) { return blocks_per_sm(func, smem, threads); };
    return d;
  }();
  return device;
}

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

}  // namespace

const void* output_step_kernel(const PassArgs& p, const PassPlan& plan) {
  return output_kernel(pass_kernels(p), plan, p.reverse);
}

PassPlan plan_pass(const PassArgs& p, const PlanOptions& options, const PassPlan* like) {
  return choose_plan(p, pass_kernels(p), options, cuda_plan_device(), like);
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

void zero_halves_slots(const PassPlan& plan, float* segbuf, void* stream) {
  if (plan.states_halves) CUDA_CHECK(cudaMemsetAsync(segbuf, 0, plan.segbuf_bytes, static_cast<cudaStream_t>(stream)));
}

bool dual_pass_runs(DType dtype, int dk, int dv, const PlanOptions& options, bool windowed) {
  if (!options.fused_backward || !options.allow_wgmma) return false;
  const ChunkKernel k = chunk_kernel(dtype, dk, dv, windowed);
  const PlanDevice& device = cuda_plan_device();
  const bool tma = options.tma_loads && device.tensor_maps;
  return (windowed ? tma && k.dual_tma_func != nullptr : k.dual_func != nullptr) && wgmma_usable(k, device) &&
         k.dual_smem <= device.smem_optin;
}

bool dual_pass_usable(const PassArgs& p, const PlanOptions& options) {
  if (!p.x || !p.o2 || !dual_pass_runs(p.dtype, p.dk, p.dv, options)) return false;
  if (!windowed(p)) return true;
  PassPlan plan;
  plan.wgmma = plan.dual = true;
  return narrow_in_place(p) && tma_usable(p, pass_kernels(p), options, plan, cuda_plan_device().tensor_maps);
}

bool wide_kernels_usable(DType dtype, const PlanOptions& options) {
  if (!options.allow_wgmma) return false;
  const ChunkKernel k = chunk_kernel(dtype, 256, 64, true);
  return k.wgmma_func && wgmma_usable(k, cuda_plan_device());
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
