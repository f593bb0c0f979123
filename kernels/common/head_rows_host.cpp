#include "kernels/common/head_rows_host.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "harness/dtype.h"

namespace lasuite::host {

namespace {
template <class T>
constexpr DType dtype_of() {
  return std::is_same<T, double>::value ? DType::f64 : DType::f32;
}

size_t head_offset(const TensorView& t, int64_t bh, int64_t row0) {
  return static_cast<size_t>((bh * t.dims[2] + row0) * t.dims[3]);
}
}  // namespace

template <class T>
void convert_to(const void* src, DType src_type, T* dst, size_t count) {
  switch (src_type) {
    case DType::f64: {
      const double* s = static_cast<const double*>(src);
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<T>(s[i]);
      return;
    }
    case DType::f32: {
      const float* s = static_cast<const float*>(src);
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<T>(s[i]);
      return;
    }
    case DType::bf16: {
      const uint16_t* s = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<T>(bf16_bits_to_float(s[i]));
      return;
    }
    case DType::f16: {
      const uint16_t* s = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<T>(f16_bits_to_float(s[i]));
      return;
    }
  }
}

template <class T>
void convert_from(const T* src, void* dst, DType dst_type, size_t count) {
  switch (dst_type) {
    case DType::f64: {
      double* d = static_cast<double*>(dst);
      for (size_t i = 0; i < count; ++i) d[i] = static_cast<double>(src[i]);
      return;
    }
    case DType::f32: {
      float* d = static_cast<float*>(dst);
      for (size_t i = 0; i < count; ++i) d[i] = static_cast<float>(src[i]);
      return;
    }
    case DType::bf16: {
      uint16_t* d = static_cast<uint16_t*>(dst);
      for (size_t i = 0; i < count; ++i) d[i] = float_to_bf16_bits(static_cast<float>(src[i]));
      return;
    }
    case DType::f16: {
      uint16_t* d = static_cast<uint16_t*>(dst);
      for (size_t i = 0; i < count; ++i) d[i] = float_to_f16_bits(static_cast<float>(src[i]));
      return;
    }
  }
}

template <class T>
bool stores_as(const TensorView& t) {
  return t.dtype == dtype_of<T>();
}

template <class T>
const T* load_rows(const TensorView& t, int64_t bh, int64_t row0, int64_t rows, T* scratch) {
  size_t off = head_offset(t, bh, row0);
  if (stores_as<T>(t)) return t.as<const T>() + off;
  const char* base = static_cast<const char*>(t.data) + off * dtype_size(t.dtype);
  convert_to(base, t.dtype, scratch, static_cast<size_t>(rows * t.dims[3]));
  return scratch;
}

template <class T>
void store_rows(const TensorView& t, int64_t bh, int64_t row0, int64_t rows, const T* src) {
  size_t off = head_offset(t, bh, row0);
  char* base = static_cast<char*>(t.data) + off * dtype_size(t.dtype);
  convert_from(src, base, t.dtype, static_cast<size_t>(rows * t.dims[3]));
}

template <class T>
void load_head(const TensorView& t, int64_t bh, T* dst) {
  const char* base = static_cast<const char*>(t.data) + head_offset(t, bh, 0) * dtype_size(t.dtype);
  convert_to(base, t.dtype, dst, static_cast<size_t>(t.dims[2] * t.dims[3]));
}

template <class T>
void store_head(const TensorView& t, int64_t bh, const T* src) {
  store_rows(t, bh, 0, t.dims[2], src);
}

template <class T>
void load_head_or_zero(bool present, const TensorView& t, int64_t bh, T* dst, size_t count) {
  if (present) load_head(t, bh, dst);
  else std::fill(dst, dst + count, T(0));
}

#define LASUITE_INSTANTIATE(T)                                                                  \
  template void convert_to<T>(const void*, DType, T*, size_t);                                 \
  template void convert_from<T>(const T*, void*, DType, size_t);                               \
  template bool stores_as<T>(const TensorView&);                                               \
  template const T* load_rows<T>(const TensorView&, int64_t, int64_t, int64_t, T*);            \
  template void store_rows<T>(const TensorView&, int64_t, int64_t, int64_t, const T*);         \
  template void load_head<T>(const TensorView&, int64_t, T*);                                  \
  template void store_head<T>(const TensorView&, int64_t, const T*);                           \
  template void load_head_or_zero<T>(bool, const TensorView&, int64_t, T*, size_t);
LASUITE_INSTANTIATE(float)
LASUITE_INSTANTIATE(double)
#undef LASUITE_INSTANTIATE

}  // namespace lasuite::host
