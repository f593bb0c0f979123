// cuDNN backend graph builder (see cudnn_graph.h); empty where cuDNN was not found at build time.
#ifdef LASUITE_HAVE_CUDNN
#include "baselines/cuda/cudnn_graph.h"

#include <stdexcept>
#include <string>

namespace lasuite::cudnn {

void check(cudnnStatus_t status, const char* what) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  char detail[512] = {0};
  cudnnGetLastErrorString(detail, sizeof detail);
  throw std::runtime_error(std::string("cuDNN: ") + what + " failed: " + cudnnGetErrorString(status) +
                           (detail[0] ? std::string(" (") + detail + ")" : std::string()));
}

namespace {
std::string last_error() {
  char detail[512] = {0};
  cudnnGetLastErrorString(detail, sizeof detail);
  return detail;
}
}  // namespace

Descriptor::Descriptor(cudnnBackendDescriptorType_t type) {
  check(cudnnBackendCreateDescriptor(type, &d_), "cudnnBackendCreateDescriptor");
}
Descriptor::~Descriptor() {
  if (d_) cudnnBackendDestroyDescriptor(d_);
}
Descriptor& Descriptor::set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count,
                            const void* v) {
  const cudnnStatus_t s = cudnnBackendSetAttribute(d_, name, type, count, v);
  if (s != CUDNN_STATUS_SUCCESS) check(s, ("cudnnBackendSetAttribute " + std::to_string(name)).c_str());
  return *this;
}
Descriptor& Descriptor::set_desc(cudnnBackendAttributeName_t name, const Descriptor& other) {
  cudnnBackendDescriptor_t o = other.get();
  return set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &o);
}
void Descriptor::finalize(const char* what) { check(cudnnBackendFinalize(d_), what); }

Dims packed_strides(const Dims& d) { return {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1}; }

