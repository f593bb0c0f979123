// The scan kernel of la2_segment_scan.h.
#include <cuda_runtime.h>

#include "kernels/common/grid_dependency.cuh"
#include "kernels/common/kernel_launch.cuh"
#include "kernels/lightning2/la2_segment_scan.h"
#include "kernels/lightning2/la2_state_layout.h"

namespace lasuite::la2 {
namespace {

// One thread per state element and head; sequential over the segments. Launched to start early
// (programmatic dependent launch): it lets the output kernel get ready at once, and waits for the
// states-only kernel's increments before reading them. The increments are loaded kScanGroup segments at
// a time, before the stores that replace them with start states: one at a time, each load waited behind
// the store before it (the compiler cannot tell the slots apart), and the kernel ran 120 us at 7 % of
// DRAM at b1 h16 d128 n1M (33 segments; session 22, ncu), the output step's blocks all waiting for it.
constexpr int kScanGroup = 8;
__global__ void segment_scan_kernel(const ScanArgs a) {
  dev::allow_dependent_launch();
  dev::grid_dependency_wait();
  const int elem = blockIdx.x * blockDim.x + threadIdx.x;
  if (elem >= a.elems) return;
  const int64_t bh = blockIdx.y;
  // The segment data is blocked: its element elem is the state's (r, c).
  const int r = state_layout::blocked_row(elem, a.dv), c = state_layout::blocked_col(elem, a.dv);
  const float slope = a.slopes ? a.slopes[bh % a.heads] : 0.f;
  float run = a.init ? a.init[bh * a.elems + r * a.init_rs + c * a.init_cs] : 0.f;
  float* p = a.buf + bh * a.segments * int64_t(a.elems) + elem;
  for (int s0 = 0; s0 < a.segments; s0 += kScanGroup) {
    float inc[kScanGroup];
#pragma unroll
    for (int j = 0; j < kScanGroup; ++j) {
      const int s = s0 + j;
      inc[j] = s < a.segments && (s + 1 < a.segments || a.fin) ? p[int64_t(s) * a.elems] : 0.f;
    }
#pragma unroll
    for (int j = 0; j < kScanGroup; ++j) {
      const int s = s0 + j;
      if (s >= a.segments) break;
      const int64_t rows = s + 1 < a.segments ? a.seg_rows : a.n - a.seg_rows * (a.segments - 1);
      if (s % a.every == 0) p[int64_t(s) * a.elems] = run;
      const float steps = static_cast<float>(rows - (s == 0 && a.init ? a.init_shift : 0));
      run = expf(-slope * steps) * run + inc[j];
    }
  }
  if (a.fin) a.fin[bh * a.elems + r * a.dv + c] = run * expf(-slope * static_cast<float>(a.fin_power));
}

}  // namespace

void launch_segment_scan(const ScanArgs& a, int64_t bh, bool early_start, void* stream) {
  ScanArgs copy = a;
  void* params[] = {&copy};
  dev::launch_kernel(reinterpret_cast<const void*>(&segment_scan_kernel),
                     dim3(static_cast<unsigned>((a.elems + 255) / 256), static_cast<unsigned>(bh)), dim3(256), 0, params,
                     early_start, /*cooperative=*/false, static_cast<cudaStream_t>(stream));
}

}  // namespace lasuite::la2
