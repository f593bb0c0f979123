// la2's passes as the backward builds them and the plans the H200 took for them in the measured record:
// what the cost model is held to without a GPU (la2_plan_host_test.cpp) and, on a GPU of 132 slots, with
// it (la2_plans_cuda_test.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/lightning2/la2_pass.h"

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
     "4 segments of 16 chunks, outputs on an earlier pass's segment data, "
     "wgmma, TMA, two output warpgroups",
     "4 segments of 16 chunks, states step by TMA then outputs, wgmma, TMA, "
     "dual output"},
    {1, 32, 16384, 128, "4 segments of 64 chunks, one pass (cooperative launch), wgmma, TMA",
     "4 segments of 64 chunks, outputs on an earlier pass's segment data, "
     "wgmma, TMA",
     "4 segments of 64 chunks, states step by TMA then outputs, wgmma, TMA, "
     "dual output"},
    {1, 32, 65536, 128, "4 segments of 256 chunks, one pass (cooperative launch), wgmma, TMA",
     "4 segments of 256 chunks, outputs on an earlier pass's segment data, "
     "wgmma, TMA",
     "4 segments of 256 chunks, states step in halves by TMA then outputs, "
     "wgmma, TMA, dual output"},
    {1, 32, 131072, 128,
     "4 segments of 512 chunks, states step in halves by TMA then outputs, "
     "wgmma, TMA",
     "4 segments of 512 chunks, outputs on an earlier pass's segment data, "
     "wgmma, TMA",
     "4 segments of 512 chunks, states step in halves by TMA then outputs, "
     "wgmma, TMA, dual output"},
    {8, 32, 8192, 128, "1 segment of 128 chunks, wgmma, TMA", "1 segment of 128 chunks, wgmma, TMA",
     "1 segment of 128 chunks, wgmma, TMA, dual output"},
    {1, 32, 65536, 64, "8 segments of 128 chunks, one pass (cooperative launch), wgmma, TMA",
     "8 segments of 128 chunks, outputs on an earlier pass's segment data, "
     "wgmma, TMA",
     "8 segments of 128 chunks, states step by TMA then outputs, wgmma, TMA, "
     "dual output"},
    {1, 16, 1048576, 128,
     "8 segments of 2048 chunks, states step in halves by TMA then outputs, "
     "wgmma, TMA",
     "8 segments of 2048 chunks, outputs on an earlier pass's segment data, "
     "wgmma, TMA",
     "33 segments of 497 chunks, states step by TMA, scan kernel, outputs, "
     "wgmma, TMA, dual output"},
};

}  // namespace lasuite::la2::recorded
