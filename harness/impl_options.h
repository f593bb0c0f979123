// `--impl-option [impl:]key=value`: the choices an experiment makes for an implementation (a plan, a
// kernel family), checked against what each chosen implementation declares before any work, applied
// to each instance, and recorded with their values in force in the result files.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "harness/implementation.h"

namespace lasuite {

struct OptionSetting {
  std::string impl;  // empty: every chosen implementation that declares `key`
  std::string key, value;
  std::string text;  // as given, for messages
};

// impl name -> (key -> value in force): every declared option of every implementation that has any.
using OptionRecord = std::map<std::string, std::map<std::string, std::string>>;

// "key=value" or "impl:key=value"; a text without '=' or with an empty key or value is a UsageError.
std::vector<OptionSetting> parse_impl_options(const std::vector<std::string>& texts);

// Refuses (UsageError) a setting that no chosen implementation declares, one naming an implementation
// that is not chosen, and a value an implementation refuses: all before any work.
void check_impl_options(const std::vector<OptionSetting>& settings, const std::vector<std::string>& impls);

// Applies the settings meant for `impl` in the order given; returns each of its declared options with
// the value in force (the given one, or its default).
std::map<std::string, std::string> apply_impl_options(Implementation& impl, const std::vector<OptionSetting>& settings);

}  // namespace lasuite
