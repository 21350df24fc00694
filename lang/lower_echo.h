// Internal to the Echo front end (parse_echo.cpp, lower_echo.cpp,
// lower_echo_expr.cpp): lowering of an error-free grammar/echo tree to the
// AST of lang/ast.h, with Echo's scoping resolved here so that the compiler
// sees only MOO-style variables:
//
// - `let`/`const` bindings are block-scoped: each gets an internal variable
//   name, `x` or, when the function already uses `x`, `x#2`, `x#3`... ('#'
//   cannot appear in a source name, so nothing collides).
// - A name is looked up in the function's own let scopes, then in the let
//   scopes of enclosing functions (captured by reference: the variable lives
//   in a cell), then among the function's MOO variables (assigned somewhere in
//   it), then among the enclosing functions' MOO variables (captured by value).
// - Hidden temporaries (match subjects, destructuring sources) are named
//   `$m1`, `$d1`, ...
#pragma once

#include <tree_sitter/api.h>

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lang/parse.h"
#include "lang/ts_util.h"

extern "C" const TSLanguage* tree_sitter_echo(void);

namespace echo::echo_syntax {

// Node kinds of grammar/echo, by name (see grammar/echo/README.md).
enum class K : uint8_t {
  Other,
  source_file, block, brace_block, comment, expression_statement, function_declaration, empty_statement, if_statement,
  elseif_clause, else_clause, for_statement, for_range_statement, while_statement, fork_statement,
  return_statement, break_statement, continue_statement, try_statement, except_clause,
  finally_clause, let_declaration, const_declaration, throw_statement, yield_statement,
  emit_statement, grant_statement, revoke_statement,
  integer, float_, string, object_id, error_code, true_, false_, null, identifier,
  system_property, system_verb_call, call_expression, property_expression, verb_call,
  index_expression, range_expression, first, last, unary_expression, binary_expression,
  conditional_expression, assignment_expression, scatter_assignment, scatter_pattern,
  scatter_optional, scatter_rest, list, map, map_entry, splice, catch_expression, code_list, any,
  argument_list, parenthesized_expression, record, record_entry, record_key, lambda,
  function_expression, parameter_list, apply_expression, error_call, match_expression, match_arm,
  wildcard, list_pattern, alternative_pattern,
  object_definition, property_definition, verb_definition, function_definition, event_handler,
  error_handler, event_declaration, capability_declaration, query_rule, fact, query_variable, atom,
  negation, requires_clause,
  COUNT
};

K kind_of(TSNode n);
const TSLanguage* language();

using ts::node_pos;
using ts::node_text;

// Appends a CompileError for every ERROR and MISSING node.
void report_syntax_errors(TSNode root, std::string_view src, std::vector<CompileError>& errors);

// A parse tree of Echo text, deleted with its owner.
struct EchoTree {
  TSTree* tree = nullptr;
  EchoTree() = default;
  EchoTree(const EchoTree&) = delete;
  EchoTree& operator=(const EchoTree&) = delete;
  ~EchoTree() {
    if (tree) ts_tree_delete(tree);
  }
  TSNode root() const { return ts_tree_root_node(tree); }
};
// Parses text; false (with the syntax errors appended) when it has any.
bool parse_echo_tree(std::string_view text, EchoTree& t, std::vector<CompileError>& errors);
void sort_errors(std::vector<CompileError>& errors);

// A binding visible to a function: its internal variable name and kind.
struct Binding {
  std::string internal;
  bool is_let = false;    // let/const/parameter (captured by reference)
  bool is_const = false;
};

class Lowerer {
 public:
  Lowerer(std::string_view src, std::vector<CompileError>& errors) : src_(src), errors_(errors) {}

  // A verb body (or eval): the statements of a source_file. With a REPL
  // scope set first, a line of that REPL (see ReplScope in lang/parse.h).
  ast::Program program(TSNode root);
  void set_repl(ReplScope* repl) { repl_ = repl; }
  // A function compiled on its own (after a restore): `node` is the lambda
  // or function_expression, `captures` its capture names in order.
  std::shared_ptr<ast::Function> standalone_function(TSNode node, const std::vector<std::string>& captures,
                                                     const std::vector<bool>& by_ref, const std::string& self_name);

  // Shared with the object-file loader: lowers an expression of a property
  // value, or a function body given its parameter list.
  ast::ExprPtr constant_expression(TSNode n);
  std::shared_ptr<ast::Function> function_from(TSNode params, TSNode body, bool body_is_expression,
                                               std::string name, TSNode whole);

 private:
  struct Scope {
    std::map<std::string, Binding> names;  // by lower-cased source name
  };
  struct Fn {
    Fn* parent = nullptr;
    bool is_function = false;
    std::vector<Scope> scopes;
    std::set<std::string> moo_vars;  // lower-cased source names assigned in this function
    std::set<std::string> used;      // lower-cased internal names in use
    std::map<std::string, Binding> captured;  // by lower-cased source name
    std::vector<ast::Function::Capture> captures;
    std::set<std::string> boxed;              // internal names that live in cells
    int hidden = 0;
  };

