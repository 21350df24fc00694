// The compiler's internal class, shared by compiler.cpp (entry points,
// variables, statements) and compiler_expr.cpp (expressions, assignment).
// Not a public header: include lang/compiler.h.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "lang/builtins.h"
#include "lang/compiler.h"
#include "lang/map.h"

namespace echo::detail {

using namespace ast;

inline std::string lower(std::string_view s) {
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

  CompileResult run(const ast::Program& ast);
  // An Echo function's body (see ast::Function): captures first, then the
  // body, whose first statement scatters `args` into the parameters.
  CompileResult run_function(const ast::Function& fn);

 private:
  // ---- variables and registers -------------------------------------------
  uint16_t var_reg(std::string_view name);
  bool is_var_reg(uint32_t r) const { return r < temp_base_; }
  // A variable held in a cell (a let-binding a function captures by
  // reference): its register holds the cell, read with CELL_GET and written
  // with CELL_SET.
  bool is_boxed(uint32_t r) const { return r < boxed_.size() && boxed_[r]; }
  void mark_boxed(const std::vector<std::string>& names);
  void store_boxed(uint16_t v, uint16_t tmp);
  void declare_boxed(uint16_t v);

  void collect_vars(const Block& b);
  void collect_vars(const Stmt& s);
  void collect_vars(const Expr& e);

  uint16_t temp();

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
  uint32_t emit_jump(Op op, uint16_t a = 0, int ticks = 0);
  void patch(uint32_t pc, uint32_t target) { cur_->code[pc].set_target(target); }
  // Adds ticks for an operation that has no instruction of its own (an
  // assignment folded into the instruction that computed its value).
  void add_ticks(int n);
  void mark_single() { last_single_ = int(here()) - 1; }

  uint16_t konst(const Value& v);

  [[noreturn]] void fail(Pos p, std::string msg);

  // ---- expressions --------------------------------------------------------
  static bool is_simple(const Expr& e);
  static bool is_negated_literal(const Expr& e);
  static Value literal_value(const Expr& e);
  static bool is_constant(const Expr& e);
  // Whether evaluating e may assign a local variable.
  static bool assigns(const Expr& e);

  // Evaluates e into some register (a variable's own register when e is a
  // variable) or into `want` when want != kNoReg.
  uint16_t expr(const Expr& e, uint16_t want = kNoReg);

  uint16_t dest(uint16_t want) { return want != kNoReg ? want : temp(); }

  // An operand that must keep its value while later operands are evaluated:
  // a variable read is copied to a temporary when something after it might
  // assign variables (LambdaMOO pushes the value before evaluating the rest).
  uint16_t operand(const Expr& e, bool later_may_assign);

  uint16_t expr_inner(const Expr& e, uint16_t want);

  uint16_t finish_compound(uint16_t d, uint16_t want);

  void load_const(uint16_t d, const Value& v);

  uint16_t prop_name(const Expr& e);

  uint16_t binary(const Expr& e, uint16_t want);
  // Emits a conditional jump on cond (to be patched): taken when cond's
  // truth equals when_true. A comparison becomes one compare-and-branch
  // instruction worth the comparison's tick and the IF's.
  uint32_t branch(const Expr& cond, bool when_true);

  bool preset_var(uint16_t r) const { return r < assigned_.size() && assigned_[r]; }

  // Argument lists and list literals. Returns the LambdaMOO ticks of building
  // the list (one for the first element's MAKE_SINGLETON_LIST or
  // CHECK_LIST_FOR_SPLICE, none for the rest).
  int arglist_to_list(const std::vector<ExprPtr>& args, uint16_t d);

  void build_list(const std::vector<ExprPtr>& args, uint16_t d, bool ticks_on_instr = true);

  uint16_t builtin_call(const Expr& e, uint16_t want);
  uint16_t function_expr(const Expr& e, uint16_t want);
  uint16_t apply(const Expr& e, uint16_t want);
  void compile_body(const ast::Program& ast);

  // ---- assignment ---------------------------------------------------------
  uint16_t assign(const Expr& e, uint16_t want);

  uint16_t result_of(uint16_t r, uint16_t want);

  // `v = {@v, x, ...}`: append in place. The list check happens before the
  // new elements are evaluated, as LambdaMOO's CHECK_LIST_FOR_SPLICE does.
  bool self_append(uint16_t v, const Expr& value);

  // x[i][j] = v, x.p[i] = v, x[i..j] = v ... : indices are evaluated outermost
  // first, then the value; then one SETPATH updates the nested value in place.
  uint16_t assign_path(const Expr& e, uint16_t want);

  // {a, ?b = 1, @c} = value
  uint16_t scatter(const Expr& e, uint16_t want);

  // ---- statements ---------------------------------------------------------
  struct Loop {
    std::string name;
    std::string index_name;  // `for v, k in`: either name may be used
    uint32_t handler_depth;
    std::vector<uint32_t> breaks, continues;
  };

  void block(const Block& b);
  // A block in which `var` is bound (a loop body, an except clause).
  void block_with(const Block& b, uint16_t var);
  void note_assigned(const Expr& e);

  void stmt(const Stmt& s);

  Loop* find_loop(const Stmt& s);

  void end_loop(uint32_t continue_pc, uint32_t break_pc);

  void try_stmt(const Stmt& s);

  std::unique_ptr<echo::Program> prog_ = std::make_unique<echo::Program>();
  std::unordered_map<std::string, uint16_t> vars_;
  std::unordered_map<std::string, uint16_t> const_index_;
  CodeVector* cur_ = nullptr;
  uint32_t temp_base_ = 0, top_ = 0, max_top_ = 0;
  int line_ = 1;
  int last_single_ = -1;
  uint32_t handler_depth_ = 0;
  size_t fork_count_ = 0;  // fork statements in the program (see run())
  std::vector<Loop> loops_;
  std::vector<uint16_t> container_stack_;
  // Variables certainly bound at the current point (assigned earlier in this
  // block or an enclosing one): reading them needs no E_VARNF check.
  std::vector<bool> assigned_;
  std::vector<bool> boxed_;
};

}  // namespace echo::detail
