// `lasuite bench --gpus N`: the multi-GPU bench is the sequence-parallel family's own driver (each
// process times its part of the sequence), registered by it where it is built (a CUDA build); the CLI
// finds it here.
#pragma once
#include <string>

#include "harness/cli.h"

namespace lasuite {

using GpusBench = int (*)(const BenchArgs& args, const CliContext& ctx);
// Returns true, so a registration can initialise a static.
bool register_gpus_bench(GpusBench run);
// Null where no multi-GPU bench is built (a build without CUDA).
GpusBench gpus_bench();

}  // namespace lasuite
