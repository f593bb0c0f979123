// What la2's two sequence-parallel forms (la2_cpu_sp, la2_sp) share: how a sequence is split (W
// contiguous parts, part r = rows [a_r, a_(r+1)), as even as whole rows allow), the options both take,
// and one engine instance a rank.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/errors.h"
#include "harness/implementation.h"
#include "harness/registry.h"

namespace lasuite::la2::sp {

constexpr int kMaxRanks = 64;

struct Split {
  std::vector<int64_t> begin;  // a_0 = 0, ..., a_W = n
  int world() const { return static_cast<int>(begin.size()) - 1; }
  int64_t rows(int r) const { return begin[r + 1] - begin[r]; }
  int64_t longest() const {
    int64_t most = 0;
    for (int r = 0; r < world(); ++r) most = std::max(most, rows(r));
    return most;
  }
};

inline Split split_rows(int64_t n, int world) {
  Split s;
  for (int r = 0; r <= world; ++r) s.begin.push_back(n * r / world);
  return s;
}

// `ranks` as a whole number 1..kMaxRanks, else a UsageError naming `who`.
inline int parse_ranks(const std::string& who, const std::string& value) {
  const bool digits = !value.empty() && value.size() <= 3 && value.find_first_not_of("0123456789") == std::string::npos;
  const int w = digits ? std::stoi(value) : 0;
  if (w < 1 || w > kMaxRanks)
    throw UsageError(who + " option ranks takes a whole number 1.." + std::to_string(kMaxRanks) + ", not '" + value + "'");
  return w;
}

// `exchange`: true for the ring, false for the all-gather, else a UsageError naming `who`.
inline bool parse_ring(const std::string& who, const std::string& value) {
  if (value != "allgather" && value != "ring")
    throw UsageError(who + " option exchange takes allgather or ring, not '" + value + "'");
  return value == "ring";
}

// `comm`: true for `other` (the launch's processes), false for threads, else a UsageError naming `who`.
inline bool parse_comm(const std::string& who, const std::string& value, const std::string& other) {
  if (value != "threads" && value != other)
    throw UsageError(who + " option comm takes threads or " + other + ", not '" + value + "'");
  return value == other;
}

// Why a rank count given beside a launch's processes (comm=mpi or nccl) is declined, or nullopt: the result files
// record the options as given, so `ranks` other than the launch's world would be recorded as run.
inline std::optional<std::string> ranks_beside_launch(bool ranks_given, int ranks, int launch_world,
                                                      const std::string& comm) {
  if (!ranks_given || ranks == launch_world) return std::nullopt;
  return "ranks=" + std::to_string(ranks) + " with comm=" + comm + ", whose launch has " + std::to_string(launch_world) +
         " process(es): ranks applies to comm=threads";
}

// One instance of the registered implementation `name` a rank, made on first use: in-process ranks run
// at once, and an implementation instance is not shared across threads.
class EnginePerRank {
 public:
  explicit EnginePerRank(std::string name) : name_(std::move(name)) {}
  Implementation& operator()(int rank) const {
    std::lock_guard<std::mutex> lock(mutex_);
    while (static_cast<int>(engines_.size()) <= rank) engines_.push_back(Registry::instance().create(name_));
    return *engines_[static_cast<size_t>(rank)];
  }

 private:
  std::string name_;
  mutable std::vector<std::unique_ptr<Implementation>> engines_;
  mutable std::mutex mutex_;
};

}  // namespace lasuite::la2::sp
