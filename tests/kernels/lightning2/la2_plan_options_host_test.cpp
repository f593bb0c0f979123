// The `--impl-option` keys and values la2 takes (plan_option_list, set_plan_option): every value `lasuite list`
// names is taken, the edges of each range are, one past them is not, and a refusal is a UsageError that names the
// key. No GPU needed.
#include "kernels/lightning2/la2_plan_options_host.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "harness/errors.h"

namespace lasuite::la2 {
namespace {

// The values an option's `accepted` text names: "a, b or c" gives a, b and c; a range "lo..hi" gives both ends.
// Returns the named words and the ranges apart.
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

void expect_refused(const std::string& key, const std::string& value) {
  PlanOptions o;
  try {
    set_plan_option(o, key, value);
    ADD_FAILURE() << key << "=" << value << " was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST(La2PlanOptions, TakesEveryValueTheListNames) {
  const std::vector<ImplOption> list = plan_option_list();
  ASSERT_GE(list.size(), 10u);
  for (const ImplOption& option : list) {
    const Accepted a = parse_accepted(option.accepted);
    ASSERT_FALSE(a.words.empty() && a.ranges.empty()) << option.key;
    PlanOptions o;
    EXPECT_NO_THROW(set_plan_option(o, option.key, option.default_value)) << option.key << " (its default)";
    for (const std::string& w : a.words) EXPECT_NO_THROW(set_plan_option(o, option.key, w)) << option.key << "=" << w;
    for (const auto& [lo, hi] : a.ranges) {
      EXPECT_NO_THROW(set_plan_option(o, option.key, std::to_string(lo))) << option.key;
      EXPECT_NO_THROW(set_plan_option(o, option.key, std::to_string(hi))) << option.key;
      expect_refused(option.key, std::to_string(lo - 1));
      expect_refused(option.key, std::to_string(hi + 1));
    }
    expect_refused(option.key, "");
    expect_refused(option.key, "not_a_value");
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
           {"states_beside_dq", "on"}, {"window_adds", "red"}, {"colour", "red"}, {"", "auto"}})
    expect_refused(key, value);
}

TEST(La2PlanOptions, SetsWhatEachValueSays) {
  PlanOptions o;
  set_plan_option(o, "segments", "08");  // decimal, as the command line's whole numbers
  EXPECT_EQ(o.segments, 8);
  set_plan_option(o, "segments", "auto");
  EXPECT_EQ(o.segments, 0);
  EXPECT_TRUE(o.fused_backward);
  set_plan_option(o, "backward", "three_passes");
  EXPECT_FALSE(o.fused_backward);
  set_plan_option(o, "backward", "fused");
  EXPECT_TRUE(o.fused_backward);
  EXPECT_TRUE(o.window_adds_tma);
  set_plan_option(o, "window_adds", "atomics");
  EXPECT_FALSE(o.window_adds_tma);
  EXPECT_TRUE(o.allow_wgmma);
  set_plan_option(o, "kernel", "mma");
  EXPECT_FALSE(o.allow_wgmma);
  set_plan_option(o, "output_warpgroups", "dq");
  EXPECT_EQ(o.output_warpgroups, PlanOptions::OutputWarpgroups::dq);
}

}  // namespace
}  // namespace lasuite::la2