int64_t Graph::tensor(const Dims& dims, const Dims& strides, cudnnDataType_t type, bool is_virtual) {
  const int64_t uid = static_cast<int64_t>(tensors_.size()) + 1;
  auto t = std::make_unique<Descriptor>(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  const int64_t alignment = 16;
  const bool virt = is_virtual;
  t->set_dtype(CUDNN_ATTR_TENSOR_DATA_TYPE, type)
      .set(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims.data())
      .set(CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides.data())
      .set_i64(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
      .set_i64(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, alignment)
      .set(CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &virt);
  t->finalize("tensor descriptor");
  tensors_.push_back(std::move(t));
  return uid;
}

int64_t Graph::scalar(cudnnDataType_t type) {
  const int64_t uid = static_cast<int64_t>(tensors_.size()) + 1;
  auto t = std::make_unique<Descriptor>(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  const Dims ones{1, 1, 1, 1};
  const bool by_value = true, virt = false;
  t->set_dtype(CUDNN_ATTR_TENSOR_DATA_TYPE, type)
      .set(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, ones.data())
      .set(CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, ones.data())
      .set_i64(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
      .set_i64(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, 16)
      .set(CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &virt)
      .set(CUDNN_ATTR_TENSOR_IS_BY_VALUE, CUDNN_TYPE_BOOLEAN, 1, &by_value);
  t->finalize("by-value tensor descriptor");
  tensors_.push_back(std::move(t));
  return uid;
}

void Graph::pointwise(cudnnPointwiseMode_t mode, int64_t x, int64_t y, int64_t b, int64_t t, int64_t axis,
                      cudnnDataType_t math) {
  auto pw = std::make_unique<Descriptor>(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  pw->set(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode).set_dtype(CUDNN_ATTR_POINTWISE_MATH_PREC, math);
  if (axis >= 0) pw->set_i64(CUDNN_ATTR_POINTWISE_AXIS, axis);
  pw->finalize("pointwise descriptor");
  auto op = std::make_unique<Descriptor>(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
  const float one = 1.f;
  op->set_desc(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, *pw)
      .set_desc(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, desc(x))
      .set_desc(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, desc(y))
      .set(CUDNN_ATTR_OPERATION_POINTWISE_ALPHA1, CUDNN_TYPE_FLOAT, 1, &one)
      .set(CUDNN_ATTR_OPERATION_POINTWISE_ALPHA2, CUDNN_TYPE_FLOAT, 1, &one);
  if (b > 0) op->set_desc(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, desc(b));
  if (t > 0) op->set_desc(CUDNN_ATTR_OPERATION_POINTWISE_TDESC, desc(t));
  op->finalize("pointwise operation");
  attrs_.push_back(std::move(pw));
  ops_.push_back(std::move(op));
}

void Graph::reduction(cudnnReduceTensorOp_t red, int64_t x, int64_t y) {
  auto rd = std::make_unique<Descriptor>(CUDNN_BACKEND_REDUCTION_DESCRIPTOR);
  rd->set(CUDNN_ATTR_REDUCTION_OPERATOR, CUDNN_TYPE_REDUCTION_OPERATOR_TYPE, 1, &red)
      .set_dtype(CUDNN_ATTR_REDUCTION_COMP_TYPE, CUDNN_DATA_FLOAT);
  rd->finalize("reduction descriptor");
  auto op = std::make_unique<Descriptor>(CUDNN_BACKEND_OPERATION_REDUCTION_DESCRIPTOR);
  op->set_desc(CUDNN_ATTR_OPERATION_REDUCTION_XDESC, desc(x))
      .set_desc(CUDNN_ATTR_OPERATION_REDUCTION_YDESC, desc(y))
      .set_desc(CUDNN_ATTR_OPERATION_REDUCTION_DESC, *rd);
  op->finalize("reduction operation");
  attrs_.push_back(std::move(rd));
  ops_.push_back(std::move(op));
}

void Graph::matmul(int64_t a, int64_t b, int64_t c) {
  auto mm = std::make_unique<Descriptor>(CUDNN_BACKEND_MATMUL_DESCRIPTOR);
  mm->set_dtype(CUDNN_ATTR_MATMUL_COMP_TYPE, CUDNN_DATA_FLOAT);
  mm->finalize("matmul descriptor");
  auto op = std::make_unique<Descriptor>(CUDNN_BACKEND_OPERATION_MATMUL_DESCRIPTOR);
  op->set_desc(CUDNN_ATTR_OPERATION_MATMUL_ADESC, desc(a))
      .set_desc(CUDNN_ATTR_OPERATION_MATMUL_BDESC, desc(b))
      .set_desc(CUDNN_ATTR_OPERATION_MATMUL_CDESC, desc(c))
      .set_desc(CUDNN_ATTR_OPERATION_MATMUL_DESC, *mm);
  op->finalize("matmul operation");
  attrs_.push_back(std::move(mm));
  ops_.push_back(std::move(op));
}

void Graph::reshape(int64_t x, int64_t y) {
  auto op = std::make_unique<Descriptor>(CUDNN_BACKEND_OPERATION_RESHAPE_DESCRIPTOR);
  op->set_desc(CUDNN_ATTR_OPERATION_RESHAPE_XDESC, desc(x)).set_desc(CUDNN_ATTR_OPERATION_RESHAPE_YDESC, desc(y));
  op->finalize("reshape operation");
  ops_.push_back(std::move(op));
}

void Graph::build(cudnnHandle_t handle) {
  std::vector<cudnnBackendDescriptor_t> ops;
  for (const auto& op : ops_) ops.push_back(op->get());
  graph_ = std::make_unique<Descriptor>(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  graph_->set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, static_cast<int64_t>(ops.size()), ops.data())
      .set(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle);
  graph_->finalize("operation graph");

  // The fused attention engines come from heuristics mode A; fall back to the fallback list if none
  // of those finalizes, and report every refusal if nothing does.
  std::string errors;
  for (const cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
    Descriptor heur(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
    heur.set_desc(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, *graph_).set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode);
    if (cudnnBackendFinalize(heur.get()) != CUDNN_STATUS_SUCCESS) {
      errors += std::string(" [heuristics mode ") + std::to_string(mode) + ": " + last_error() + "]";
      continue;
    }
    int64_t count = 0;
    check(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count,
                                   nullptr),
          "engine heuristics count");
    std::vector<std::unique_ptr<Descriptor>> configs;
    std::vector<cudnnBackendDescriptor_t> raw;
    for (int64_t i = 0; i < count; ++i) {
      configs.push_back(std::make_unique<Descriptor>(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR));
      raw.push_back(configs.back()->get());
    }
    if (count > 0)
      check(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, count,
                                     &count, raw.data()),
            "engine heuristics results");
    errors += " [mode " + std::to_string(mode) + ": " + std::to_string(count) + " configs]";
    for (int64_t i = 0; i < count; ++i) {
      auto plan = std::make_unique<Descriptor>(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
      plan->set(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &handle)
          .set_desc(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, *configs[static_cast<size_t>(i)]);
      const cudnnStatus_t s = cudnnBackendFinalize(plan->get());
      if (s != CUDNN_STATUS_SUCCESS) {
        errors += std::string(" [") + cudnnGetErrorString(s) + ": " + last_error() + "]";
        continue;
      }
      int64_t ws = 0, got = 0;
      check(cudnnBackendGetAttribute(plan->get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1, &got,
                                     &ws),
            "plan workspace size");
      workspace_bytes_ = ws;
      plan_ = std::move(plan);
      return;
    }
  }
  throw std::runtime_error("cuDNN: no engine runs this attention graph:" + errors);
}

void Graph::execute(cudnnHandle_t handle, const std::vector<int64_t>& uids, const std::vector<void*>& pointers,
                    void* workspace) const {
  Descriptor pack(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  pack.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, static_cast<int64_t>(uids.size()), uids.data())
      .set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, static_cast<int64_t>(pointers.size()),
           pointers.data())
      .set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace);
  pack.finalize("variant pack");
  check(cudnnBackendExecute(handle, plan_->get(), pack.get()), "cudnnBackendExecute");
}

}  // namespace lasuite::cudnn
#endif  // LASUITE_HAVE_CUDNN
