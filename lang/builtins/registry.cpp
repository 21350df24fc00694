// The builtin function registry: lookup by name, argument checking, and the
// one-time registration of every group.
#include <mutex>
#include <random>

#include "lang/builtins.h"
#include "lang/builtins/helpers.h"
#include "lang/vm.h"
#include "lang/world/world.h"

namespace echo {

Builtins& Builtins::instance() {
  static Builtins b;
  return b;
}

void Builtins::add(BuiltinSpec spec) {
  int i = find(spec.name);
  if (i >= 0) {
    specs_[size_t(i)] = std::move(spec);  // re-registration replaces, index kept
    return;
  }
  specs_.push_back(std::move(spec));
}

int Builtins::find(std::string_view name) const {
  for (size_t i = 0; i < specs_.size(); ++i)
    if (compare_ci(specs_[i].name, name) == 0) return int(i);
  return -1;
}

namespace {

bool type_ok(ArgType t, const Value& v) {
  switch (t) {
    case ArgType::Any: return true;
    case ArgType::Int: return v.is_int();
    case ArgType::Float: return v.is_float();
    case ArgType::Numeric: return v.is_int() || v.is_float();
    case ArgType::Str: return v.is_str();
    case ArgType::Obj: return v.is_obj();
    case ArgType::Err: return v.is_err();
    case ArgType::List: return v.is_list();
    case ArgType::Map: return v.is_map();
    case ArgType::Bool: return v.is_bool();
  }
  return false;
}

}  // namespace

// As LambdaMOO's call_bi_func: the count first (E_ARGS), then each typed
// position left to right (E_TYPE).
void Builtins::check_args(int index, std::span<const Value> args) const {
  const BuiltinSpec& s = specs_[size_t(index)];
  long n = long(args.size());
  if (n < s.min_args || (s.max_args >= 0 && n > s.max_args)) throw MooError(E_ARGS);
  size_t typed = s.types.size() < args.size() ? s.types.size() : args.size();
  for (size_t i = 0; i < typed; ++i)
    if (!type_ok(s.types[i], args[i])) throw MooError(E_TYPE);
}

namespace {

// LambdaMOO's prototype codes for function_info(): a type code, -1 for any,
// -2 for a number.
int64_t proto_code(ArgType t) {
  switch (t) {
    case ArgType::Any: return -1;
    case ArgType::Numeric: return -2;
    case ArgType::Int: return int64_t(Type::Int);
    case ArgType::Float: return int64_t(Type::Float);
    case ArgType::Str: return int64_t(Type::Str);
    case ArgType::Obj: return int64_t(Type::Obj);
    case ArgType::Err: return int64_t(Type::Err);
    case ArgType::List: return int64_t(Type::List);
    case ArgType::Map: return int64_t(Type::Map);
    case ArgType::Bool: return int64_t(Type::Bool);
  }
  return -1;
}

Value describe(const BuiltinSpec& s) {
  int n = s.max_args == -1 ? s.min_args : s.max_args;
  Value types = Value::empty_list();
  for (int i = 0; i < n; ++i)
    list_append(types, Value::integer(size_t(i) < s.types.size() ? proto_code(s.types[size_t(i)]) : -1));
  return make_list({Value::str(s.name), Value::integer(s.min_args), Value::integer(s.max_args), types});
}

// function_info([name]): {name, min, max, types} for one builtin, or all.
Value bf_function_info(BuiltinContext&, std::span<Value> args) {
  const Builtins& b = Builtins::instance();
  if (args.size() == 1) {
    int i = b.find(args[0].as_str());
    if (i < 0) throw MooError(E_INVARG);
    return describe(b.at(i));
  }
  Value all = Value::empty_list();
  for (size_t i = 0; i < b.size(); ++i) list_append(all, describe(b.at(int(i))));
  return all;
}

constexpr std::string_view kOverrideState = "call_function: #0:bf_ override";

// call_function(name, @args): a builtin by name. On resumption (the callee
// asked for a verb call) the same arguments reach it again, so it resumes too.
Value bf_call_function(BuiltinContext& ctx, std::span<Value> args) {
  const Builtins& b = Builtins::instance();
  int i = b.find(args[0].as_str());
  if (i < 0) throw MooError(E_INVARG, "Unknown built-in function: " + std::string(args[0].as_str()));
  std::span<Value> rest = args.subspan(1);
  // call_bi_func's protect_<name> handling, as for a direct call: outside a
  // verb on #0, #0:bf_<name>(@args) answers instead, else a non-wizard gets
  // E_PERM. Only on the first entry, as LambdaMOO; the override's result
  // comes back marked by its state.
  if (ctx.resumed && ctx.state.is_list() && ctx.state.list_len() == 1 && ctx.state.list_at(0).is_str() &&
      ctx.state.list_at(0).as_str() == kOverrideState)
    return ctx.resume_value;
  if (!ctx.resumed && ctx.world && ctx.task) {
    World& w = *static_cast<World*>(ctx.world);
    if (w.builtin_protected(i) && ctx.task->frames().back().this_obj != 0) {
      std::string vname = "bf_" + b.at(i).name;
      int64_t definer;
      const Verb* v = w.find_callable_verb(0, vname, &definer);
      if (v && w.program_of(*v)) {  // as WorldHost::find_verb
        Value list = Value::empty_list();
        for (const Value& v : rest) list_append(list, v);
        ctx.call = BuiltinContext::VerbCall{0, vname, std::move(list), make_list({Value::str(kOverrideState)}),
                                            false, nullptr};
        return Value::integer(0);
      }
      if (!w.is_wizard(ctx.progr)) throw MooError(E_PERM);
    }
  }
  b.check_args(i, rest);
  return b.at(i).fn(ctx, rest);
}

}  // namespace

void register_all_builtins() {
  static std::once_flag once;
  std::call_once(once, [] {
    Builtins& b = Builtins::instance();
    register_value_builtins(b);
    register_list_builtins(b);
    register_string_builtins(b);
    register_math_builtins(b);
    register_map_builtins(b);
    register_json_builtins(b);
    register_time_builtins(b);
    register_task_builtins(b);
    bi::register_toast_builtins(b);
    bi::register_pcre_builtins(b);
    b.add({"function_info", 0, 1, {ArgType::Str}, bf_function_info});
    b.add({"call_function", 1, -1, {ArgType::Str}, bf_call_function});
    register_object_builtins(b);
    register_event_builtins(b);
    register_rule_builtins(b);
    register_toast_world_builtins(b);
  });
}

namespace bi {

int64_t server_int_option(BuiltinContext& ctx, const char* name, int64_t fallback) {
  if (!ctx.world) return fallback;
  World& w = *static_cast<World*>(ctx.world);
  if (!w.valid(0) || !w.find_slot(0, "server_options")) return fallback;
  Value so = w.slot_value(0, "server_options");
  if (!so.is_obj() || !w.valid(so.as_obj()) || !w.find_slot(so.as_obj(), name)) return fallback;
  Value v = w.slot_value(so.as_obj(), name);
  return v.is_int() ? v.as_int() : fallback;
}

void wizard_alone(BuiltinContext& ctx, const char* what) {
  if (!ctx.wizard()) raise(E_PERM);
  if (ctx.world) static_cast<World*>(ctx.world)->exclusive_only(what);
}

uint64_t random_u64(BuiltinContext& ctx) {
  if (std::mt19937_64* r = ctx.rng()) return (*r)();
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen();
}

}  // namespace bi

}  // namespace echo
