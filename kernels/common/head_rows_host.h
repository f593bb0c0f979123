// Host-side access to one head of a [batch, heads, seqlen, dim] tensor in a compute type, whatever
// the storage type: the CPU implementations compute in double for f64 and in float for the rest
// (bf16/f16 are storage only: loaded into float, stored back rounded to nearest even).
#pragma once
#include <cstddef>
#include <cstdint>

#include "harness/tensor.h"

namespace lasuite::host {

// Element-wise conversion between any storage type and the compute type T (float or double).
template <class T>
void convert_to(const void* src, DType src_type, T* dst, size_t count);
template <class T>
void convert_from(const T* src, void* dst, DType dst_type, size_t count);

// True when the tensor's storage already is T, so rows can be used in place.
template <class T>
bool stores_as(const TensorView& t);

// Rows [row0, row0 + rows) of head bh (= batch * heads + head) as T. Points into the tensor when it
// already holds T; otherwise converts into scratch (rows * cols elements) and returns scratch.
template <class T>
const T* load_rows(const TensorView& t, int64_t bh, int64_t row0, int64_t rows, T* scratch);

// Writes rows [row0, row0 + rows) of head bh, rounding to the tensor's dtype.
template <class T>
void store_rows(const TensorView& t, int64_t bh, int64_t row0, int64_t rows, const T* src);

// The whole [rows, cols] matrix of head bh (a state [b, h, d, e]), converted into dst / from src.
template <class T>
void load_head(const TensorView& t, int64_t bh, T* dst);
template <class T>
void store_head(const TensorView& t, int64_t bh, const T* src);
// load_head where the state is given (`present`), else count zeros: an absent state is a zero one.
template <class T>
void load_head_or_zero(bool present, const TensorView& t, int64_t bh, T* dst, size_t count);

}  // namespace lasuite::host
