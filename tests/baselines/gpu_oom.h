// The out-of-memory check shared by the baselines whose memory grows faster than n (cumsum_cuda,
// vanilla_cublas): at a size that cannot fit, forward and backward throw OutOfMemoryError (the bench
// reports a row saying so), nothing crashes, and the device still verifies a small case afterwards.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "tests/baselines/gpu_checks.h"

namespace lasuite::gpu_test {

inline Buffer filled(Backend& gpu, Workspace& ws, size_t bytes, uint8_t value) {
  Buffer b = ws.allocate(bytes, MemoryCategory::inputs);
  gpu.fill_bytes(b.data(), value, bytes);  // non-zero and finite in every 16-bit type
  return b;
}

inline TensorView view(const Buffer& b, DType t, std::array<int64_t, 4> dims) {
  return fake_view(reinterpret_cast<uintptr_t>(b.data()), t, dims);
}

inline void expect_out_of_memory(const std::string& impl_name, int64_t n) {
  LASUITE_REQUIRE_GPU(gpu);
  Problem p;
  p.batch = 1, p.heads = 1, p.seqlen = n, p.dim_qk = 128, p.dim_v = 128, p.dtype = DType::bf16;
  p.slopes = {0.25};
  auto impl = Registry::instance().create(impl_name);
  ASSERT_FALSE(impl->unsupported(p).has_value()) << *impl->unsupported(p);
  {
    MemoryTracker tracker;
    Workspace ws(*gpu, tracker);
    const size_t bytes = size_t(n) * 128 * 2;
    const std::array<int64_t, 4> dims{1, 1, n, 128};
    Buffer q = filled(*gpu, ws, bytes, 0x3c), k = filled(*gpu, ws, bytes, 0x3b), v = filled(*gpu, ws, bytes, 0x3a);
    Buffer o = filled(*gpu, ws, bytes, 0x39), slopes = filled(*gpu, ws, 4, 0x3e);
    ForwardIO f;
    f.q = view(q, DType::bf16, dims), f.k = view(k, DType::bf16, dims), f.v = view(v, DType::bf16, dims);
    f.o = view(o, DType::bf16, dims), f.slopes = view(slopes, DType::f32, {1, 1, 1, 1});
    EXPECT_THROW(impl->forward(p, f, ws), OutOfMemoryError);
    BackwardIO b;
    b.q = f.q, b.k = f.k, b.v = f.v, b.o = f.o, b.slopes = f.slopes;
    b.dout = f.o, b.dq = f.q, b.dk = f.k, b.dv = f.v;  // never written: the refusal comes first
    EXPECT_THROW(impl->backward(p, b, nullptr, ws), OutOfMemoryError);
    EXPECT_EQ(tracker.current(MemoryCategory::extra), 0u);
    gpu->synchronize();  // no error left behind on the stream
  }
  const CaseResult r = verify_case(*impl, make_case("after-oom", 200, 1, 2, 64, 64, DType::bf16, true), kSeed);
  EXPECT_EQ(r.status, CaseStatus::pass) << describe(r);
}

}  // namespace lasuite::gpu_test
