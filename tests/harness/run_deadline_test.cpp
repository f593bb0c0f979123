// RunDeadline's clock and grace; the watchdog ending a hung case is tests/examples/cpp_plugin_test.sh's
// (it ends the process, so it is seen from outside).
#include "harness/run_deadline.h"

#include <gtest/gtest.h>

#include <thread>

namespace lasuite {
namespace {

TEST(RunDeadline, NoLimitNeverPasses) {
  bool called = false;
  RunDeadline none(0, [&] { called = true; return 9; });
  EXPECT_FALSE(none.passed());
  none.finishing();
  EXPECT_FALSE(called);
}

TEST(RunDeadline, PassesAtItsLimitAndStandsDownWhenTheCommandFinishes) {
  bool called = false;
  {
    RunDeadline soon(1e-6, [&] { called = true; return 9; });
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(soon.passed());
    soon.finishing();
  }  // the watchdog, 5 s from firing, returns when the command is over
  EXPECT_FALSE(called);
}

TEST(RunDeadline, GraceIsATenthOfTheLimitAndAtLeastFiveSeconds) {
  EXPECT_EQ(time_limit_grace_s(1), 5);
  EXPECT_EQ(time_limit_grace_s(50), 5);
  EXPECT_EQ(time_limit_grace_s(600), 60);
}

}  // namespace
}  // namespace lasuite
