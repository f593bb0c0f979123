// The tensor maps of tensor_map.h, encoded through the driver entry point that the runtime hands out
// (no link against libcuda).
#include "kernels/common/tensor_map.h"

#include <cuda.h>
#include <cuda_runtime.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

namespace lasuite::dev {
namespace {

using EncodeTiled = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                 const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                 CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

EncodeTiled lookup_encode_tiled() {
  static std::once_flag once;
  static EncodeTiled fn = nullptr;
  std::call_once(once, [] {
    void* p = nullptr;
    cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
    const cudaError_t e = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &found);
    if (e == cudaSuccess && found == cudaDriverEntryPointSuccess) fn = reinterpret_cast<EncodeTiled>(p);
    if (e != cudaSuccess) cudaGetLastError();  // this call's error only, not to be reported by a later check
  });
  return fn;
}

EncodeTiled encode_tiled() {
  const EncodeTiled fn = lookup_encode_tiled();
  if (!fn) throw std::runtime_error("tensor maps: the driver has no cuTensorMapEncodeTiled");
  return fn;
}

}  // namespace

bool tensor_maps_available() { return lookup_encode_tiled() != nullptr; }

TensorMap rows_of_heads(const void* base, int64_t cols, int64_t rows, int64_t heads, int64_t head_rows,
                        int box_rows, MapElements elements) {
  static_assert(sizeof(CUtensorMap) == sizeof(TensorMap) && alignof(CUtensorMap) == alignof(TensorMap),
                "TensorMap holds a CUtensorMap");
  if (!row_tiles_encodable(base, cols, head_rows))
    throw std::runtime_error("tensor maps: a tensor at an address or row stride not a multiple of 16 bytes");
  const cuuint64_t dims[3] = {cuuint64_t(cols), cuuint64_t(rows), cuuint64_t(heads)};
  const cuuint64_t strides[2] = {cuuint64_t(cols) * 2, cuuint64_t(head_rows) * cuuint64_t(cols) * 2};
  const cuuint32_t box[3] = {64, cuuint32_t(box_rows), 1}, unit[3] = {1, 1, 1};
  const CUtensorMapDataType type = elements == MapElements::bf16  ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
                                   : elements == MapElements::f16 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16
                                                                  : CU_TENSOR_MAP_DATA_TYPE_UINT16;
  CUtensorMap map;
  const CUresult r = encode_tiled()(&map, type, 3, const_cast<void*>(base), dims, strides,
                                    box, unit, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                                    CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS)
    throw std::runtime_error("tensor maps: cuTensorMapEncodeTiled refused a [" + std::to_string(heads) + "][" +
                             std::to_string(rows) + "][" + std::to_string(cols) + "] tensor (CUresult " +
                             std::to_string(int(r)) + ")");
  TensorMap out;
  std::memcpy(&out, &map, sizeof map);
  return out;
}

}  // namespace lasuite::dev
