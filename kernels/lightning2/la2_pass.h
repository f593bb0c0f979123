// One run of the core chunk algorithm over all (batch, head) pairs, parallel over the sequence:
// the forward is one pass, the backward three (la2_cuda.cpp). Host interface, no CUDA headers.
#pragma once
#include <cstddef>
#include <cstdint>

#include "harness/dtype.h"
#include "kernels/lightning2/la2_chunk_args.h"

namespace lasuite::la2 {

constexpr int kChunkRows = 64;  // the chunk algorithm's block of rows
// What a block costs beyond its chunks, in chunk times (its start state, pipeline fill and drain): the
// cost model's per-segment term (plan_pass's split, split_packed's balance).
constexpr int kSegmentOverheadChunks = 4;

// O' = c_intra ((Q' K'^T) (x) M) V' + c_inter diag(lambda^(t+1)) Q' S_init,   per (batch, head),
// S_final = lambda^n S_init + c_update sum_u lambda^(n-1-u) k'_u^T v'_u,
// rows optionally in reverse order. Q', K' are [bh][n][dk], V', O' [bh][n][dv], all of `dtype`.
struct PassArgs {
  DType dtype = DType::bf16;
  int dk = 0, dv = 0;
  int64_t bh = 0, heads = 1, n = 0;
  // Rows from one (batch, head)'s Q', K', V', O' to the next: 0 means n; a packed batch's total when
  // the pass runs one of its sequences (the pointers then start at that sequence's first row).
  int64_t head_rows = 0;
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;
  // The tensors' own widths where narrower than dk (Q', K') and dv (V', O'): row strides, zero columns
  // past them read, none written (ChunkWalk::cols_qk, cols_v; OutputStepArgs::cols_o). 0: dk, dv.
  int cols_qk = 0, cols_v = 0, cols_o = 0;
  // Value tiles (Hopper kernels only): V' and O' are cols_v (= cols_o) wide, computed as value_tiles
  // windows of dv columns by blocks of one launch, each window a pass of its own with a state of
  // dk x dv: every state (init, final_state) is then [value_tiles][bh][dk][dv] and the segment data
  // [value_tiles][bh][segment] of dk x dv states in 8 x 8 blocks (StateView::blocked), tile z's state
  // being the columns [z dv, (z + 1) dv) of the whole one.
  int value_tiles = 1;
  // The value_tiles windows cut the contraction instead (windows of the contraction: the dQ pass of a
  // backward in windows of e, la2_value_tiled_pass.h): window z reads the columns [z dk, (z + 1) dk) of Q'
  // and K' (cols_qk wide: the whole contraction) and all of V' (cols_v, at most dv), its state is the rows
  // [z dk, (z + 1) dk) of the whole one, and its O (cols_o = cols_v) is that window's partial sum, added into
  // o, which the caller zeroes before the pass. Only by TMA on the windowed 128 x 128 step, in row order,
  // with no second output, and never with a states step (needs_states_step: its cp.async loads know only
  // windows of the value), so on prior data, in one pass, or in one segment.
  bool contraction_windows = false;
  bool reverse = false;
  const float* slopes = nullptr;  // [heads] on the device; null: no decay
  float c_intra = 1, c_inter = 1, c_update = 1;
  // Initial state, element (r, c) of head bh at init[bh * dk * dv + r * init_rs + c * init_cs]:
  // row-major (init_rs = dv, init_cs = 1) or transposed (1, dk), the two layouts the kernels read;
  // init_shift: init holds lambda * S_init.
  const float* init = nullptr;
  int64_t init_rs = 0, init_cs = 0;
  bool init_shift = false;
  // Final state, [bh][dk][dv], multiplied by lambda^final_power (0 or 1).
  float* final_state = nullptr;
  int final_power = 0;
  // The segment data (segbuf) of an earlier pass over the same keys and values, the same slopes and
  // initial state, run with the same split (plan_pass's `like`): this pass then skips its own states
  // step and scan. prior_transposed: that pass's state is the transpose of this one's (the forward's,
  // for the dQ pass). Not with a final state unless the plan scans in the kernel.
  const float* prior = nullptr;
  bool prior_transposed = false;
  // A packed batch's sequences in one launch (a ragged grid): bh = sequences * heads, block j * heads +
  // h running sequence ragged[j] (device memory) whole, with head_rows the batch's total rows and the
  // pointers at its row 0; states indexed by the sequences' own indices. n: the longest. One segment
  // (the plan is forced to it): a sequence too long for that runs as a pass of its own.
  const RaggedSequence* ragged = nullptr;
  // Every input of the pass (q, k, v, init) was complete before the kernel ahead of the pass started
  // (the backward's second and third passes): then a one-pass kernel, or the output kernel of a pass on
  // prior data, may start early beside the kernel ahead (programmatic dependent launch); what that
  // kernel writes (the prior segment data) is read only after waiting for it.
  bool inputs_ready_early = false;
  // The pass's states step (PassPart::states) may start early beside the kernel ahead, each of its blocks
  // ending only after that kernel: set by a caller who knows that every input of the step was complete
  // before that kernel started and that the kernel touches none of this pass's segment data (the fused
  // dK/dV pass after the dQ pass, whose segment data is a buffer of its own). A states step in halves
  // adds into zeroed slots, and a memset between it and the kernel ahead would hold it back: the caller
  // zeroes them before the kernel ahead (zero_halves_slots), and run_pass does not.
  bool states_start_early = false;
  // The output step lets the kernel after it launch (programmatic dependent launch) once each of its
  // blocks has this many chunks left; 0: as each block starts. Later for the states step above, whose
  // blocks, launched as the dQ blocks started, took the SMs the dQ pass leaves free and ran beside the whole
  // pass (the likely reason it measured slower so; session 29). Only the wgmma output step of one output
  // warpgroup and one output reads it; the two-output-warpgroup step launches its dependents as it starts,
  // the mma.sync step as it ends.
  int dependents_chunks_left = 0;
  // The dual pass (dual_pass_usable says where it runs): a second output of the same walk and state,
  //   O2 = c_intra ((X V'^T) (x) M) K' + c_inter diag(lambda^(t+1)) X S^T,  X [bh][n][dv], O2 [bh][n][dk],
  // X as wide as V' (cols_v), O2 as K' (cols_qk). With the dV pass as the walk and X = V, O2 is dK
  // (la2_cuda.cpp). Over value tiles (the windowed 128 x 128 step, by TMA) X's window is V''s, and each
  // window's O2 is its partial sum (X V'^T and X S^T contract over e), added into o2, which the caller
  // zeroes before the pass. Null: none.
  const void* x = nullptr;
  void* o2 = nullptr;
};

// Whether the pass needs the windowed kernels: widths other than the kernel's, value tiles, or a
// contraction past 128 (only windowed kernels have those).
inline bool windowed(const PassArgs& p) {
  const auto other = [](int cols, int width) { return cols != 0 && cols != width; };
  return p.value_tiles > 1 || p.dk > 128 || other(p.cols_qk, p.dk) || other(p.cols_v, p.dv) || other(p.cols_o, p.dv);
}

// What a plan leaves to the cost model and the device unless an experiment chooses (la2's
// `--impl-option`s, la2_cuda.cpp): the defaults are the fastest plan measured.
struct PlanOptions {
  bool allow_wgmma = true;         // false: the mma.sync kernels on Hopper too
  bool allow_wgmma_states = true;  // false: the states-only step on mma.sync beside a wgmma output step
  // Where a pass runs as one kernel (PassPlan::one_pass): automatic = every pass that can except the
  // fused dK/dV pass (one_pass_usable says why), all = every pass that can, off = none.
  enum class OnePass { automatic, all, off };
  OnePass one_pass = OnePass::automatic;
  enum class Scan { automatic, kernel, blocks };
  Scan scan = Scan::automatic;     // where the scan over segments runs (PassPlan::scan_in_kernel)
  int segments = 0;                // 0: the cost model's split; else about this many per (batch, head)
  int states_split = 0;            // 0: the cost model's; else this many states-only segments per output segment
  // Where each segment's increment comes from two states-only blocks of half its chunks added into one
  // slot (PassPlan::states_halves): automatic = the cost model's rule (choose_halves), on = wherever
  // the plan allows it, off = never.
  enum class Halves { automatic, on, off };
  Halves states_halves = Halves::automatic;
  bool inc_last_first = true;      // one pass: middle blocks sum their increment last chunk first
  bool early_start = true;         // programmatic dependent launch where the device has it
  bool cooperative_one_pass = true;  // a one-pass kernel as a cooperative launch (PassPlan::cooperative)
  bool allow_decode_kernel = true;   // false: forwards of at most kDecodeMaxTokens rows run the chunk passes too
  bool packed_ragged = true;         // false: a packed batch runs sequence by sequence (one pass each)
  bool value_tiles = true;           // false: head dims past 128 run in head-dim tiles on padded copies
  bool fused_backward = true;        // dK and dV from one reverse pass (dual_pass_runs) where it runs; false: a pass each
  bool window_adds_tma = true;       // windows' partial sums added as boxes by the copy engine; false: by 16-byte atomics (TileMaps::adds)
  bool tma_loads = true;             // the Hopper output step's tiles moved by bulk tensor copies where it can (PassPlan::tma), and its states step's (PassPlan::states_tma)
  bool narrow_products = true;       // PassPlan::narrow_products where it can; false: products over all of the kernel's columns
  // PassPlan::pingpong where it can: two = in every pass that has the step (the forward's and dQ's);
  // dq = in the backward's dQ pass only; automatic = in the dQ pass where its segments are short and
  // its blocks one wave (kPingpongMaxSegmentChunks in la2_plan_host.cpp); one = nowhere. dq_pass_options turns dq into two and automatic into
  // two_where_short, which no option names.
  enum class OutputWarpgroups { automatic, one, two, dq, two_where_short };
  OutputWarpgroups output_warpgroups = OutputWarpgroups::automatic;
  // Whether the fused dK/dV pass's states step runs before the dQ pass instead of after it (PassPart;
  // fused_states_first says where automatic does).
  enum class BackwardOrder { automatic, dq_first, states_first };
  BackwardOrder backward_order = BackwardOrder::automatic;
  // In dQ-first order, the fused pass's states step starts early beside the dQ pass (PassArgs::
  // states_start_early), which lets it launch once each of its output blocks has this many chunks left
  // (PassArgs::dependents_chunks_left); 0: the states step starts after the dQ pass, as an ordinary launch;
  // negative: states_beside_dq_chunks' rule.
  int states_beside_dq = -1;
};

// How a pass splits each sequence: `segments` thread blocks per (batch, head) write the outputs, each
// walking `seg_chunks` chunks of 64 rows. With more than one segment, a first step computes the state
// increment of each of `segments * fine` finer segments (the states-only kernel fits more blocks per
// SM, so it gets more of them), a scan turns them into start states in a buffer of segbuf_bytes
// (allocated by the caller, so it is tracked), and the output step starts each segment from its own.
// With few segments (scan_in_kernel) there is no scan kernel: the output kernel sums the increments
// ahead of its segment itself, and the last segment writes the final state. That costs the last
// segment (segments - 1) * fine increment loads before its first chunk; past kMaxKernelScanIncrements
// the scan kernel (one pass over the increments) is cheaper.
constexpr int kMaxKernelScanIncrements = 16;

struct PassPlan {
  int segments = 1;
  int seg_chunks = 1;
  int fine = 1;  // states-only segments per output segment
  bool scan_in_kernel = false;  // the output blocks scan the increments ahead of them (no scan kernel)
  bool wgmma = false;           // the output step runs the Hopper (wgmma) kernel
  bool wgmma_states = false;    // and the states-only step its wgmma variant
  // One pass (a single kernel) instead of states step + output step: the output blocks compute the
  // segments' increments themselves, publish them and wait for those of the segments ahead through
  // flags (flag_bytes of them, zeroed by the caller before the call's first launch). Only with the
  // Hopper kernels, the scan in the kernel, no earlier pass's data, and a grid that fits the device at
  // once (a waiting block must never keep one it waits for off the device).
  bool one_pass = false;
  bool inc_last_first = true;  // PlanOptions::inc_last_first, for a one-pass plan
  // A one-pass kernel's blocks wait for each other's flags: launched cooperatively, the driver starts
  // it only when every block can be resident at once (or fails the launch), whatever else runs on the
  // device (kernels on other streams, MPS); plain, only the occupancy computed at planning time and the
  // blocks' dispatch order (a block waits only for blocks of lower index) keep it from hanging.
  bool cooperative = false;
  bool early_start = false;    // kernels after a pass's first may start beside the one ahead
  bool dual = false;           // the output step has a second output (PassArgs::x, o2)
  bool adds_by_tma = true;     // windows' partial sums are added as boxes (PlanOptions::window_adds_tma)
  // The output step moves its tiles in and its outputs out by bulk tensor copies (TMA) instead of
  // cp.async and 16-byte stores: the Hopper kernel of its own widths (d, e = 64 or 128) on tensors that
  // wide or narrower (read in place), over a dense batch, one sequence of a packed one or a ragged grid,
  // the plain step in row order and the dual step in reverse; or a windowed Hopper kernel (128 x 128,
  // 192 x 64, 256 x 64) over a dense batch's value tiles, in either order; 16-byte aligned tensors
  // (tma_usable, la2_plan_host.h).
  bool tma = false;
  // And the states-only step moves K and V so too (the Hopper kernel of its own widths, a dense batch,
  // either order: the fused dK/dV pass's states step walks in reverse).
  bool states_tma = false;
  // And its products read only the first kNarrowReadCols columns of d and of e, the tensors being that
  // narrow, read in place by the 128 x 128 kernels (ChunkKernel::tma_narrow_func): a dense batch, the
  // plain step in row order or the dual one.
  bool narrow_products = false;
  // The states-only step runs each segment ahead of the last as two blocks of half its chunks (the
  // wgmma states step, two blocks an SM, so twice the blocks in flight on the same memory), each adding
  // lambda^(rows after its half) times its half's increment into the segment's slot: segbuf_bytes as
  // unsplit, zeroed by run_pass before the states step. An odd seg_chunks grows by one chunk (so a
  // segments option may give fewer segments than asked). Two adds into zero give
  // the same sum in either order, so the result does not depend on which block lands first. Only with
  // fine == 1, the scan in the output blocks and two kernels (no scan kernel, no one pass).
  bool states_halves = false;
  // The output step with two output warpgroups taking alternate chunks beside the state warpgroup
  // (la2_pingpong_kernel.cuh; PlanOptions::output_warpgroups): the TMA step at d = e = 128 over a
  // dense batch, in row order, with no second output; never one pass. The dQ pass's by default where its
  // segments are short (output_warpgroups=auto), the forward's too under output_warpgroups=2.
  bool pingpong = false;
  int state_bufs = 2;
  int64_t slots = 0;      // output-step blocks the device holds at once (its SMs times the blocks that fit one)
  size_t smem_bytes = 0;  // of the output step's kernel
  size_t states_smem_bytes = 0;
  size_t segbuf_bytes = 0;
  size_t flag_bytes = 0;
};

// Chooses the plan for this device within `options` (throws UnsupportedError for a (dtype, dk, dv)
// without a kernel or one that does not fit the device's shared memory); with `like`, the split and
// scan of that plan (to read another pass's segment data), with this pass's own kernel resources.
PassPlan plan_pass(const PassArgs& p, const PlanOptions& options, const PassPlan* like = nullptr);
// The options the backward's dQ pass is planned within: `options`, output_warpgroups dq read as two and
// automatic as two_where_short.
PlanOptions dq_pass_options(PlanOptions options);
// Which kernels of a pass run_pass enqueues: all of them, or its states part (the states-only step and
// the scan kernel, where the plan has them: whatever reads only the pass's inputs and writes only its
// segment data) or the rest (the output step), so that another pass may run between the two parts. The
// outputs part must follow its states part in the same stream with only kernels that start after the
// one ahead has ended in between (its early start waits only for the kernel just ahead).
enum class PassPart { all, states, outputs };
// Whether run_pass would launch a states-only step for this pass and plan (which a pass in windows of the
// contraction cannot take: run_pass refuses it).
bool needs_states_step(const PassArgs& p, const PassPlan& plan);
// Zeroes the slots a states step in halves (plan.states_halves) adds into, on `stream`: what the caller
// of a pass with states_start_early does before the kernel ahead of it. Nothing for another plan.
void zero_halves_slots(const PassPlan& plan, float* segbuf, void* stream);
// Whether the backward runs the fused dK/dV pass `fused`'s states part ahead of the dQ pass. Measured
// (session 28, b1 h32 d128 bf16): forward+backward 3.3 % faster at 8k, 1.1-1.3 % at 16k, 0.4 % at 4k,
// 0-1 % slower at 64k and 128k. ncu has each kernel's DRAM bytes and duration the same in either order
// (no reuse through L2, which was the prediction), so the difference is at the kernel boundaries: the
// states step never starts early, and in dQ-first order it waits for the dQ pass's last blocks, whereas
// states-first puts the dQ pass's tail beside the dual step's early start (inferred, no timeline taken).
// So automatic takes it where the fused pass's segments walk at most kStatesFirstMaxSegmentChunks chunks;
// only a plan with a states part (several segments, not one pass) has anything to move.
constexpr int kStatesFirstMaxSegmentChunks = 64;
bool fused_states_first(const PlanOptions& options, const PassPlan& fused);
// In dQ-first order, how many chunks before its end each block of the dQ pass `dq` lets the fused pass
// `fused`'s states step launch beside it (PlanOptions::states_beside_dq; 0: after the dQ pass, and always
// where `fused` has no states step or no early start, or its states step runs first: fused_states_first).
// Measured (session 29, b1 h32 bf16 ALiBi forward+backward, M tokens/s, one binary, two rounds): at d = 64
// n64k 55.7 after the dQ pass, 55.8-55.9 at 2 chunks, 56.0-56.1 at 8, 56.2-56.3 at 32; at d = 128 32k / 64k /
// 128k 27.5-27.6 / 28.0-28.1 / 28.8 after, 27.6-27.8 / 28.0 / 28.7 at 2, 27.1-27.4 / 27.8-27.9 / 28.4-28.5 at
// 8, 27.1-27.2 / 27.8-27.9 / 28.4 at 32 (launched as each dQ block started: 1.6-2 % slower at 32k and 128k).
// So automatic takes kStatesBesideDqChunksD64 at d = e = 64 (the dQ pass two blocks an SM) and none
// elsewhere. Why the two widths differ was not measured.
constexpr int kStatesBesideDqChunksD64 = 32;
int states_beside_dq_chunks(const PlanOptions& options, const PassPlan& fused, const PassArgs& dq);
// Enqueues the pass (or `part` of it) on `stream` (a cudaStream_t); `flags`: plan.flag_bytes of zeroed
// flags, or null when the plan has none.
void run_pass(const PassArgs& p, const PassPlan& plan, float* segbuf, int* flags, void* stream,
              PassPart part = PassPart::all);

// PassPlan::slots of the output kernel a plan would choose for this (dtype, dk, dv) under `options`:
// what a ragged grid is balanced over.
int64_t output_slots(DType dtype, int dk, int dv, const PlanOptions& options);

// Whether a dual pass (PassArgs::x, o2) of (dtype, dk, dv) runs on this device under `options`: the
// Hopper output step with a second output, at d = e = 64 and 128, for 16-bit types; `windowed`: the
// windowed 128 x 128 one over value tiles (by TMA).
bool dual_pass_runs(DType dtype, int dk, int dv, const PlanOptions& options, bool windowed = false);
// Whether this dual pass runs (plan_pass refuses it otherwise): dual_pass_runs, and its tensors as wide
// as the kernel, or narrower (read in place) where its tiles move by TMA.
bool dual_pass_usable(const PassArgs& p, const PlanOptions& options);

// The output step's kernel that run_pass launches for this pass and plan (tests ask which variant runs:
// results alone cannot tell, e.g. the narrow products are bit for bit the full ones).
const void* output_step_kernel(const PassArgs& p, const PassPlan& plan);

// Whether this device, under `options`, runs the windowed Hopper kernels that value tiles need
// (la2_value_tiles_host.h) for `dtype`.
bool wide_kernels_usable(DType dtype, const PlanOptions& options);


// Copies a ragged grid's sequence table from host memory to the device in stream order, through a
// pinned staging buffer of its own, so that the host waits only for the copy that last read that
// buffer, never for the stream's other work. One per implementation instance, used on one device.
class RaggedTableUpload {
 public:
  RaggedTableUpload() = default;
  ~RaggedTableUpload();
  RaggedTableUpload(const RaggedTableUpload&) = delete;
  RaggedTableUpload& operator=(const RaggedTableUpload&) = delete;
  // The table is copied from the host at every call, which a graph cannot replay: throws while
  // `stream` is being captured.
  void operator()(const RaggedSequence* table, int64_t count, RaggedSequence* device_dst, void* stream);

 private:
  RaggedSequence* staging_ = nullptr;
  int64_t capacity_ = 0;
  void* copied_ = nullptr;  // cudaEvent_t: the last copy out of staging_
};

}  // namespace lasuite::la2
