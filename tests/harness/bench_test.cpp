// The bench engine on test doubles: figures, exact memory accounting, and rows that cannot run.
#include "harness/bench.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <cmath>
#include <vector>

#include "harness/inputs.h"
#include "harness/timing.h"
#include "tests/harness/fake_implementation.h"

namespace lasuite {
namespace {

BenchConfig small_config(const std::string& impl, std::vector<int64_t> seqlens) {
  testing::register_fakes();
  BenchConfig c;
  c.impls = {impl};
  c.dtypes = {DType::f32};
  c.seqlens = std::move(seqlens);
  c.modes = {BenchMode::fwd, BenchMode::bwd, BenchMode::fwdbwd};
  c.batch = 2;
  c.heads = 3;
  c.dim_qk = c.dim_v = 8;
  c.timing.warmup = 1;
  c.timing.min_repeats = 3;
  c.timing.min_time_s = 0;
  c.timing.row_time_limit_s = 60;
  c.measure_ceilings = false;
  return c;
}

TEST(Bench, OkRowsCarryFiguresAndExactMemory) {
  BenchConfig c = small_config(testing::kFake, {64, 32});
  size_t seen = 0;
  BenchObserver obs;
  obs.row = [&](const BenchRow&, size_t index, size_t total) {
    EXPECT_EQ(index, ++seen);
    EXPECT_EQ(total, 6u);
  };
  BenchResult r = run_bench(c, obs);
  ASSERT_EQ(r.rows.size(), 6u);
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].kind, DeviceKind::cpu);
  EXPECT_FALSE(r.devices[0].ceilings) << "--no-ceilings measures none";
  EXPECT_EQ(r.rows[0].seqlen, 32) << "lengths run in ascending order";
  for (const BenchRow& row : r.rows) {
    SCOPED_TRACE(row.mode + " n=" + std::to_string(row.seqlen));
    ASSERT_EQ(row.status, RowStatus::ok) << row.reason;
    EXPECT_EQ(row.impl, testing::kFake);
    EXPECT_EQ(row.decay, "alibi");
    EXPECT_GE(row.repeats, 3);
    EXPECT_GT(row.median_ms, 0);
    EXPECT_LE(row.min_ms, row.median_ms);
    EXPECT_LE(row.median_ms, row.max_ms);
    EXPECT_DOUBLE_EQ(row.tokens_per_s, 2.0 * row.seqlen / (row.median_ms / 1e3));
    EXPECT_FALSE(row.floor_ms);
    const Problem p = [&] {
      Problem q;
      q.batch = 2, q.heads = 3, q.seqlen = row.seqlen, q.dim_qk = q.dim_v = 8;
      return q;
    }();
    const Work w = linear_block_work(p, 64);
    const double expected_flops =
        row.mode == "fwd" ? w.fwd_flops : row.mode == "bwd" ? w.bwd_flops : w.fwd_flops + w.bwd_flops;
    EXPECT_DOUBLE_EQ(row.flops, expected_flops);
    EXPECT_DOUBLE_EQ(row.flops_per_s, expected_flops / (row.median_ms / 1e3));
    // The test double: forward peaks at 3n floats, backward at 2n (Saved) + 4n (scratch).
    const int64_t n = row.seqlen, f = sizeof(float);
    const int64_t expected_extra = row.mode == "fwd" ? 3 * n * f : 6 * n * f;
    EXPECT_EQ(row.peak_extra_bytes, expected_extra);
    const int64_t tensor = 2 * 3 * n * 8 * f;
    const int64_t expected_outputs = row.mode == "fwd" ? tensor : row.mode == "bwd" ? 3 * tensor : 4 * tensor;
    EXPECT_EQ(row.outputs_bytes, expected_outputs);
  }
}

