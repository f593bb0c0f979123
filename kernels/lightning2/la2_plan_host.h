// The cost model that chooses a pass's plan (PassPlan), apart from the CUDA runtime: what it asks of the
// device (its SMs, shared memory, which image a kernel loaded, how many blocks fit an SM) comes in a
// PlanDevice, so the choices run, and are tested, without a GPU (tests/kernels/lightning2/
// la2_plan_host_test.cpp). plan_pass (la2_pass_cuda.cpp) fills one from the device it runs on.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "kernels/lightning2/la2_chunk_launch.h"
#include "kernels/lightning2/la2_pass.h"

namespace lasuite::la2 {

constexpr int kBlockThreads = 256;  // a chunk kernel's block: two warpgroups

// What the cost model asks of a device.
struct PlanDevice {
  std::string name;           // for messages
  int sms = 0;                // streaming multiprocessors
  size_t smem_optin = 0;      // shared memory a block may opt into
  int major = 0, minor = 0;   // compute capability
  bool cooperative_launch = false;
  bool tensor_maps = false;   // the driver encodes tensor maps (dev::tensor_maps_available)
  // Whether the image loaded for this kernel is its sm_90a one (the wgmma kernels' bodies are empty in
  // any other).
  std::function<bool(const void* func)> image_is_sm90a;
  // How many blocks of `threads` threads with `smem` bytes of dynamic shared memory fit an SM (at least 1).
  std::function<int(const void* func, size_t smem, int threads)> blocks_per_sm;
};

// plan_pass on `device` with the pass's kernels `k` (pass_kernels): throws UnsupportedError for a pass
// without a kernel here or one past the device's shared memory, std::logic_error for arguments no kernel
// takes together.
PassPlan choose_plan(const PassArgs& p, const ChunkKernel& k, const PlanOptions& options, const PlanDevice& device,
                     const PassPlan* like = nullptr);

// Whether the Hopper (wgmma) kernels of `k` run on `device`.
bool wgmma_usable(const ChunkKernel& k, const PlanDevice& device);
// Whether the output step moves its tiles by TMA (PassPlan::tma), `tensor_maps` as PlanDevice's.
bool tma_usable(const PassArgs& p, const ChunkKernel& k, const PlanOptions& o, const PassPlan& plan, bool tensor_maps);

// The kernels a plan launches, and its block of the output step.
const void* output_kernel(const ChunkKernel& k, const PassPlan& plan, bool reverse);
int output_threads(const ChunkKernel& k, const PassPlan& plan);
const void* states_kernel(const ChunkKernel& k, const PassPlan& plan, bool reverse);

// The pass's geometry: states-only segments over `nchunks` chunks; block rows (a (batch, head) and value
// tile each); rows from one (batch, head) to the next; the tensors' own widths.
int64_t fine_segments(const PassPlan& plan, int64_t nchunks);
int64_t grid_bh(const PassArgs& p);
int64_t head_rows(const PassArgs& p);
int width_qk(const PassArgs& p);
int width_v(const PassArgs& p);
int width_o(const PassArgs& p);
// Windowed only for widths narrower than the kernel's, read in place.
bool narrow_in_place(const PassArgs& p);

}  // namespace lasuite::la2
