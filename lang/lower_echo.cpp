// Echo front end: node kinds, scoping, and statements. See lower_echo.h.
#include "lang/lower_echo.h"

#include "lang/bytecode.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace echo::echo_syntax {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Pos;
using ast::Stmt;
using ast::StmtKind;
using ast::StmtPtr;

namespace {

using ts::lower_case;

// The MOO built-in variables: every frame has them, so they are never
// captured and never renamed.
bool is_builtin_var(const std::string& key) {
  for (const char* n : kBuiltinVarNames)
    if (compare_ci(key, n) == 0) return true;
  return false;
}

const char* const kKindNames[] = {
    "",
    "source_file", "block", "brace_block", "comment", "expression_statement", "function_declaration",
    "empty_statement",
    "if_statement", "elseif_clause", "else_clause", "for_statement", "for_range_statement",
    "while_statement", "fork_statement", "return_statement", "break_statement",
    "continue_statement", "try_statement", "except_clause", "finally_clause", "let_declaration",
    "const_declaration", "throw_statement", "yield_statement", "emit_statement",
    "grant_statement", "revoke_statement",
    "integer", "float", "string", "object_id", "error_code", "true", "false", "null",
    "identifier", "system_property", "system_verb_call", "call_expression",
    "property_expression", "verb_call", "index_expression", "range_expression", "first", "last",
    "unary_expression", "binary_expression", "conditional_expression", "assignment_expression",
    "scatter_assignment", "scatter_pattern", "scatter_optional", "scatter_rest", "list", "map",
    "map_entry", "splice", "catch_expression", "code_list", "any", "argument_list",
    "parenthesized_expression", "record", "record_entry", "record_key", "lambda",
    "function_expression", "parameter_list", "apply_expression", "error_call",
    "match_expression", "match_arm", "wildcard", "list_pattern", "alternative_pattern",
    "object_definition", "property_definition", "verb_definition", "function_definition",
    "event_handler", "error_handler", "event_declaration", "capability_declaration",
    "query_rule", "fact", "query_variable", "atom", "negation", "requires_clause",
};
static_assert(sizeof(kKindNames) / sizeof(kKindNames[0]) == size_t(K::COUNT));

}  // namespace

const TSLanguage* language() { return tree_sitter_echo(); }

K kind_of(TSNode n) {
  // Symbol id -> kind, built once from the grammar's own symbol names.
  static const std::vector<K> table = [] {
    const TSLanguage* lang = language();
    uint32_t count = ts_language_symbol_count(lang);
    std::vector<K> t(count, K::Other);
    for (uint32_t s = 0; s < count; ++s) {
      if (ts_language_symbol_type(lang, TSSymbol(s)) != TSSymbolTypeRegular) continue;
      const char* name = ts_language_symbol_name(lang, TSSymbol(s));
      for (size_t k = 1; k < size_t(K::COUNT); ++k)
        if (std::strcmp(name, kKindNames[k]) == 0) t[s] = K(k);
    }
    return t;
  }();
  TSSymbol s = ts_node_symbol(n);
  return s < table.size() ? table[s] : K::Other;
}

std::string unescape_echo(std::string_view token) {
  std::string out;
  if (token.size() < 2) return out;
  out.reserve(token.size() - 2);
  for (size_t i = 1; i + 1 < token.size(); i++) {
    char c = token[i];
    if (c == '\\' && i + 2 < token.size()) {
      c = token[++i];
      if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
    }
    out += c;
  }
  return out;
}

void Lowerer::fail(TSNode n, std::string message) {
  Pos p = node_pos(n);
  errors_.push_back(CompileError{p.line, p.column, std::move(message)});
}

ExprPtr Lowerer::literal(Pos p, Value v) {
  ExprPtr e = make(ExprKind::Literal, p);
  e->value = std::move(v);
  return e;
}

ExprPtr Lowerer::var(Pos p, std::string name) {
  ExprPtr e = make(ExprKind::Var, p);
  e->name = std::move(name);
  return e;
}

