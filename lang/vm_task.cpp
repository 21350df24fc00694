// Tasks outside the interpreter loop: setup, the host with no world, the
// task builtins, raising and unwinding through handlers and frames, and
// tracebacks. The loop itself is in vm.cpp.
#include <algorithm>
#include <cmath>
#include <new>
#include <stdexcept>
#include <unordered_set>

#include "lang/function.h"
#include "lang/map.h"
#include "lang/vm.h"
#include "lang/function.h"

namespace echo {

// ---- the host with no world ------------------------------------------------

Value VmHost::get_property(int64_t, std::string_view, int64_t) { throw MooError(E_INVIND); }
void VmHost::set_property(int64_t, std::string_view, Value, int64_t) { throw MooError(E_INVIND); }
std::optional<VmHost::VerbTarget> VmHost::find_verb(int64_t, std::string_view, Error* err) {
  *err = E_INVIND;
  return std::nullopt;
}
std::optional<VmHost::VerbTarget> VmHost::find_pass_verb(int64_t, std::string_view, Error* err) {
  *err = E_VERBNF;
  return std::nullopt;
}
int64_t VmHost::fork(ForkRequest) {
  throw MooError(E_PERM, "fork is not available: this task has no scheduler");
}

// ---- builtins that read the running task ----------------------------------

namespace {

// ToastStunt's ANON and WAIF type constants (see Program::anon_reg).
void preset_toast_type_vars(Frame& f) {
  if (f.program->anon_reg >= 0) f.regs[size_t(f.program->anon_reg)] = Value::integer(12);
  if (f.program->waif_reg >= 0) f.regs[size_t(f.program->waif_reg)] = Value::integer(13);
}

// A called frame's built-in variables: the type constants fresh, the rest
// (player, this, ..., the command variables) the caller's, to be overridden.
void preset_builtin_vars(Frame& f, const Frame& caller) {
  for (int i = VAR_NUM; i <= VAR_BOOL; ++i) f.regs[i] = Value::integer(int64_t(kTypeVarValues[i]));
  preset_toast_type_vars(f);
  for (int i = VAR_PLAYER; i < BUILTIN_VAR_COUNT; ++i) f.regs[i] = caller.regs[i];
}

// LambdaMOO's callers()/traceback entry of a frame: {this, verb, programmer,
// verb location, player, line}.
Value frame_entry(const Frame& f) {
  uint32_t pc = f.pc ? f.pc - 1 : 0;
  return make_list({Value::obj(f.this_obj), Value::str(f.verb_name), Value::obj(f.progr),
                    Value::obj(f.definer), Value::obj(f.player),
                    Value::integer(f.program->line_at(f.code(), pc))});
}

const std::vector<Frame>& frames_of(BuiltinContext& ctx) {
  if (!ctx.task) throw MooError(E_INVARG, "no task");
  return ctx.task->frames();
}

double seconds_left(const BuiltinContext& ctx) {
  return std::chrono::duration<double>(ctx.deadline - std::chrono::steady_clock::now()).count();
}

// The task stops here to sleep (seconds < 0: until resumed).
void request_sleep(BuiltinContext& ctx, double seconds) {
  BuiltinContext::Suspend s;
  s.kind = BuiltinContext::Suspend::Sleep;
  s.seconds = seconds;
  ctx.suspend = s;
}

}  // namespace

void register_task_builtins(Builtins& b) {
  b.add({"task_id", 0, 0, {}, [](BuiltinContext& ctx, std::span<Value>) {
           return Value::integer(ctx.task ? ctx.task->id() : 0);
         }});
  // callers(): the frames below the current one, innermost first.
  b.add({"callers", 0, 1, {}, [](BuiltinContext& ctx, std::span<Value>) {
           const auto& fr = frames_of(ctx);
           Value out = Value::empty_list();
           for (size_t i = fr.size() - 1; i-- > 0;) list_append(out, frame_entry(fr[i]));
           return out;
         }});
  b.add({"caller_perms", 0, 0, {}, [](BuiltinContext& ctx, std::span<Value>) {
           const auto& fr = frames_of(ctx);
           return Value::obj(fr.size() >= 2 ? fr[fr.size() - 2].progr : -1);
         }});
  b.add({"set_task_perms", 1, 1, {ArgType::Obj}, [](BuiltinContext& ctx, std::span<Value> a) {
           auto& fr = ctx.task ? ctx.task->frames() : throw MooError(E_INVARG);
           if (!ctx.wizard() && a[0].as_obj() != fr.back().progr) throw MooError(E_PERM);
           fr.back().progr = a[0].as_obj();
           return Value::integer(0);
         }});
  // pass(@args): the same verb, found from the parent of the current verb's
  // definer, on the same `this`; its result is pass()'s.
  b.add({"pass", 0, -1, {}, [](BuiltinContext& ctx, std::span<Value> a) {
           if (ctx.resumed) return ctx.resume_value;
           const auto& fr = frames_of(ctx);
           Value args = Value::empty_list();
           for (auto& v : a) list_append(args, v);
           ctx.call = BuiltinContext::VerbCall{fr.back().this_obj, fr.back().verb_name, std::move(args),
                                               Value::integer(0), true, nullptr};
           return Value::integer(0);
         }});

  b.add({"ticks_left", 0, 0, {}, [](BuiltinContext& ctx, std::span<Value>) {
           return Value::integer(ctx.ticks_left);
         }});
  b.add({"seconds_left", 0, 0, {}, [](BuiltinContext& ctx, std::span<Value>) {
           return Value::integer(int64_t(std::max(0.0, seconds_left(ctx))));
         }});

  // suspend([seconds]): stops the task; whoever runs it resumes it after
  // the delay (or when told to, without one) and decides its result.
  b.add({"suspend", 0, 1, {ArgType::Numeric}, [](BuiltinContext& ctx, std::span<Value> a) {
           double secs = -1;
           if (!a.empty()) {
             secs = a[0].is_int() ? double(a[0].as_int()) : a[0].as_float();
             if (!(secs >= 0) || std::isinf(secs)) throw MooError(E_INVARG);
           }
           request_sleep(ctx, secs);
           return Value::integer(0);
         }});
  // yin([time [, min_ticks [, min_seconds]]]): ToastStunt's "yield if
  // needed", LambdaCore's suspend_if_needed as a builtin: suspend(time) when
  // fewer than min_ticks (2000) ticks or min_seconds (2) seconds are left,
  // else 0 at once.
  b.add({"yin", 0, 3, {ArgType::Int, ArgType::Int, ArgType::Int}, [](BuiltinContext& ctx, std::span<Value> a) {
           int64_t time = a.size() >= 1 ? a[0].as_int() : 0;
           int64_t min_ticks = a.size() >= 2 ? a[1].as_int() : 2000;
           int64_t min_seconds = a.size() >= 3 ? a[2].as_int() : 2;
           if (time < 0) throw MooError(E_INVARG);
           if (ctx.ticks_left < min_ticks || seconds_left(ctx) < double(min_seconds)) request_sleep(ctx, double(time));
           return Value::integer(0);
         }});
  // read([conn [, non_blocking]]): a line of input from conn (the task's
  // player when absent). Whether the task may read, and from what, is the
  // scheduler's to decide: this only asks.
  b.add({"read", 0, 2, {ArgType::Obj, ArgType::Any}, [](BuiltinContext& ctx, std::span<Value> a) {
           BuiltinContext::Suspend s;
           s.kind = BuiltinContext::Suspend::Read;
           if (!a.empty()) {
             s.connection = a[0].as_obj();
             s.connection_given = true;
           }
           if (a.size() > 1) s.non_blocking = a[1].truthy();
           ctx.suspend = s;
           return Value::integer(0);
         }});
  // read_http("request" | "response" [, conn]) (ToastStunt's execute.cc):
  // reads like read(), with read()'s permissions, until the bytes of a whole
  // HTTP message have come; answers a map of its parts.
  b.add({"read_http", 1, 2, {ArgType::Str, ArgType::Obj}, [](BuiltinContext& ctx, std::span<Value> a) {
           BuiltinContext::Suspend s;
           s.kind = BuiltinContext::Suspend::Read;
           if (compare_ci(a[0].as_str(), "request") == 0)
             s.http = 1;
           else if (compare_ci(a[0].as_str(), "response") == 0)
             s.http = 2;
           else
             throw MooError(E_INVARG);
           if (a.size() > 1) {
             s.connection = a[1].as_obj();
             s.connection_given = true;
           }
           ctx.suspend = s;
           return Value::integer(0);
         }});
}

bool BuiltinContext::wizard() const { return host && host->is_wizard(progr); }

Value BuiltinContext::in_background(std::function<Value()> work, bool always, std::string label) {
  bool threaded = always || (task && !task->frames().empty() && task->frames().back().threaded);
  if (!threaded || !host || !host->runs_background()) return work();
  suspend.emplace();
  suspend->kind = Suspend::Background;
  suspend->work = std::make_shared<std::function<Value()>>(std::move(work));
  suspend->label = std::move(label);
  return Value::integer(0);
}

// ---- task setup --------------------------------------------------------------

std::mt19937_64* BuiltinContext::rng() {
  if (given_rng) return given_rng;
  if (!task) return nullptr;
  auto& r = task->rng_;
  if (!r) {
    // Seeded from a per-thread generator: std::random_device for every task
    // cost 6% of a busy server's time.
    thread_local std::mt19937_64 seeds{std::random_device{}()};
    r = std::make_unique<std::mt19937_64>(seeds());
  }
  return r.get();
}

Task::Task(RestoreTag, VmHost* host, TaskLimits limits)
    : host_(host ? host : &default_host_), limits_(limits), ticks_left_(limits.ticks) {
  register_all_builtins();
  ctx_.task = this;
  ctx_.world = host_->world();
  ctx_.host = host_;
}

Task::Task(std::shared_ptr<const Program> program, VmHost* host, TaskLimits limits)
    : Task(RestoreTag{}, host, limits) {
  Frame f;
  f.program = program;
  f.regs.resize(program->num_registers, Value::none());
  for (int i = VAR_NUM; i <= VAR_BOOL; ++i) f.regs[i] = Value::integer(int64_t(kTypeVarValues[i]));
  preset_toast_type_vars(f);
  f.regs[VAR_PLAYER] = Value::obj(-1);
  f.regs[VAR_THIS] = Value::obj(-1);
  f.regs[VAR_CALLER] = Value::obj(-1);
  f.regs[VAR_VERB] = Value::str("");
  f.regs[VAR_ARGS] = Value::empty_list();
  f.regs[VAR_ARGSTR] = Value::str("");
  f.regs[VAR_DOBJ] = Value::obj(-1);
  f.regs[VAR_DOBJSTR] = Value::str("");
  f.regs[VAR_PREPSTR] = Value::str("");
  f.regs[VAR_IOBJ] = Value::obj(-1);
  f.regs[VAR_IOBJSTR] = Value::str("");
  jit::note_call(f.program);
  frames_.push_back(std::move(f));
}

Task::Task(const VmHost::ForkRequest& fork, VmHost* host, TaskLimits limits)
    : Task(fork.program, host, limits) {
  Frame& f = frames_.front();
  f.vector = fork.vector;
  for (size_t i = 0; i < fork.registers.size() && i < f.regs.size(); ++i) f.regs[i] = fork.registers[i];
  f.this_obj = fork.this_obj;
  f.progr = fork.progr;
  f.verb_name = fork.verb_name;
  f.definer = fork.definer;
  f.player = fork.player;
  f.verb_names = fork.verb_names;
}

// Frees the cycles among the cells this task made, once its own frames no
// longer hold them (the result and anything stored elsewhere keep theirs).
Task::~Task() {
  if (cells_made_.empty()) return;
  frames_.clear();
  collect_cell_cycles(cells_made_);
}

void Task::set_var(std::string_view name, Value v) {
  int i = frames_.front().program->var_index(name);
  if (i >= 0) frames_.front().regs[size_t(i)] = std::move(v);
}

Value Task::get_var(std::string_view name) const {
  int i = frames_.front().program->var_index(name);
  return i >= 0 ? frames_.front().regs[size_t(i)] : Value::integer(0);
}

void Task::set_identity(int64_t player, int64_t this_obj, int64_t progr, std::string verb) {
  Frame& f = frames_.front();
  f.player = player;
  f.this_obj = this_obj;
  f.progr = progr;
  f.verb_name = verb;
  f.regs[VAR_PLAYER] = Value::obj(player);
  f.regs[VAR_THIS] = Value::obj(this_obj);
  f.regs[VAR_VERB] = Value::str(verb);
}

TaskStatus Task::run() { return run_for(INT64_MAX); }

TaskStatus Task::run(int64_t slice_ticks) { return run_for(std::max<int64_t>(slice_ticks, 1)); }

TaskStatus Task::run_for(int64_t budget) {
  if (status_ != TaskStatus::Running && status_ != TaskStatus::Yielded) return status_;
  if (interrupt_requested()) return status_ = TaskStatus::Interrupted;  // e.g. while it slept
  auto start = std::chrono::steady_clock::now();
  double left = std::max(0.0, limits_.seconds - seconds_used_);
  deadline_ = start + std::chrono::microseconds(int64_t(std::min(left, 1e9) * 1e6));
  budget_ = budget_start_ = budget;
  ValueLimitsScope scope(&limits_.values);  // for vm_ops and the builtins
  meter_at_ = heap_bytes_allocated() + ValueLimits::kMeterStep;
  try {
    status_ = execute();
  } catch (const std::bad_alloc&) {
    // Between instructions of no builtin (those are caught where they are
    // called): the frame's registers may be half updated, so the task ends,
    // as after a limit it may not catch, and tells its player so.
    status_ = TaskStatus::AbortedSeconds;
  } catch (const std::length_error&) {  // a string or list past 4 GiB
    status_ = TaskStatus::AbortedSeconds;
  }
  seconds_used_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return status_;
}

int64_t Task::held_bytes() const {
  std::unordered_set<const HeapObject*> seen;
  int64_t total = 0;
  auto add = [&](const Value& v) {
    if (v.is_heap() && !seen.insert(v.heap()).second) return;
    total += value_bytes(v);
  };
  for (const Frame& f : frames_) {
    for (const Value& v : f.regs) add(v);
    for (const Handler& h : f.handlers) add(h.pending.value);
    if (f.waiting) {
      for (const Value& v : f.waiting->args) add(v);
      add(f.waiting->state);
    }
  }
  add(result_);
  add(local_);
  return total;
}

bool Task::memory_within_budget() {
  meter_at_ = heap_bytes_allocated() + ValueLimits::kMeterStep;
  return limits_.values.max_task_bytes <= 0 || held_bytes() <= limits_.values.max_task_bytes;
}

void Task::resume(Value v) {
  if (status_ != TaskStatus::Suspended) throw std::logic_error("Task::resume: the task is not suspended");
  frames_.back().regs[suspend_reg_] = std::move(v);
  suspension_.reset();
  seconds_used_ = 0;
  status_ = TaskStatus::Running;
}

void Task::replace_resume_value(Value v) {
  if (status_ != TaskStatus::Running || frames_.empty())
    throw std::logic_error("Task::replace_resume_value: the task was not resumed");
  frames_.back().regs[suspend_reg_] = std::move(v);
}

void Task::resume_raise(Error code, std::string message, Value value) {
  if (status_ != TaskStatus::Suspended)
    throw std::logic_error("Task::resume_raise: the task is not suspended");
  suspension_.reset();
  seconds_used_ = 0;
  // The frame's pc is past the builtin call, as when the builtin raised.
  status_ = raise(make_error(Value::err(code), std::move(message), std::move(value))) ? TaskStatus::Running
                                                                                    : TaskStatus::Error;
}

void Task::set_limits(TaskLimits limits) {
  limits_ = limits;
  ticks_left_ = limits.ticks;
  seconds_used_ = 0;
}

// ---- errors and unwinding --------------------------------------------------

std::string Task::frame_label(const Frame& f) const {
  // Appends rather than operator+ chains: GCC 12 -O3 warns falsely on those.
  std::string s = "#";
  s.append(std::to_string(f.definer)).append(":");
  s.append(!f.verb_names.empty() ? f.verb_names : f.verb_name.empty() ? std::string("eval") : f.verb_name);
  if (f.this_obj != f.definer) s.append(" (this == #").append(std::to_string(f.this_obj)).append(")");
  return s;
}

std::shared_ptr<RaisedError> Task::make_error(Value code, std::string message, Value value) {
  auto err = std::make_shared<RaisedError>();
  err->code = std::move(code);
  err->message = std::move(message);
  err->value = std::move(value);
  // LambdaMOO's traceback: the raising frame first, then each caller.
  Value stack = Value::empty_list();
  err->traceback = traceback_lines(err->message);
  for (size_t i = frames_.size(); i-- > 0;) {
    const Frame& f = frames_[i];
    uint32_t pc = f.pc ? f.pc - 1 : 0;
    int line = f.program->line_at(f.code(), pc);
    list_append(stack, make_list({Value::obj(f.this_obj), Value::str(f.verb_name),
                                  Value::obj(f.progr), Value::obj(f.definer),
                                  Value::obj(f.player), Value::integer(line)}));
  }
  err->stack = std::move(stack);
  return err;
}

std::shared_ptr<RaisedError> Task::quota_error() {
  auto err = make_error(Value::err(E_QUOTA), error_message(E_QUOTA), Value::integer(0));
  err->quota = true;
  return err;
}

std::shared_ptr<RaisedError> Task::builtin_error() {
  try {
    throw;
  } catch (const ValueTooLarge&) {
    return quota_error();
  } catch (MooError& me) {
    return make_error(std::move(me.code), std::move(me.message), std::move(me.value));
  } catch (const std::bad_alloc&) {  // as a value too large: the registers are intact
    return quota_error();
  } catch (const std::length_error&) {
    return quota_error();
  }
}

static bool code_matches(const Value& codes, const Value& code) {
  if (!codes.is_list()) return true;  // ANY
  for (uint32_t i = 0; i < codes.list_len(); ++i)
    if (equal(codes.list_at(i), code)) return true;
  return false;
}

// Enters the finally block of handler h (just popped) with p pending.
static void enter_finally(Frame& f, const Handler& h, Pending p) {
  Handler in;
  in.kind = Handler::InFinally;
  in.pending = std::move(p);
  f.handlers.push_back(std::move(in));
  f.pc = h.target;
}

bool Task::raise(std::shared_ptr<RaisedError> err) {
  while (!frames_.empty()) {
    Frame& f = frames_.back();
    while (!f.handlers.empty()) {
      Handler h = std::move(f.handlers.back());
      f.handlers.pop_back();
      if (h.kind == Handler::InFinally) continue;  // abandoned by this raise
      if (h.kind == Handler::Finally) {
        Pending p;
        p.kind = Pending::Raise;
        p.error = err;
        enter_finally(f, h, std::move(p));
        return true;
      }
      Value codes = h.codes == 0xFFFF ? Value::integer(0) : f.regs[h.codes];
      if (!code_matches(codes, err->code)) continue;
      // The try's other except clauses go with the matching one.
      f.handlers.resize(f.handlers.size() - std::min<size_t>(h.siblings, f.handlers.size()));
      if (h.kind == Handler::Catch) {
        f.regs[h.dest] = err->code;
      } else {
        f.regs[h.dest] = make_list({err->code, Value::str(err->message), err->value, err->stack});
      }
      f.pc = h.target;
      return true;
    }
    if (frames_.size() == 1) break;
    frames_.pop_back();
    frames_.back().waiting.reset();  // a builtin waiting for that verb gives up
  }
  error_ = std::move(err);
  return false;
}

// Returns true when execution continues in some frame (a finally block or
// the caller); false when the task is done.
bool Task::finish_return(Value v) {
  Frame& f = frames_.back();
  while (!f.handlers.empty()) {
    Handler h = std::move(f.handlers.back());
    f.handlers.pop_back();
    if (h.kind == Handler::Finally) {
      Pending p;
      p.kind = Pending::Return;
      p.value = std::move(v);
      enter_finally(f, h, std::move(p));
      return true;
    }
  }
  if (frames_.size() == 1) {
    result_ = std::move(v);
    return false;
  }
  uint16_t reg = f.result_reg;
  frames_.pop_back();
  frames_.back().regs[reg] = std::move(v);
  return true;
}

bool Task::do_exit(uint32_t depth, uint32_t target) {
  Frame& f = frames_.back();
  while (f.handlers.size() > depth) {
    Handler h = std::move(f.handlers.back());
    f.handlers.pop_back();
    if (h.kind == Handler::Finally) {
      Pending p;
      p.kind = Pending::Exit;
      p.target = target;
      p.depth = depth;
      enter_finally(f, h, std::move(p));
      return true;
    }
  }
  f.pc = target;
  return true;
}

void Task::push_verb_frame(VmHost::VerbTarget target, Value this_obj, Value args, uint16_t result_reg,
                           const std::string& called_name) {
  Frame& caller = frames_.back();
  Frame f;
  f.program = target.program;
  f.regs.resize(f.program->num_registers, Value::none());
  // As LambdaMOO's call_verb2: the type constants fresh, the command
  // variables copied from the caller, and `player` copied only when the
  // caller runs with a wizard's permissions (else the task's player).
  preset_builtin_vars(f, caller);
  if (!(caller.regs[VAR_PLAYER].is_obj() && host_->is_wizard(caller.progr)))
    f.regs[VAR_PLAYER] = Value::obj(caller.player);
  f.regs[VAR_THIS] = this_obj;
  f.regs[VAR_CALLER] = Value::obj(caller.this_obj);
  f.regs[VAR_VERB] = Value::str(called_name);
  f.regs[VAR_ARGS] = std::move(args);
  f.this_obj = this_obj.as_obj();
  f.definer = target.definer;
  f.progr = target.owner;
  f.player = caller.player;
  f.verb_name = called_name;
  f.verb_names = target.name;
  f.debug = target.debug;
  f.result_reg = result_reg;
  jit::note_call(f.program);
  frames_.push_back(std::move(f));
}

Value Task::make_closure(const Frame& f, uint16_t index, const Value* captures) const {
  const Program& p = *f.program->functions.at(index);
  auto* fn = new FuncObj();
  Value r = make_function(fn);
  fn->source = p.source;
  fn->name = p.function_name;
  fn->capture_names = p.capture_names;
  fn->capture_by_ref = p.capture_by_ref;
  fn->captures.assign(captures, captures + p.capture_names.size());
  fn->this_obj = f.this_obj;
  fn->player = f.player;
  fn->caller = f.regs[VAR_CALLER].is_obj() ? f.regs[VAR_CALLER].as_obj() : -1;
  fn->progr = f.progr;
  fn->definer = f.definer;
  fn->verb_name = f.verb_name;
  fn->set_program(f.program->functions[index]);
  return r;
}

// A function runs as the verb activation that created it (its this, player,
// caller and permissions), with its captures after the built-in variables;
// the command variables are the caller's, as for a verb call.
void Task::push_function_frame(const Value& fnv, Value args, uint16_t result_reg) {
  const FuncObj* fn = func_of(fnv);
  std::shared_ptr<const Program> p;
  try {
    p = fn->program();
  } catch (const std::exception& e) {
    throw MooError(E_INVARG, std::string("the function does not compile: ") + e.what());
  }
  if (!p || !p->is_function || p->capture_names.size() != fn->captures.size() ||
      p->num_registers < BUILTIN_VAR_COUNT + fn->captures.size())
    throw MooError(E_INVARG, "the function's captures do not match its code");
  Frame& caller = frames_.back();
  Frame f;
  f.program = std::move(p);
  f.regs.resize(f.program->num_registers, Value::none());
  preset_builtin_vars(f, caller);
  f.regs[VAR_PLAYER] = Value::obj(fn->player);
  f.regs[VAR_THIS] = Value::obj(fn->this_obj);
  f.regs[VAR_CALLER] = Value::obj(fn->caller);
  f.regs[VAR_VERB] = Value::str(fn->verb_name);
  f.regs[VAR_ARGS] = std::move(args);
  for (size_t i = 0; i < fn->captures.size(); ++i) f.regs[BUILTIN_VAR_COUNT + i] = fn->captures[i];
  if (f.program->self_reg >= 0 && size_t(f.program->self_reg) < f.regs.size())
    f.regs[size_t(f.program->self_reg)] = fnv;
  f.this_obj = fn->this_obj;
  f.definer = fn->definer;
  f.progr = fn->progr;
  f.player = fn->player;
  f.verb_name = fn->verb_name;
  f.verb_names = fn->verb_name + (fn->name.empty() ? " (fn)" : " (fn " + fn->name + ")");
  f.debug = true;
  f.result_reg = result_reg;
  jit::note_call(f.program);
  frames_.push_back(std::move(f));
}

std::vector<std::string> Task::abort_traceback() const { return traceback_lines(""); }

// LambdaMOO's print_error_backtrace: each frame innermost first, the first
// with the message; after a verb that a builtin called (its caller waits on
// that builtin) a "... called from built-in function NAME()" line.
std::vector<std::string> Task::traceback_lines(const std::string& message) const {
  std::vector<std::string> lines;
  const Builtins& builtins = Builtins::instance();
  for (size_t i = frames_.size(); i-- > 0;) {
    const Frame& f = frames_[i];
    uint32_t pc = f.pc ? f.pc - 1 : 0;
    std::string where = i + 1 == frames_.size() ? std::string() : std::string("... called from ");
    where.append(frame_label(f)).append(", line ").append(std::to_string(f.program->line_at(f.code(), pc)));
    if (i + 1 == frames_.size() && !message.empty()) where.append(":  ").append(message);
    lines.push_back(std::move(where));
    if (i > 0 && frames_[i - 1].waiting)
      lines.push_back("... called from built-in function " + builtins.at(frames_[i - 1].waiting->index).name + "()");
  }
  return lines;
}

std::string describe_error(const RaisedError& e) {
  std::string s;
  for (auto& line : e.traceback) s += line + "\n";
  s += "(End of traceback)";
  return s;
}

}  // namespace echo
