// Constants the device code of several kernel families shares.
#pragma once

namespace lasuite::dev {

// log2(e): the kernels keep exponents in the log2 domain (exp(x) = exp2(x log2 e)), where exp2 is one
// instruction.
constexpr float kLog2e = 1.4426950408889634f;

}  // namespace lasuite::dev
