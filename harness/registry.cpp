#include "harness/registry.h"

#include <algorithm>
#include <stdexcept>

#include "harness/errors.h"

namespace lasuite {

Registry& Registry::instance() {
  static Registry r;
  return r;
}

bool Registry::add(const std::string& name, ImplFactory factory) {
  if (contains(name)) throw std::logic_error("implementation registered twice: " + name);
  entries_.emplace_back(name, std::move(factory));
  return true;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> n;
  for (auto& e : entries_) n.push_back(e.first);
  std::sort(n.begin(), n.end());
  return n;
}

bool Registry::contains(const std::string& name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](auto& e) { return e.first == name; });
}

std::unique_ptr<Implementation> Registry::create(const std::string& name) const {
  for (auto& e : entries_)
    if (e.first == name) return e.second();
  std::string known;
  for (auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("unknown implementation '" + name + "' (known: " + known + ")");
}

}  // namespace lasuite
