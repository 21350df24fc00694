// ToastStunt's task and statistics builtins that need the running server:
// queue_info() and finished_tasks() (tasks.cc, execute.cc there), threads()
// and thread_pool() (background.cc), log_cache_stats() (extensions.cc).
// Their arguments, permissions and errors are ToastStunt's; where Echo's
// runtime differs, the comment says what each figure is here.
#include <cstdio>
#include <set>
#include <string>

#include "actors/server_builtins.h"

namespace echo::actors {

namespace {

using bi::raise;

// queue_info() (anyone): the players (or negative connection numbers) with
// a task queue: an open connection, an unconnected input queue
// (force_input() to a player nobody is connected as) or queued tasks.
// queue_info(player): for a wizard, its queue as a map (0 if it has none);
// for anyone else, how many tasks it has queued (tqueue.num_bg_tasks: those
// its queued_task_limit counts).
Value bf_queue_info(BuiltinContext& ctx, std::span<Value> a) {
  Runtime& rt = rt_of();
  if (a.empty()) {
    std::set<int64_t> ids;  // ToastStunt's order is its lists'; Echo's ascending
    for (Connection* c : rt.task_queues()) ids.insert(c->id);
    for (int64_t progr : rt.queued_task_owners()) ids.insert(progr);
    Value out = Value::empty_list();
    for (int64_t id : ids) list_append(out, Value::obj(id));
    return out;
  }
  int64_t who = a[0].as_obj();
  int64_t queued = rt.queued_tasks_of(who);
  if (!is_wiz(ctx)) return Value::integer(queued);
  Connection* c = rt.conn_by_id(who);
  if (!c) c = rt.unconnected_queue(who);
  if (!c && queued == 0) return Value::integer(0);
  int64_t input_bytes = 0;
  if (c)
    for (const std::string& line : c->input) input_bytes += int64_t(line.size());
  Value m = Value::empty_map();
  auto set = [&](const char* k, Value v) { m.map_mut()->set(Value::str(k), std::move(v)); };
  set("player", Value::obj(who));
  set("handler", Value::obj(c ? c->listener : 0));
  set("connected", Value::boolean(c && !c->detached));
  set("total_input_length", Value::integer(input_bytes));
  set("last_input_task_id", Value::integer(c ? c->last_input_task : 0));
  // The session stopped reading until the queued lines are taken (InputMeter).
  set("input_suspended", Value::boolean(c && c->out && c->out->input.halted.load()));
  // ToastStunt's scheduler shares time by the seconds each queue has used;
  // Echo's token queue does not count them.
  set("usage", Value::integer(0));
  set("num_bg_tasks", Value::integer(queued));
  // (ToastStunt's shows `usage` here, a slip; this is the option's value.)
  set("hold_input", Value::boolean(c && c->hold_input));
  set("disable_oob", Value::boolean(c && c->disable_oob));
  set("reading", Value::boolean(c && c->reading_task != 0));
  set("parsing", Value::boolean(c && c->http != nullptr));  // a read_http() in progress
  set("reading_task_id", Value::integer(c ? c->reading_task : 0));
  return m;
}

// finished_tasks() (wizards only): ToastStunt's list of the last segments
// run (SAVE_FINISHED_TASKS builds), oldest first, at most
// $server_options.finished_tasks_limit of them; with the option unset or
// not above 0 none is kept (ToastStunt then keeps 15, or 1 for 0, in the
// builds that have it; the default build has no finished_tasks() at all).
// Each is a map: this, player, programmer, receiver (Echo keeps none apart:
// `this`), object (where the verb is defined) and verb, fullverb ("n/a" if
// none) of the frame it started in, foreground, suspended (it ended in
// suspend(), read() or a background builtin), and time (its slices' seconds).
Value bf_finished_tasks(BuiltinContext& ctx, std::span<Value>) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Value out = Value::empty_list();
  for (const FinishedTask& f : rt_of().finished_tasks()) {
    Value m = Value::empty_map();
    auto set = [&](const char* k, Value v) { m.map_mut()->set(Value::str(k), std::move(v)); };
    set("this", Value::obj(f.this_obj));
    set("player", Value::obj(f.player));
    set("programmer", Value::obj(f.progr));
    set("receiver", Value::obj(f.this_obj));
    set("object", Value::obj(f.definer));
    set("verb", Value::str(f.verb.empty() ? "n/a" : f.verb));
    set("fullverb", Value::str(f.fullverb.empty() ? "n/a" : f.fullverb));
    set("foreground", Value::integer(f.foreground));
    set("suspended", Value::integer(f.suspended));
    set("time", Value::flt(f.seconds));
    list_append(out, std::move(m));
  }
  return out;
}

// threads() (wizards only): the handles of the builtins' work running in
// the background now (crypt(), argon2(), exec() ...: one thread each), the
// numbers queued_tasks() shows as "waiting on thread N" (exec()'s show its
// program instead). Work whose task was killed is listed until it ends.
Value bf_threads(BuiltinContext& ctx, std::span<Value>) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Value out = Value::empty_list();
  for (int64_t h : rt_of().background_handles()) list_append(out, Value::integer(h));
  return out;
}

