#include "lang/bytecode.h"

#include <cstdio>

namespace echo {

const Type kTypeVarValues[VAR_BOOL + 1] = {Type::Int, Type::Obj, Type::Str, Type::List, Type::Err,
                                           Type::Int, Type::Float, Type::Map, Type::Bool};

const char* const kBuiltinVarNames[BUILTIN_VAR_COUNT] = {
    "NUM", "OBJ", "STR", "LIST", "ERR", "INT", "FLOAT", "MAP", "BOOL",
    "player", "this", "caller", "verb", "args", "argstr",
    "dobj", "dobjstr", "prepstr", "iobj", "iobjstr"};

const char* op_name(Op op) {
  static const char* const names[] = {
#define X(name) #name,
      ECHO_OPCODES(X)
#undef X
  };
  return unsigned(op) < unsigned(Op::COUNT) ? names[unsigned(op)] : "?";
}

int Program::var_index(std::string_view name) const {
  for (size_t i = 0; i < var_names.size(); ++i)
    if (compare_ci(var_names[i], name) == 0) return int(i);
  return -1;
}

static void disassemble_vector(const Program& p, const CodeVector& v, std::string& out) {
  char buf[160];
  for (size_t pc = 0; pc < v.code.size(); ++pc) {
    const Instr& in = v.code[pc];
    std::snprintf(buf, sizeof buf, "%4zu  L%-4d %-15s a=%u b=%u c=%u d=%u  ticks=%u\n", pc,
                  v.lines[pc], op_name(in.op), in.a, in.b, in.c, in.d, in.ticks);
    out += buf;
  }
  (void)p;
}

std::string Program::disassemble() const {
  std::string out;
  for (size_t i = 0; i < constants.size(); ++i)
    out += "K" + std::to_string(i) + " = " + to_literal(constants[i]) + "\n";
  for (size_t i = 0; i < var_names.size(); ++i)
    out += "R" + std::to_string(i) + " = " + var_names[i] + "\n";
  out += "main (" + std::to_string(num_registers) + " registers):\n";
  disassemble_vector(*this, main, out);
  for (size_t i = 0; i < forks.size(); ++i) {
    out += "fork " + std::to_string(i) + ":\n";
    disassemble_vector(*this, forks[i], out);
  }
  return out;
}

}  // namespace echo
