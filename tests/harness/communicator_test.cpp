// The in-process stand-in for NCCL: an all-gather puts every rank's bytes in rank order on every rank,
// repeatedly; sends and receives pass a ring; a rank that throws releases the others (no hang) and its
// own error is the one reported.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "harness/communicator.h"

namespace lasuite {
namespace {

TEST(InProcessGroup, AllGatherIsInRankOrderOnEveryRank) {
  for (int world : {1, 2, 5}) {
    InProcessGroup group(world);
    std::vector<std::vector<int>> seen(world);
    group.run([&](Communicator& comm) {
      EXPECT_EQ(comm.world(), world);
      for (int round = 0; round < 3; ++round) {
        const int mine[2] = {comm.rank(), 100 * round + comm.rank()};
        std::vector<int> all(2 * world);
        comm.all_gather(mine, all.data(), sizeof mine);
        if (round == 2) seen[comm.rank()] = all;
      }
    });
    for (int r = 0; r < world; ++r)
      for (int j = 0; j < world; ++j) {
        EXPECT_EQ(seen[r][2 * j], j) << "world " << world << " rank " << r;
        EXPECT_EQ(seen[r][2 * j + 1], 200 + j);
      }
  }
}

// A ring: each rank receives from the one before and sends on, so the last sees everyone's sum.
TEST(InProcessGroup, PointToPointPassesAroundARing) {
  InProcessGroup group(5);
  std::vector<int> got(5, -1);
  group.run([&](Communicator& comm) {
    int sum = 0;
    if (comm.rank() > 0) comm.recv(&sum, sizeof sum, comm.rank() - 1);
    got[comm.rank()] = sum;
    sum += comm.rank() + 1;
    if (comm.rank() + 1 < comm.world()) comm.send(&sum, sizeof sum, comm.rank() + 1);
    else EXPECT_THROW(comm.send(&sum, sizeof sum, comm.rank()), std::invalid_argument);  // not to itself
  });
  EXPECT_EQ(got, (std::vector<int>{0, 1, 3, 6, 10}));
}

TEST(InProcessGroup, ARankThatThrowsReleasesTheOthers) {
  InProcessGroup group(4);
  try {
    group.run([&](Communicator& comm) {
      if (comm.rank() == 2) throw std::invalid_argument("rank 2 broke");
      int x = 0, all[4];
      comm.all_gather(&x, all, sizeof x);  // the others wait here for rank 2
    });
    FAIL() << "the error was not rethrown";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "rank 2 broke");
  }
  EXPECT_THROW(InProcessGroup(0), std::invalid_argument);
}

}  // namespace
}  // namespace lasuite
