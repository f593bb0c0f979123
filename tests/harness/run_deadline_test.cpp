// RunDeadline's clock, its watchdog ending the process past the grace (in a child process: gtest's death
// tests), and the watchdog standing down once the command says it is finishing. The whole commands
// under a hung case are tests/examples/cpp_plugin_test.sh's.
#include "harness/run_deadline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace lasuite {
namespace {

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

TEST(RunDeadline, NoLimitNeverPasses) {
  RunDeadline none(0, [] { return 9; });
  EXPECT_FALSE(none.passed());
}

TEST(RunDeadline, PassesAtItsLimit) {
  RunDeadline soon(1e-6, [] { return 9; });
  sleep_s(0.001);
  EXPECT_TRUE(soon.passed());
  soon.finishing();
}

TEST(RunDeadline, GraceIsATenthOfTheLimitAndAtLeastFiveSeconds) {
  EXPECT_EQ(time_limit_grace_s(1), 5);
  EXPECT_EQ(time_limit_grace_s(50), 5);
  EXPECT_EQ(time_limit_grace_s(600), 60);
  EXPECT_EQ(time_limit_text(600), "600 s");
  EXPECT_EQ(time_limit_text(0.5), "0.5 s");
}

TEST(RunDeadlineDeathTest, EndsTheProcessWithTheLastWordsCodePastTheGrace) {
  EXPECT_EXIT(
      {
        RunDeadline deadline(0.01, [] { std::fputs("last words\n", stderr); return 4; }, 0.02);
        sleep_s(30);  // a case that does not return
        std::exit(0);
      },
      testing::ExitedWithCode(4), "last words");
}

TEST(RunDeadlineDeathTest, LastWordsThatThrowStillEndTheProcessWithAMessage) {
  EXPECT_EXIT(
      {
        RunDeadline deadline(0.01, []() -> int { throw std::runtime_error("disk full"); }, 0.02);
        sleep_s(30);
        std::exit(0);
      },
      testing::ExitedWithCode(1), "failed while writing what finished before the time limit: disk full");
}

TEST(RunDeadlineDeathTest, StandsDownOnceTheCommandIsFinishing) {
  EXPECT_EXIT(
      {
        RunDeadline deadline(0.01, [] { return 4; }, 0.02);
        deadline.finishing();
        sleep_s(0.3);  // well past limit and grace: the watchdog has woken and stood down
        std::exit(7);
      },
      testing::ExitedWithCode(7), "");
}

}  // namespace
}  // namespace lasuite
