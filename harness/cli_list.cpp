// `lasuite list`: what is registered, what each computes and supports, and whether it can run here.
#include <ostream>

#include "harness/cli.h"
#include "harness/cli_args.h"
#include "harness/registry.h"
#include "harness/report_table.h"

namespace lasuite {

namespace {

std::string join_dtypes(const std::vector<DType>& v) {
  std::string s;
  for (DType t : v) s += (s.empty() ? "" : ",") + std::string(dtype_name(t));
  return s.empty() ? "-" : s;
}

// A dim list, or with none the range up to Support::max_dim.
std::string join_dims(const std::vector<int64_t>& v, int64_t max_dim) {
  std::string s;
  for (int64_t d : v) s += (s.empty() ? "" : ",") + std::to_string(d);
  if (!s.empty()) return s;
  return max_dim > 0 ? "1.." + std::to_string(max_dim) : "any";
}

std::string features(const Support& s) {
  std::string f;
  auto add = [&](bool on, const char* name) {
    if (on) f += (f.empty() ? "" : " ") + std::string(name);
  };
  add(s.decay, "decay");
  add(s.scale, "scale");
  add(s.state, "state");
  add(s.backward, "backward");
  add(s.packed, "packed");
  add(s.state_in_place, "state_in_place");
  add(s.kv_cache, "kv_cache");
  return f.empty() ? "-" : f;
}

}  // namespace

int run_list(const CliContext& ctx) {
  std::vector<std::string> names = Registry::instance().names();
  if (names.empty()) {
    ctx.out << "no implementations are registered in this build\n";
    return kExitOk;
  }
  MarkdownTable t({"name", "device", "function", "dtypes", "d", "e", "features", "available here", "what it is"});
  // The options an experiment may set with --impl-option (verify and bench), for those that have any.
  MarkdownTable options({"name", "option", "accepted", "default", "what it chooses"});
  for (const std::string& name : names) {
    std::unique_ptr<Implementation> impl = Registry::instance().create(name);
    const ImplInfo& info = impl->info();
    for (const ImplOption& o : info.options) options.add_row({name, o.key, o.accepted, o.default_value, o.help});
    std::string why;
    std::string available = device_available(info.device, &why) ? "yes" : "no: " + why;
    std::string e = join_dims(info.support.dims_v, info.support.max_dim);
    if (!info.support.distinct_v_dim) e = "= d";
    t.add_row({info.name, device_name(info.device), function_name(info.function), join_dtypes(info.support.dtypes),
               join_dims(info.support.dims_qk, info.support.max_dim), e, features(info.support), available, info.description});
  }
  ctx.out << t.str();

  if (!options.empty())
    ctx.out << "\noptions (`--impl-option key=value` or `name:key=value` in verify and bench):\n\n" << options.str();
  return kExitOk;
}

}  // namespace lasuite
