#include "lang/eval.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "lang/compiler.h"
#include "lang/function.h"

namespace echo {

namespace {

// Collects fork requests so eval can run them after the main task; all else
// goes to the host eval was given (the world), if any.
class ForkQueue : public VmHost {
 public:
  struct Entry {
    double at;  // seconds after the start
    int64_t id;
    ForkRequest req;
  };
  ForkQueue(std::chrono::steady_clock::time_point start, VmHost* inner)
      : start_(start), inner_(inner ? inner : &none_) {}
  Value get_property(int64_t obj, std::string_view name, int64_t progr) override {
    return inner_->get_property(obj, name, progr);
  }
  void set_property(int64_t obj, std::string_view name, Value v, int64_t progr) override {
    inner_->set_property(obj, name, std::move(v), progr);
  }
  std::optional<VerbTarget> find_verb(int64_t obj, std::string_view name, Error* err) override {
    return inner_->find_verb(obj, name, err);
  }
  std::optional<VerbTarget> find_pass_verb(int64_t definer, std::string_view name, Error* err) override {
    return inner_->find_pass_verb(definer, name, err);
  }
  std::optional<VerbTarget> verb_at(int64_t definer, int index, Error* err) override {
    return inner_->verb_at(definer, index, err);
  }
  bool builtin_protected(int index) override { return inner_->builtin_protected(index); }
  bool is_wizard(int64_t obj) override { return inner_->is_wizard(obj); }
  void* world() override { return inner_->world(); }
  int64_t fork(ForkRequest req) override {
    double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    int64_t id = next_id_++;
    if (req.id_register >= 0 && size_t(req.id_register) < req.registers.size())
      req.registers[size_t(req.id_register)] = Value::integer(id);
    entries_.push_back({now + req.delay, id, std::move(req)});
    return id;
  }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  double next_at() const { return earliest()->at; }  // when take_next()'s entry is due
  Entry take_next() {  // the earliest due, in fork order on ties
    auto it = entries_.begin() + (earliest() - entries_.cbegin());
    Entry e = std::move(*it);
    entries_.erase(it);
    return e;
  }

 private:
  std::vector<Entry>::const_iterator earliest() const {  // not when empty()
    return std::min_element(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.at < b.at; });
  }
  std::chrono::steady_clock::time_point start_;
  VmHost none_;
  VmHost* inner_;
  std::vector<Entry> entries_;
  int64_t next_id_ = 1000;
};

bool interrupted(const std::atomic<bool>* flag) { return flag && flag->load(std::memory_order_relaxed); }

// Sleeps until `until`, or until *flag is set: whoever sets it (a signal
// handler) cannot wake a sleeping thread, so the flag is polled.
void sleep_until(std::chrono::steady_clock::time_point until, const std::atomic<bool>* flag) {
  if (!flag) {
    std::this_thread::sleep_until(until);
    return;
  }
  constexpr std::chrono::steady_clock::duration kPoll = std::chrono::milliseconds(20);
  for (auto now = std::chrono::steady_clock::now(); now < until && !interrupted(flag);
       now = std::chrono::steady_clock::now())
    std::this_thread::sleep_for(std::min(kPoll, until - now));
}

// Runs a task to its end. There is no scheduler: suspend() sleeps here and
// returns 0, but all its sleeps together last at most the task's seconds
// limit (so that `while (1) suspend(1); endwhile` ends when its ticks do);
// read() has no connection to read from and raises E_INVARG.
TaskStatus run_to_end(Task& task) {
  auto start = std::chrono::steady_clock::now();
  TaskStatus st = task.run();
  while (st == TaskStatus::Suspended) {
    BuiltinContext::Suspend s = *task.suspension();
    if (s.kind == BuiltinContext::Suspend::Read) {
      task.resume_raise(E_INVARG, "no connection to read from", Value::integer(0));
    } else {
      double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double delay = std::min(s.seconds, task.limits().seconds - spent);
      if (delay > 0)
        sleep_until(std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(delay)),
                    task.limits().interrupt);
      task.resume(Value::integer(0));  // run() ends it at once if interrupted
    }
    st = task.run();
  }
  return st;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Compiles source as options say; a REPL line fills in `repl`.
CompileResult compile_for_eval(std::string_view source, const EvalOptions& options, ReplScope& repl) {
  if (!options.keep_bindings || options.syntax != Syntax::Echo) return compile_source(source, options.syntax);
  repl = ReplScope{};
  for (auto& [name, value] : options.vars) repl.variables.push_back(name);
  repl.constants = options.constants;
  return compile_echo(source, &repl);
}

}  // namespace

