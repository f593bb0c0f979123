// What a plugin (a shared library holding implementations that live outside this repository) defines
// so that `lasuite --plugin path/to/libmine.so ...` can load it. Installed with the suite's other
// public headers (the interface: harness/implementation.h, tensors, the workspace, the registry).
//
//   #include "harness/plugin_api.h"
//   class Mine : public lasuite::Implementation { ... };
//   void register_mine(lasuite::PluginRegistrar& r) {
//     r.add("mine", [] { return std::make_unique<Mine>(); });
//   }
//   LASUITE_PLUGIN(register_mine)
//
// The library is built against the installed headers (find_package(lasuite), target lasuite::plugin)
// with the same C++ standard library as the lasuite it is loaded into; the symbols of the interface
// (Workspace, Registry, ...) are resolved from the lasuite executable at load time. lasuite checks
// the ABI version and the layout of the interface's structs before it calls anything else.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/implementation.h"
#include "harness/registry.h"

// Raised whenever a header of the interface changes in a way a built plugin would not survive.
// 2: Problem::cu_seqlens, Support::packed; 3: Support::state_in_place; 4: Problem::context, Support::kv_cache,
// Backend::record and Backend::copy_on_device (virtual functions a plugin's Workspace calls through);
// 5: Support::max_dim, Backend::keep_freed_memory; 6: Implementation::plan_text (a virtual function the bench
// calls on every implementation, a plugin's too).
#define LASUITE_PLUGIN_ABI_VERSION 6

namespace lasuite {

// The plugin's view of the registry: names it adds are checked against those already there.
class PluginRegistrar {
 public:
  virtual ~PluginRegistrar() = default;
  virtual void add(const std::string& name, ImplFactory factory) = 0;
};

// The sizes of the interface's structs and the offsets of their fields as the plugin saw them,
// folded together: a plugin compiled against other headers (or another standard library) gets
// another value and is refused. It does not see a changed virtual function: that is what
// LASUITE_PLUGIN_ABI_VERSION is raised for.
constexpr uint64_t plugin_layout_fingerprint() {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t v :
       {uint64_t(sizeof(Problem)), uint64_t(offsetof(Problem, dim_v)), uint64_t(offsetof(Problem, dtype)),
        uint64_t(offsetof(Problem, slopes)), uint64_t(offsetof(Problem, scale)), uint64_t(offsetof(Problem, state_out)),
        uint64_t(offsetof(Problem, cu_seqlens)), uint64_t(offsetof(Problem, context)), uint64_t(sizeof(Support)), uint64_t(offsetof(Support, dims_v)),
        uint64_t(offsetof(Support, decay)), uint64_t(offsetof(Support, backward)), uint64_t(offsetof(Support, packed)), uint64_t(offsetof(Support, state_in_place)),
        uint64_t(offsetof(Support, kv_cache)), uint64_t(offsetof(Support, max_dim)),
        uint64_t(sizeof(ForwardIO)), uint64_t(offsetof(ForwardIO, slopes)), uint64_t(offsetof(ForwardIO, state_out)),
        uint64_t(sizeof(BackwardIO)), uint64_t(offsetof(BackwardIO, dout)), uint64_t(offsetof(BackwardIO, dstate_in)),
        uint64_t(sizeof(TensorView)), uint64_t(offsetof(TensorView, dims)), uint64_t(sizeof(ImplInfo)),
        uint64_t(offsetof(ImplInfo, support)), uint64_t(offsetof(ImplInfo, options)), uint64_t(sizeof(ImplOption)),
        uint64_t(sizeof(Work)), uint64_t(sizeof(Implementation)), uint64_t(sizeof(std::string)),
        uint64_t(sizeof(ImplFactory))})
    h = (h ^ v) * 1099511628211ull;
  return h;
}

}  // namespace lasuite

// Defines the library's two entry points around `register_fn(lasuite::PluginRegistrar&)`.
#define LASUITE_PLUGIN(register_fn)                                                                   \
  extern "C" int lasuite_plugin_abi_version() { return LASUITE_PLUGIN_ABI_VERSION; }                  \
  extern "C" uint64_t lasuite_plugin_layout() { return ::lasuite::plugin_layout_fingerprint(); }      \
  extern "C" void lasuite_plugin_register(::lasuite::PluginRegistrar* registrar) { register_fn(*registrar); }
