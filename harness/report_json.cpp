#include "harness/report_json.h"

#include <cmath>
#include <cstdio>

#include "harness/plugins.h"

namespace lasuite {

namespace {

using json = nlohmann::ordered_json;

json device_json(const DeviceRecord& d) {
  return json{{"kind", device_name(d.kind)},
              {"name", d.info.name},
              {"multiprocessors", d.info.multiprocessors},
              {"sm_clock_mhz", d.info.sm_clock_mhz},
              {"memory_clock_mhz", d.info.memory_clock_mhz},
              {"driver_version", d.info.driver_version},
              {"runtime_version", d.info.runtime_version},
              {"compute_capability", d.info.compute_capability},
              {"total_memory_bytes", d.info.total_memory}};
}

json ceilings_json(const std::optional<Ceilings>& c) {
  if (!c) return nullptr;
  return json{{"copy_bytes_per_s", c->copy_bytes_per_s},
              {"copy_method", c->copy_method},
              {"gemm_flops_per_s", c->gemm_flops_per_s},
              {"gemm_method", c->gemm_method}};
}

// Schema words (results/SCHEMA.md), whatever the terminal shows.
const char* status_word(CaseStatus s) {
  switch (s) {
    case CaseStatus::pass: return "pass";
    case CaseStatus::fail: return "fail";
    case CaseStatus::skipped: return "skipped";
    case CaseStatus::error: return "error";
  }
  return "error";
}

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

json metadata_json(const Metadata& m) {
  json j{{"command", m.command},      {"git_commit", m.git_commit}, {"git_dirty", m.git_dirty ? json(*m.git_dirty) : json(nullptr)},
         {"date", m.date},            {"host", m.host},             {"lasuite_version", m.lasuite_version},
         {"schema_version", m.schema}};
  // "device" and "ceilings" describe the main device (the GPU when one was used); "devices" lists all.
  if (m.devices.empty()) {
    j["device"] = nullptr;
    j["ceilings"] = nullptr;
  } else {
    j["device"] = device_json(m.devices.front());
    j["ceilings"] = ceilings_json(m.devices.front().ceilings);
  }
  json all = json::array();
  for (const DeviceRecord& d : m.devices) {
    json dj = device_json(d);
    dj["ceilings"] = ceilings_json(d.ceilings);
    all.push_back(dj);
  }
  j["devices"] = all;
  if (m.timing)
    j["timing"] = json{{"method", m.timing->method},
                       {"warmup", m.timing->warmup},
                       {"min_repeats", m.timing->min_repeats},
                       {"min_time_s", m.timing->min_time_s},
                       {"l2_flush", m.timing->l2_flush},
                       {"l2_flush_mode", m.timing->l2_flush_mode},
                       {"scratch_pool", m.timing->scratch_pool},
                       {"row_time_limit_s", m.timing->row_time_limit_s}};
  if (m.seed) j["seed"] = *m.seed;
  json options = json::object();
  for (const auto& [impl, values] : m.impl_options) {
    json o = json::object();
    for (const auto& [key, value] : values) o[key] = value;
    options[impl] = o;
  }
  j["impl_options"] = options;
  if (!m.packed_spec.empty())
    j["packed"] = json{{"spec", m.packed_spec}, {"cu_seqlens", m.packed_cu_seqlens}};
  json plugins = json::array();
  for (const PluginRecord& p : m.plugins)
    plugins.push_back(json{{"path", p.path}, {"sha256", p.sha256}, {"implementations", p.implementations}});
  j["plugins"] = plugins;
  if (m.launch) {
    json launch{{"world_size", m.launch->world_size}};
    if (!m.launch->nccl_version.empty())  // the NCCL group formed
      launch.update(json{{"gpus", m.launch->gpus}, {"nccl_version", m.launch->nccl_version},
                         {"nccl_transports", m.launch->nccl_transports}});
    j["launch"] = launch;
  }
  return j;
}

json bench_row_json(const BenchRow& r) {
  const bool ok = r.status == RowStatus::ok;
  auto num = [&](double v) { return ok ? json(v) : json(nullptr); };
  auto integer = [&](int64_t v) { return ok ? json(v) : json(nullptr); };
  return json{{"impl", r.impl},
              {"origin", implementation_origin(r.impl)},
              {"device", r.device},
              {"function", r.function},
              {"batch", r.batch},
              {"heads", r.heads},
              {"seqlen", r.seqlen},
              {"dim_qk", r.dim_qk},
              {"dim_v", r.dim_v},
              {"dtype", r.dtype},
              {"decay", r.decay},
              {"mode", r.mode},
              {"timer", r.timer},
              {"context", r.context},
              {"status", row_status_name(r.status)},
              {"reason", r.reason},
              {"median_ms", num(r.median_ms)},
              {"min_ms", num(r.min_ms)},
              {"max_ms", num(r.max_ms)},
              {"repeats", integer(r.repeats)},
              {"tokens_per_s", num(r.tokens_per_s)},
              {"flops", num(r.flops)},
              {"flops_per_s", num(r.flops_per_s)},
              {"min_bytes", num(r.min_bytes)},
              {"floor_ms", ok ? optional_number(r.floor_ms) : json(nullptr)},
              {"fraction_of_floor", ok ? optional_number(r.fraction_of_floor) : json(nullptr)},
              {"peak_extra_bytes", integer(r.peak_extra_bytes)},
              {"outputs_bytes", integer(r.outputs_bytes)},
              {"driver_delta_bytes", integer(r.driver_delta_bytes)},
              {"packed", r.packed},
              {"equal_length_tokens_per_s", ok ? optional_number(r.equal_length_tokens_per_s) : json(nullptr)},
              {"plan", r.plan}};
}

json bench_json(const Metadata& meta, const std::vector<BenchRow>& rows) {
  json j{{"schema", kBenchSchema}, {"meta", metadata_json(meta)}, {"rows", json::array()}};
  for (const BenchRow& r : rows) j["rows"].push_back(bench_row_json(r));
  return j;
}

std::string decay_label(const Problem& p) {
  if (p.function != Function::linear_decay || !p.has_decay()) return "none";
  std::vector<double> alibi = alibi_slopes(p.heads);
  bool is_alibi = alibi.size() == p.slopes.size();
  for (size_t i = 0; is_alibi && i < alibi.size(); ++i)
    is_alibi = std::fabs(alibi[i] - p.slopes[i]) <= 1e-12 * std::fabs(alibi[i]);
  if (is_alibi) return "alibi";
  for (double s : p.slopes)
    if (s != p.slopes.front()) return "custom";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", p.slopes.front());
  return buf;
}

json verify_row_json(const CaseResult& r) {
  const Problem& p = r.vcase.problem;
  std::string sampled = "all";
  if (!r.vcase.sampled_heads.empty()) {
    sampled.clear();
    for (auto& [b, h] : r.vcase.sampled_heads)
      sampled += (sampled.empty() ? "" : ",") + ("b" + std::to_string(b) + "h" + std::to_string(h));
  }
  json checks = json::array();
  for (const TensorCheck& c : r.checks)
    checks.push_back(json{{"tensor", c.tensor},
                          {"rel_frobenius", c.rel_frobenius},
                          {"max_abs", c.max_abs},
                          {"tolerance", c.tolerance},
                          {"worst_rows_rel", c.worst_rows_rel},
                          {"rows_tolerance", c.rows_tolerance},
                          {"pass", c.pass},
                          {"non_finite", c.non_finite},
                          {"worst_batch", c.worst_batch},
                          {"worst_head", c.worst_head}});
  return json{{"impl", r.impl},
              {"origin", implementation_origin(r.impl)},
              {"case", r.vcase.label},
              {"batch", p.batch},
              {"heads", p.heads},
              {"seqlen", p.seqlen},
              {"cu_seqlens", p.cu_seqlens},
              {"dim_qk", p.dim_qk},
              {"dim_v", p.dim_v},
              {"dtype", dtype_name(p.dtype)},
              {"function", function_name(p.function)},
              {"decay", decay_label(p)},
              {"state", p.state_in || p.state_out},
              {"backward", r.vcase.backward},
              {"sampled_heads", sampled},
              {"seed", r.seed},
              {"status", status_word(r.status)},
              {"reason", r.reason},
              {"seconds", r.seconds},
              {"checks", checks}};
}

json verify_json(const Metadata& meta, const std::vector<CaseResult>& results) {
  json j{{"schema", kVerifySchema}, {"meta", metadata_json(meta)}, {"rows", json::array()}};
  for (const CaseResult& r : results) j["rows"].push_back(verify_row_json(r));
  return j;
}

std::string json_text(const json& doc) { return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace lasuite
