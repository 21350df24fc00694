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

// Parses Echo source (the body of a verb or an eval) into an AST.
ParseResult parse_echo(std::string_view source);

}  // namespace echo
