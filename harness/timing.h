// Cold timing of one region of device work: warm-up runs first, then repeats with the last-level
// cache flushed outside the timed region before each, until enough samples and enough time.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/backend.h"

namespace lasuite {

struct TimingPolicy {
  int warmup = 3;              // untimed runs first (module load, autotune, first-touch)
  int min_repeats = 10;        // at least this many samples ...
  double min_time_s = 0.2;     // ... and at least this much sampled time
  int max_repeats = 1000;
  double row_time_limit_s = 120;  // a warm-up run over this is a timeout; sampling stops near it
  CacheFlush flush = CacheFlush::dirty;  // before every timed sample
  // Scratch memory freed by a run stays with the device's allocator for the next run of the row (as
  // the caching allocators of PyTorch and serving stacks keep it), instead of going back to the driver
  // at every synchronisation, which makes the next run map it again inside the timed region.
  bool keep_freed_scratch = true;
};

// What is timed and what is not: run() is the timed work, cleanup() undoes it outside the region.
struct Region {
  std::function<void()> run;
  std::function<void()> cleanup;
};

struct Samples {
  std::vector<double> ms;  // one per repeat
  bool timed_out = false;
  double over_limit_ms = 0;  // the run that passed the limit
  int warmups = 0;           // warm-up runs done (fewer than asked where the row's time ran out)
  double median_ms() const;
  double min_ms() const;
  double max_ms() const;
};

// What a row's note says where the row time limit cut its warm-ups or samples short of those asked ("" where it did
// not): `warmups_asked` of sample()'s warm-ups and policy.min_repeats samples.
std::string cut_short_note(const Samples& s, const TimingPolicy& policy, int warmups_asked);

// One run timed with the backend's timer (no flush); cleanup() runs after the timer stopped.
double time_once(Timer& timer, const Region& region);

// Runs `warmup` more warm-up runs, then the samples. A warm-up run that exceeds the row limit stops
// everything (timed_out); the warm-ups stop early once the row has spent its time limit. Sampling stops at max_repeats, or once min_repeats and min_time_s are both
// met, or once the row has spent its time limit (counting `already_spent_s`) after at least
// min(3, min_repeats) samples.
Samples sample(Backend& backend, const Region& region, const TimingPolicy& policy, int warmup,
               double already_spent_s);

// "steady_clock wall time" or "cuda events": how a device's timer measures, for result files.
std::string timer_method(DeviceKind kind);

}  // namespace lasuite
