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
#include "harness/memory.h"

namespace lasuite {
namespace {

size_t meminfo_kib(const std::string& key) {
  std::ifstream f("/proc/meminfo");
  std::string k;
  size_t v = 0;
  std::string unit;
  while (f >> k >> v >> unit)
    if (k == key + ":") return v;
  return 0;
}

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
    d.total_memory = meminfo_kib("MemTotal") * 1024;
    return d;
  }

  void* raw_allocate(size_t bytes) override {
    // Refuse what would push the machine into swap or the OOM killer, rather than crash later.
    size_t avail = free_memory();
    if (avail && bytes > avail - avail / 8)
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
  void synchronize() override {}
  std::unique_ptr<Timer> make_timer() override { return std::make_unique<WallTimer>(); }

  void flush_cache() override {
    // Larger than any last-level cache we run on; touching it evicts the inputs.
    static std::vector<char> sweep(256u << 20);
    for (size_t i = 0; i < sweep.size(); i += 64) sweep[i] = static_cast<char>(sweep[i] + 1);
  }

  Ceilings measure_ceilings() override {
    Ceilings c;
    // Copy: 256 MiB, bytes read + written, best of 5.
    std::vector<char> a(256u << 20, 1), b(256u << 20);
    double best = 1e30;
    for (int i = 0; i < 5; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      std::memcpy(b.data(), a.data(), a.size());
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    c.copy_bytes_per_s = 2.0 * static_cast<double>(a.size()) / best;
    c.copy_method = "memcpy 256 MiB, best of 5";
    // GEMM: Eigen f32 1024^3, best of 3.
    const int n = 1024;
    Eigen::MatrixXf x = Eigen::MatrixXf::Random(n, n), y = Eigen::MatrixXf::Random(n, n), z(n, n);
    best = 1e30;
    for (int i = 0; i < 3; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      z.noalias() = x * y;
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    c.gemm_flops_per_s = 2.0 * n * n * n / best;
    c.gemm_method = "Eigen f32 1024^3, best of 3";
    return c;
  }

  size_t free_memory() const override { return meminfo_kib("MemAvailable") * 1024; }
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
