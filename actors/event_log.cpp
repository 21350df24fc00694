// The event log: the `events` column family, append-only, each entry
// written in the batch of the commit that caused it (Runtime::commit takes
// pending_events_). Entries: emitted Echo events ("event"), connections
// ("connect", "disconnect"), logins ("login", "login_failed"), uncaught
// task errors ("task_error") and checkpoints ("checkpoint"). Wizards read it
// with event_log() and GET /api/events.
#include "actors/runtime_impl.h"

#include <strings.h>

#include "lang/builtins.h"
#include "lang/map.h"

namespace echo::actors {

// Echo's defaults, for worlds whose $server_options say nothing.
constexpr int64_t kEventLogMaxCount = 100000;
constexpr int64_t kEventLogMaxDays = 30;
constexpr size_t kEventLogMaxRead = 1000;

void Runtime::log_event(std::string type, int64_t source, int64_t target, int64_t player, Value payload) {
  if (!store_) return;
  if (event_seq_ == 0) event_seq_ = store_->last_event_seq();
  storage::EventRecord r;
  r.seq = ++event_seq_;
  r.time = unix_now();
  r.type = std::move(type);
  r.source = source;
  r.target = target;
  r.player = player;
  r.payload = std::move(payload);
  pending_events_.push_back(std::move(r));
}

void Runtime::take_events(storage::Batch& b) {
  for (const auto& ev : pending_events_) b.put_event(ev);
  pending_events_.clear();
}

void ServerHost::record_event(std::string_view name, int64_t source, int64_t target, int64_t player,
                              const Value& args) {
  // Logged only by a segment that cannot be rolled back.
  the_world().exclusive_only("an event log entry");
  rt_.log_event("event", source, target, player, make_list({Value::str(name), args}));
  rt_.push_client_events(name, source, target, args);
}

void ServerHost::set_property(int64_t obj, std::string_view name, Value v, int64_t progr) {
  // Every property write comes here: compared in place, no allocation.
  bool password = name.size() == 8 && strncasecmp(name.data(), "password", 8) == 0 && the_world().is_player(obj);
  if (password) the_world().exclusive_only("a password change");  // sessions end: not undone
  WorldHost::set_property(obj, name, std::move(v), progr);
  if (password) rt_.revoke_web_sessions(obj);
}

void Runtime::push_client_events(std::string_view name, int64_t source, int64_t target, const Value& args) {
  std::optional<Value> ev;
  // Only web sessions take events: those the room watch knows (a few stale
  // ones included), not every connection, so an emit() costs nothing on a
  // world with no browser open.
  for (const auto& [h, seen] : room_watch_) {
    Connection* conn = conn_by_handle(h);
    if (!conn) continue;
    Connection& c = *conn;
    if (!c.web || c.closed || !c.out || c.id < 0) continue;
    const Object* p = world_->get(c.id);
    bool sees = target == c.id || (p && target == p->location) || c.subscriptions.count(target);
    if (!sees) continue;
    if (!ev) ev = make_list({Value::str(name), Value::obj(source), Value::obj(target), args});
    c.out->push_event(*ev, max_queued_output());
    touch(c);
  }
}

bool Runtime::push_client_event(int64_t player, std::string_view name, int64_t source, const Value& data) {
  bool any = false;
  Value ev = make_list({Value::str(name), Value::obj(source), Value::obj(player), data});
  for_each_conn_of(player, [&](Connection& c) {
    if (!c.web || !c.out) return;
    c.out->push_event(ev, max_queued_output());
    touch(c);
    any = true;
  });
  return any;
}

// client_event(player, name [, data]): an event frame to the player's web
// sessions (a browser client's ui_update ...); 1 if it has one, else 0.
// For the player itself, its owner or a wizard, as notify() is.
Value bf_client_event(BuiltinContext& ctx, std::span<Value> a) {
  Runtime* rt = current_runtime();
  if (!rt) throw MooError(E_PERM);
  int64_t player = a[0].as_obj();
  World& w = rt->world();
  if (!ctx.wizard() && ctx.progr != player && !(w.valid(player) && w.get(player)->owner == ctx.progr))
    throw MooError(E_PERM);
  if (a[1].as_str().empty()) throw MooError(E_INVARG, "an event needs a name");
  int64_t source = ctx.task && !ctx.task->frames().empty() ? ctx.task->frames().back().this_obj : NOTHING;
  return Value::integer(rt->push_client_event(player, a[1].as_str(), source, a.size() > 2 ? a[2] : Value::null()));
}

void Runtime::trim_event_log() {
  if (!store_) return;
  int64_t count = server_int_option("event_log_max_count", kEventLogMaxCount);
  int64_t days = server_int_option("event_log_max_days", kEventLogMaxDays);
  try {
    store_->trim_events(count > 0 ? uint64_t(count) : UINT64_MAX, days > 0 ? unix_now() - double(days) * 86400 : 0);
  } catch (const std::exception& e) {
    log(std::string("EVENT LOG: trimming failed: ") + e.what());
  }
}

Value Runtime::read_event_log(uint64_t since, size_t limit, const std::string& type, uint64_t* next_since) {
  limit = std::min(limit, kEventLogMaxRead);
  auto filter = [&](const storage::EventRecord& r) { return type.empty() || r.type == type; };
  storage::EventPage page = store_->read_events(since, limit, filter);
  Value out = Value::empty_list();
  for (const auto& r : page.events) {
    Value m = Value::empty_map();
    auto set = [&](const char* k, Value v) { m.map_mut()->set(Value::str(k), std::move(v)); };
    set("seq", Value::integer(int64_t(r.seq)));
    set("time", Value::flt(r.time));
    set("type", Value::str(r.type));
    set("source", Value::obj(r.source));
    set("target", Value::obj(r.target));
    set("player", Value::obj(r.player));
    set("data", r.payload);
    list_append(out, std::move(m));
  }
  if (next_since) *next_since = page.next_since;
  return out;
}

// event_log([since [, limit [, type]]]): the entries after `since`, oldest
// first, at most `limit` (100 by default, 1000 at most), of one type if
// given; each a map of seq, time, type, source, target, player and data.
// Wizards only.
Value bf_event_log(BuiltinContext& ctx, std::span<Value> a) {
  if (!ctx.wizard()) throw MooError(E_PERM);
  int64_t since = a.size() > 0 ? a[0].as_int() : 0;
  int64_t limit = a.size() > 1 ? a[1].as_int() : 100;
  if (since < 0 || limit < 0) throw MooError(E_INVARG);
  std::string type = a.size() > 2 ? std::string(a[2].as_str()) : std::string();
  Runtime* rt = current_runtime();
  if (!rt) throw MooError(E_PERM);
  return rt->read_event_log(uint64_t(since), size_t(limit), type, nullptr);
}

}  // namespace echo::actors
