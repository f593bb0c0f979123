// la2's bulk tensor copies (TMA) against the per-thread copies (cp.async) and against the reference: the same
// bytes in the same layout in row order, the reverse walk's boxes read upside down, narrower widths read in place
// and value tiles. Skipped, with the reason, where no GPU is usable (CI).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "kernels/lightning2/la2_chunk_launch.h"
#include "kernels/lightning2/la2_value_tiles_host.h"
#include "tests/kernels/lightning2/la2_plan_runs.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

using namespace la2_plan_runs;

// TMA loads put the same bytes in the same shared-memory layout as cp.async in row order, and the
// products read them in the same order; TMA stores write the staged rows the 16-byte stores write, none
// past n (here the next head's first rows): every output of the forward and the dQ pass (O, S_out, dQ)
// must agree bit for bit between loads=tma and loads=cp_async (with one_pass=off, the forward's states
// step by TMA too). The fused dK/dV pass's TMA tiles (its states step's too) hold
// each chunk's rows upside down (la2_wgmma_block.cuh), so its sums over keys run in the other order:
// dK, dV and dS_in must agree to rounding, every element written, also over each head's first 64
// stored rows alone (the reverse walk's last chunk, partial here: 2999 = 46 x 64 + 55, whose rows
// before 0 the boxes zero-fill), and must differ in some bits (else the TMA pass did not run). At
// d = e = 64 and 128, bf16 and f16, the default plan, every pass in one kernel (the fused one too,
// its increments summed last chunk first) and in two, and one segment, states and decay.
TEST(La2CudaPlans, TmaCopiesMatchCpAsync) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "TMA loads run on Hopper only";
  for (int d : {64, 128})
    for (DType t : {DType::bf16, DType::f16})
      for (const Options& plan :
           {Options{}, Options{{"one_pass", "all"}}, Options{{"one_pass", "off"}}, Options{{"segments", "1"}}}) {
        Problem p;
        p.batch = 2, p.heads = 8, p.seqlen = 2999, p.dim_qk = p.dim_v = d;
        p.dtype = t;
        p.slopes = alibi_slopes(p.heads);
        p.state_in = p.state_out = true;
        la2::PassArgs a;
        a.dtype = t, a.dk = a.dv = d, a.bh = 16, a.heads = 8, a.n = p.seqlen;
        Options tma = plan, cp_async = plan;
        tma.push_back({"loads", "tma"});
        cp_async.push_back({"loads", "cp_async"});
        // The plans with tensors where the workspace puts them (make_inputs' allocator): TMA needs
        // 16-byte aligned tensors, and with unaligned ones both runs would take cp.async and agree.
        MemoryTracker tracker;
        Workspace ws(*gpu, tracker);
        const size_t bytes = size_t(16) * p.seqlen * d * 2;
        Buffer q = ws.allocate(bytes), k = ws.allocate(bytes), v = ws.allocate(bytes), o = ws.allocate(bytes),
               x2 = ws.allocate(bytes), o2 = ws.allocate(bytes);
        a.q = q.data(), a.k = k.data(), a.v = v.data(), a.o = o.data();
        ASSERT_TRUE(la2::plan_pass(a, plan_options(tma)).tma) << describe(tma);
        ASSERT_FALSE(la2::plan_pass(a, plan_options(cp_async)).tma) << describe(cp_async);
        la2::PassArgs dual = a;  // the fused pass: reverse, with X and a second output
        dual.reverse = true, dual.x = x2.data(), dual.o2 = o2.data();
        const la2::PassPlan dual_plan = la2::plan_pass(dual, plan_options(tma));
        ASSERT_TRUE(dual_plan.dual && dual_plan.tma) << describe(tma);
        EXPECT_EQ(dual_plan.one_pass, has(plan, "one_pass", "all")) << describe(tma);
        ASSERT_FALSE(la2::plan_pass(dual, plan_options(cp_async)).tma) << describe(cp_async);
        auto [x, y] = run_tma_and_cp_async(*gpu, plan, p);
        ASSERT_FALSE(x.empty());
        const std::string what = std::string(dtype_name(t)) + " d=" + std::to_string(d) + " " + describe(plan);
        const auto differ = expect_forward_equal_reverse_close(x, y, t, 1e-4, what);
        for (const char* name : {"dK", "dV", "dS_in"}) {
          if (std::string(name) != "dS_in")
            EXPECT_LT(relative_difference(x[name], y[name], t, {p.seqlen, d, 0, 64}), 1e-2) << what << " " << name << ", rows 0..63";
          EXPECT_GT(differ.at(name), 0u) << what << " " << name << ": the TMA fused pass did not run";
        }
      }
}

