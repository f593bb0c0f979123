#include "harness/plugins.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "harness/errors.h"
#include "harness/plugin_api.h"
#include "harness/registry.h"
#include "harness/sha256.h"

namespace lasuite {
namespace {

std::vector<PluginRecord>& records() {
  static std::vector<PluginRecord> r;
  return r;
}

// Adds the plugin's names to the registry, refusing one already taken (naming who took it); keeps the
// names so that a failed registration can take them back.
class Registrar : public PluginRegistrar {
 public:
  Registrar(std::string path, std::string origin) : path_(std::move(path)), origin_(std::move(origin)) {}
  void add(const std::string& name, ImplFactory factory) override {
    Registry& r = Registry::instance();
    if (name.empty() || name.find_first_of(", \t\n") != std::string::npos)
      throw UsageError("plugin " + path_ + " registers an implementation named '" + name +
                       "' (names are non-empty, without commas or spaces)");
    if (r.contains(name)) {
      const std::string other = r.origin(name);
      throw UsageError("plugin " + path_ + " registers '" + name + "', which " +
                       (other.empty() ? std::string("is one of lasuite's own implementations")
                                      : "plugin " + other + " already registered"));
    }
    r.add(name, std::move(factory), origin_);
    added_.push_back(name);
  }
  const std::vector<std::string>& added() const { return added_; }
  void take_back() {
    for (const std::string& n : added_) Registry::instance().remove(n);
    added_.clear();
  }

 private:
  std::string path_, origin_;
  std::vector<std::string> added_;
};

}  // namespace

const std::vector<PluginRecord>& loaded_plugins() { return records(); }

void load_plugin(const std::string& given) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (given.empty()) throw UsageError("--plugin is empty");
  if (!fs::exists(given, ec)) throw UsageError("plugin " + given + ": no such file");
  const fs::path path = fs::canonical(given, ec);  // one name per file: ./a.so, a link to it, its full path
  if (ec) throw UsageError("plugin " + given + ": " + ec.message());
  if (!fs::is_regular_file(path, ec)) throw UsageError("plugin " + given + ": not a regular file");
  const std::string where = path.string();
  for (const PluginRecord& r : records())
    if (r.path == where) return;
  std::string sha;
  try {
    sha = sha256_file_hex(where);
  } catch (const std::exception& e) {
    throw UsageError("plugin " + where + ": " + e.what());
  }
  // RTLD_LOCAL: two plugins may define the same internal names; the interface's symbols come from
  // the executable. RTLD_NODELETE: a refused library's code stays mapped, so nothing it left behind
  // (an object its initializers made) can point into unmapped memory. Its static initializers run in
  // here: one that registers an implementation (LASUITE_REGISTER) is only noted, and refused below.
  Registry::instance().begin_plugin_load();
  void* lib = dlopen(where.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  const std::vector<std::string> static_names = Registry::instance().end_plugin_load();
  if (!lib) {
    const char* why = dlerror();
    throw UsageError("plugin " + where + " does not load: " + (why ? why : "unknown dlopen error"));
  }
  if (!static_names.empty()) {
    dlclose(lib);
    throw UsageError("plugin " + where + " registers '" + static_names.front() +
                     "' from a static initializer (LASUITE_REGISTER); a plugin registers through "
                     "LASUITE_PLUGIN (harness/plugin_api.h), so that its ABI is checked first");
  }
  auto refuse = [&](const std::string& why) {
    dlclose(lib);
    throw UsageError("plugin " + where + ": " + why);
  };
  using AbiFn = int (*)();
  using LayoutFn = uint64_t (*)();
  using RegisterFn = void (*)(PluginRegistrar*);
  auto abi = reinterpret_cast<AbiFn>(dlsym(lib, "lasuite_plugin_abi_version"));
  auto layout = reinterpret_cast<LayoutFn>(dlsym(lib, "lasuite_plugin_layout"));
  auto reg = reinterpret_cast<RegisterFn>(dlsym(lib, "lasuite_plugin_register"));
  if (!abi || !layout || !reg)
    refuse("not a lasuite plugin (it defines no lasuite_plugin_abi_version, lasuite_plugin_layout and "
           "lasuite_plugin_register; use LASUITE_PLUGIN from harness/plugin_api.h)");
  if (abi() != LASUITE_PLUGIN_ABI_VERSION)
    refuse("built against plugin ABI version " + std::to_string(abi()) + ", this lasuite has version " +
           std::to_string(LASUITE_PLUGIN_ABI_VERSION) + " (rebuild it against this lasuite's headers)");
  if (layout() != plugin_layout_fingerprint())
    refuse("built against interface headers whose structs differ from this lasuite's (same ABI version "
           "number, other layout: rebuild it against this lasuite's installed headers and standard library)");
  Registrar registrar(where, where + " sha256:" + sha);
  // The exception may be the plugin's own type: it is handled (and destroyed) before the library is
  // closed, so only its message leaves the catch.
  std::string failure;
  try {
    reg(&registrar);
  } catch (const UsageError& e) {
    failure = e.what();  // the registrar's refusals name the plugin already
  } catch (const std::exception& e) {
    failure = "plugin " + where + ": failed while registering its implementations: " + e.what();
  } catch (...) {
    failure = "plugin " + where + ": failed while registering its implementations (a non-standard exception)";
  }
  if (!failure.empty()) {
    registrar.take_back();
    dlclose(lib);
    throw UsageError(failure);
  }
  if (registrar.added().empty()) refuse("registers no implementation");
  // Each name's factory once, now: one that fails or returns nothing is refused here rather than at its
  // first use, and an implementation must call itself by its registered name, which the result files
  // record (info().name): another's name, a built-in's among them, would make its rows pass for that one's.
  for (const std::string& name : registrar.added()) {
    std::string why;
    try {
      const std::string called = Registry::instance().create(name)->info().name;
      if (called != name)
        why = "registers '" + name + "', whose info().name is '" + called +
              "' (the result files label rows by info().name: make the two the same)";
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
      why = "implementation '" + name + "': " + kUnknownException;
    }
    if (!why.empty()) {
      registrar.take_back();
      refuse(why);
    }
  }
  records().push_back({where, sha, registrar.added()});
}

void load_plugins(const std::vector<std::string>& paths) {
  std::vector<std::string> all;
  if (const char* env = std::getenv("LASUITE_PLUGINS")) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      const size_t end = list.find(':', start);
      const std::string item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!item.empty()) all.push_back(item);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  all.insert(all.end(), paths.begin(), paths.end());
  for (const std::string& p : all) load_plugin(p);
}

std::string implementation_origin(const std::string& impl) { return Registry::instance().origin(impl); }

}  // namespace lasuite
