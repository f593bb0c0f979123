// la2 on packed variable-length batches (Problem::cu_seqlens), forward and backward with the states:
// every sequence of every head against the float64 reference run on it alone (verify's packed cases at
// the head dims la2 takes, and lengths on both sides of the decode step's 16 rows and of one chunk), each
// kernel family, the decode step on and off, the ragged grid and sequence by sequence; and the
// bit-identity the code implies: a sequence of a packed batch is computed by the same kernels, with the
// same plan, as that sequence alone (in the ragged grid: whole, one segment, as alone with segments=1
// and without the decode step). Skipped where no GPU is usable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "harness/inputs.h"
#include "harness/memory.h"
#include "harness/registry.h"
#include "harness/verify.h"
#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_ragged_host.h"
#include "tests/kernels/lightning2/la2_output_bytes.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

constexpr uint64_t kSeed = 27182;

TEST(La2CudaPacked, EverySequenceMatchesItsReference) {
  LASUITE_REQUIRE_GPU(gpu);
  int ran = 0;
  for (DType t : {DType::bf16, DType::f16, DType::f32}) {
    std::vector<VerifyCase> cases = packed_cases(t);
    cases.push_back(packed_case({1, 15, 16, 17, 0, 64, 65, 300, 999}, 4, 128, 128, t, true, true));
    cases.push_back(packed_case({2000, 3, 700}, 3, 64, 128, t, false, true));
    for (const std::pair<std::string, std::string>& option :
         std::vector<std::pair<std::string, std::string>>{
             {"kernel", "auto"}, {"kernel", "mma"}, {"decode", "off"}, {"packed", "spans"}}) {
      for (const VerifyCase& c : cases) {
        auto impl = Registry::instance().create("la2");
        impl->set_option(option.first, option.second);
        const CaseResult r = verify_case(*impl, c, kSeed);
        std::cout << option.first << "=" << option.second << ": " << test_support::describe(r) << "\n";
        EXPECT_EQ(r.status, CaseStatus::pass) << option.first << "=" << option.second << " "
                                              << test_support::describe(r);
        EXPECT_EQ(r.checks.size(), test_support::expected_checks(c)) << c.label;
        ran += r.status == CaseStatus::pass;
      }
    }
  }
  EXPECT_GT(ran, 0);
}

class La2CudaPackedAlone : public ::testing::TestWithParam<const char*> {};

