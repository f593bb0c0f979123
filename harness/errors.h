// Exceptions with a meaning the harness acts on: an unsupported problem is a row that says so,
// running out of memory is a row that says so, anything else is a bug or a bad argument.
#pragma once
#include <stdexcept>
#include <string>

namespace lasuite {

// The implementation cannot compute this problem (dtype, head dim, feature); nothing was launched.
struct UnsupportedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A buffer did not fit (device or host); what was allocated so far is released by its owners.
struct OutOfMemoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bad user input (CLI arguments, malformed ranges); the CLI maps it to exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a row or case says when an implementation threw something that is not a std::exception.
inline constexpr const char* kUnknownException = "an exception of unknown type";

}  // namespace lasuite
