#include "lang/eval.h"

#include "lang/compiler.h"

namespace echo {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

EvalOutcome eval_moo(std::string_view source, const EvalOptions& options) {
  EvalOutcome out;
  CompileResult compiled = compile_moo(source);
  if (!compiled.ok() && options.expression_fallback) {
    std::string t = trim(source);
    if (!t.empty() && t.back() == ';') t.pop_back();
    CompileResult as_expr = compile_moo("return " + t + ";");
    if (as_expr.ok()) compiled = std::move(as_expr);
  }
  if (!compiled.ok()) {
    out.kind = EvalOutcome::CompileFailed;
    out.compile_errors = std::move(compiled.errors);
    return out;
  }
  Task task(compiled.program, options.host, options.limits);
  for (auto& [name, value] : options.vars) task.set_var(name, value);
  TaskStatus st = task.run();
  out.ticks = task.ticks_used();
  switch (st) {
    case TaskStatus::Done:
      out.kind = EvalOutcome::Returned;
      out.value = task.result();
      break;
    case TaskStatus::Error:
      out.kind = EvalOutcome::Raised;
      out.error = task.error();
      break;
    case TaskStatus::AbortedTicks:
    case TaskStatus::AbortedSeconds:
      out.kind = st == TaskStatus::AbortedTicks ? EvalOutcome::AbortedTicks : EvalOutcome::AbortedSeconds;
      out.abort_traceback = task.abort_traceback();
      break;
    case TaskStatus::Running: break;
  }
  const Program& p = *compiled.program;
  if (!task.frames().empty()) {
    const Frame& f = task.frames().front();
    for (size_t i = BUILTIN_VAR_COUNT; i < p.var_names.size(); ++i)
      if (f.regs[i].type() != Type::None) out.vars.emplace_back(p.var_names[i], f.regs[i]);
  }
  return out;
}

std::string EvalOutcome::describe() const {
  switch (kind) {
    case Returned: return "=> " + to_literal(value);
    case Raised: return describe_error(error);
    case CompileFailed: {
      std::string s;
      for (auto& e : compile_errors) s += (s.empty() ? "" : "\n") + e.to_string();
      return s;
    }
    case AbortedTicks:
    case AbortedSeconds: {
      // LambdaMOO's wording for a task stopped by its limits.
      std::string s = kind == AbortedTicks ? "Task ran out of ticks" : "Task ran out of seconds";
      for (auto& l : abort_traceback) s += "\n... " + l;
      return s + "\n(End of traceback)";
    }
  }
  return "";
}

}  // namespace echo