// Head dims of 72..120 (multiples of 8) run the 128-wide kernels on the tensors in place. Under TMA the
// output steps are the 128 x 128 ones, their maps of the tensors' own widths (columns past them land as
// zeros and are not stored), and the backward fuses dK and dV; under cp.async they are the windowed
// kernels and three passes. Where d and e are both at most kNarrowReadCols (96 x 96, 72 x 88) each step
// runs the variant whose products skip the columns past them (k-steps of the contractions; outputs'
// columns), which would add or hold only zeros, so every output agrees bit for bit with products over all
// 128 columns (narrow_products=off); which kernel the plan launches is asserted apart, as equal results
// cannot show it. The forward's and dQ's outputs (O, S_out, dQ) are the same products in the
// same order, so they agree bit for bit (their segment scans too, which the 128 x 128 steps sum in two
// warpgroups, a strip of S each, and the windowed ones in one); dK, dV and dS_in come from other passes, so they agree to
// rounding (dS_in to the 16-bit operands' rounding too: the three passes' dV pass starts from the dK
// pass's increments, which round the decayed dO, where the fused pass rounds the decayed Q; measured
// 1.2e-3) and dK must differ in some bits (else the fused pass did not run); every element written (the
// outputs' bytes compared whole: a column stored past a width lands in the next row). At the bar's
// 96 x 96, at 72 x 120 and 72 x 88 (2999 rows: the last chunk's boxes, each direction, take 16-byte stores),
// with the default plan, with every pass in one kernel, and with the forward in two (its states step
// then by TMA through the maps of the tensors' widths, against the windowed cp.async one).
TEST(La2CudaPlans, TmaReadsNarrowerWidthsInPlace) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "TMA loads run on Hopper only";
  for (const auto& [d, e] : std::vector<std::pair<int, int>>{{96, 96}, {72, 120}, {72, 88}})
    for (const Options& plan : {Options{}, Options{{"one_pass", "all"}}, Options{{"one_pass", "off"}}}) {
      const std::string shape = std::to_string(d) + " x " + std::to_string(e) + " " + describe(plan);
      Problem p;
      p.batch = 2, p.heads = 4, p.seqlen = 2999, p.dim_qk = d, p.dim_v = e;
      p.dtype = DType::bf16;
      p.slopes = alibi_slopes(p.heads);
      p.state_in = p.state_out = true;
      // The passes' plans: the forward's at the tensors' widths, and the fused dV pass's (K', O2 as wide as
      // K, V' and X as dO and V).
      la2::PassArgs a;
      a.dtype = p.dtype, a.dk = a.dv = 128, a.bh = 8, a.heads = 4, a.n = p.seqlen;
      a.cols_qk = d, a.cols_v = a.cols_o = e;
      EXPECT_TRUE(la2::plan_pass(a, {}).tma) << shape;
      EXPECT_FALSE(la2::plan_pass(a, plan_options({{"loads", "cp_async"}})).tma) << shape;
      const bool narrow = d <= la2::kNarrowReadCols && e <= la2::kNarrowReadCols;
      const la2::ChunkKernel own = la2::chunk_kernel(p.dtype, 128, 128, /*windowed=*/false);
      // Each pass's plan takes the narrow variant exactly where both widths are narrow, and never when asked off.
      const auto expect_kernel = [&](const la2::PassArgs& pass, const void* narrow_kernel, const void* full_kernel,
                                     const std::string& which) {
        const la2::PassPlan plan_of = la2::plan_pass(pass, {});
        EXPECT_EQ(plan_of.narrow_products, narrow) << shape << " " << which;
        EXPECT_EQ(la2::output_step_kernel(pass, plan_of), narrow ? narrow_kernel : full_kernel) << shape << " " << which;
        const la2::PassPlan full = la2::plan_pass(pass, plan_options({{"narrow_products", "off"}}));
        EXPECT_EQ(la2::output_step_kernel(pass, full), full_kernel) << shape << " " << which << ", narrow_products=off";
      };
      expect_kernel(a, own.tma_narrow_func, own.tma_func, "forward");
      la2::PassArgs dq = a;  // contracts over e
      dq.cols_qk = e, dq.cols_v = dq.cols_o = d;
      expect_kernel(dq, own.tma_narrow_func, own.tma_func, "dQ");
      const la2::PassArgs dual = fused_pass_to_plan(a);
      EXPECT_TRUE(la2::dual_pass_usable(dual, {})) << shape;
      EXPECT_TRUE(la2::plan_pass(dual, {}).tma) << shape;
      expect_kernel(dual, own.dual_tma_narrow_func, own.dual_tma_func, "fused dK/dV");
      EXPECT_FALSE(la2::dual_pass_usable(dual, plan_options({{"loads", "cp_async"}}))) << shape << ": no windowed dual step";
      auto [x, y] = run_tma_and_cp_async(*gpu, plan, p);
      ASSERT_FALSE(x.empty());
      const auto differ = expect_forward_equal_reverse_close(x, y, p.dtype, 1e-2, shape);
      EXPECT_GT(differ.at("dK"), 0u) << shape << ": the fused pass did not run";
      Options full = plan;
      full.push_back({"narrow_products", "off"});
      expect_outputs_bit_identical(x, run_once(*gpu, *la2_with(full), p), shape + " against products over 128 columns");
    }
}