ExprPtr Lowerer::builtin(Pos p, std::string name, std::vector<ExprPtr> args) {
  ExprPtr e = make(ExprKind::Builtin, p);
  e->name = std::move(name);
  e->args = std::move(args);
  return e;
}

// ---------------------------------------------------------------- scoping

// The MOO variables of a function: every name assigned in it outside let and
// const declarations, not looking into the functions it contains.
void Lowerer::prescan(TSNode n, Fn& fn) {
  K k = kind_of(n);
  if (k == K::lambda || k == K::function_expression || k == K::function_declaration) return;
  auto add = [&](TSNode id) {
    if (!ts_node_is_null(id) && (kind_of(id) == K::identifier || kind_of(id) == K::query_variable))
      fn.moo_vars.insert(lower_case(name_text(id)));
  };
  switch (k) {
    case K::assignment_expression: add(field(n, "left")); break;
    case K::scatter_assignment: {
      TSNode pat = field(n, "left");
      each_child(pat, [&](TSNode item) {
        if (kind_of(item) == K::identifier) add(item);
        else add(field(item, "name"));
      });
      break;
    }
    case K::for_statement:
    case K::for_range_statement:
      add(field(n, "variable"));
      add(field(n, "index"));
      break;
    case K::fork_statement:
    case K::while_statement: add(field(n, "label")); break;
    default: break;
  }
  uint32_t count = ts_node_named_child_count(n);
  for (uint32_t i = 0; i < count; ++i) prescan(ts_node_named_child(n, i), fn);
}

// A binding's variable is always `name#N`: never the plain name, which a
// read outside the binding's block may use (and must find unbound).
std::string Lowerer::fresh_name(Fn& fn, std::string_view source_name) {
  std::string base(source_name);
  for (int i = 1;; ++i) {
    std::string cand = base + "#" + std::to_string(i);
    std::string ck = lower_case(cand);
    if (!fn.used.count(ck)) {
      fn.used.insert(ck);
      return cand;
    }
  }
}

std::string Lowerer::hidden(const char* prefix) {
  std::string name = std::string("$") + prefix + std::to_string(++fn_->hidden);
  fn_->used.insert(lower_case(name));
  return name;
}

Binding Lowerer::declare(TSNode at, std::string_view name, bool is_const, bool is_let) {
  std::string key = lower_case(name);
  if (is_builtin_var(key)) fail(at, "`" + std::string(name) + "' is a built-in variable and cannot be declared");
  Scope& scope = fn_->scopes.back();
  if (scope.names.count(key)) fail(at, "`" + std::string(name) + "' is already declared in this block");
  Binding b{fresh_name(*fn_, name), is_let, is_const};
  scope.names[key] = b;
  return b;
}

// The name a let, const or fn statement declares. On a REPL line's top level
// it is recorded, to outlive the line (ReplScope): the REPL's variables are
// the root function's first scope, the line's top level its second. It has
// a variable of its own even when it redeclares one of the REPL's (the
// line may read the old one first, and a function may capture the new one
// in a cell).
Binding Lowerer::declare_statement_name(TSNode at, std::string_view name, bool is_const) {
  Binding b = declare(at, name, is_const);
  if (repl_ && fn_ == root_fn_ && fn_->scopes.size() == 2)
    repl_->declared.push_back({std::string(name), b.internal, is_const});
  return b;
}

// See lower_echo.h for the order. A let of an enclosing function is shared
// through a cell: each function between it and this one captures the cell.
std::optional<Binding> Lowerer::lookup(Fn& fn, const std::string& key) {
  for (auto it = fn.scopes.rbegin(); it != fn.scopes.rend(); ++it) {
    auto f = it->names.find(key);
    if (f != it->names.end()) return f->second;
  }
  if (auto c = fn.captured.find(key); c != fn.captured.end()) return c->second;
  if (is_builtin_var(key)) return Binding{key, false, false};
  Binding found;
  bool have = false;
  if (fn.parent) {
    // Only a let of the parent takes precedence over this function's own
    // MOO variables; the parent's MOO variables come after them.
    if (auto o = lookup(*fn.parent, key); o && (o->is_let || !fn.moo_vars.count(key))) {
      found = *o;
      have = true;
    }
  }
  if (!have) {
    if (fn.moo_vars.count(key)) return Binding{key, false, false};
    return std::nullopt;
  }
  const Binding* outer = &found;
  // Capture it: by reference (a cell) for a let, by value for a MOO variable.
  if (outer->is_let) {
    Fn& p = *fn.parent;
    bool own = false;
    for (auto& s : p.scopes)
      for (auto& [k, b] : s.names)
        if (b.internal == outer->internal) own = true;
    if (own) p.boxed.insert(outer->internal);
  }
  Binding inner{fresh_name(fn, outer->internal.substr(0, outer->internal.find('#'))), outer->is_let,
                outer->is_const};
  fn.captured[key] = inner;
  fn.captures.push_back({inner.internal, outer->internal, outer->is_let});
  return inner;
}

