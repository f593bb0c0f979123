#include "harness/range.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/errors.h"

namespace lasuite {
namespace {

using V = std::vector<int64_t>;

// The UsageError text for a malformed input (fails the test when none is thrown).
std::string error_of(const std::string& text) {
  try {
    V v = parse_seqlens(text);
    ADD_FAILURE() << "'" << text << "' was accepted (" << v.size() << " values)";
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Range, PowerOfTwoRangeIsEveryPowerBetweenTheEnds) {
  EXPECT_EQ(parse_seqlens("1k..128k"), (V{1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072}));
  EXPECT_EQ(parse_seqlens("64..64"), (V{64}));
  EXPECT_EQ(parse_seqlens("1..4"), (V{1, 2, 4}));
}

TEST(Range, ListsSuffixesAndMixes) {
  EXPECT_EQ(parse_seqlens("1000,4096,16k"), (V{1000, 4096, 16384}));
  EXPECT_EQ(parse_seqlens("1k..4k,10000"), (V{1024, 2048, 4096, 10000}));
  EXPECT_EQ(parse_seqlens("1K,2m,1M"), (V{1024, 2097152, 1048576}));
  EXPECT_EQ(parse_seqlens(" 1k , 2k "), (V{1024, 2048}));
  EXPECT_EQ(parse_seqlens("1k,1024,1k..2k"), (V{1024, 2048})) << "duplicates are dropped";
}

TEST(Range, MalformedInputsSayWhatIsWrongAndWhatIsExpected) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("..").find("needs both ends"), std::string::npos);
  EXPECT_NE(error_of("1k..").find("needs both ends"), std::string::npos);
  EXPECT_NE(error_of("..4k").find("needs both ends"), std::string::npos);
  EXPECT_NE(error_of("4k..1k").find("backwards"), std::string::npos);
  EXPECT_NE(error_of("1k..3k").find("not a power of two"), std::string::npos);
  EXPECT_NE(error_of("1000..4096").find("not a power of two"), std::string::npos);
  EXPECT_NE(error_of("abc").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("1.5k").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("k").find("no number"), std::string::npos);
  EXPECT_NE(error_of("0").find("zero"), std::string::npos);
  EXPECT_NE(error_of("-5").find("negative"), std::string::npos);
  EXPECT_NE(error_of("99999999999999999999").find("too large"), std::string::npos);
  EXPECT_NE(error_of("9007199254740993k").find("too large"), std::string::npos);
  EXPECT_NE(error_of("1,,2").find("empty item"), std::string::npos);
  EXPECT_NE(error_of("1k,").find("empty item"), std::string::npos);
  EXPECT_NE(error_of("1k...2k").find("not a number"), std::string::npos);
  // Every message quotes the input and shows the expected form.
  std::string e = error_of("1k..3k");
  EXPECT_NE(e.find("'1k..3k'"), std::string::npos) << e;
  EXPECT_NE(e.find("1k..128k"), std::string::npos) << e;
}

TEST(Range, ParseSizeAcceptsSuffixesAndRefusesJunk) {
  EXPECT_EQ(parse_size("16k"), 16384);
  EXPECT_EQ(parse_size("3"), 3);
  EXPECT_THROW(parse_size(""), UsageError);
  EXPECT_THROW(parse_size("12x"), UsageError);
}

}  // namespace
}  // namespace lasuite
