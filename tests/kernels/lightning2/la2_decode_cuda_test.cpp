// la2's decode step (la2_decode.cu): against the recurrence computed here in float64 from the same
// rounded inputs, at head dims from 1 to 256 (the kernel's own range, wider than what la2 accepts
// today), with the state read and written in place and not; and the chunk passes given one buffer for
// their initial and final states, which must give what two buffers give. Skipped where no GPU is usable.
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "harness/dtype.h"
#include "harness/inputs.h"
#include "harness/memory.h"
#include "harness/registry.h"
#include "harness/verify_decode.h"
#include "kernels/lightning2/la2_decode.h"
#include "tests/kernels/lightning2/la2_output_bytes.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

// Host values of one tensor, rounded to `t` and back, and its device copy in `t`.
struct DeviceTensor {
  std::vector<double> host;
  Buffer buf;
};
DeviceTensor upload(Workspace& ws, DType t, size_t count, std::mt19937& rng, double spread) {
  std::uniform_real_distribution<double> u(-spread, spread);
  DeviceTensor d;
  d.host.resize(count);
  for (double& x : d.host) x = u(rng);
  std::vector<uint8_t> bytes(count * dtype_size(t));
  convert_from_f64(d.host.data(), bytes.data(), t, count);
  convert_to_f64(bytes.data(), t, d.host.data(), count);
  d.buf = ws.allocate(bytes.size());
  ws.backend().copy_from_host(d.buf.data(), bytes.data(), bytes.size());
  return d;
}

double rel_error(const std::vector<double>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); ++i) num += (got[i] - want[i]) * (got[i] - want[i]), den += want[i] * want[i];
  return std::sqrt(num / std::max(den, 1e-300));
}

struct DecodeShape {
  int dk, dv, tokens;
  DType dtype;
  bool in_place;
  int64_t batch = 3;  // 140 and more: enough blocks for the wide tiles (la2_decode.cu)
};

