// The CUDA device as a Backend: stream-ordered device memory, one non-blocking stream that implementations
// launch on, event timing on that stream, an L2 flush by overwriting a buffer twice the L2 size.
// Nothing touches the driver before the first call, so a build with CUDA runs (and reports "no GPU")
// on a machine without a GPU or driver.
#include <cuda_runtime.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/backend.h"
#include "harness/cuda/cuda_check.h"
#include "harness/cuda/cuda_device.h"
#include "harness/errors.h"
#include "harness/memory.h"
#include "harness/metadata.h"

namespace lasuite {
namespace {

class CudaTimer : public Timer {
 public:
  explicit CudaTimer(cudaStream_t s) : stream_(s) {
    CUDA_CHECK(cudaEventCreate(&start_));
    CUDA_CHECK(cudaEventCreate(&stop_));
  }
  ~CudaTimer() override {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  void start() override { CUDA_CHECK(cudaEventRecord(start_, stream_)); }
  void stop() override { CUDA_CHECK(cudaEventRecord(stop_, stream_)); }
  double elapsed_ms() override {
    CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return ms;
  }

 private:
  cudaStream_t stream_;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

class CudaReplay : public Replay {
 public:
  CudaReplay(cudaGraphExec_t exec, cudaStream_t stream) : exec_(exec), stream_(stream) {}
  // What the graph allocated lives in the device's graph memory pool, apart from the stream-ordered one the
  // bench trims after each row: handed back here too (once the replays have ended), so the rows after a graph's
  // find the device as free as before it.
  ~CudaReplay() override {
    cudaStreamSynchronize(stream_);
    cudaGraphExecDestroy(exec_);
    int device = 0;
    if (cudaGetDevice(&device) == cudaSuccess) cudaDeviceGraphMemTrim(device);
    cudaGetLastError();  // a destructor reports nothing; a failure here would surface at the next call
  }
  void launch() override { CUDA_CHECK(cudaGraphLaunch(exec_, stream_)); }

 private:
  cudaGraphExec_t exec_;
  cudaStream_t stream_;
};

std::string version_string(int v) {  // 12040 -> "12.4"
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

class CudaBackend : public Backend {
 public:
  ~CudaBackend() override = default;  // the driver may already be gone at exit: leak, don't call it

  DeviceKind kind() const override { return DeviceKind::cuda; }

  bool available(std::string* why_not) const override {
    probe();
    if (!usable_ && why_not) *why_not = why_not_;
    return usable_;
  }

  DeviceInfo info() const override {
    require();
    const cudaDeviceProp& p = cuda_device_properties();
    DeviceInfo d;
    d.name = p.name;
    d.multiprocessors = p.multiProcessorCount;
    int khz = 0;
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, 0) == cudaSuccess) d.sm_clock_mhz = khz / 1000;
    khz = 0;
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, 0) == cudaSuccess) d.memory_clock_mhz = khz / 1000;
    cudaGetLastError();  // an attribute this runtime lacks is "unknown", not an error for later calls
    int v = 0;
    // The kernel driver's own version where the system says it, with the CUDA version it provides.
    if (cudaDriverGetVersion(&v) == cudaSuccess) {
      const std::string nvidia = nvidia_driver_version();
      d.driver_version = nvidia.empty() ? "CUDA " + version_string(v) : nvidia + " (CUDA " + version_string(v) + ")";
    }
    if (cudaRuntimeGetVersion(&v) == cudaSuccess) d.runtime_version = version_string(v);
    d.compute_capability = std::to_string(p.major) + "." + std::to_string(p.minor);
    d.total_memory = p.totalGlobalMem;
    return d;
  }

