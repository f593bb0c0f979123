// The CUDA backend: availability without crashing, tracked allocation, copies and fills, out-of-memory
// as an exception, event timing, device description and ceilings, recording work as a graph. Skipped, with the reason, where no
// GPU is usable (CI).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <random>
#include <vector>

#include "harness/backend.h"
#include "harness/bench.h"
#include "harness/errors.h"
#include "harness/memory.h"
#include "harness/registry.h"
#include "harness/inputs.h"
#include "tests/support/verify_test_support.h"

namespace lasuite {
namespace {

// Runs everywhere: asking must not crash, and a "no" comes with a reason.
TEST(CudaBackend, SaysWhetherAGpuIsUsable) {
  Backend* b = backend_for(DeviceKind::cuda);
  ASSERT_NE(b, nullptr) << "a CUDA build registers the CUDA backend";
  EXPECT_EQ(b->kind(), DeviceKind::cuda);
  std::string why;
  if (!b->available(&why)) EXPECT_FALSE(why.empty());
}

TEST(CudaBackend, AllocationsAreTracked) {
  LASUITE_REQUIRE_GPU(gpu);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  {
    Buffer a = ws.allocate(3 << 20);
    Buffer b = ws.allocate(1 << 20, MemoryCategory::outputs);
    EXPECT_NE(a.data(), nullptr);
    EXPECT_EQ(tracker.current(MemoryCategory::extra), size_t(3) << 20);
    EXPECT_EQ(tracker.current(MemoryCategory::outputs), size_t(1) << 20);
  }
  EXPECT_EQ(tracker.current(MemoryCategory::extra), 0u);
  EXPECT_EQ(tracker.peak(MemoryCategory::extra), size_t(3) << 20);
  gpu->synchronize();
}

TEST(CudaBackend, CopyAndFillRoundTrip) {
  LASUITE_REQUIRE_GPU(gpu);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  const size_t bytes = (1 << 20) + 37;  // not a multiple of anything convenient
  std::vector<uint8_t> host(bytes), back(bytes);
  std::mt19937 rng(5);
  for (auto& x : host) x = static_cast<uint8_t>(rng());
  Buffer buf = ws.allocate(bytes);
  gpu->copy_from_host(buf.data(), host.data(), bytes);
  gpu->copy_to_host(back.data(), buf.data(), bytes);
  EXPECT_EQ(std::memcmp(host.data(), back.data(), bytes), 0);
  // Fill a middle range; the bytes around it keep their values.
  gpu->fill_bytes(buf.as<uint8_t>() + 1000, 0xAB, 5000);
  gpu->copy_to_host(back.data(), buf.data(), bytes);
  for (size_t i = 0; i < bytes; ++i) {
    const uint8_t want = (i >= 1000 && i < 6000) ? 0xAB : host[i];
    ASSERT_EQ(back[i], want) << "byte " << i;
  }
}

TEST(CudaBackend, OutOfMemoryIsAnExceptionAndLeavesTheDeviceUsable) {
  LASUITE_REQUIRE_GPU(gpu);
  EXPECT_THROW(gpu->raw_allocate(size_t(1) << 50), OutOfMemoryError);  // 1 PiB
  try {
    gpu->raw_allocate(size_t(1) << 50);
  } catch (const OutOfMemoryError& e) {
    EXPECT_NE(std::string(e.what()).find("1048576.00 GiB"), std::string::npos) << "names the size: " << e.what();
  }
  void* p = gpu->raw_allocate(1 << 20);  // the failed call left no sticky error behind
  gpu->fill_bytes(p, 1, 1 << 20);
  gpu->raw_free(p);
  gpu->synchronize();
}

TEST(CudaBackend, TimerMeasuresDeviceWork) {
  LASUITE_REQUIRE_GPU(gpu);
  auto timer = gpu->make_timer();
  gpu->flush_cache(CacheFlush::dirty);  // the first call allocates its buffer
  timer->start();
  for (int i = 0; i < 5; ++i) gpu->flush_cache(CacheFlush::dirty);
  timer->stop();
  const double ms = timer->elapsed_ms();
  EXPECT_GT(ms, 0.0);
  EXPECT_LT(ms, 1000.0);
}

// Both flushes leave the caller's data as it was (they touch only their own buffers) and no error.
TEST(CudaBackend, FlushesKeepDataIntact) {
  LASUITE_REQUIRE_GPU(gpu);
  const size_t bytes = size_t(64) << 20;  // larger than any L2, so some of it is evicted
  std::vector<uint8_t> host(bytes), back(bytes);
  for (size_t i = 0; i < bytes; ++i) host[i] = static_cast<uint8_t>(i * 131 + 7);
  void* p = gpu->raw_allocate(bytes);
  gpu->copy_from_host(p, host.data(), bytes);
  for (CacheFlush how : {CacheFlush::dirty, CacheFlush::clean, CacheFlush::clean}) gpu->flush_cache(how);
  gpu->copy_to_host(back.data(), p, bytes);
  gpu->raw_free(p);
  gpu->synchronize();
  EXPECT_TRUE(host == back);
}

TEST(CudaBackend, DescribesTheDevice) {
  LASUITE_REQUIRE_GPU(gpu);
  DeviceInfo d = gpu->info();
  EXPECT_FALSE(d.name.empty());
  EXPECT_GT(d.multiprocessors, 0);
  EXPECT_FALSE(d.compute_capability.empty());
  EXPECT_FALSE(d.driver_version.empty());
  EXPECT_FALSE(d.runtime_version.empty());
  EXPECT_GT(d.total_memory, gpu->free_memory() / 2);
  std::cout << "device: " << d.name << ", " << d.multiprocessors << " SMs, cc " << d.compute_capability << ", SM "
            << d.sm_clock_mhz << " MHz, memory " << d.memory_clock_mhz << " MHz, driver " << d.driver_version
            << ", runtime " << d.runtime_version << ", " << format_bytes(d.total_memory) << "\n";
}

TEST(CudaBackend, MeasuresCeilings) {
  LASUITE_REQUIRE_GPU(gpu);
  Ceilings c = gpu->measure_ceilings();
  // Loose sanity bounds (any GPU of the last decade), not a performance test.
  EXPECT_GT(c.copy_bytes_per_s, 1e10);
  EXPECT_GT(c.gemm_flops_per_s, 1e12);
  EXPECT_FALSE(c.copy_method.empty());
  EXPECT_FALSE(c.gemm_method.empty());
  std::cout << "copy " << c.copy_bytes_per_s / 1e9 << " GB/s (" << c.copy_method << ")\ngemm "
            << c.gemm_flops_per_s / 1e12 << " TFLOP/s (" << c.gemm_method << ")\n";
}

// Three in-place decode steps of la2 recorded as one graph and replayed give what three launched steps
// give, bit for bit; allocations inside the recorded work (la2's chunk passes at n = 100) are the
// graph's own.
TEST(CudaBackend, RecordedWorkReplaysAsLaunched) {
  LASUITE_REQUIRE_GPU(gpu);
  auto la2 = Registry::instance().create("la2");
  for (int64_t n : {1, 100}) {
    Problem p;
    p.batch = 2, p.heads = 4, p.seqlen = n, p.dim_qk = p.dim_v = 64, p.dtype = DType::bf16;
    p.slopes = alibi_slopes(p.heads);
    p.state_in = p.state_out = true;
    MemoryTracker tracker;
    Workspace ws(*gpu, tracker);
    ProblemInputs in = make_inputs(p, ws, DeviceKind::cuda, 5, false);
    Buffer o = ws.allocate(tensor_bytes(v_dims(p), p.dtype));
    ForwardIO f = forward_io(in, view_of(o, p.dtype, DeviceKind::cuda, v_dims(p)));
    f.state_out = in.state_in_view;  // in place: each step reads what the one before wrote
    const size_t st = tensor_bytes(state_dims(p), DType::f32);
    std::vector<uint8_t> initial(st), launched(st), replayed(st);
    gpu->copy_to_host(initial.data(), in.state_in_view.data, st);
    for (int i = 0; i < 3; ++i) la2->forward(p, f, ws);
    gpu->copy_to_host(launched.data(), in.state_in_view.data, st);

    std::unique_ptr<Replay> replay = gpu->record([&] { la2->forward(p, f, ws); }, 3);
    ASSERT_NE(replay, nullptr);
    gpu->copy_from_host(in.state_in_view.data, initial.data(), st);
    replay->launch();
    gpu->synchronize();
    gpu->copy_to_host(replayed.data(), in.state_in_view.data, st);
    EXPECT_EQ(launched, replayed) << "n=" << n;
    EXPECT_NE(launched, initial) << "n=" << n;
  }
}

// la2's forward and backward recorded as one graph (what `lasuite bench --timer graph` replays) give the
// launched run's outputs and gradients bit for bit: its passes' scratch, the one-pass flags and the early
// launches are the graph's own. 4k rows at d = 128: several segments a head, so the passes' flags, segment
// data and (on Hopper) the fused dK/dV pass are in the recorded work.
TEST(CudaBackend, RecordedTrainingPassReplaysAsLaunched) {
  LASUITE_REQUIRE_GPU(gpu);
  auto la2 = Registry::instance().create("la2");
  Problem p;
  p.batch = 1, p.heads = 4, p.seqlen = 4096, p.dim_qk = p.dim_v = 128, p.dtype = DType::bf16;
  p.slopes = alibi_slopes(p.heads);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  ProblemInputs in = make_inputs(p, ws, DeviceKind::cuda, 11, true);
  Buffer o = ws.allocate(tensor_bytes(v_dims(p), p.dtype));
  Buffer dq = ws.allocate(tensor_bytes(qk_dims(p), p.dtype)), dk = ws.allocate(tensor_bytes(qk_dims(p), p.dtype)),
         dv = ws.allocate(tensor_bytes(v_dims(p), p.dtype));
  ForwardIO f = forward_io(in, view_of(o, p.dtype, DeviceKind::cuda, v_dims(p)));
  BackwardIO b = backward_io(in, f.o, view_of(dq, p.dtype, DeviceKind::cuda, qk_dims(p)),
                             view_of(dk, p.dtype, DeviceKind::cuda, qk_dims(p)),
                             view_of(dv, p.dtype, DeviceKind::cuda, v_dims(p)));
  const auto run = [&] {
    std::unique_ptr<Saved> saved = la2->forward(p, f, ws);
    la2->backward(p, b, saved.get(), ws);
  };
  const std::vector<const Buffer*> outputs = {&o, &dq, &dk, &dv};
  const auto read_all = [&] {
    std::vector<std::vector<uint8_t>> out;
    for (const Buffer* x : outputs) {
      out.emplace_back(x->bytes());
      gpu->copy_to_host(out.back().data(), x->data(), x->bytes());
    }
    return out;
  };
  run();
  const std::vector<std::vector<uint8_t>> launched = read_all();
  std::unique_ptr<Replay> replay = gpu->record(run, 1);
  ASSERT_NE(replay, nullptr);
  for (const Buffer* x : outputs) gpu->fill_bytes(x->data(), 0, x->bytes());
  replay->launch();
  gpu->synchronize();
  const std::vector<std::vector<uint8_t>> replayed = read_all();
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(launched[i], replayed[i]) << "output " << i << " (o, dq, dk, dv)";
    EXPECT_NE(launched[i], std::vector<uint8_t>(launched[i].size(), 0)) << "output " << i << " is all zeros";
  }
}

// The bench's own recording (`lasuite bench --timer graph`, run_row's recorded_run) in every training mode:
// each point a launched row and a graph row, both ok, the graph's named as such; and a graph of two runs
// (the bench records --graph-steps runs, each dropping what it saved) replays too. Each row carries la2's
// word on the plans it ran (the backward's rows, its dQ pass's too).
TEST(CudaBackend, BenchRecordsEveryTrainingMode) {
  LASUITE_REQUIRE_GPU(gpu);
  BenchConfig c;
  c.impls = {"la2"};
  c.dtypes = {DType::bf16};
  c.seqlens = {1000, 2000};  // the second point's fwd row follows the first's fwdbwd: its plan names no backward
  c.modes = {BenchMode::fwd, BenchMode::bwd, BenchMode::fwdbwd};
  c.batch = 1, c.heads = 4, c.dim_qk = c.dim_v = 64;
  c.timing.warmup = 1, c.timing.min_repeats = 2, c.timing.min_time_s = 0, c.timing.row_time_limit_s = 60;
  c.measure_ceilings = false;
  c.pass_graph_steps = {0, 1, 2};
  const BenchResult r = run_bench(c);
  ASSERT_EQ(r.rows.size(), 18u) << "2 lengths x 3 modes x 3 timers";
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const BenchRow& row = r.rows[i];
    EXPECT_EQ(row.timer, i % 3 == 0 ? "launches" : i % 3 == 1 ? "graph of 1 step" : "graph of 2 steps") << i;
    EXPECT_EQ(row.status, RowStatus::ok) << row.mode << " " << row.timer << ": " << row.reason;
    EXPECT_GT(row.tokens_per_s, 0) << row.mode << " " << row.timer;
    EXPECT_EQ(row.plan.rfind("forward: ", 0), 0u) << row.mode << ": " << row.plan;
    if (row.mode != "fwd") EXPECT_NE(row.plan.find(" | backward: dQ "), std::string::npos) << row.mode << ": " << row.plan;
    else EXPECT_EQ(row.plan.find("backward"), std::string::npos) << "a forward's plan: " << row.plan;
  }
}

// Work that cannot be recorded (it synchronises, after allocating) is an error naming why, not a crash,
// and leaves the backend usable.
TEST(CudaBackend, WorkThatCannotBeRecordedIsAnErrorAndLeavesTheDeviceUsable) {
  LASUITE_REQUIRE_GPU(gpu);
  MemoryTracker tracker;
  Workspace ws(*gpu, tracker);
  try {
    gpu->record([&] {
      Buffer b = ws.allocate(1 << 20);
      gpu->synchronize();
    }, 2);
    FAIL() << "a synchronisation inside the recorded work was recorded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be recorded"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tracker.current(MemoryCategory::extra), 0u);
  Buffer after = ws.allocate(4096);
  std::vector<uint8_t> x(4096, 7), y(4096, 0);
  gpu->copy_from_host(after.data(), x.data(), x.size());
  gpu->copy_to_host(y.data(), after.data(), y.size());
  EXPECT_EQ(x, y);
}

}  // namespace
}  // namespace lasuite
