// The host half of tensor_map.h: which tensors a map can describe, asked by plans made without a GPU
// (la2_plan_host.cpp); the encoder, which needs the driver, is in tensor_map_cuda.cpp.
#include <cstdint>

#include "kernels/common/tensor_map.h"

namespace lasuite::dev {

bool row_tiles_encodable(const void* base, int64_t cols, int64_t head_rows) {
  // The driver takes dims up to 2^32 and strides below 2^40 bytes; a box's row coordinate (an int, up to
  // a chunk past the last row) must not wrap.
  return reinterpret_cast<uintptr_t>(base) % 16 == 0 && cols > 0 && (cols * 2) % 16 == 0 && head_rows > 0 &&
         head_rows < (int64_t(1) << 31) - 128 && head_rows * cols * 2 < (int64_t(1) << 40);
}

}  // namespace lasuite::dev
