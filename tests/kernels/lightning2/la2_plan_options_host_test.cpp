// The `--impl-option` keys and values la2 takes (plan_option_list, set_plan_option), held to what `lasuite list`
// shows: the keys, every value each option's `accepted` text names (each setting the options otherwise), the range
// ends and one past them, the listed default as the plan's own, and a refusal that names the key and repeats the
// accepted text (so a parser that takes a value the list does not name, or no longer takes one it names, fails).
// No GPU needed.
#include "kernels/lightning2/la2_plan_options_host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness/errors.h"

namespace lasuite::la2 {
namespace {

// The values an option's `accepted` text names: "a, b or c" gives a, b and c; a range "lo..hi" gives both ends.
struct Accepted {
  std::vector<std::string> words;
  std::vector<std::pair<int, int>> ranges;
};
Accepted parse_accepted(const std::string& text) {
  Accepted a;
  std::string rest = text;
  for (const std::string sep : {", ", " or "})
    for (size_t at; (at = rest.find(sep)) != std::string::npos;) rest.replace(at, sep.size(), "|");
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t end = std::min(rest.find('|', start), rest.size());
    const std::string item = rest.substr(start, end - start);
    const size_t dots = item.find("..");
    if (dots == std::string::npos) a.words.push_back(item);
    else a.ranges.push_back({std::stoi(item.substr(0, dots)), std::stoi(item.substr(dots + 2))});
    start = end + 1;
  }
  return a;
}

// Every field of the options in words, so that two settings can be told apart. A field added to PlanOptions and not
// here leaves its option's values alike, which TakesEveryValueTheListNames reports.
std::string state(const PlanOptions& o) {
  return std::to_string(o.allow_wgmma) + std::to_string(o.allow_wgmma_states) + " one_pass " +
         std::to_string(static_cast<int>(o.one_pass)) + " scan " + std::to_string(static_cast<int>(o.scan)) +
         " segments " + std::to_string(o.segments) + " split " + std::to_string(o.states_split) + " halves " +
         std::to_string(static_cast<int>(o.states_halves)) + " " + std::to_string(o.inc_last_first) +
         std::to_string(o.early_start) + std::to_string(o.cooperative_one_pass) +
         std::to_string(o.allow_decode_kernel) + std::to_string(o.packed_ragged) + std::to_string(o.value_tiles) +
         std::to_string(o.fused_backward) + std::to_string(o.window_adds_tma) + std::to_string(o.tma_loads) +
         std::to_string(o.narrow_products) +
         " warpgroups " + std::to_string(static_cast<int>(o.output_warpgroups)) + " order " +
         std::to_string(static_cast<int>(o.backward_order)) + " beside " + std::to_string(o.states_beside_dq);
}

PlanOptions set(const std::string& key, const std::string& value) {
  PlanOptions o;
  set_plan_option(o, key, value);
  return o;
}

// A refusal of key=value: a UsageError naming the key and, for a key that exists (`accepted` not empty), what it
// takes as the list says it.
void expect_refused(const std::string& key, const std::string& value, const std::string& accepted) {
  try {
    set(key, value);
    ADD_FAILURE() << key << "=" << value << " was accepted";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    const std::string says = accepted.empty() ? "no option '" + key + "'" : "option " + key + " takes " + accepted;
    EXPECT_NE(what.find(says), std::string::npos) << what;
  }
}

TEST(La2PlanOptions, ListsTheKeysInTheirOrder) {
  std::vector<std::string> keys;
  for (const ImplOption& option : plan_option_list()) keys.push_back(option.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"kernel", "states_kernel", "one_pass", "scan", "segments", "states_split",
                                            "states_halves", "inc_order", "early_start", "one_pass_launch", "decode",
                                            "packed", "wide_dims", "loads", "narrow_products", "backward",
                                            "window_adds", "backward_order", "states_beside_dq", "output_warpgroups"}));
}

TEST(La2PlanOptions, TakesEveryValueTheListNames) {
  const std::string defaults = state(PlanOptions{});
  for (const ImplOption& option : plan_option_list()) {
    const Accepted a = parse_accepted(option.accepted);
    EXPECT_EQ(state(set(option.key, option.default_value)), defaults) << option.key << "'s listed default";
    // Each value it names, and each range's ends, sets the options otherwise than the others.
    std::vector<std::string> values = a.words;
    for (const auto& [lo, hi] : a.ranges) {
      values.push_back(std::to_string(lo));
      values.push_back(std::to_string(hi));
      expect_refused(option.key, std::to_string(lo - 1), option.accepted);
      expect_refused(option.key, std::to_string(hi + 1), option.accepted);
    }
    EXPECT_GE(values.size(), 2u) << option.key << ": '" << option.accepted << "' names fewer than two values";
    std::set<std::string> states;
    for (const std::string& v : values) {
      PlanOptions o;
      EXPECT_NO_THROW(o = set(option.key, v)) << option.key << "=" << v;
      states.insert(state(o));
    }
    EXPECT_EQ(states.size(), values.size()) << option.key << ": two of its values set the same options";
    for (const std::string& bogus : {"", "not_a_value", "on ", "AUTO"})
      expect_refused(option.key, bogus, option.accepted);
  }
  // The parse above, checked on the forms the list uses (so that a parse taking nothing cannot pass).
  const Accepted three = parse_accepted("auto, off or 1..256");
  EXPECT_EQ(three.words, (std::vector<std::string>{"auto", "off"}));
  ASSERT_EQ(three.ranges.size(), 1u);
  EXPECT_EQ(three.ranges[0], (std::pair<int, int>{1, 256}));
}

TEST(La2PlanOptions, RefusesUnknownKeysAndMalformedValues) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"segments", "0"}, {"segments", "257"}, {"segments", "-1"}, {"segments", "1e2"}, {"segments", "x"},
           {"segments", " 8"}, {"kernel", "wgmma2"}, {"scan", "both"}, {"inc_order", "up"}, {"early_start", "1"},
           {"states_split", "9"}, {"one_pass_launch", "coop"}, {"backward", "fused2"}, {"output_warpgroups", "3"},
           {"output_warpgroups", "two"}, {"backward_order", "states"}, {"states_beside_dq", "0"},
           {"states_beside_dq", "on"}}) {
    std::string accepted;
    for (const ImplOption& option : plan_option_list())
      if (option.key == key) accepted = option.accepted;
    ASSERT_FALSE(accepted.empty()) << key;
    expect_refused(key, value, accepted);
  }
  for (const std::string& key : {"colour", "", "Segments"}) expect_refused(key, "auto", "");
}

TEST(La2PlanOptions, SetsWhatEachValueSays) {
  EXPECT_EQ(set("segments", "08").segments, 8);  // decimal, as the command line's whole numbers
  EXPECT_EQ(set("segments", "auto").segments, 0);
  EXPECT_TRUE(PlanOptions{}.fused_backward);
  EXPECT_FALSE(set("backward", "three_passes").fused_backward);
  EXPECT_FALSE(set("window_adds", "atomics").window_adds_tma);
  EXPECT_FALSE(set("kernel", "mma").allow_wgmma);
  EXPECT_EQ(set("one_pass", "all").one_pass, PlanOptions::OnePass::all);
  EXPECT_EQ(set("output_warpgroups", "dq").output_warpgroups, PlanOptions::OutputWarpgroups::dq);
  EXPECT_EQ(set("states_beside_dq", "off").states_beside_dq, 0);
  EXPECT_EQ(set("states_beside_dq", "auto").states_beside_dq, -1);
}

}  // namespace
}  // namespace lasuite::la2
