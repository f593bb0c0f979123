// Warpgroup tensor-core products (wgmma, sm_90a only) and the shared-memory descriptors they read.
// A warpgroup is 4 consecutive warps starting at a warp index divisible by 4; it computes
// D[64 x N] (+)= A[64 x 16] B[16 x N] asynchronously. A comes from shared memory (descriptor) or from
// registers, B always from shared memory. Accumulator layout (PTX ISA, "wgmma register fragments"),
// warp w of the group, g = lane / 4, t = lane % 4: d[4j + 0, 1] = (row 16w + g, cols 8j + 2t, +1),
// d[4j + 2, 3] = (row 16w + g + 8, same cols); an A register fragment is laid out as mma.m16n8k16's A
// for rows 16w .. 16w + 15.
//
// Everything here compiles to nothing outside the sm_90a target (LASUITE_WGMMA is 0 there); kernels
// that use it guard their bodies the same way and the host only launches them where an sm_90a image
// was loaded.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define LASUITE_WGMMA 1
#else
#define LASUITE_WGMMA 0
#endif

namespace lasuite::dev {

// Descriptor of an operand tile in the 128-byte-swizzled layout (sw128_tile.cuh): start address,
// "leading" and "stride" byte offsets (for K-major operands the stride is between groups of 8 rows
// and the leading offset is unused; for MN-major ones the leading offset is between 64-element column
// blocks and the stride between groups of 8 rows of K), layout type 1 = 128-byte swizzle.
__device__ __forceinline__ uint64_t sw128_desc(uint32_t smem_byte_addr, uint32_t leading_bytes, uint32_t stride_bytes) {
  return uint64_t((smem_byte_addr & 0x3FFFF) >> 4) | (uint64_t((leading_bytes >> 4) & 0x3FFF) << 16) |
         (uint64_t((stride_bytes >> 4) & 0x3FFF) << 32) | (uint64_t(1) << 62);
}

// Orders this warpgroup's register writes (accumulators, A fragments) before the wgmma that follows.
__device__ __forceinline__ void wgmma_fence() {
#if LASUITE_WGMMA
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void wgmma_commit() {
#if LASUITE_WGMMA
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
#endif
}
// Waits until at most N committed groups of this warpgroup are still running.
template <int N>
__device__ __forceinline__ void wgmma_wait() {
#if LASUITE_WGMMA
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
#endif
}
// Shared memory written by ordinary stores or cp.async that a wgmma reads next: each writing thread,
// after its writes completed and before the barrier that publishes them.
__device__ __forceinline__ void fence_proxy_async() {
#if LASUITE_WGMMA
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
}
// Four 8x8 b16 matrices from registers to shared memory (the inverse of ldmatrix): register j holds
// this thread's pair (row lane / 4, columns 2 (lane % 4) ..+1) of matrix j, and lane i gives the address
// of row i % 8 of matrix i / 8. Accumulator pairs go to a tile this way with 4 instructions instead of 16.
__device__ __forceinline__ void stmatrix_x4(void* row_addr, uint32_t r0, uint32_t r1, uint32_t r2, uint32_t r3) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1, %2, %3, %4};\n" ::"r"(
                   static_cast<uint32_t>(__cvta_generic_to_shared(row_addr))),
               "r"(r0), "r"(r1), "r"(r2), "r"(r3)
               : "memory");
#endif
}

// Named barrier `id` (1..15; 0 is __syncthreads') for `threads` threads that all reach it at this same
// instruction (bar.sync is the aligned form). Warps meeting from different places in the code need
// RoleBarrier (role_barrier.cuh) instead.
__device__ __forceinline__ void barrier_sync(int id, int threads) {
  asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}
// Keeps the compiler from moving reads or writes of accumulators across a wgmma wait: the asm that
// issued the wgmma "wrote" them, but the values arrive only at the wait.
template <int N>
__device__ __forceinline__ void wgmma_fence_regs(float (&d)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(d[i])::"memory");
}

// The same for A fragments read from registers: after the wait, so they stay where the wgmma reads them.
template <int M, int N>
__device__ __forceinline__ void wgmma_keep_regs(uint32_t (&r)[M][N]) {
#pragma unroll
  for (int i = 0; i < M; ++i)
#pragma unroll
    for (int j = 0; j < N; ++j) asm volatile("" : "+r"(r[i][j])::"memory");
}

// d[64 x N] (+)= A B with fp32 accumulators, for 16-bit A and B (N = 64, 96 or 128; an MN-major B of 96
// columns is one and a half 64-column blocks of the 128-byte swizzle, which the hardware reads as meant:
// measured, session 30). "ss": A from shared memory (K-major,
// stored [m][k]); "rs": A from registers. TB = 1: B is MN-major (stored [k][n]), 0: K-major ([n][k]).
// scale_d = 0 ignores d's old value. The operand lists are written out because inline asm needs them.
#define LASUITE_ACC8(d, i) \
  "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), "+f"(d[i + 4]), "+f"(d[i + 5]), "+f"(d[i + 6]), "+f"(d[i + 7])
