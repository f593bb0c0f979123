// Host-side access to one head of a [batch, heads, seqlen, dim] tensor in a compute type, whatever
// the storage type: the CPU implementations compute in double for f64 and in float for the rest
// (bf16/f16 are storage only: loaded into float, stored back rounded to nearest even).
#pragma once
#include <cstddef>
#include <cstdint>

#include "harness/problem.h"
#include "harness/tensor.h"

namespace lasuite::host {

// One task of a CPU implementation: one sequence of one head, rows [row0, row0 + n) of head rows_bh of
// the row tensors, its states at entry state_bh. Dense: task = batch x head, all seqlen rows; packed
// (Problem::cu_seqlens): head h of the single batch entry, sequence i's rows, states entry i * heads + h.
// Tasks run from 0 to sequences() * heads.
struct HeadSpan {
  int64_t rows_bh, row0, n, state_bh, head;
};
inline HeadSpan span_of(const Problem& p, int64_t task) {
  const int64_t seq = task / p.heads, h = task % p.heads;
  if (!p.packed()) return {task, 0, p.seqlen, task, h};
  return {h, p.sequence_begin(seq), p.sequence_length(seq), task, h};
}

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
