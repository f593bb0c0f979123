// Step (2) of a segmented pass (la2_pass.h, run_pass): the scan over segments, S_start[s + 1] =
// lambda^(L_s) S_start[s] + dS_s, as a kernel of its own, where the output blocks do not sum the
// increments ahead of them themselves (PassPlan::scan_in_kernel false).
#pragma once
#include <cstdint>

namespace lasuite::la2 {

struct ScanArgs {
  float* buf;  // [bh][segments][dk*dv] in StateView's blocks: dS_s in, S_start[s] out where s is a multiple of `every`
  int segments;
  int every;   // output segments start at every `every`-th segment: only those starts are written
  int64_t seg_rows, n;
  int elems;  // dk * dv
  int heads;
  const float* slopes;
  const float* init;
  int64_t init_rs, init_cs;
  int dv;
  int init_shift;
  float* fin;
  int fin_power;
};

// Enqueues the scan over a.elems state elements of each of `bh` (batch, head) rows on `stream` (a
// cudaStream_t); early_start: it may start beside the kernel ahead (the states-only step), and waits in
// the kernel for what that writes.
void launch_segment_scan(const ScanArgs& a, int64_t bh, bool early_start, void* stream);

}  // namespace lasuite::la2