TEST(La2DecodeCuda, MatchesTheRecurrenceAtEveryHeadDim) {
  LASUITE_REQUIRE_GPU(gpu);
  const std::vector<DecodeShape> shapes = {
      {1, 1, 1, DType::f32, false},      {16, 33, 7, DType::bf16, true},   {33, 100, 16, DType::f16, false},
      {64, 128, 1, DType::bf16, true},   {96, 96, 2, DType::bf16, false},  {128, 64, 16, DType::f32, true},
      {128, 128, 1, DType::bf16, true},  {192, 192, 7, DType::bf16, true}, {256, 256, 16, DType::bf16, false},
      {100, 7, 3, DType::f32, true},     {256, 1, 1, DType::f16, false},
      {128, 128, 2, DType::bf16, true, 150}, {64, 64, 16, DType::f16, false, 140}, {256, 256, 3, DType::f32, true, 140},
      {200, 96, 1, DType::bf16, false, 160},
  };
  const int64_t heads = 2;
  const std::vector<double> slopes = alibi_slopes(heads);
  for (const DecodeShape& s : shapes) {
    const int64_t bh = s.batch * heads;
    const std::string what = "b" + std::to_string(s.batch) + " " + std::to_string(s.dk) + "x" + std::to_string(s.dv) + " T=" + std::to_string(s.tokens) +
                             " " + dtype_name(s.dtype) + (s.in_place ? " in place" : "");
    MemoryTracker tracker;
    Workspace ws(*gpu, tracker);
    std::mt19937 rng(1234 + s.dk * 7 + s.dv);
    const size_t qk = bh * s.tokens * s.dk, vo = bh * s.tokens * s.dv, st = bh * s.dk * s.dv;
    DeviceTensor q = upload(ws, s.dtype, qk, rng, 1), k = upload(ws, s.dtype, qk, rng, 1),
                 v = upload(ws, s.dtype, vo, rng, 1), state = upload(ws, DType::f32, st, rng, 0.5);
    std::vector<float> slopes_f(slopes.begin(), slopes.end());
    Buffer slopes_buf = ws.allocate(slopes_f.size() * sizeof(float));
    gpu->copy_from_host(slopes_buf.data(), slopes_f.data(), slopes_buf.bytes());
    Buffer o = ws.allocate(vo * dtype_size(s.dtype)), state_out;
    gpu->fill_bytes(o.data(), 0xff, o.bytes());  // NaN: an element never written shows
    if (!s.in_place) {
      state_out = ws.allocate(st * sizeof(float));
      gpu->fill_bytes(state_out.data(), 0xff, state_out.bytes());
    }
    const float scale = 0.75f;

    la2::DecodeArgs a;
    a.dtype = s.dtype, a.dk = s.dk, a.dv = s.dv, a.tokens = s.tokens, a.bh = bh, a.heads = heads;
    a.q = q.buf.data(), a.k = k.buf.data(), a.v = v.buf.data(), a.o = o.data();
    a.slopes = slopes_buf.as<float>();
    a.scale = scale;
    a.state_in = state.buf.as<float>();
    a.state_out = s.in_place ? state.buf.as<float>() : state_out.as<float>();
    la2::run_decode(a, /*early_start=*/true, gpu->stream());
    gpu->synchronize();

    // The recurrence in float64: S_t = lambda S_{t-1} + k_t^T v_t, o_t = scale q_t S_t.
    std::vector<double> want_o(vo), want_s = state.host;
    for (int64_t b = 0; b < bh; ++b) {
      const double lambda = std::exp(-slopes[b % heads]);
      double* S = want_s.data() + b * s.dk * s.dv;
      for (int t = 0; t < s.tokens; ++t) {
        const double* qt = q.host.data() + (b * s.tokens + t) * s.dk;
        const double* kt = k.host.data() + (b * s.tokens + t) * s.dk;
        const double* vt = v.host.data() + (b * s.tokens + t) * s.dv;
        for (int r = 0; r < s.dk; ++r)
          for (int c = 0; c < s.dv; ++c) S[r * s.dv + c] = lambda * S[r * s.dv + c] + kt[r] * vt[c];
        for (int c = 0; c < s.dv; ++c) {
          double sum = 0;
          for (int r = 0; r < s.dk; ++r) sum += qt[r] * S[r * s.dv + c];
          want_o[(b * s.tokens + t) * s.dv + c] = scale * sum;
        }
      }
    }
    std::vector<uint8_t> o_bytes(o.bytes());
    std::vector<float> s_got(st);
    gpu->copy_to_host(o_bytes.data(), o.data(), o.bytes());
    gpu->copy_to_host(s_got.data(), a.state_out, st * sizeof(float));
    std::vector<double> got_o(vo), got_s(s_got.begin(), s_got.end());
    convert_to_f64(o_bytes.data(), s.dtype, got_o.data(), vo);
    // The output is rounded to its type once (2^-8 for bf16); the fp32 state carries fp32 sums.
    const double tol_o = s.dtype == DType::bf16 ? 8e-3 : s.dtype == DType::f16 ? 1e-3 : 1e-5;
    EXPECT_LT(rel_error(got_o, want_o), tol_o) << what << ": O";
    EXPECT_LT(rel_error(got_s, want_s), 1e-5) << what << ": S_out";
  }
}

// Out of the kernel's range: refused before any launch.
TEST(La2DecodeCuda, RefusesTokensAndDimsOutOfRange) {
  la2::DecodeArgs a;
  a.bh = 1, a.dk = a.dv = 64, a.tokens = la2::kDecodeMaxTokens + 1;
  EXPECT_THROW(la2::run_decode(a, false, nullptr), std::invalid_argument);
  a.tokens = 1, a.dk = la2::kDecodeMaxDim + 1;
  EXPECT_THROW(la2::run_decode(a, false, nullptr), std::invalid_argument);
  a.dk = 64, a.dv = 0;
  EXPECT_THROW(la2::run_decode(a, false, nullptr), std::invalid_argument);
}

