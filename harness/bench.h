// The bench engine: a sweep of implementations x dtypes x sequence lengths x modes, each row timed
// cold, with its work, physical floor and memory. Rows that cannot run say why; the sweep goes on.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/backend.h"
#include "harness/impl_options.h"
#include "harness/metadata.h"
#include "harness/packed_lengths.h"
#include "harness/problem.h"
#include "harness/timing.h"

namespace lasuite {

// decode: one step of decoding, a forward of T tokens per sequence with the state read and written
// (in place where Support::state_in_place), swept over batch sizes (BenchConfig::decode_batches).
enum class BenchMode { fwd, bwd, fwdbwd, decode };
const char* mode_name(BenchMode m);
inline bool runs_forward(BenchMode m) { return m != BenchMode::bwd; }
inline bool runs_backward(BenchMode m) { return m == BenchMode::bwd || m == BenchMode::fwdbwd; }
std::optional<BenchMode> parse_mode(const std::string& s);

// The decay a sweep runs with (linear attention only; softmax rows ignore it).
struct DecaySpec {
  enum class Kind { none, alibi, constant } kind = Kind::alibi;
  double slope = 0;  // for constant
  std::string name() const;  // "alibi", "none", or the slope as typed back ("0.5")
  std::vector<double> slopes(int64_t heads) const;
};

struct BenchConfig {
  std::vector<std::string> impls;    // registry names
  std::vector<DType> dtypes;
  std::vector<int64_t> seqlens;      // run in ascending order
  std::vector<BenchMode> modes;
  int64_t batch = 1, heads = 32, dim_qk = 128, dim_v = 128;
  DecaySpec decay;
  TimingPolicy timing;
  bool measure_ceilings = true;
  uint64_t seed = 1;
  std::vector<OptionSetting> impl_options;  // applied to each implementation before its rows
  // A packed batch (--packed): one problem of these sequences back to back (batch 1, seqlen their
  // total; seqlens then holds only the total), each row also timing the same number of sequences of
  // equal length (batch N, seqlen total / N) for comparison.
  std::optional<PackedLengths> packed;
  // --mode decode: the batch sizes swept (each a row) at seqlens = {tokens per step}.
  std::vector<int64_t> decode_batches;
  // --mode decode: how each point is timed, one row each: 0 = plain launches, one step a sample;
  // K > 0 = a CUDA graph of K steps replayed as one launch, a sample's time over K (the method a
  // serving loop uses, which the peers' decode figures were taken with).
  std::vector<int> decode_graph_steps = {0, 10};
  // fwd, bwd, fwdbwd (--timer): the same choice for a training pass, plain launches by default. A graph
  // takes the host's planning and launching out of the time, so the two rows of a point say how much of
  // a short pass is the GPU waiting for the host.
  std::vector<int> pass_graph_steps = {0};
  // Asked before each row that could run: "" to go on, else why the sweep stops (each row left is then a timeout
  // not run, with this reason: --time-limit, a stop signal). Unset: never.
  std::function<std::string()> stop_reason;
  // --mode decode: KV cache lengths (tokens ahead of the step's) of softmax attention's rows, a row
  // each; empty: no cache. Linear attention's rows carry their state instead, whatever it stands for.
  std::vector<int64_t> decode_contexts;
};

enum class RowStatus { ok, unsupported, oom, timeout, error };
const char* row_status_name(RowStatus s);

struct BenchRow {
  std::string impl, device, function;
  int64_t batch = 0, heads = 0, seqlen = 0, dim_qk = 0, dim_v = 0;
  std::string dtype, decay, mode;
  std::string timer = "launches";  // or "graph of K steps" (BenchConfig::{decode,pass}_graph_steps)
  std::string plan;  // what the implementation says its runs ran (Implementation::plan_text), or ""
  int64_t context = 0;             // a softmax decode step's KV cache length (Problem::context)
  RowStatus status = RowStatus::ok;
  std::string reason;
  // Valid when status == ok.
  double median_ms = 0, min_ms = 0, max_ms = 0;
  int repeats = 0;
  double tokens_per_s = 0, flops = 0, flops_per_s = 0, min_bytes = 0;
  std::optional<double> floor_ms, fraction_of_floor;  // absent without ceilings
  int64_t peak_extra_bytes = 0, outputs_bytes = 0, driver_delta_bytes = 0;
  // Packed rows: "N sequences, MIN..MAX tokens"; and the rate of N equal sequences of total / N tokens
  // in the same mode (absent when that run did not succeed; the reason then says why).
  std::string packed;
  std::optional<double> equal_length_tokens_per_s;
};

struct BenchResult {
  std::vector<BenchRow> rows;
  std::vector<DeviceRecord> devices;  // every available device the sweep used
  OptionRecord impl_options;          // the options in force of each implementation that has any
};

struct BenchObserver {
  std::function<void(const std::string&)> note;                      // "measuring ceilings on cuda"
  // Before the first row: the result's devices and options, as the result files will name them.
  std::function<void(const BenchResult&)> sweep_ready;
  std::function<void(const BenchRow&)> row_starting;                  // a row about to run (its shape, no times)
  std::function<void(const BenchRow&, size_t index, size_t total)> row;  // after each row, 1-based
};

// Runs the sweep. Throws UsageError for unknown implementation names; everything else is a row.
BenchResult run_bench(const BenchConfig& config, const BenchObserver& observer = {});

// A row's `timer`: "launches" for 0 graph steps, else "graph of K step(s)".
std::string timer_name(int graph_steps);

// An ok row's caveat where it ran faster than the floor its ceilings give (a fraction above 1: its bytes came from the
// L2, or the copy or GEMM rate measured below what the device does), else "".
std::string above_floor_note(const BenchRow& row);

}  // namespace lasuite
