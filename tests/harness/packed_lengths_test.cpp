// `bench --packed` lengths: lists as typed, seeded log-uniform draws that sum to the total exactly,
// and refusals that say what is wrong.
#include <gtest/gtest.h>

#include <string>

#include "harness/errors.h"
#include "harness/packed_lengths.h"

namespace lasuite {
namespace {

TEST(PackedLengths, ListsAsTyped) {
  const PackedLengths p = parse_packed_lengths("100,2000,0,15k");
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{100, 2000, 0, 15 * 1024}));
  EXPECT_EQ(p.total(), 2100 + 15 * 1024);
  EXPECT_EQ(p.cu_seqlens(), (std::vector<int64_t>{0, 100, 2100, 2100, 2100 + 15 * 1024}));
  EXPECT_EQ(p.spec, "100,2000,0,15k");
  EXPECT_EQ(parse_packed_lengths("100, 2000 , 0,15k").lengths, p.lengths) << "spaces around items, as --seqlen takes";
}

TEST(PackedLengths, LogUniformIsSeededBoundedAndSumsToTheTotal) {
  const PackedLengths a = parse_packed_lengths("loguniform:1..64k,total=256k,seed=7");
  const PackedLengths b = parse_packed_lengths("loguniform:1..64k,total=256k,seed=7");
  const PackedLengths c = parse_packed_lengths("loguniform:1..64k,total=256k,seed=8");
  EXPECT_EQ(a.lengths, b.lengths);
  EXPECT_NE(a.lengths, c.lengths);
  EXPECT_EQ(a.total(), 256 * 1024);
  EXPECT_GT(a.lengths.size(), 10u);
  for (size_t i = 0; i + 1 < a.lengths.size(); ++i) {  // the last one is cut to fit
    EXPECT_GE(a.lengths[i], 1);
    EXPECT_LE(a.lengths[i], 64 * 1024);
  }
}

TEST(PackedLengths, RefusesWhatItCannotRead) {
  for (const char* bad : {"", "1,,2", "1, ,2", "1 2", "-5", "1.5", "0,0", "loguniform:5..1,total=10", "loguniform:1..9",
                          "loguniform:1..9,total=0", "loguniform:1..9,total=10,colour=red", "99999999999999k",
                          "loguniform:1..9,total=10,seed=7,seed=8", "loguniform:1..9,total=10,total=20",
                          "loguniform:1..1,total=999999999999"}) {
    try {
      parse_packed_lengths(bad);
      ADD_FAILURE() << "'" << bad << "' was taken";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--packed"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace lasuite
