// The `lasuite` command line: list, verify, bench. main() is a thin call of run_cli, so tests run the
// real command in-process with their own argv and streams.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace lasuite {

// Exit codes: 0 success; 1 a check failed or a row errored; 2 bad usage (unknown implementation,
// bad dtype, malformed range, ...); 3 nothing could run (everything skipped or unsupported); 4 the
// --time-limit passed before every case or row ran; 128 + the signal where SIGINT or SIGTERM stopped the run
// (run_stop.h; main.cpp then ends the process by the signal itself).
enum ExitCode : int { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitNothingRan = 3, kExitTimeLimit = 4 };

inline constexpr uint64_t kDefaultSeed = 20240107;  // the LA-2 paper's arXiv month, fixed and printed

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

struct CliContext {
  std::ostream& out;  // results: tables, the summary line
  std::ostream& err;  // progress, notes, errors
  std::string command_line;
};

struct VerifyArgs {
  std::string impls;   // comma list; empty = all registered
  std::string device = "all";
  std::string dtypes;  // comma list; empty = each implementation's own
  uint64_t seed = kDefaultSeed;
  std::string long_seqlens;  // empty = no long cases
  int64_t long_batch = 1, long_heads = 32, dim = 128, dim_v = 0;  // dim_v 0 = dim
  int sample_heads = 2;
  int state = -1;  // long cases: -1 both, 0 without, 1 with an initial/final state
  bool skip_defaults = false;
  std::vector<std::string> impl_options;  // [impl:]key=value, as given
  std::string packed;  // --packed: the lengths of a packed case (packed_lengths.h), at --long-heads, --dim
  std::string json;
  double time_limit_s = 0;  // --time-limit: no case starts past it, none runs a grace past it (run_stop.h); 0: none
  std::vector<std::string> shape_options_given;  // which of the long and packed cases' options the command line set
};

struct BenchArgs {
  std::string impls, device, seqlens, dtypes;  // empty = chosen for the device
  int64_t batch = 0, heads = 0, dim = 0, dim_v = 0;  // 0 = chosen for the device (dim_v: = dim)
  std::string modes = "fwd,bwd,fwdbwd";
  std::string decay = "alibi";
  int warmup = -1, repeats = -1;            // -1 = chosen for the device
  double min_time = -1, row_time_limit = -1;
  uint64_t seed = kDefaultSeed;
  bool no_ceilings = false;
  std::string l2_flush = "dirty";
  std::string scratch_pool = "keep";
  std::vector<std::string> impl_options;  // [impl:]key=value, as given
  std::string packed;                     // --packed: lengths or a distribution (packed_lengths.h)
  std::string decode_batch = "1,8,64,256";  // --mode decode: the batch sizes swept
  int64_t decode_tokens = 1;                // --mode decode: tokens per sequence per step
  std::string decode_timer = "launches,graph";  // --mode decode: how each point is timed, a row each
  std::string timer = "launches";           // fwd, bwd, fwdbwd: how each point is timed, a row each
  int64_t graph_steps = 0;                  // steps recorded in a timed graph; 0: 10 decode steps, 1 training run
  std::string context = "1k..1m";           // --mode decode: softmax attention's KV cache lengths
  std::string json, csv;
  double time_limit_s = 0;  // --time-limit: no row starts past it, none runs a grace past it (run_stop.h); 0: none
  int gpus = 0;                      // --gpus N: la2 over N GPUs, one process each (mpirun)
  std::string scaling = "strong";    // --gpus: --seqlen is the whole sequence (strong) or each GPU's (weak)
  std::vector<std::string> decode_options_given;  // which of --mode decode's options the command line set
  std::vector<std::string> single_gpu_options_given;  // which of the options --gpus does not honour it set
};

int run_list(const CliContext& ctx);
int run_verify(const VerifyArgs& args, const CliContext& ctx);
int run_bench_command(const BenchArgs& args, const CliContext& ctx);

}  // namespace lasuite
