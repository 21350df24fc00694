// The abstract syntax tree shared by both syntaxes (MOO and Echo): the
// tree-sitter CST is lowered to this, and the compiler reads only this.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lang/value.h"

namespace echo::ast {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

struct Pos {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

enum class BinOp { Add, Sub, Mul, Div, Mod, Pow, Eq, Ne, Lt, Le, Gt, Ge, In,
                   BitAnd, BitOr, BitXor, Shl, Shr };
enum class UnOp { Neg, Not, BitNot };

enum class ExprKind {
  Literal,     // value
  Var,         // name
  SysRef,      // $name            -> #0.name               (name)
  Prop,        // a.name / a.(b)   (object, name_expr)
  VerbCall,    // a:name(args) / a:(b)(args)  (object, name_expr, args)
  SysVerbCall, // $name(args)      -> #0:name(args)          (name, args)
  Builtin,     // name(args)       (name, args)
  Index,       // a[b]             (object=a, index=b)
  Range,       // a[b..c]          (object=a, index=b, index2=c)
  First,       // ^ inside an index
  Last,        // $ inside an index
  Unary,       // unop, lhs
  Binary,      // binop, lhs, rhs
  And,         // lhs && rhs
  Or,          // lhs || rhs
  Cond,        // cond ? lhs | rhs    (cond, lhs, rhs)
  Assign,      // target = value     (lhs=target, rhs=value)
  Scatter,     // {a, ?b = 1, @c} = value  (scatter, rhs)
  List,        // {args}   (elements in args; an element may be Splice)
  Map,         // [k -> v, ...]  (args holds k0, v0, k1, v1, ...)
  Splice,      // @lhs, only inside a list or an argument list
  Catch,       // `lhs ! codes => rhs'   (lhs, codes / codes_any, rhs may be null)
  Function,    // Echo: x => e, fn (...) ... endfn   (function)
  Apply,       // Echo: f(args) on a function value   (object = the function, args)
};

struct Function;

struct ScatterTarget {
  enum Kind { Required, Optional, Rest } kind = Required;
  std::string name;
  ExprPtr default_value;  // Optional only, may be null
};

struct Expr {
  ExprKind kind;
  Pos pos;
  Value value;                 // Literal
  std::string name;            // Var, SysRef, SysVerbCall, Builtin; Prop/VerbCall with a literal name
  ExprPtr object;              // Prop, VerbCall, Index, Range
  ExprPtr name_expr;           // Prop, VerbCall when the name is computed: a.(x), a:(x)()
  ExprPtr index, index2;       // Index, Range
  ExprPtr cond, lhs, rhs;      // Unary/Binary/And/Or/Cond/Assign/Catch/Splice
  BinOp binop = BinOp::Add;
  UnOp unop = UnOp::Neg;
  std::vector<ExprPtr> args;   // call arguments, list elements, map k/v pairs, catch codes
  bool codes_any = false;      // Catch: `ANY`
  std::vector<ScatterTarget> scatter;
  // Assign/Scatter: an Echo `let`/`const` declaration. A declared variable
  // held in a cell gets a new cell (each execution of the declaration is a
  // new binding, which the functions created after it capture).
  bool declare = false;
  std::shared_ptr<Function> function;  // Function

  explicit Expr(ExprKind k, Pos p = {}) : kind(k), pos(p) {}
};

enum class StmtKind {
  Expr,      // expr;
  If,        // conds[i] -> bodies[i], else_body
  While,     // label?, cond, body
  ForList,   // for var [, index_var] in (expr) body
  ForRange,  // for var in [from..to] body
  Fork,      // fork label? (delay) body endfork
  Return,    // return expr?;
  Break,     // break label?;
  Continue,  // continue label?;
  Try,       // try body except... / finally
};

struct ExceptClause {
  Pos pos;
  std::string var;                 // may be empty
  bool codes_any = false;
  std::vector<ExprPtr> codes;      // evaluated at runtime, may contain Splice
  Block body;
};

struct Stmt {
  StmtKind kind;
  Pos pos;
  ExprPtr expr;                    // Expr, Return (may be null), While cond, ForList list,
                                   // ForRange from, Fork delay
  ExprPtr expr2;                   // ForRange to
  std::string name;                // loop var; While/Fork/Break/Continue label
  std::string index_name;          // ForList second variable (ToastStunt `for v, k in (m)`)
  std::vector<ExprPtr> conds;      // If
  std::vector<Block> bodies;       // If: one per cond
  Block body;                      // While, For*, Fork, Try body, If else-part
  bool has_else = false;
  std::vector<ExceptClause> excepts;  // Try
  bool has_finally = false;
  Block finally_body;

  explicit Stmt(StmtKind k, Pos p = {}) : kind(k), pos(p) {}
};

// A whole program: the body of a verb or of an eval.
struct Program {
  Block body;
  // Variables held in cells: let-bindings that functions capture by
  // reference. Every read and write goes through the cell.
  std::vector<std::string> boxed;
};

// An Echo function literal. Its body is compiled as a program of its own:
// the captures first (after the built-in variables), then the parameters,
// which the body's first statement scatters from `args`.
struct Function {
  std::string name;  // `fn name(...)`, else empty
  struct Capture {
    std::string name;     // the variable in the function
    std::string outer;    // the variable it is copied from where the function is created
    bool by_ref = false;  // a let-binding: the outer variable's cell is shared
  };
  std::vector<Capture> captures;
  Program program;
  std::string source;  // its text, from which it is compiled again after a restore
};

}  // namespace echo::ast
