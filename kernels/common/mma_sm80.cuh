// Warp-level tensor-core and async-copy primitives that run on sm_80 and later (also sm_90):
// mma.sync m16n8k16 with fp32 accumulators, ldmatrix, cp.async. Fragment layouts (PTX ISA, "mma.m16n8k16"),
// with g = lane / 4 and t = lane % 4:
//   A 16x16 row-major, 4 x b32:  a0 (g, 2t..2t+1)  a1 (g+8, 2t..)  a2 (g, 2t+8..)  a3 (g+8, 2t+8..)
//   B 16x8 (k x n),    2 x b32:  b0 (k 2t..2t+1, n g)  b1 (k 2t+8.., n g)
//   C 16x8 fp32,       4 floats: c0 c1 (g, 2t..2t+1)  c2 c3 (g+8, 2t..2t+1)
#pragma once
#include <cstdint>

namespace lasuite::dev {

// A 16x8 fp32 accumulator tile.
struct Acc16x8 {
  float c[4];
};

// Element type tags for the mma: the 16-bit type of both operands.
struct MmaBf16 {};
struct MmaF16 {};

// d (the four floats of a C tile) += a b.
__device__ __forceinline__ void mma_16816(float& d0, float& d1, float& d2, float& d3, const uint32_t (&a)[4],
                                          const uint32_t (&b)[2], MmaBf16) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

__device__ __forceinline__ void mma_16816(float& d0, float& d1, float& d2, float& d3, const uint32_t (&a)[4],
                                          const uint32_t (&b)[2], MmaF16) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

template <class Tag>
__device__ __forceinline__ void mma_16816(Acc16x8& d, const uint32_t (&a)[4], const uint32_t (&b)[2], Tag tag) {
  mma_16816(d.c[0], d.c[1], d.c[2], d.c[3], a, b, tag);
}

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Four 8x8 b16 matrices; lane i gives the address of row (i % 8) of matrix (i / 8); register j gets
// matrix j's element (lane / 4, 2 * (lane % 4) ..+1), or with .trans the transposed element.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* row_addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(row_addr)));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* row_addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(row_addr)));
}

// 16-byte global -> shared copy that bypasses registers; src_bytes < 16 zero-fills the rest
// (src_bytes = 0 writes zeros without reading: out-of-range rows).
__device__ __forceinline__ void cp_async_16(void* smem_dst, const void* gmem_src, int src_bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr(smem_dst)), "l"(gmem_src),
               "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

}  // namespace lasuite::dev
