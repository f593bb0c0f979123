// la2's implementation options (`--impl-option`, `lasuite list`): what each takes and how it sets the
// PlanOptions that plan_pass works within. One place, used by la2_cuda.cpp and its tests.
#pragma once
#include <string>
#include <vector>

#include "harness/implementation.h"
#include "kernels/lightning2/la2_pass.h"

namespace lasuite::la2 {

// Every option with what it takes and its default, in the order `lasuite list` shows them.
std::vector<ImplOption> plan_option_list();

// Sets one option; a key that is not an option, or a value it does not take, is a UsageError saying
// what it takes.
void set_plan_option(PlanOptions& options, const std::string& key, const std::string& value);

}  // namespace lasuite::la2
