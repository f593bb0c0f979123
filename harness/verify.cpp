// verify_case: one implementation on one case against the float64 reference.
//
// The implementation runs on its own device over the whole problem; the reference runs on the host
// over the compared (batch, head) slices only, from inputs regenerated bit for bit (random_stream.h),
// so a 128k-token case never needs a float64 copy of a whole tensor. Every output is poisoned with
// NaN bytes first and scanned whole afterwards, so an element left unwritten fails even outside the
// compared heads.
#include "harness/verify.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/errors.h"
#include "harness/host_memory.h"
#include "harness/memory.h"
#include "harness/parallel.h"
#include "harness/process_group.h"
#include "harness/random_stream.h"
#include "reference/linear_attention.h"
#include "reference/softmax_attention.h"

namespace lasuite {
namespace {

using reference::Mat;

// One random stream per input tensor: the same seed gives the device and the reference the same values.
enum Stream : uint64_t { kQ = 1, kK, kV, kDout, kStateIn, kDstateOut };

struct DeviceTensor {
  Buffer buffer;
  TensorView view;
};

DeviceTensor allocate(Workspace& ws, MemoryCategory category, DType dtype, DeviceKind device,
                      std::array<int64_t, 4> dims) {
  DeviceTensor t;
  t.view.dtype = dtype;
  t.view.device = device;
  t.view.dims = dims;
  t.buffer = ws.allocate(t.view.bytes(), category);
  t.view.data = t.buffer.data();
  return t;
}

// What the checks compare, in report order.
enum Output { kO, kStateOut, kDq, kDk, kDv, kDstateIn, kOutputCount };
const char* const kOutputNames[kOutputCount] = {"O", "S_out", "dQ", "dK", "dV", "dS_in"};
// Rows a block of TensorCheck::worst_rows_rel holds: a chunk of the chunked kernels, so a chunk's rows wrong show.
constexpr int64_t kRowBlock = 64;

struct CaseTensors {
  DeviceTensor q, k, v, slopes, state_in, dout, dstate_out;
  DeviceTensor out[kOutputCount];  // undefined where the case has no such output
};

struct Plan {
  Problem problem;
  bool backward = false;
  std::vector<std::pair<int64_t, int64_t>> heads;  // the compared (batch, head) pairs, never empty
  uint64_t seed = 0;
};

bool is_linear(const Problem& p) { return p.function == Function::linear_decay; }

// The slope as the device sees it: fp32.
double device_slope(const Problem& p, int64_t head) { return static_cast<double>(static_cast<float>(p.slope(head))); }

CaseTensors make_tensors(const Plan& plan, Workspace& ws, DeviceKind device) {
  const Problem& p = plan.problem;
  const std::array<int64_t, 4> qk{p.batch, p.heads, p.seqlen, p.dim_qk}, vo{p.batch, p.heads, p.seqlen, p.dim_v},
      st{p.sequences(), p.heads, p.dim_qk, p.dim_v};
  Backend& be = ws.backend();
  CaseTensors t;
  auto input = [&](DeviceTensor& dst, std::array<int64_t, 4> dims, DType dtype, Stream stream) {
    dst = allocate(ws, MemoryCategory::inputs, dtype, device, dims);
    random_stream_fill(be, dst.view.data, dtype, static_cast<size_t>(dst.view.numel()), plan.seed, stream,
                       kUnitVarianceAmplitude);
  };
  input(t.q, qk, p.dtype, kQ);
  input(t.k, qk, p.dtype, kK);
  input(t.v, vo, p.dtype, kV);
  if (plan.backward) input(t.dout, vo, p.dtype, kDout);
  if (p.state_in) input(t.state_in, st, DType::f32, kStateIn);
  if (p.state_out && plan.backward) input(t.dstate_out, st, DType::f32, kDstateOut);
  if (is_linear(p)) {  // [heads] fp32, zeros without decay
    t.slopes = allocate(ws, MemoryCategory::inputs, DType::f32, device, {1, 1, 1, p.heads});
    std::vector<float> s(static_cast<size_t>(p.heads));
    for (int64_t h = 0; h < p.heads; ++h) s[static_cast<size_t>(h)] = static_cast<float>(p.slope(h));
    be.copy_from_host(t.slopes.view.data, s.data(), s.size() * sizeof(float));
  }

  auto output = [&](Output o, std::array<int64_t, 4> dims, DType dtype) {
    t.out[o] = allocate(ws, MemoryCategory::outputs, dtype, device, dims);
    be.fill_bytes(t.out[o].view.data, 0xFF, t.out[o].view.bytes());  // NaN in every float type
  };
  output(kO, vo, p.dtype);
  if (p.state_out) output(kStateOut, st, DType::f32);
  if (plan.backward) {
    output(kDq, qk, p.dtype);
    output(kDk, qk, p.dtype);
    output(kDv, vo, p.dtype);
    if (p.state_in) output(kDstateIn, st, DType::f32);
  }
  return t;
}

void run_implementation(Implementation& impl, const Plan& plan, CaseTensors& t, Workspace& ws) {
  const Problem& p = plan.problem;
  ForwardIO f;
  f.q = t.q.view;
  f.k = t.k.view;
  f.v = t.v.view;
  f.slopes = t.slopes.view;
  f.state_in = t.state_in.view;
  f.o = t.out[kO].view;
  f.state_out = t.out[kStateOut].view;
  std::unique_ptr<Saved> saved = impl.forward(p, f, ws);
  if (plan.backward) {
    BackwardIO b;
    b.q = t.q.view;
    b.k = t.k.view;
    b.v = t.v.view;
    b.o = t.out[kO].view;
    b.slopes = t.slopes.view;
    b.state_in = t.state_in.view;
    b.dout = t.dout.view;
    b.dstate_out = t.dstate_out.view;
    b.dq = t.out[kDq].view;
    b.dk = t.out[kDk].view;
    b.dv = t.out[kDv].view;
    b.dstate_in = t.out[kDstateIn].view;
    impl.backward(p, b, saved.get(), ws);
  }
  ws.backend().synchronize();
}

// NaN/inf elements in count elements of dtype at host address data.
int64_t count_non_finite(const unsigned char* data, DType dtype, size_t count) {
  int64_t bad = 0;
  switch (dtype) {
    case DType::f64:
      for (size_t i = 0; i < count; ++i) bad += !std::isfinite(reinterpret_cast<const double*>(data)[i]);
      break;
    case DType::f32:
      for (size_t i = 0; i < count; ++i) bad += !std::isfinite(reinterpret_cast<const float*>(data)[i]);
      break;
    case DType::bf16:
    case DType::f16: {
      const uint16_t exponent = dtype == DType::bf16 ? 0x7F80u : 0x7C00u;  // all ones: inf or NaN
      for (size_t i = 0; i < count; ++i) {
        uint16_t bits;
        std::memcpy(&bits, data + 2 * i, 2);
        bad += (bits & exponent) == exponent;
      }
      break;
    }
  }
  return bad;
}

// Streams a whole device tensor through a bounded host buffer and counts its non-finite elements.
int64_t scan_non_finite(Backend& be, const TensorView& t) {
  const size_t elem = dtype_size(t.dtype), count = static_cast<size_t>(t.numel());
  const size_t chunk = std::min(count, (size_t(64) << 20) / elem);
  std::vector<unsigned char> host(chunk * elem);
  int64_t bad = 0;
  for (size_t done = 0; done < count; done += chunk) {
    const size_t n = std::min(chunk, count - done);
    be.copy_to_host(host.data(), static_cast<const unsigned char*>(t.data) + done * elem, n * elem);
    std::atomic<int64_t> found{0};
    parallel_for(n, size_t(1) << 20, [&](size_t begin, size_t end) {
      found += count_non_finite(host.data() + begin * elem, t.dtype, end - begin);
    });
    bad += found;
  }
  return bad;
}

// The float64 reference of one (batch, head) slice, from the inputs exactly as the device got them.
struct HeadReference {
  Mat out[kOutputCount];
};

// Elements [offset, offset + rows * cols) of a tensor's random stream, as the device got them.
Mat regenerate(const Plan& plan, Stream stream, int64_t offset, int64_t rows, int64_t cols, DType dtype) {
  Mat m(rows, cols);
  random_stream_rounded(plan.seed, stream, static_cast<uint64_t>(offset), static_cast<size_t>(m.size()), dtype,
                        kUnitVarianceAmplitude, m.data());
  return m;
}

// Where one compared slice lies in a tensor, in elements: (sequence or batch b, head h) of a
// [.., h, rows, cols] tensor; a packed problem's sequence is rows [begin, begin + length) of head h of
// its single batch entry, its states entry b of [N, h, d, e].
struct Slice {
  int64_t offset = 0, rows = 0;
};
Slice rows_slice(const Problem& p, int64_t b, int64_t h, int64_t cols) {
  if (!p.packed()) return {(b * p.heads + h) * p.seqlen * cols, p.seqlen};
  return {(h * p.seqlen + p.sequence_begin(b)) * cols, p.sequence_length(b)};
}
Slice state_slice(const Problem& p, int64_t b, int64_t h) { return {(b * p.heads + h) * p.dim_qk * p.dim_v, p.dim_qk}; }

// Host memory one head's float64 reference takes at its peak, over-estimated: its inputs and outputs as doubles, the
// comparison's converted copy of an output, and its form's working set (linear attention: a few n x n matrices where
// the dense form runs, a few d x e states in the recurrent one; softmax: a few blocks of 256 rows by n).
double reference_bytes_for_head(const Problem& p, int64_t n) {
  const double d = static_cast<double>(p.dim_qk), e = static_cast<double>(p.dim_v), rows = static_cast<double>(n);
  double doubles = rows * (2 * d + 2 * e) * 2 + rows * std::max(d, e);
  if (is_linear(p)) doubles += 8 * d * e + (n <= reference::kDenseMaxSeqlen ? 6 * rows * rows : 0);
  else doubles += 6 * 256 * rows;
  return 8 * doubles;
}

// Throws OutOfMemoryError (the case is then skipped, saying so) where the reference of the compared heads, as many
// at once as compare() runs in parallel, the implementation's outputs copied to the host and, for an implementation
// on the host, the case's own tensors would not fit the host's memory: the reference's allocations are Eigen's and
// std::vector's, outside the tracked Workspace, and past the available memory they end in the OOM killer rather than
// an exception. Under a launch of several processes each takes its share of the host, and all take one answer (they
// run the case's collectives together: one skipping alone would leave the others waiting).
void check_reference_fits(const Plan& plan, bool tensors_on_host) {
  const Problem& p = plan.problem;
  const uint64_t available = host_available_bytes();
  const LaunchPlace place = launch_place();
  const double share = static_cast<double>(available) / place.local_world;  // a process's part of the host's memory
  double need = 0;
  if (available > 0) {  // unreadable: nothing to check against (a launch's process still takes part in the answer)
    const double elem = static_cast<double>(dtype_size(p.dtype)), states = 2.0 * p.dim_qk * p.dim_v * 4;
    double largest = 0, copies = 0;
    for (const auto& [b, h] : plan.heads) {
      const int64_t n = rows_slice(p, b, h, 1).rows;
      largest = std::max(largest, reference_bytes_for_head(p, n));
      copies += static_cast<double>(n) * (2 * p.dim_qk + 2 * p.dim_v) * elem + states;
    }
    const double workers = static_cast<double>(std::min<size_t>(plan.heads.size(), host_threads()));
    need = workers * largest + copies;
    if (tensors_on_host)  // q, k, v, dO and the four outputs of every head, and the states
      need += static_cast<double>(p.batch) * p.heads * (p.seqlen * (2.0 * p.dim_qk + 2 * p.dim_v) * 2 * elem + states);
  }
  double over = available > 0 ? need / share : 0;  // > 1: does not fit
  if (place.world > 1) over = process_max(over);
  if (over <= 1) return;
  if (need <= share)
    throw OutOfMemoryError("the float64 reference does not fit the host memory of another process of the launch");
  const size_t shown = need < 1e18 ? static_cast<size_t>(need) : static_cast<size_t>(1e18);  // past 2^64 a cast is undefined
  throw OutOfMemoryError("the float64 reference needs about " + format_bytes(shown) + (need < 1e18 ? "" : " or more") +
                         " of host memory; " + format_bytes(static_cast<size_t>(share)) + " available" +
                         (place.local_world > 1 ? " to each of " + std::to_string(place.local_world) + " processes" : ""));
}

HeadReference reference_for_head(const Plan& plan, int64_t b, int64_t h) {
  const Problem& p = plan.problem;
  const int64_t d = p.dim_qk, e = p.dim_v;
  const Slice sq = rows_slice(p, b, h, d), sv = rows_slice(p, b, h, e), ss = state_slice(p, b, h);
  const int64_t n = sq.rows;
  const Mat q = regenerate(plan, kQ, sq.offset, n, d, p.dtype), k = regenerate(plan, kK, sq.offset, n, d, p.dtype),
            v = regenerate(plan, kV, sv.offset, n, e, p.dtype);
  Mat dout;
  if (plan.backward) dout = regenerate(plan, kDout, sv.offset, n, e, p.dtype);
  HeadReference r;
  if (is_linear(p)) {
    Mat s0, ds_n;
    if (p.state_in) s0 = regenerate(plan, kStateIn, ss.offset, d, e, DType::f32);
    if (p.state_out && plan.backward) ds_n = regenerate(plan, kDstateOut, ss.offset, d, e, DType::f32);
    if (n == 0) {  // an empty sequence of a packed batch: no rows, and its state passes through unchanged
      r.out[kO] = Mat(0, e);
      r.out[kDq] = r.out[kDk] = Mat(0, d);
      r.out[kDv] = Mat(0, e);
      if (p.state_out) r.out[kStateOut] = p.state_in ? s0 : Mat(Mat::Zero(d, e));
      if (p.state_in) r.out[kDstateIn] = p.state_out ? ds_n : Mat(Mat::Zero(d, e));
      return r;
    }
    const reference::LinearParams params{device_slope(p, h), p.effective_scale(), reference::LinearForm::automatic};
    const Mat* s0p = p.state_in ? &s0 : nullptr;
    reference::LinearOutputs fwd = reference::linear_forward(q, k, v, s0p, params);
    if (plan.backward) {
      reference::LinearGradients g =
          reference::linear_backward(q, k, v, s0p, dout, p.state_out ? &ds_n : nullptr, params);
      r.out[kDq] = std::move(g.dq);
      r.out[kDk] = std::move(g.dk);
      r.out[kDv] = std::move(g.dv);
      if (p.state_in) r.out[kDstateIn] = std::move(g.dstate_in);
    }
    r.out[kO] = std::move(fwd.o);
    if (p.state_out) r.out[kStateOut] = std::move(fwd.state_out);
  } else {
    const double scale = p.effective_scale();
    reference::SoftmaxOutputs fwd = reference::softmax_forward(q, k, v, scale);
    if (plan.backward) {
      reference::SoftmaxGradients g = reference::softmax_backward(q, k, v, fwd, dout, scale);
      r.out[kDq] = std::move(g.dq);
      r.out[kDk] = std::move(g.dk);
      r.out[kDv] = std::move(g.dv);
    }
    r.out[kO] = std::move(fwd.o);
  }
  return r;
}

SliceError compare_slice(const std::vector<unsigned char>& raw, DType dtype, const Mat& ref, size_t block) {
  std::vector<double> got(static_cast<size_t>(ref.size()));
  convert_to_f64(raw.data(), dtype, got.data(), got.size());
  return slice_error(got.data(), ref.data(), got.size(), block);
}

std::vector<TensorCheck> compare(const Plan& plan, const CaseTensors& t, Backend& be) {
  const Problem& p = plan.problem;
  const size_t heads = plan.heads.size();
  // Copy the compared slices to the host first, on this thread: backends need not copy concurrently.
  std::vector<std::vector<std::vector<unsigned char>>> raw(heads, std::vector<std::vector<unsigned char>>(kOutputCount));
  auto slice_of = [&](int o, size_t i) {
    const auto [b, h] = plan.heads[i];
    if (o == kStateOut || o == kDstateIn) return state_slice(p, b, h);
    return rows_slice(p, b, h, t.out[o].view.dims[3]);
  };
  for (size_t i = 0; i < heads; ++i)
    for (int o = 0; o < kOutputCount; ++o) {
      const DeviceTensor& dt = t.out[o];
      if (!dt.view.defined()) continue;
      const Slice sl = slice_of(o, i);
      const size_t elem = dtype_size(dt.view.dtype), bytes = static_cast<size_t>(sl.rows * dt.view.dims[3]) * elem;
      raw[i][o].resize(bytes);
      if (bytes)
        be.copy_to_host(raw[i][o].data(), static_cast<const unsigned char*>(dt.view.data) + sl.offset * elem, bytes);
    }

  // The reference per head, heads in parallel (a 128k-token head is seconds of one core).
  std::vector<std::vector<SliceError>> errors(heads, std::vector<SliceError>(kOutputCount));
  parallel_for(heads, 1, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const HeadReference ref = reference_for_head(plan, plan.heads[i].first, plan.heads[i].second);
      for (int o = 0; o < kOutputCount; ++o) {
        if (!t.out[o].view.defined()) continue;
        // An output the reference does not compute (a state of softmax attention, which an
        // implementation claimed to support) would be compared over zero elements and pass.
        if (ref.out[o].size() != slice_of(o, i).rows * t.out[o].view.dims[3])
          throw std::runtime_error(std::string("the float64 reference has no ") + kOutputNames[o] + " for " +
                                   function_name(p.function) + " attention; the implementation should refuse it");
        const bool state = o == kStateOut || o == kDstateIn;
        const size_t block = state ? 0 : static_cast<size_t>(kRowBlock * t.out[o].view.dims[3]);
        errors[i][o] = compare_slice(raw[i][o], t.out[o].view.dtype, ref.out[o], block);
      }
      for (auto& r : raw[i]) std::vector<unsigned char>().swap(r);  // free as we go
    }
  });