TEST_P(La2CudaPackedAlone, ASequenceIsComputedAsItWouldBeAlone) {
  LASUITE_REQUIRE_GPU(gpu);
  const std::string mode = GetParam();
  auto impl = Registry::instance().create("la2");
  impl->set_option("packed", mode);
  Problem p;
  p.batch = 1, p.heads = 4, p.dim_qk = 128, p.dim_v = 64, p.dtype = DType::bf16;
  p.slopes = alibi_slopes(p.heads);
  p.state_in = p.state_out = true;
  p.cu_seqlens = {0, 7, 7, 1500, 1565};
  p.seqlen = p.cu_seqlens.back();
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  ProblemInputs in = make_inputs(p, ws, DeviceKind::cuda, kSeed, true);

  auto host = [&](const TensorView& t) {
    std::vector<uint8_t> b(t.bytes());
    gpu->copy_to_host(b.data(), t.data, b.size());
    return b;
  };
  // Without the forward's segment data, as a packed batch's sequences run: a dQ pass that reads the
  // forward's sums the same products in another order, so only this path can be compared bit for bit.
  auto run = [&](Implementation& la2, const Problem& q, const ProblemInputs& x) {
    return test_support::forward_backward_bytes(*gpu, la2, q, x, ws, /*backward_reads_forward=*/false);
  };
  const test_support::OutputBytes packed = run(*impl, p, in);
  // The sequences the ragged grid ran: 1493 rows run alone (at 4 heads its blocks would outlast the
  // others'), 7 and 65 share the grid (so on any GPU of 20 SMs or more: the split depends on its slots).
  std::vector<int64_t> shared;
  if (mode == "ragged") {
    for (const la2::RaggedSequence& r : la2::split_packed(p, la2::output_slots(p.dtype, 128, 64, {})).table)
      shared.push_back(r.index);
    EXPECT_EQ(shared, (std::vector<int64_t>{3, 0}));
  }

  const size_t el = dtype_size(p.dtype);
  for (int64_t i = 0; i < p.sequences(); ++i) {
    const int64_t n = p.sequence_length(i), r0 = p.sequence_begin(i);
    if (n == 0) continue;
    Problem one = p;
    one.cu_seqlens.clear();
    one.seqlen = n;
    ProblemInputs x = make_inputs(one, ws, DeviceKind::cuda, kSeed, true);
    // The sequence's rows of every head, and its states, copied from the packed inputs.
    auto take_rows = [&](const TensorView& from, const TensorView& to, int64_t dim) {
      std::vector<uint8_t> all = host(from), part(to.bytes());
      for (int64_t h = 0; h < p.heads; ++h)
        std::copy_n(all.begin() + ((h * p.seqlen + r0) * dim) * el, n * dim * el, part.begin() + h * n * dim * el);
      gpu->copy_from_host(to.data, part.data(), part.size());
    };
    take_rows(in.q_view, x.q_view, p.dim_qk);
    take_rows(in.k_view, x.k_view, p.dim_qk);
    take_rows(in.v_view, x.v_view, p.dim_v);
    take_rows(in.dout_view, x.dout_view, p.dim_v);
    const size_t st = static_cast<size_t>(p.heads * p.dim_qk * p.dim_v) * sizeof(float);
    std::vector<uint8_t> s_all = host(in.state_in_view), ds_all = host(in.dstate_out_view);
    gpu->copy_from_host(x.state_in_view.data, s_all.data() + i * st, st);
    gpu->copy_from_host(x.dstate_out_view.data, ds_all.data() + i * st, st);
    auto alone_impl = Registry::instance().create("la2");
    if (std::find(shared.begin(), shared.end(), i) != shared.end()) {
      alone_impl->set_option("segments", "1");
      alone_impl->set_option("decode", "off");
    }
    const test_support::OutputBytes alone = run(*alone_impl, one, x);

    auto same_rows = [&](const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int64_t dim, const char* what) {
      size_t differ = 0;
      for (int64_t h = 0; h < p.heads; ++h)
        for (int64_t j = 0; j < n * dim * static_cast<int64_t>(el); ++j)
          differ += a[static_cast<size_t>((h * p.seqlen + r0) * dim * el + j)] != b[static_cast<size_t>(h * n * dim * el + j)];
      EXPECT_EQ(differ, 0u) << "sequence " << i << " (" << n << " rows): " << what;
    };
    for (const char* t : {"O", "dV"}) same_rows(packed.at(t), alone.at(t), p.dim_v, t);
    for (const char* t : {"dQ", "dK"}) same_rows(packed.at(t), alone.at(t), p.dim_qk, t);
    for (const char* t : {"S_out", "dS_in"})
      EXPECT_TRUE(std::equal(alone.at(t).begin(), alone.at(t).end(), packed.at(t).begin() + i * st)) << i << ": " << t;
  }
  // The empty sequence (index 1): its final state is its initial one, and dS_in its dS_out.
  const size_t st = static_cast<size_t>(p.heads * p.dim_qk * p.dim_v) * sizeof(float);
  std::vector<uint8_t> s_all = host(in.state_in_view), ds_all = host(in.dstate_out_view);
  EXPECT_TRUE(std::equal(s_all.begin() + st, s_all.begin() + 2 * st, packed.at("S_out").begin() + st));
  EXPECT_TRUE(std::equal(ds_all.begin() + st, ds_all.begin() + 2 * st, packed.at("dS_in").begin() + st));
}
INSTANTIATE_TEST_SUITE_P(Modes, La2CudaPackedAlone, ::testing::Values("ragged", "spans"));

}  // namespace
}  // namespace lasuite
