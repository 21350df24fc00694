// parse_moo: MOO source -> AST, through the tree-sitter grammar in
// grammar/moo. The tree is checked for syntax errors (parse_moo_errors.cpp)
// and, when it has none, lowered to the AST (lower_moo.cpp).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "lang/lower_moo.h"
#include "lang/parse.h"

namespace echo {

namespace moo {

const Grammar& Grammar::get() {
  static const Grammar grammar = [] {
    Grammar g{};
    g.lang = tree_sitter_moo();
    auto sym = [&](const char* name) {
      TSSymbol s = ts_language_symbol_for_name(g.lang, name, static_cast<uint32_t>(strlen(name)), true);
      if (s == 0) {
        std::fprintf(stderr, "parse_moo: grammar/moo has no node type '%s'\n", name);
        std::abort();
      }
      return s;
    };
    auto field = [&](const char* name) {
      TSFieldId f = ts_language_field_id_for_name(g.lang, name, static_cast<uint32_t>(strlen(name)));
      if (f == 0) {
        std::fprintf(stderr, "parse_moo: grammar/moo has no field '%s'\n", name);
        std::abort();
      }
      return f;
    };
    g.source_file = sym("source_file");
    g.block = sym("block");
    g.comment = sym("comment");
    g.expression_statement = sym("expression_statement");
    g.empty_statement = sym("empty_statement");
    g.if_statement = sym("if_statement");
    g.elseif_clause = sym("elseif_clause");
    g.else_clause = sym("else_clause");
    g.for_statement = sym("for_statement");
    g.for_range_statement = sym("for_range_statement");
    g.while_statement = sym("while_statement");
    g.fork_statement = sym("fork_statement");
    g.return_statement = sym("return_statement");
    g.break_statement = sym("break_statement");
    g.continue_statement = sym("continue_statement");
    g.try_statement = sym("try_statement");
    g.except_clause = sym("except_clause");
    g.finally_clause = sym("finally_clause");
    g.integer = sym("integer");
    g.float_ = sym("float");
    g.string = sym("string");
    g.object_id = sym("object_id");
    g.error_code = sym("error_code");
    g.true_ = sym("true");
    g.false_ = sym("false");
    g.identifier = sym("identifier");
    g.system_property = sym("system_property");
    g.system_verb_call = sym("system_verb_call");
    g.call_expression = sym("call_expression");
    g.property_expression = sym("property_expression");
    g.verb_call = sym("verb_call");
    g.index_expression = sym("index_expression");
    g.range_expression = sym("range_expression");
    g.first = sym("first");
    g.last = sym("last");
    g.unary_expression = sym("unary_expression");
    g.binary_expression = sym("binary_expression");
    g.conditional_expression = sym("conditional_expression");
    g.assignment_expression = sym("assignment_expression");
    g.scatter_assignment = sym("scatter_assignment");
    g.scatter_pattern = sym("scatter_pattern");
    g.scatter_optional = sym("scatter_optional");
    g.scatter_rest = sym("scatter_rest");
    g.list = sym("list");
    g.map = sym("map");
    g.map_entry = sym("map_entry");
    g.splice = sym("splice");
    g.catch_expression = sym("catch_expression");
    g.code_list = sym("code_list");
    g.any = sym("any");
    g.argument_list = sym("argument_list");
    g.parenthesized_expression = sym("parenthesized_expression");
    g.f_expression = field("expression");
    g.f_condition = field("condition");
    g.f_consequence = field("consequence");
    g.f_alternative = field("alternative");
    g.f_body = field("body");
    g.f_variable = field("variable");
    g.f_index = field("index");
    g.f_iterable = field("iterable");
    g.f_from = field("from");
    g.f_to = field("to");
    g.f_label = field("label");
    g.f_delay = field("delay");
    g.f_value = field("value");
    g.f_codes = field("codes");
    g.f_left = field("left");
    g.f_right = field("right");
    g.f_operator = field("operator");
    g.f_operand = field("operand");
    g.f_object = field("object");
    g.f_property = field("property");
    g.f_verb = field("verb");
    g.f_arguments = field("arguments");
    g.f_function = field("function");
    g.f_name = field("name");
    g.f_default = field("default");
    g.f_key = field("key");
    return g;
  }();
  return grammar;
}

}  // namespace moo

namespace {

// One parser per thread: verbs are compiled on many threads at once.
struct ThreadParser {
  TSParser* parser = ts_parser_new();
  ThreadParser() { ts_parser_set_language(parser, moo::Grammar::get().lang); }
  ~ThreadParser() { ts_parser_delete(parser); }
};

// Tree-sitter reads UTF-8, but MOO strings are bytes (often Latin-1). Bytes
// outside ASCII, and NUL, are parsed as \x01: valid inside a string literal,
// an error anywhere else, and one byte each so every position is unchanged.
// String values are taken from the original text.
bool needs_cleaning(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') return true;
  return false;
}

}  // namespace

ParseResult parse_moo(std::string_view source) {
  ParseResult result;
  if (source.size() >= UINT32_MAX) {
    result.errors.push_back(CompileError{1, 1, "program too large"});
    return result;
  }
  ast::Pos deep_at;
  if (ts::too_deep_text(source, ts::kMaxTreeDepth, &deep_at)) {
    result.errors.push_back(CompileError{deep_at.line, deep_at.column, ts::too_deep_message(ts::kMaxTreeDepth)});
    return result;
  }
  thread_local ThreadParser tp;
  std::string cleaned;
  std::string_view text = source;
  if (needs_cleaning(source)) {
    cleaned.assign(source);
    for (char& c : cleaned)
      if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') c = '\x01';
    text = cleaned;
  }
  TSTree* tree =
      ts_parser_parse_string(tp.parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
  if (!tree) {
    result.errors.push_back(CompileError{1, 1, "the parser failed"});
    return result;
  }
  TSNode root = ts_tree_root_node(tree);
  TSNode deep;
  if (ts::too_deep(root, ts::kMaxTreeDepth, &deep)) {
    ast::Pos p = ts::node_pos(deep);
    result.errors.push_back(CompileError{p.line, p.column, ts::too_deep_message(ts::kMaxTreeDepth)});
  } else if (ts_node_has_error(root))
    moo::report_syntax_errors(root, text, source, result.errors);
  else
    moo::lower_program(root, source, result);
  ts_tree_delete(tree);
  if (!result.errors.empty()) result.program.body.clear();
  return result;
}

}  // namespace echo
