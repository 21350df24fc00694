// Lowering of an error-free MOO tree (grammar/moo) to the AST of lang/ast.h,
// with the checks LambdaMOO's parser makes while building its tree:
// break/continue need an enclosing (named) loop, assignment targets must be
// variables, properties, indexes or ranges, scattering takes at most one
// `@rest`, `$`/`^` only inside an index, reserved words are not names, and
// literals must be in range.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "lang/lower_moo.h"

namespace echo::moo {

using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Pos;
using ast::Stmt;
using ast::StmtKind;
using ast::StmtPtr;

namespace {

bool ci_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A string literal's value: the text between the quotes, where a backslash
// makes the next character literal (LambdaMOO has no other escapes).
std::string unescape(std::string_view token) {
  std::string out;
  if (token.size() < 2) return out;
  out.reserve(token.size() - 2);
  for (size_t i = 1; i + 1 < token.size(); i++) {
    char c = token[i];
    if (c == '\\' && i + 2 < token.size()) c = token[++i];
    out += c;
  }
  return out;
}

const char* describe(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Literal: return "a constant";
    case ExprKind::Builtin: return "a function call";
    case ExprKind::VerbCall:
    case ExprKind::SysVerbCall: return "a verb call";
    case ExprKind::Splice: return "a splice";
    case ExprKind::Catch: return "a catch expression";
    case ExprKind::Map: return "a map";
    case ExprKind::Assign:
    case ExprKind::Scatter: return "an assignment";
    case ExprKind::Range: return "an index of a range";
    default: return "an expression";
  }
}

class Lowerer {
 public:
  Lowerer(std::string_view src, std::vector<CompileError>& errors)
      : g_(Grammar::get()), src_(src), errors_(errors) {}

  ast::Block statements(TSNode parent) {
    ast::Block out;
    if (ts_node_is_null(parent)) return out;
    each_child(parent, [&](TSNode n) { statement(n, out); });
    return out;
  }

 private:
  struct Loop {
    std::string_view name;  // empty for an unnamed while
    bool barrier;           // a fork body: loops outside it cannot be exited
  };

  const Grammar& g_;
  std::string_view src_;
  std::vector<CompileError>& errors_;
  std::vector<Loop> loops_;
  int index_depth_ = 0;  // > 0 inside the brackets of an index or range
  static constexpr int kMaxDepth = 2000;
  int depth_ = 0;
  bool too_deep_ = false;
  const char* stack_base_ = ts::stack_mark();  // see ts::kMaxLoweringStack
  bool deeper_than_allowed() const {
    return depth_ > kMaxDepth || ts::stack_used_since(stack_base_) > ts::kMaxLoweringStack;
  }

  // ------------------------------------------------------------------ helpers

  template <class F>
  void each_child(TSNode n, F&& f) {
    TSTreeCursor c = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&c)) {
      do {
        TSNode ch = ts_tree_cursor_current_node(&c);
        if (ts_node_is_named(ch) && ts_node_symbol(ch) != g_.comment) f(ch);
      } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
  }

  TSNode field(TSNode n, TSFieldId f) { return ts_node_child_by_field_id(n, f); }
  std::string_view text(TSNode n) { return node_text(n, src_); }

  void fail(TSNode n, std::string message) {
    Pos p = node_pos(n);
    errors_.push_back(CompileError{p.line, p.column, std::move(message)});
  }

  // A name used as a variable, loop label or function: not a reserved word.
  std::string name_of(TSNode ident, const char* role) {
    std::string_view t = text(ident);
    if (is_reserved_word(t))
      fail(ident, "expected " + std::string(role) + " but found reserved word '" + std::string(t) +
                      "'");
    return std::string(t);
  }

  static ExprPtr make(ExprKind k, Pos p) { return std::make_unique<Expr>(k, p); }
  static ExprPtr literal(Pos p, Value v) {
    ExprPtr e = make(ExprKind::Literal, p);
    e->value = std::move(v);
    return e;
  }
  static StmtPtr make_stmt(StmtKind k, TSNode n) { return std::make_unique<Stmt>(k, node_pos(n)); }