EvalOutcome eval_moo(std::string_view source, const EvalOptions& options) {
  EvalOutcome out;
  ReplScope repl;
  CompileResult compiled = compile_for_eval(source, options, repl);
  if (!compiled.ok() && options.expression_fallback) {
    std::string t = trim(source);
    if (!t.empty() && t.back() == ';') t.pop_back();
    ReplScope repl_expr;
    const std::string wrap = "return ";
    CompileResult as_expr = compile_for_eval(wrap + t + ";", options, repl_expr);
    if (as_expr.ok()) {
      compiled = std::move(as_expr);
      repl = std::move(repl_expr);
    } else if (source.find_first_of(";\n") == std::string_view::npos) {
      // One line with no `;` was meant as an expression: its errors as one
      // say more than the statement's ("expected a statement"). Their
      // columns count what was typed, not the wrapping.
      size_t lead = std::min(source.find_first_not_of(" \t\r"), source.size());
      int shift = int(lead) - int(wrap.size());
      for (CompileError& e : as_expr.errors)
        if (e.line == 1) e.column = std::max(1, e.column + shift);
      compiled.errors = std::move(as_expr.errors);
    }
  }
  if (!compiled.ok()) {
    out.kind = EvalOutcome::CompileFailed;
    out.compile_errors = std::move(compiled.errors);
    return out;
  }
  auto declared = [&](const std::string& name) {
    return std::any_of(repl.declared.begin(), repl.declared.end(), [&](auto& d) { return d.name == name; });
  };
  for (auto& c : options.constants)
    if (!declared(c)) out.constants.push_back(c);
  for (auto& d : repl.declared)
    if (d.is_const) out.constants.push_back(d.name);
  auto start = std::chrono::steady_clock::now();
  ForkQueue forks(start, options.host);
  VmHost* host = options.run_forks ? &forks : options.host;
  Task task(compiled.program, host, options.limits);
  if (options.player >= 0) task.set_identity(options.player, options.player, options.player, "eval");
  for (auto& [name, value] : options.vars) task.set_var(name, value);
  TaskStatus st = run_to_end(task);
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
    case TaskStatus::Interrupted:
      out.kind = st == TaskStatus::AbortedTicks     ? EvalOutcome::AbortedTicks
                 : st == TaskStatus::AbortedSeconds ? EvalOutcome::AbortedSeconds
                                                    : EvalOutcome::Interrupted;
      out.abort_traceback = task.abort_traceback();
      out.interrupted = st == TaskStatus::Interrupted;
      break;
    case TaskStatus::Running:
    case TaskStatus::Suspended:
    case TaskStatus::Yielded: break;  // not after run_to_end
  }
  const std::atomic<bool>* flag = options.limits.interrupt;
  while (options.run_forks && !forks.empty() && !interrupted(flag)) {
    sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(forks.next_at())),
                flag);
    if (interrupted(flag)) break;
    ForkQueue::Entry e = forks.take_next();
    Task child(e.req, &forks, options.limits);
    TaskStatus st = run_to_end(child);
    if (st == TaskStatus::Error)
      out.fork_reports.push_back("task " + std::to_string(e.id) + ": " + describe_error(child.error()));
    else if (st == TaskStatus::AbortedTicks || st == TaskStatus::AbortedSeconds)
      out.fork_reports.push_back("task " + std::to_string(e.id) + ": Task ran out of " +
                                 (st == TaskStatus::AbortedTicks ? "ticks" : "seconds"));
    else if (st == TaskStatus::Interrupted)
      out.fork_reports.push_back("task " + std::to_string(e.id) + ": Task interrupted");
  }
  if (options.run_forks && !forks.empty()) {  // only when interrupted
    out.interrupted = true;
    out.fork_reports.push_back(std::to_string(forks.size()) +
                               (forks.size() == 1 ? " forked task not run" : " forked tasks not run"));
  }
  const Program& p = *compiled.program;
  if (!task.frames().empty()) {
    const Frame& f = task.frames().front();
    // A captured let lives in a cell; the REPL keeps its value (the
    // function keeps the cell).
    auto value_of = [&](size_t i) -> const Value& { return f.regs[i].is_cell() ? cell_of(f.regs[i])->value : f.regs[i]; };
    auto keep = [&](const std::string& name, const Value& v) {
      if (v.type() != Type::None) out.vars.emplace_back(name, v);
    };
    for (size_t i = BUILTIN_VAR_COUNT; i < p.var_names.size(); ++i) {
      // Echo's block-scoped bindings (`x#1`) and hidden temporaries (`$m1`)
      // are not variables of the program; a REPL line's top-level binding
      // replaces the variable of its name.
      const std::string& name = p.var_names[i];
      if (name.find('#') != std::string::npos || name.rfind("$", 0) == 0 || declared(name)) continue;
      if (int32_t(i) != p.anon_reg && int32_t(i) != p.waif_reg) keep(name, value_of(i));
    }
    for (auto& d : repl.declared)
      for (size_t i = BUILTIN_VAR_COUNT; i < p.var_names.size(); ++i)
        if (p.var_names[i] == d.internal) keep(d.name, value_of(i));
  }
  return out;
}

std::string EvalOutcome::describe() const {
  // What the forked tasks did follows, however the main task ended: a fork
  // that failed after the main task raised was said nowhere.
  auto with_forks = [this](std::string s) {
    for (auto& r : fork_reports) s += "\n" + r;
    return s;
  };
  switch (kind) {
    case Returned: return with_forks("=> " + to_literal(value));
    case Raised: return with_forks(describe_error(error));
    case CompileFailed: {
      std::string s;
      // Appends rather than operator+: GCC 12 warns falsely (-Wrestrict) on that.
      for (auto& e : compile_errors) {
        if (!s.empty()) s += '\n';
        s += e.to_string();
      }
      return s;
    }
    case AbortedTicks:
    case AbortedSeconds:
    case Interrupted: {
      // LambdaMOO's wording for a task stopped by its limits, and the same
      // form for one stopped from outside (LambdaMOO's kill_task says nothing).
      std::string s = kind == AbortedTicks     ? "Task ran out of ticks"
                      : kind == AbortedSeconds ? "Task ran out of seconds"
                                               : "Task interrupted";
      for (size_t i = 0; i < abort_traceback.size(); ++i)
        s += (i == 0 ? "\n... " : "\n") + abort_traceback[i];
      s += "\n(End of traceback)";
      return with_forks(std::move(s));
    }
  }
  return "";
}

}  // namespace echo
