// Loading plugins: shared libraries of implementations built outside this repository against the
// installed interface (harness/plugin_api.h). `lasuite --plugin PATH` (repeatable) and the
// LASUITE_PLUGINS environment variable (paths separated by ':') name them.
#pragma once
#include <string>
#include <vector>

namespace lasuite {

struct PluginRecord {
  std::string path;    // absolute
  std::string sha256;  // of the file's bytes, when loaded
  std::vector<std::string> implementations;
};

// Loads one plugin and registers its implementations (each with the plugin as its origin). A missing
// or unreadable file, a library that is not a lasuite plugin, another ABI version or struct layout, a
// name already registered (built-in or by another plugin) and an exception thrown while registering
// are a UsageError naming the plugin and what is wrong; then nothing of the plugin stays registered.
// The same file named twice is loaded once.
void load_plugin(const std::string& path);

// LASUITE_PLUGINS's paths, then `paths`, in order.
void load_plugins(const std::vector<std::string>& paths);

// Every plugin loaded so far, in load order.
const std::vector<PluginRecord>& loaded_plugins();

// What a result row says about an implementation's origin: "" for the suite's own, else
// "PATH sha256:HASH".
std::string implementation_origin(const std::string& impl);

}  // namespace lasuite
