// AST -> bytecode.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "lang/ast.h"
#include "lang/bytecode.h"
#include "lang/parse.h"

namespace echo {

struct CompileResult {
  std::shared_ptr<const Program> program;  // null when errors is non-empty
  std::vector<CompileError> errors;
  bool ok() const { return errors.empty(); }
};

// Compiles a parsed program. `source` is kept in the Program (verb code is
// stored as written).
CompileResult compile_program(const ast::Program& ast, std::string source);

// Parses and compiles MOO source.
CompileResult compile_moo(std::string_view source);

}  // namespace echo
