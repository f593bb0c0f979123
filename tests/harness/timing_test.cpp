// harness/timing.h's note for a row whose warm-ups or samples the row time limit cut short of those asked.
#include "harness/timing.h"

#include <gtest/gtest.h>

namespace lasuite {
namespace {

TEST(TimingNote, SaysWhatTheRowTimeLimitCutShort) {
  TimingPolicy policy;
  policy.min_repeats = 50;
  policy.row_time_limit_s = 0.05;
  Samples s;
  s.ms = {9.0, 9.1, 9.0};
  s.warmups = 2;
  EXPECT_EQ(cut_short_note(s, policy, 2), "3 of the 50 timed runs asked for: the row time limit (0.05 s) came first");
  s.warmups = 1;
  EXPECT_EQ(cut_short_note(s, policy, 2),
            "3 of the 50 timed runs asked for and 1 of 2 further warm-ups: the row time limit (0.05 s) came first");
  s.ms.assign(50, 1.0);
  s.warmups = 2;
  EXPECT_EQ(cut_short_note(s, policy, 2), "") << "everything asked for ran";
}

}  // namespace
}  // namespace lasuite
