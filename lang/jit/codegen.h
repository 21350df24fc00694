// The JIT's code generator (lang/jit/jit_codegen.cpp, the one file that
// includes LLVM): bytecode to LLVM IR to native code with ORC LLJIT.
//
// It is built as a module of its own (libecho_jit_codegen.so, with the LLVM
// components it needs linked in statically) and loaded with dlopen() when
// the first program gets hot: linking libLLVM-14.so took the server from
// about 28 to 71-75 MiB before anyone connected, JIT or not (its static
// constructors, for every target LLVM has). What the module calls back into
// comes as CodegenHooks, so it needs no symbol of the executable.
#pragma once

#include <cstdint>
#include <string>

#include "lang/jit/jit.h"

namespace echo {
struct Instr;
enum class Op : uint8_t;
}  // namespace echo

namespace echo::jit {

// Compiles p's main vector. Returns null, with the reason in *why, when it
// cannot (a build without LLVM, a module that did not load, or LLVM failed).
// Not reentrant: the caller serializes calls. The result lives until the
// process ends.
const Native* compile_native(const Program& p, std::string* why);

// The module's view of the rest of the JIT (lang/jit/runtime.h, jit.h).
struct CodegenHooks {
  bool (*has_helper)(Op);
  Mode (*mode)();
  uint32_t (*run_op)(Value*, const Program*, const Instr*);
  void (*release_reg)(Value*, uint32_t);
};

// The module's one entry point, found with dlsym().
using CompileEntry = const Native* (*)(const Program& p, std::string* why, const CodegenHooks* hooks);
inline constexpr const char* kCompileEntryName = "echo_jit_compile_native";

}  // namespace echo::jit
