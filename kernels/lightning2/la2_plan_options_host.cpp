#include "kernels/lightning2/la2_plan_options_host.h"

#include <cstddef>
#include <string>
#include <utility>

#include "harness/errors.h"

namespace lasuite::la2 {

namespace {

// "auto" (0: the plan's choice) or a whole number 1..most in decimal, leading zeros allowed. `words`: how the
// refusal names the words the caller takes before the number (the option list's `accepted` text, up to the range).
int parse_count(const std::string& key, const std::string& value, int most, const char* words = "auto or ") {
  if (value == "auto") return 0;
  const size_t first = value.find_first_not_of('0');
  const std::string digits = first == std::string::npos ? "0" : value.substr(first);
  const bool whole = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
  const int k = whole && digits.size() <= 4 ? std::stoi(digits) : 0;
  if (k < 1 || k > most)
    throw UsageError("la2 option " + key + " takes " + words + "1.." + std::to_string(most) +
                     " (whole numbers), not '" + value + "'");
  return k;
}

bool parse_either(const std::string& key, const std::string& value, const char* yes, const char* no) {
  if (value == yes) return true;
  if (value == no) return false;
  throw UsageError("la2 option " + key + " takes " + yes + " or " + no + ", not '" + value + "'");
}

// One of N named values (an enum option).
template <class E, size_t N>
E parse_one_of(const std::string& key, const std::string& value, const std::pair<const char*, E> (&choices)[N]) {
  static_assert(N >= 2);
  std::string names;
  for (size_t i = 0; i < N; ++i) {
    if (value == choices[i].first) return choices[i].second;
    names += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(choices[i].first);
  }
  throw UsageError("la2 option " + key + " takes " + names + ", not '" + value + "'");
}

}  // namespace

std::vector<ImplOption> plan_option_list() {
  return {
      {"kernel", "auto or mma", "auto", "kernel family: auto = wgmma on Hopper for bf16/f16, mma.sync elsewhere"},
      {"states_kernel", "auto or mma", "auto",
       "the states-only step's family beside a wgmma output step (value-tiled passes, which mma.sync cannot read, "
       "keep wgmma)"},
      {"one_pass", "auto, all or off", "auto",
       "one kernel per pass (blocks hand states on through flags) where the grid fits the device: auto = every "
       "pass but the fused dK/dV one (a states step, then its outputs), all = that one too, off = none"},
      {"scan", "auto, kernel or blocks", "auto",
       "where the scan over segments runs: a kernel of its own, or each output block for itself"},
      {"segments", "auto or 1..256", "auto", "segments per (batch, head); auto: the cost model's"},
      {"states_split", "auto or 1..8", "auto", "states-only segments per output segment"},
      {"states_halves", "auto, on or off", "auto",
       "each segment's increment from two states-only blocks of half its chunks, added into one slot (same "
       "memory; an odd segment grows by a chunk): auto = where one wave holds the halves and each walks at least 128 "
       "chunks (the fused dK/dV pass's states step) or 256 (the forward, which then runs as a states step and its "
       "outputs rather than one kernel), on = every two-kernel pass with the scan in its output blocks, off = never"},
      {"inc_order", "last_first or first_last", "last_first",
       "one pass: the order middle blocks sum their increment (first_last: bit-identical to two passes with "
       "states_halves=off)"},
      {"early_start", "on or off", "on", "kernels after a pass's first start beside the one ahead (Hopper)"},
      {"one_pass_launch", "cooperative or plain", "cooperative",
       "one pass: a cooperative launch (all blocks resident at once, guaranteed) or a plain one"},
      {"decode", "auto or off", "auto",
       "auto: a forward of at most 16 rows (a decode step) runs the recurrent kernel, the state read and written "
       "once; off: the chunk passes"},
      {"packed", "ragged or spans", "ragged",
       "a packed batch: ragged = its sequences in one launch a pass (each whole in a block, longest first; one "
       "too long to share the device runs on its own); spans = one sequence after another"},
      {"wide_dims", "value_tiles or tiles", "value_tiles",
       "head dims past 128 (up to 256, multiples of 8; bf16/f16 on Hopper): value_tiles = each pass reads its "
       "contraction whole and in place, its value columns in windows run by blocks of one launch; tiles = (d, e) "
       "tiles of at most 128 on padded copies, outputs summed"},
      {"loads", "tma or cp_async", "tma",
       "how the Hopper output step's tiles arrive and its outputs leave (a dense batch at d, e = 64 or 128: the "
       "forward, dQ and fused dK/dV passes, and the states steps of the forward in two kernels and of the fused "
       "pass): tma = bulk tensor copies, 64 x 64 "
       "tiles in by one thread, a warp's 16 x 64 output rows out by one lane (the fused pass's reverse walk reads "
       "its boxes upside down); "
       "cp_async = 16 bytes a thread per copy in, 16-byte stores out (every other pass takes these)"},
      {"narrow_products", "auto or off", "auto",
       "the 128 x 128 TMA output steps where d and e are both at most 96, read in place: auto = variants whose "
       "output products read and make only those 96 columns (the contractions over d or e and the outputs of the "
       "forward, dQ and fused dK/dV passes), and whose state holds and updates only 96 of its columns (stored "
       "whole, the rest zeros); off = products over all 128, the last 32 zeros"},
      {"backward", "fused or three_passes", "fused",
       "fused = dQ's pass, then dK and dV from one reverse pass reading Q, K, V and dO once (bf16/f16 on Hopper, "
       "d = e = 64 or 128; and d of 72..128 beside e of 136..256 in two windows of e, by TMA, where each window "
       "adds its partial sum of dQ and of dK into them; other shapes take three passes); three_passes = dQ, dK and "
       "dV a pass each"},
      {"window_adds", "tma or atomics", "tma",
       "the backward in windows of e (backward=fused, d of 72..128 beside e past 128): how each window adds its "
       "partial sums of dQ and dK into them: tma = a warp's 16 x 64 boxes added by the copy engine; atomics = every "
       "lane's 16-byte atomic adds"},
      {"backward_order", "auto, dq_first or states_first", "auto",
       "the fused dK/dV pass (backward=fused): dq_first = the dQ pass, then the fused pass's states step and its "
       "outputs; states_first = its states step, the dQ pass, then its outputs (which start early beside the dQ "
       "pass's last blocks); auto = states_first where the fused pass's segments walk at most 64 chunks (up to 16k "
       "at b1 h32 d128)"},
      {"states_beside_dq", "auto, off or 1..256", "auto",
       "dq_first order: the fused pass's states step starts early beside the dQ pass's tail, launched once each dQ "
       "block has this many chunks left (the dQ pass on the one-output-warpgroup step; its other steps launch it "
       "as they start, or end); each states block waits for the dQ pass at its end; off = after the dQ pass; "
       "auto = 32 at d = e = 64, off elsewhere"},
      {"output_warpgroups", "auto, 1, 2 or dq", "auto",
       "the row-order TMA output step at d = e = 128 (the forward's and dQ's, a dense batch): 1 = one output "
       "warpgroup beside the state warpgroup; 2 = two taking alternate chunks (384 threads; never one pass); "
       "dq = two in the backward's dQ pass only; auto = two in the dQ pass where its blocks are one wave of "
       "several segments a head, each of at most 16 chunks (4k at b1 h32), else 1"},
  };
}

void set_plan_option(PlanOptions& o, const std::string& key, const std::string& value) {
  if (key == "kernel") {
    o.allow_wgmma = parse_either(key, value, "auto", "mma");
  } else if (key == "states_kernel") {
    o.allow_wgmma_states = parse_either(key, value, "auto", "mma");
  } else if (key == "one_pass") {
    using P = PlanOptions::OnePass;
    o.one_pass = parse_one_of<P>(key, value, {{"auto", P::automatic}, {"all", P::all}, {"off", P::off}});
  } else if (key == "scan") {
    using S = PlanOptions::Scan;
    o.scan = parse_one_of<S>(key, value, {{"auto", S::automatic}, {"kernel", S::kernel}, {"blocks", S::blocks}});
  } else if (key == "segments") {
    o.segments = parse_count(key, value, 256);
  } else if (key == "states_split") {
    o.states_split = parse_count(key, value, 8);
  } else if (key == "states_halves") {
    using H = PlanOptions::Halves;
    o.states_halves = parse_one_of<H>(key, value, {{"auto", H::automatic}, {"on", H::on}, {"off", H::off}});
  } else if (key == "inc_order") {
    o.inc_last_first = parse_either(key, value, "last_first", "first_last");
  } else if (key == "early_start") {
    o.early_start = parse_either(key, value, "on", "off");
  } else if (key == "one_pass_launch") {
    o.cooperative_one_pass = parse_either(key, value, "cooperative", "plain");
  } else if (key == "decode") {
    o.allow_decode_kernel = parse_either(key, value, "auto", "off");
  } else if (key == "packed") {
    o.packed_ragged = parse_either(key, value, "ragged", "spans");
  } else if (key == "wide_dims") {
    o.value_tiles = parse_either(key, value, "value_tiles", "tiles");
  } else if (key == "narrow_products") {
    o.narrow_products = parse_either(key, value, "auto", "off");
  } else if (key == "loads") {
    o.tma_loads = parse_either(key, value, "tma", "cp_async");
  } else if (key == "output_warpgroups") {
    using W = PlanOptions::OutputWarpgroups;
    o.output_warpgroups = parse_one_of<W>(key, value, {{"auto", W::automatic}, {"1", W::one}, {"2", W::two}, {"dq", W::dq}});
  } else if (key == "states_beside_dq") {
    o.states_beside_dq = value == "auto" ? -1 : value == "off" ? 0 : parse_count(key, value, 256, "auto, off or ");
  } else if (key == "backward_order") {
    using B = PlanOptions::BackwardOrder;
    o.backward_order = parse_one_of<B>(key, value, {{"auto", B::automatic}, {"dq_first", B::dq_first}, {"states_first", B::states_first}});
  } else if (key == "window_adds") {
    o.window_adds_tma = parse_either(key, value, "tma", "atomics");
  } else if (key == "backward") {
    o.fused_backward = parse_either(key, value, "fused", "three_passes");
  } else {
    throw UsageError("la2 has no option '" + key + "'");
  }
}

}  // namespace lasuite::la2
