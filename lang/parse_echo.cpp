// The Echo front end's entry points: parse (grammar/echo) and lower to the
// shared AST, report syntax errors, and compile verb bodies and functions.
#include <stdexcept>

#include "lang/compiler.h"
#include "lang/function.h"
#include "lang/lower_echo.h"

namespace echo {

namespace echo_syntax {

namespace {

std::string shorten(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '\n') break;
    r += c;
    if (r.size() >= 24) {
      r += "...";
      break;
    }
  }
  return r;
}

bool is_error(TSNode n) { return std::string_view(ts_node_type(n)) == "ERROR"; }

// The end keyword each opener needs, for "is not closed" messages.
const char* closer_of(std::string_view t) {
  static const std::pair<const char*, const char*> table[] = {
      {"if", "endif"},       {"while", "endwhile"},       {"for", "endfor"},     {"fork", "endfork"},
      {"try", "endtry"},     {"fn", "endfn"},             {"object", "endobject"}, {"verb", "endverb"},
      {"function", "endfunction"}, {"on", "endon"},      {"(", ")"},           {"[", "]"},
      {"{", "}"}};
  for (auto& [open, close] : table)
    if (t == open) return close;
  return nullptr;
}

bool is_closer(std::string_view t) {
  for (const char* c : {"endif", "endwhile", "endfor", "endfork", "endtry", "endfn", "endobject", "endverb",
                        "endfunction", "endon", "elseif", "else", ")", "]", "}"})
    if (t == c) return true;
  return false;
}

// What the parser wanted where it failed, from the node it failed in.
std::string expectation(std::string_view parent) {
  static const char* const expr_contexts[] = {
      "binary_expression", "unary_expression", "assignment_expression", "argument_list", "list", "map",
      "map_entry", "return_statement", "conditional_expression", "parenthesized_expression", "record_entry",
      "index_expression", "range_expression", "let_declaration", "const_declaration", "throw_statement"};
  for (const char* c : expr_contexts)
    if (parent == c) return ": expected an expression";
  if (parent == "source_file" || parent == "block" || parent == "brace_block") return ": expected a statement";
  return "";
}

void collect_errors(TSNode n, std::string_view src, std::vector<CompileError>& errors) {
  if (ts_node_is_missing(n)) {
    ast::Pos p = node_pos(n);
    std::string_view type = ts_node_type(n);
    std::string what = type == "identifier" ? "an expression or a name" : "`" + std::string(type) + "'";
    errors.push_back({p.line, p.column, "expected " + what});
    return;
  }
  if (ts_node_is_null(n)) return;
  if (is_error(n)) {
    ast::Pos p = node_pos(n);
    // The first token of the error: what the parser could not place.
    TSNode first = n;
    while (ts_node_child_count(first) > 0) first = ts_node_child(first, 0);
    std::string_view t = node_text(first, src);
    TSNode parent = ts_node_parent(n);
    std::string_view ptype = ts_node_is_null(parent) ? "" : ts_node_type(parent);
    std::string msg;
    const char* closer = closer_of(t);
    bool to_end = ts_node_end_byte(n) >= src.size() || src.find_first_not_of(" \t\r\n", ts_node_end_byte(n)) == std::string_view::npos;
    bool bracket = t == "(" || t == "[" || t == "{";
    if (closer && (to_end || bracket)) msg = "`" + std::string(t) + "' is not closed: expected `" + closer + "'";
    else if (is_closer(t)) msg = "unexpected `" + std::string(t) + "': nothing open here for it to close";
    else if (t.empty()) msg = "syntax error";
    else msg = "unexpected `" + shorten(t) + "'" + expectation(ptype);
    errors.push_back({p.line, p.column, msg});
    return;
  }
  if (!ts_node_has_error(n)) return;
  uint32_t count = ts_node_child_count(n);
  for (uint32_t i = 0; i < count; ++i) collect_errors(ts_node_child(n, i), src, errors);
}

struct ThreadParser {
  TSParser* parser = ts_parser_new();
  ThreadParser() { ts_parser_set_language(parser, language()); }
  ~ThreadParser() { ts_parser_delete(parser); }
};

}  // namespace

