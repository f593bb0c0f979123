#include "harness/bench_gpus.h"

namespace lasuite {
namespace {
GpusBench& slot() {
  static GpusBench run = nullptr;
  return run;
}
}  // namespace

bool register_gpus_bench(GpusBench run) {
  slot() = run;
  return true;
}
GpusBench gpus_bench() { return slot(); }

}  // namespace lasuite
