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
  bool add(const std::string& name, ImplFactory factory);
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const;
  // Throws UsageError naming the known implementations when the name is unknown.
  std::unique_ptr<Implementation> create(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, ImplFactory>> entries_;
};

}  // namespace lasuite

// In one .cpp per implementation: LASUITE_REGISTER(la2_cpu, [] { return std::make_unique<La2Cpu>(); });
// Works because every implementation object file is linked in directly (an OBJECT library).
#define LASUITE_REGISTER(id, factory) \
  static const bool lasuite_registered_##id = ::lasuite::Registry::instance().add(#id, factory)
