// la2_cpu against the float64 reference: the verify defaults in f32 and f64, 16-bit storage on a few
// cases, sequence lengths around the block size with states in and out, and scratch memory that does
// not grow with the sequence.
#include <gtest/gtest.h>

#include <vector>

#include "harness/backend.h"
#include "harness/inputs.h"
#include "tests/kernels/cpu_verify_cases.h"

namespace lasuite {
namespace {

using namespace testing_cpu;

// Around the block size (64): shorter than one block, one row past, a few rows short of two; head
// dims that are not powers of two, e != d, ALiBi decay, with and without states.
std::vector<VerifyCase> block_edge_cases() {
  std::vector<VerifyCase> cases;
  for (int64_t n : {1, 2, 17, 63, 127, 129, 200})
    for (bool state : {false, true}) cases.push_back(long_case(n, 2, 3, 48, 80, DType::f64, true, state, 0));
  cases.push_back(long_case(130, 1, 2, 24, 16, DType::f32, false, true, 0));
  return cases;
}

class La2CpuDefaults : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La2CpuDefaults, MatchesReference) { expect_pass("la2_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, La2CpuDefaults, ::testing::ValuesIn(default_cases_in({DType::f32, DType::f64})),
                         case_name);

class La2CpuSixteenBit : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La2CpuSixteenBit, MatchesReference) { expect_pass("la2_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, La2CpuSixteenBit, ::testing::ValuesIn(sixteen_bit_cases()), case_name);

class La2CpuBlockEdges : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La2CpuBlockEdges, MatchesReference) { expect_pass("la2_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, La2CpuBlockEdges, ::testing::ValuesIn(block_edge_cases()), case_name);

// Packed variable-length batches: every sequence of every head against the reference run on it alone
// (a run that carried state across sequences fails), in f32, f64 and bf16 storage.
class La2CpuPacked : public ::testing::TestWithParam<VerifyCase> {};
TEST_P(La2CpuPacked, MatchesReferencePerSequence) { expect_pass("la2_cpu", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Verify, La2CpuPacked, ::testing::ValuesIn(packed_cases_in({DType::f32, DType::f64, DType::bf16})),
                         case_name);

// The block algorithm keeps O(B (d + e) + d e) scratch per worker: the same at 256 and 4096 tokens.
TEST(La2Cpu, ExtraMemoryDoesNotGrowWithSequence) {
  auto impl = Registry::instance().create("la2_cpu");
  Backend& cpu = *backend_for(DeviceKind::cpu);
  size_t peaks[2] = {0, 0};
  const int64_t lengths[2] = {256, 4096};
  for (int i = 0; i < 2; ++i) {
    Problem p;
    p.batch = 1, p.heads = 2, p.seqlen = lengths[i], p.dim_qk = 64, p.dim_v = 64;
    p.slopes = alibi_slopes(2);
    MemoryTracker tracker;
    Workspace ws(cpu, tracker);
    ProblemInputs in = make_inputs(p, ws, DeviceKind::cpu, kSeed, true);
    Buffer o = ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::outputs);
    ForwardIO io{in.q_view, in.k_view, in.v_view, in.slopes_view, {}, view_of(o, p.dtype, DeviceKind::cpu, v_dims(p)), {}};
    tracker.reset_peaks();
    impl->forward(p, io, ws);
    peaks[i] = tracker.peak(MemoryCategory::extra);
  }
  EXPECT_GT(peaks[0], 0u);
  EXPECT_EQ(peaks[0], peaks[1]);
  EXPECT_LT(peaks[1], 1u << 20);
}

}  // namespace
}  // namespace lasuite
