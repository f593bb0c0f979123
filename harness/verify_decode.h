// Decoding checked against one forward pass (issue 17): a prefill of n tokens (its final state out),
// then `steps` decode steps of T tokens per sequence, each a forward of T tokens from the state the
// step before left (in place where the implementation says it can, Support::state_in_place), must
// give the last steps * T outputs and the final state of the float64 reference over all n + steps * T
// tokens. Any implementation with an initial/final state can decode this way; one without is skipped.
// Softmax attention decodes against a KV cache instead (Support::kv_cache, Problem::context): the same
// cases, each step's T queries against the keys and values of every row up to theirs, its outputs
// checked against the reference over the whole sequence ("O_decode" alone).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "harness/verify.h"

namespace lasuite {

struct DecodeCase {
  std::string label;
  Problem problem;  // batch B, heads, seqlen = n (the prefill), dims, dtype, slopes
  int64_t steps = 1, tokens_per_step = 1;
};

// T in {1, 2, 7, 16}, decay on and off, B in {1, 3, 64}, small heads so the CPU gate stays short.
std::vector<DecodeCase> decode_cases(DType dtype);

// The case as its result row names it when `info`'s implementation decodes it (or would have): the whole
// sequence (the prefill and every step), forward only.
VerifyCase decode_row_case(const ImplInfo& info, const DecodeCase& c);

// Checks "O_decode" (the outputs of every decode step) and "S_out" (the state after the last step).
// The CaseResult's problem is the whole sequence (seqlen = n + steps * T) with a final state.
CaseResult verify_decode_case(Implementation& impl, const DecodeCase& c, uint64_t seed);

}  // namespace lasuite