TEST(Bench, CeilingsGiveEachRowAFloor) {
  BenchConfig c = small_config(testing::kFake, {32});
  c.modes = {BenchMode::fwd};
  c.measure_ceilings = true;
  BenchResult r = run_bench(c);
  ASSERT_EQ(r.devices.size(), 1u);
  ASSERT_TRUE(r.devices[0].ceilings);
  EXPECT_GT(r.devices[0].ceilings->copy_bytes_per_s, 1e8);
  EXPECT_GT(r.devices[0].ceilings->gemm_flops_per_s, 1e8);
  ASSERT_EQ(r.rows.size(), 1u);
  ASSERT_TRUE(r.rows[0].floor_ms);
  ASSERT_TRUE(r.rows[0].fraction_of_floor);
  const Ceilings& ce = *r.devices[0].ceilings;
  EXPECT_DOUBLE_EQ(*r.rows[0].floor_ms,
                   1e3 * std::max(r.rows[0].min_bytes / ce.copy_bytes_per_s, r.rows[0].flops / ce.gemm_flops_per_s));
  EXPECT_DOUBLE_EQ(*r.rows[0].fraction_of_floor, *r.rows[0].floor_ms / r.rows[0].median_ms);
}

// A row faster than its floor (its bytes from the L2, or ceilings measured low on a busy host) says so.
TEST(Bench, ARowAboveItsFloorSaysSo) {
  BenchRow row;
  EXPECT_EQ(above_floor_note(row), "") << "no ceilings";
  row.fraction_of_floor = 0.7;
  EXPECT_EQ(above_floor_note(row), "");
  row.fraction_of_floor = 1.8;
  EXPECT_EQ(above_floor_note(row).rfind("faster than the floor (1.80): ", 0), 0u) << above_floor_note(row);
}

TEST(Bench, ARunOverTheRowLimitTimesOutAndLargerLengthsAreNotRun) {
  BenchConfig c = small_config(testing::kFake, {16, 32, 64});
  c.modes = {BenchMode::fwd};
  c.timing.row_time_limit_s = 1e-9;
  BenchResult r = run_bench(c);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].status, RowStatus::timeout);
  EXPECT_NE(r.rows[0].reason.find("over the row time limit"), std::string::npos) << r.rows[0].reason;
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(r.rows[i].status, RowStatus::timeout);
    EXPECT_NE(r.rows[i].reason.find("not run: n=16"), std::string::npos) << r.rows[i].reason;
  }
}

TEST(Bench, UnsupportedOomAndErrorRowsSayWhyAndTheSweepGoesOn) {
  BenchConfig c = small_config(testing::kFakeFailing, {64, 96, 128});
  c.modes = {BenchMode::fwd};
  BenchResult r = run_bench(c);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].status, RowStatus::ok) << r.rows[0].reason;
  EXPECT_EQ(r.rows[1].status, RowStatus::error);
  EXPECT_NE(r.rows[1].reason.find("fails at n == 96"), std::string::npos);
  EXPECT_EQ(r.rows[2].status, RowStatus::oom);
  EXPECT_NE(r.rows[2].reason.find("out of memory"), std::string::npos);

  BenchConfig d = small_config(testing::kFake, {64});
  d.dim_qk = 64;
  BenchResult u = run_bench(d);
  ASSERT_EQ(u.rows.size(), 3u);
  for (const BenchRow& row : u.rows) {
    EXPECT_EQ(row.status, RowStatus::unsupported);
    EXPECT_NE(row.reason.find("head dim d=64 not supported"), std::string::npos) << row.reason;
  }
}

TEST(Bench, InputsAreRandomNotZeroAndDifferPerTensor) {
  Problem p;
  p.batch = 1, p.heads = 2, p.seqlen = 100, p.dim_qk = 8, p.dim_v = 4;
  p.dtype = DType::bf16;
  p.slopes = {0.5, 0.25};
  Backend& cpu = *backend_for(DeviceKind::cpu);
  MemoryTracker tracker;
  Workspace ws(cpu, tracker);
  ProblemInputs in = make_inputs(p, ws, DeviceKind::cpu, 3, true);
  EXPECT_EQ(tracker.current(MemoryCategory::inputs), 2 * 200 * 8 * 2 + 2 * 200 * 4 * 2 + 2 * sizeof(float));
  EXPECT_EQ(tracker.current(MemoryCategory::extra), 0u);
  std::vector<double> q(1600), k(1600);
  convert_to_f64(in.q.data(), DType::bf16, q.data(), q.size());
  convert_to_f64(in.k.data(), DType::bf16, k.data(), k.size());
  size_t zeros = 0, same = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    zeros += q[i] == 0;
    same += q[i] == k[i];
    EXPECT_LE(std::fabs(q[i]), 1.0);
  }
  EXPECT_LT(zeros, 10u);
  EXPECT_LT(same, 50u);
  EXPECT_EQ(in.slopes_view.as<float>()[1], 0.25f);
}