  // --------------------------------------------------------------- statements

  void statement(TSNode n, ast::Block& out) {
    DepthGuard guard(depth_);
    if (deeper_than_allowed()) {
      if (!too_deep_) fail(n, "statements nested too deeply");
      too_deep_ = true;
      return;
    }
    TSSymbol s = ts_node_symbol(n);
    if (s == g_.empty_statement) return;
    if (s == g_.expression_statement) {
      StmtPtr st = make_stmt(StmtKind::Expr, n);
      st->expr = expr(field(n, g_.f_expression));
      out.push_back(std::move(st));
    } else if (s == g_.if_statement) {
      out.push_back(if_statement(n));
    } else if (s == g_.for_statement || s == g_.for_range_statement) {
      out.push_back(for_statement(n, s == g_.for_range_statement));
    } else if (s == g_.while_statement) {
      StmtPtr st = make_stmt(StmtKind::While, n);
      TSNode label = field(n, g_.f_label);
      if (!ts_node_is_null(label)) st->name = name_of(label, "a loop name");
      st->expr = expr(field(n, g_.f_condition));
      loops_.push_back({ts_node_is_null(label) ? std::string_view() : text(label), false});
      st->body = statements(field(n, g_.f_body));
      loops_.pop_back();
      out.push_back(std::move(st));
    } else if (s == g_.fork_statement) {
      StmtPtr st = make_stmt(StmtKind::Fork, n);
      TSNode label = field(n, g_.f_label);
      if (!ts_node_is_null(label)) st->name = name_of(label, "a task variable name");
      st->expr = expr(field(n, g_.f_delay));
      loops_.push_back({{}, true});
      st->body = statements(field(n, g_.f_body));
      loops_.pop_back();
      out.push_back(std::move(st));
    } else if (s == g_.return_statement) {
      StmtPtr st = make_stmt(StmtKind::Return, n);
      TSNode v = field(n, g_.f_value);
      if (!ts_node_is_null(v)) st->expr = expr(v);
      out.push_back(std::move(st));
    } else if (s == g_.break_statement || s == g_.continue_statement) {
      out.push_back(loop_exit(n, s == g_.break_statement));
    } else if (s == g_.try_statement) {
      out.push_back(try_statement(n));
    } else {
      fail(n, "unexpected " + std::string(ts_node_type(n)));
    }
  }

  StmtPtr if_statement(TSNode n) {
    StmtPtr st = make_stmt(StmtKind::If, n);
    st->conds.push_back(expr(field(n, g_.f_condition)));
    st->bodies.push_back(statements(field(n, g_.f_consequence)));
    each_child(n, [&](TSNode ch) {
      TSSymbol s = ts_node_symbol(ch);
      if (s == g_.elseif_clause) {
        st->conds.push_back(expr(field(ch, g_.f_condition)));
        st->bodies.push_back(statements(field(ch, g_.f_consequence)));
      } else if (s == g_.else_clause) {
        st->has_else = true;
        st->body = statements(field(ch, g_.f_body));
      }
    });
    return st;
  }

  StmtPtr for_statement(TSNode n, bool range) {
    StmtPtr st = make_stmt(range ? StmtKind::ForRange : StmtKind::ForList, n);
    TSNode var = field(n, g_.f_variable), index = field(n, g_.f_index);
    st->name = name_of(var, "a loop variable");
    if (range) {
      st->expr = expr(field(n, g_.f_from));
      st->expr2 = expr(field(n, g_.f_to));
    } else {
      if (!ts_node_is_null(index)) st->index_name = name_of(index, "a loop variable");
      st->expr = expr(field(n, g_.f_iterable));
    }
    // As in LambdaMOO, the loop variables name the loop for break/continue.
    size_t depth = loops_.size();
    loops_.push_back({text(var), false});
    if (!ts_node_is_null(index)) loops_.push_back({text(index), false});
    st->body = statements(field(n, g_.f_body));
    loops_.resize(depth);
    return st;
  }

