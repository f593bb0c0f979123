// A small builder over cuDNN's backend graph API (cudnn_graph.h descriptors), enough for the fused
// attention patterns of cudnn_sdpa_cuda.cpp: tensors by unique id, pointwise / reduction / matmul /
// reshape operations, an execution plan from the heuristics, and execution through a variant pack.
// Only compiled where cuDNN was found (LASUITE_HAVE_CUDNN).
#pragma once
#include <cudnn.h>
#include <cuda_runtime.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lasuite::cudnn {

// Throws std::runtime_error with cuDNN's own last message.
void check(cudnnStatus_t status, const char* what);

// An owned backend descriptor.
class Descriptor {
 public:
  explicit Descriptor(cudnnBackendDescriptorType_t type);
  ~Descriptor();
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  cudnnBackendDescriptor_t get() const { return d_; }
  Descriptor& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count, const void* v);
  Descriptor& set_desc(cudnnBackendAttributeName_t name, const Descriptor& other);
  Descriptor& set_i64(cudnnBackendAttributeName_t name, int64_t v) { return set(name, CUDNN_TYPE_INT64, 1, &v); }
  Descriptor& set_dtype(cudnnBackendAttributeName_t name, cudnnDataType_t t) {
    return set(name, CUDNN_TYPE_DATA_TYPE, 1, &t);
  }
  void finalize(const char* what);

 private:
  cudnnBackendDescriptor_t d_ = nullptr;
};

using Dims = std::array<int64_t, 4>;

// Row-major strides of dims.
Dims packed_strides(const Dims& dims);

class Graph {
 public:
  // A tensor; returns its unique id. Virtual tensors live only inside the fused kernel.
  int64_t tensor(const Dims& dims, const Dims& strides, cudnnDataType_t type, bool is_virtual);
  int64_t virtual_tensor(const Dims& dims, cudnnDataType_t type) {
    return tensor(dims, packed_strides(dims), type, true);
  }
  // A scalar passed by value at execution (its host address goes in the variant pack).
  int64_t scalar(cudnnDataType_t type = CUDNN_DATA_FLOAT);

  // y = mode(x [, b [, t]]); axis for GEN_INDEX; math precision float unless given.
  void pointwise(cudnnPointwiseMode_t mode, int64_t x, int64_t y, int64_t b = -1, int64_t t = -1, int64_t axis = -1,
                 cudnnDataType_t math = CUDNN_DATA_FLOAT);
  void reduction(cudnnReduceTensorOp_t op, int64_t x, int64_t y);
  void matmul(int64_t a, int64_t b, int64_t c);
  void reshape(int64_t x, int64_t y);

  // Builds the operation graph and the first execution plan the heuristics offer that finalizes.
  void build(cudnnHandle_t handle);
  int64_t workspace_bytes() const { return workspace_bytes_; }
  // Runs the plan; pointers in uid order of `uids`.
  void execute(cudnnHandle_t handle, const std::vector<int64_t>& uids, const std::vector<void*>& pointers,
               void* workspace) const;

 private:
  const Descriptor& desc(int64_t uid) const { return *tensors_.at(static_cast<size_t>(uid - 1)); }
  std::vector<std::unique_ptr<Descriptor>> tensors_;  // uid = index + 1
  std::vector<std::unique_ptr<Descriptor>> ops_;
  std::vector<std::unique_ptr<Descriptor>> attrs_;   // pointwise / reduction / matmul settings the ops refer to
  std::unique_ptr<Descriptor> graph_, plan_;
  int64_t workspace_bytes_ = 0;
};

}  // namespace lasuite::cudnn