// The forward through la2 with one buffer for the initial and final states (Support::state_in_place):
// the decode step (n <= 16) and the chunk passes (which read a copy of the initial state) give bit for
// bit what they give with two buffers. At n = 2000 over four segments, where blocks of later segments
// read the initial state while the last one writes the final state (one pass, and two passes with the
// scan in the output blocks): without the copy they would read a final state. And at head dims in tiles
// (96 x 72, 192 x 40), where each (d tile, e tile) block of the state is copied out before its run and
// moved back after it.
TEST(La2DecodeCuda, StateInPlaceGivesWhatTwoBuffersGive) {
  LASUITE_REQUIRE_GPU(gpu);
  using Options = std::vector<std::pair<std::string, std::string>>;
  struct Run {
    int64_t n;
    Options options;
    int64_t d = 64, e = 128;
  };
  const std::vector<Run> runs = {{1, {}},
                                 {16, {}},
                                 {100, {}},
                                 {2000, {{"segments", "4"}}},
                                 {2000, {{"segments", "4"}, {"one_pass", "off"}}},
                                 {100, {}, 96, 72},
                                 {300, {{"segments", "2"}}, 192, 40}};
  for (const auto& [n, options, d, e] : runs) {
    auto impl = Registry::instance().create("la2");
    ASSERT_TRUE(impl->info().support.state_in_place);
    for (const auto& [key, value] : options) impl->set_option(key, value);
    Problem p;
    p.batch = 2, p.heads = 4, p.seqlen = n, p.dim_qk = d, p.dim_v = e, p.dtype = DType::bf16;
    p.slopes = alibi_slopes(p.heads);
    p.state_in = p.state_out = true;
    MemoryTracker tracker;
    Workspace ws(*gpu, tracker);
    ProblemInputs in = make_inputs(p, ws, DeviceKind::cuda, 99, false);
    const size_t state_bytes = tensor_bytes(state_dims(p), DType::f32);
    std::vector<uint8_t> initial(state_bytes);
    gpu->copy_to_host(initial.data(), in.state_in_view.data, state_bytes);

    auto run = [&](bool in_place, std::vector<uint8_t>& o_host, std::vector<uint8_t>& s_host) {
      gpu->copy_from_host(in.state_in_view.data, initial.data(), state_bytes);
      // NaN bytes in every output first: an output the run leaves unwritten cannot match the other run's by
      // landing on its freed buffer, and shows as not finite.
      Buffer o = ws.allocate(tensor_bytes(v_dims(p), p.dtype)), s_out;
      gpu->fill_bytes(o.data(), 0xff, o.bytes());
      ForwardIO f = forward_io(in, view_of(o, p.dtype, DeviceKind::cuda, v_dims(p)));
      if (in_place) {
        f.state_out = in.state_in_view;
      } else {
        s_out = ws.allocate(state_bytes);
        gpu->fill_bytes(s_out.data(), 0xff, state_bytes);
        f.state_out = view_of(s_out, DType::f32, DeviceKind::cuda, state_dims(p));
      }
      impl->forward(p, f, ws);
      gpu->synchronize();
      o_host.resize(o.bytes());
      s_host.resize(state_bytes);
      gpu->copy_to_host(o_host.data(), o.data(), o.bytes());
      gpu->copy_to_host(s_host.data(), f.state_out.data, state_bytes);
    };
    std::vector<uint8_t> o1, s1, o2, s2;
    run(false, o1, s1);
    run(true, o2, s2);
    EXPECT_EQ(test_support::non_finite_elements(o2, p.dtype), 0u) << "n=" << n << " d=" << d << " e=" << e << ": O";
    EXPECT_EQ(test_support::non_finite_elements(s2, DType::f32), 0u) << "n=" << n << " d=" << d << " e=" << e << ": S_out";
    EXPECT_EQ(o1, o2) << "n=" << n << " d=" << d << " e=" << e << ": O";
    EXPECT_EQ(s1, s2) << "n=" << n << " d=" << d << " e=" << e << ": S_out";
    EXPECT_NE(s2, initial) << "n=" << n << " d=" << d << " e=" << e << ": the state was not written";
  }
}

// `lasuite verify`'s decode cases (a prefill, then steps of T tokens against the carried state, in place)
// at every head dim: every one passes.
TEST(La2DecodeCuda, PassesTheDecodeCases) {
  LASUITE_REQUIRE_GPU(gpu);
  auto impl = Registry::instance().create("la2");
  int passed = 0;
  for (DType t : {DType::bf16, DType::f16, DType::f32})
    for (const DecodeCase& c : decode_cases(t)) {
      // Every head dim: the prefill of 70 rows through the chunk kernels (32 x 48 in head-dim tiles),
      // the steps through the decode kernel.
      const CaseResult r = verify_decode_case(*impl, c, 2024);
      EXPECT_EQ(r.status, CaseStatus::pass) << test_support::describe(r);
      EXPECT_EQ(r.checks.size(), 2u) << c.label;
      passed += r.status == CaseStatus::pass;
    }
  EXPECT_GT(passed, 0);
}

}  // namespace
}  // namespace lasuite
