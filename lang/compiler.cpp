// AST -> register bytecode. See bytecode.h for the machine and for why each
// instruction carries a tick count; the tick counts here mirror the opcodes
// LambdaMOO's code generator emits for the same construct.
#include "lang/compiler.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "lang/builtins.h"
#include "lang/map.h"

namespace echo {

namespace {

using namespace ast;

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

constexpr uint16_t kNoReg = 0xFFFF;

struct CompileFailure {
  CompileError error;
};

class Compiler {
 public:
  explicit Compiler(std::string source) { prog_->source = std::move(source); }

  CompileResult run(const ast::Program& ast) {
    CompileResult result;
    try {
      for (int i = 0; i < BUILTIN_VAR_COUNT; ++i) var_reg(kBuiltinVarNames[i]);
      collect_vars(ast.body);
      temp_base_ = top_ = max_top_ = uint32_t(prog_->var_names.size());
      assigned_.assign(temp_base_, false);
      for (int i = 0; i < BUILTIN_VAR_COUNT; ++i) assigned_[i] = true;
      cur_ = &prog_->main;
      block(ast.body);
      emit(Op::RETURN0, 0, 0);
      prog_->num_registers = max_top_;
      result.program = std::move(prog_);
    } catch (CompileFailure& f) {
      result.errors.push_back(std::move(f.error));
    }
    return result;
  }

 private:
  // ---- variables and registers -------------------------------------------
  uint16_t var_reg(std::string_view name) {
    std::string key = lower(name);
    auto it = vars_.find(key);
    if (it != vars_.end()) return it->second;
    if (prog_->var_names.size() >= 30000) fail({}, "too many variables");
    uint16_t r = uint16_t(prog_->var_names.size());
    prog_->var_names.emplace_back(name);
    vars_.emplace(std::move(key), r);
    return r;
  }
  bool is_var_reg(uint32_t r) const { return r < temp_base_; }

  void collect_vars(const Block& b) {
    for (auto& s : b) collect_vars(*s);
  }
  void collect_vars(const Stmt& s) {
    if (s.expr) collect_vars(*s.expr);
    if (s.expr2) collect_vars(*s.expr2);
    for (auto& c : s.conds) collect_vars(*c);
    for (auto& b : s.bodies) collect_vars(b);
    collect_vars(s.body);
    collect_vars(s.finally_body);
    if ((s.kind == StmtKind::ForList || s.kind == StmtKind::ForRange) && !s.name.empty()) var_reg(s.name);
    if (s.kind == StmtKind::ForList && !s.index_name.empty()) var_reg(s.index_name);
    if ((s.kind == StmtKind::Fork || s.kind == StmtKind::While) && !s.name.empty()) var_reg(s.name);
    for (auto& e : s.excepts) {
      if (!e.var.empty()) var_reg(e.var);
      for (auto& c : e.codes) collect_vars(*c);
      collect_vars(e.body);
    }
  }
  void collect_vars(const Expr& e) {
    if (e.kind == ExprKind::Var) var_reg(e.name);
    for (auto* p : {&e.object, &e.name_expr, &e.index, &e.index2, &e.cond, &e.lhs, &e.rhs})
      if (*p) collect_vars(**p);
    for (auto& a : e.args) collect_vars(*a);
    for (auto& t : e.scatter) {
      var_reg(t.name);
      if (t.default_value) collect_vars(*t.default_value);
    }
  }

  uint16_t temp() {
    if (top_ >= 65000) fail({}, "expression too complex");
    uint16_t r = uint16_t(top_++);
    max_top_ = std::max(max_top_, top_);
    return r;
  }

  // ---- emission -----------------------------------------------------------
  uint32_t here() const { return uint32_t(cur_->code.size()); }
  uint32_t emit(Op op, int ticks, int line, uint16_t a = 0, uint16_t b = 0, uint16_t c = 0,
                uint32_t d = 0) {
    Instr in{op, uint8_t(ticks), a, b, c, d};
    cur_->code.push_back(in);
    cur_->lines.push_back(line ? line : line_);
    last_single_ = -1;
    return here() - 1;
  }
  uint32_t emit_jump(Op op, uint16_t a = 0, int ticks = 0) {
    uint32_t pc = emit(op, ticks, 0, a);
    return pc;
  }
  void patch(uint32_t pc, uint32_t target) { cur_->code[pc].set_target(target); }
  // Adds ticks for an operation that has no instruction of its own (an
  // assignment folded into the instruction that computed its value).
  void add_ticks(int n) {
    if (last_single_ >= 0 && uint32_t(last_single_) == here() - 1) {
      cur_->code.back().ticks = uint8_t(cur_->code.back().ticks + n);
    } else {
      emit(Op::NOP, n, 0);
    }
  }
  void mark_single() { last_single_ = int(here()) - 1; }