bool parse_echo_tree(std::string_view text, EchoTree& t, std::vector<CompileError>& errors) {
  if (text.size() >= UINT32_MAX) {
    errors.push_back({1, 1, "program too large"});
    return false;
  }
  ast::Pos deep_at;
  if (ts::too_deep_text(text, ts::kMaxTreeDepth, &deep_at)) {
    errors.push_back({deep_at.line, deep_at.column, ts::too_deep_message(ts::kMaxTreeDepth)});
    return false;
  }
  thread_local ThreadParser tp;
  t.tree = ts_parser_parse_string(tp.parser, nullptr, text.data(), uint32_t(text.size()));
  if (!t.tree) {
    errors.push_back({1, 1, "the parser failed"});
    return false;
  }
  TSNode root = ts_tree_root_node(t.tree);
  TSNode deep;
  if (ts::too_deep(root, ts::kMaxTreeDepth, &deep)) {
    ast::Pos p = node_pos(deep);
    errors.push_back({p.line, p.column, ts::too_deep_message(ts::kMaxTreeDepth)});
    return false;
  }
  if (ts_node_has_error(root)) {
    report_syntax_errors(root, text, errors);
    return false;
  }
  return true;
}

void sort_errors(std::vector<CompileError>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const CompileError& a, const CompileError& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
}

void report_syntax_errors(TSNode root, std::string_view src, std::vector<CompileError>& errors) {
  collect_errors(root, src, errors);
  if (errors.empty()) errors.push_back({1, 1, "syntax error"});
}

}  // namespace echo_syntax

ParseResult parse_echo(std::string_view source, ReplScope* repl) {
  ParseResult result;
  echo_syntax::EchoTree t;
  if (!echo_syntax::parse_echo_tree(source, t, result.errors)) {
    echo_syntax::sort_errors(result.errors);
    return result;
  }
  echo_syntax::Lowerer lowerer(source, result.errors);
  lowerer.set_repl(repl);
  result.program = lowerer.program(ts_tree_root_node(t.tree));
  echo_syntax::sort_errors(result.errors);
  if (!result.errors.empty()) result.program.body.clear();
  return result;
}

CompileResult compile_echo(std::string_view source, ReplScope* repl) {
  ParseResult parsed = parse_echo(source, repl);
  if (!parsed.ok()) {
    CompileResult r;
    r.errors = std::move(parsed.errors);
    return r;
  }
  CompileResult r = compile_program(parsed.program, std::string(source));
  if (r.program) {
    auto p = std::const_pointer_cast<Program>(r.program);
    p->syntax = "echo";
  }
  return r;
}

// A function's text compiled on its own: it is parsed as `return TEXT;`, and
// its free names resolve to the captures it was created with.
std::shared_ptr<const Program> compile_function(const FuncObj& f) {
  std::string text = "return " + f.source + ";";
  std::vector<CompileError> errors;
  echo_syntax::EchoTree t;
  auto fail = [&](const std::string& why) -> std::shared_ptr<const Program> {
    throw std::runtime_error("function `" + f.source.substr(0, 40) + "': " + why);
  };
  if (!echo_syntax::parse_echo_tree(text, t, errors)) return fail(errors.front().to_string());
  TSNode root = ts_tree_root_node(t.tree);
  TSNode ret = ts_node_named_child(root, 0);
  TSNode node = ts_node_child_by_field_name(ret, "value", 5);
  if (ts_node_named_child_count(root) != 1 || ts_node_is_null(node) ||
      (echo_syntax::kind_of(node) != echo_syntax::K::lambda &&
       echo_syntax::kind_of(node) != echo_syntax::K::function_expression))
    return fail("the text is not one function");
  echo_syntax::Lowerer lowerer(text, errors);
  auto fn = lowerer.standalone_function(node, f.capture_names, f.capture_by_ref, f.name);
  if (!errors.empty()) return fail(errors.front().to_string());
  CompileResult r = compile_program_function(*fn);
  if (!r.ok()) return fail(r.errors.front().to_string());
  return r.program;
}

const char* syntax_name(Syntax s) { return s == Syntax::Echo ? "echo" : "moo"; }

bool syntax_from_name(std::string_view name, Syntax* out) {
  if (name == "moo") *out = Syntax::Moo;
  else if (name == "echo") *out = Syntax::Echo;
  else return false;
  return true;
}

CompileResult compile_source(std::string_view source, Syntax syntax) {
  return syntax == Syntax::Echo ? compile_echo(source) : compile_moo(source);
}

}  // namespace echo
