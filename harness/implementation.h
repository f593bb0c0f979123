// The one interface every attention implementation meets, CPU or GPU, ours or a vendor's.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/memory.h"
#include "harness/problem.h"
#include "harness/tensor.h"

namespace lasuite {

// What an implementation can compute; the harness refuses other problems before calling it.
struct Support {
  std::vector<DType> dtypes;
  std::vector<int64_t> dims_qk;   // allowed d; empty = any
  std::vector<int64_t> dims_v;    // allowed e; empty = any
  bool distinct_v_dim = true;     // e may differ from d
  bool decay = true;              // per-head slopes other than 0
  bool scale = true;              // a scale other than the default
  bool state = false;             // initial state in / final state out
  bool backward = true;
  bool packed = false;            // packed variable-length batches (Problem::cu_seqlens)
  bool state_in_place = false;    // state_out may be the same memory as state_in (a decode step in place)
  bool kv_cache = false;          // softmax decoding: keys and values with Problem::context cached rows (forward)
  int64_t max_dim = 0;            // the largest d and e taken (0: no limit); with empty lists, any dim up to it
};

// A choice an experiment may make for one implementation (`--impl-option key=value`): a plan, a
// kernel family, a split. Shown by `lasuite list` and recorded in every result file.
struct ImplOption {
  std::string key;
  std::string accepted;       // what values it takes, for people: "auto|mma", "auto or 1..256"
  std::string default_value;  // what the implementation does when the option is not given
  std::string help;           // one line
};

struct ImplInfo {
  std::string name;         // registry key, e.g. "la2_cpu", "la2"
  std::string description;  // one line for `lasuite list`
  DeviceKind device = DeviceKind::cpu;
  Function function = Function::linear_decay;
  Support support;
  std::vector<ImplOption> options;
};

// Tensors are [batch, heads, seqlen, dim] row-major on the implementation's device. slopes is [heads]
// fp32 on the device (present for linear attention, zeros for no decay). States are [b, h, d, e] fp32,
// [N, h, d, e] for a packed problem (its tensors [1, h, total, dim], Problem::cu_seqlens).
struct ForwardIO {
  TensorView q, k, v;
  TensorView slopes;
  TensorView state_in;   // undefined unless problem.state_in
  TensorView o;          // written
  TensorView state_out;  // written, undefined unless problem.state_out
};

struct BackwardIO {
  TensorView q, k, v, o;
  TensorView slopes;
  TensorView state_in;    // as in the forward
  TensorView dout;
  TensorView dstate_out;  // cotangent of the final state, undefined unless problem.state_out
  TensorView dq, dk, dv;  // written
  TensorView dstate_in;   // written, undefined unless problem.state_in
};

// Whatever the forward keeps for the backward (log-sum-exp, chunk states); counted as extra memory.
struct Saved {
  virtual ~Saved() = default;
};

// The work model of shared/design/math.md for a whole problem (all batches and heads).
struct Work {
  double fwd_flops = 0, bwd_flops = 0;
  double fwd_bytes = 0, bwd_bytes = 0;  // the fewest bytes each pass must move (inputs read, outputs written)
};
// math.md's models; implementations pick theirs in work().
Work linear_block_work(const Problem& p, int64_t block);  // LA-2 and the cumsum recurrence (block 1)
Work linear_quadratic_work(const Problem& p);             // left product over the causal half (LA-1, vanilla)
Work softmax_causal_work(const Problem& p);

class Implementation {
 public:
  virtual ~Implementation() = default;
  virtual const ImplInfo& info() const = 0;

  // nullopt when the problem can run; else why not (shape, dtype, or memory it would need).
  // The default checks info().support; implementations add their own limits on top.
  virtual std::optional<std::string> unsupported(const Problem& p) const;

  // Default: linear_block_work(p, 64) for linear attention, softmax_causal_work(p) for softmax.
  virtual Work work(const Problem& p) const;

  // Sets one of info().options for every call after it. A value the key does not take is a UsageError
  // that says what it takes. The harness checks the key against info().options first; the default
  // (an implementation without options) refuses every key.
  virtual void set_option(const std::string& key, const std::string& value);

  // Both must be asynchronous on the device where they can be: the harness synchronises and times.
  virtual std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) = 0;
  virtual void backward(const Problem& p, const BackwardIO& io, Saved* saved, Workspace& ws) = 0;

  // What the most recent forward and backward ran, in words, or "" where the implementation does not say:
  // `lasuite bench` records it in each row (`plan`), so a result file says which plan a figure measured.
  virtual std::string plan_text() const { return {}; }
};

}  // namespace lasuite
