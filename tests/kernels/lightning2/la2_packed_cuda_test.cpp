// la2 on packed variable-length batches (Problem::cu_seqlens), forward and backward with the states:
// every sequence of every head against the float64 reference run on it alone (verify's packed cases at
// the head dims la2 takes, and lengths on both sides of the decode step's 16 rows and of one chunk), each
// kernel family, the decode step on and off, the ragged grid and sequence by sequence; and the
// bit-identity the code implies: a sequence of a packed batch is computed by the same kernels, with the
// same plan, as that sequence alone (in the ragged grid: whole, one segment, as alone with segments=1
// and without the decode step). Skipped where no GPU is usable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "harness/dtype.h"
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

// At 128 x 64 (the windowed kernel, cp.async) and 128 x 128 (on Hopper: tiles and outputs by TMA, the
// ragged grid's boxes holding other sequences' rows past a sequence, and the fused dK/dV pass).
TEST_P(La2CudaPackedAlone, ASequenceIsComputedAsItWouldBeAlone) {
  LASUITE_REQUIRE_GPU(gpu);
  for (int dv : {64, 128}) {
    SCOPED_TRACE("d = 128, e = " + std::to_string(dv));
    const std::string mode = GetParam();
    auto impl = Registry::instance().create("la2");
    impl->set_option("packed", mode);
    Problem p;
    p.batch = 1, p.heads = 4, p.dim_qk = 128, p.dim_v = dv, p.dtype = DType::bf16;
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
    test_support::expect_written(packed, p.dtype, mode);
    // The sequences the ragged grid ran: 1493 rows run alone (at 4 heads its blocks would outlast the
    // others'), 7 and 65 share the grid (so on any GPU of 20 SMs or more: the split depends on its slots).
    std::vector<int64_t> shared;
    if (mode == "ragged") {
      for (const la2::RaggedSequence& r : la2::split_packed(p, la2::output_slots(p.dtype, 128, dv, {})).table)
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
      test_support::expect_written(alone, p.dtype, "sequence " + std::to_string(i) + " alone");

      auto same_rows = [&](const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int64_t dim,
                           const char* what) {
        size_t differ = 0;
        for (int64_t h = 0; h < p.heads; ++h)
          for (int64_t j = 0; j < n * dim * static_cast<int64_t>(el); ++j)
            differ += a[static_cast<size_t>((h * p.seqlen + r0) * dim * el + j)] !=
                      b[static_cast<size_t>(h * n * dim * el + j)];
        EXPECT_EQ(differ, 0u) << "sequence " << i << " (" << n << " rows): " << what;
      };
      for (const char* t : {"O", "dV"}) same_rows(packed.at(t), alone.at(t), p.dim_v, t);
      for (const char* t : {"dQ", "dK"}) same_rows(packed.at(t), alone.at(t), p.dim_qk, t);
      for (const char* t : {"S_out", "dS_in"})
        EXPECT_TRUE(std::equal(alone.at(t).begin(), alone.at(t).end(), packed.at(t).begin() + i * st))
            << i << ": " << t;
    }
    // The empty sequence (index 1): its final state is its initial one, and dS_in its dS_out.
    const size_t st = static_cast<size_t>(p.heads * p.dim_qk * p.dim_v) * sizeof(float);
    std::vector<uint8_t> s_all = host(in.state_in_view), ds_all = host(in.dstate_out_view);
    EXPECT_TRUE(std::equal(s_all.begin() + st, s_all.begin() + 2 * st, packed.at("S_out").begin() + st));
    EXPECT_TRUE(std::equal(ds_all.begin() + st, ds_all.begin() + 2 * st, packed.at("dS_in").begin() + st));
  }
}
INSTANTIATE_TEST_SUITE_P(Modes, La2CudaPackedAlone, ::testing::Values("ragged", "spans"));