  std::vector<TensorCheck> checks;
  for (int o = 0; o < kOutputCount; ++o) {
    if (!t.out[o].view.defined()) continue;
    TensorCheck c;
    c.tensor = kOutputNames[o];
    c.tolerance = o == kStateOut || o == kDstateIn ? state_tolerance_for(p.dtype) : tolerance_for(p.dtype);
    for (size_t i = 0; i < heads; ++i) add_slice(c, errors[i][o], plan.heads[i].first, plan.heads[i].second);
    c.non_finite = scan_non_finite(be, t.out[o].view);
    finish_check(c);
    checks.push_back(c);
  }
  return checks;
}

std::vector<std::pair<int64_t, int64_t>> compared_heads(const VerifyCase& c, const Problem& p) {
  if (!c.sampled_heads.empty()) return c.sampled_heads;
  std::vector<std::pair<int64_t, int64_t>> all;
  for (int64_t b = 0; b < p.sequences(); ++b)
    for (int64_t h = 0; h < p.heads; ++h) all.emplace_back(b, h);
  return all;
}

// Shape errors the engine itself would trip over, whatever the implementation's unsupported() says.
std::string malformed(const Problem& p, const std::vector<std::pair<int64_t, int64_t>>& heads) {
  if (p.batch < 1 || p.heads < 1 || p.seqlen < 1 || p.dim_qk < 1 || p.dim_v < 1) return "empty shape " + p.describe();
  if (auto bad = cu_seqlens_problem(p)) return *bad;
  if (!p.slopes.empty() && static_cast<int64_t>(p.slopes.size()) != p.heads) return "one slope per head expected";
  for (double s : p.slopes)
    if (!(s >= 0)) return "decay slopes must be >= 0";
  for (auto [b, h] : heads)
    if (b < 0 || b >= p.sequences() || h < 0 || h >= p.heads)
      return "sampled head (" + std::to_string(b) + ", " + std::to_string(h) + ") outside " + p.describe();
  return "";
}

}  // namespace