std::optional<Binding> Lowerer::lookup(std::string_view name) { return lookup(*fn_, lower_case(name)); }

// The variable an assignment to `name` writes.
std::string Lowerer::write_target(TSNode at, std::string_view name) {
  auto b = lookup(name);
  if (b && b->is_const) fail(at, "cannot assign to `" + std::string(name) + "': it is a constant");
  if (b) return b->internal;
  return std::string(name);
}

// ------------------------------------------------------------- statements

ast::Program Lowerer::program(TSNode root) {
  fns_.push_back(std::make_unique<Fn>());
  fn_ = root_fn_ = fns_.back().get();
  prescan(root, *fn_);
  for (auto& v : fn_->moo_vars) fn_->used.insert(v);
  ast::Program prog;
  if (repl_) {  // the REPL's variables, as MOO variables: functions capture them by value
    push_scope();
    for (const std::string& v : repl_->variables) {
      bool is_const = std::find(repl_->constants.begin(), repl_->constants.end(), v) != repl_->constants.end();
      fn_->scopes.back().names[lower_case(v)] = Binding{v, false, is_const};
      fn_->used.insert(lower_case(v));
    }
  }
  push_scope();
  each_child(root, [&](TSNode n) { statement(n, prog.body); });
  pop_scope();
  if (repl_) pop_scope();
  prog.boxed.assign(fn_->boxed.begin(), fn_->boxed.end());
  return prog;
}

ast::Block Lowerer::statements(TSNode parent) {
  ast::Block out;
  if (ts_node_is_null(parent)) return out;
  push_scope();
  statement_list(parent, out);
  pop_scope();
  return out;
}

void Lowerer::statement_list(TSNode parent, ast::Block& out) {
  each_child(parent, [&](TSNode n) { statement(n, out); });
}

