// Task::save() and Task::restore(): a task that is not running, as a MOO
// value, so that suspended tasks survive a restart. The value is a map:
//
//   ["format" -> "echo-task", "version" -> 1, "id" -> INT,
//    "status" -> "running" | "yielded" | "suspended",
//    "limits" -> ["ticks" -> INT, "seconds" -> FLOAT, "max_stack_depth" -> INT,
//                 "max_string", "max_list_length", "max_list_bytes",
//                 "max_map_bytes", "max_task_bytes", "catchable" -> INT
//                 (the ValueLimits; optional: the defaults)],
//    "ticks_left" -> INT, "seconds_used" -> FLOAT,
//    "suspension" -> 0 | ["kind" -> "sleep" | "read", "seconds" -> FLOAT,
//                         "connection" -> INT, "non_blocking" -> INT],
//    "result_reg" -> INT          (the suspending builtin's register)
//    "local" -> ANY               (task_local(); optional: [])
//    "programs" -> {["source" -> STR, "main" -> INT, "forks" -> {INT, ...},
//                    "registers" -> INT, "syntax" -> "moo" | "echo"
//                    (optional: "moo"), "function" -> 0 | ["name" -> STR,
//                    "captures" -> {STR, ...}, "by_ref" -> {INT, ...}]
//                    (optional: an Echo function's body)], ...}
//                    (code sizes, to check)
//    "frames" -> {frame, ...}]    (bottom first)
//
//   frame: ["program" -> INT (index into programs, from 0), "vector" -> INT
//           (-1: main), "pc" -> INT, "regs" -> LIST, "unbound" -> {INT, ...}
//           (registers with no value; they hold 0 in "regs"), "handlers" ->
//           {handler, ...}, "result_reg" -> INT, "waiting" -> 0 | ["builtin"
//           -> STR (its name), "dest" -> INT, "args" -> LIST, "state" -> ANY],
//           "this", "definer", "progr", "player" -> OBJ, "verb" -> STR,
//           "names" -> STR (the verb's full names; optional),
//           "debug" -> INT]
//   handler: ["kind" -> "catch" | "except" | "finally" | "in_finally",
//             "codes" -> INT (-1: ANY), "dest", "target", "siblings" -> INT,
//             "pending" -> ["kind" -> "fall_through" | "raise" | "return" |
//             "exit", "value" -> {} | {ANY}, "target", "depth" -> INT,
//             "error" -> 0 | error]]
//   error: ["code" -> ANY, "message" -> STR, "value" -> ANY,
//           "traceback" -> {STR, ...}, "stack" -> ANY]
//
// Programs are saved as source and recompiled; compilation is deterministic,
// so pcs stay valid, and the code sizes are checked to catch a compiler that
// changed in between. restore() trusts nothing: every shape, index and pc is
// checked, and anything wrong throws std::runtime_error.
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "lang/compiler.h"
#include "lang/function.h"
#include "lang/map.h"
#include "lang/vm.h"