  // Stream-ordered (cudaMallocAsync on our stream): a buffer freed at the end of a forward does not
  // stall the host until the kernels that use it are done, and is reused in stream order.
  void* raw_allocate(size_t bytes) override {
    require();
    void* p = nullptr;
    cudaError_t err = cudaMallocAsync(&p, bytes, stream_handle());
    if (err != cudaSuccess) {
      cudaGetLastError();  // clear it, so the next checked call does not report this failure
      if (capturing_ && capture_invalidated())
        throw std::runtime_error(std::string("a device allocation inside the capture failed: ") +
                                 cudaGetErrorName(err) + " (an earlier call broke the capture)");
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo(&free_b, &total_b);
      cudaGetLastError();
      throw OutOfMemoryError("device allocation of " + format_bytes(bytes) + " failed (" + cudaGetErrorString(err) +
                             "; " + format_bytes(free_b) + " free of " + format_bytes(total_b) + ")");
    }
    return p;
  }
  // The release threshold of the pool cudaMallocAsync draws from: at its largest, freed memory stays in
  // the pool; at 0, the pool hands it back to the driver at every synchronisation. Called from a
  // destructor (bench.cpp's row guard): errors are dropped, nothing throws.
  void keep_freed_memory(bool keep) noexcept override {
    try {
      if (!available(nullptr)) return;
    } catch (...) {  // the probe's message could not be stored: treat the device as absent
      return;
    }
    cudaMemPool_t pool = nullptr;
    if (cudaDeviceGetMemPool(&pool, 0) == cudaSuccess) {
      uint64_t threshold = keep ? UINT64_MAX : 0;
      cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold);
      // What the pool holds is released once the work that freed it has run.
      if (!keep && (!stream_ || cudaStreamSynchronize(stream_) == cudaSuccess)) cudaMemPoolTrimTo(pool, 0);
    }
    cudaGetLastError();
  }

  // A buffer freed while a broken capture is still open (the work threw, its buffers unwind before
  // record() ends the capture) is freed after the capture ends: the stream refuses every call until
  // then, and a destructor must not throw.
  void raw_free(void* p) override {
    if (!p) return;
    if (capturing_ && capture_invalidated()) {
      frees_after_capture_.push_back(p);
      return;
    }
    CUDA_CHECK(cudaFreeAsync(p, stream_handle()));
  }

