#include "harness/registry.h"

#include <algorithm>
#include <stdexcept>

#include "harness/errors.h"

namespace lasuite {

Registry& Registry::instance() {
  static Registry r;
  return r;
}

bool Registry::add(const std::string& name, ImplFactory factory, const std::string& origin) {
  if (loading_plugin_) {
    static_in_plugin_.push_back(name);
    return false;
  }
  if (contains(name)) throw std::logic_error("implementation registered twice: " + name);
  entries_.push_back({name, std::move(factory), origin});
  return true;
}

void Registry::begin_plugin_load() {
  loading_plugin_ = true;
  static_in_plugin_.clear();
}

std::vector<std::string> Registry::end_plugin_load() {
  loading_plugin_ = false;
  return std::move(static_in_plugin_);
}

void Registry::remove(const std::string& name) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; }),
                 entries_.end());
}

std::string Registry::origin(const std::string& name) const {
  for (auto& e : entries_)
    if (e.name == name) return e.origin;
  return "";
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> n;
  for (auto& e : entries_) n.push_back(e.name);
  std::sort(n.begin(), n.end());
  return n;
}

bool Registry::contains(const std::string& name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](auto& e) { return e.name == name; });
}

std::unique_ptr<Implementation> Registry::create(const std::string& name) const {
  for (auto& e : entries_) {
    if (e.name != name) continue;
    // A factory is the implementation's code (a plugin's too): whatever it throws, or a null object, is
    // reported as that implementation's failure rather than ending the run without its name.
    std::unique_ptr<Implementation> impl;
    const std::string prefix = "implementation '" + name + "' could not be created: ";
    try {
      impl = e.factory();
    } catch (const UsageError& x) {  // its kind kept: a usage error still exits 2
      throw UsageError(prefix + x.what());
    } catch (const UnsupportedError& x) {
      throw UnsupportedError(prefix + x.what());
    } catch (const std::exception& x) {
      throw std::runtime_error(prefix + x.what());
    } catch (...) {
      throw std::runtime_error(prefix + kUnknownException);
    }
    if (!impl) throw std::runtime_error("implementation '" + name + "': its factory returned no object");
    return impl;
  }
  std::string known;
  for (auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("unknown implementation '" + name + "' (known: " + known + ")");
}

}  // namespace lasuite