  StmtPtr loop_exit(TSNode n, bool is_break) {
    StmtPtr st = make_stmt(is_break ? StmtKind::Break : StmtKind::Continue, n);
    const std::string what = is_break ? "break" : "continue";
    TSNode label = field(n, g_.f_label);
    if (ts_node_is_null(label)) {
      if (loops_.empty()) {
        fail(n, "'" + what + "' is not inside a loop");
      } else if (loops_.back().barrier) {
        fail(n, "'" + what + "' is not inside a loop (a fork body cannot leave the loop around it)");
      }
      return st;
    }
    st->name = name_of(label, "a loop name");
    for (size_t i = loops_.size(); i-- > 0 && !loops_[i].barrier;)
      if (!loops_[i].name.empty() && ci_equal(loops_[i].name, text(label))) return st;
    fail(label, "'" + what + " " + st->name + "' is not inside a loop named '" + st->name + "'");
    return st;
  }

  StmtPtr try_statement(TSNode n) {
    StmtPtr st = make_stmt(StmtKind::Try, n);
    st->body = statements(field(n, g_.f_body));
    bool caught_any = false;
    each_child(n, [&](TSNode ch) {
      TSSymbol s = ts_node_symbol(ch);
      if (s == g_.except_clause) {
        if (caught_any) fail(ch, "unreachable 'except' clause: an earlier clause catches ANY");
        ast::ExceptClause clause;
        clause.pos = node_pos(ch);
        TSNode var = field(ch, g_.f_variable);
        if (!ts_node_is_null(var)) clause.var = name_of(var, "a variable name");
        TSNode codes = field(ch, g_.f_codes);
        if (ts_node_symbol(codes) == g_.any) {
          clause.codes_any = true;
          caught_any = true;
        } else {
          each_child(codes, [&](TSNode c) { clause.codes.push_back(argument(c)); });
        }
        clause.body = statements(field(ch, g_.f_body));
        st->excepts.push_back(std::move(clause));
      } else if (s == g_.finally_clause) {
        st->has_finally = true;
        st->finally_body = statements(field(ch, g_.f_body));
      }
    });
    return st;
  }

  // -------------------------------------------------------------- expressions

  ExprPtr argument(TSNode n) {
    if (ts_node_symbol(n) != g_.splice) return expr(n);
    ExprPtr e = make(ExprKind::Splice, node_pos(n));
    e->lhs = expr(field(n, g_.f_expression));
    return e;
  }

  void arguments(TSNode list, std::vector<ExprPtr>& out) {
    each_child(list, [&](TSNode c) { out.push_back(argument(c)); });
  }

  ExprPtr integer(TSNode n, bool negative, Pos p) {
    int64_t v = 0;
    if (!ts::parse_decimal(text(n), negative, &v))
      fail(n, "integer literal " + std::string(negative ? "-" : "") + std::string(text(n)) +
                  " is out of range (64-bit integers)");
    return literal(p, Value::integer(v));
  }

  ExprPtr floating(TSNode n, bool negative, Pos p) {
    std::string t(text(n));
    errno = 0;
    double d = std::strtod(t.c_str(), nullptr);
    if (!std::isfinite(d) || errno == ERANGE) {
      if (!std::isfinite(d)) fail(n, "floating-point literal " + t + " is out of range");
      if (!std::isfinite(d)) d = 0.0;
    }
    return literal(p, Value::flt(negative ? -d : d));
  }

