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

// Compiles an Echo function's body on its own (see ast::Function).
CompileResult compile_program_function(const ast::Function& fn);

// Parses and compiles MOO source.
CompileResult compile_moo(std::string_view source);

// Parses and compiles a verb body (or an eval) in Echo syntax
// (lang/parse_echo.cpp). Its Program records syntax "echo".
// With a REPL scope, as a line of that REPL (see ReplScope in parse.h).
CompileResult compile_echo(std::string_view source, ReplScope* repl = nullptr);

const char* syntax_name(Syntax s);                      // "moo", "echo"
bool syntax_from_name(std::string_view name, Syntax* out);
CompileResult compile_source(std::string_view source, Syntax syntax);

}  // namespace echo