#define LASUITE_ACC32(d) LASUITE_ACC8(d, 0), LASUITE_ACC8(d, 8), LASUITE_ACC8(d, 16), LASUITE_ACC8(d, 24)
#define LASUITE_ACC48(d) LASUITE_ACC32(d), LASUITE_ACC8(d, 32), LASUITE_ACC8(d, 40)
#define LASUITE_ACC64(d) LASUITE_ACC32(d), LASUITE_ACC8(d, 32), LASUITE_ACC8(d, 40), LASUITE_ACC8(d, 48), LASUITE_ACC8(d, 56)

#define LASUITE_WGMMA_D32 "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}"
#define LASUITE_WGMMA_D48 "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47}"
#define LASUITE_WGMMA_D64 "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}"

template <class T, int N, int TB>
struct Wgmma;

// The specialisations of one element type (PTX name TY, a string literal) and width N; NA = N / 2
// accumulators, then the operands numbered from NA on: A (descriptor, or 4 registers), B, scale_d
// (operand SCALE_SS or SCALE_RS), TB.
#define LASUITE_DEFINE_WGMMA(CTYPE, TY, N, DREGS, ACC, SCALE_SS, SCALE_RS)                                     \
  template <int TB>                                                                                            \
  struct Wgmma<CTYPE, N, TB> {                                                                                 \
    __device__ __forceinline__ static void ss(float (&d)[N / 2], uint64_t a, uint64_t b, int scale_d) {        \
      LASUITE_WGMMA_ASM("{\n.reg .pred p;\nsetp.ne.b32 p, " SCALE_SS ", 0;\n"                                  \
                        "wgmma.mma_async.sync.aligned.m64n" #N "k16.f32." TY "." TY " " DREGS ", "             \
                        LASUITE_WGMMA_SS_TAIL_##N ";\n}\n"                                                     \
                        : ACC(d)                                                                               \
                        : "l"(a), "l"(b), "r"(scale_d), "n"(TB));                                              \
    }                                                                                                          \
    __device__ __forceinline__ static void rs(float (&d)[N / 2], const uint32_t (&a)[4], uint64_t b,           \
                                              int scale_d) {                                                   \
      LASUITE_WGMMA_ASM("{\n.reg .pred p;\nsetp.ne.b32 p, " SCALE_RS ", 0;\n"                                  \
                        "wgmma.mma_async.sync.aligned.m64n" #N "k16.f32." TY "." TY " " DREGS ", "             \
                        LASUITE_WGMMA_RS_TAIL_##N ";\n}\n"                                                     \
                        : ACC(d)                                                                               \
                        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(scale_d), "n"(TB));          \
    }                                                                                                          \
  };
#if LASUITE_WGMMA
#define LASUITE_WGMMA_ASM(...) asm volatile(__VA_ARGS__)
#else
#define LASUITE_WGMMA_ASM(...)
#endif
// Operand numbers after the accumulators: "ss" A B scale TB, "rs" A0..A3 B scale TB.
#define LASUITE_WGMMA_SS_TAIL_64 "%32, %33, p, 1, 1, 0, %35"
#define LASUITE_WGMMA_RS_TAIL_64 "{%32, %33, %34, %35}, %36, p, 1, 1, %38"
#define LASUITE_WGMMA_SS_TAIL_96 "%48, %49, p, 1, 1, 0, %51"
#define LASUITE_WGMMA_RS_TAIL_96 "{%48, %49, %50, %51}, %52, p, 1, 1, %54"
#define LASUITE_WGMMA_SS_TAIL_128 "%64, %65, p, 1, 1, 0, %67"
#define LASUITE_WGMMA_RS_TAIL_128 "{%64, %65, %66, %67}, %68, p, 1, 1, %70"
#define LASUITE_DEFINE_WGMMA_TYPE(CTYPE, TY)                                                                   \
  LASUITE_DEFINE_WGMMA(CTYPE, TY, 64, LASUITE_WGMMA_D32, LASUITE_ACC32, "%34", "%37")                          \
  LASUITE_DEFINE_WGMMA(CTYPE, TY, 96, LASUITE_WGMMA_D48, LASUITE_ACC48, "%50", "%53")                          \
  LASUITE_DEFINE_WGMMA(CTYPE, TY, 128, LASUITE_WGMMA_D64, LASUITE_ACC64, "%66", "%69")
LASUITE_DEFINE_WGMMA_TYPE(__nv_bfloat16, "bf16")
LASUITE_DEFINE_WGMMA_TYPE(__half, "f16")

// A warpgroup's registers a thread raised (inc) or lowered (dec) to N, so warpgroups of one block split the launch's
// allotment by role (N a multiple of 8 in 24..256; every thread of the warpgroup executes it).
template <int N>
__device__ __forceinline__ void setmaxnreg_inc() {
  static_assert(N % 8 == 0 && N >= 24 && N <= 256, "setmaxnreg takes a multiple of 8 in 24..256");
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N) : "memory");
}
template <int N>
__device__ __forceinline__ void setmaxnreg_dec() {
  static_assert(N % 8 == 0 && N >= 24 && N <= 256, "setmaxnreg takes a multiple of 8 in 24..256");
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N) : "memory");
}

}  // namespace lasuite::dev