SliceError slice_error(const double* got, const double* ref, size_t count, size_t block) {
  SliceError s;
  if (block == 0) block = count;
  for (size_t begin = 0; begin < count; begin += block) {
    double err2 = 0, ref2 = 0;
    for (size_t i = begin; i < std::min(count, begin + block); ++i) {
      const double diff = std::fabs(got[i] - ref[i]);
      err2 += diff * diff;
      ref2 += ref[i] * ref[i];
      // The slice's sums element by element, not block by block: rel_frobenius stays one function of the numbers in
      // every result file, with the block bar or without.
      s.err2 += diff * diff;
      s.ref2 += ref[i] * ref[i];
      if (std::isnan(diff) || diff > s.max_abs) s.max_abs = diff;  // once NaN, stays NaN
    }
    const double rel = ref2 > 0 ? std::sqrt(err2 / ref2) : std::sqrt(err2);
    if (!std::isnan(s.worst_block_rel) && (std::isnan(rel) || rel > s.worst_block_rel)) s.worst_block_rel = rel;
  }
  return s;
}

void finish_check(TensorCheck& c) {
  c.rows_tolerance = kRowsToleranceFactor * c.tolerance;
  c.pass = c.non_finite == 0 && c.rel_frobenius <= c.tolerance && c.worst_rows_rel <= c.rows_tolerance;  // false for NaN
}

