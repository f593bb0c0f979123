// Parses argv with CLI11 into plain argument structs and dispatches; the only file that sees CLI11.
#include "harness/cli.h"
#include "harness/cli_args.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <cstdlib>
#include <new>
#include <ostream>
#include <vector>

#include "harness/errors.h"
#include "harness/metadata.h"
#include "harness/plugins.h"

namespace lasuite {

namespace {

// Text options given with an empty value ("--seqlen ''") are errors, not "use the default".
using TextOptions = std::vector<CLI::Option*>;

// CLI11's PositiveNumber and NonNegativeNumber let "nan" through (a NaN --min-time or
// --row-time-limit silently disables that limit) and, refusing a value, print their upper bound as
// a 300-digit number. This says in words what is expected; CLI11 still converts to the option's type.
CLI::Validator number_check(bool zero_allowed) {
  const std::string expected = zero_allowed ? "a finite number >= 0" : "a finite number > 0";
  return CLI::Validator(
      [zero_allowed, expected](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        const bool whole = decimal_number_text(text) && end == text.c_str() + text.size();
        if (!whole || !std::isfinite(v) || v < 0 || (!zero_allowed && v == 0))
          return "'" + text + "' is not " + expected;
        if (v == 0) text = "0";  // "-0" would be printed as given
        return std::string();
      },
      zero_allowed ? "NUMBER >= 0" : "NUMBER > 0");
}
const CLI::Validator kPositive = number_check(false);
const CLI::Validator kNonNegative = number_check(true);

// Whole numbers in decimal only: CLI11 reads "010" as octal 8 and "0x10" as 16, and caps a seed past
// 2^64 silently. Leading zeros are dropped (so "010" is ten) and a value above `most` is refused.
CLI::Validator decimal(uint64_t most) {
  return CLI::Validator(
      [most](std::string& text) -> std::string {
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits) return "'" + text + "' is not a whole number in decimal";
        const size_t first = text.find_first_not_of('0');
        text = first == std::string::npos ? "0" : text.substr(first);
        const std::string limit = std::to_string(most);
        if (text.size() > limit.size() || (text.size() == limit.size() && text > limit))
          return "'" + text + "' is out of range (at most " + limit + ")";
        return std::string();
      },
      "WHOLE NUMBER");
}
const CLI::Validator kCount = decimal(static_cast<uint64_t>(std::numeric_limits<int>::max()));
const CLI::Validator kSize = decimal(static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
const CLI::Validator kSeed = decimal(std::numeric_limits<uint64_t>::max());

// Repeatable, one key=value each time; the implementations check keys and values (impl_options.h).
void add_impl_option_flag(CLI::App& cmd, std::vector<std::string>& into) {
  cmd.add_option("--impl-option", into,
                 "An implementation's option, key=value or impl:key=value (repeatable; `lasuite list` shows "
                 "each implementation's options); recorded in the result files")
      ->allow_extra_args(false)
      ->type_name("[IMPL:]KEY=VALUE");
}

void add_verify_options(CLI::App& cmd, VerifyArgs& a, TextOptions& text) {
  text.push_back(cmd.add_option("--impl", a.impls, "Implementations, comma-separated (default: all registered)"));
  text.push_back(cmd.add_option("--device", a.device, "cpu, cuda or all (default: all devices present here)"));
  text.push_back(cmd.add_option("--dtype", a.dtypes,
                                "Element types, comma-separated, of f64,f32,bf16,f16 (default: each "
                                "implementation's supported ones)"));
  cmd.add_option("--seed", a.seed, "Seed of the random inputs (printed)")->transform(kSeed)->capture_default_str();
  text.push_back(cmd.add_option("--long", a.long_seqlens,
                                "Also verify long sequences, e.g. 16k,128k (a few heads compared)"));
  cmd.add_option("--long-batch", a.long_batch, "Batch of the long cases")
      ->transform(kSize)
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--long-heads", a.long_heads, "Heads of the long cases")
      ->transform(kSize)
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--dim", a.dim, "Head dim d of the long cases")->transform(kSize)->check(kPositive)->capture_default_str();
  cmd.add_option("--dim-v", a.dim_v, "Value dim e of the long cases (default: d)")->transform(kSize)->check(kPositive);
  cmd.add_option("--sample-heads", a.sample_heads, "(batch, head) pairs compared in the long cases")
      ->transform(kCount)
      ->check(kPositive)
      ->capture_default_str();
  auto* with_state = cmd.add_flag_callback("--state", [&a] { a.state = 1; },
                                           "Long cases only with an initial/final state (default: with and without)");
  auto* no_state = cmd.add_flag_callback("--no-state", [&a] { a.state = 0; }, "Long cases only without a state");
  with_state->excludes(no_state);
  cmd.add_flag("--skip-defaults", a.skip_defaults, "Run only the long cases, not the default ones");
  text.push_back(cmd.add_option("--packed", a.packed,
                                "Also verify a packed batch of these sequence lengths (100k,1,15,0,...) or "
                                "loguniform:MIN..MAX,total=T,seed=S, at --long-heads, --dim, --dim-v; decay and "
                                "states as the long cases; every sequence of every head compared"));
  add_impl_option_flag(cmd, a.impl_options);
  text.push_back(cmd.add_option("--json", a.json, "Write the results as JSON (schema lasuite.verify/1)"));
  cmd.add_option("--time-limit", a.time_limit_s,
                 "Seconds for the whole run: no case starts past them (the rest are SKIP rows, not run); a case "
                 "still running a tenth more (at least 5 s) past them is ended with the process, as an ERROR row; "
                 "what ran is printed and written either way, exit code 4 (default: none)")
      ->check(kPositive);
}

void add_bench_options(CLI::App& cmd, BenchArgs& a, TextOptions& text) {
  text.push_back(cmd.add_option("--impl", a.impls, "Implementations, comma-separated (default: all on the main device)"));
  text.push_back(cmd.add_option("--device", a.device, "Main device, cpu or cuda (default: cuda when a GPU is present)"));
  text.push_back(cmd.add_option("--seqlen", a.seqlens,
                                "Sequence lengths: 1k..128k (powers of two), lists 1000,4096,16k "
                                "(default: 1k..128k on a GPU, 1k..16k on the CPU)"));
  cmd.add_option("--batch", a.batch, "Batch size (default: 1)")->transform(kSize)->check(kPositive);
  cmd.add_option("--heads", a.heads, "Heads (default: 32 on a GPU, 4 on the CPU)")->transform(kSize)->check(kPositive);
  cmd.add_option("--dim", a.dim, "Head dim d of Q and K (default: 128 on a GPU, 64 on the CPU)")
      ->transform(kSize)
      ->check(kPositive);
  cmd.add_option("--dim-v", a.dim_v, "Value dim e (default: d)")->transform(kSize)->check(kPositive);
  text.push_back(cmd.add_option("--dtype", a.dtypes,
                                "Element types, comma-separated (default: bf16 on a GPU, f32 on the CPU)"));
  text.push_back(cmd.add_option("--mode", a.modes,
                                "fwd, bwd, fwdbwd, comma-separated; or decode alone (one decode step: T tokens "
                                "per sequence with the state read and written, swept over --decode-batch)")
                     ->capture_default_str());
  text.push_back(cmd.add_option("--decode-batch", a.decode_batch, "--mode decode: batch sizes, e.g. 1,8,64,256")
                     ->capture_default_str());
  cmd.add_option("--decode-tokens", a.decode_tokens, "--mode decode: tokens per sequence per step (T)")
      ->transform(kSize)
      ->check(kPositive)
      ->capture_default_str();
  text.push_back(cmd.add_option("--decode-timer", a.decode_timer,
                                "--mode decode: launches (one step a sample), graph (--graph-steps steps recorded "
                                "as one CUDA graph, a sample over its steps), or both comma-separated; a row each (default: both on a "
                                "GPU, launches on the CPU)"));
  text.push_back(cmd.add_option("--context", a.context,
                                "--mode decode: KV cache lengths of softmax attention's rows (a row each); "
                                "linear attention's rows carry their state instead")
                     ->capture_default_str());
  text.push_back(cmd.add_option("--timer", a.timer,
                                "fwd, bwd, fwdbwd: launches (a run between CUDA events a sample), graph "
                                "(--graph-steps runs recorded as one CUDA graph, a sample over its runs: the GPU "
                                "without the host's planning and launching), or both comma-separated; a row each")
                     ->capture_default_str());
  cmd.add_option("--graph-steps", a.graph_steps,
                 "Steps (decode, default 10) or runs (other modes, default 1: each from the flushed L2) in a timed graph")
      ->transform(kCount)
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  text.push_back(
      cmd.add_option("--decay", a.decay, "alibi, none, or one slope >= 0 for every head")->capture_default_str());
  cmd.add_option("--warmup", a.warmup, "Warm-up runs before timing, >= 1 (default: 3 on a GPU, 1 on the CPU)")
      ->transform(kCount)
      ->check(kPositive);
  cmd.add_option("--repeats", a.repeats, "At least this many timed runs, at most 1000, unless the row time limit comes first (the row's "
                 "note then says how many ran) (default: 10 on a GPU, 5 on the CPU)")
      ->transform(kCount)
      ->check(kPositive);
  cmd.add_option("--min-time", a.min_time, "At least this many seconds of timed runs (default: 0.2)")
      ->check(kNonNegative);
  cmd.add_option("--row-time-limit", a.row_time_limit,
                 "Seconds one run may take; a slower row is a timeout and larger n are not run "
                 "(default: 60 on a GPU, 5 on the CPU)")
      ->check(kPositive);
  cmd.add_option("--time-limit", a.time_limit_s,
                 "Seconds for the whole sweep: no row starts past them (the rest are timeouts, not run); a row still "
                 "running a tenth more (at least 5 s) past them is ended with the process; what was measured is "
                 "printed and written either way, exit code 4 (default: none)")
      ->check(kPositive);
  cmd.add_option("--seed", a.seed, "Seed of the random inputs")->transform(kSeed)->capture_default_str();
  text.push_back(cmd.add_option("--l2-flush", a.l2_flush,
                                "How each timed run's cache is made cold: dirty (write twice the cache, as "
                                "triton's do_bench: the run also pays the write-back) or clean (then read "
                                "another twice the cache)")
                     ->capture_default_str());
  text.push_back(cmd.add_option("--scratch-pool", a.scratch_pool,
                                "What becomes of device scratch a timed run frees: keep (it stays with the "
                                "allocator for the next run of the row, as PyTorch's caching allocator keeps "
                                "it) or release (back to the driver at each synchronisation, so each run maps "
                                "it again)")
                     ->capture_default_str());
  cmd.add_flag("--no-ceilings", a.no_ceilings, "Do not measure copy bandwidth and GEMM rate (no floor column)");
  text.push_back(cmd.add_option("--packed", a.packed,
                                "A packed batch of variable-length sequences instead of --seqlen: lengths "
                                "(100,2000,0,15k) or loguniform:MIN..MAX,total=T,seed=S; each row also times "
                                "the same number of equal-length sequences"));
  add_impl_option_flag(cmd, a.impl_options);
  cmd.add_option("--gpus", a.gpus,
                 "la2 with the sequence split over N GPUs, one process each: launch as mpirun -np N lasuite "
                 "bench --gpus N ... (N = 1 runs without mpirun); times each step, the communication apart and "
                 "each GPU's la2 alone on its part")
      ->transform(kCount)
      ->check(kPositive);
  text.push_back(cmd.add_option("--scaling", a.scaling,
                                "With --gpus: --seqlen is the whole sequence (strong) or each GPU's part (weak)")
                     ->capture_default_str());
  text.push_back(cmd.add_option("--json", a.json, "Write the results as JSON (schema lasuite.bench/1)"));
  text.push_back(cmd.add_option("--csv", a.csv, "Write the results as CSV (metadata in # lines)"));
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"lasuite: verifies and races attention implementations for long sequences "
               "(Lightning Attention-2 and its rivals)"};
  app.name("lasuite");
  app.require_subcommand(1);
  // The parser's own refusals read as every other of lasuite's: "lasuite: error: ...", then the hint.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("lasuite: error: ") + e.what() + "\nRun with --help for more information.\n";
  });
  app.set_version_flag("--version", lasuite_version());
  std::vector<std::string> plugin_paths;
  app.add_option("--plugin", plugin_paths,
                 "A shared library of implementations built against the installed lasuite (repeatable; "
                 "LASUITE_PLUGINS may list more, separated by ':'); recorded in the result files with its "
                 "content hash")
      ->allow_extra_args(false)
      ->type_name("PATH");
  CLI::App* list = app.add_subcommand("list", "Registered implementations and what each supports");
  TextOptions text_options;
  VerifyArgs verify_args;
  CLI::App* verify = app.add_subcommand("verify", "Check implementations against the float64 reference");
  add_verify_options(*verify, verify_args, text_options);
  BenchArgs bench_args;
  CLI::App* bench = app.add_subcommand("bench", "Time implementations over a sweep of sequence lengths");
  add_bench_options(*bench, bench_args, text_options);

  // A misspelt subcommand, or --plugin after the subcommand, said plainly (the parser would say only that a
  // subcommand is required, or that the arguments were not expected).
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--plugin") {
      ++i;
      continue;
    }
    if (arg.rfind("--plugin=", 0) == 0 || arg == "--version" || arg == "-h" || arg == "--help") continue;
    if (arg.empty() || arg[0] == '-') break;  // an option the parser will name
    if (arg != "list" && arg != "verify" && arg != "bench") {
      err << "lasuite: error: unknown subcommand '" << arg << "' (list, verify or bench; see lasuite --help)" << std::endl;
      return kExitUsage;
    }
    for (int j = i + 1; j < argc; ++j)
      if (std::string(argv[j]) == "--plugin" || std::string(argv[j]).rfind("--plugin=", 0) == 0) {
        err << "lasuite: error: --plugin goes before the subcommand: lasuite --plugin PATH " << arg << " ..." << std::endl;
        return kExitUsage;
      }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);  // prints help, the version, or the error with a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  // Options with defaults of their own that apply to one kind of run: noted where the command line set them,
  // so that one given where it does not apply is refused rather than ignored.
  auto given = [](const CLI::App& cmd, std::initializer_list<const char*> names) {
    std::vector<std::string> set;
    for (const char* n : names)
      if (cmd.get_option(n)->count() > 0) set.push_back(n);
    return set;
  };
  verify_args.shape_options_given =
      given(*verify, {"--long-batch", "--long-heads", "--dim", "--dim-v", "--sample-heads", "--state", "--no-state"});
  bench_args.decode_options_given = given(*bench, {"--decode-batch", "--decode-tokens", "--context"});
  bench_args.single_gpu_options_given =
      given(*bench, {"--device", "--csv", "--min-time", "--row-time-limit", "--l2-flush", "--no-ceilings", "--scratch-pool",
                     "--decode-timer", "--time-limit"});

  CliContext ctx{out, err, join_command_line(argc, argv)};
  try {
    for (const CLI::Option* o : text_options)
      if (o->count() > 0 && o->as<std::string>().find_first_not_of(" \t\n\r") == std::string::npos)
        throw UsageError(o->get_name() + " is empty");
    load_plugins(plugin_paths);
    if (*list) return run_list(ctx);
    if (*verify) return run_verify(verify_args, ctx);
    if (*bench) return run_bench_command(bench_args, ctx);
  } catch (const UsageError& e) {
    err << "lasuite: error: " << e.what() << std::endl;
    return kExitUsage;
  } catch (const UnsupportedError& e) {
    // The command as a whole cannot run on this machine (bench --gpus without a GPU or NCCL): nothing was measured.
    err << "lasuite: nothing was run: " << e.what() << std::endl;
    return kExitNothingRan;
  } catch (const std::bad_alloc&) {
    err << "lasuite: failed: out of host memory (a shape too large for this machine?)" << std::endl;
    return kExitFailed;
  } catch (const std::exception& e) {
    err << "lasuite: failed: " << e.what() << std::endl;
    return kExitFailed;
  } catch (...) {
    err << "lasuite: failed: " << kUnknownException << std::endl;
    return kExitFailed;
  }
  return kExitUsage;
}

}  // namespace lasuite
