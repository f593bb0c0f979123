// la2's passes as the backward builds them and the plans the H200 took for them in the measured record:
// what the cost model is held to without a GPU (la2_plan_host_test.cpp) and, on a GPU of 132 slots, with
// it (la2_plans_cuda_test.cpp).
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kernels/lightning2/la2_pass.h"
#include "kernels/lightning2/la2_plan_text_host.h"
#include "kernels/lightning2/la2_value_tiles_host.h"

namespace lasuite::la2::recorded {

// Distinct 16-byte aligned addresses standing for tensors: planning reads no tensor, only its alignment.
alignas(16) inline char tensor_marks[16 * 8];
inline void* tensor(int i) { return &tensor_marks[16 * i]; }

inline PassArgs dense(int64_t batch, int64_t heads, int64_t n, int d) {
  PassArgs p;
  p.dtype = DType::bf16;
  p.dk = p.dv = d;
  p.bh = batch * heads, p.heads = heads, p.n = n;
  p.q = tensor(0), p.k = tensor(1), p.v = tensor(2), p.o = tensor(3);
  return p;
}
// The backward's dQ pass over the forward's segment data (la2_cuda.cpp's backward_span).
inline PassArgs dq_pass(int64_t batch, int64_t heads, int64_t n, int d) {
  PassArgs p = dense(batch, heads, n, d);
  p.prior = reinterpret_cast<const float*>(tensor(4));
  p.prior_transposed = true;
  return p;
}
// Its fused dK/dV pass: reverse, dK as the second output.
inline PassArgs fused_pass(int64_t batch, int64_t heads, int64_t n, int d) {
  PassArgs p = dense(batch, heads, n, d);
  p.reverse = true;
  p.x = tensor(5), p.o2 = tensor(6);
  return p;
}

struct Recorded {
  int64_t batch, heads, n;
  int d;
  std::string forward, dq, fused;
};

// The plans `lasuite bench` recorded on the H200 with la2's default options (results/h200/s36: the record's rows, bf16
// ALiBi, their `plan` fields), pass by pass.
inline const std::vector<Recorded> kRecorded = {
    {1, 32, 4096, 128, "4 segments of 16 chunks, one pass (cooperative launch), wgmma, TMA",
     "4 segments of 16 chunks, outputs on an earlier pass's segment data, wgmma, TMA, two output warpgroups",
     "4 segments of 16 chunks, states step by TMA then outputs, wgmma, TMA, dual output"},
    {1, 32, 16384, 128, "4 segments of 64 chunks, one pass (cooperative launch), wgmma, TMA",
     "4 segments of 64 chunks, outputs on an earlier pass's segment data, wgmma, TMA",
     "4 segments of 64 chunks, states step by TMA then outputs, wgmma, TMA, dual output"},
    {1, 32, 65536, 128, "4 segments of 256 chunks, one pass (cooperative launch), wgmma, TMA",
     "4 segments of 256 chunks, outputs on an earlier pass's segment data, wgmma, TMA",
     "4 segments of 256 chunks, states step in halves by TMA then outputs, wgmma, TMA, dual output"},
    {1, 32, 131072, 128,
     "4 segments of 512 chunks, states step in halves by TMA then outputs, wgmma, TMA",
     "4 segments of 512 chunks, outputs on an earlier pass's segment data, wgmma, TMA",
     "4 segments of 512 chunks, states step in halves by TMA then outputs, wgmma, TMA, dual output"},
    {8, 32, 8192, 128, "1 segment of 128 chunks, wgmma, TMA", "1 segment of 128 chunks, wgmma, TMA",
     "1 segment of 128 chunks, wgmma, TMA, dual output"},
    {1, 32, 65536, 64, "8 segments of 128 chunks, one pass (cooperative launch), wgmma, TMA",
     "8 segments of 128 chunks, outputs on an earlier pass's segment data, wgmma, TMA",
     "8 segments of 128 chunks, states step by TMA then outputs, wgmma, TMA, dual output"},
    {1, 16, 1048576, 128,
     "8 segments of 2048 chunks, states step in halves by TMA then outputs, wgmma, TMA",
     "8 segments of 2048 chunks, outputs on an earlier pass's segment data, wgmma, TMA",
     "33 segments of 497 chunks, states step by TMA, scan kernel, outputs, wgmma, TMA, dual output"},
};

// Head dims past 128 (issue 16's shapes, b1, h x e about 4096): each pass at the problem's widths in windows of the
// kernel's (ValueTiledPass::windowed_args), the same record's strings after la2_cuda.cpp's prefix ("in 3 value
// windows on the 192 x 64 kernel: "). 192 and 256 run the backward as three passes (dQ, then dK and dV in reverse),
// each on its own data; 128 x 256 runs dQ in two windows of the contraction on the forward's segment data and dK
// with dV as one reverse pass in value windows.
enum class WindowedPass { forward, dq, dk, dv, dq_in_contraction_windows, fused };
struct RecordedWindowed {
  int64_t heads, n;
  int d, e;
  std::vector<std::pair<WindowedPass, std::string>> passes;
};

// The pass at d x e (the problem's widths) as the windows run it.
inline PassArgs windowed(WindowedPass pass, int64_t heads, int64_t n, int d, int e) {
  // The pass's contraction and value: the forward's and dV's d x e; dQ's and dK's e x d.
  const bool transposed = pass == WindowedPass::dq || pass == WindowedPass::dk ||
                          pass == WindowedPass::dq_in_contraction_windows;
  const int contraction = transposed ? e : d, value = transposed ? d : e;
  PassArgs p = dense(1, heads, n, 128);
  p.contraction_windows = pass == WindowedPass::dq_in_contraction_windows;
  const ValueTiling t = p.contraction_windows ? contraction_tiling(contraction, value) : value_tiling(contraction, value);
  p.dk = t.dk, p.dv = t.dv, p.value_tiles = t.tiles;
  p.cols_qk = contraction, p.cols_v = p.cols_o = value;
  p.reverse = pass == WindowedPass::dk || pass == WindowedPass::dv || pass == WindowedPass::fused;
  if (pass == WindowedPass::fused) p.x = tensor(5), p.o2 = tensor(6);
  if (p.contraction_windows) p.prior = reinterpret_cast<const float*>(tensor(4)), p.prior_transposed = true;
  return p;
}

inline const std::vector<RecordedWindowed> kRecordedWindowed = [] {
  using P = WindowedPass;
  const auto three_passes = [](const std::string& s) {
    return std::vector<std::pair<P, std::string>>{{P::forward, s}, {P::dq, s}, {P::dk, s}, {P::dv, s}};
  };
  const std::string one_pass = " one pass (cooperative launch), wgmma, TMA";
  return std::vector<RecordedWindowed>{
      {21, 4096, 192, 192, three_passes("2 segments of 32 chunks," + one_pass)},
      {21, 131072, 192, 192, three_passes("2 segments of 1024 chunks," + one_pass)},
      {16, 4096, 256, 256, three_passes("2 segments of 32 chunks," + one_pass)},
      {16, 131072, 256, 256, three_passes("2 segments of 1024 chunks," + one_pass)},
      {16, 4096, 128, 256,
       {{P::forward, "4 segments of 16 chunks," + one_pass},
        {P::dq_in_contraction_windows, "4 segments of 16 chunks, outputs on an earlier pass's segment data, wgmma, TMA"},
        {P::fused, "4 segments of 16 chunks, states step then outputs, wgmma, TMA, dual output"}}},
      {16, 131072, 128, 256,
       {{P::forward, "4 segments of 512 chunks," + one_pass},
        {P::dq_in_contraction_windows, "4 segments of 512 chunks, outputs on an earlier pass's segment data, wgmma, TMA"},
        {P::fused, "4 segments of 512 chunks, states step then outputs, wgmma, TMA, dual output"}}},
  };
}();

// How a test plans a pass: choose_plan on a described device, or plan_pass on the GPU.
using Planner = std::function<PassPlan(const PassArgs& p, const PlanOptions& options, const PassPlan* like)>;

// Every recorded pass planned by `plan` as la2_cuda.cpp plans it (the dQ pass on the forward's segment data where
// the forward has some, within dq_pass_options), its text against the record's.
inline void expect_recorded_plans(const Planner& plan) {
  for (const Recorded& r : kRecorded) {
    const std::string shape = "b" + std::to_string(r.batch) + " h" + std::to_string(r.heads) + " n" +
                              std::to_string(r.n) + " d" + std::to_string(r.d);
    const PassPlan forward = plan(dense(r.batch, r.heads, r.n, r.d), {}, nullptr);
    EXPECT_EQ(plan_text(forward), r.forward) << shape;
    const bool reuse = forward.segments > 1;
    const PassArgs dq = reuse ? dq_pass(r.batch, r.heads, r.n, r.d) : dense(r.batch, r.heads, r.n, r.d);
    EXPECT_EQ(plan_text(plan(dq, dq_pass_options({}), reuse ? &forward : nullptr), reuse), r.dq) << shape;
    EXPECT_EQ(plan_text(plan(fused_pass(r.batch, r.heads, r.n, r.d), {}, nullptr)), r.fused) << shape;
  }
  for (const RecordedWindowed& r : kRecordedWindowed) {
    PassPlan forward;
    for (const auto& [pass, text] : r.passes) {
      const std::string shape = "h" + std::to_string(r.heads) + " n" + std::to_string(r.n) + " " +
                                std::to_string(r.d) + " x " + std::to_string(r.e) + " pass " + std::to_string(int(pass));
      // Value-tiled passes are planned within the options as they are (no dq_pass_options).
      const bool on_forward = pass == WindowedPass::dq_in_contraction_windows;
      const PassPlan planned = plan(windowed(pass, r.heads, r.n, r.d, r.e), {}, on_forward ? &forward : nullptr);
      if (pass == WindowedPass::forward) forward = planned;
      EXPECT_EQ(plan_text(planned, on_forward), text) << shape;
    }
  }
}

}  // namespace lasuite::la2::recorded
