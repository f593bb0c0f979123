// Element types on the device: fp32 <-> bf16 / fp16 conversion, packing pairs for mma operands, and the
// hi + lo bf16 split that lets bf16 tensor cores multiply fp32 data to about 2^-16 relative error
// (a*b ~ ah*bh + ah*bl + al*bh; the dropped al*bl is below 2^-16 |a b|).
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "kernels/common/mma_sm80.cuh"

namespace lasuite::dev {

template <class T>
struct Element;

template <>
struct Element<__nv_bfloat16> {
  using Mma = MmaBf16;
  __device__ __forceinline__ static float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
  __device__ __forceinline__ static __nv_bfloat16 from_float(float x) { return __float2bfloat16_rn(x); }
  // Two floats as one b32 register of an mma operand (low half = first element).
  __device__ __forceinline__ static uint32_t pack(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
  __device__ __forceinline__ static float2 unpack(uint32_t r) {
    return __bfloat1622float2(*reinterpret_cast<__nv_bfloat162*>(&r));
  }
  // Eight elements (16 bytes, 16-byte aligned) added into global memory, each pair's add atomic.
  __device__ __forceinline__ static void add_to(void* dst, uint4 v) {
    asm volatile("red.global.add.noftz.v4.bf16x2 [%0], {%1, %2, %3, %4};\n" ::"l"(dst), "r"(v.x), "r"(v.y), "r"(v.z),
                 "r"(v.w)
                 : "memory");
  }
};

template <>
struct Element<__half> {
  using Mma = MmaF16;
  __device__ __forceinline__ static float to_float(__half x) { return __half2float(x); }
  __device__ __forceinline__ static __half from_float(float x) { return __float2half_rn(x); }
  __device__ __forceinline__ static uint32_t pack(float lo, float hi) {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
  __device__ __forceinline__ static float2 unpack(uint32_t r) { return __half22float2(*reinterpret_cast<__half2*>(&r)); }
  __device__ __forceinline__ static void add_to(void* dst, uint4 v) {
    asm volatile("red.global.add.noftz.v4.f16x2 [%0], {%1, %2, %3, %4};\n" ::"l"(dst), "r"(v.x), "r"(v.y), "r"(v.z),
                 "r"(v.w)
                 : "memory");
  }
};

template <>
struct Element<float> {
  using Mma = MmaBf16;  // through the hi + lo split
  __device__ __forceinline__ static float to_float(float x) { return x; }
  __device__ __forceinline__ static float from_float(float x) { return x; }
};

// x = hi + lo + O(2^-17 |x|), both bf16, packed for a pair of elements.
struct SplitPair {
  uint32_t hi, lo;
};
__device__ __forceinline__ SplitPair split_bf16x2(float x0, float x1) {
  __nv_bfloat162 h = __floats2bfloat162_rn(x0, x1);
  float2 hf = __bfloat1622float2(h);
  __nv_bfloat162 l = __floats2bfloat162_rn(x0 - hf.x, x1 - hf.y);
  return {*reinterpret_cast<uint32_t*>(&h), *reinterpret_cast<uint32_t*>(&l)};
}

// Stores two adjacent elements (8 or 4 bytes, aligned) converted from fp32.
template <class T>
__device__ __forceinline__ void store_pair(T* dst, float x0, float x1);
template <>
__device__ __forceinline__ void store_pair<float>(float* dst, float x0, float x1) {
  *reinterpret_cast<float2*>(dst) = make_float2(x0, x1);
}
template <>
__device__ __forceinline__ void store_pair<__nv_bfloat16>(__nv_bfloat16* dst, float x0, float x1) {
  *reinterpret_cast<__nv_bfloat162*>(dst) = __floats2bfloat162_rn(x0, x1);
}
template <>
__device__ __forceinline__ void store_pair<__half>(__half* dst, float x0, float x1) {
  *reinterpret_cast<__half2*>(dst) = __floats2half2_rn(x0, x1);
}

}  // namespace lasuite::dev
