// The JIT's code generator (lang/jit/jit_codegen.cpp, the one file that
// includes LLVM): bytecode to LLVM IR to native code with ORC LLJIT.
#pragma once

#include <string>

#include "lang/jit/jit.h"

namespace echo::jit {

// Compiles p's main vector. Returns null, with the reason in *why, when it
// cannot (a build without LLVM, or LLVM failed). Not reentrant: the caller
// serializes calls. The result lives until the process ends.
const Native* compile_native(const Program& p, std::string* why);

}  // namespace echo::jit
