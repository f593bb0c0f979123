#include "harness/verify_decode.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "harness/errors.h"
#include "harness/memory.h"
#include "harness/random_stream.h"
#include "reference/linear_attention.h"
#include "reference/softmax_attention.h"

namespace lasuite {
namespace {

using reference::Mat;

enum Stream : uint64_t { kQ = 11, kK, kV };

// The whole sequence of one input, per (batch x head), as the device gets it (rounded to the dtype).
struct HostInput {
  int64_t total = 0, cols = 0;
  std::vector<double> values;  // [bh][total][cols]
};
HostInput make_input(const Problem& p, int64_t total, int64_t cols, Stream stream, uint64_t seed) {
  HostInput in{total, cols, std::vector<double>(static_cast<size_t>(p.batch * p.heads * total * cols))};
  random_stream_rounded(seed, stream, 0, in.values.size(), p.dtype, kUnitVarianceAmplitude, in.values.data());
  return in;
}

// Rows [row0, row0 + rows) of every (batch x head) into a device tensor [b, h, rows, cols].
TensorView upload_rows(Workspace& ws, DeviceKind device, const Problem& p, const HostInput& in, int64_t row0,
                       int64_t rows, Buffer& keep) {
  TensorView t;
  t.dtype = p.dtype;
  t.device = device;
  t.dims = {p.batch, p.heads, rows, in.cols};
  keep = ws.allocate(t.bytes(), MemoryCategory::inputs);
  t.data = keep.data();
  std::vector<double> slice(static_cast<size_t>(p.batch * p.heads * rows * in.cols));
  for (int64_t bh = 0; bh < p.batch * p.heads; ++bh)
    std::copy_n(in.values.begin() + (bh * in.total + row0) * in.cols, rows * in.cols,
                slice.begin() + bh * rows * in.cols);
  std::vector<unsigned char> bytes(t.bytes());
  convert_from_f64(slice.data(), bytes.data(), p.dtype, slice.size());
  ws.backend().copy_from_host(t.data, bytes.data(), bytes.size());
  return t;
}

TensorView allocate_view(Workspace& ws, DeviceKind device, DType dtype, std::array<int64_t, 4> dims, Buffer& keep,
                         MemoryCategory category) {
  TensorView t;
  t.dtype = dtype;
  t.device = device;
  t.dims = dims;
  keep = ws.allocate(t.bytes(), category);
  t.data = keep.data();
  ws.backend().fill_bytes(t.data, 0xFF, t.bytes());  // NaN: an element never written shows
  return t;
}

std::vector<double> download(Backend& be, const TensorView& t) {
  std::vector<unsigned char> bytes(t.bytes());
  be.copy_to_host(bytes.data(), t.data, bytes.size());
  std::vector<double> out(static_cast<size_t>(t.numel()));
  convert_to_f64(bytes.data(), t.dtype, out.data(), out.size());
  return out;
}

// One (batch x head)'s rows of an input, for the reference.
Mat head_of(const HostInput& in, int64_t bh) {
  Mat m(in.total, in.cols);
  std::copy_n(in.values.begin() + bh * in.total * in.cols, in.total * in.cols, m.data());
  return m;
}

// Softmax attention decodes against a KV cache: each step's T queries (rows n + st T ..) meet the keys
// and values of every row up to their own (context n + st T, then the step's), and its outputs must be
// the reference's over the whole sequence at those rows. O_decode is the one check (no state).
// `done` (verify_decode_case's) ends the case `r` with a status and a reason.
using Done = std::function<CaseResult(CaseStatus, std::string)>;
CaseResult verify_cache_decode_case(Implementation& impl, const DecodeCase& c, uint64_t seed, CaseResult& r,
                                    const Done& done) {
  const ImplInfo& info = impl.info();
  const Problem& base = c.problem;
  const int64_t n = base.seqlen, T = c.tokens_per_step, steps = c.steps, total = n + steps * T;
  const int64_t e = base.dim_v, bh_count = base.batch * base.heads;
  if (!info.support.kv_cache) return done(CaseStatus::skipped, "no KV cache (softmax decoding) support");
  Problem step = base;
  step.function = info.function;
  step.slopes.clear();  // decay is linear attention's
  step.seqlen = T;
  step.context = n;
  if (auto why = impl.unsupported(step)) return done(CaseStatus::skipped, *why);
  if (const std::string why = device_skip_reason(info.device); !why.empty()) return done(CaseStatus::skipped, why);
  Backend* be = backend_for(info.device);
  try {
    const HostInput q = make_input(base, total, base.dim_qk, kQ, seed), k = make_input(base, total, base.dim_qk, kK, seed),
                    v = make_input(base, total, e, kV, seed);
    MemoryTracker tracker;
    Workspace ws(*be, tracker);
    const DeviceKind dev = info.device;
    std::vector<double> decoded(static_cast<size_t>(bh_count * steps * T * e));
    for (int64_t st = 0; st < steps; ++st) {
      step.context = n + st * T;
      Buffer sq, sk, sv, so;
      ForwardIO g;
      g.q = upload_rows(ws, dev, base, q, step.context, T, sq);
      g.k = upload_rows(ws, dev, base, k, 0, step.kv_rows(), sk);
      g.v = upload_rows(ws, dev, base, v, 0, step.kv_rows(), sv);
      g.o = allocate_view(ws, dev, base.dtype, {base.batch, base.heads, T, e}, so, MemoryCategory::outputs);
      impl.forward(step, g, ws);
      be->synchronize();
      const std::vector<double> o = download(*be, g.o);
      for (int64_t bh = 0; bh < bh_count; ++bh)
        std::copy_n(o.begin() + bh * T * e, T * e, decoded.begin() + (bh * steps + st) * T * e);
    }
    TensorCheck check;
    check.tensor = "O_decode";
    check.tolerance = tolerance_for(base.dtype);
    for (int64_t bh = 0; bh < bh_count; ++bh) {
      auto rows = [&](const HostInput& in) { return head_of(in, bh); };
      const reference::SoftmaxOutputs ref =
          reference::softmax_forward(rows(q), rows(k), rows(v), step.effective_scale(), n);  // the decoded rows
      const double* got = decoded.data() + bh * steps * T * e;
      const int64_t count = steps * T * e;
      for (int64_t j = 0; j < count; ++j) check.non_finite += !std::isfinite(got[j]);
      add_slice(check, slice_error(got, ref.o.data() + n * e, static_cast<size_t>(count)), bh / base.heads,
                bh % base.heads);
    }
    finish_check(check);
    r.checks.push_back(check);
  } catch (...) {
    const auto [status, why] = thrown_case_outcome();
    return done(status, why);
  }
  return done(r.checks[0].pass ? CaseStatus::pass : CaseStatus::fail, "against a KV cache");
}

}  // namespace

std::vector<DecodeCase> decode_cases(DType dtype) {
  std::vector<DecodeCase> cases;
  // Head dims that are not powers of two, e != d (la2's decode kernel takes any); d = 64, e = 128; and
  // d = e = 128, which every GPU softmax implementation takes (cuDNN's only 64 and 128, e = d).
  // The d = e = 128 cases leave out batch 64 (the other dims cover it), which would double the CPU
  // gate's decode time for no new path.
  const std::pair<int64_t, int64_t> dims[] = {{32, 48}, {64, 128}, {128, 128}};
  for (const auto& [d, e] : dims)
    for (int64_t T : {1, 2, 7, 16})
      for (bool decay : {true, false})
        for (int64_t B : {1, 3, 64}) {
          if (d == 128 && e == 128 && B == 64) continue;
          DecodeCase c;
          Problem& p = c.problem;
          p.batch = B, p.heads = 2, p.seqlen = 70, p.dim_qk = d, p.dim_v = e, p.dtype = dtype;
          if (decay) p.slopes = alibi_slopes(p.heads);
          c.tokens_per_step = T;
          c.steps = T == 1 ? 5 : 3;
          c.label = "decode-T" + std::to_string(T) + "x" + std::to_string(c.steps) + "-prefill" +
                    std::to_string(p.seqlen) + "-d" + std::to_string(d) + "-e" + std::to_string(e) + "-b" +
                    std::to_string(B) + "h2-" + (decay ? "alibi" : "nodecay");
          cases.push_back(std::move(c));
        }
  return cases;
}

VerifyCase decode_row_case(const ImplInfo& info, const DecodeCase& c) {
  VerifyCase v;
  v.label = c.label;
  v.problem = c.problem;
  v.problem.seqlen = c.problem.seqlen + c.steps * c.tokens_per_step;
  v.backward = false;
  v = row_case(info, v);
  // Linear attention carries its state to the end; softmax attention decodes against a KV cache.
  v.problem.state_out = info.function != Function::softmax;
  return v;
}

CaseResult verify_decode_case(Implementation& impl, const DecodeCase& c, uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  const ImplInfo& info = impl.info();
  const Problem& base = c.problem;
  const int64_t n = base.seqlen, T = c.tokens_per_step, steps = c.steps, total = n + steps * T;
  const int64_t d = base.dim_qk, e = base.dim_v, bh_count = base.batch * base.heads;
  CaseResult r;
  r.impl = info.name;
  r.seed = seed;
  r.vcase = decode_row_case(info, c);
  auto done = [&](CaseStatus status, std::string reason) {
    r.status = status;
    r.reason = std::move(reason);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  if (info.function == Function::softmax) return verify_cache_decode_case(impl, c, seed, r, done);
  Problem prefill = base, step = base;
  prefill.function = step.function = info.function;
  prefill.state_out = true;
  step.seqlen = T;
  step.state_in = step.state_out = true;
  if (auto why = impl.unsupported(prefill)) return done(CaseStatus::skipped, *why);
  if (auto why = impl.unsupported(step)) return done(CaseStatus::skipped, *why);
  if (const std::string why = device_skip_reason(info.device); !why.empty()) return done(CaseStatus::skipped, why);
  Backend* be = backend_for(info.device);

  try {
    const HostInput q = make_input(base, total, d, kQ, seed), k = make_input(base, total, d, kK, seed),
                    v = make_input(base, total, e, kV, seed);
    MemoryTracker tracker;
    Workspace ws(*be, tracker);
    const DeviceKind dev = info.device;
    TensorView slopes;
    Buffer slopes_buf;
    slopes = allocate_view(ws, dev, DType::f32, {1, 1, 1, base.heads}, slopes_buf, MemoryCategory::inputs);
    std::vector<float> s(static_cast<size_t>(base.heads));
    for (int64_t h = 0; h < base.heads; ++h) s[static_cast<size_t>(h)] = static_cast<float>(base.slope(h));
    be->copy_from_host(slopes.data, s.data(), s.size() * sizeof(float));

    // Two state buffers, or one when the implementation may read and write the same state.
    const bool in_place = info.support.state_in_place;
    Buffer state_buf[2], keep[4];
    TensorView state[2];
    for (int i = 0; i < (in_place ? 1 : 2); ++i)
      state[i] = allocate_view(ws, dev, DType::f32, {base.batch, base.heads, d, e}, state_buf[i], MemoryCategory::outputs);
    if (in_place) state[1] = state[0];

    ForwardIO f;
    f.slopes = slopes;
    f.q = upload_rows(ws, dev, base, q, 0, n, keep[0]);
    f.k = upload_rows(ws, dev, base, k, 0, n, keep[1]);
    f.v = upload_rows(ws, dev, base, v, 0, n, keep[2]);
    f.o = allocate_view(ws, dev, base.dtype, {base.batch, base.heads, n, e}, keep[3], MemoryCategory::outputs);
    f.state_out = state[0];
    impl.forward(prefill, f, ws);
    be->synchronize();

    std::vector<double> decoded(static_cast<size_t>(bh_count * steps * T * e));
    int cur = 0;
    for (int64_t st = 0; st < steps; ++st) {
      Buffer sq, sk, sv, so;
      ForwardIO g;
      g.slopes = slopes;
      g.q = upload_rows(ws, dev, base, q, n + st * T, T, sq);
      g.k = upload_rows(ws, dev, base, k, n + st * T, T, sk);
      g.v = upload_rows(ws, dev, base, v, n + st * T, T, sv);
      g.o = allocate_view(ws, dev, base.dtype, {base.batch, base.heads, T, e}, so, MemoryCategory::outputs);
      g.state_in = state[cur];
      g.state_out = state[1 - cur];
      impl.forward(step, g, ws);
      be->synchronize();
      const std::vector<double> o = download(*be, g.o);
      for (int64_t bh = 0; bh < bh_count; ++bh)
        std::copy_n(o.begin() + bh * T * e, T * e, decoded.begin() + (bh * steps + st) * T * e);
      if (!in_place) cur = 1 - cur;
    }
    const std::vector<double> final_state = download(*be, state[cur]);

    // The reference over the whole sequence of each (batch, head); the worst slice counts.
    TensorCheck checks[2];
    checks[0].tensor = "O_decode";
    checks[1].tensor = "S_out";
    // The decode steps' outputs read a state that went through fp32 storage after the prefill and each
    // step, so for f64 problems they carry fp32 rounding too: the state's bar, not f64's.
    checks[0].tolerance = std::max(tolerance_for(base.dtype), state_tolerance_for(base.dtype));
    checks[1].tolerance = state_tolerance_for(base.dtype);
    for (int64_t bh = 0; bh < bh_count; ++bh) {
      auto rows = [&](const HostInput& in) { return head_of(in, bh); };
      const reference::LinearParams params{static_cast<double>(static_cast<float>(base.slope(bh % base.heads))),
                                           base.effective_scale(), reference::LinearForm::automatic};
      const reference::LinearOutputs ref = reference::linear_forward(rows(q), rows(k), rows(v), nullptr, params);
      const double* got[2] = {decoded.data() + bh * steps * T * e, final_state.data() + bh * d * e};
      const double* want[2] = {ref.o.data() + n * e, ref.state_out.data()};
      const int64_t count[2] = {steps * T * e, d * e};
      for (int i = 0; i < 2; ++i) {
        for (int64_t j = 0; j < count[i]; ++j) checks[i].non_finite += !std::isfinite(got[i][j]);
        add_slice(checks[i], slice_error(got[i], want[i], static_cast<size_t>(count[i])), bh / base.heads,
                  bh % base.heads);
      }
    }
    for (TensorCheck& ch : checks) {
      finish_check(ch);
      r.checks.push_back(ch);
    }
  } catch (...) {
    const auto [status, why] = thrown_case_outcome();
    return done(status, why);
  }
  const bool all_pass = r.checks[0].pass && r.checks[1].pass;
  return done(all_pass ? CaseStatus::pass : CaseStatus::fail,
              info.support.state_in_place ? "state updated in place" : "state in two buffers");
}

}  // namespace lasuite