// In a ragged grid on Hopper (d = e = 64 and 128) the tiles arrive as boxes of the packed tensors, so a
// sequence's last, partial chunk lands with its neighbour's rows: past it in row order (the forward, the
// dQ pass), before it in the reverse walk (the fused dK/dV pass). The kernel zeroes them, as cp.async's
// zero-fill does; otherwise a NaN there would reach the sequence through the zero entries of its mask and
// key decays. With every row of the middle sequence NaN, the sequences on either side must come out bit
// for bit as they do when it is finite.
TEST(La2CudaPacked, NeighboursRowsNeverReachASequence) {
  LASUITE_REQUIRE_GPU(gpu);
  for (int d : {64, 128}) {
    SCOPED_TRACE("d = e = " + std::to_string(d));
    Problem p;
    p.batch = 1, p.heads = 4, p.dim_qk = p.dim_v = d, p.dtype = DType::bf16;
    p.slopes = alibi_slopes(p.heads);
    p.state_in = p.state_out = true;
    p.cu_seqlens = {0, 100, 177, 307};  // 100 = 64 + 36, 130 = 2 x 64 + 2: both neighbours' chunks partial
    p.seqlen = p.cu_seqlens.back();
    const la2::RaggedSplit split = la2::split_packed(p, la2::output_slots(p.dtype, d, d, {}));
    ASSERT_EQ(split.table.size(), 3u) << "all three share the ragged grid";
    MemoryTracker tracker;
    Workspace ws(*gpu, tracker);
    if (gpu->info().compute_capability == "9.0") {  // the plan the grid runs: TMA, forward and fused pass
      const size_t bytes = size_t(p.heads) * p.seqlen * d * 2;
      Buffer t[6] = {ws.allocate(bytes), ws.allocate(bytes), ws.allocate(bytes),
                     ws.allocate(bytes), ws.allocate(bytes), ws.allocate(bytes)};
      la2::PassArgs a;
      a.dtype = p.dtype, a.dk = a.dv = d, a.heads = p.heads, a.bh = 3 * p.heads, a.n = split.longest;
      a.head_rows = p.seqlen;
      a.ragged = reinterpret_cast<const la2::RaggedSequence*>(t[5].data());  // only its presence is planned on
      a.q = t[0].data(), a.k = t[1].data(), a.v = t[2].data(), a.o = t[3].data();
      EXPECT_TRUE(la2::plan_pass(a, {}).tma);
      a.reverse = true, a.x = t[4].data(), a.o2 = t[5].data();
      const la2::PassPlan dual = la2::plan_pass(a, {});
      EXPECT_TRUE(dual.dual && dual.tma);
    }
    ProblemInputs clean = make_inputs(p, ws, DeviceKind::cuda, kSeed, true);
    ProblemInputs poisoned = make_inputs(p, ws, DeviceKind::cuda, kSeed, true);
    const int64_t r0 = p.sequence_begin(1), n = p.sequence_length(1);
    for (TensorView* x : {&poisoned.q_view, &poisoned.k_view, &poisoned.v_view, &poisoned.dout_view}) {
      std::vector<uint8_t> b(x->bytes());
      gpu->copy_to_host(b.data(), x->data, b.size());
      for (int64_t h = 0; h < p.heads; ++h)  // 0xffff: a bf16 NaN
        std::fill_n(b.begin() + (h * p.seqlen + r0) * d * 2, n * d * 2, uint8_t{0xff});
      gpu->copy_from_host(x->data, b.data(), b.size());
    }
    auto impl = Registry::instance().create("la2");
    const test_support::OutputBytes a = test_support::forward_backward_bytes(*gpu, *impl, p, clean, ws, false),
                                    b = test_support::forward_backward_bytes(*gpu, *impl, p, poisoned, ws, false);
    test_support::expect_written(a, p.dtype, "clean inputs");
    const size_t row = size_t(d) * 2, st = size_t(p.heads) * d * d * sizeof(float);
    for (int64_t i : {0, 2}) {
      const int64_t first = p.sequence_begin(i), len = p.sequence_length(i);
      for (const char* name : {"O", "dQ", "dK", "dV"}) {
        size_t differ = 0;
        for (int64_t h = 0; h < p.heads; ++h)
          for (size_t j = (h * p.seqlen + first) * row; j < (h * p.seqlen + first + len) * row; ++j)
            differ += a.at(name)[j] != b.at(name)[j];
        EXPECT_EQ(differ, 0u) << "sequence " << i << ": " << name;
      }
      for (const char* name : {"S_out", "dS_in"})
        EXPECT_TRUE(
            std::equal(a.at(name).begin() + i * st, a.at(name).begin() + (i + 1) * st, b.at(name).begin() + i * st))
            << "sequence " << i << ": " << name;
    }
    // The poison went in: the middle sequence's first output (head 0) is a NaN.
    double first_o = 0;
    convert_to_f64(b.at("O").data() + r0 * row, p.dtype, &first_o, 1);
    EXPECT_TRUE(std::isnan(first_o)) << first_o;
  }
}

}  // namespace
}  // namespace lasuite
