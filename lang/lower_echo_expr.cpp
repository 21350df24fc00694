// Echo front end: expressions, functions and match. See lower_echo.h.
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "lang/lower_echo.h"

namespace echo::echo_syntax {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Pos;

namespace {

ExprPtr binop(Pos p, ast::BinOp op, ExprPtr l, ExprPtr r) {
  auto e = std::make_unique<Expr>(ExprKind::Binary, p);
  e->binop = op;
  e->lhs = std::move(l);
  e->rhs = std::move(r);
  return e;
}

ExprPtr logical(Pos p, ExprKind k, ExprPtr l, ExprPtr r) {
  auto e = std::make_unique<Expr>(k, p);
  e->lhs = std::move(l);
  e->rhs = std::move(r);
  return e;
}

}  // namespace

ExprPtr Lowerer::integer(TSNode n, bool negative, Pos p) {
  int64_t v = 0;
  if (!ts::parse_decimal(text(n), negative, &v))
    fail(n, "integer literal " + std::string(text(n)) + " is out of range (64-bit integers)");
  return literal(p, Value::integer(v));
}

ExprPtr Lowerer::floating(TSNode n, bool negative, Pos p) {
  std::string t(text(n));
  errno = 0;
  double d = std::strtod(t.c_str(), nullptr);
  if (!std::isfinite(d)) {
    fail(n, "floating-point literal " + t + " is out of range");
    d = 0;
  }
  return literal(p, Value::flt(negative ? -d : d));
}

ExprPtr Lowerer::argument(TSNode n) {
  if (kind_of(n) != K::splice) return expr(n);
  ExprPtr e = make(ExprKind::Splice, node_pos(n));
  e->lhs = expr(field(n, "expression"));
  return e;
}

void Lowerer::arguments(TSNode list, std::vector<ExprPtr>& out) {
  if (ts_node_is_null(list)) return;
  each_child(list, [&](TSNode c) { out.push_back(argument(c)); });
}

ExprPtr Lowerer::constant_expression(TSNode n) { return expr(n); }

ExprPtr Lowerer::expr(TSNode n) {
  DepthGuard guard(depth_);
  Pos p = node_pos(n);
  if (deeper_than_allowed()) {
    if (!too_deep_) fail(n, "expression nested too deeply");
    too_deep_ = true;
    return literal(p, Value::integer(0));
  }
  switch (kind_of(n)) {
    case K::identifier: {
      std::string_view name = text(n);
      if (auto b = lookup(name)) return var(p, b->internal);
      if (name == "NULL") return literal(p, Value::integer(int64_t(Type::Null)));
      if (name == "FUNC") return literal(p, Value::integer(int64_t(Type::Func)));
      return var(p, std::string(name));  // unbound: E_VARNF when read
    }
    case K::integer: return integer(n, false, p);
    case K::float_: return floating(n, false, p);
    case K::string: return literal(p, Value::str(unescape_echo(text(n))));
    case K::object_id: {
      std::string_view t = text(n).substr(1);
      bool neg = !t.empty() && t[0] == '-';
      int64_t v = 0;
      if (!ts::parse_decimal(neg ? t.substr(1) : t, neg, &v)) fail(n, "object number " + std::string(text(n)) + " is out of range");
      return literal(p, Value::obj(v));
    }
    case K::error_code: {
      Error code = E_NONE;
      if (!error_from_name(text(n), &code)) fail(n, "unknown error code " + std::string(text(n)));
      return literal(p, Value::err(code));
    }
    case K::true_: return literal(p, Value::boolean(true));
    case K::false_: return literal(p, Value::boolean(false));
    case K::null: return literal(p, Value::null());
    // `?d`: an unbound place in a query pattern (query_all), the string "?d".
    case K::query_variable: return literal(p, Value::str(text(n)));
    case K::parenthesized_expression: return expr(field(n, "expression"));
    case K::binary_expression: return binary(n, p);
    case K::unary_expression: return unary(n, p);
    case K::assignment_expression: return assignment(n, p);
    case K::scatter_assignment: return scatter(field(n, "left"), expr(field(n, "right")), false, false, p);
    case K::conditional_expression: {
      ExprPtr e = make(ExprKind::Cond, p);
      e->cond = expr(field(n, "condition"));
      e->lhs = expr(field(n, "consequence"));
      e->rhs = expr(field(n, "alternative"));
      return e;
    }
    case K::property_expression:
    case K::verb_call: {
      bool verb = kind_of(n) == K::verb_call;
      ExprPtr e = make(verb ? ExprKind::VerbCall : ExprKind::Prop, p);
      e->object = expr(field(n, "object"));
      TSNode name = field(n, verb ? "verb" : "property");
      if (kind_of(name) == K::identifier) e->name = std::string(text(name));
      else e->name_expr = expr(field(name, "expression"));
      if (verb) arguments(field(n, "arguments"), e->args);
      return e;
    }
    case K::index_expression:
    case K::range_expression: {
      bool range = kind_of(n) == K::range_expression;
      ExprPtr e = make(range ? ExprKind::Range : ExprKind::Index, p);
      e->object = expr(field(n, "object"));
      index_depth_++;
      if (range) {
        e->index = expr(field(n, "from"));
        e->index2 = expr(field(n, "to"));
      } else {
        e->index = expr(field(n, "index"));
      }
      index_depth_--;
      return e;
    }
    case K::first:
    case K::last:
      if (index_depth_ == 0)
        fail(n, kind_of(n) == K::first ? "'^' is only allowed inside an index" : "'$' is only allowed inside an index");
      return make(kind_of(n) == K::first ? ExprKind::First : ExprKind::Last, p);
    case K::system_property: {
      ExprPtr e = make(ExprKind::SysRef, p);
      e->name = std::string(text(field(n, "name")));
      return e;
    }
    case K::system_verb_call: {
      ExprPtr e = make(ExprKind::SysVerbCall, p);
      e->name = std::string(text(field(n, "name")));
      arguments(field(n, "arguments"), e->args);
      return e;
    }
    case K::call_expression: return call(n, p);
    case K::apply_expression: {
      ExprPtr e = make(ExprKind::Apply, p);
      e->object = expr(field(n, "function"));
      arguments(field(n, "arguments"), e->args);
      return e;
    }
    case K::list: {
      ExprPtr e = make(ExprKind::List, p);
      arguments(n, e->args);
      return e;
    }
    case K::map: {
      ExprPtr e = make(ExprKind::Map, p);
      each_child(n, [&](TSNode entry) {
        e->args.push_back(expr(field(entry, "key")));
        e->args.push_back(expr(field(entry, "value")));
      });
      return e;
    }
    case K::record: {
      ExprPtr e = make(ExprKind::Map, p);
      each_child(n, [&](TSNode entry) {
        std::string_view key = text(field(entry, "key"));
        while (!key.empty() && (key.back() == ':' || std::isspace(static_cast<unsigned char>(key.back()))))
          key.remove_suffix(1);
        e->args.push_back(literal(node_pos(entry), Value::str(key)));
        e->args.push_back(expr(field(entry, "value")));
      });
      return e;
    }
    case K::catch_expression: {
      ExprPtr e = make(ExprKind::Catch, p);
      e->lhs = expr(field(n, "expression"));
      TSNode codes = field(n, "codes");
      if (kind_of(codes) == K::any) e->codes_any = true;
      else arguments(codes, e->args);
      TSNode def = field(n, "default");
      if (!ts_node_is_null(def)) e->rhs = expr(def);
      return e;
    }
    case K::lambda:
    case K::function_declaration:
    case K::function_expression: return function(n);
    case K::match_expression: return match(n, p);
    case K::error_call:
      fail(n, "an error with a message, such as E_PERM(\"...\"), is only valid after `throw'");
      return literal(p, Value::integer(0));
    case K::splice:
      fail(n, "'@' is only allowed in a list, an argument list or a destructuring pattern");
      return argument(n);
    default:
      fail(n, "unexpected " + std::string(ts_node_type(n)));
      return literal(p, Value::integer(0));
  }
}

ExprPtr Lowerer::binary(TSNode n, Pos p) {
  std::string_view op = ts_node_type(field(n, "operator"));
  if (op == "&&" || op == "||")
    return logical(p, op == "&&" ? ExprKind::And : ExprKind::Or, expr(field(n, "left")), expr(field(n, "right")));
  ExprPtr e = make(ExprKind::Binary, p);
  if (!ts::binary_op(op, &e->binop)) fail(n, "unknown operator '" + std::string(op) + "'");
  e->lhs = expr(field(n, "left"));
  e->rhs = expr(field(n, "right"));
  return e;
}

ExprPtr Lowerer::unary(TSNode n, Pos p) {
  std::string_view op = ts_node_type(field(n, "operator"));
  TSNode operand = field(n, "operand");
  if (op == "-") {
    if (kind_of(operand) == K::integer) return integer(operand, true, p);
    if (kind_of(operand) == K::float_) return floating(operand, true, p);
  }
  ExprPtr e = make(ExprKind::Unary, p);
  e->unop = op == "-" ? ast::UnOp::Neg : op == "!" ? ast::UnOp::Not : ast::UnOp::BitNot;
  e->lhs = expr(operand);
  return e;
}

ExprPtr Lowerer::assignment(TSNode n, Pos p) {
  TSNode left = field(n, "left");
  K lk = kind_of(left);
  if (lk == K::list) {
    // `{a, @b} = v` parsed as a list: MOO scattering when every element is a name.
    ExprPtr e = make(ExprKind::Scatter, p);
    bool ok = ts_node_named_child_count(left) > 0;
    each_child(left, [&](TSNode el) {
      ast::ScatterTarget t;
      TSNode v = el;
      if (kind_of(el) == K::splice) {
        t.kind = ast::ScatterTarget::Rest;
        v = field(el, "expression");
      }
      if (kind_of(v) != K::identifier) {
        ok = false;
        return;
      }
      t.name = write_target(v, text(v));
      e->scatter.push_back(std::move(t));
    });
    if (!ok) fail(left, "scattering assignment targets must be simple variables");
    e->rhs = expr(field(n, "right"));
    return e;
  }
  if (lk == K::identifier) {
    ExprPtr e = make(ExprKind::Assign, p);
    // The value first: `x = f(x)` reads x before the assignment declares nothing new.
    ExprPtr rhs = expr(field(n, "right"));
    e->lhs = var(node_pos(left), write_target(left, text(left)));
    e->rhs = std::move(rhs);
    return e;
  }
  // An index, range or property: the variable at its base must not be a constant.
  TSNode base = left;
  while (kind_of(base) == K::index_expression || kind_of(base) == K::range_expression)
    base = field(base, "object");
  if (kind_of(base) == K::identifier) write_target(base, text(base));
  ExprPtr target = expr(left);
  const Expr* b = target.get();
  if (b->kind == ExprKind::Range) b = b->object.get();
  while (b->kind == ExprKind::Index) b = b->object.get();
  if (b->kind != ExprKind::Var && b->kind != ExprKind::Prop && b->kind != ExprKind::SysRef)
    fail(left, "the left side of '=' must be a variable, property, index or range");
  ExprPtr e = make(ExprKind::Assign, p);
  e->lhs = std::move(target);
  e->rhs = expr(field(n, "right"));
  return e;
}

// {a, ?b = d, @c} = value, as MOO's scattering; when declare, the names are
// new bindings (declared after the value and defaults are lowered).
ExprPtr Lowerer::scatter(TSNode pattern, ExprPtr value, bool declare_names, bool is_const, Pos p) {
  ExprPtr e = make(ExprKind::Scatter, p);
  e->declare = declare_names;
  int rests = 0;
  std::vector<TSNode> names;
  each_child(pattern, [&](TSNode item) {
    ast::ScatterTarget t;
    K k = kind_of(item);
    TSNode name = item;
    if (k != K::identifier) {
      t.kind = k == K::scatter_rest ? ast::ScatterTarget::Rest : ast::ScatterTarget::Optional;
      name = field(item, "name");
      TSNode def = field(item, "default");
      if (!ts_node_is_null(def)) t.default_value = expr(def);
    }
    rests += t.kind == ast::ScatterTarget::Rest;
    t.name = std::string(name_text(name));
    names.push_back(name);
    e->scatter.push_back(std::move(t));
  });
  if (rests > 1) fail(pattern, "more than one '@' target in a destructuring pattern");
  for (size_t i = 0; i < names.size(); ++i)
    e->scatter[i].name = declare_names ? declare(names[i], name_text(names[i]), is_const).internal
                                       : write_target(names[i], name_text(names[i]));
  e->rhs = std::move(value);
  return e;
}

// name(args): a call of the function held by a variable in scope, else a
// builtin; sleep(ms) is suspend(ms / 1000.0).
ExprPtr Lowerer::call(TSNode n, Pos p) {
  TSNode fname = field(n, "function");
  std::string_view name = text(fname);
  std::vector<ExprPtr> args;
  if (auto b = lookup(name)) {
    ExprPtr e = make(ExprKind::Apply, p);
    e->object = var(node_pos(fname), b->internal);
    arguments(field(n, "arguments"), e->args);
    return e;
  }
  arguments(field(n, "arguments"), args);
  if (name == "sleep") {
    if (args.size() != 1 || args[0]->kind == ExprKind::Splice) {
      fail(n, "sleep takes one argument: the milliseconds to sleep");
      return literal(p, Value::integer(0));
    }
    std::vector<ExprPtr> sargs;
    sargs.push_back(binop(p, ast::BinOp::Div, std::move(args[0]), literal(p, Value::flt(1000.0))));
    return builtin(p, "suspend", std::move(sargs));
  }
  return builtin(p, std::string(name), std::move(args));
}

ExprPtr Lowerer::function(TSNode n) {
  bool is_lambda = kind_of(n) == K::lambda;
  TSNode name = field(n, "name");
  // A function's own name (`fn f`, or the name a let gives it) refers to it.
  std::string self = std::exchange(self_name_, std::string());
  if (!ts_node_is_null(name)) self = std::string(text(name));
  auto fn = function_from(field(n, "parameters"), field(n, "body"), is_lambda, self, n);
  ExprPtr e = make(ExprKind::Function, node_pos(n));
  e->function = std::move(fn);
  return e;
}

std::shared_ptr<ast::Function> Lowerer::function_from(TSNode params, TSNode body, bool body_is_expression,
                                                      std::string name, TSNode whole) {
  auto fn = std::make_shared<ast::Function>();
  fn->name = std::move(name);
  fn->source = std::string(text(whole));
  Fn* parent = fn_;
  Fn* f;
  if (prepared_ && prepared_ == fn_) {
    f = prepared_;  // standalone_function's context, captures already known
    prepared_ = nullptr;
    parent = nullptr;
  } else {
    fns_.push_back(std::make_unique<Fn>());
    f = fns_.back().get();
    f->parent = parent;
    f->is_function = true;
  }
  if (!ts_node_is_null(body)) prescan(body, *f);
  for (auto& v : f->moo_vars) f->used.insert(v);
  fn_ = f;
  push_scope();
  Pos p = node_pos(whole);
  // Inside, the function's name is the function itself ($self, preset when
  // it is called), not a capture of the variable holding it: a recursive
  // function would otherwise hold the cell that holds it, a cycle that
  // reference counting never frees.
  if (!fn->name.empty()) {
    f->scopes.back().names[ts::lower_case(fn->name)] = Binding{"$self", false, false};
    f->used.insert("$self");
  }
  // Parameters: `x`, `(a, ?b = 1, @rest)`; scattered from args at entry.
  {
    ExprPtr sc = make(ExprKind::Scatter, p);
    sc->declare = true;
    std::vector<std::pair<TSNode, TSNode>> defs;  // name node, default node
    auto add = [&](TSNode item) {
      ast::ScatterTarget t;
      TSNode nm = item;
      K k = kind_of(item);
      if (k == K::scatter_optional || k == K::scatter_rest) {
        t.kind = k == K::scatter_rest ? ast::ScatterTarget::Rest : ast::ScatterTarget::Optional;
        nm = field(item, "name");
      } else if (k != K::identifier) {
        fail(item, "a parameter must be a name, ?name = default or @name");
        return;
      }
      t.name = declare(nm, name_text(nm), false).internal;
      sc->scatter.push_back(std::move(t));
      defs.push_back({nm, k == K::scatter_optional ? field(item, "default") : TSNode{}});
    };
    if (!ts_node_is_null(params)) {
      if (kind_of(params) == K::identifier) add(params);
      else each_child(params, add);
    }
    // Defaults see the parameters before them (they run after scattering).
    for (size_t i = 0; i < defs.size(); ++i) {
      if (!ts_node_is_null(defs[i].second)) sc->scatter[i].default_value = expr(defs[i].second);
      else if (sc->scatter[i].kind == ast::ScatterTarget::Optional)
        sc->scatter[i].default_value = literal(p, Value::null());  // a parameter left out is null
    }
    int rests = 0;
    for (auto& t : sc->scatter) rests += t.kind == ast::ScatterTarget::Rest;
    if (rests > 1) fail(params, "more than one '@' parameter");
    sc->rhs = var(p, "args");
    auto st = std::make_unique<ast::Stmt>(ast::StmtKind::Expr, p);
    st->expr = std::move(sc);
    fn->program.body.push_back(std::move(st));
  }
  if (body_is_expression) {
    auto st = std::make_unique<ast::Stmt>(ast::StmtKind::Return, node_pos(body));
    st->expr = expr(body);
    fn->program.body.push_back(std::move(st));
  } else if (!ts_node_is_null(body)) {
    statement_list(body, fn->program.body);
  }
  pop_scope();
  fn_ = parent;
  fn->captures = f->captures;
  fn->program.boxed.assign(f->boxed.begin(), f->boxed.end());
  return fn;
}

std::shared_ptr<ast::Function> Lowerer::standalone_function(TSNode node, const std::vector<std::string>& captures,
                                                            const std::vector<bool>& by_ref,
                                                            const std::string& self_name) {
  fns_.push_back(std::make_unique<Fn>());
  Fn* f = fns_.back().get();
  f->is_function = true;
  for (size_t i = 0; i < captures.size(); ++i) {
    const std::string& c = captures[i];
    f->captured[ts::lower_case(c.substr(0, c.find('#')))] = Binding{c, bool(by_ref[i]), false};
    f->captures.push_back({c, c, bool(by_ref[i])});
    f->used.insert(ts::lower_case(c));
  }
  fn_ = prepared_ = f;
  bool is_lambda = kind_of(node) == K::lambda;
  self_name_.clear();
  return function_from(field(node, "parameters"), field(node, "body"), is_lambda, self_name, node);
}

// match (v) { p1 if g1 => e1, p2 => e2 }  becomes
// ((($m = v) || 1) && test1 && g1) ? e1 | (test2 ? e2 | raise(E_INVARG, ...))
ExprPtr Lowerer::match(TSNode n, Pos p) {
  std::string m = hidden("m");
  ExprPtr subject = make(ExprKind::Assign, p);
  subject->lhs = var(p, m);
  subject->rhs = expr(field(n, "value"));
  std::vector<std::pair<ExprPtr, ExprPtr>> arms;
  each_child(n, [&](TSNode arm) {
    if (kind_of(arm) != K::match_arm) return;
    push_scope();
    ExprPtr test = pattern_test(field(arm, "pattern"), [&] { return var(p, m); });
    TSNode guard = field(arm, "guard");
    if (!ts_node_is_null(guard)) test = logical(p, ExprKind::And, std::move(test), expr(guard));
    ExprPtr value = expr(field(arm, "value"));
    pop_scope();
    arms.push_back({std::move(test), std::move(value)});
  });
  std::vector<ExprPtr> rargs;
  rargs.push_back(literal(p, Value::err(E_INVARG)));
  rargs.push_back(literal(p, Value::str("no match arm matched the value")));
  ExprPtr result = builtin(p, "raise", std::move(rargs));
  for (size_t i = arms.size(); i-- > 0;) {
    ExprPtr c = make(ExprKind::Cond, p);
    c->cond = std::move(arms[i].first);
    c->lhs = std::move(arms[i].second);
    c->rhs = std::move(result);
    result = std::move(c);
  }
  // Evaluate the subject once, first.
  ExprPtr first = logical(p, ExprKind::Or, std::move(subject), literal(p, Value::integer(1)));
  if (result->kind == ExprKind::Cond) {
    result->cond = logical(p, ExprKind::And, std::move(first), std::move(result->cond));
    return result;
  }
  return logical(p, ExprKind::And, std::move(first), std::move(result));
}

ExprPtr Lowerer::pattern_test(TSNode pat, const std::function<ExprPtr()>& subject) {
  Pos p = node_pos(pat);
  auto bind = [&](TSNode name_node, ExprPtr value) {
    ExprPtr a = make(ExprKind::Assign, p);
    a->declare = true;
    a->lhs = var(p, declare(name_node, text(name_node), false).internal);
    a->rhs = std::move(value);
    return logical(p, ExprKind::Or, std::move(a), literal(p, Value::integer(1)));
  };
  switch (kind_of(pat)) {
    case K::wildcard: return literal(p, Value::integer(1));
    case K::identifier:
      if (text(pat) == "_") return literal(p, Value::integer(1));
      return bind(pat, subject());
    case K::integer:
    case K::float_:
    case K::string:
    case K::object_id:
    case K::error_code:
    case K::true_:
    case K::false_:
    case K::null:
    case K::unary_expression:
    case K::system_property: {
      // MOO equality, except that true/false match only booleans (MOO's ==
      // makes true == 1).
      ExprPtr eq = binop(p, ast::BinOp::Eq, subject(), expr(pat));
      K k = kind_of(pat);
      if (k == K::true_ || k == K::false_ || k == K::integer) {
        std::vector<ExprPtr> a;
        a.push_back(subject());
        ExprPtr same_type = binop(p, ast::BinOp::Eq, builtin(p, "typeof", std::move(a)),
                                  literal(p, Value::integer(int64_t(k == K::integer ? Type::Int : Type::Bool))));
        return logical(p, ExprKind::And, std::move(same_type), std::move(eq));
      }
      return eq;
    }
    case K::alternative_pattern: {
      ExprPtr r;
      each_child(pat, [&](TSNode alt) {
        ExprPtr t = pattern_test(alt, subject);
        r = r ? logical(p, ExprKind::Or, std::move(r), std::move(t)) : std::move(t);
      });
      return r ? std::move(r) : literal(p, Value::integer(0));
    }
    case K::list_pattern: {
      std::vector<TSNode> elems;
      each_child(pat, [&](TSNode el) { elems.push_back(el); });
      int64_t fixed = 0;
      TSNode rest = {};
      for (size_t i = 0; i < elems.size(); ++i) {
        K k = kind_of(elems[i]);
        if (k == K::scatter_rest || k == K::splice) {
          if (i + 1 != elems.size()) fail(elems[i], "'@rest' must be the last element of a list pattern");
          rest = k == K::scatter_rest ? field(elems[i], "name") : field(elems[i], "expression");
        } else {
          ++fixed;
        }
      }
      std::vector<ExprPtr> ta, la;
      ta.push_back(subject());
      ExprPtr test = binop(p, ast::BinOp::Eq, builtin(p, "typeof", std::move(ta)),
                           literal(p, Value::integer(int64_t(Type::List))));
      la.push_back(subject());
      ExprPtr len = binop(p, ts_node_is_null(rest) ? ast::BinOp::Eq : ast::BinOp::Ge,
                          builtin(p, "length", std::move(la)), literal(p, Value::integer(fixed)));
      test = logical(p, ExprKind::And, std::move(test), std::move(len));
      for (int64_t i = 0; i < fixed; ++i) {
        auto elem = [&, i] {
          ExprPtr ix = make(ExprKind::Index, p);
          ix->object = subject();
          ix->index = literal(p, Value::integer(i + 1));
          return ix;
        };
        test = logical(p, ExprKind::And, std::move(test), pattern_test(elems[size_t(i)], elem));
      }
      if (!ts_node_is_null(rest)) {
        if (kind_of(rest) != K::identifier) {
          fail(rest, "'@' in a pattern takes a name");
        } else {
          ExprPtr r = make(ExprKind::Range, p);
          r->object = subject();
          r->index = literal(p, Value::integer(fixed + 1));
          r->index2 = make(ExprKind::Last, p);
          test = logical(p, ExprKind::And, std::move(test), bind(rest, std::move(r)));
        }
      }
      return test;
    }
    default:
      fail(pat, "unexpected " + std::string(ts_node_type(pat)) + " in a pattern");
      return literal(p, Value::integer(0));
  }
}

}  // namespace echo::echo_syntax
