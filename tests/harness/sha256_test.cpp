// SHA-256 against FIPS 180-4's examples (the content hash result files record for plugins).
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "harness/sha256.h"
#include "tests/support/temp_files.h"

namespace lasuite {
namespace {

TEST(Sha256, MatchesTheStandardsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HashesAFileAndRefusesAMissingOne) {
  const std::string path = test_support::temp_path("sha256", "abc.bin");
  std::ofstream(path, std::ios::binary) << "abc";
  EXPECT_EQ(sha256_file_hex(path), sha256_hex("abc"));
  EXPECT_THROW(sha256_file_hex(path + ".missing"), std::runtime_error);
}

}  // namespace
}  // namespace lasuite
