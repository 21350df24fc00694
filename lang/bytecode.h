// Echo's bytecode: a register machine.
//
// A frame's registers hold the program's named variables first (the MOO
// built-in variables, then the verb's own), then temporaries. Operands name
// registers; ops with a K suffix take their last operand from the constant
// pool. Each instruction carries the number of LambdaMOO ticks it stands for
// (LambdaMOO counts one tick per control construct, arithmetic op, index,
// property access, call and assignment; see opcode.h there), so ticks_left()
// and the tick limit behave as in LambdaMOO although fewer instructions run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lang/jit/jit.h"
#include "lang/value.h"

namespace echo {

#define ECHO_OPCODES(X)                                                           \
  /* moves and loads */                                                         \
  X(MOVE)      /* R[a] = R[b] (b is a temporary, or a variable known bound) */    \
  X(MOVEV)     /* R[a] = R[b]; E_VARNF if R[b] is unbound */                      \
  X(LOADK)     /* R[a] = K[b] */                                                  \
  X(LOADI)     /* R[a] = INT (int16)b */                                          \
  X(CHECKVAR)  /* E_VARNF if R[a] is unbound */                                   \
  /* arithmetic and comparison: R[a] = R[b] op R[c] / K[c] */                    \
  X(ADD) X(ADDK) X(SUB) X(SUBK) X(MUL) X(MULK) X(DIV) X(DIVK) X(MOD) X(MODK)       \
  X(POW) X(EQ) X(EQK) X(NE) X(NEK) X(LT) X(LTK) X(LE) X(LEK) X(GT) X(GTK)          \
  X(GE) X(GEK) X(IN)                                                              \
  X(SUBKR) X(DIVKR) X(MODKR) /* R[a] = K[b] op R[c] (constant left operand) */    \
  X(BITAND) X(BITOR) X(BITXOR) X(SHL) X(SHR)                                      \
  X(NEG) X(NOT) X(BITNOT) /* R[a] = op R[b] */                                    \
  X(TRUTH)     /* R[a] = INT truthy(R[b]) */                                      \
  /* control */                                                                 \
  X(JMP)       /* pc = target */                                                  \
  X(JMPF)      /* if !truthy(R[a]) pc = target */                                 \
  X(JMPT)      /* if truthy(R[a]) pc = target */                                  \
  X(FOR_RANGE_INIT) /* R[b]=from,R[b+1]=to: type check; if empty goto target;     \
                       else R[a] = from */                                        \
  X(FOR_RANGE_NEXT) /* R[b]++; if R[b] <= R[b+1] { R[a] = R[b]; goto target } */  \
  X(FOR_LIST_INIT)  /* R[b]=collection, R[b+1]=position: if empty goto target,   \
                       else R[a] = first element (and R[c] = its key or index   \
                       unless c is 0xFFFF) */                                    \
  X(FOR_LIST_NEXT)  /* next element or fall through */                            \
  X(RETURN)    /* return R[a] */                                                  \
  X(RETURN0)   /* return 0 */                                                     \
  /* lists, maps, strings */                                                     \
  X(MAKELIST)  /* R[a] = {R[b] .. R[b+c-1]} (moves the temporaries) */            \
  X(LIST_APPEND) /* R[a] = {@R[a], R[b]} */                                       \
  X(LIST_SPLICE) /* R[a] = {@R[a], @R[b]}; E_TYPE if R[b] is not a list */        \
  X(SELF_APPEND) /* variable R[a] = {@R[a], R[b]} in place; E_TYPE if not list */ \
  X(CHECK_LIST) /* E_TYPE unless R[a] is a list */                                \
  X(MAKEMAP)   /* R[a] = [R[b] -> R[b+1], ...] c pairs */                         \
  X(INDEX)     /* R[a] = R[b][R[c]] */                                            \
  X(INDEXK)    /* R[a] = R[b][K[c]] */                                            \
  X(INDEX_LAST) /* R[a] = R[b][$] */                                              \
  X(LENGTH)    /* R[a] = length of R[b] for $ (E_TYPE unless list/str/map) */     \
  X(FIRSTKEY)  /* R[a] = first index of R[b] for ^ (1, or the map's first key) */ \
  X(LASTKEY)   /* R[a] = last index of R[b] for $ (length, or the map's last key)*/\
  X(RANGE)     /* R[a] = R[b][R[c]..R[c+1]] */                                    \
  X(SETPATH)   /* R[a][R[b]]...[R[b+n-1]] = R[c], n = d >> 1, in place (copy on  \
                  write); when d & 1 the last level is a range R[..]..R[..+1] */ \
  /* objects */                                                                  \
  X(GETPROP)   /* R[a] = R[b].(R[c]) */                                           \
  X(SETPROP)   /* R[a].(R[b]) = R[c] */                                           \
  X(CALLVERB)  /* R[a] = R[b]:(R[b+1])(@R[b+2]) */                                \
  X(BUILTIN)   /* R[a] = builtin b (R[c] .. R[c+d-1]) */                          \
  X(BUILTIN_LIST) /* R[a] = builtin b (@R[c]) */                                  \
  /* errors */                                                                   \
  X(TRY_PUSH)  /* push handler: kind b, codes R[a] (a list; 0xFFFF: ANY); on a  \
                  match the error value goes to R[c] and pc = target */         \
  X(TRY_POP)   /* pop the innermost handler */                                    \
  X(FINALLY_PUSH) /* push a finally handler whose block starts at target */       \
  X(FINALLY_END) /* end of a finally block: resume what entered it */             \
  X(EXIT)      /* leave loops/try blocks: run finally blocks down to handler      \
                  depth a, then goto target */                                    \
  X(SCATTER)   /* scatter R[b] into the targets of scatter table c; R[a] = INT  \
                  bit mask of the optional targets that got a value */         \
  X(JMPBIT)    /* if bit b of INT R[a] is set, pc = target */                     \
  /* compare and branch: if (R[a] op R[b] / K[b]) == c, pc = target (the      \
     comparison's tick and the IF/WHILE's tick in one instruction) */           \
  X(JLT) X(JLTK) X(JLE) X(JLEK) X(JGT) X(JGTK) X(JGE) X(JGEK)                     \
  X(JEQ) X(JEQK) X(JNE) X(JNEK)                                                   \
  X(FORK)      /* fork vector b after R[a] seconds; task id into R[c] if d */     \
  /* Echo functions and the cells of let-bindings captured by reference */     \
  X(MAKEFUNC)  /* R[a] = function b of the program, capturing R[c] ..        \
                  R[c+n-1] (n: its capture count) */                            \
  X(CALLFUNC)  /* R[a] = R[b](@R[c]): E_TYPE unless R[b] is a function */      \
  X(MAKECELL)  /* R[a] = a new cell holding R[b] (unbound when b is 0xFFFF) */  \
  X(CELL_GET)  /* R[a] = the value in cell R[b]; E_VARNF if unbound */          \
  X(CELL_SET)  /* the value in cell R[a] = R[b] */                              \
  X(NOP)

enum class Op : uint8_t {
#define X(name) name,
  ECHO_OPCODES(X)
#undef X
  COUNT
};

const char* op_name(Op op);

struct Instr {
  Op op;
  uint8_t ticks;  // LambdaMOO ticks this instruction stands for
  uint16_t a = 0, b = 0, c = 0;
  uint32_t d = 0;  // the jump target, or a fourth operand
  uint32_t target() const { return d; }
  void set_target(uint32_t t) { d = t; }
};
static_assert(sizeof(Instr) == 12);

// Handler kinds for TRY_PUSH.
enum class HandlerKind : uint8_t { Catch = 0, Except = 1 };

struct ScatterSpec {
  struct Item {
    enum Kind : uint8_t { Required, Optional, Rest } kind;
    uint16_t reg;            // variable register
  };
  std::vector<Item> items;
};

// One instruction vector: the main body or a fork body.
struct CodeVector {
  std::vector<Instr> code;
  std::vector<int32_t> lines;  // source line of each instruction
};

// A compiled program. Immutable once built; shared by every frame running it.
struct Program {
  std::vector<Value> constants;
  std::vector<std::string> var_names;  // registers 0..var_names.size()-1
  uint32_t num_registers = 0;          // variables + temporaries
  // ToastStunt's ANON (12) and WAIF (13) type constants: Echo has neither
  // type, so they are not built-in variables (that would renumber every
  // register); a program that names them gets them preset in these
  // registers at each frame start, as the built-in ones are. -1: not named.
  int32_t anon_reg = -1, waif_reg = -1;
  CodeVector main;
  std::vector<CodeVector> forks;
  std::vector<ScatterSpec> scatters;
  // For MODK/DIVK by a constant in [2, 2^32): Lemire's multiplier
  // ceil(2^64 / d), so that small non-negative operands need no division
  // instruction. The instruction's d field holds index + 1 (0: none).
  std::vector<uint64_t> divisor_magic;
  std::string source;
  // "moo" or "echo": which front end compiles `source` again (restore).
  std::string syntax = "moo";
  // Echo functions created by MAKEFUNC b: each its own program.
  std::vector<std::shared_ptr<const Program>> functions;
  // Set when this program is a function's body: its captures occupy the
  // registers right after the built-in variables, in this order (a capture
  // by reference holds a cell), and `source` is the function's text.
  bool is_function = false;
  std::string function_name;
  std::vector<std::string> capture_names;
  std::vector<bool> capture_by_ref;
  // The register that holds the function itself when it is called (its own
  // name inside it), or -1.
  int32_t self_reg = -1;

