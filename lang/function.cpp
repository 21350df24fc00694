#include "lang/function.h"

#include "lang/bytecode.h"

namespace echo {

std::shared_ptr<const Program> FuncObj::program() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!program_) program_ = compile_function(*this);
  return program_;
}

void FuncObj::set_program(std::shared_ptr<const Program> p) {
  std::lock_guard<std::mutex> lock(mu_);
  program_ = std::move(p);
}

Value make_cell(Value v) {
  auto* c = new CellObj();
  c->value = std::move(v);
  return Value::adopt(Type::Cell, c);
}

Value make_function(FuncObj* f) { return Value::adopt(Type::Func, f); }

}  // namespace echo