void add_slice(TensorCheck& c, const SliceError& s, int64_t b, int64_t h) {
  const double rel = s.ref2 > 0 ? std::sqrt(s.err2 / s.ref2) : std::sqrt(s.err2);
  const bool worse = c.worst_batch < 0 || (!std::isnan(c.rel_frobenius) && (std::isnan(rel) || rel > c.rel_frobenius));
  if (worse) {
    c.rel_frobenius = rel;
    c.worst_batch = b;
    c.worst_head = h;
  }
  if (!std::isnan(c.max_abs) && (std::isnan(s.max_abs) || s.max_abs > c.max_abs)) c.max_abs = s.max_abs;
  if (!std::isnan(c.worst_rows_rel) && (std::isnan(s.worst_block_rel) || s.worst_block_rel > c.worst_rows_rel))
    c.worst_rows_rel = s.worst_block_rel;
}

std::string device_skip_reason(DeviceKind kind) {
  const std::string why = device_unavailable(kind);
  return why.empty() ? "" : std::string("no ") + device_name(kind) + ": " + why;
}

std::pair<CaseStatus, std::string> thrown_case_outcome() {
  try {
    throw;
  } catch (const UnsupportedError& e) {
    // Every caller asked unsupported() first and it accepted the case: a refusal now is one the implementation
    // could only find once running (la2's plans on a GPU without the kernels a shape needs). A skip, as a
    // refusal is, but saying where it came from, so that an implementation contradicting itself shows.
    return {CaseStatus::skipped, std::string("declined while running (unsupported() had accepted it): ") + e.what()};
  } catch (const OutOfMemoryError& e) {
    return {CaseStatus::skipped, std::string("out of memory: ") + e.what()};
  } catch (const std::bad_alloc&) {
    return {CaseStatus::skipped, "out of memory: host allocation failed"};
  } catch (const std::exception& e) {
    return {CaseStatus::error, e.what()};
  } catch (...) {
    return {CaseStatus::error, kUnknownException};
  }
}

