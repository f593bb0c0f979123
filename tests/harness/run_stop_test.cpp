// RunStop's causes (the limit, a stop signal), its watchdog ending the process past the grace (in a child process:
// gtest's death tests), and the watchdog standing down once the command says it is finishing. The whole commands
// under a hung case, and under SIGINT, are tests/examples/cpp_plugin_test.sh's and cli_process_test.sh's.
#include "harness/run_stop.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "harness/stop_signals.h"

namespace lasuite {
namespace {

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

TEST(RunStop, NoLimitAndNoSignalNeverStops) {
  RunStop none(0, [](const StopCause&) { return 9; });
  EXPECT_FALSE(none.cause());
}

TEST(RunStop, StopsAtItsLimit) {
  RunStop soon(1e-6, [](const StopCause&) { return 9; });
  sleep_s(0.001);
  const StopCause cause = soon.cause();
  EXPECT_EQ(cause.kind, StopCause::Kind::time_limit);
  EXPECT_EQ(cause.text, "--time-limit of 1e-06 s passed");
  soon.finishing();
}

TEST(RunStop, GraceIsATenthOfTheLimitAndAtLeastFiveSeconds) {
  EXPECT_EQ(time_limit_grace_s(1), 5);
  EXPECT_EQ(time_limit_grace_s(50), 5);
  EXPECT_EQ(time_limit_grace_s(600), 60);
  EXPECT_EQ(time_limit_text(600), "600 s");
  EXPECT_EQ(time_limit_text(0.5), "0.5 s");
}

TEST(RunStopDeathTest, EndsTheProcessWithTheLastWordsCodePastTheGrace) {
  EXPECT_EXIT(
      {
        RunStop stop(0.01, [](const StopCause& c) { std::fprintf(stderr, "last words: %s\n", c.text.c_str()); return 4; }, 0.02);
        sleep_s(30);  // a case that does not return
        std::exit(0);
      },
      testing::ExitedWithCode(4), "last words: --time-limit of 0.01 s passed");
}

TEST(RunStopDeathTest, LastWordsThatThrowStillEndTheProcessWithAMessage) {
  EXPECT_EXIT(
      {
        RunStop stop(0.01, [](const StopCause&) -> int { throw std::runtime_error("disk full"); }, 0.02);
        sleep_s(30);
        std::exit(0);
      },
      testing::ExitedWithCode(1), "failed while writing what finished before the stop: disk full");
}

TEST(RunStopDeathTest, StandsDownOnceTheCommandIsFinishing) {
  EXPECT_EXIT(
      {
        RunStop stop(0.01, [](const StopCause&) { return 4; }, 0.02);
        stop.finishing();
        sleep_s(0.3);  // well past limit and grace: the watchdog has woken and stood down
        std::exit(7);
      },
      testing::ExitedWithCode(7), "");
}

// The first SIGINT is a request (the flag, a line on stderr, the cause between cases); a case that does not return
// is ended kSignalGraceS later, after the last words, by the signal itself (as a shell expects of a program it
// interrupted).
TEST(RunStopDeathTest, ASignalIsAStopAndAHungCaseEndsAfterItsGraceByThatSignal) {
  EXPECT_EXIT(
      {
        std::signal(SIGINT, SIG_DFL);  // not as ignored as a background job's may have been inherited
        install_stop_signals();
        RunStop stop(0, [](const StopCause& c) { std::fprintf(stderr, "last words: %s\n", c.text.c_str()); return 128 + c.signal; });
        if (stop.cause()) std::exit(1);
        std::raise(SIGINT);
        const StopCause cause = stop.cause();
        if (cause.kind != StopCause::Kind::signal || cause.signal != SIGINT) std::exit(2);
        sleep_s(30);  // the case does not return
        std::exit(0);
      },
      testing::KilledBySignal(SIGINT), "asked to stop.*last words: SIGINT was received");
}

// With no run armed (parsing, `list`), a signal takes its default action at once.
TEST(RunStopDeathTest, ASignalWithNoRunArmedEndsTheProcess) {
  EXPECT_EXIT(
      {
        std::signal(SIGTERM, SIG_DFL);
        install_stop_signals();
        std::raise(SIGTERM);
        sleep_s(30);
        std::exit(0);
      },
      testing::KilledBySignal(SIGTERM), "");
}

}  // namespace
}  // namespace lasuite