  // Guards the recursion (a generated `a + a + ... + a` is as deep as it is
  // long); LambdaMOO's parser stack had a limit as well.
  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& depth) : d(++depth) {}
    ~DepthGuard() { --d; }
  };

  ExprPtr expr(TSNode n) {
    DepthGuard guard(depth_);
    TSSymbol s = ts_node_symbol(n);
    Pos p = node_pos(n);
    if (deeper_than_allowed()) {
      if (!too_deep_) fail(n, "expression nested too deeply");
      too_deep_ = true;
      return literal(p, Value::integer(0));
    }
    if (s == g_.identifier) {
      ExprPtr e = make(ExprKind::Var, p);
      e->name = name_of(n, "an expression");
      return e;
    }
    if (s == g_.integer) return integer(n, false, p);
    if (s == g_.float_) return floating(n, false, p);
    if (s == g_.string) return literal(p, Value::str(unescape(text(n))));
    if (s == g_.object_id) {
      std::string_view t = text(n).substr(1);
      bool neg = !t.empty() && t[0] == '-';
      int64_t v = 0;
      if (!ts::parse_decimal(neg ? t.substr(1) : t, neg, &v))
        fail(n, "object number " + std::string(text(n)) + " is out of range");
      return literal(p, Value::obj(v));
    }
    if (s == g_.error_code) {
      Error code = E_NONE;
      if (!error_from_name(text(n), &code)) fail(n, "unknown error code " + std::string(text(n)));
      return literal(p, Value::err(code));
    }
    if (s == g_.true_ || s == g_.false_) return literal(p, Value::boolean(s == g_.true_));
    if (s == g_.parenthesized_expression) return expr(field(n, g_.f_expression));
    if (s == g_.binary_expression) return binary(n, p);
    if (s == g_.unary_expression) return unary(n, p);
    if (s == g_.assignment_expression) return assignment(n, p);
    if (s == g_.scatter_assignment) return scatter_assignment(n, p);
    if (s == g_.conditional_expression) {
      // LambdaMOO declares `?` and `|` %nonassoc: a conditional directly
      // in the condition or the alternative of another (no parentheses)
      // is a syntax error there, so it is here too.
      for (TSSymbol f : {g_.f_condition, g_.f_alternative})
        if (ts_node_symbol(field(n, f)) == g_.conditional_expression)
          fail(field(n, f), "a conditional expression cannot be chained without parentheses");
      ExprPtr e = make(ExprKind::Cond, p);
      e->cond = expr(field(n, g_.f_condition));
      e->lhs = expr(field(n, g_.f_consequence));
      e->rhs = expr(field(n, g_.f_alternative));
      return e;
    }
    if (s == g_.property_expression || s == g_.verb_call) {
      bool verb = s == g_.verb_call;
      ExprPtr e = make(verb ? ExprKind::VerbCall : ExprKind::Prop, p);
      e->object = expr(field(n, g_.f_object));
      TSNode name = field(n, verb ? g_.f_verb : g_.f_property);
      if (ts_node_symbol(name) == g_.identifier)
        e->name = std::string(text(name));
      else
        e->name_expr = expr(field(name, g_.f_expression));
      if (verb) arguments(field(n, g_.f_arguments), e->args);
      return e;
    }
    if (s == g_.index_expression || s == g_.range_expression) {
      bool range = s == g_.range_expression;
      ExprPtr e = make(range ? ExprKind::Range : ExprKind::Index, p);
      e->object = expr(field(n, g_.f_object));
      index_depth_++;
      if (range) {
        e->index = expr(field(n, g_.f_from));
        e->index2 = expr(field(n, g_.f_to));
      } else {
        e->index = expr(field(n, g_.f_index));
      }
      index_depth_--;
      return e;
    }
    if (s == g_.first || s == g_.last) {
      if (index_depth_ == 0)
        fail(n, s == g_.first ? "'^' is only allowed inside an index, where it means the first position"
                              : "'$' is only allowed inside an index, where it means the last position");
      return make(s == g_.first ? ExprKind::First : ExprKind::Last, p);
    }
    if (s == g_.system_property) {
      ExprPtr e = make(ExprKind::SysRef, p);
      e->name = std::string(text(field(n, g_.f_name)));
      return e;
    }
    if (s == g_.system_verb_call || s == g_.call_expression) {
      bool sys = s == g_.system_verb_call;
      ExprPtr e = make(sys ? ExprKind::SysVerbCall : ExprKind::Builtin, p);
      TSNode name = field(n, sys ? g_.f_name : g_.f_function);
      e->name = sys ? std::string(text(name)) : name_of(name, "a function name");
      arguments(field(n, g_.f_arguments), e->args);
      return e;
    }
    if (s == g_.list) {
      ExprPtr e = make(ExprKind::List, p);
      arguments(n, e->args);
      return e;
    }
    if (s == g_.map) {
      ExprPtr e = make(ExprKind::Map, p);
      each_child(n, [&](TSNode entry) {
        e->args.push_back(expr(field(entry, g_.f_key)));
        e->args.push_back(expr(field(entry, g_.f_value)));
      });
      return e;
    }
    if (s == g_.catch_expression) {
      ExprPtr e = make(ExprKind::Catch, p);
      e->lhs = expr(field(n, g_.f_expression));
      TSNode codes = field(n, g_.f_codes);
      if (ts_node_symbol(codes) == g_.any)
        e->codes_any = true;
      else
        arguments(codes, e->args);
      TSNode def = field(n, g_.f_default);
      if (!ts_node_is_null(def)) e->rhs = expr(def);
      return e;
    }
    if (s == g_.splice) {
      fail(n, "'@' is only allowed in a list, an argument list or a scattering assignment");
      return argument(n);
    }
    fail(n, "unexpected " + std::string(ts_node_type(n)));
    return literal(p, Value::integer(0));
  }

  ExprPtr binary(TSNode n, Pos p) {
    std::string_view op = ts_node_type(field(n, g_.f_operator));
    ExprPtr e;
    if (op == "&&" || op == "||") {
      e = make(op == "&&" ? ExprKind::And : ExprKind::Or, p);
    } else {
      e = make(ExprKind::Binary, p);
      if (!ts::binary_op(op, &e->binop)) fail(n, "unknown operator '" + std::string(op) + "'");
    }
    e->lhs = expr(field(n, g_.f_left));
    e->rhs = expr(field(n, g_.f_right));
    return e;
  }

  ExprPtr unary(TSNode n, Pos p) {
    std::string_view op = ts_node_type(field(n, g_.f_operator));
    TSNode operand = field(n, g_.f_operand);
    if (op == "-") {
      // LambdaMOO folds the negation of a numeric literal into the literal.
      TSSymbol s = ts_node_symbol(operand);
      if (s == g_.integer) return integer(operand, true, p);
      if (s == g_.float_) return floating(operand, true, p);
      ExprPtr inner = expr(operand);
      if (inner->kind == ExprKind::Literal) {
        if (inner->value.is_int() && inner->value.as_int() != INT64_MIN) {
          inner->value = Value::integer(-inner->value.as_int());
          inner->pos = p;
          return inner;
        }
        if (inner->value.is_float()) {
          inner->value = Value::flt(-inner->value.as_float());
          inner->pos = p;
          return inner;
        }
      }
      ExprPtr e = make(ExprKind::Unary, p);
      e->unop = ast::UnOp::Neg;
      e->lhs = std::move(inner);
      return e;
    }
    ExprPtr e = make(ExprKind::Unary, p);
    e->unop = op == "!" ? ast::UnOp::Not : ast::UnOp::BitNot;
    e->lhs = expr(operand);
    return e;
  }

  ExprPtr assignment(TSNode n, Pos p) {
    TSNode left = field(n, g_.f_left);
    ExprPtr target = expr(left);
    if (target->kind == ExprKind::List) return scatter_from_list(n, left, std::move(target), p);
    // LambdaMOO: strip one range, then any indexes; what is left must be a
    // variable or a property ($name is #0.name).
    const Expr* base = target.get();
    if (base->kind == ExprKind::Range) base = base->object.get();
    while (base->kind == ExprKind::Index) base = base->object.get();
    if (base->kind != ExprKind::Var && base->kind != ExprKind::Prop && base->kind != ExprKind::SysRef)
      fail(left, std::string("cannot assign to ") + describe(*base) +
                     ": the left side of '=' must be a variable, property, index or range");
    ExprPtr e = make(ExprKind::Assign, p);
    e->lhs = std::move(target);
    e->rhs = expr(field(n, g_.f_right));
    return e;
  }

  // `{a, @b} = x` parsed as an assignment to a list literal (its elements
  // were not all plain names, or were parenthesised): LambdaMOO turns the
  // list into scattering targets when every element is a variable.
  ExprPtr scatter_from_list(TSNode n, TSNode left, ExprPtr list, Pos p) {
    ExprPtr e = make(ExprKind::Scatter, p);
    if (list->args.empty()) fail(left, "empty list in scattering assignment");
    bool ok = true;
    for (ExprPtr& el : list->args) {
      ast::ScatterTarget t;
      const Expr* v = el.get();
      if (v->kind == ExprKind::Splice) {
        t.kind = ast::ScatterTarget::Rest;
        v = v->lhs.get();
      }
      if (v->kind != ExprKind::Var) {
        ok = false;
        continue;
      }
      t.name = v->name;
      e->scatter.push_back(std::move(t));
    }
    if (!ok) fail(left, "scattering assignment targets must be simple variables");
    check_rests(left, e->scatter);
    e->rhs = expr(field(n, g_.f_right));
    return e;
  }

  ExprPtr scatter_assignment(TSNode n, Pos p) {
    ExprPtr e = make(ExprKind::Scatter, p);
    TSNode pattern = field(n, g_.f_left);
    each_child(pattern, [&](TSNode item) {
      ast::ScatterTarget t;
      TSSymbol s = ts_node_symbol(item);
      if (s == g_.identifier) {
        t.name = name_of(item, "a variable name");
      } else {
        t.kind = s == g_.scatter_rest ? ast::ScatterTarget::Rest : ast::ScatterTarget::Optional;
        t.name = name_of(field(item, g_.f_name), "a variable name");
        TSNode def = field(item, g_.f_default);
        if (!ts_node_is_null(def)) t.default_value = expr(def);
      }
      e->scatter.push_back(std::move(t));
    });
    check_rests(pattern, e->scatter);
    e->rhs = expr(field(n, g_.f_right));
    return e;
  }

  void check_rests(TSNode at, const std::vector<ast::ScatterTarget>& targets) {
    int rests = 0;
    for (const auto& t : targets) rests += t.kind == ast::ScatterTarget::Rest;
    if (rests > 1) fail(at, "more than one '@' target in scattering assignment");
  }
};

}  // namespace

bool is_reserved_word(std::string_view word) {
  static const char* const words[] = {
      "if", "else", "elseif", "endif", "for", "in", "endfor", "fork", "endfork", "return",
      "while", "endwhile", "try", "except", "finally", "endtry", "any", "break", "continue",
      "true", "false", "E_NONE", "E_TYPE", "E_DIV", "E_PERM", "E_PROPNF", "E_VERBNF",
      "E_VARNF", "E_INVIND", "E_RECMOVE", "E_MAXREC", "E_RANGE", "E_ARGS", "E_NACC",
      "E_INVARG", "E_QUOTA", "E_FLOAT", "E_FILE", "E_EXEC", "E_INTRPT"};
  if (word.size() < 2 || word.size() > 9) return false;
  for (const char* w : words)
    if (ci_equal(word, w)) return true;
  return false;
}

void lower_program(TSNode root, std::string_view source, ParseResult& out) {
  Lowerer lowerer(source, out.errors);
  out.program.body = lowerer.statements(root);
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const CompileError& a, const CompileError& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
}

}  // namespace echo::moo
