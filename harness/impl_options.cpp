#include "harness/impl_options.h"

#include <algorithm>
#include <memory>

#include "harness/errors.h"
#include "harness/registry.h"

namespace lasuite {

namespace {

bool declares(const ImplInfo& info, const std::string& key) {
  return std::any_of(info.options.begin(), info.options.end(), [&](const ImplOption& o) { return o.key == key; });
}

std::string declared_keys(const ImplInfo& info) {
  std::string s;
  for (const ImplOption& o : info.options) s += (s.empty() ? "" : ", ") + o.key;
  return s.empty() ? "it has none" : "it has " + s;
}

bool meant_for(const OptionSetting& s, const ImplInfo& info) {
  return s.impl.empty() ? declares(info, s.key) : s.impl == info.name;
}

}  // namespace

std::vector<OptionSetting> parse_impl_options(const std::vector<std::string>& texts) {
  std::vector<OptionSetting> out;
  for (const std::string& text : texts) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos)
      throw UsageError("--impl-option '" + text + "' is not key=value or impl:key=value");
    OptionSetting s;
    s.text = text;
    std::string lhs = text.substr(0, eq);
    s.value = text.substr(eq + 1);
    const size_t colon = lhs.find(':');
    if (colon != std::string::npos) {
      s.impl = lhs.substr(0, colon);
      lhs = lhs.substr(colon + 1);
      if (s.impl.empty()) throw UsageError("--impl-option '" + text + "' has an empty implementation name");
    }
    s.key = lhs;
    if (s.key.empty()) throw UsageError("--impl-option '" + text + "' has an empty key");
    if (s.value.empty()) throw UsageError("--impl-option '" + text + "' has an empty value");
    out.push_back(s);
  }
  return out;
}

void check_impl_options(const std::vector<OptionSetting>& settings, const std::vector<std::string>& impls) {
  if (settings.empty()) return;
  // Throwaway instances: nothing runs before every setting is known good.
  std::vector<std::unique_ptr<Implementation>> instances;
  for (const std::string& name : impls) instances.push_back(Registry::instance().create(name));
  for (const OptionSetting& s : settings) {
    const bool used = std::any_of(instances.begin(), instances.end(),
                                  [&](const auto& impl) { return meant_for(s, impl->info()); });
    if (used) continue;
    if (!s.impl.empty())
      throw UsageError("--impl-option '" + s.text + "': " + s.impl + " is not among the implementations run");
    std::string have;
    for (const auto& impl : instances)
      if (!impl->info().options.empty())
        have += (have.empty() ? "" : "; ") + impl->info().name + ": " + declared_keys(impl->info()).substr(7);
    throw UsageError("--impl-option '" + s.text + "': no implementation run has an option '" + s.key + "' (" +
                     (have.empty() ? std::string("none of them has options") : have) + "; see `lasuite list`)");
  }
  // An undeclared key of a named implementation, and every value, are refused where they are applied.
  for (const auto& impl : instances) apply_impl_options(*impl, settings);
}

std::map<std::string, std::string> apply_impl_options(Implementation& impl, const std::vector<OptionSetting>& settings) {
  const ImplInfo& info = impl.info();
  std::map<std::string, std::string> in_force, set_by;
  for (const ImplOption& o : info.options) in_force[o.key] = o.default_value;
  for (const OptionSetting& s : settings) {
    if (!meant_for(s, info)) continue;
    if (!declares(info, s.key))
      throw UsageError("--impl-option '" + s.text + "': " + info.name + " has no option '" + s.key + "' (" +
                       declared_keys(info) + "; see `lasuite list`)");
    // One setting a key: a second (repeated, or a generic key=value beside an impl:key=value) would leave
    // which one holds to the order on the command line, and the result file would show only the last.
    if (auto [it, first] = set_by.emplace(s.key, s.text); !first)
      throw UsageError("--impl-option '" + it->second + "' and '" + s.text + "' both set " + info.name + "'s " + s.key +
                       " (give it once)");
    try {
      impl.set_option(s.key, s.value);
    } catch (const UsageError& e) {
      throw UsageError("--impl-option '" + s.text + "': " + e.what());
    }
    in_force[s.key] = s.value;
  }
  return in_force;
}

}  // namespace lasuite