TEST(Bench, SamplesStopAtRepeatsAndTime) {
  Backend& cpu = *backend_for(DeviceKind::cpu);
  int runs = 0, cleanups = 0;
  Region region{[&] { ++runs; }, [&] { ++cleanups; }};
  TimingPolicy policy;
  policy.min_repeats = 4;
  policy.min_time_s = 0;
  Samples s = sample(cpu, region, policy, 2, 0);
  EXPECT_EQ(s.ms.size(), 4u);
  EXPECT_EQ(runs, 6) << "2 warm-up runs, then 4 samples";
  EXPECT_EQ(cleanups, 6);
  s.ms = {5, 1, 3, 2};
  EXPECT_DOUBLE_EQ(s.median_ms(), 2.5);
  EXPECT_DOUBLE_EQ(s.min_ms(), 1);
  EXPECT_DOUBLE_EQ(s.max_ms(), 5);
  policy.max_repeats = 7;
  policy.min_time_s = 1e9;
  policy.row_time_limit_s = 1e9;
  EXPECT_EQ(sample(cpu, region, policy, 0, 0).ms.size(), 7u) << "capped at max_repeats";
}

// Warm-ups count against the row's time limit: a hundred million of them stop once it is spent. A run
// here is a 1 ms sleep, so the limit of 0.05 s leaves room for about 50 warm-ups (and the 3 samples
// that follow); without the budget this would run for a day. The count is what is checked, not time.
TEST(Bench, WarmUpsStopWhenTheRowTimeIsSpent) {
  Backend& cpu = *backend_for(DeviceKind::cpu);
  int runs = 0;
  Region region{[&] {
                  ++runs;
                  std::this_thread::sleep_for(std::chrono::milliseconds(1));
                },
                nullptr};
  TimingPolicy policy;
  policy.min_repeats = 3;
  policy.min_time_s = 0;
  policy.row_time_limit_s = 0.05;
  Samples s = sample(cpu, region, policy, 100000000, 0);
  EXPECT_FALSE(s.timed_out);
  EXPECT_LT(runs, 1000) << "the warm-ups went on past the row's time";
}

// A row whose own buffers cannot fit together is an oom row that says how much it needed, with nothing
// allocated. (Here each buffer alone would not fit either; the check is on their sum.)
TEST(Bench, ARowThatCannotFitIsOomBeforeAllocating) {
  BenchConfig c = small_config(testing::kFake, {1 << 20});
  c.heads = 1 << 20;  // 2^40 tokens x 8 values x 4 bytes per tensor: 32 TiB
  c.modes = {BenchMode::fwd, BenchMode::fwdbwd};
  BenchResult r = run_bench(c);
  ASSERT_EQ(r.rows.size(), 2u);
  for (const BenchRow& row : r.rows) {
    EXPECT_EQ(row.status, RowStatus::oom) << row.reason;
    EXPECT_NE(row.reason.find("the row's inputs and outputs need"), std::string::npos) << row.reason;
    EXPECT_NE(row.reason.find("available on cpu"), std::string::npos) << row.reason;
  }
}

}  // namespace
}  // namespace lasuite

