// A kernel that keeps some of the GPU's multiprocessors busy for a while, for tests that must show a
// kernel of ours completes beside other work on the device (another stream, fewer free SMs).
#pragma once

namespace lasuite::test_support {

// Enqueues on `stream` (a cudaStream_t) `blocks` thread blocks that each spin for `ms` milliseconds of
// the GPU's global timer, each holding `smem_bytes` of shared memory (so that few share an SM).
void launch_busy_kernel(void* stream, int blocks, double ms, int smem_bytes);

}  // namespace lasuite::test_support
