#include "harness/timing.h"

#include <algorithm>
#include <cstdio>
#include <chrono>

namespace lasuite {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

double Samples::median_ms() const {
  if (ms.empty()) return 0;
  std::vector<double> s = ms;
  std::sort(s.begin(), s.end());
  size_t m = s.size() / 2;
  return s.size() % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}
double Samples::min_ms() const { return ms.empty() ? 0 : *std::min_element(ms.begin(), ms.end()); }
double Samples::max_ms() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }

double time_once(Timer& timer, const Region& region) {
  timer.start();
  region.run();
  timer.stop();
  double ms = timer.elapsed_ms();
  if (region.cleanup) region.cleanup();
  return ms;
}

Samples sample(Backend& backend, const Region& region, const TimingPolicy& policy, int warmup,
               double already_spent_s) {
  Samples out;
  auto row_start = std::chrono::steady_clock::now();
  const double limit_ms = policy.row_time_limit_s * 1e3;
  std::unique_ptr<Timer> timer = backend.make_timer();

  // Warm-ups count against the row's time: once it is spent, sampling starts, however many were asked.
  for (int i = 0; i < warmup; ++i) {
    double ms = time_once(*timer, region);
    ++out.warmups;
    if (ms > limit_ms) {
      out.timed_out = true;
      out.over_limit_ms = ms;
      return out;
    }
    if (already_spent_s + seconds_since(row_start) > policy.row_time_limit_s) break;
  }

  const size_t min_for_budget = static_cast<size_t>(std::max(1, std::min(3, policy.min_repeats)));
  double sampled_ms = 0;
  while (static_cast<int>(out.ms.size()) < policy.max_repeats) {
    backend.flush_cache(policy.flush);  // outside the timed region: each sample starts with a cold cache
    double ms = time_once(*timer, region);
    out.ms.push_back(ms);
    sampled_ms += ms;
    bool enough = static_cast<int>(out.ms.size()) >= policy.min_repeats && sampled_ms >= policy.min_time_s * 1e3;
    if (enough) break;
    double spent_s = already_spent_s + seconds_since(row_start);
    if (out.ms.size() >= min_for_budget && spent_s + ms / 1e3 > policy.row_time_limit_s) break;
  }
  return out;
}

std::string cut_short_note(const Samples& s, const TimingPolicy& policy, int warmups_asked) {
  std::string cut;
  if (static_cast<int>(s.ms.size()) < policy.min_repeats)
    cut = std::to_string(s.ms.size()) + " of the " + std::to_string(policy.min_repeats) + " timed runs asked for";
  if (s.warmups < warmups_asked)
    cut += (cut.empty() ? "" : " and ") + std::to_string(s.warmups) + " of " + std::to_string(warmups_asked) +
           " further warm-ups";
  if (cut.empty()) return cut;
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g", policy.row_time_limit_s);
  return cut + ": the row time limit (" + limit + " s) came first";
}

std::string timer_method(DeviceKind kind) {
  return kind == DeviceKind::cuda ? "cuda events" : "steady_clock wall time";
}

}  // namespace lasuite
