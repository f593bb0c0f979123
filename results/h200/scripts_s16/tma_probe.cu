// Session 16: what a TMA tile load (cp.async.bulk.tensor, 128-byte swizzle, a 64 x 64 bf16 box) does
// at a negative row coordinate and past the last row, and whether it lands in the layout of
// kernels/common/sw128_tile.cuh. A probe for the la2 kernel's loads, not part of the suite.
// Build: nvcc -arch=sm_90a -std=c++17 tma_probe.cu -o tma_probe -lcuda
#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <vector>

__device__ uint32_t smem(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

__global__ void probe(const __grid_constant__ CUtensorMap map, int row0, uint16_t* out) {
  __shared__ alignas(1024) uint16_t tile[64 * 64];
  __shared__ alignas(8) uint64_t bar;
  if (threadIdx.x == 0) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;\n" ::"r"(smem(&bar)));
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smem(&bar)), "r"(8192) : "memory");
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n" ::"r"(
            smem(tile)),
        "l"(&map), "r"(0), "r"(row0), "r"(smem(&bar))
        : "memory");
  }
  asm volatile(
      "{\n .reg .pred p;\n WAIT:\n mbarrier.try_wait.parity.shared::cta.b64 p, [%0], 0;\n @!p bra WAIT;\n}\n" ::"r"(
          smem(&bar))
      : "memory");
  for (int i = threadIdx.x; i < 64 * 64; i += blockDim.x) out[i] = tile[i];
}

int main() {
  const int rows = 200, cols = 64;
  std::vector<uint16_t> h(rows * cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) h[r * cols + c] = static_cast<uint16_t>(r * cols + c + 1);
  uint16_t *d = nullptr, *o = nullptr;
  cudaMalloc(&d, h.size() * 2);
  cudaMalloc(&o, 64 * 64 * 2);
  cudaMemcpy(d, h.data(), h.size() * 2, cudaMemcpyHostToDevice);
  CUtensorMap map;
  cuuint64_t dims[2] = {cuuint64_t(cols), cuuint64_t(rows)};
  cuuint64_t strides[1] = {cuuint64_t(cols * 2)};
  cuuint32_t box[2] = {64, 64}, estr[2] = {1, 1};
  CUresult e = cuTensorMapEncodeTiled(&map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, d, dims, strides, box, estr,
                                      CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                                      CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  printf("encode: %d\n", int(e));
  for (int row0 : {0, -10, -63, 150, 37}) {
    cudaMemset(o, 0xff, 64 * 64 * 2);
    probe<<<1, 128>>>(map, row0, o);
    cudaError_t ce = cudaDeviceSynchronize();
    std::vector<uint16_t> t(64 * 64);
    cudaMemcpy(t.data(), o, t.size() * 2, cudaMemcpyDeviceToHost);
    int bad = 0, zeros = 0;
    for (int r = 0; r < 64; ++r)
      for (int c = 0; c < 64; ++c) {
        const int off = (r * 128 + ((((c >> 3) & 7) ^ (r & 7)) << 4) + (c & 7) * 2) / 2;  // Sw128Tile::offset
        const int g = row0 + r;
        const uint16_t want = (g >= 0 && g < rows) ? static_cast<uint16_t>(g * cols + c + 1) : 0;
        if (t[off] != want) ++bad;
        if (want == 0) ++zeros;
      }
    printf("row0 %4d: launch %s, %d of 4096 elements differ from the swizzled rows (zero-filled expected: %d)\n", row0,
           cudaGetErrorString(ce), bad, zeros);
  }
  return 0;
}
