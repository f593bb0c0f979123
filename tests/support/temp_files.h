// Files the tests write and read back: a path in gtest's temporary folder unique to this process and
// test file (`tag`), and a whole file's text.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace lasuite::test_support {

inline std::string temp_path(const std::string& tag, const std::string& name) {
  return ::testing::TempDir() + "lasuite_" + tag + "_" + std::to_string(getpid()) + "_" + name;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace lasuite::test_support
