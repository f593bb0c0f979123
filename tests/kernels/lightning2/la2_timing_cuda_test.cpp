// Not a test: a timing printout of la2 on the bench shape (batch 1, 32 heads, d = e = 128, bf16,
// ALiBi slopes), for use on the GPU machine before `lasuite bench` covers it. Disabled by default;
// run with --gtest_also_run_disabled_tests --gtest_filter='La2CudaTiming.*'. Asserts nothing about speed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "harness/backend.h"
#include "harness/cuda/cuda_device.h"
#include "harness/memory.h"
#include "harness/registry.h"

namespace lasuite {
namespace {

TensorView view(const Buffer& b, DType t, std::array<int64_t, 4> dims) {
  TensorView v;
  v.data = b.data();
  v.dtype = t;
  v.device = DeviceKind::cuda;
  v.dims = dims;
  return v;
}

template <class F>
double median_ms(Backend& gpu, F&& run, int reps) {
  run();  // warm-up (and first-call attribute setting)
  run();
  gpu.synchronize();
  std::vector<double> ms;
  auto timer = gpu.make_timer();
  for (int i = 0; i < reps; ++i) {
    gpu.flush_cache();
    timer->start();
    run();
    timer->stop();
    ms.push_back(timer->elapsed_ms());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

TEST(La2CudaTiming, DISABLED_TokensPerSecond) {
  Backend* gpu = backend_for(DeviceKind::cuda);
  std::string why;
  if (!gpu || !gpu->available(&why)) GTEST_SKIP() << "no usable GPU: " << why;
  auto impl = Registry::instance().create("la2");
  std::printf("%-8s %-6s %10s %12s %14s\n", "n", "mode", "median_ms", "Mtok/s", "peak_extra_MiB");
  for (int64_t n : {4096, 16384, 32768, 65536, 131072}) {
    Problem p;
    p.batch = 1, p.heads = 32, p.seqlen = n, p.dim_qk = 128, p.dim_v = 128;
    p.dtype = DType::bf16;
    p.slopes = alibi_slopes(32);
    MemoryTracker tracker;
    Workspace ws(*gpu, tracker);
    const std::array<int64_t, 4> dims{1, 32, n, 128};
    const size_t elems = size_t(32) * n * 128;
    Buffer q = ws.allocate(elems * 2, MemoryCategory::inputs), k = ws.allocate(elems * 2, MemoryCategory::inputs),
           v = ws.allocate(elems * 2, MemoryCategory::inputs), dout = ws.allocate(elems * 2, MemoryCategory::inputs);
    Buffer o = ws.allocate(elems * 2, MemoryCategory::outputs), dq = ws.allocate(elems * 2, MemoryCategory::outputs),
           dk = ws.allocate(elems * 2, MemoryCategory::outputs), dv = ws.allocate(elems * 2, MemoryCategory::outputs);
    Buffer slopes = ws.allocate(32 * 4, MemoryCategory::inputs);
    cudaStream_t s = static_cast<cudaStream_t>(gpu->stream());
    cuda_fill_random_bf16(q.data(), elems, 1, s);
    cuda_fill_random_bf16(k.data(), elems, 2, s);
    cuda_fill_random_bf16(v.data(), elems, 3, s);
    cuda_fill_random_bf16(dout.data(), elems, 4, s);
    std::vector<float> sl(32);
    for (int i = 0; i < 32; ++i) sl[i] = static_cast<float>(p.slopes[i]);
    gpu->copy_from_host(slopes.data(), sl.data(), sl.size() * 4);
    ForwardIO fio;
    fio.q = view(q, p.dtype, dims), fio.k = view(k, p.dtype, dims), fio.v = view(v, p.dtype, dims);
    fio.o = view(o, p.dtype, dims);
    fio.slopes = view(slopes, DType::f32, {1, 1, 1, 32});
    BackwardIO bio;
    bio.q = fio.q, bio.k = fio.k, bio.v = fio.v, bio.o = fio.o, bio.slopes = fio.slopes;
    bio.dout = view(dout, p.dtype, dims);
    bio.dq = view(dq, p.dtype, dims), bio.dk = view(dk, p.dtype, dims), bio.dv = view(dv, p.dtype, dims);

    const int reps = n >= 65536 ? 10 : 30;
    tracker.reset_peaks();
    double fwd = median_ms(*gpu, [&] { impl->forward(p, fio, ws); }, reps);
    size_t fwd_peak = tracker.peak(MemoryCategory::extra);
    tracker.reset_peaks();
    double fb = median_ms(*gpu, [&] {
      auto saved = impl->forward(p, fio, ws);
      impl->backward(p, bio, saved.get(), ws);
    }, reps);
    size_t fb_peak = tracker.peak(MemoryCategory::extra);
    std::printf("%-8lld %-6s %10.3f %12.2f %14.1f\n", static_cast<long long>(n), "fwd", fwd, n / fwd / 1e3,
                fwd_peak / 1048576.0);
    std::printf("%-8lld %-6s %10.3f %12.2f %14.1f\n", static_cast<long long>(n), "fwdbwd", fb, n / fb / 1e3,
                fb_peak / 1048576.0);
  }
}

}  // namespace
}  // namespace lasuite
