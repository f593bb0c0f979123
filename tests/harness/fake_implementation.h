// Test doubles for the CLI and bench engine tests, so they do not depend on which real implementations
// are built. Registered lazily by the tests that use them (each ctest entry is its own process, so they
// never show up elsewhere). Both compute the real function (naive causal linear attention with decay,
// f32, d = e = 8 only) and allocate known scratch, so memory figures can be checked exactly:
//   forward:  n floats of scratch (freed on return) while a Saved of 2n floats is alive  -> peak 3n
//   backward: 4n floats of scratch                                                         -> peak 2n + 4n
// Its one option, scratch=2 (`--impl-option`), doubles the forward's scratch (peak 4n), so that tests
// can see an option reach the instance that runs.
// "test_fake_failing" also runs out of memory at n >= 128 and throws a plain error at n == 96.
#pragma once
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "harness/errors.h"
#include "harness/registry.h"

namespace lasuite::testing {

class FakeLinearAttention : public Implementation {
 public:
  // backward: whether it has one (Support::backward), as a forward-only plugin would not.
  explicit FakeLinearAttention(std::string name, bool failing, bool backward = true) : failing_(failing) {
    info_.name = std::move(name);
    info_.description = "test double (naive linear attention, d = e = 8), registered by tests/harness only";
    info_.device = DeviceKind::cpu;
    info_.function = Function::linear_decay;
    info_.support.dtypes = {DType::f32};
    info_.support.dims_qk = {8};
    info_.support.dims_v = {8};
    info_.support.scale = false;
    info_.support.backward = backward;
    info_.options = {{"scratch", "1 or 2", "1", "the forward's scratch, in n floats"}};
  }
  const ImplInfo& info() const override { return info_; }

  void set_option(const std::string& key, const std::string& value) override {
    if (key != "scratch") return Implementation::set_option(key, value);
    if (value != "1" && value != "2") throw UsageError("scratch takes 1 or 2, not '" + value + "'");
    scratch_ = value == "2" ? 2 : 1;
  }

  // The bench records this in each row: it follows the option, as a plan would.
  std::string plan_text() const override { return "forward scratch " + std::to_string(scratch_) + "n"; }

  struct Keep : Saved {
    Buffer buffer;
  };

  std::unique_ptr<Saved> forward(const Problem& p, const ForwardIO& io, Workspace& ws) override {
    check_failures(p);
    auto keep = std::make_unique<Keep>();
    keep->buffer = ws.allocate(2 * p.seqlen * sizeof(float));
    Buffer scratch = ws.allocate(scratch_ * p.seqlen * sizeof(float));
    each_head(p, [&](int64_t bh, int64_t h) {
      const float* q = io.q.as<float>() + bh * p.seqlen * 8;
      const float* k = io.k.as<float>() + bh * p.seqlen * 8;
      const float* v = io.v.as<float>() + bh * p.seqlen * 8;
      float* o = io.o.as<float>() + bh * p.seqlen * 8;
      for (int64_t t = 0; t < p.seqlen; ++t)
        for (int64_t j = 0; j < 8; ++j) {
          double acc = 0;
          for (int64_t u = 0; u <= t; ++u) acc += weight(p, h, t, u) * dot(q + t * 8, k + u * 8) * v[u * 8 + j];
          o[t * 8 + j] = static_cast<float>(acc);
        }
    });
    return keep;
  }

  void backward(const Problem& p, const BackwardIO& io, Saved*, Workspace& ws) override {
    check_failures(p);
    Buffer scratch = ws.allocate(4 * p.seqlen * sizeof(float));
    each_head(p, [&](int64_t bh, int64_t h) {
      const int64_t off = bh * p.seqlen * 8;
      const float *q = io.q.as<float>() + off, *k = io.k.as<float>() + off, *v = io.v.as<float>() + off;
      const float* dout = io.dout.as<float>() + off;
      float *dq = io.dq.as<float>() + off, *dk = io.dk.as<float>() + off, *dv = io.dv.as<float>() + off;
      for (int64_t i = 0; i < p.seqlen; ++i)
        for (int64_t j = 0; j < 8; ++j) {
          double gq = 0, gk = 0, gv = 0;
          for (int64_t u = 0; u <= i; ++u) gq += weight(p, h, i, u) * dot(dout + i * 8, v + u * 8) * k[u * 8 + j];
          for (int64_t t = i; t < p.seqlen; ++t) {
            gk += weight(p, h, t, i) * dot(dout + t * 8, v + i * 8) * q[t * 8 + j];
            gv += weight(p, h, t, i) * dot(q + t * 8, k + i * 8) * dout[t * 8 + j];
          }
          dq[i * 8 + j] = static_cast<float>(gq);
          dk[i * 8 + j] = static_cast<float>(gk);
          dv[i * 8 + j] = static_cast<float>(gv);
        }
    });
  }

 private:
  void check_failures(const Problem& p) const {
    if (!failing_) return;
    if (p.seqlen >= 128) throw OutOfMemoryError("deliberate: test double out of memory at n >= 128");
    if (p.seqlen == 96) throw std::runtime_error("deliberate: test double fails at n == 96");
  }
  static double weight(const Problem& p, int64_t h, int64_t t, int64_t u) {
    return std::exp(-p.slope(h) * static_cast<double>(t - u));
  }
  static double dot(const float* a, const float* b) {
    double s = 0;
    for (int j = 0; j < 8; ++j) s += static_cast<double>(a[j]) * b[j];
    return s;
  }
  template <class Fn>
  static void each_head(const Problem& p, Fn fn) {
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t h = 0; h < p.heads; ++h) fn(b * p.heads + h, h);
  }

  ImplInfo info_;
  bool failing_;
  int64_t scratch_ = 1;
};

inline const char* kFake = "test_fake_d8";
inline const char* kFakeFailing = "test_fake_failing";
inline const char* kFakeForwardOnly = "test_fake_forward_only";

inline void register_fakes() {
  Registry& r = Registry::instance();
  if (!r.contains(kFake)) r.add(kFake, [] { return std::make_unique<FakeLinearAttention>(kFake, false); });
  if (!r.contains(kFakeFailing))
    r.add(kFakeFailing, [] { return std::make_unique<FakeLinearAttention>(kFakeFailing, true); });
  if (!r.contains(kFakeForwardOnly))
    r.add(kFakeForwardOnly, [] { return std::make_unique<FakeLinearAttention>(kFakeForwardOnly, false, false); });
}

}  // namespace lasuite::testing