void Lowerer::statement(TSNode n, ast::Block& out) {
  DepthGuard guard(depth_);
  if (deeper_than_allowed()) {
    if (!too_deep_) fail(n, "statements nested too deeply");
    too_deep_ = true;
    return;
  }
  auto stmt = [&](StmtKind k) { return std::make_unique<Stmt>(k, node_pos(n)); };
  switch (kind_of(n)) {
    case K::empty_statement: return;
    case K::function_declaration:
    case K::expression_statement: {
      TSNode e = kind_of(n) == K::function_declaration ? n : field(n, "expression");
      // `fn name(...) ... endfn` as a statement declares `name` (let); the
      // function sees its own name (recursion).
      if ((kind_of(e) == K::function_expression || kind_of(e) == K::function_declaration) &&
          !ts_node_is_null(field(e, "name"))) {
        TSNode name = field(e, "name");
        Binding b = declare_statement_name(name, text(name), false);
        StmtPtr st = stmt(StmtKind::Expr);
        ExprPtr a = make(ExprKind::Assign, node_pos(n));
        a->declare = true;
        a->lhs = var(node_pos(name), b.internal);
        a->rhs = expr(e);
        st->expr = std::move(a);
        out.push_back(std::move(st));
        return;
      }
      StmtPtr st = stmt(StmtKind::Expr);
      st->expr = expr(e);
      out.push_back(std::move(st));
      return;
    }
    case K::block:
    case K::brace_block: {
      // A bare `{ ... }` block statement: its own scope, run in place.
      ast::Block inner = statements(n);
      StmtPtr st = stmt(StmtKind::If);
      st->conds.push_back(literal(node_pos(n), Value::integer(1)));
      st->bodies.push_back(std::move(inner));
      out.push_back(std::move(st));
      return;
    }
    case K::let_declaration: let_declaration(n, false, out); return;
    case K::const_declaration: let_declaration(n, true, out); return;
    case K::if_statement: out.push_back(if_statement(n)); return;
    case K::for_statement: out.push_back(for_statement(n, false)); return;
    case K::for_range_statement: out.push_back(for_statement(n, true)); return;
    case K::while_statement: {
      StmtPtr st = stmt(StmtKind::While);
      TSNode label = field(n, "label");
      if (!ts_node_is_null(label)) st->name = write_target(label, text(label));
      st->expr = expr(field(n, "condition"));
      st->body = statements(field(n, "body"));
      out.push_back(std::move(st));
      return;
    }
    case K::fork_statement: {
      StmtPtr st = stmt(StmtKind::Fork);
      TSNode label = field(n, "label");
      if (!ts_node_is_null(label)) st->name = write_target(label, text(label));
      st->expr = expr(field(n, "delay"));
      st->body = statements(field(n, "body"));
      out.push_back(std::move(st));
      return;
    }
    case K::return_statement: {
      StmtPtr st = stmt(StmtKind::Return);
      TSNode v = field(n, "value");
      if (!ts_node_is_null(v)) st->expr = expr(v);
      out.push_back(std::move(st));
      return;
    }
    case K::break_statement:
    case K::continue_statement: {
      StmtPtr st = stmt(kind_of(n) == K::break_statement ? StmtKind::Break : StmtKind::Continue);
      TSNode label = field(n, "label");
      if (!ts_node_is_null(label)) {
        // A loop is named by its variable (or label), as the compiler sees it.
        auto b = lookup(text(label));
        st->name = b ? b->internal : std::string(text(label));
      }
      out.push_back(std::move(st));
      return;
    }
    case K::try_statement: out.push_back(try_statement(n)); return;
    case K::throw_statement: out.push_back(throw_statement(n)); return;
    case K::yield_statement: {
      // Ends the slice and commits, as suspend(0).
      StmtPtr st = stmt(StmtKind::Expr);
      std::vector<ExprPtr> args;
      args.push_back(literal(node_pos(n), Value::integer(0)));
      st->expr = builtin(node_pos(n), "suspend", std::move(args));
      out.push_back(std::move(st));
      return;
    }
    case K::emit_statement: {
      // emit name(args);  ->  emit("name", {args})
      StmtPtr st = stmt(StmtKind::Expr);
      ExprPtr list = make(ExprKind::List, node_pos(n));
      arguments(field(n, "arguments"), list->args);
      std::vector<ExprPtr> args;
      args.push_back(literal(node_pos(n), Value::str(text(field(n, "event")))));
      args.push_back(std::move(list));
      st->expr = builtin(node_pos(n), "emit", std::move(args));
      out.push_back(std::move(st));
      return;
    }
    case K::grant_statement:
    case K::revoke_statement: {
      // grant Cap(args) to who;  ->  grant_capability({"Cap", args}, who)
      StmtPtr st = stmt(StmtKind::Expr);
      TSNode cap = field(n, "capability");
      ExprPtr list = make(ExprKind::List, node_pos(cap));
      list->args.push_back(literal(node_pos(cap), Value::str(text(field(cap, "function")))));
      arguments(field(cap, "arguments"), list->args);
      std::vector<ExprPtr> args;
      args.push_back(std::move(list));
      args.push_back(expr(field(n, "target")));
      st->expr = builtin(node_pos(n), kind_of(n) == K::grant_statement ? "grant_capability" : "revoke_capability",
                         std::move(args));
      out.push_back(std::move(st));
      return;
    }
    case K::object_definition:
    case K::property_definition:
    case K::verb_definition:
    case K::function_definition:
    case K::event_handler:
    case K::error_handler:
    case K::event_declaration:
    case K::capability_declaration:
    case K::query_rule:
    case K::fact:
      fail(n, "definitions belong in an object file (load it with `echo-repl load` or load_source()), not in a verb");
      return;
    default:
      fail(n, "unexpected " + std::string(ts_node_type(n)));
      return;
  }
}