  // ---- scoping (lower_echo.cpp)
  void prescan(TSNode n, Fn& fn);
  std::string fresh_name(Fn& fn, std::string_view source_name);
  Binding declare(TSNode at, std::string_view name, bool is_const, bool is_let = true);
  Binding declare_statement_name(TSNode at, std::string_view name, bool is_const);
  std::optional<Binding> lookup(Fn& fn, const std::string& key);
  std::optional<Binding> lookup(std::string_view name);
  std::string write_target(TSNode at, std::string_view name);
  std::string hidden(const char* prefix);
  void push_scope() { fn_->scopes.emplace_back(); }
  void pop_scope() { fn_->scopes.pop_back(); }

  // ---- statements (lower_echo.cpp)
  ast::Block statements(TSNode parent);  // a new scope
  void statement_list(TSNode parent, ast::Block& out);
  void statement(TSNode n, ast::Block& out);
  ast::StmtPtr if_statement(TSNode n);
  ast::StmtPtr for_statement(TSNode n, bool range);
  ast::StmtPtr try_statement(TSNode n);
  void let_declaration(TSNode n, bool is_const, ast::Block& out);
  ast::StmtPtr throw_statement(TSNode n);

  // ---- expressions (lower_echo_expr.cpp)
  ast::ExprPtr expr(TSNode n);
  ast::ExprPtr argument(TSNode n);
  void arguments(TSNode list, std::vector<ast::ExprPtr>& out);
  ast::ExprPtr binary(TSNode n, ast::Pos p);
  ast::ExprPtr unary(TSNode n, ast::Pos p);
  ast::ExprPtr assignment(TSNode n, ast::Pos p);
  ast::ExprPtr scatter(TSNode pattern, ast::ExprPtr value, bool declare, bool is_const, ast::Pos p);
  ast::ExprPtr call(TSNode n, ast::Pos p);
  ast::ExprPtr function(TSNode n);
  ast::ExprPtr match(TSNode n, ast::Pos p);
  // A test that is true when the value `subject()` builds matches `pat`,
  // binding the pattern's names (declared in the current scope) on the way.
  ast::ExprPtr pattern_test(TSNode pat, const std::function<ast::ExprPtr()>& subject);
  ast::ExprPtr integer(TSNode n, bool negative, ast::Pos p);
  ast::ExprPtr floating(TSNode n, bool negative, ast::Pos p);

  // ---- helpers
  template <class F>
  void each_child(TSNode n, F&& f) {
    uint32_t count = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < count; ++i) {
      TSNode ch = ts_node_named_child(n, i);
      if (kind_of(ch) != K::comment) f(ch);
    }
  }
  TSNode field(TSNode n, const char* name) {
    return ts_node_child_by_field_name(n, name, uint32_t(std::char_traits<char>::length(name)));
  }
  std::string_view text(TSNode n) { return node_text(n, src_); }
  // A variable's name: an identifier, or a `?name` token (an optional target).
  std::string_view name_text(TSNode n) {
    std::string_view t = text(n);
    return !t.empty() && t[0] == '?' ? t.substr(1) : t;
  }
  void fail(TSNode n, std::string message);
  static ast::ExprPtr make(ast::ExprKind k, ast::Pos p) { return std::make_unique<ast::Expr>(k, p); }
  static ast::ExprPtr literal(ast::Pos p, Value v);
  static ast::ExprPtr var(ast::Pos p, std::string name);
  static ast::ExprPtr builtin(ast::Pos p, std::string name, std::vector<ast::ExprPtr> args);

  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& depth) : d(++depth) {}
    ~DepthGuard() { --d; }
  };

  std::string_view src_;
  std::vector<CompileError>& errors_;
  Fn* fn_ = nullptr;
  Fn* root_fn_ = nullptr;  // program()'s, whose second scope is a REPL line's top level
  ReplScope* repl_ = nullptr;
  Fn* prepared_ = nullptr;
  std::string self_name_;   // the let name the next function value is given  // standalone_function's context, taken by function_from
  std::vector<std::unique_ptr<Fn>> fns_;
  int index_depth_ = 0;
  int depth_ = 0;
  bool too_deep_ = false;
  static constexpr int kMaxDepth = 1500;
  const char* stack_base_ = ts::stack_mark();  // see ts::kMaxLoweringStack
  bool deeper_than_allowed() const {
    return depth_ > kMaxDepth || ts::stack_used_since(stack_base_) > ts::kMaxLoweringStack;
  }
};

// Echo string literal -> bytes: \n \t \" \\ and \c = c.
std::string unescape_echo(std::string_view token);

}  // namespace echo::echo_syntax