  // Hot detection and the native code of `main` (lang/jit/jit.h): the one
  // mutable part, thread-safe; a copy starts cold.
  mutable jit::ProgramState jit;

  int line_at(const CodeVector& v, uint32_t pc) const {
    return pc < v.lines.size() ? v.lines[pc] : 0;
  }
  int var_index(std::string_view name) const;  // case-insensitive; -1 if none
  std::string disassemble() const;
};

// The MOO built-in variables, in register order. Every frame starts with them
// bound (LambdaMOO sets them at every verb call).
enum BuiltinVar : uint16_t {
  VAR_NUM, VAR_OBJ, VAR_STR, VAR_LIST, VAR_ERR, VAR_INT, VAR_FLOAT, VAR_MAP, VAR_BOOL,
  VAR_PLAYER, VAR_THIS, VAR_CALLER, VAR_VERB, VAR_ARGS, VAR_ARGSTR,
  VAR_DOBJ, VAR_DOBJSTR, VAR_PREPSTR, VAR_IOBJ, VAR_IOBJSTR,
  BUILTIN_VAR_COUNT
};
extern const char* const kBuiltinVarNames[BUILTIN_VAR_COUNT];
// The values of the type constants NUM .. BOOL (VAR_NUM .. VAR_BOOL).
extern const Type kTypeVarValues[VAR_BOOL + 1];

}  // namespace echo