  uint16_t konst(const Value& v) {
    // Constants are deduplicated by exact value and type.
    std::string key = std::to_string(int(v.type())) + ":" + to_literal(v);
    auto it = const_index_.find(key);
    if (it != const_index_.end()) return it->second;
    if (prog_->constants.size() >= 65000) fail({}, "too many constants");
    uint16_t k = uint16_t(prog_->constants.size());
    prog_->constants.push_back(v);
    const_index_.emplace(std::move(key), k);
    return k;
  }

  [[noreturn]] void fail(Pos p, std::string msg) {
    throw CompileFailure{CompileError{p.line ? p.line : line_, p.column, std::move(msg)}};
  }

  // ---- expressions --------------------------------------------------------
  static bool is_simple(const Expr& e) {
    return e.kind == ExprKind::Literal || e.kind == ExprKind::Var;
  }
  static bool is_negated_literal(const Expr& e) {
    return e.kind == ExprKind::Unary && e.unop == UnOp::Neg && e.lhs->kind == ExprKind::Literal &&
           (e.lhs->value.is_int() || e.lhs->value.is_float());
  }
  static Value literal_value(const Expr& e) {
    if (e.kind == ExprKind::Literal) return e.value;
    const Value& v = e.lhs->value;  // folded -literal, as LambdaMOO's parser does
    if (v.is_int()) return Value::integer(int64_t(0ULL - uint64_t(v.as_int())));
    return Value::flt(-v.as_float());
  }
  static bool is_constant(const Expr& e) {
    return e.kind == ExprKind::Literal || is_negated_literal(e);
  }
  // Whether evaluating e may assign a local variable.
  static bool assigns(const Expr& e) {
    if (e.kind == ExprKind::Assign || e.kind == ExprKind::Scatter) return true;
    for (auto* p : {&e.object, &e.name_expr, &e.index, &e.index2, &e.cond, &e.lhs, &e.rhs})
      if (*p && assigns(**p)) return true;
    for (auto& a : e.args)
      if (assigns(*a)) return true;
    return false;
  }

  // Evaluates e into some register (a variable's own register when e is a
  // variable) or into `want` when want != kNoReg.
  uint16_t expr(const Expr& e, uint16_t want = kNoReg) {
    int saved_line = line_;
    if (e.pos.line) line_ = e.pos.line;
    uint16_t r = expr_inner(e, want);
    line_ = saved_line;
    return r;
  }

  uint16_t dest(uint16_t want) { return want != kNoReg ? want : temp(); }

  // An operand that must keep its value while later operands are evaluated:
  // a variable read is copied to a temporary when something after it might
  // assign variables (LambdaMOO pushes the value before evaluating the rest).
  uint16_t operand(const Expr& e, bool later_may_assign) {
    uint16_t r = expr(e);
    if (is_var_reg(r) && later_may_assign) {
      uint16_t t = temp();
      emit(preset_var(r) ? Op::MOVE : Op::MOVEV, 0, 0, t, r);
      return t;
    }
    return r;
  }