  void copy_from_host(void* dst, const void* src, size_t bytes) override {
    if (!bytes) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_handle()));
    CUDA_CHECK(cudaStreamSynchronize(stream_handle()));  // the host buffer may go away after we return
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    if (!bytes) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_handle()));
    CUDA_CHECK(cudaStreamSynchronize(stream_handle()));
  }
  // Ordered with the kernels on our stream, so no synchronisation is needed before they read it.
  void fill_bytes(void* dst, uint8_t value, size_t bytes) override {
    if (!bytes) return;
    CUDA_CHECK(cudaMemsetAsync(dst, value, bytes, stream_handle()));
  }
  void copy_on_device(void* dst, const void* src, size_t bytes) override {
    if (!bytes) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_handle()));
  }
  void synchronize() override { CUDA_CHECK(cudaStreamSynchronize(stream_handle())); }
  std::unique_ptr<Timer> make_timer() override { return std::make_unique<CudaTimer>(stream_handle()); }

  void flush_cache(CacheFlush how) override {
    if (!flush_buffer_) {
      int l2 = cuda_device_properties().l2CacheSize;
      flush_bytes_ = 2 * static_cast<size_t>(std::max(l2, 1 << 20));
      CUDA_CHECK(cudaMalloc(&flush_buffer_, flush_bytes_));  // harness-owned, allocated once, never timed
    }
    flush_value_ ^= 0x5a;  // a different value each time: the writes cannot be elided
    CUDA_CHECK(cudaMemsetAsync(flush_buffer_, flush_value_, flush_bytes_, stream_handle()));
    if (how == CacheFlush::clean) {
      if (!clean_buffer_) {  // also harness-owned and allocated once
        CUDA_CHECK(cudaMalloc(&clean_buffer_, flush_bytes_ + sizeof(unsigned)));
        CUDA_CHECK(cudaMemsetAsync(clean_buffer_, 0x3c, flush_bytes_ + sizeof(unsigned), stream_handle()));
      }
      cuda_read_through(clean_buffer_, flush_bytes_, stream_handle());
    }
  }

  size_t free_memory() const override {
    require();
    size_t free_b = 0, total_b = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    return free_b;
  }

  Ceilings measure_ceilings() override {
    require();
    Ceilings c;
    // 1 GiB each way, or less where the device is short of memory (two buffers plus a margin).
    size_t bytes = size_t(1) << 30;
    while (bytes > (size_t(16) << 20) && 2 * bytes + (size_t(256) << 20) > free_memory()) bytes /= 2;
    c.copy_bytes_per_s = cuda_measure_copy_rate(bytes, 20, stream_handle(), &c.copy_method);
    c.gemm_flops_per_s = cuda_measure_gemm_rate(8192, 20, stream_handle(), &c.gemm_method);
    return c;
  }

  void* stream() const override { return stream_handle(); }

  // Captured from our stream in thread-local mode: a call the capture cannot hold (a synchronisation, a
  // cudaMalloc) fails it. Allocations in stream order (cudaMallocAsync) become the graph's own, freed
  // at each launch's end where the work did not free them itself.
  std::unique_ptr<Replay> record(const std::function<void()>& work, int times) override {
    cudaStream_t s = stream_handle();
    CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
    capturing_ = true;
    std::string failure;
    try {
      for (int i = 0; i < times; ++i) work();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    cudaGraph_t graph = nullptr;
    const cudaError_t end = cudaStreamEndCapture(s, &graph);
    capturing_ = false;
    cudaGetLastError();  // a failed capture leaves its error behind; it is reported below
    // A buffer the broken capture itself allocated was never a real allocation (no graph was made of
    // it): its free fails, and is ignored with the rest of the capture's errors.
    for (void* p : frees_after_capture_) cudaFreeAsync(p, s);
    frees_after_capture_.clear();
    cudaGetLastError();
    if (failure.empty() && end != cudaSuccess)
      failure = std::string("capture failed: ") + cudaGetErrorName(end) + " (" + cudaGetErrorString(end) + ")";
    if (!failure.empty()) {
      if (graph) cudaGraphDestroy(graph);
      throw std::runtime_error("the work cannot be recorded as a CUDA graph: " + failure);
    }
    cudaGraphExec_t exec = nullptr;
    const cudaError_t inst = cudaGraphInstantiateWithFlags(&exec, graph, cudaGraphInstantiateFlagAutoFreeOnLaunch);
    cudaGraphDestroy(graph);
    CUDA_CHECK(inst);
    return std::make_unique<CudaReplay>(exec, s);
  }

 private:
  void probe() const {
    if (probed_) return;
    probed_ = true;
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      cudaGetLastError();
      why_not_ = std::string("no usable CUDA driver or device: ") + cudaGetErrorString(err);
      return;
    }
    if (count == 0) {
      why_not_ = "no CUDA device present";
      return;
    }
    err = cudaSetDevice(0);
    if (err != cudaSuccess) {
      cudaGetLastError();
      why_not_ = std::string("cannot use CUDA device 0: ") + cudaGetErrorString(err);
      return;
    }
    usable_ = true;
  }
  void require() const {
    std::string why;
    if (!available(&why)) throw UnsupportedError("CUDA backend unavailable: " + why);
  }
  cudaStream_t stream_handle() const {
    if (!stream_) {
      require();
      CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    }
    return stream_;
  }

  bool capture_invalidated() const {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    const cudaError_t err = cudaStreamIsCapturing(stream_handle(), &status);
    if (err != cudaSuccess) cudaGetLastError();
    return status == cudaStreamCaptureStatusInvalidated;
  }

  // Set between record()'s begin and end of capture: only then can the stream refuse a free.
  bool capturing_ = false;
  std::vector<void*> frees_after_capture_;
  mutable bool probed_ = false, usable_ = false;
  mutable std::string why_not_;
  mutable cudaStream_t stream_ = nullptr;
  void* flush_buffer_ = nullptr;
  void* clean_buffer_ = nullptr;  // flush_bytes_ read by the clean flush, then a word it writes
  size_t flush_bytes_ = 0;
  uint8_t flush_value_ = 0;
};

CudaBackend& cuda_backend_instance() {
  static CudaBackend* instance = new CudaBackend;  // never destroyed: see ~CudaBackend
  return *instance;
}

const bool registered = register_backend(DeviceKind::cuda, &cuda_backend_instance());

}  // namespace

const cudaDeviceProp& cuda_device_properties() {
  static cudaDeviceProp props = [] {
    std::string why;
    if (!cuda_backend_instance().available(&why)) throw UnsupportedError("CUDA backend unavailable: " + why);
    cudaDeviceProp p{};
    CUDA_CHECK(cudaGetDeviceProperties(&p, 0));
    return p;
  }();
  return props;
}

}  // namespace lasuite