namespace echo {

namespace {

constexpr int64_t kVersion = 1;
constexpr size_t kMaxFrames = 100000;

// ---- building ---------------------------------------------------------------

void put(Value& m, const Value& key, Value v) { m.map_mut()->set(key, std::move(v)); }
// A saved task's keys, made once each: a task record is built under the
// world lock, and 15,000 forks made 30 strings each.
#define KEY(s) ([]() -> const Value& { static const Value k = Value::immortal_str(s); return k; }())

// A value that may be unbound (Type::None): {} or {v}.
Value wrap(const Value& v) { return v.type() == Type::None ? Value::empty_list() : make_list({v}); }

Value list_of_strings(const std::vector<std::string>& v) {
  Value l = Value::empty_list();
  for (auto& s : v) list_append(l, Value::str(s));
  return l;
}

const char* const kHandlerKinds[] = {"catch", "except", "finally", "in_finally"};
const char* const kPendingKinds[] = {"fall_through", "raise", "return", "exit"};
const char* const kStatuses[] = {"running", "yielded", "suspended"};

Value save_error(const RaisedError& e) {
  Value m = Value::empty_map();
  put(m, KEY("code"), e.code);
  put(m, KEY("message"), Value::str(e.message));
  put(m, KEY("value"), e.value);
  put(m, KEY("traceback"), list_of_strings(e.traceback));
  put(m, KEY("stack"), e.stack);
  return m;
}

Value save_handler(const Handler& h) {
  Value p = Value::empty_map();
  put(p, KEY("kind"), Value::str(kPendingKinds[h.pending.kind]));
  put(p, KEY("value"), wrap(h.pending.value));
  put(p, KEY("target"), Value::integer(h.pending.target));
  put(p, KEY("depth"), Value::integer(h.pending.depth));
  put(p, KEY("error"), h.pending.error ? save_error(*h.pending.error) : Value::integer(0));
  Value m = Value::empty_map();
  put(m, KEY("kind"), Value::str(kHandlerKinds[h.kind]));
  put(m, KEY("codes"), Value::integer(h.codes == 0xFFFF ? -1 : h.codes));
  put(m, KEY("dest"), Value::integer(h.dest));
  put(m, KEY("target"), Value::integer(h.target));
  put(m, KEY("siblings"), Value::integer(h.siblings));
  put(m, KEY("pending"), std::move(p));
  return m;
}

Value save_frame(const Frame& f, int64_t program_index) {
  Value m = Value::empty_map();
  put(m, KEY("program"), Value::integer(program_index));
  put(m, KEY("vector"), Value::integer(f.vector));
  put(m, KEY("pc"), Value::integer(f.pc));
  Value regs = Value::empty_list(), unbound = Value::empty_list();
  for (size_t i = 0; i < f.regs.size(); ++i) {
    if (f.regs[i].type() == Type::None) {
      list_append(regs, Value::integer(0));
      list_append(unbound, Value::integer(int64_t(i)));
    } else {
      list_append(regs, f.regs[i]);
    }
  }
  put(m, KEY("regs"), std::move(regs));
  put(m, KEY("unbound"), std::move(unbound));
  Value handlers = Value::empty_list();
  for (auto& h : f.handlers) list_append(handlers, save_handler(h));
  put(m, KEY("handlers"), std::move(handlers));
  put(m, KEY("result_reg"), Value::integer(f.result_reg));
  if (f.waiting) {
    Value w = Value::empty_map();
    put(w, KEY("builtin"), Value::str(Builtins::instance().at(f.waiting->index).name));
    put(w, KEY("dest"), Value::integer(f.waiting->dest));
    Value args = Value::empty_list();
    for (auto& a : f.waiting->args) list_append(args, a);
    put(w, KEY("args"), std::move(args));
    put(w, KEY("state"), wrap(f.waiting->state));
    put(m, KEY("waiting"), std::move(w));
  } else {
    put(m, KEY("waiting"), Value::integer(0));
  }
  put(m, KEY("this"), Value::obj(f.this_obj));
  put(m, KEY("definer"), Value::obj(f.definer));
  put(m, KEY("progr"), Value::obj(f.progr));
  put(m, KEY("player"), Value::obj(f.player));
  put(m, KEY("verb"), Value::str(f.verb_name));
  put(m, KEY("names"), Value::str(f.verb_names));
  put(m, KEY("debug"), Value::integer(f.debug));
  return m;
}

Value save_program(const Program& p) {
  Value m = Value::empty_map();
  put(m, KEY("source"), Value::str(p.source));
  put(m, KEY("main"), Value::integer(int64_t(p.main.code.size())));
  Value forks = Value::empty_list();
  for (auto& v : p.forks) list_append(forks, Value::integer(int64_t(v.code.size())));
  put(m, KEY("forks"), std::move(forks));
  put(m, KEY("registers"), Value::integer(p.num_registers));
  put(m, KEY("syntax"), Value::str(p.syntax));
  if (p.is_function) {
    Value fm = Value::empty_map();
    put(fm, KEY("name"), Value::str(p.function_name));
    Value names = Value::empty_list(), refs = Value::empty_list();
    for (size_t i = 0; i < p.capture_names.size(); ++i) {
      list_append(names, Value::str(p.capture_names[i]));
      list_append(refs, Value::integer(p.capture_by_ref[i] ? 1 : 0));
    }
    put(fm, KEY("captures"), std::move(names));
    put(fm, KEY("by_ref"), std::move(refs));
    put(m, KEY("function"), std::move(fm));
  }
  return m;
}

// ---- reading ------------------------------------------------------------------

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw std::runtime_error("Task::restore: " + where + ": " + what);
}

// A saved program compiled again: MOO source through the caller's compiler
// (which may cache), Echo source and Echo functions through the Echo front end.
std::shared_ptr<const Program> recompile(const Value& pm, const std::string& pw, const std::string& source,
                                         const Task::CompileFn& compile) {
  std::string syntax = "moo";
  const Value* fn = nullptr;
  if (pm.is_map()) {
    long i = pm.map_obj()->find(Value::str("syntax"));
    if (i >= 0) {
      const Value& v = pm.map_obj()->entries[size_t(i)].second;
      if (!v.is_str()) bad(pw, "\"syntax\" is not a string");
      syntax = std::string(v.as_str());
    }
    i = pm.map_obj()->find(Value::str("function"));
    if (i >= 0 && pm.map_obj()->entries[size_t(i)].second.is_map()) fn = &pm.map_obj()->entries[size_t(i)].second;
  }
  if (fn) {
    FuncObj f;
    f.source = source;
    long i = fn->map_obj()->find(Value::str("name"));
    if (i >= 0 && fn->map_obj()->entries[size_t(i)].second.is_str())
      f.name = std::string(fn->map_obj()->entries[size_t(i)].second.as_str());
    long ci = fn->map_obj()->find(Value::str("captures")), ri = fn->map_obj()->find(Value::str("by_ref"));
    if (ci < 0 || ri < 0) bad(pw, "a function without its captures");
    const Value& names = fn->map_obj()->entries[size_t(ci)].second;
    const Value& refs = fn->map_obj()->entries[size_t(ri)].second;
    if (!names.is_list() || !refs.is_list() || names.list_len() != refs.list_len()) bad(pw, "malformed captures");
    for (uint32_t k = 0; k < names.list_len(); ++k) {
      if (!names.list_at(k).is_str()) bad(pw, "malformed captures");
      f.capture_names.emplace_back(names.list_at(k).as_str());
      f.capture_by_ref.push_back(refs.list_at(k).truthy());
    }
    return compile_function(f);
  }
  if (syntax == "echo") {
    CompileResult r = compile_echo(source);
    if (!r.ok()) throw std::runtime_error(r.errors.front().to_string());
    return r.program;
  }
  if (syntax != "moo") bad(pw, "unknown syntax \"" + syntax + "\"");
  return compile(source);
}

// A map field, present.
const Value& field(const Value& m, const char* key, const std::string& where) {
  if (!m.is_map()) bad(where, "expected a map");
  long i = m.map_obj()->find(Value::str(key));
  if (i < 0) bad(where, std::string("missing \"") + key + "\"");
  return m.map_obj()->entries[size_t(i)].second;
}

int64_t get_int(const Value& m, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  const Value& v = field(m, key, where);
  if (!v.is_int() || v.as_int() < lo || v.as_int() > hi)
    bad(where + "." + key, "expected an INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v.as_int();
}

int64_t get_obj(const Value& m, const char* key, const std::string& where) {
  const Value& v = field(m, key, where);
  if (!v.is_obj()) bad(where + "." + key, "expected an OBJ");
  return v.as_obj();
}

double get_number(const Value& m, const char* key, const std::string& where, bool non_negative) {
  const Value& v = field(m, key, where);
  double d;
  if (v.is_float()) d = v.as_float();
  else if (v.is_int()) d = double(v.as_int());
  else bad(where + "." + key, "expected a number");
  if (!std::isfinite(d) || (non_negative && d < 0)) bad(where + "." + key, "expected a finite number");
  return d;
}

std::string get_str(const Value& m, const char* key, const std::string& where) {
  const Value& v = field(m, key, where);
  if (!v.is_str()) bad(where + "." + key, "expected a STR");
  return std::string(v.as_str());
}

const Value& get_list(const Value& m, const char* key, const std::string& where) {
  const Value& v = field(m, key, where);
  if (!v.is_list()) bad(where + "." + key, "expected a LIST");
  return v;
}

// A value a register or a MOO variable can hold (not unbound or clear).
const Value& moo_value(const Value& v, const std::string& where) {
  if (v.type() == Type::None || v.type() == Type::Clear) bad(where, "not a MOO value");
  return v;
}

Value unwrap(const Value& m, const char* key, const std::string& where) {
  const Value& l = get_list(m, key, where);
  if (l.list_len() == 0) return Value::none();
  if (l.list_len() != 1) bad(where + "." + key, "expected {} or {value}");
  return moo_value(l.list_at(0), where + "." + key);
}

template <size_t N>
int get_enum(const Value& m, const char* key, const std::string& where, const char* const (&names)[N]) {
  std::string s = get_str(m, key, where);
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return int(i);
  bad(where + "." + key, "unknown value \"" + s + "\"");
}

std::shared_ptr<RaisedError> restore_error(const Value& m, const std::string& where) {
  auto e = std::make_shared<RaisedError>();
  e->code = moo_value(field(m, "code", where), where + ".code");
  e->message = get_str(m, "message", where);
  e->value = moo_value(field(m, "value", where), where + ".value");
  const Value& tb = get_list(m, "traceback", where);
  for (uint32_t i = 0; i < tb.list_len(); ++i) {
    if (!tb.list_at(i).is_str()) bad(where + ".traceback", "expected a list of STRs");
    e->traceback.emplace_back(tb.list_at(i).as_str());
  }
  e->stack = moo_value(field(m, "stack", where), where + ".stack");
  return e;
}

Handler restore_handler(const Value& m, const std::string& where, uint32_t nregs, uint32_t code_size) {
  Handler h;
  h.kind = Handler::Kind(get_enum(m, "kind", where, kHandlerKinds));
  int64_t codes = get_int(m, "codes", where, -1, int64_t(nregs) - 1);
  h.codes = codes < 0 ? 0xFFFF : uint16_t(codes);
  h.dest = uint16_t(get_int(m, "dest", where, 0, int64_t(nregs) - 1));
  h.target = uint32_t(get_int(m, "target", where, 0, int64_t(code_size) - 1));
  h.siblings = uint16_t(get_int(m, "siblings", where, 0, 0xFFFF));
  const Value& p = field(m, "pending", where);
  std::string pw = where + ".pending";
  h.pending.kind = Pending::Kind(get_enum(p, "kind", pw, kPendingKinds));
  h.pending.value = unwrap(p, "value", pw);
  h.pending.target = uint32_t(get_int(p, "target", pw, 0, int64_t(code_size) - 1));
  h.pending.depth = uint32_t(get_int(p, "depth", pw, 0, std::numeric_limits<uint32_t>::max()));
  const Value& e = field(p, "error", pw);
  if (e.is_map()) h.pending.error = restore_error(e, pw + ".error");
  else if (!(e.is_int() && e.as_int() == 0)) bad(pw + ".error", "expected 0 or an error map");
  if (h.pending.kind == Pending::Raise && !h.pending.error) bad(pw, "a pending raise without its error");
  if (h.pending.kind == Pending::Return && h.pending.value.type() == Type::None)
    bad(pw, "a pending return without its value");
  return h;
}

}  // namespace

// ---- Task ---------------------------------------------------------------------

Value Task::save() const {
  int st;
  switch (status_) {
    case TaskStatus::Running: st = 0; break;
    case TaskStatus::Yielded: st = 1; break;
    case TaskStatus::Suspended: st = 2; break;
    default: throw std::logic_error("Task::save: the task has finished");
  }
  Value m = Value::empty_map();
  put(m, KEY("format"), Value::str("echo-task"));
  put(m, KEY("version"), Value::integer(kVersion));
  put(m, KEY("id"), Value::integer(id_));
  put(m, KEY("status"), Value::str(kStatuses[st]));
  Value limits = Value::empty_map();
  put(limits, KEY("ticks"), Value::integer(limits_.ticks));
  put(limits, KEY("seconds"), Value::flt(limits_.seconds));
  put(limits, KEY("max_stack_depth"), Value::integer(limits_.max_stack_depth));
  const ValueLimits& vl = limits_.values;
  put(limits, KEY("max_string"), Value::integer(vl.max_string));
  put(limits, KEY("max_list_length"), Value::integer(vl.max_list_length));
  put(limits, KEY("max_list_bytes"), Value::integer(vl.max_list_bytes));
  put(limits, KEY("max_map_bytes"), Value::integer(vl.max_map_bytes));
  put(limits, KEY("max_task_bytes"), Value::integer(vl.max_task_bytes));
  put(limits, KEY("catchable"), Value::integer(vl.catchable));
  put(m, KEY("limits"), std::move(limits));
  put(m, KEY("ticks_left"), Value::integer(ticks_left_));
  put(m, KEY("seconds_used"), Value::flt(seconds_used_));
  if (suspension_) {
    Value s = Value::empty_map();
    put(s, KEY("kind"), Value::str(suspension_->kind == BuiltinContext::Suspend::Read ? "read" : "sleep"));
    put(s, KEY("seconds"), Value::flt(suspension_->seconds));
    put(s, KEY("connection"), Value::integer(suspension_->connection));
    put(s, KEY("non_blocking"), Value::integer(suspension_->non_blocking));
    put(m, KEY("suspension"), std::move(s));
  } else {
    put(m, KEY("suspension"), Value::integer(0));
  }
  put(m, KEY("result_reg"), Value::integer(suspend_reg_));
  put(m, KEY("local"), local_);
  std::map<const Program*, int64_t> index;
  Value programs = Value::empty_list(), frames = Value::empty_list();
  for (auto& f : frames_) {
    auto [it, added] = index.emplace(f.program.get(), int64_t(index.size()));
    if (added) list_append(programs, save_program(*f.program));
    list_append(frames, save_frame(f, it->second));
  }
  put(m, KEY("programs"), std::move(programs));
  put(m, KEY("frames"), std::move(frames));
  return m;
}

std::unique_ptr<Task> Task::restore(const Value& saved, VmHost* host, const CompileFn& compile) {
  const std::string top = "task";
  if (get_str(saved, "format", top) != "echo-task") bad(top + ".format", "not a saved task");
  int64_t version = get_int(saved, "version", top, 0, std::numeric_limits<int64_t>::max());
  if (version != kVersion) bad(top + ".version", "unsupported version " + std::to_string(version));

  TaskLimits limits;
  const Value& lm = field(saved, "limits", top);
  limits.ticks = get_int(lm, "ticks", "task.limits", 0, std::numeric_limits<int64_t>::max());
  limits.seconds = get_number(lm, "seconds", "task.limits", true);
  limits.max_stack_depth = int(get_int(lm, "max_stack_depth", "task.limits", 1, 1000000));
  // The value limits arrived after the first saved tasks: absent ones keep
  // the defaults.
  auto value_limit = [&lm](const char* key, int64_t* out, int64_t lo, int64_t hi) {
    if (lm.map_obj()->find(Value::str(key)) >= 0) *out = get_int(lm, key, "task.limits", lo, hi);
  };
  ValueLimits& vl = limits.values;
  value_limit("max_string", &vl.max_string, 1, ValueLimits::kMaxString);
  value_limit("max_list_length", &vl.max_list_length, 1, ValueLimits::kMaxListLength);
  value_limit("max_list_bytes", &vl.max_list_bytes, 1, ValueLimits::kMaxBytes);
  value_limit("max_map_bytes", &vl.max_map_bytes, 1, ValueLimits::kMaxBytes);
  value_limit("max_task_bytes", &vl.max_task_bytes, 0, std::numeric_limits<int64_t>::max());
  int64_t catchable = vl.catchable;
  value_limit("catchable", &catchable, 0, 1);
  vl.catchable = catchable != 0;

  std::unique_ptr<Task> t(new Task(RestoreTag{}, host, limits));
  t->id_ = get_int(saved, "id", top, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  int st = get_enum(saved, "status", top, kStatuses);
  t->status_ = st == 0 ? TaskStatus::Running : st == 1 ? TaskStatus::Yielded : TaskStatus::Suspended;
  t->ticks_left_ = get_int(saved, "ticks_left", top, 0, std::numeric_limits<int64_t>::max());
  t->seconds_used_ = get_number(saved, "seconds_used", top, true);

  const Value& s = field(saved, "suspension", top);
  if (s.is_map()) {
    const std::string sw = "task.suspension";
    BuiltinContext::Suspend susp;
    static const char* const kKinds[] = {"sleep", "read"};
    susp.kind = get_enum(s, "kind", sw, kKinds) == 1 ? BuiltinContext::Suspend::Read
                                                     : BuiltinContext::Suspend::Sleep;
    susp.seconds = get_number(s, "seconds", sw, false);
    susp.connection = get_int(s, "connection", sw, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max());
    susp.non_blocking = get_int(s, "non_blocking", sw, 0, 1) != 0;
    t->suspension_ = susp;
  } else if (!(s.is_int() && s.as_int() == 0)) {
    bad("task.suspension", "expected 0 or a map");
  }
  if (bool(t->suspension_) != (t->status_ == TaskStatus::Suspended))
    bad("task.suspension", "present exactly when the task is suspended");

  // Programs, recompiled and checked against the saved code sizes.
  std::vector<std::shared_ptr<const Program>> programs;
  const Value& pl = get_list(saved, "programs", top);
  for (uint32_t i = 0; i < pl.list_len(); ++i) {
    std::string pw = "task.programs[" + std::to_string(i) + "]";
    const Value& pm = pl.list_at(i);
    std::string source = get_str(pm, "source", pw);
    int64_t main_size = get_int(pm, "main", pw, 0, std::numeric_limits<uint32_t>::max());
    const Value& forks = get_list(pm, "forks", pw);
    int64_t nregs = get_int(pm, "registers", pw, 0, 0xFFFF);
    std::shared_ptr<const Program> p;
    try {
      p = recompile(pm, pw, source, compile);
    } catch (const std::exception& e) {
      bad(pw, std::string("does not compile: ") + e.what());
    }
    if (!p) bad(pw, "does not compile");
    bool same = int64_t(p->main.code.size()) == main_size && p->forks.size() == forks.list_len() &&
                int64_t(p->num_registers) == nregs;
    for (uint32_t k = 0; same && k < forks.list_len(); ++k)
      same = forks.list_at(k).is_int() && forks.list_at(k).as_int() == int64_t(p->forks[k].code.size());
    if (!same)
      bad(pw, "the program compiles to different code now (saved: " + std::to_string(main_size) +
                  " instructions, " + std::to_string(forks.list_len()) + " fork vectors, " +
                  std::to_string(nregs) + " registers; now: " + std::to_string(p->main.code.size()) +
                  ", " + std::to_string(p->forks.size()) + ", " + std::to_string(p->num_registers) + ")");
    programs.push_back(std::move(p));
  }

  const Value& fl = get_list(saved, "frames", top);
  if (fl.list_len() == 0 || fl.list_len() > kMaxFrames) bad("task.frames", "expected 1 to 100000 frames");
  for (uint32_t i = 0; i < fl.list_len(); ++i) {
    std::string fw = "task.frames[" + std::to_string(i) + "]";
    const Value& fm = fl.list_at(i);
    Frame f;
    f.program = programs[size_t(get_int(fm, "program", fw, 0, int64_t(programs.size()) - 1))];
    f.vector = int(get_int(fm, "vector", fw, -1, int64_t(f.program->forks.size()) - 1));
    const uint32_t code_size = uint32_t(f.code().code.size());
    f.pc = uint32_t(get_int(fm, "pc", fw, 0, int64_t(code_size) - 1));
    const uint32_t nregs = f.program->num_registers;
    const Value& regs = get_list(fm, "regs", fw);
    if (regs.list_len() != nregs) bad(fw + ".regs", "expected " + std::to_string(nregs) + " registers");
    f.regs.reserve(nregs);
    for (uint32_t r = 0; r < nregs; ++r) f.regs.push_back(moo_value(regs.list_at(r), fw + ".regs"));
    const Value& unbound = get_list(fm, "unbound", fw);
    for (uint32_t k = 0; k < unbound.list_len(); ++k) {
      const Value& r = unbound.list_at(k);
      if (!r.is_int() || r.as_int() < 0 || r.as_int() >= int64_t(nregs)) bad(fw + ".unbound", "bad register");
      f.regs[size_t(r.as_int())] = Value::none();
    }
    const Value& hl = get_list(fm, "handlers", fw);
    for (uint32_t k = 0; k < hl.list_len(); ++k)
      f.handlers.push_back(restore_handler(hl.list_at(k), fw + ".handlers[" + std::to_string(k) + "]", nregs,
                                           code_size));
    // A frame's result goes to its caller's register.
    int64_t caller_regs = i == 0 ? 0x10000 : int64_t(t->frames_.back().regs.size());
    f.result_reg = uint16_t(get_int(fm, "result_reg", fw, 0, caller_regs - 1));
    const Value& w = field(fm, "waiting", fw);
    if (w.is_map()) {
      // Only a caller waits for its callee.
      if (i + 1 == fl.list_len()) bad(fw + ".waiting", "the top frame cannot wait for a verb");
      std::string ww = fw + ".waiting";
      std::string name = get_str(w, "builtin", ww);
      int index = Builtins::instance().find(name);
      if (index < 0) bad(ww + ".builtin", "no builtin named \"" + name + "\"");
      Frame::BuiltinWait bw;
      bw.index = uint16_t(index);
      bw.dest = uint16_t(get_int(w, "dest", ww, 0, int64_t(nregs) - 1));
      const Value& args = get_list(w, "args", ww);
      for (uint32_t k = 0; k < args.list_len(); ++k) bw.args.push_back(moo_value(args.list_at(k), ww + ".args"));
      bw.state = unwrap(w, "state", ww);
      if (bw.state.type() == Type::None) bw.state = Value::integer(0);
      f.waiting = std::move(bw);
    } else if (!(w.is_int() && w.as_int() == 0)) {
      bad(fw + ".waiting", "expected 0 or a map");
    }
    f.this_obj = get_obj(fm, "this", fw);
    f.definer = get_obj(fm, "definer", fw);
    f.progr = get_obj(fm, "progr", fw);
    f.player = get_obj(fm, "player", fw);
    f.verb_name = get_str(fm, "verb", fw);
    // "names" arrived after the first saved tasks: absent means unknown.
    if (fm.map_obj()->find(Value::str("names")) >= 0) f.verb_names = get_str(fm, "names", fw);
    f.debug = get_int(fm, "debug", fw, 0, 1) != 0;
    t->frames_.push_back(std::move(f));
  }
  t->suspend_reg_ = uint16_t(get_int(saved, "result_reg", top, 0, int64_t(t->frames_.back().regs.size()) - 1));
  // "local" arrived after the first saved tasks: absent means none was set.
  if (saved.map_obj()->find(Value::str("local")) >= 0)
    t->local_ = moo_value(field(saved, "local", top), top + ".local");
  return t;
}

}  // namespace echo
