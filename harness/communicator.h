// What the ranks of a sequence-parallel run exchange: each its place in the group and an all-gather.
// InProcessGroup is the stand-in for NCCL that runs W ranks as threads of one process, so the
// algorithm is tested without several GPUs (on the CPU, or W ranks on one device).
#pragma once
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace lasuite {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world() const = 0;
  // Where the buffers of the calls below live: host memory (false), or the GPU's, each call then
  // enqueued on the stream the communicator was made for (true: NCCL).
  virtual bool device_buffers() const { return false; }
  // Every rank's `bytes` from `send`, in rank order, into `recv` (world * bytes); all ranks call it.
  virtual void all_gather(const void* send, void* recv, size_t bytes) = 0;
  // Point to point (a ring's steps): send returns once the bytes are handed over; recv waits for them.
  virtual void send(const void* data, size_t bytes, int to) = 0;
  virtual void recv(void* data, size_t bytes, int from) = 0;
};

class InProcessGroup {
 public:
  explicit InProcessGroup(int world);
  ~InProcessGroup();
  int world() const { return world_; }
  // Runs body on `world` threads, one rank each, and waits for all; a rank that throws releases the
  // others from any exchange they wait in (they throw too), and the first exception is rethrown here.
  void run(const std::function<void(Communicator&)>& body);

 private:
  class Rank;
  friend class Rank;
  // Waits until every rank arrived (or one failed: then throws).
  void arrive_and_wait();
  void fail();
  // Messages in flight, per (from, to), in order.
  std::vector<std::vector<std::vector<unsigned char>>> mailbox_;
  std::vector<size_t> mailbox_read_;

  int world_;
  std::vector<std::unique_ptr<Rank>> ranks_;
  std::vector<unsigned char> staging_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
  long generation_ = 0;
  bool failed_ = false;
};

}  // namespace lasuite
