// The compiler's expressions and assignments: each evaluates into a register
// and carries the LambdaMOO ticks of the opcodes it stands for.
#include "lang/compiler_impl.h"

namespace echo::detail {

bool Compiler::is_simple(const Expr& e) {
  return e.kind == ExprKind::Literal || e.kind == ExprKind::Var;
}

bool Compiler::is_negated_literal(const Expr& e) {
  return e.kind == ExprKind::Unary && e.unop == UnOp::Neg && e.lhs->kind == ExprKind::Literal &&
         (e.lhs->value.is_int() || e.lhs->value.is_float());
}

Value Compiler::literal_value(const Expr& e) {
  if (e.kind == ExprKind::Literal) return e.value;
  const Value& v = e.lhs->value;  // folded -literal, as LambdaMOO's parser does
  if (v.is_int()) return Value::integer(int64_t(0ULL - uint64_t(v.as_int())));
  return Value::flt(-v.as_float());
}

bool Compiler::is_constant(const Expr& e) {
  return e.kind == ExprKind::Literal || is_negated_literal(e);
}

bool Compiler::assigns(const Expr& e) {
  if (e.kind == ExprKind::Assign || e.kind == ExprKind::Scatter) return true;
  for (auto* p : {&e.object, &e.name_expr, &e.index, &e.index2, &e.cond, &e.lhs, &e.rhs})
    if (*p && assigns(**p)) return true;
  for (auto& a : e.args)
    if (assigns(*a)) return true;
  return false;
}

uint16_t Compiler::expr(const Expr& e, uint16_t want) {
  int saved_line = line_;
  if (e.pos.line) line_ = e.pos.line;
  uint16_t r = expr_inner(e, want);
  line_ = saved_line;
  return r;
}

uint16_t Compiler::operand(const Expr& e, bool later_may_assign) {
  uint16_t r = expr(e);
  if (is_var_reg(r) && later_may_assign) {
    uint16_t t = temp();
    emit(preset_var(r) ? Op::MOVE : Op::MOVEV, 0, 0, t, r);
    return t;
  }
  return r;
}

uint16_t Compiler::expr_inner(const Expr& e, uint16_t want) {
  switch (e.kind) {
    case ExprKind::Literal: {
      uint16_t d = dest(want);
      load_const(d, e.value);
      mark_single();
      return d;
    }
    case ExprKind::Var: {
      uint16_t v = var_reg(e.name);
      if (is_boxed(v)) {
        uint16_t d = dest(want);
        emit(Op::CELL_GET, 0, 0, d, v);
        mark_single();
        return d;
      }
      if (want == kNoReg) return v;
      emit(preset_var(v) ? Op::MOVE : Op::MOVEV, 0, 0, want, v);
      mark_single();
      return want;
    }
    case ExprKind::SysRef: {
      uint32_t mark = top_;
      uint16_t o = temp(), n = temp();
      load_const(o, Value::obj(0));
      load_const(n, Value::str(e.name));
      top_ = mark;
      uint16_t d = dest(want);
      emit(Op::GETPROP, 1, 0, d, o, n);
      mark_single();
      return d;
    }
    case ExprKind::Prop: {
      uint32_t mark = top_;
      bool later = e.name_expr && assigns(*e.name_expr);
      uint16_t o = operand(*e.object, later);
      uint16_t n = prop_name(e);
      top_ = mark;
      uint16_t d = dest(want);
      emit(Op::GETPROP, 1, 0, d, o, n);
      mark_single();
      return d;
    }
    case ExprKind::VerbCall:
    case ExprKind::SysVerbCall: {
      uint32_t mark = top_;
      uint16_t base = temp();
      temp(); temp();
      if (e.kind == ExprKind::SysVerbCall) {
        load_const(base, Value::obj(0));
        load_const(uint16_t(base + 1), Value::str(e.name));
      } else {
        expr(*e.object, base);
        if (e.name_expr) expr(*e.name_expr, uint16_t(base + 1));
        else load_const(uint16_t(base + 1), Value::str(e.name));
      }
      int ticks = arglist_to_list(e.args, uint16_t(base + 2));
      top_ = mark;
      uint16_t d = dest(want);
      emit(Op::CALLVERB, 1 + ticks, 0, d, base);
      mark_single();
      return d;
    }
    case ExprKind::Builtin: return builtin_call(e, want);
    case ExprKind::Index: {
      uint32_t mark = top_;
      bool later = assigns(*e.index);
      uint16_t o = operand(*e.object, later);
      if (e.index->kind == ExprKind::Last) {
        top_ = mark;
        uint16_t d = dest(want);
        emit(Op::INDEX_LAST, 1, 0, d, o);
        mark_single();
        return d;
      }
      container_stack_.push_back(o);
      Op op = Op::INDEX;
      uint16_t i;
      if (e.index->kind == ExprKind::Literal) {
        op = Op::INDEXK;
        i = konst(e.index->value);
      } else {
        i = expr(*e.index);
      }
      container_stack_.pop_back();
      top_ = mark;
      uint16_t d = dest(want);
      emit(op, 1, 0, d, o, i);
      mark_single();
      return d;
    }
    case ExprKind::Range: {
      uint32_t mark = top_;
      bool later = assigns(*e.index) || assigns(*e.index2);
      uint16_t o = operand(*e.object, later);
      uint16_t from = temp(), to = temp();
      container_stack_.push_back(o);
      expr(*e.index, from);
      expr(*e.index2, to);
      container_stack_.pop_back();
      top_ = mark;
      uint16_t d = dest(want);
      emit(Op::RANGE, 1, 0, d, o, from);
      mark_single();
      return d;
    }
    case ExprKind::First:
    case ExprKind::Last: {
      if (container_stack_.empty())
        fail(e.pos, std::string("'") + (e.kind == ExprKind::First ? "^" : "$") +
                        "' is only valid inside an index or range");
      uint16_t d = dest(want);
      emit(e.kind == ExprKind::First ? Op::FIRSTKEY : Op::LASTKEY, 0, 0, d, container_stack_.back());
      mark_single();
      return d;
    }
    case ExprKind::Unary: {
      if (is_negated_literal(e)) {
        uint16_t d = dest(want);
        load_const(d, literal_value(e));
        mark_single();
        return d;
      }
      uint32_t mark = top_;
      uint16_t s = expr(*e.lhs);
      top_ = mark;
      uint16_t d = dest(want);
      Op op = e.unop == UnOp::Neg ? Op::NEG : e.unop == UnOp::Not ? Op::NOT : Op::BITNOT;
      emit(op, 1, 0, d, s);
      mark_single();
      return d;
    }
    case ExprKind::Binary: return binary(e, want);
    case ExprKind::And:
    case ExprKind::Or: {
      // LambdaMOO: the value is the left operand when it decides, else the right.
      uint16_t d = (want != kNoReg && !is_var_reg(want)) ? want : temp();
      expr(*e.lhs, d);
      uint32_t j = emit_jump(e.kind == ExprKind::And ? Op::JMPF : Op::JMPT, d, 1);
      expr(*e.rhs, d);
      patch(j, here());
      return finish_compound(d, want);
    }
    case ExprKind::Cond: {
      uint16_t d = (want != kNoReg && !is_var_reg(want)) ? want : temp();
      uint32_t mark = top_;
      uint16_t c = expr(*e.cond);
      top_ = mark;
      uint32_t jf = emit_jump(Op::JMPF, c, 1);
      expr(*e.lhs, d);
      uint32_t je = emit_jump(Op::JMP);
      patch(jf, here());
      expr(*e.rhs, d);
      patch(je, here());
      return finish_compound(d, want);
    }
    case ExprKind::Assign: return assign(e, want);
    case ExprKind::Scatter: return scatter(e, want);
    case ExprKind::List: {
      uint16_t d = (want != kNoReg && !is_var_reg(want)) ? want : temp();
      build_list(e.args, d);
      return finish_compound(d, want);
    }
    case ExprKind::Map: {
      uint32_t mark = top_;
      uint16_t base = uint16_t(top_);
      for (auto& a : e.args) expr(*a, temp());
      top_ = mark;
      uint16_t d = dest(want);
      emit(Op::MAKEMAP, 0, 0, d, base, uint16_t(e.args.size() / 2));
      mark_single();
      return d;
    }
    case ExprKind::Splice: fail(e.pos, "'@' is only valid in a list or an argument list");
    case ExprKind::Function: return function_expr(e, want);
    case ExprKind::Apply: return apply(e, want);
    case ExprKind::Catch: {
      uint16_t d = (want != kNoReg && !is_var_reg(want)) ? want : temp();
      uint32_t mark = top_;
      uint16_t codes = kNoReg;
      if (!e.codes_any) {
        codes = temp();
        arglist_to_list(e.args, codes);
      }
      // On a match the error code lands in d, then the default (if any) runs.
      uint32_t push = emit(Op::TRY_PUSH, 1, 0, codes, uint16_t(HandlerKind::Catch), d);
      handler_depth_++;
      expr(*e.lhs, d);
      handler_depth_--;
      emit(Op::TRY_POP, 0, 0, 1);
      uint32_t je = emit_jump(Op::JMP);
      uint32_t handler = here();
      if (e.rhs) expr(*e.rhs, d);
      patch(je, here());
      top_ = mark;
      cur_->code[push].set_target(handler);
      return finish_compound(d, want);
    }
  }
  fail(e.pos, "unsupported expression");
}

uint16_t Compiler::finish_compound(uint16_t d, uint16_t want) {
  if (want != kNoReg && want != d) {
    emit(Op::MOVE, 0, 0, want, d);
    mark_single();
    return want;
  }
  last_single_ = -1;
  return d;
}

void Compiler::load_const(uint16_t d, const Value& v) {
  if (v.is_int() && v.as_int() >= -32768 && v.as_int() <= 32767)
    emit(Op::LOADI, 0, 0, d, uint16_t(int16_t(v.as_int())));
  else
    emit(Op::LOADK, 0, 0, d, konst(v));
}

uint16_t Compiler::prop_name(const Expr& e) {
  if (e.name_expr) return expr(*e.name_expr);
  uint16_t n = temp();
  load_const(n, Value::str(e.name));
  return n;
}

uint16_t Compiler::binary(const Expr& e, uint16_t want) {
  static const std::map<BinOp, std::pair<Op, Op>> ops = {
      {BinOp::Add, {Op::ADD, Op::ADDK}}, {BinOp::Sub, {Op::SUB, Op::SUBK}},
      {BinOp::Mul, {Op::MUL, Op::MULK}}, {BinOp::Div, {Op::DIV, Op::DIVK}},
      {BinOp::Mod, {Op::MOD, Op::MODK}}, {BinOp::Pow, {Op::POW, Op::POW}},
      {BinOp::Eq, {Op::EQ, Op::EQK}},    {BinOp::Ne, {Op::NE, Op::NEK}},
      {BinOp::Lt, {Op::LT, Op::LTK}},    {BinOp::Le, {Op::LE, Op::LEK}},
      {BinOp::Gt, {Op::GT, Op::GTK}},    {BinOp::Ge, {Op::GE, Op::GEK}},
      {BinOp::In, {Op::IN, Op::IN}},     {BinOp::BitAnd, {Op::BITAND, Op::BITAND}},
      {BinOp::BitOr, {Op::BITOR, Op::BITOR}}, {BinOp::BitXor, {Op::BITXOR, Op::BITXOR}},
      {BinOp::Shl, {Op::SHL, Op::SHL}},  {BinOp::Shr, {Op::SHR, Op::SHR}},
  };
  auto [rop, kop] = ops.at(e.binop);
  // A constant left operand: commutative and mirrored comparisons swap
  // sides (a numeric constant cannot change which error is raised);
  // - / % get their own constant-left instructions.
  if (is_constant(*e.lhs) && !is_constant(*e.rhs)) {
    Value k = literal_value(*e.lhs);
    bool numeric = k.is_int() || k.is_float();
    Op swapped = Op::NOP;
    switch (e.binop) {
      case BinOp::Add: if (numeric) swapped = Op::ADDK; break;
      case BinOp::Mul: swapped = Op::MULK; break;
      case BinOp::Eq: swapped = Op::EQK; break;
      case BinOp::Ne: swapped = Op::NEK; break;
      case BinOp::Lt: swapped = Op::GTK; break;
      case BinOp::Le: swapped = Op::GEK; break;
      case BinOp::Gt: swapped = Op::LTK; break;
      case BinOp::Ge: swapped = Op::LEK; break;
      default: break;
    }
    Op kr = e.binop == BinOp::Sub ? Op::SUBKR : e.binop == BinOp::Div ? Op::DIVKR
            : e.binop == BinOp::Mod ? Op::MODKR : Op::NOP;
    if (swapped != Op::NOP || kr != Op::NOP) {
      uint32_t mark = top_;
      uint16_t kidx = konst(k);
      uint16_t r = expr(*e.rhs);
      top_ = mark;
      uint16_t d = dest(want);
      if (swapped != Op::NOP) emit(swapped, 1, 0, d, r, kidx);
      else emit(kr, 1, 0, d, kidx, r);
      mark_single();
      return d;
    }
  }
  uint32_t mark = top_;
  uint16_t l = operand(*e.lhs, !is_simple(*e.rhs) && assigns(*e.rhs));
  // A variable left operand must be checked before the right side runs, so
  // that E_VARNF wins over the right side's errors as in LambdaMOO.
  if (is_var_reg(l) && !is_simple(*e.rhs) && !is_constant(*e.rhs) && !preset_var(l))
    emit(Op::CHECKVAR, 0, 0, l);
  Op op = rop;
  uint16_t r;
  if (is_constant(*e.rhs) && kop != rop) {
    op = kop;
    r = konst(literal_value(*e.rhs));
  } else {
    r = expr(*e.rhs);
  }
  top_ = mark;
  uint16_t d = dest(want);
  uint32_t magic = 0;
  if ((op == Op::MODK || op == Op::DIVK) && prog_->constants[r].is_int()) {
    int64_t k = prog_->constants[r].as_int();
    if (k >= 2 && k < (int64_t(1) << 32)) {
      prog_->divisor_magic.push_back(UINT64_MAX / uint64_t(k) + 1);
      magic = uint32_t(prog_->divisor_magic.size());
    }
  }
  emit(op, 1, 0, d, l, r, magic);
  mark_single();
  return d;
}

uint32_t Compiler::branch(const Expr& cond, bool when_true) {
  static const std::map<BinOp, std::pair<Op, Op>> jops = {
      {BinOp::Lt, {Op::JLT, Op::JLTK}}, {BinOp::Le, {Op::JLE, Op::JLEK}},
      {BinOp::Gt, {Op::JGT, Op::JGTK}}, {BinOp::Ge, {Op::JGE, Op::JGEK}},
      {BinOp::Eq, {Op::JEQ, Op::JEQK}}, {BinOp::Ne, {Op::JNE, Op::JNEK}}};
  int saved_line = line_;
  if (cond.pos.line) line_ = cond.pos.line;
  auto it = cond.kind == ExprKind::Binary ? jops.find(cond.binop) : jops.end();
  if (it != jops.end() && !is_constant(*cond.lhs)) {
    uint32_t mark = top_;
    uint16_t l = operand(*cond.lhs, !is_simple(*cond.rhs) && assigns(*cond.rhs));
    if (is_var_reg(l) && !is_simple(*cond.rhs) && !is_constant(*cond.rhs) && !preset_var(l))
      emit(Op::CHECKVAR, 0, 0, l);
    uint32_t pc;
    if (is_constant(*cond.rhs)) {
      pc = emit(it->second.second, 2, 0, l, konst(literal_value(*cond.rhs)), when_true);
    } else {
      uint16_t r = expr(*cond.rhs);
      pc = emit(it->second.first, 2, 0, l, r, when_true);
    }
    top_ = mark;
    line_ = saved_line;
    return pc;
  }
  uint32_t mark = top_;
  uint16_t c = expr(cond);
  top_ = mark;
  line_ = saved_line;
  return emit_jump(when_true ? Op::JMPT : Op::JMPF, c, 1);
}

int Compiler::arglist_to_list(const std::vector<ExprPtr>& args, uint16_t d) {
  build_list(args, d, /*count_ticks_on_instr=*/false);
  return args.empty() ? 0 : 1;
}

void Compiler::build_list(const std::vector<ExprPtr>& args, uint16_t d, bool ticks_on_instr) {
  bool has_splice = std::any_of(args.begin(), args.end(),
                                [](auto& a) { return a->kind == ExprKind::Splice; });
  int t = ticks_on_instr && !args.empty() ? 1 : 0;
  uint32_t mark = top_;
  if (!has_splice) {
    uint16_t base = uint16_t(top_);
    for (auto& a : args) expr(*a, temp());
    top_ = mark;
    emit(Op::MAKELIST, t, 0, d, base, uint16_t(args.size()));
    return;
  }
  bool first = true;
  for (auto& a : args) {
    if (first) {
      if (a->kind == ExprKind::Splice) {
        expr(*a->lhs, d);
        emit(Op::CHECK_LIST, t, 0, d);
      } else {
        uint16_t base = temp();
        expr(*a, base);
        emit(Op::MAKELIST, t, 0, d, base, 1);
      }
      first = false;
    } else {
      uint16_t v = expr(a->kind == ExprKind::Splice ? *a->lhs : *a);
      emit(a->kind == ExprKind::Splice ? Op::LIST_SPLICE : Op::LIST_APPEND, 0, 0, d, v);
    }
    top_ = mark;
  }
}

uint16_t Compiler::builtin_call(const Expr& e, uint16_t want) {
  int index = Builtins::instance().find(e.name);
  if (index < 0) fail(e.pos, "Unknown built-in function: " + e.name);
  bool has_splice = std::any_of(e.args.begin(), e.args.end(),
                                [](auto& a) { return a->kind == ExprKind::Splice; });
  uint32_t mark = top_;
  int ticks = 1 + (e.args.empty() ? 0 : 1);
  if (has_splice) {
    uint16_t l = temp();
    build_list(e.args, l, false);
    top_ = mark;
    uint16_t d = dest(want);
    emit(Op::BUILTIN_LIST, ticks, 0, d, uint16_t(index), l);
    mark_single();
    return d;
  }
  uint16_t base = uint16_t(top_);
  for (auto& a : e.args) expr(*a, temp());
  top_ = mark;
  uint16_t d = dest(want);
  emit(Op::BUILTIN, ticks, 0, d, uint16_t(index), base, uint16_t(e.args.size()));
  mark_single();
  return d;
}

uint16_t Compiler::assign(const Expr& e, uint16_t want) {
  const Expr& target = *e.lhs;
  const Expr& value = *e.rhs;
  switch (target.kind) {
    case ExprKind::Var: {
      uint16_t v = var_reg(target.name);
      if (is_boxed(v)) {
        if (e.declare) declare_boxed(v);
        uint16_t t = (want != kNoReg && !is_var_reg(want)) ? want : temp();
        expr(value, t);
        emit(Op::CELL_SET, 1, 0, v, t);
        return result_of(t, want);
      }
      if (self_append(v, value)) return result_of(v, want);
      bool single = value.kind != ExprKind::And && value.kind != ExprKind::Or &&
                    value.kind != ExprKind::Cond && value.kind != ExprKind::Catch &&
                    value.kind != ExprKind::List && value.kind != ExprKind::Assign &&
                    value.kind != ExprKind::Scatter;
      if (single) {
        expr(value, v);
        add_ticks(1);
      } else {
        uint32_t mark = top_;
        uint16_t t = expr(value);
        emit(is_var_reg(t) ? Op::MOVEV : Op::MOVE, 1, 0, v, t);
        top_ = mark;
      }
      return result_of(v, want);
    }
    case ExprKind::SysRef:
    case ExprKind::Prop: {
      uint32_t mark = top_;
      uint16_t o, n;
      bool later = assigns(value) || (target.name_expr && assigns(*target.name_expr));
      if (target.kind == ExprKind::SysRef) {
        o = temp();
        load_const(o, Value::obj(0));
        n = temp();
        load_const(n, Value::str(target.name));
      } else {
        o = operand(*target.object, later);
        n = prop_name(target);
        if (is_var_reg(n) && assigns(value)) {
          uint16_t t = temp();
          emit(Op::MOVEV, 0, 0, t, n);
          n = t;
        }
      }
      uint16_t v = (want != kNoReg && !is_var_reg(want)) ? want : temp();
      expr(value, v);
      emit(Op::SETPROP, 1, 0, o, n, v);
      top_ = std::max<uint32_t>(mark, v + 1u);
      if (v < mark) top_ = mark;
      uint16_t r = result_of(v, want);
      return r;
    }
    case ExprKind::Index:
    case ExprKind::Range: return assign_path(e, want);
    default: fail(target.pos, "Illegal expression on left side of assignment.");
  }
}

uint16_t Compiler::result_of(uint16_t r, uint16_t want) {
  if (want != kNoReg && want != r) {
    emit(Op::MOVE, 0, 0, want, r);
    return want;
  }
  last_single_ = -1;
  return r;
}

bool Compiler::self_append(uint16_t v, const Expr& value) {
  if (value.kind != ExprKind::List || value.args.size() < 2) return false;
  const Expr& first = *value.args[0];
  if (is_boxed(v) || first.kind != ExprKind::Splice || first.lhs->kind != ExprKind::Var ||
      var_reg(first.lhs->name) != v)
    return false;
  for (size_t i = 1; i < value.args.size(); ++i)
    if (value.args[i]->kind == ExprKind::Splice || assigns(*value.args[i])) return false;
  emit(Op::CHECK_LIST, 1, 0, v);
  uint32_t mark = top_;
  std::vector<uint16_t> regs;
  for (size_t i = 1; i < value.args.size(); ++i) regs.push_back(operand(*value.args[i], false));
  for (size_t i = 0; i < regs.size(); ++i)
    emit(Op::SELF_APPEND, i + 1 == regs.size() ? 1 : 0, 0, v, regs[i]);
  top_ = mark;
  return true;
}

uint16_t Compiler::assign_path(const Expr& e, uint16_t want) {
  std::vector<const Expr*> levels;  // innermost target first
  const Expr* t = e.lhs.get();
  while (t->kind == ExprKind::Index || t->kind == ExprKind::Range) {
    levels.push_back(t);
    t = t->object.get();
  }
  std::reverse(levels.begin(), levels.end());
  bool is_range = levels.back()->kind == ExprKind::Range;
  for (size_t i = 0; i + 1 < levels.size(); ++i)
    if (levels[i]->kind == ExprKind::Range) fail(levels[i]->pos, "Illegal expression on left side of assignment.");
  uint32_t mark = top_;
  uint16_t root;
  uint16_t prop_o = 0, prop_n = 0;
  bool prop_root = false;
  uint16_t var_root = kNoReg;  // set when the root is a copy of this variable
  uint16_t cell_root = kNoReg;  // set when the root is read from this cell
  if (t->kind == ExprKind::Var && is_boxed(var_reg(t->name))) {
    cell_root = var_reg(t->name);
    root = temp();
    emit(Op::CELL_GET, 0, 0, root, cell_root);
  } else if (t->kind == ExprKind::Var) {
    root = var_reg(t->name);
    if (!preset_var(root)) emit(Op::CHECKVAR, 0, 0, root);
    // LambdaMOO pushes the variable's value before evaluating the indices
    // and the right side: if those assign variables (`x[1] = (x = 7)`), the
    // old value is the one updated and stored back.
    bool later_assigns = assigns(*e.rhs);
    for (const Expr* lv : levels)
      later_assigns = later_assigns || assigns(*lv->index) || (lv->index2 && assigns(*lv->index2));
    if (later_assigns) {
      var_root = root;
      root = temp();
      emit(Op::MOVE, 0, 0, root, var_root);
    }
  } else if (t->kind == ExprKind::Prop || t->kind == ExprKind::SysRef) {
    prop_root = true;
    prop_o = temp();
    prop_n = temp();
    if (t->kind == ExprKind::SysRef) {
      load_const(prop_o, Value::obj(0));
      load_const(prop_n, Value::str(t->name));
    } else {
      expr(*t->object, prop_o);
      if (t->name_expr) expr(*t->name_expr, prop_n);
      else load_const(prop_n, Value::str(t->name));
    }
    root = temp();
    emit(Op::GETPROP, 1, 0, root, prop_o, prop_n);
  } else {
    fail(t->pos, "Illegal expression on left side of assignment.");
  }
  // Index registers, consecutive; a range's last level takes two.
  size_t n_regs = levels.size() + (is_range ? 1 : 0);
  uint16_t base = uint16_t(top_);
  for (size_t i = 0; i < n_regs; ++i) temp();
  uint16_t container = root;
  for (size_t i = 0; i < levels.size(); ++i) {
    const Expr* lv = levels[i];
    container_stack_.push_back(container);
    expr(*lv->index, uint16_t(base + i));
    if (lv->kind == ExprKind::Range) expr(*lv->index2, uint16_t(base + i + 1));
    container_stack_.pop_back();
    if (i + 1 < levels.size()) {
      // The next level's container, for its ^ and $ (and E_RANGE checks).
      uint16_t c = temp();
      emit(Op::INDEX, 0, 0, c, container, uint16_t(base + i));
      container = c;
    }
  }
  uint16_t v = (want != kNoReg && !is_var_reg(want)) ? want : temp();
  expr(*e.rhs, v);
  int ticks = int(levels.size()) - (is_range ? 1 : 0) + 1;  // INDEXSETs + PUT
  emit(Op::SETPATH, prop_root ? ticks - 1 : ticks, 0, root, base, v,
       uint16_t((levels.size() << 1) | (is_range ? 1 : 0)));
  if (prop_root) emit(Op::SETPROP, 1, 0, prop_o, prop_n, root);
  if (var_root != kNoReg) emit(Op::MOVE, 0, 0, var_root, root);
  if (cell_root != kNoReg) store_boxed(cell_root, root);
  top_ = mark;
  if (v >= mark) {  // keep v alive for the caller
    if (want == kNoReg) {
      uint16_t r = temp();
      if (r != v) emit(Op::MOVE, 0, 0, r, v);
      return r;
    }
  }
  return result_of(v, want);
}

uint16_t Compiler::scatter(const Expr& e, uint16_t want) {
  ScatterSpec spec;
  int rests = 0;
  // Boxed targets are scattered into temporaries, then stored in their cells.
  std::vector<uint16_t> regs;
  for (auto& t : e.scatter) {
    ScatterSpec::Item item{};
    item.kind = t.kind == ScatterTarget::Required   ? ScatterSpec::Item::Required
                : t.kind == ScatterTarget::Optional ? ScatterSpec::Item::Optional
                                                    : ScatterSpec::Item::Rest;
    if (item.kind == ScatterSpec::Item::Rest && ++rests > 1)
      fail(e.pos, "More than one `@' target in scattering assignment.");
    item.reg = var_reg(t.name);
    if (is_boxed(item.reg)) {
      if (e.declare) declare_boxed(item.reg);
      item.reg = temp();
    }
    regs.push_back(item.reg);
    spec.items.push_back(item);
  }
  uint16_t v = (want != kNoReg && !is_var_reg(want)) ? want : temp();
  expr(*e.rhs, v);
  uint32_t mark = top_;
  uint16_t mask = temp();
  uint16_t index = uint16_t(prog_->scatters.size());
  prog_->scatters.push_back(spec);
  emit(Op::SCATTER, 1, 0, mask, v, index);
  int opt = 0;
  for (size_t i = 0; i < e.scatter.size(); ++i) {
    const ScatterTarget& t = e.scatter[i];
    uint16_t var = var_reg(t.name);
    if (t.kind != ScatterTarget::Optional) {
      if (is_boxed(var)) store_boxed(var, regs[i]);
      continue;
    }
    if (t.default_value) {
      uint32_t j = emit(Op::JMPBIT, 0, 0, mask, uint16_t(opt));
      expr(*t.default_value, regs[i]);
      add_ticks(1);
      patch(j, here());
      if (is_boxed(var)) store_boxed(var, regs[i]);
    } else if (is_boxed(var)) {  // stored only when it got a value
      uint32_t given = emit(Op::JMPBIT, 0, 0, mask, uint16_t(opt));
      uint32_t skip = emit_jump(Op::JMP);
      patch(given, here());
      store_boxed(var, regs[i]);
      patch(skip, here());
    }
    ++opt;
  }
  top_ = mark;
  return result_of(v, want);
}

uint16_t Compiler::function_expr(const Expr& e, uint16_t want) {
  const ast::Function& fn = *e.function;
  Compiler sub(fn.source);
  CompileResult r = sub.run_function(fn);
  if (!r.ok()) throw CompileFailure{r.errors.front()};
  if (prog_->functions.size() >= 65000) fail(e.pos, "too many functions");
  uint16_t index = uint16_t(prog_->functions.size());
  prog_->functions.push_back(std::move(r.program));
  // The captured values (or cells) in consecutive temporaries.
  uint32_t mark = top_;
  uint16_t base = uint16_t(top_);
  for (auto& c : fn.captures) {
    uint16_t v = var_reg(c.outer.empty() ? c.name : c.outer);
    if (c.by_ref && !is_boxed(v)) fail(e.pos, "internal error: `" + c.name + "' is captured by reference but has no cell");
    emit(is_boxed(v) && !c.by_ref ? Op::CELL_GET : Op::MOVE, 0, 0, temp(), v);
  }
  top_ = mark;
  uint16_t d = dest(want);
  emit(Op::MAKEFUNC, 0, 0, d, index, base);
  mark_single();
  return d;
}

uint16_t Compiler::apply(const Expr& e, uint16_t want) {
  uint32_t mark = top_;
  uint16_t fn = temp();
  expr(*e.object, fn);
  uint16_t args = temp();
  int ticks = arglist_to_list(e.args, args);
  top_ = mark;
  uint16_t d = dest(want);
  emit(Op::CALLFUNC, 1 + ticks, 0, d, fn, args);
  mark_single();
  return d;
}

}  // namespace echo::detail