namespace lasuite {
namespace {

// --mode decode: a row per batch size, T tokens per step, the state read and written (its bytes in
// the floor's count); an implementation without a state gives unsupported rows.
// Each batch size a row per timer: plain launches, and a CUDA graph, which the CPU cannot record (the
// row says so instead of timing something else).
TEST(BenchDecode, ARowPerBatchAndTimerWithTheStateInTheBytes) {
  BenchConfig c = small_config("la2_cpu", {2});
  c.impls = {"la2_cpu", "flash_softmax_cpu"};
  c.modes = {BenchMode::decode};
  c.decode_batches = {1, 3};
  c.decode_graph_steps = {0, 10};
  c.decode_contexts = {5, 40};
  const BenchResult r = run_bench(c);
  ASSERT_EQ(r.rows.size(), 12u) << "la2_cpu: 2 batches x 2 timers; flash_softmax_cpu: x 2 cache lengths too";
  for (size_t i = 0; i < 4; ++i) {
    const BenchRow& row = r.rows[i];
    EXPECT_EQ(row.impl, "la2_cpu");
    EXPECT_EQ(row.mode, "decode");
    EXPECT_EQ(row.batch, i < 2 ? 1 : 3);
    EXPECT_EQ(row.seqlen, 2);
    if (i % 2 == 1) {
      EXPECT_EQ(row.timer, "graph of 10 steps");
      EXPECT_EQ(row.status, RowStatus::unsupported);
      EXPECT_NE(row.reason.find("no graphs to record on cpu"), std::string::npos) << row.reason;
      continue;
    }
    EXPECT_EQ(row.timer, "launches");
    EXPECT_EQ(row.status, RowStatus::ok) << row.reason;
    const double tokens = static_cast<double>(row.batch * 3 * 2), state = static_cast<double>(row.batch * 3 * 8 * 8 * 4);
    EXPECT_DOUBLE_EQ(row.min_bytes, tokens * 4 * (2 * 8 + 2 * 8) + 2 * state) << "q, k, v, o and the state in and out";
    EXPECT_NEAR(row.tokens_per_s, static_cast<double>(row.batch * 2) / (row.median_ms / 1e3), 1e-6 * row.tokens_per_s);
  }
  // Softmax attention's step reads a KV cache of each length: q and o of T rows, k and v of cache + T.
  for (size_t i = 4; i < 12; ++i) {
    const BenchRow& row = r.rows[i];
    EXPECT_EQ(row.impl, "flash_softmax_cpu");
    EXPECT_EQ(row.batch, i < 8 ? 1 : 3);
    EXPECT_EQ(row.context, (i - 4) % 4 < 2 ? 5 : 40);
    if (row.timer != "launches") {
      EXPECT_EQ(row.status, RowStatus::unsupported);
      continue;
    }
    EXPECT_EQ(row.status, RowStatus::ok) << row.reason;
    const double bh = static_cast<double>(row.batch * 3), T = 2, cache = static_cast<double>(row.context);
    EXPECT_DOUBLE_EQ(row.min_bytes, bh * 4 * (T * (8 + 8) + (cache + T) * (8 + 8)));
    EXPECT_DOUBLE_EQ(row.flops, bh * (8 + 8) * (2 * T * cache + T * T));
  }
}

// --timer for the training passes: a row per mode and timer, the graph's rows saying the CPU cannot
// record one (the GPU's replay is CudaBackend.RecordedTrainingPassReplaysAsLaunched).
TEST(Bench, TrainingPassesARowPerTimer) {
  BenchConfig c = small_config(testing::kFake, {32});
  c.pass_graph_steps = {0, 4};
  const BenchResult r = run_bench(c);
  ASSERT_EQ(r.rows.size(), 6u) << "3 modes x 2 timers";
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const BenchRow& row = r.rows[i];
    EXPECT_EQ(row.mode, std::string(mode_name(c.modes[i / 2])));
    if (i % 2 == 0) {
      EXPECT_EQ(row.timer, "launches");
      EXPECT_EQ(row.status, RowStatus::ok) << row.reason;
    } else {
      EXPECT_EQ(row.timer, "graph of 4 steps");
      EXPECT_EQ(row.status, RowStatus::unsupported);
      EXPECT_NE(row.reason.find("no graphs to record on cpu"), std::string::npos) << row.reason;
    }
  }
}

}  // namespace
}  // namespace lasuite