  uint16_t expr_inner(const Expr& e, uint16_t want) {
    switch (e.kind) {
      case ExprKind::Literal: {
        uint16_t d = dest(want);
        load_const(d, e.value);
        mark_single();
        return d;
      }
      case ExprKind::Var: {
        uint16_t v = var_reg(e.name);
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

  uint16_t finish_compound(uint16_t d, uint16_t want) {
    if (want != kNoReg && want != d) {
      emit(Op::MOVE, 0, 0, want, d);
      mark_single();
      return want;
    }
    last_single_ = -1;
    return d;
  }

  void load_const(uint16_t d, const Value& v) {
    if (v.is_int() && v.as_int() >= -32768 && v.as_int() <= 32767)
      emit(Op::LOADI, 0, 0, d, uint16_t(int16_t(v.as_int())));
    else
      emit(Op::LOADK, 0, 0, d, konst(v));
  }

  uint16_t prop_name(const Expr& e) {
    if (e.name_expr) return expr(*e.name_expr);
    uint16_t n = temp();
    load_const(n, Value::str(e.name));
    return n;
  }

  uint16_t binary(const Expr& e, uint16_t want) {
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
  // Emits a conditional jump on cond (to be patched): taken when cond's
  // truth equals when_true. A comparison becomes one compare-and-branch
  // instruction worth the comparison's tick and the IF's.
  uint32_t branch(const Expr& cond, bool when_true) {
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

  bool preset_var(uint16_t r) const { return r < assigned_.size() && assigned_[r]; }

  // Argument lists and list literals. Returns the LambdaMOO ticks of building
  // the list (one for the first element's MAKE_SINGLETON_LIST or
  // CHECK_LIST_FOR_SPLICE, none for the rest).
  int arglist_to_list(const std::vector<ExprPtr>& args, uint16_t d) {
    build_list(args, d, /*count_ticks_on_instr=*/false);
    return args.empty() ? 0 : 1;
  }

  void build_list(const std::vector<ExprPtr>& args, uint16_t d, bool ticks_on_instr = true) {
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

  uint16_t builtin_call(const Expr& e, uint16_t want) {
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

  // ---- assignment ---------------------------------------------------------
  uint16_t assign(const Expr& e, uint16_t want) {
    const Expr& target = *e.lhs;
    const Expr& value = *e.rhs;
    switch (target.kind) {
      case ExprKind::Var: {
        uint16_t v = var_reg(target.name);
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

  uint16_t result_of(uint16_t r, uint16_t want) {
    if (want != kNoReg && want != r) {
      emit(Op::MOVE, 0, 0, want, r);
      return want;
    }
    last_single_ = -1;
    return r;
  }

  // `v = {@v, x, ...}`: append in place. The list check happens before the
  // new elements are evaluated, as LambdaMOO's CHECK_LIST_FOR_SPLICE does.
  bool self_append(uint16_t v, const Expr& value) {
    if (value.kind != ExprKind::List || value.args.size() < 2) return false;
    const Expr& first = *value.args[0];
    if (first.kind != ExprKind::Splice || first.lhs->kind != ExprKind::Var ||
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

  // x[i][j] = v, x.p[i] = v, x[i..j] = v ... : indices are evaluated outermost
  // first, then the value; then one SETPATH updates the nested value in place.
  uint16_t assign_path(const Expr& e, uint16_t want) {
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
    if (t->kind == ExprKind::Var) {
      root = var_reg(t->name);
      if (!preset_var(root)) emit(Op::CHECKVAR, 0, 0, root);
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

  // {a, ?b = 1, @c} = value
  uint16_t scatter(const Expr& e, uint16_t want) {
    ScatterSpec spec;
    int rests = 0;
    for (auto& t : e.scatter) {
      ScatterSpec::Item item{};
      item.kind = t.kind == ScatterTarget::Required   ? ScatterSpec::Item::Required
                  : t.kind == ScatterTarget::Optional ? ScatterSpec::Item::Optional
                                                      : ScatterSpec::Item::Rest;
      if (item.kind == ScatterSpec::Item::Rest && ++rests > 1)
        fail(e.pos, "More than one `@' target in scattering assignment.");
      item.reg = var_reg(t.name);
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
    for (auto& t : e.scatter) {
      if (t.kind != ScatterTarget::Optional) continue;
      if (t.default_value) {
        uint32_t j = emit(Op::JMPBIT, 0, 0, mask, uint16_t(opt));
        expr(*t.default_value, var_reg(t.name));
        add_ticks(1);
        patch(j, here());
      }
      ++opt;
    }
    top_ = mark;
    return result_of(v, want);
  }

  // ---- statements ---------------------------------------------------------
  struct Loop {
    std::string name;
    uint32_t handler_depth;
    std::vector<uint32_t> breaks, continues;
  };

  void block(const Block& b) {
    std::vector<bool> saved = assigned_;
    for (auto& s : b) stmt(*s);
    assigned_ = std::move(saved);
  }
  // A block in which `var` is bound (a loop body, an except clause).
  void block_with(const Block& b, uint16_t var) {
    std::vector<bool> saved = assigned_;
    assigned_[var] = true;
    block(b);
    assigned_ = std::move(saved);
  }
  void note_assigned(const Expr& e) {
    if (e.kind == ExprKind::Assign && e.lhs->kind == ExprKind::Var) assigned_[var_reg(e.lhs->name)] = true;
    if (e.kind == ExprKind::Scatter)
      for (auto& t : e.scatter)
        if (t.kind != ScatterTarget::Optional || t.default_value) assigned_[var_reg(t.name)] = true;
  }

  void stmt(const Stmt& s) {
    line_ = s.pos.line ? s.pos.line : line_;
    uint32_t mark = top_;
    switch (s.kind) {
      case StmtKind::Expr:
        expr(*s.expr);
        note_assigned(*s.expr);
        break;
      case StmtKind::If: {
        std::vector<uint32_t> ends;
        for (size_t i = 0; i < s.conds.size(); ++i) {
          uint32_t jf = branch(*s.conds[i], false);  // OP_IF / OP_EIF
          top_ = mark;
          block(s.bodies[i]);
          if (i + 1 < s.conds.size() || s.has_else) ends.push_back(emit_jump(Op::JMP));
          patch(jf, here());
        }
        if (s.has_else) block(s.body);
        for (auto j : ends) patch(j, here());
        break;
      }
      case StmtKind::While: {
        loops_.push_back({s.name, handler_depth_, {}, {}});
        uint32_t jcheck = emit_jump(Op::JMP);
        uint32_t body = here();
        block(s.body);
        uint32_t check = here();
        line_ = s.pos.line;
        uint32_t jt;
        if (!s.name.empty()) {
          // `while name (cond)`: LambdaMOO's EOP_WHILE_ID stores the
          // condition's value in the variable `name` (one tick).
          uint16_t c = expr(*s.expr);
          uint16_t v = var_reg(s.name);
          emit(is_var_reg(c) ? Op::MOVEV : Op::MOVE, 1, 0, v, c);
          jt = emit_jump(Op::JMPT, v, 1);
        } else {
          jt = branch(*s.expr, true);  // OP_WHILE ticks on every check
        }
        top_ = mark;
        patch(jt, body);
        patch(jcheck, check);
        end_loop(check, here());
        break;
      }
      case StmtKind::ForRange: {
        uint16_t v = var_reg(s.name);
        uint16_t cur = temp();
        temp();  // the upper bound
        expr(*s.expr, cur);
        expr(*s.expr2, uint16_t(cur + 1));
        uint32_t init = emit(Op::FOR_RANGE_INIT, 1, 0, v, cur);
        loops_.push_back({s.name, handler_depth_, {}, {}});  // named by its variable
        uint32_t body = here();
        block_with(s.body, v);
        uint32_t next = here();
        line_ = s.pos.line;
        uint32_t n = emit(Op::FOR_RANGE_NEXT, 1, 0, v, cur);
        patch(n, body);
        patch(init, here());
        end_loop(next, here());
        break;
      }
      case StmtKind::ForList: {
        uint16_t v = var_reg(s.name);
        uint16_t coll = temp();
        temp();  // the position
        expr(*s.expr, coll);
        uint16_t idx = s.index_name.empty() ? kNoReg : var_reg(s.index_name);
        uint32_t init = emit(Op::FOR_LIST_INIT, 1, 0, v, coll, idx);
        loops_.push_back({s.name, handler_depth_, {}, {}});
        uint32_t body = here();
        {
          std::vector<bool> saved = assigned_;
          if (idx != kNoReg) assigned_[idx] = true;
          block_with(s.body, v);
          assigned_ = std::move(saved);
        }
        uint32_t next = here();
        line_ = s.pos.line;
        uint32_t n = emit(Op::FOR_LIST_NEXT, 1, 0, v, coll, idx);
        patch(n, body);
        patch(init, here());
        end_loop(next, here());
        break;
      }
      case StmtKind::Fork: {
        uint32_t m = top_;
        uint16_t delay = expr(*s.expr);
        uint16_t idv = s.name.empty() ? 0 : var_reg(s.name);
        uint16_t vec = uint16_t(prog_->forks.size());
        prog_->forks.emplace_back();
        emit(Op::FORK, 1, 0, delay, vec, idv, s.name.empty() ? 0 : 1);
        top_ = m;
        // Compile the body into its own vector with no enclosing loops.
        CodeVector* saved = cur_;
        auto saved_loops = std::move(loops_);
        loops_.clear();
        uint32_t saved_depth = handler_depth_;
        handler_depth_ = 0;
        cur_ = &prog_->forks[vec];
        block(s.body);
        emit(Op::RETURN0, 0, 0);
        cur_ = saved;
        loops_ = std::move(saved_loops);
        handler_depth_ = saved_depth;
        break;
      }
      case StmtKind::Return: {
        if (s.expr) {
          uint16_t r = expr(*s.expr);
          emit(Op::RETURN, 0, 0, r);
        } else {
          emit(Op::RETURN0, 0, 0);
        }
        break;
      }
      case StmtKind::Break:
      case StmtKind::Continue: {
        Loop* loop = find_loop(s);
        bool through_handlers = handler_depth_ > loop->handler_depth;
        uint32_t j = through_handlers ? emit(Op::EXIT, 1, 0, uint16_t(loop->handler_depth))
                                      : emit(Op::JMP, 1, 0);
        (s.kind == StmtKind::Break ? loop->breaks : loop->continues).push_back(j);
        break;
      }
      case StmtKind::Try: try_stmt(s); break;
    }
    top_ = mark;
  }

  Loop* find_loop(const Stmt& s) {
    const char* what = s.kind == StmtKind::Break ? "break" : "continue";
    if (loops_.empty()) fail(s.pos, std::string("No enclosing loop for `") + what + "' statement");
    if (s.name.empty()) return &loops_.back();
    for (auto it = loops_.rbegin(); it != loops_.rend(); ++it)
      if (compare_ci(it->name, s.name) == 0) return &*it;
    fail(s.pos, "Invalid loop name in `" + std::string(what) + "' statement: " + s.name);
  }

  void end_loop(uint32_t continue_pc, uint32_t break_pc) {
    Loop loop = std::move(loops_.back());
    loops_.pop_back();
    for (auto j : loop.breaks) patch(j, break_pc);
    for (auto j : loop.continues) patch(j, continue_pc);
  }

  void try_stmt(const Stmt& s) {
    if (s.has_finally) {
      uint32_t push = emit(Op::FINALLY_PUSH, 1, 0);
      handler_depth_++;
      block(s.body);
      handler_depth_--;
      // Normal completion enters the finally block with nothing pending.
      emit(Op::TRY_POP, 0, 0, 1, 1);
      patch(push, here());
      handler_depth_++;  // the running finally block has a handler entry
      block(s.finally_body);
      handler_depth_--;
      emit(Op::FINALLY_END, 0, 0);
      return;
    }
    // try/except: one handler per clause, the first clause innermost.
    uint32_t mark = top_;
    size_t n = s.excepts.size();
    for (size_t i = 0; i + 1 < n; ++i)
      if (s.excepts[i].codes_any)
        fail(s.excepts[i + 1].pos, "Unreachable EXCEPT clause");
    std::vector<uint16_t> codes(n, kNoReg);
    for (size_t i = 0; i < n; ++i) {
      if (!s.excepts[i].codes_any) {
        codes[i] = temp();
        arglist_to_list(s.excepts[i].codes, codes[i]);
      }
    }
    std::vector<uint32_t> pushes(n);
    for (size_t k = n; k-- > 0;) {
      // b: the kind, and how many clauses of this try lie below this one.
      pushes[k] = emit(Op::TRY_PUSH, k == n - 1 ? 1 : 0, 0, codes[k],
                       uint16_t(uint16_t(HandlerKind::Except) | ((n - 1 - k) << 1)));
    }
    handler_depth_ += uint32_t(n);
    block(s.body);
    handler_depth_ -= uint32_t(n);
    emit(Op::TRY_POP, 0, 0, uint16_t(n));
    std::vector<uint32_t> ends{emit_jump(Op::JMP)};
    for (size_t k = 0; k < n; ++k) {
      const ExceptClause& c = s.excepts[k];
      uint16_t ev = c.var.empty() ? temp() : var_reg(c.var);
      cur_->code[pushes[k]].c = ev;
      patch(pushes[k], here());
      line_ = c.pos.line ? c.pos.line : line_;
      if (is_var_reg(ev)) block_with(c.body, ev);
      else block(c.body);
      if (k + 1 < n) ends.push_back(emit_jump(Op::JMP));
    }
    for (auto j : ends) patch(j, here());
    top_ = mark;
  }

  std::unique_ptr<echo::Program> prog_ = std::make_unique<echo::Program>();
  std::unordered_map<std::string, uint16_t> vars_;
  std::unordered_map<std::string, uint16_t> const_index_;
  CodeVector* cur_ = nullptr;
  uint32_t temp_base_ = 0, top_ = 0, max_top_ = 0;
  int line_ = 1;
  int last_single_ = -1;
  uint32_t handler_depth_ = 0;
  std::vector<Loop> loops_;
  std::vector<uint16_t> container_stack_;
  // Variables certainly bound at the current point (assigned earlier in this
  // block or an enclosing one): reading them needs no E_VARNF check.
  std::vector<bool> assigned_;
};

}  // namespace

CompileResult compile_program(const ast::Program& ast, std::string source) {
  register_all_builtins();
  Compiler c(std::move(source));
  return c.run(ast);
}

CompileResult compile_moo(std::string_view source) {
  ParseResult parsed = parse_moo(source);
  if (!parsed.ok()) {
    CompileResult r;
    r.errors = std::move(parsed.errors);
    return r;
  }
  return compile_program(parsed.program, std::string(source));
}

}  // namespace echo

namespace echo {
std::string CompileError::to_string() const {
  std::string s = "Line " + std::to_string(line);
  if (column > 0) s += ", column " + std::to_string(column);
  return s + ": " + message;
}
}  // namespace echo
