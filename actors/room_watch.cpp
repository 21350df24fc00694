// Who and what is here, for web sessions: each web session is sent a room
// frame ({"type": "room"}, docs/web.md) whenever what its player could see
// with `look` and `@who` changes: the player's location, the players there
// (connected or not, idle or not), the other objects there, and the room's
// exits.
//
// Polled, not hooked: a watcher actor looks at every web session's room a
// few times a second while there are web sessions, and never otherwise.
// A move costs nothing extra (the command path of issue 21 is untouched, and
// a world with only telnet players pays nothing at all); a check that finds
// nothing changed is a few hash lookups per web session: the room's version
// (World bumps it at every change of the room, its contents included) and
// presence_epoch_ (bumped at every login and hang-up) against the ones last
// seen. A full look, for idle times and renamed things, comes every
// kFullCheckSeconds; a frame goes only when it differs from the last one.
//
// Honest: the frame shows the committed world. Under mu with no token held
// nothing uncommitted is in the world, and the frame goes out after the WAL
// sync of the last write (publish_output); with the token held (an exclusive
// segment between slices, whose in-place changes are never rolled back) it
// waits for that segment's commit, like the segment's own output.
#include "actors/runtime_impl.h"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>

#include "lang/map.h"

namespace echo::actors {

namespace {

using room_tick_atom = caf::atom_constant<caf::atom("roomtick")>;

constexpr auto kTick = std::chrono::milliseconds(200);
constexpr double kFullCheckSeconds = 5;
constexpr double kIdleSeconds = 60;      // shown idle from then on (the client counts the minutes)
constexpr size_t kMaxListed = 100;       // players, and things, listed in a frame; "more" counts the rest
constexpr size_t kMaxNameBytes = 200;    // a longer name is cut (at a UTF-8 boundary)
constexpr size_t kCrowd = 20;            // more players and things than this: a crowd
constexpr double kCrowdedSeconds = 1;    // between a crowd's frames to one session

std::string short_name(const std::string& s) {
  if (s.size() <= kMaxNameBytes) return s;
  size_t n = kMaxNameBytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // not inside a character
  return s.substr(0, n) + "...";
}

void set(Value& m, const char* k, Value v) { m.map_mut()->set(Value::str(k), std::move(v)); }

caf::behavior room_watcher(caf::event_based_actor* self, Runtime* rt) {
  self->delayed_send(self, kTick, room_tick_atom::value);
  return {
      [=](room_tick_atom) {
        if (rt->web_sessions_watched() > 0) {
          auto t0 = std::chrono::steady_clock::now();
          rt->check_rooms();
          rt->record("room watch", "monitor",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        self->delayed_send(self, kTick, room_tick_atom::value);
      },
  };
}

}  // namespace

void Runtime::watch_room(ConnHandle h) {
  room_watch_[h] = RoomSeen{};
  web_watched_.store(room_watch_.size(), std::memory_order_relaxed);
  if (!room_watcher_) room_watcher_ = sys_->spawn(room_watcher, this);
}

bool Runtime::room_again(ConnHandle h) {
  auto it = room_watch_.find(h);
  Connection* c = it == room_watch_.end() ? nullptr : conn_by_handle(h);
  if (!c || !c->web || c->closed || !c->out) return false;
  it->second = RoomSeen{};
  RoomLooks looks;
  check_room(*c, it->second, looks, unix_now(), false);  // this one only: a client may ask 50 times a second
  return true;
}

void Runtime::check_rooms() {
  std::lock_guard<WorldLock> lk(mu);
  check_rooms_locked();
}

// Who may see what in the room: the same for everyone, unless the room's
// exits, or the builtin name and contents ($server_options.protect_*), are
// not for everyone to read. Sessions with the same class share a look.
int64_t Runtime::room_viewer_class(int64_t player, int64_t room) {
  if (world_->is_wizard(player)) return -1;
  const PropSlot* s = room == NOTHING ? nullptr : world_->find_slot(room, "exits");
  return s && !(s->perms & PF_READ) ? player : 0;
}

// The room as `player` sees it (what `look` shows a telnet player, by the
// same permissions): the frame's data, and its key (the frame with idle
// seconds as idle or not: they change all the time).
Runtime::RoomView Runtime::room_view(int64_t player, double now) {
  RoomView v;
  const Object* p = world_->get(player);
  int64_t room = p ? p->location : NOTHING;
  const Object* r = room == NOTHING ? nullptr : world_->get(room);
  bool wizard = world_->is_wizard(player);
  bool names = wizard || !world_->builtin_prop_protected(BuiltinProp::Name);
  bool contents = wizard || !world_->builtin_prop_protected(BuiltinProp::Contents);
  auto name_of = [&](const Object* o) { return names ? short_name(o->name) : "#" + std::to_string(o->id); };
  v.data = Value::empty_map();
  set(v.data, "room", Value::obj(r ? room : NOTHING));
  set(v.data, "name", Value::str(r ? name_of(r) : std::string()));
  v.key = std::to_string(r ? room : NOTHING) + '\n' + (r ? name_of(r) : std::string()) + '\n';
  Value players = Value::empty_list(), things = Value::empty_list(), exits = Value::empty_list();
  size_t np = 0, nt = 0, more = 0;
  for (int64_t id : r && contents ? r->contents : std::vector<int64_t>{}) {
    const Object* o = world_->get(id);
    if (!o) continue;
    bool is_player = world_->is_player(id);
    if ((is_player ? np : nt) >= kMaxListed) {
      ++more;
      continue;
    }
    Value item = Value::empty_map();
    set(item, "obj", Value::obj(id));
    set(item, "name", Value::str(name_of(o)));
    v.key += std::to_string(id) + ' ' + name_of(o);
    if (is_player) {
      Connection* c = conn_by_id(id);
      bool connected = c && c->connected_at > 0;
      double idle = connected ? std::max(0.0, now - c->last_activity) : 0;
      set(item, "connected", Value::boolean(connected));
      if (connected) set(item, "idle", Value::integer(int64_t(idle)));
      v.key += connected ? (idle >= kIdleSeconds ? " idle" : " here") : " away";
      list_append(players, std::move(item));
      ++np;
    } else {
      list_append(things, std::move(item));
      ++nt;
    }
    v.key += '\n';
  }
  // The room's `exits` (LambdaCore's and the default world's), when the
  // player may read it: a list of objects, each shown by name.
  const PropSlot* slot = r ? world_->find_slot(room, "exits") : nullptr;
  if (slot && ((slot->perms & PF_READ) || slot->owner == player || wizard)) {
    Value l = world_->slot_value(room, "exits");
    size_t ne = 0;
    for (uint32_t i = 0; l.is_list() && i < l.list_len() && ne < kMaxListed; ++i) {
      const Value& e = l.list_at(i);
      const Object* o = e.is_obj() ? world_->get(e.as_obj()) : nullptr;
      if (!o) continue;
      Value item = Value::empty_map();
      set(item, "obj", Value::obj(o->id));
      set(item, "name", Value::str(name_of(o)));
      v.key += "exit " + std::to_string(o->id) + ' ' + name_of(o) + '\n';
      list_append(exits, std::move(item));
      ++ne;
    }
  }
  set(v.data, "players", std::move(players));
  set(v.data, "things", std::move(things));
  set(v.data, "exits", std::move(exits));
  set(v.data, "more", Value::integer(int64_t(more)));
  v.crowded = np + nt + more > kCrowd;
  v.key_hash = std::hash<std::string>{}(v.key);
  v.key += std::to_string(more);
  return v;
}

void Runtime::check_rooms_locked() {
  if (stopping_) return;
  double now = unix_now();
  bool full = now - room_full_at_ >= kFullCheckSeconds;
  if (full) room_full_at_ = now;
  RoomLooks looks;  // sessions in one room share its look (999 listeners in a hall: one)
  for (auto it = room_watch_.begin(); it != room_watch_.end();) {
    Connection* c = conn_by_handle(it->first);
    if (!c || !c->web || c->closed || !c->out) {
      it = room_watch_.erase(it);
      continue;
    }
    check_room(*c, it->second, looks, now, full);
    ++it;
  }
  web_watched_.store(room_watch_.size(), std::memory_order_relaxed);
}

void Runtime::check_room(Connection& c, RoomSeen& s, RoomLooks& looks, double now, bool full) {
  if (c.id < 0) return;
  const Object* p = world_->get(c.id);
  int64_t room = p ? p->location : NOTHING;
  const Object* r = room == NOTHING ? nullptr : world_->get(room);
  uint64_t version = r ? r->version : 0;
  if (!full && s.sent && s.room == room && s.version == version && s.epoch == presence_epoch_) return;
  std::pair<int64_t, int64_t> look{room, room_viewer_class(c.id, room)};
  auto at = looks.find(look);
  if (at == looks.end()) at = looks.emplace(look, room_view(c.id, now)).first;
  bool same = s.sent && s.key == at->second.key_hash;
  // A crowd's frames are big and change often (each login there): one a
  // second at most, the change looked at again at the next tick.
  if (!same && s.sent && at->second.crowded && now - s.sent_at < kCrowdedSeconds) return;
  s.room = room;
  s.version = version;
  s.epoch = presence_epoch_;
  if (same) return;
  s.sent = true;
  s.sent_at = now;
  s.key = at->second.key_hash;
  c.out->push_event(make_list({Value::str("room"), at->second.data}), max_queued_output());
  if (token_ == 0)
    publish_output(c);  // nothing uncommitted anywhere: out once the last write is durable
  else
    touch(c);  // an exclusive segment is between slices: out with its commit
}

}  // namespace echo::actors