StmtPtr Lowerer::if_statement(TSNode n) {
  auto st = std::make_unique<Stmt>(StmtKind::If, node_pos(n));
  st->conds.push_back(expr(field(n, "condition")));
  st->bodies.push_back(statements(field(n, "consequence")));
  // Keyword form: elseif clauses and an else clause. Brace form: an else
  // clause whose body is another if statement (`else if`) or a brace block.
  TSNode cur = n;
  for (;;) {
    TSNode next_if = {};
    bool chained = false;
    each_child(cur, [&](TSNode ch) {
      K k = kind_of(ch);
      if (k == K::elseif_clause) {
        st->conds.push_back(expr(field(ch, "condition")));
        st->bodies.push_back(statements(field(ch, "consequence")));
      } else if (k == K::else_clause) {
        TSNode body = field(ch, "body");
        if (!ts_node_is_null(body) && kind_of(body) == K::if_statement) {
          next_if = body;
          chained = true;
        } else {
          st->has_else = true;
          st->body = statements(body);
        }
      }
    });
    if (!chained) break;
    st->conds.push_back(expr(field(next_if, "condition")));
    st->bodies.push_back(statements(field(next_if, "consequence")));
    cur = next_if;
  }
  return st;
}

StmtPtr Lowerer::for_statement(TSNode n, bool range) {
  auto st = std::make_unique<Stmt>(range ? StmtKind::ForRange : StmtKind::ForList, node_pos(n));
  TSNode v = field(n, "variable"), index = field(n, "index");
  if (range) {
    st->expr = expr(field(n, "from"));
    st->expr2 = expr(field(n, "to"));
  } else {
    st->expr = expr(field(n, "iterable"));
  }
  st->name = write_target(v, text(v));
  if (!range && !ts_node_is_null(index)) st->index_name = write_target(index, text(index));
  st->body = statements(field(n, "body"));
  return st;
}

StmtPtr Lowerer::try_statement(TSNode n) {
  auto st = std::make_unique<Stmt>(StmtKind::Try, node_pos(n));
  st->body = statements(field(n, "body"));
  each_child(n, [&](TSNode ch) {
    K k = kind_of(ch);
    if (k == K::except_clause) {
      ast::ExceptClause clause;
      clause.pos = node_pos(ch);
      TSNode codes = field(ch, "codes");
      if (ts_node_is_null(codes) || kind_of(codes) == K::any) {
        clause.codes_any = true;  // Echo: a catch without codes catches everything
      } else {
        arguments(codes, clause.codes);
      }
      push_scope();
      TSNode v = field(ch, "variable");
      // The caught error is bound in the clause only, like a let.
      if (!ts_node_is_null(v)) clause.var = declare(v, text(v), false, false).internal;
      clause.body = statements(field(ch, "body"));
      pop_scope();
      st->excepts.push_back(std::move(clause));
    } else if (k == K::finally_clause) {
      st->has_finally = true;
      st->finally_body = statements(field(ch, "body"));
    }
  });
  if (st->excepts.empty() && !st->has_finally) fail(n, "a try needs a catch or a finally clause");
  if (!st->excepts.empty() && st->has_finally) {
    // MOO has try/except and try/finally; both at once is the first inside
    // the second.
    auto outer = std::make_unique<Stmt>(StmtKind::Try, st->pos);
    outer->has_finally = true;
    outer->finally_body = std::move(st->finally_body);
    st->has_finally = false;
    outer->body.push_back(std::move(st));
    return outer;
  }
  return st;
}

