// What every implementation's tests share: readable gtest names and failure output for verify
// cases, and the skip (with its reason) where no GPU is usable, so no GPU test can pass without one.
#pragma once
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <sstream>
#include <string>

#include "harness/backend.h"
#include "harness/verify.h"

namespace lasuite {

// gtest prints a failing parameter with this instead of its raw bytes.
inline void PrintTo(const VerifyCase& c, std::ostream* os) { *os << c.label << " " << c.problem.describe(); }

namespace test_support {

// One line per case and one per tensor check, so a failure says which tensor and by how much.
inline std::string describe(const CaseResult& r) {
  std::ostringstream os;
  os << r.impl << " " << r.vcase.label << " " << r.vcase.problem.describe() << ": " << case_status_name(r.status)
     << " " << r.reason << " (" << r.seconds << " s)";
  for (const TensorCheck& c : r.checks)
    os << "\n  " << c.tensor << " rel " << c.rel_frobenius << " (tol " << c.tolerance << ") max_abs " << c.max_abs
       << (c.pass ? " ok" : " FAIL");
  return os.str();
}

// "f32_n65_d64_e32_b2h3_alibi": gtest names allow letters, digits and underscores only.
inline std::string case_name(const ::testing::TestParamInfo<VerifyCase>& info) {
  std::string name = dtype_name(info.param.problem.dtype) + std::string("_") + info.param.label;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

// How many tensors a passing case compares: O, dQ dK dV with a backward, and the states it has.
inline size_t expected_checks(const VerifyCase& c) {
  return 1 + (c.backward ? 3 : 0) + (c.problem.state_out ? 1 : 0) + (c.backward && c.problem.state_in ? 1 : 0);
}

// The CUDA backend where a GPU is usable; otherwise nullptr and why not.
inline Backend* usable_gpu(std::string* why) {
  Backend* b = backend_for(DeviceKind::cuda);
  if (!b) {
    *why = "this build has no CUDA backend";
    return nullptr;
  }
  return b->available(why) ? b : nullptr;
}

}  // namespace test_support
}  // namespace lasuite

// Declares `backend` (the usable GPU) or skips the test, printing the reason.
#define LASUITE_REQUIRE_GPU(backend)                                       \
  std::string lasuite_why_not_gpu_;                                        \
  ::lasuite::Backend* backend = ::lasuite::test_support::usable_gpu(&lasuite_why_not_gpu_); \
  if (!backend) GTEST_SKIP() << "no usable GPU: " << lasuite_why_not_gpu_