// Head dims past 128 run as value tiles (la2_value_tiles_host.h): under TMA every pass's output step is a
// windowed TMA kernel (128 x 128, 192 x 64 or 256 x 64) whose maps are the whole tensors', a block's
// window a box column of V and O, the reverse passes (dK, dV) reading their boxes upside down. The
// forward's and dQ's outputs (O, S_out, dQ) are the same products in the same order as under cp.async,
// so they agree bit for bit; dK, dV and dS_in sum over keys in the other order, so they agree to
// rounding, every element written (over each head's first 64 stored rows alone too: the reverse walk's
// last, partial chunk), and must differ in some bits (else the reverse TMA steps did not run). The bar's
// 192 x 192, 256 x 256 and 128 x 256, and 200 x 72 (windows past both tensors' widths: the forward's on
// 256 x 64 over 72 columns, dQ's on 128 x 128 over 200), 2999 rows, the default plan and one pass, each with
// the three-pass backward (128 x 256's default backward runs in windows of e by TMA only:
// BackwardInWindowsMatchesReference).
TEST(La2CudaPlans, TmaMovesValueTiles) {
  LASUITE_REQUIRE_GPU(gpu);
  if (!is_hopper(*gpu)) GTEST_SKIP() << "value tiles run on Hopper only";
  for (const auto& [d, e] : std::vector<std::pair<int, int>>{{192, 192}, {256, 256}, {128, 256}, {200, 72}})
    for (const Options& plan : {Options{{"backward", "three_passes"}}, Options{{"backward", "three_passes"}, {"one_pass", "all"}}}) {
      const std::string shape = std::to_string(d) + " x " + std::to_string(e) + " " + describe(plan);
      Problem p;
      p.batch = 2, p.heads = 3, p.seqlen = 2999, p.dim_qk = d, p.dim_v = e;
      p.dtype = d == 128 ? DType::f16 : DType::bf16;
      p.slopes = alibi_slopes(p.heads);
      p.state_in = p.state_out = true;
      // Every pass's plan: {d, e} the forward's and dV's, {e, d} dQ's and dK's (contracting over e).
      for (const auto& [contraction, value] : std::vector<std::pair<int, int>>{{d, e}, {e, d}})
        for (bool reverse : {false, true}) {
          const la2::ValueTiling vt = la2::value_tiling(contraction, value);
          la2::PassArgs a;
          a.dtype = p.dtype, a.dk = vt.dk, a.dv = vt.dv, a.value_tiles = vt.tiles, a.bh = 6, a.heads = 3, a.n = p.seqlen;
          a.cols_qk = contraction, a.cols_v = a.cols_o = value, a.reverse = reverse;
          EXPECT_TRUE(la2::plan_pass(a, plan_options(plan)).tma) << shape << " " << contraction << " x " << value;
          EXPECT_FALSE(la2::plan_pass(a, plan_options({{"loads", "cp_async"}})).tma) << shape;
        }
      auto [x, y] = run_tma_and_cp_async(*gpu, plan, p);
      ASSERT_FALSE(x.empty());
      const auto differ = expect_forward_equal_reverse_close(x, y, p.dtype, 1e-4, shape);
      for (const char* name : {"dK", "dV"}) {
        const int cols = std::string(name) == "dK" ? d : e;
        EXPECT_LT(relative_difference(x[name], y[name], p.dtype, {p.seqlen, cols, 0, 64}), 1e-2) << shape << " " << name << ", rows 0..63";
        EXPECT_GT(differ.at(name), 0u) << shape << " " << name << ": the reverse TMA step did not run";
      }
    }
}

}  // namespace
}  // namespace lasuite
