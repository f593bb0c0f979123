// The host as a device: malloc with an up-front fit check, wall-clock timing, a cache-sized sweep.
#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "harness/backend.h"
#include "harness/errors.h"
#include "harness/host_memory.h"
#include "harness/memory.h"

namespace lasuite {
namespace {


std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(p + 2);
    }
  return "unknown CPU";
}

// Twice the largest cache sysfs reports, within [8 MiB, 512 MiB]; 64 MiB where it says nothing.
size_t flush_bytes() {
  size_t largest = 0;
  for (int i = 0; i < 8; ++i) {
    std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/size");
    size_t v = 0;
    std::string unit;
    if (!(f >> v)) continue;
    f >> unit;
    if (!unit.empty() && (unit[0] == 'K' || unit[0] == 'k')) v <<= 10;
    if (!unit.empty() && (unit[0] == 'M' || unit[0] == 'm')) v <<= 20;
    largest = std::max(largest, v);
  }
  if (largest == 0) return 64u << 20;
  return std::clamp<size_t>(2 * largest, 8u << 20, 512u << 20);
}

// Runs work(i) on `threads` threads at once, `rounds` times; the best wall time of a round.
template <class Work>
double best_parallel_seconds(unsigned threads, int rounds, Work work) {
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back([&work, i] { work(i); });
    for (auto& t : pool) t.join();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

class WallTimer : public Timer {
 public:
  void start() override { t0_ = std::chrono::steady_clock::now(); }
  void stop() override { t1_ = std::chrono::steady_clock::now(); }
  double elapsed_ms() override { return std::chrono::duration<double, std::milli>(t1_ - t0_).count(); }

 private:
  std::chrono::steady_clock::time_point t0_, t1_;
};

class CpuBackend : public Backend {
 public:
  DeviceKind kind() const override { return DeviceKind::cpu; }
  bool available(std::string*) const override { return true; }

  DeviceInfo info() const override {
    DeviceInfo d;
    d.name = cpu_model();
    d.multiprocessors = static_cast<int>(std::thread::hardware_concurrency());
    d.total_memory = static_cast<size_t>(host_meminfo_bytes("MemTotal"));
    return d;
  }

  void* raw_allocate(size_t bytes) override {
    // Refuse what would push the machine into swap or the OOM killer, rather than crash later.
    size_t avail = free_memory();
    if (avail && bytes > usable_memory(avail))
      throw OutOfMemoryError("host allocation of " + format_bytes(bytes) + " does not fit (" +
                             format_bytes(avail) + " available)");
    void* p = std::malloc(bytes);
    if (!p) throw OutOfMemoryError("host allocation of " + format_bytes(bytes) + " failed");
    return p;
  }
  void raw_free(void* p) override { std::free(p); }
  void copy_from_host(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void copy_to_host(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void fill_bytes(void* dst, uint8_t value, size_t bytes) override { std::memset(dst, value, bytes); }
  void copy_on_device(void* dst, const void* src, size_t bytes) override {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  void synchronize() override {}
  std::unique_ptr<Timer> make_timer() override { return std::make_unique<WallTimer>(); }

  void flush_cache(CacheFlush how) override {
    // Twice the last-level cache: touching it evicts the inputs; reading another twice evicts the
    // lines the writes left dirty.
    static std::vector<char> sweep(flush_bytes());
    for (size_t i = 0; i < sweep.size(); i += 64) sweep[i] = static_cast<char>(sweep[i] + 1);
    if (how == CacheFlush::clean) {
      static std::vector<char> clean(flush_bytes(), 1);
      char acc = 0;
      for (size_t i = 0; i < clean.size(); i += 64) acc = static_cast<char>(acc ^ clean[i]);
      flush_sink_ = acc;  // the reads' result goes somewhere, so they cannot be dropped
    }
  }

  // Measured with every core busy, as the implementations run (each thread its own buffers), so a
  // row's fraction of its floor compares like with like.
  Ceilings measure_ceilings() override {
    Ceilings c;
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    const size_t copy_bytes = 64u << 20;  // per thread, well past any cache
    std::vector<std::vector<char>> src(threads, std::vector<char>(copy_bytes, 1));
    std::vector<std::vector<char>> dst(threads, std::vector<char>(copy_bytes, 0));
    double best = best_parallel_seconds(threads, 5, [&](unsigned i) {
      std::memcpy(dst[i].data(), src[i].data(), copy_bytes);
    });
    c.copy_bytes_per_s = 2.0 * static_cast<double>(copy_bytes) * threads / best;
    c.copy_method = "memcpy 64 MiB per thread on " + std::to_string(threads) + " threads, best of 5";

    const int n = 1024;
    std::vector<Eigen::MatrixXf> x(threads), y(threads), z(threads);
    for (unsigned i = 0; i < threads; ++i) {
      x[i] = Eigen::MatrixXf::Random(n, n);
      y[i] = Eigen::MatrixXf::Random(n, n);
      z[i] = Eigen::MatrixXf::Zero(n, n);
    }
    best = best_parallel_seconds(threads, 3, [&](unsigned i) { z[i].noalias() = x[i] * y[i]; });
    c.gemm_flops_per_s = 2.0 * n * n * n * threads / best;
    c.gemm_method = "Eigen f32 1024^3 per thread on " + std::to_string(threads) + " threads, best of 3";
    return c;
  }

  size_t free_memory() const override { return static_cast<size_t>(host_available_bytes()); }

 private:
  volatile char flush_sink_ = 0;
};

}  // namespace

Backend& cpu_backend() {
  static CpuBackend instance;
  return instance;
}

namespace {
const bool registered = register_backend(DeviceKind::cpu, &cpu_backend());

}  // namespace
}  // namespace lasuite