VerifyCase row_case(const ImplInfo& info, VerifyCase c) {
  // The function is the implementation's; softmax has no decay, so its cases drop the slopes (a case with a
  // state is left to the implementation to refuse).
  c.problem.function = info.function;
  if (c.problem.function == Function::softmax) c.problem.slopes.clear();
  c.backward = c.backward && info.support.backward;  // what the result files report: whether gradients were checked
  return c;
}

CaseResult verify_case(Implementation& impl, const VerifyCase& c, uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  const ImplInfo& info = impl.info();
  CaseResult r;
  r.impl = info.name;
  r.vcase = row_case(info, c);
  r.seed = seed;
  auto done = [&](CaseStatus status, std::string reason) {
    r.status = status;
    r.reason = std::move(reason);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };

  Problem& p = r.vcase.problem;

  Plan plan;
  plan.heads = compared_heads(c, p);
  if (std::string bad = malformed(p, plan.heads); !bad.empty()) return done(CaseStatus::error, bad);
  if (auto why = impl.unsupported(p)) return done(CaseStatus::skipped, *why);
  if (const std::string why = device_skip_reason(info.device); !why.empty()) return done(CaseStatus::skipped, why);
  Backend* be = backend_for(info.device);

  plan.problem = p;
  plan.backward = r.vcase.backward;
  plan.seed = seed;
  try {
    check_reference_fits(plan, info.device == DeviceKind::cpu);
    MemoryTracker tracker;
    Workspace ws(*be, tracker);
    CaseTensors tensors = make_tensors(plan, ws, info.device);
    run_implementation(impl, plan, tensors, ws);
    r.checks = compare(plan, tensors, *be);
  } catch (...) {
    const auto [status, why] = thrown_case_outcome();
    return done(status, why);
  }
  const bool all_pass = std::all_of(r.checks.begin(), r.checks.end(), [](const TensorCheck& t) { return t.pass; });
  std::string note = c.backward && !plan.backward ? kForwardOnlyNote : "";
  return done(all_pass ? CaseStatus::pass : CaseStatus::fail, note);
}

}  // namespace lasuite
