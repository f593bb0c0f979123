// What the harness needs from a device: memory, copies, a timer, a cache flush and a description.
// The CPU backend is always there; the CUDA backend registers itself when the suite is built with
// CUDA, and says at run time whether a GPU is present.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "harness/tensor.h"

namespace lasuite {

struct DeviceInfo {
  std::string name;               // "NVIDIA H100 80GB HBM3", or the CPU model
  int multiprocessors = 0;        // SMs, or logical cores
  int sm_clock_mhz = 0;           // 0 where not known
  int memory_clock_mhz = 0;
  std::string driver_version;     // "" on the CPU
  std::string runtime_version;
  std::string compute_capability;
  size_t total_memory = 0;        // bytes
};

// Measured once per bench run; each row's floor is max(bytes / copy rate, FLOPs / GEMM rate).
struct Ceilings {
  double copy_bytes_per_s = 0;   // device-to-device copy, bytes read + written per second
  double gemm_flops_per_s = 0;   // large matrix product (cuBLAS bf16 on CUDA, Eigen f32 on the CPU)
  std::string copy_method;       // how each was measured, for the result file
  std::string gemm_method;
};

// Times a region of device work: start() and stop() enqueue, elapsed_ms() waits for it.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual double elapsed_ms() = 0;
};

// Device work recorded once and replayed as one launch (a CUDA graph): what launching its parts one by
// one costs between them is gone, as in a serving loop that replays its decode steps.
class Replay {
 public:
  virtual ~Replay() = default;
  virtual void launch() = 0;  // enqueues every recorded run, in order, on the backend's stream
};

// How a timed run's cache is made cold. dirty: the cache is overwritten (twice its size written, as
// triton's do_bench does, so results compare with figures taken that way); the written lines are still
// dirty, so the timed run also pays their write-back as it evicts them. clean: the same writes, then
// twice the cache read from another buffer, so the timed run finds only clean lines to evict.
enum class CacheFlush { dirty, clean };
const char* cache_flush_name(CacheFlush how);
// "dirty" or "clean"; throws UsageError otherwise.
CacheFlush parse_cache_flush(const std::string& text);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual DeviceKind kind() const = 0;
  // False, with the reason, where the device is absent (no GPU, no driver).
  virtual bool available(std::string* why_not) const = 0;
  virtual DeviceInfo info() const = 0;

  // Throws OutOfMemoryError with a message naming the size.
  virtual void* raw_allocate(size_t bytes) = 0;
  virtual void raw_free(void* p) = 0;
  virtual void copy_from_host(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void copy_to_host(void* host_dst, const void* src, size_t bytes) = 0;
  virtual void fill_bytes(void* dst, uint8_t value, size_t bytes) = 0;
  // dst <- src, both on the device, ordered with the work on stream() (as fill_bytes).
  virtual void copy_on_device(void* dst, const void* src, size_t bytes) = 0;
  virtual void synchronize() = 0;
  virtual std::unique_ptr<Timer> make_timer() = 0;
  // Evicts the inputs from the last-level cache so a timed run starts cold (see CacheFlush).
  virtual void flush_cache(CacheFlush how) = 0;
  // Free device memory as the driver (or the OS) sees it, for cross-checking tracked figures.
  virtual size_t free_memory() const = 0;
  virtual Ceilings measure_ceilings() = 0;
  // The stream implementations launch on (cudaStream_t on CUDA, nullptr on the CPU).
  virtual void* stream() const { return nullptr; }
  // keep: memory freed by raw_free stays with the device's allocator for later allocations; false: it
  // goes back to the driver at the next synchronisation, and what is kept now is released.
  virtual void keep_freed_memory(bool keep) noexcept { (void)keep; }
  // `times` runs of `work` (which enqueues on stream()) recorded as one Replay; nullptr where the device
  // cannot record work. Throws std::runtime_error, with the device's reason, where the work cannot be
  // recorded (it synchronises, copies from the host, or allocates outside stream order).
  virtual std::unique_ptr<Replay> record(const std::function<void()>& work, int times) {
    (void)work, (void)times;
    return nullptr;
  }
};

// Returns the backend for a device kind, or nullptr when this build has none for it.
// For a scope (a bench row): freed memory stays with `backend`'s allocator while `keep`, and everything
// kept goes back to the driver when the scope ends, so what follows finds the device as free as before.
class KeptFreedMemory {
 public:
  KeptFreedMemory(Backend& backend, bool keep) : backend_(backend) { backend_.keep_freed_memory(keep); }
  ~KeptFreedMemory() { backend_.keep_freed_memory(false); }
  KeptFreedMemory(const KeptFreedMemory&) = delete;
  KeptFreedMemory& operator=(const KeptFreedMemory&) = delete;

 private:
  Backend& backend_;
};

Backend* backend_for(DeviceKind kind);
// Why nothing can run on that device here (no backend in this build, no device or driver); "" when it can.
std::string device_unavailable(DeviceKind kind);
// Used by backends to register themselves at static-initialisation time.
bool register_backend(DeviceKind kind, Backend* backend);

}  // namespace lasuite