// let x = v;  let {a, ?b = 1, @c} = v;  (on a map, {a, b} takes keys "a", "b")
void Lowerer::let_declaration(TSNode n, bool is_const, ast::Block& out) {
  TSNode pat = field(n, "pattern"), value = field(n, "value");
  Pos p = node_pos(n);
  auto stmt_of = [&](ExprPtr e) {
    auto st = std::make_unique<Stmt>(StmtKind::Expr, p);
    st->expr = std::move(e);
    out.push_back(std::move(st));
  };
  if (kind_of(pat) == K::identifier) {
    K vk = ts_node_is_null(value) ? K::Other : kind_of(value);
    bool fn_value = vk == K::lambda || vk == K::function_expression;
    // A function value sees its own name (recursion); any other value is
    // computed before the name is declared, so `let x = x + 1` reads the
    // outer x.
    ExprPtr rhs;
    if (!fn_value) rhs = ts_node_is_null(value) ? literal(p, Value::null()) : expr(value);
    Binding b = declare_statement_name(pat, text(pat), is_const);
    if (fn_value) {
      self_name_ = std::string(text(pat));  // the function refers to itself by it
      rhs = expr(value);
    }
    ExprPtr a = make(ExprKind::Assign, p);
    a->declare = true;
    a->lhs = var(node_pos(pat), b.internal);
    a->rhs = std::move(rhs);
    stmt_of(std::move(a));
    return;
  }
  if (ts_node_is_null(value)) {
    fail(n, "a destructuring declaration needs a value");
    return;
  }
  // Destructuring: the value in a hidden variable, then by key for a map
  // and by position (MOO scattering) otherwise.
  std::string src = hidden("d");
  {
    ExprPtr a = make(ExprKind::Assign, p);
    a->lhs = var(p, src);
    a->rhs = expr(value);
    stmt_of(std::move(a));
  }
  struct Item {
    TSNode node;
    ast::ScatterTarget::Kind kind;
    std::string name;
    TSNode def;
  };
  std::vector<Item> items;
  each_child(pat, [&](TSNode item) {
    K k = kind_of(item);
    if (k == K::identifier) items.push_back({item, ast::ScatterTarget::Required, std::string(text(item)), {}});
    else
      items.push_back({field(item, "name"), k == K::scatter_rest ? ast::ScatterTarget::Rest : ast::ScatterTarget::Optional,
                       std::string(name_text(field(item, "name"))), field(item, "default")});
  });
  // The names are declared first: a default may use the names before it.
  std::vector<std::string> internals;
  for (auto& it : items) internals.push_back(declare_statement_name(it.node, it.name, is_const).internal);
  std::vector<ExprPtr> defaults_map, defaults_list;
  for (auto& it : items) {
    bool has = !ts_node_is_null(it.def);
    defaults_map.push_back(has ? expr(it.def) : nullptr);
    defaults_list.push_back(has ? expr(it.def) : nullptr);
  }

  auto st = std::make_unique<Stmt>(StmtKind::If, p);
  // typeof(src) == MAP
  {
    ExprPtr is_map = make(ExprKind::Binary, p);
    is_map->binop = ast::BinOp::Eq;
    std::vector<ExprPtr> a;
    a.push_back(var(p, src));
    is_map->lhs = builtin(p, "typeof", std::move(a));
    is_map->rhs = literal(p, Value::integer(int64_t(Type::Map)));
    st->conds.push_back(std::move(is_map));
  }
  ast::Block by_key;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    ExprPtr value_expr;
    if (it.kind == ast::ScatterTarget::Rest) {
      // The map without the keys named before it.
      value_expr = var(p, src);
      for (size_t j = 0; j < items.size(); ++j) {
        if (j == i) continue;
        std::vector<ExprPtr> a;
        a.push_back(std::move(value_expr));
        a.push_back(literal(p, Value::str(items[j].name)));
        ExprPtr del = builtin(p, "mapdelete", std::move(a));
        ExprPtr guard = make(ExprKind::Catch, p);
        guard->lhs = std::move(del);
        guard->args.push_back(literal(p, Value::err(E_RANGE)));
        guard->rhs = var(p, src);  // only reached when the key is absent
        value_expr = std::move(guard);
      }
      // Keys absent from the map: fall back to the map without deletions
      // of that key only; a simple and predictable rule.
    } else {
      ExprPtr idx = make(ExprKind::Index, p);
      idx->object = var(p, src);
      idx->index = literal(p, Value::str(it.name));
      if (it.kind == ast::ScatterTarget::Optional) {
        ExprPtr guard = make(ExprKind::Catch, p);
        guard->lhs = std::move(idx);
        guard->args.push_back(literal(p, Value::err(E_RANGE)));
        guard->rhs = defaults_map[i] ? std::move(defaults_map[i]) : literal(p, Value::null());
        value_expr = std::move(guard);
      } else {
        value_expr = std::move(idx);
      }
    }
    ExprPtr a = make(ExprKind::Assign, p);
    a->declare = true;
    a->lhs = var(p, internals[i]);
    a->rhs = std::move(value_expr);
    auto s = std::make_unique<Stmt>(StmtKind::Expr, p);
    s->expr = std::move(a);
    by_key.push_back(std::move(s));
  }
  st->bodies.push_back(std::move(by_key));
  // Otherwise MOO scattering (E_TYPE unless a list, E_ARGS on a bad count).
  ExprPtr sc = make(ExprKind::Scatter, p);
  sc->declare = true;
  for (size_t i = 0; i < items.size(); ++i) {
    ast::ScatterTarget t;
    t.kind = items[i].kind;
    t.name = internals[i];
    t.default_value = std::move(defaults_list[i]);
    // A declared name always has a value: an optional one without a default is null.
    if (t.kind == ast::ScatterTarget::Optional && !t.default_value) t.default_value = literal(p, Value::null());
    sc->scatter.push_back(std::move(t));
  }
  sc->rhs = var(p, src);
  auto s = std::make_unique<Stmt>(StmtKind::Expr, p);
  s->expr = std::move(sc);
  st->has_else = true;
  st->body.push_back(std::move(s));
  out.push_back(std::move(st));
}

