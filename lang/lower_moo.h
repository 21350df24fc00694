// Internal to the MOO front end (parse_moo.cpp, parse_moo_errors.cpp,
// lower_moo.cpp): the grammar's symbols and fields, looked up once, and the
// two passes over a tree-sitter tree.
#pragma once

#include <tree_sitter/api.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "lang/parse.h"
#include "lang/ts_util.h"

extern "C" const TSLanguage* tree_sitter_moo(void);

namespace echo::moo {

// Node symbols and field ids of grammar/moo, resolved by name at first use.
struct Grammar {
  const TSLanguage* lang;
  TSSymbol source_file, block, comment, expression_statement, empty_statement, if_statement,
      elseif_clause, else_clause, for_statement, for_range_statement, while_statement,
      fork_statement, return_statement, break_statement, continue_statement, try_statement,
      except_clause, finally_clause, integer, float_, string, object_id, error_code, true_,
      false_, identifier, system_property, system_verb_call, call_expression,
      property_expression, verb_call, index_expression, range_expression, first, last,
      unary_expression, binary_expression, conditional_expression, assignment_expression,
      scatter_assignment, scatter_pattern, scatter_optional, scatter_rest, list, map, map_entry,
      splice, catch_expression, code_list, any, argument_list, parenthesized_expression;
  TSFieldId f_expression, f_condition, f_consequence, f_alternative, f_body, f_variable,
      f_index, f_iterable, f_from, f_to, f_label, f_delay, f_value, f_codes, f_left, f_right,
      f_operator, f_operand, f_object, f_property, f_verb, f_arguments, f_function, f_name,
      f_default, f_key;

  static const Grammar& get();
};

using ts::node_pos;
using ts::node_text;

// True for the words LambdaMOO reserves (if, endfor, any, E_TYPE, ...) and
// true/false; compared without regard to case.
bool is_reserved_word(std::string_view word);

// Appends a CompileError for every ERROR and MISSING node of the tree.
// `text` is what was parsed, `original` the caller's source (the same bytes
// except for the ones parse_moo replaced to keep the input valid UTF-8).
void report_syntax_errors(TSNode root, std::string_view text, std::string_view original,
                          std::vector<CompileError>& errors);

// Lowers an error-free tree to the AST, adding the compiler's checks.
void lower_program(TSNode root, std::string_view source, ParseResult& out);

}  // namespace echo::moo
