// Google Benchmark view of the CPU implementations (forward, forward+backward, a few small shapes), so
// runs can be compared with Google Benchmark's own tools (compare.py). `lasuite bench` is the sweep.
#include <benchmark/benchmark.h>

#include <string>

#include "harness/bench.h"
#include "harness/inputs.h"
#include "harness/registry.h"

namespace lasuite {
namespace {

void run_case(benchmark::State& state, const std::string& name, BenchMode mode, const Problem& p) {
  std::unique_ptr<Implementation> impl = Registry::instance().create(name);
  if (auto why = impl->unsupported(p)) {
    state.SkipWithError(("unsupported: " + *why).c_str());
    return;
  }
  try {
    Backend& backend = *backend_for(DeviceKind::cpu);
    MemoryTracker tracker;
    Workspace ws(backend, tracker);
    ProblemInputs in = make_inputs(p, ws, DeviceKind::cpu, 7, mode != BenchMode::fwd);
    Buffer o = ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::outputs);
    Buffer dq, dk, dv;
    if (mode != BenchMode::fwd) {
      dq = ws.allocate(tensor_bytes(qk_dims(p), p.dtype), MemoryCategory::outputs);
      dk = ws.allocate(tensor_bytes(qk_dims(p), p.dtype), MemoryCategory::outputs);
      dv = ws.allocate(tensor_bytes(v_dims(p), p.dtype), MemoryCategory::outputs);
    }
    const ForwardIO fio = forward_io(in, view_of(o, p.dtype, DeviceKind::cpu, v_dims(p)));
    const BackwardIO bio = backward_io(in, fio.o, view_of(dq, p.dtype, DeviceKind::cpu, qk_dims(p)),
                                       view_of(dk, p.dtype, DeviceKind::cpu, qk_dims(p)),
                                       view_of(dv, p.dtype, DeviceKind::cpu, v_dims(p)));
    tracker.reset_peaks();
    for (auto _ : state) {
      std::unique_ptr<Saved> saved = impl->forward(p, fio, ws);
      if (mode == BenchMode::fwdbwd) impl->backward(p, bio, saved.get(), ws);
      benchmark::DoNotOptimize(o.data());
      benchmark::ClobberMemory();
    }
    const Work w = impl->work(p);
    const double flops = w.fwd_flops + (mode == BenchMode::fwdbwd ? w.bwd_flops : 0);
    state.counters["tokens/s"] =
        benchmark::Counter(static_cast<double>(p.batch * p.seqlen), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_extra_bytes"] = static_cast<double>(tracker.peak(MemoryCategory::extra));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void register_all() {
  for (const std::string& name : Registry::instance().names()) {
    const ImplInfo info = Registry::instance().create(name)->info();
    if (info.device != DeviceKind::cpu) continue;
    for (int64_t n : {1024, 4096})
      for (BenchMode mode : {BenchMode::fwd, BenchMode::fwdbwd}) {
        if (mode == BenchMode::fwdbwd && !info.support.backward) continue;
        Problem p;
        p.batch = 1;
        p.heads = 4;
        p.seqlen = n;
        p.dim_qk = p.dim_v = 64;
        p.dtype = DType::f32;
        p.function = info.function;
        if (info.function == Function::linear_decay) p.slopes = alibi_slopes(p.heads);
        const std::string label = name + "/" + mode_name(mode) + "/b1_h4_n" + std::to_string(n) + "_d64_f32";
        // Real time: the implementations use every core, so CPU time would add the threads up.
        benchmark::RegisterBenchmark(label.c_str(), [name, mode, p](benchmark::State& s) { run_case(s, name, mode, p); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
  }
}

}  // namespace
}  // namespace lasuite

int main(int argc, char** argv) {
  lasuite::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
