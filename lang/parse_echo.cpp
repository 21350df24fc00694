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

void collect_errors(TSNode n, std::string_view src, std::vector<CompileError>& errors) {
  if (ts_node_is_missing(n)) {
    ast::Pos p = node_pos(n);
    errors.push_back({p.line, p.column, std::string("expected `") + ts_node_type(n) + "'"});
    return;
  }
  if (ts_node_is_null(n)) return;
  if (is_error(n)) {
    ast::Pos p = node_pos(n);
    // The first token of the error: what the parser could not place.
    TSNode first = n;
    while (ts_node_child_count(first) > 0) first = ts_node_child(first, 0);
    std::string_view t = node_text(first, src);
    std::string msg = t.empty() ? "syntax error" : "syntax error: unexpected `" + shorten(t) + "'";
    TSNode parent = ts_node_parent(n);
    if (!ts_node_is_null(parent) && !is_error(parent) &&
        std::string_view(ts_node_type(parent)) != "source_file")
      msg += std::string(" in ") + ts_node_type(parent);
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
  thread_local ThreadParser tp;
  t.tree = ts_parser_parse_string(tp.parser, nullptr, text.data(), uint32_t(text.size()));
  if (!t.tree) {
    errors.push_back({1, 1, "the parser failed"});
    return false;
  }
  TSNode root = ts_tree_root_node(t.tree);
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

ParseResult parse_echo(std::string_view source) {
  ParseResult result;
  echo_syntax::EchoTree t;
  if (!echo_syntax::parse_echo_tree(source, t, result.errors)) {
    echo_syntax::sort_errors(result.errors);
    return result;
  }
  echo_syntax::Lowerer lowerer(source, result.errors);
  result.program = lowerer.program(ts_tree_root_node(t.tree));
  echo_syntax::sort_errors(result.errors);
  if (!result.errors.empty()) result.program.body.clear();
  return result;
}

CompileResult compile_echo(std::string_view source) {
  ParseResult parsed = parse_echo(source);
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
  auto fn = lowerer.standalone_function(node, f.capture_names, f.capture_by_ref);
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
