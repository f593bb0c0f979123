// Shared by the CPU implementations' tests: case tables built from the verify defaults, readable
// gtest names, and one assertion that prints every tensor's error when a case does not pass.
#pragma once
#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/registry.h"
#include "harness/verify.h"
#include "tests/support/verify_test_support.h"

namespace lasuite::testing_cpu {

using test_support::case_name;
using test_support::describe;

inline constexpr uint64_t kSeed = 20240102;

// The verify defaults in each dtype, those that keep(case) accepts.
inline std::vector<VerifyCase> default_cases_where(std::initializer_list<DType> dtypes,
                                                   const std::function<bool(const VerifyCase&)>& keep) {
  std::vector<VerifyCase> picked;
  for (DType t : dtypes)
    for (VerifyCase& c : default_cases(t))
      if (keep(c)) picked.push_back(std::move(c));
  return picked;
}
inline std::vector<VerifyCase> default_cases_in(std::initializer_list<DType> dtypes) {
  return default_cases_where(dtypes, [](const VerifyCase&) { return true; });
}
// Where 16-bit storage is hardest among the defaults: a one-row last block (65), many blocks (1000).
inline bool sixteen_bit_length(const VerifyCase& c) { return c.problem.seqlen == 65 || c.problem.seqlen == 1000; }
inline std::vector<VerifyCase> sixteen_bit_cases() {
  return default_cases_where({DType::bf16, DType::f16}, sixteen_bit_length);
}

// The packed variable-length cases (harness/verify_cases.cpp packed_cases) in each dtype.
inline std::vector<VerifyCase> packed_cases_in(std::initializer_list<DType> dtypes) {
  std::vector<VerifyCase> cases;
  for (DType t : dtypes)
    for (VerifyCase& c : packed_cases(t)) cases.push_back(std::move(c));
  return cases;
}

// The case must run (not be skipped) and pass every check (O, dQ, dK, dV, and the states it has).
inline void expect_pass(const std::string& impl_name, const VerifyCase& c) {
  auto impl = Registry::instance().create(impl_name);
  CaseResult r = verify_case(*impl, c, kSeed);
  EXPECT_EQ(r.status, CaseStatus::pass) << describe(r);
  EXPECT_GE(r.checks.size(), test_support::expected_checks(c)) << describe(r);
}

// The case must be skipped, with a reason containing `reason`, and nothing compared; the test then reports itself
// skipped (the decline as pinned), not passed, as the GPU checks do (tests/baselines/gpu_checks.h).
inline void expect_skip(const std::string& impl_name, const VerifyCase& c, const std::string& reason) {
  auto impl = Registry::instance().create(impl_name);
  CaseResult r = verify_case(*impl, c, kSeed);
  EXPECT_EQ(r.status, CaseStatus::skipped) << describe(r);
  EXPECT_NE(r.reason.find(reason), std::string::npos) << describe(r);
  EXPECT_TRUE(r.checks.empty()) << describe(r);
  if (!::testing::Test::HasFailure()) GTEST_SKIP() << impl_name << " declines it, as pinned: " << r.reason;
}

}  // namespace lasuite::testing_cpu