// throw E_X;  throw E_X("message"[, value]);  throw {code, message, value, ...};
StmtPtr Lowerer::throw_statement(TSNode n) {
  Pos p = node_pos(n);
  auto st = std::make_unique<Stmt>(StmtKind::Expr, p);
  TSNode v = field(n, "value");
  if (kind_of(v) == K::error_call) {
    std::vector<ExprPtr> args;
    Error code = E_NONE;
    TSNode c = field(v, "code");
    if (!error_from_name(text(c), &code)) fail(c, "unknown error code " + std::string(text(c)));
    args.push_back(literal(p, Value::err(code)));
    arguments(field(v, "arguments"), args);
    if (args.size() > 3) fail(v, "an error takes at most a message and a value");
    st->expr = builtin(p, "raise", std::move(args));
    return st;
  }
  // raise(@(typeof(t = v) == LIST ? t[1..min(3, length(t))] | {t}))
  std::string t = hidden("t");
  ExprPtr assign = make(ExprKind::Assign, p);
  assign->lhs = var(p, t);
  assign->rhs = expr(v);
  std::vector<ExprPtr> a1;
  a1.push_back(std::move(assign));
  ExprPtr is_list = make(ExprKind::Binary, p);
  is_list->binop = ast::BinOp::Eq;
  is_list->lhs = builtin(p, "typeof", std::move(a1));
  is_list->rhs = literal(p, Value::integer(int64_t(Type::List)));
  std::vector<ExprPtr> la;
  la.push_back(var(p, t));
  std::vector<ExprPtr> ma;
  ma.push_back(literal(p, Value::integer(3)));
  ma.push_back(builtin(p, "length", std::move(la)));
  ExprPtr range = make(ExprKind::Range, p);
  range->object = var(p, t);
  range->index = literal(p, Value::integer(1));
  range->index2 = builtin(p, "min", std::move(ma));
  ExprPtr single = make(ExprKind::List, p);
  single->args.push_back(var(p, t));
  ExprPtr cond = make(ExprKind::Cond, p);
  cond->cond = std::move(is_list);
  cond->lhs = std::move(range);
  cond->rhs = std::move(single);
  ExprPtr splice = make(ExprKind::Splice, p);
  splice->lhs = std::move(cond);
  std::vector<ExprPtr> args;
  args.push_back(std::move(splice));
  st->expr = builtin(p, "raise", std::move(args));
  return st;
}

}  // namespace echo::echo_syntax
