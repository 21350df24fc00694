// AST -> register bytecode. See bytecode.h for the machine and for why each
// instruction carries a tick count; the tick counts here mirror the opcodes
// LambdaMOO's code generator emits for the same construct.
#include "lang/compiler_impl.h"

namespace echo::detail {

CompileResult Compiler::run(const ast::Program& ast) {
  CompileResult result;
  try {
    for (int i = 0; i < BUILTIN_VAR_COUNT; ++i) var_reg(kBuiltinVarNames[i]);
    compile_body(ast);
    result.program = std::move(prog_);
  } catch (CompileFailure& f) {
    result.errors.push_back(std::move(f.error));
  }
  return result;
}

CompileResult Compiler::run_function(const ast::Function& fn) {
  CompileResult result;
  try {
    for (int i = 0; i < BUILTIN_VAR_COUNT; ++i) var_reg(kBuiltinVarNames[i]);
    prog_->is_function = true;
    prog_->syntax = "echo";
    prog_->function_name = fn.name;
    std::vector<std::string> by_ref;
    for (size_t i = 0; i < fn.captures.size(); ++i) {
      const auto& c = fn.captures[i];
      if (var_reg(c.name) != BUILTIN_VAR_COUNT + i)
        fail({}, "internal error: capture `" + c.name + "' is not a distinct variable");
      prog_->capture_names.push_back(c.name);
      prog_->capture_by_ref.push_back(c.by_ref);
      if (c.by_ref) by_ref.push_back(c.name);
    }
    mark_boxed(by_ref);
    compile_body(fn.program);
    if (auto it = vars_.find("$self"); it != vars_.end()) prog_->self_reg = it->second;
    result.program = std::move(prog_);
  } catch (CompileFailure& f) {
    result.errors.push_back(std::move(f.error));
  }
  return result;
}

void Compiler::mark_boxed(const std::vector<std::string>& names) {
  for (auto& n : names) {
    uint16_t r = var_reg(n);
    if (boxed_.size() <= r) boxed_.resize(r + 1u, false);
    boxed_[r] = true;
  }
}

void Compiler::store_boxed(uint16_t v, uint16_t tmp) { emit(Op::CELL_SET, 0, 0, v, tmp); }

// A declaration makes the new cell before its value is computed, so that a
// function in the value that names the variable (a recursive `fn f`) shares it.
void Compiler::declare_boxed(uint16_t v) { emit(Op::MAKECELL, 0, 0, v, kNoReg); }

void Compiler::compile_body(const ast::Program& ast) {
  {
    collect_vars(ast.body);
    mark_boxed(ast.boxed);
    if (auto it = vars_.find("anon"); it != vars_.end()) prog_->anon_reg = it->second;
    if (auto it = vars_.find("waif"); it != vars_.end()) prog_->waif_reg = it->second;
    // Fork bodies are compiled while cur_ points into prog_->forks: the
    // vector must never reallocate (nested forks would leave cur_ dangling).
    prog_->forks.reserve(fork_count_);
    temp_base_ = top_ = max_top_ = uint32_t(prog_->var_names.size());
    assigned_.assign(temp_base_, false);
    for (int i = 0; i < BUILTIN_VAR_COUNT; ++i) assigned_[i] = true;
    cur_ = &prog_->main;
    // A boxed variable bound before the body runs (a captured cell) is
    // read through its cell, which checks that it is bound.
    for (uint32_t r = 0; r < boxed_.size() && r < assigned_.size(); ++r)
      if (boxed_[r]) assigned_[r] = true;
    block(ast.body);
    emit(Op::RETURN0, 0, 0);
    prog_->num_registers = max_top_;
  }
}

uint16_t Compiler::var_reg(std::string_view name) {
  std::string key = lower(name);
  auto it = vars_.find(key);
  if (it != vars_.end()) return it->second;
  if (prog_->var_names.size() >= 30000) fail({}, "too many variables");
  uint16_t r = uint16_t(prog_->var_names.size());
  prog_->var_names.emplace_back(name);
  vars_.emplace(std::move(key), r);
  return r;
}

void Compiler::collect_vars(const Block& b) {
  for (auto& s : b) collect_vars(*s);
}

void Compiler::collect_vars(const Stmt& s) {
  if (s.kind == StmtKind::Fork) ++fork_count_;
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

void Compiler::collect_vars(const Expr& e) {
  if (e.kind == ExprKind::Var) var_reg(e.name);
  if (e.kind == ExprKind::Function) {  // its body is a program of its own
    for (auto& c : e.function->captures) var_reg(c.outer.empty() ? c.name : c.outer);
    return;
  }
  for (auto* p : {&e.object, &e.name_expr, &e.index, &e.index2, &e.cond, &e.lhs, &e.rhs})
    if (*p) collect_vars(**p);
  for (auto& a : e.args) collect_vars(*a);
  for (auto& t : e.scatter) {
    var_reg(t.name);
    if (t.default_value) collect_vars(*t.default_value);
  }
}

uint16_t Compiler::temp() {
  if (top_ >= 65000) fail({}, "expression too complex");
  uint16_t r = uint16_t(top_++);
  max_top_ = std::max(max_top_, top_);
  return r;
}

uint32_t Compiler::emit_jump(Op op, uint16_t a, int ticks) {
  uint32_t pc = emit(op, ticks, 0, a);
  return pc;
}

void Compiler::add_ticks(int n) {
  if (last_single_ >= 0 && uint32_t(last_single_) == here() - 1) {
    cur_->code.back().ticks = uint8_t(cur_->code.back().ticks + n);
  } else {
    emit(Op::NOP, n, 0);
  }
}

uint16_t Compiler::konst(const Value& v) {
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

[[noreturn]] void Compiler::fail(Pos p, std::string msg) {
  throw CompileFailure{CompileError{p.line ? p.line : line_, p.column, std::move(msg)}};
}

void Compiler::block(const Block& b) {
  std::vector<bool> saved = assigned_;
  for (auto& s : b) stmt(*s);
  assigned_ = std::move(saved);
}

void Compiler::block_with(const Block& b, uint16_t var) {
  std::vector<bool> saved = assigned_;
  assigned_[var] = true;
  block(b);
  assigned_ = std::move(saved);
}

void Compiler::note_assigned(const Expr& e) {
  if (e.kind == ExprKind::Assign && e.lhs->kind == ExprKind::Var) assigned_[var_reg(e.lhs->name)] = true;
  if (e.kind == ExprKind::Scatter)
    for (auto& t : e.scatter)
      if (t.kind != ScatterTarget::Optional || t.default_value) assigned_[var_reg(t.name)] = true;
}

void Compiler::stmt(const Stmt& s) {
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
      loops_.push_back({s.name, "", handler_depth_, {}, {}});
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
        if (is_boxed(v)) fail(s.pos, "a loop label cannot name a variable that a function captures");
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
      // A boxed loop variable: the loop writes a temporary, copied into the
      // cell at the top of each iteration.
      uint16_t cell = is_boxed(v) ? v : kNoReg;
      if (cell != kNoReg) v = temp();
      uint16_t cur = temp();
      temp();  // the upper bound
      expr(*s.expr, cur);
      expr(*s.expr2, uint16_t(cur + 1));
      uint32_t init = emit(Op::FOR_RANGE_INIT, 1, 0, v, cur);
      loops_.push_back({s.name, "", handler_depth_, {}, {}});  // named by its variable
      uint32_t body = here();
      if (cell != kNoReg) {
        store_boxed(cell, v);
        block(s.body);
      } else {
        block_with(s.body, v);
      }
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
      uint16_t idx = s.index_name.empty() ? kNoReg : var_reg(s.index_name);
      uint16_t vcell = is_boxed(v) ? v : kNoReg, icell = idx != kNoReg && is_boxed(idx) ? idx : kNoReg;
      if (vcell != kNoReg) v = temp();
      if (icell != kNoReg) idx = temp();
      uint16_t coll = temp();
      temp();  // the position
      expr(*s.expr, coll);
      uint32_t init = emit(Op::FOR_LIST_INIT, 1, 0, v, coll, idx);
      loops_.push_back({s.name, s.index_name, handler_depth_, {}, {}});
      uint32_t body = here();
      if (vcell != kNoReg) store_boxed(vcell, v);
      if (icell != kNoReg) store_boxed(icell, idx);
      {
        std::vector<bool> saved = assigned_;
        if (idx != kNoReg && is_var_reg(idx)) assigned_[idx] = true;
        if (is_var_reg(v)) assigned_[v] = true;
        block(s.body);
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
      if (!s.name.empty() && is_boxed(idv))
        fail(s.pos, "a fork label cannot name a variable that a function captures");
      uint16_t vec = uint16_t(prog_->forks.size());
      if (prog_->forks.size() == prog_->forks.capacity()) fail(s.pos, "internal error: fork count");
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

Compiler::Loop* Compiler::find_loop(const Stmt& s) {
  const char* what = s.kind == StmtKind::Break ? "break" : "continue";
  if (loops_.empty()) fail(s.pos, std::string("No enclosing loop for `") + what + "' statement");
  if (s.name.empty()) return &loops_.back();
  for (auto it = loops_.rbegin(); it != loops_.rend(); ++it)
    if (compare_ci(it->name, s.name) == 0 ||
        (!it->index_name.empty() && compare_ci(it->index_name, s.name) == 0))
      return &*it;
  fail(s.pos, "Invalid loop name in `" + std::string(what) + "' statement: " + s.name);
}

void Compiler::end_loop(uint32_t continue_pc, uint32_t break_pc) {
  Loop loop = std::move(loops_.back());
  loops_.pop_back();
  for (auto j : loop.breaks) patch(j, break_pc);
  for (auto j : loop.continues) patch(j, continue_pc);
}

void Compiler::try_stmt(const Stmt& s) {
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
    uint16_t cell = is_boxed(ev) ? ev : kNoReg;
    if (cell != kNoReg) ev = temp();
    cur_->code[pushes[k]].c = ev;
    patch(pushes[k], here());
    line_ = c.pos.line ? c.pos.line : line_;
    if (cell != kNoReg) store_boxed(cell, ev);
    if (is_var_reg(ev)) block_with(c.body, ev);
    else block(c.body);
    if (k + 1 < n) ends.push_back(emit_jump(Op::JMP));
  }
  for (auto j : ends) patch(j, here());
  top_ = mark;
}

}  // namespace echo::detail

namespace echo {


CompileResult compile_program(const ast::Program& ast, std::string source) {
  register_all_builtins();
  detail::Compiler c(std::move(source));
  return c.run(ast);
}

CompileResult compile_program_function(const ast::Function& fn) {
  register_all_builtins();
  detail::Compiler c(fn.source);
  return c.run_function(fn);
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
