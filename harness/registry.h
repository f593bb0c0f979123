// Implementations register themselves by name; the harness iterates them without knowing them.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/implementation.h"

namespace lasuite {

using ImplFactory = std::function<std::unique_ptr<Implementation>()>;

class Registry {
 public:
  static Registry& instance();
  // origin: "" for the suite's own implementations, else where the implementation came from (a
  // plugin's path and content hash, harness/plugins.h). A name taken twice is a logic_error.
  bool add(const std::string& name, ImplFactory factory, const std::string& origin = "");
  void remove(const std::string& name);  // a plugin's names, when its registration fails
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const;
  std::string origin(const std::string& name) const;  // "" for built-ins and unknown names
  // Throws UsageError naming the known implementations when the name is unknown.
  std::unique_ptr<Implementation> create(const std::string& name) const;

  // While a plugin library is being loaded (its static initializers run inside dlopen), add() keeps
  // nothing and throws nothing: it only notes the names, which the loader then refuses (a plugin
  // registers through LASUITE_PLUGIN, after its ABI is checked). Returns the names noted.
  void begin_plugin_load();
  std::vector<std::string> end_plugin_load();

 private:
  struct Entry {
    std::string name;
    ImplFactory factory;
    std::string origin;
  };
  std::vector<Entry> entries_;
  bool loading_plugin_ = false;
  std::vector<std::string> static_in_plugin_;
};

}  // namespace lasuite

// In one .cpp per implementation: LASUITE_REGISTER(la2_cpu, [] { return std::make_unique<La2Cpu>(); });
// Works because every implementation object file is linked in directly (an OBJECT library). Plugins
// (built with lasuite::plugin, which defines LASUITE_BUILDING_PLUGIN) use LASUITE_PLUGIN instead.
#ifdef LASUITE_BUILDING_PLUGIN
#define LASUITE_REGISTER(id, factory) \
  static_assert(sizeof(#id) == 0, "a plugin registers through LASUITE_PLUGIN (harness/plugin_api.h), not LASUITE_REGISTER")
#else
#define LASUITE_REGISTER(id, factory) \
  static const bool lasuite_registered_##id = ::lasuite::Registry::instance().add(#id, factory)
#endif
