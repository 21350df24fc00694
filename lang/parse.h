// Source text -> AST, through the tree-sitter grammars in grammar/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lang/ast.h"

namespace echo {

// The two syntaxes over one AST: a verb's source records which it is in.
enum class Syntax { Moo, Echo };

struct CompileError {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string message;  // what was found and what was expected
  std::string to_string() const;  // "Line 3, column 7: expected ';' after expression"
};

struct ParseResult {
  ast::Program program;              // valid only when errors is empty
  std::vector<CompileError> errors;  // every error found, in source order
  bool ok() const { return errors.empty(); }
};

// Parses MOO source (the body of a verb or an eval) into an AST.
ParseResult parse_moo(std::string_view source);

// A REPL session's names, for Echo source evaluated in it (parse_echo with
// one, compile_echo, EvalOptions::keep_bindings). Read by the parser:
// `variables`, what earlier lines left, are in scope by name (so `sq(9)`
// calls the function in `sq`), and those also in `constants` cannot be
// assigned. Written by it: each top-level let, const and fn statement of
// the line, as its source name and the variable that holds it (`sq#1`),
// so that the REPL can keep it under its name; a nested block's bindings
// stay in their block.
struct ReplScope {
  struct Declared {
    std::string name;      // as written
    std::string internal;  // the program's variable
    bool is_const = false;
  };
  std::vector<std::string> variables;
  std::vector<std::string> constants;  // a subset of variables
  std::vector<Declared> declared;      // in the order declared
};

// Parses Echo source (the body of a verb or an eval) into an AST; with a
// REPL scope, as a line of that REPL.
ParseResult parse_echo(std::string_view source, ReplScope* repl = nullptr);

}  // namespace echo