// thread_pool(function, pool [, value]) (wizards only): "INIT" of the
// "MAIN" pool with `value` threads (0 when absent), as ToastStunt's, which
// are the only ones it knows. Echo starts a thread per piece of work rather
// than keeping a pool, so the value is how many may run at once (16 at
// start); past it, such builtins raise E_QUOTA, and with 0 they all do
// (ToastStunt's has no pool left then). Work already running goes on.
// Returns 1.
Value bf_thread_pool(BuiltinContext& ctx, std::span<Value> a) {
  if (!is_wiz(ctx)) raise(E_PERM);
  std::string_view func = a[0].as_str(), pool = a[1].as_str();
  int64_t value = a.size() > 2 ? a[2].as_int() : 0;
  if (pool != "MAIN") raise(E_INVARG, "Invalid thread pool", Value::str(pool));
  if (func != "INIT") raise(E_INVARG, "Invalid function", Value::str(func));
  // Past 65535: ToastStunt's 16-bit handles would repeat.
  if (value < 0 || value > Runtime::kMaxHandle) raise(E_INVARG, "Invalid number of threads", Value::integer(value));
  rt_of().set_background_threads(int(value));
  return Value::integer(1);
}

// log_cache_stats() (wizards only): verb_cache_stats()'s figures to the
// server log, in LambdaMOO's words (db_log_cache_stats); returns 0.
Value bf_log_cache_stats(BuiltinContext& ctx, std::span<Value>) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Runtime& rt = rt_of();
  World::VerbCacheStats s = rt.world().verb_cache_stats();
  rt.log("Verb cache stat summary: " + std::to_string(s.hits) + " hits, " + std::to_string(s.misses) +
         " misses, " + std::to_string(s.generations) + " generations");
  rt.log("Depth   Count");
  char line[64];
  for (size_t i = 0; i < s.depths.size(); ++i) {
    std::snprintf(line, sizeof line, "%-5zu   %-5lld", i, static_cast<long long>(s.depths[i]));
    rt.log(line);
  }
  rt.log("---");
  return Value::integer(0);
}

}  // namespace

void register_toast_task_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"queue_info", 0, 1, {A::Obj}, exclusive<bf_queue_info>});
  b.add({"finished_tasks", 0, 0, {}, exclusive<bf_finished_tasks>});
  b.add({"threads", 0, 0, {}, exclusive<bf_threads>});
  b.add({"thread_pool", 2, 3, {A::Str, A::Str, A::Int}, exclusive<bf_thread_pool>});
  b.add({"log_cache_stats", 0, 0, {}, exclusive<bf_log_cache_stats>});
}

}  // namespace echo::actors
