#include "harness/communicator.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

namespace lasuite {

class InProcessGroup::Rank : public Communicator {
 public:
  Rank(InProcessGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int world() const override { return group_.world_; }
  void all_gather(const void* send, void* recv, size_t bytes) override {
    {
      std::lock_guard<std::mutex> lock(group_.mutex_);
      if (group_.staging_.size() < bytes * group_.world_) group_.staging_.resize(bytes * group_.world_);
    }
    group_.arrive_and_wait();  // every rank sized the staging area before any writes it
    std::memcpy(group_.staging_.data() + bytes * rank_, send, bytes);
    group_.arrive_and_wait();  // every slot written
    std::memcpy(recv, group_.staging_.data(), bytes * group_.world_);
    group_.arrive_and_wait();  // every rank read: the staging area may be reused
  }
  void send(const void* data, size_t bytes, int to) override {
    check_peer(to);
    std::lock_guard<std::mutex> lock(group_.mutex_);
    const auto* b = static_cast<const unsigned char*>(data);
    group_.mailbox_[slot(rank_, to)].emplace_back(b, b + bytes);
    group_.cv_.notify_all();
  }
  void recv(void* data, size_t bytes, int from) override {
    check_peer(from);
    std::unique_lock<std::mutex> lock(group_.mutex_);
    auto& box = group_.mailbox_[slot(from, rank_)];
    size_t& next = group_.mailbox_read_[slot(from, rank_)];
    group_.cv_.wait(lock, [&] { return next < box.size() || group_.failed_; });
    if (next >= box.size()) throw std::runtime_error("another rank failed");
    if (box[next].size() != bytes)
      throw std::logic_error("rank " + std::to_string(rank_) + " expected " + std::to_string(bytes) + " bytes from rank " +
                             std::to_string(from) + ", got " + std::to_string(box[next].size()));
    std::memcpy(data, box[next].data(), bytes);
    box[next].clear();
    ++next;
  }

 private:
  size_t slot(int from, int to) const { return static_cast<size_t>(from) * group_.world_ + to; }
  void check_peer(int peer) const {
    if (peer < 0 || peer >= group_.world_ || peer == rank_)
      throw std::invalid_argument("rank " + std::to_string(rank_) + " cannot exchange with rank " + std::to_string(peer));
  }

  InProcessGroup& group_;
  int rank_;
};

InProcessGroup::InProcessGroup(int world) : world_(world) {
  if (world < 1) throw std::invalid_argument("a group needs at least one rank, not " + std::to_string(world));
  for (int r = 0; r < world; ++r) ranks_.push_back(std::make_unique<Rank>(*this, r));
  mailbox_.resize(static_cast<size_t>(world) * world);
  mailbox_read_.assign(static_cast<size_t>(world) * world, 0);
}

InProcessGroup::~InProcessGroup() = default;

void InProcessGroup::arrive_and_wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (failed_) throw std::runtime_error("another rank failed");
  const long gen = generation_;
  if (++arrived_ == world_) {
    arrived_ = 0;
    ++generation_;
    cv_.notify_all();
    return;
  }
  cv_.wait(lock, [&] { return generation_ != gen || failed_; });
  if (generation_ == gen) throw std::runtime_error("another rank failed");
}

void InProcessGroup::fail() {
  std::lock_guard<std::mutex> lock(mutex_);
  failed_ = true;
  cv_.notify_all();
}

void InProcessGroup::run(const std::function<void(Communicator&)>& body) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = false;
    arrived_ = 0;
    for (auto& box : mailbox_) box.clear();
    std::fill(mailbox_read_.begin(), mailbox_read_.end(), size_t{0});
  }
  std::vector<std::exception_ptr> errors(world_);
  std::vector<std::thread> threads;
  for (int r = 0; r < world_; ++r)
    threads.emplace_back([&, r] {
      try {
        body(*ranks_[r]);
      } catch (...) {
        errors[r] = std::current_exception();
        fail();
      }
    });
  for (std::thread& t : threads) t.join();
  // The rank that failed first is the one whose error is not "another rank failed"; report it.
  std::exception_ptr first;
  for (const std::exception_ptr& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const std::runtime_error& x) {
      if (std::string(x.what()) == "another rank failed") {
        if (!first) first = e;
        continue;
      }
      std::rethrow_exception(e);
    } catch (...) {
      std::rethrow_exception(e);
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace lasuite
