// The runtime's side of the web layer (actors/web.h): logins and session
// tokens, and the HTTP API's requests, each run holding mu (reads) or as a
// task through an object's actor (calls and changes), with the player's
// permissions.
#include "actors/runtime_impl.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <deque>
#include <set>

#include "lang/compiler.h"
#include "lang/map.h"

namespace echo::actors {

// Sessions last 30 days from their login (Echo's own default; last_used is
// written at login and not kept up to date yet).
constexpr double kSessionSeconds = 30 * 24 * 3600.0;
// Outcomes of tasks answered 202, kept for TaskResult (oldest dropped).
constexpr size_t kKeptResults = 1000;

struct WebState {
  std::mutex mu;  // not the runtime's mu: authenticate() never waits for a slice
  struct Cached {
    int64_t player;
    double expires;
  };
  std::unordered_map<std::string, Cached> sessions;  // by token hash
  // Tasks answered 202, by id: the player who asked (only they, or a
  // wizard, may read the outcome).
  std::map<int64_t, int64_t> running;
  std::map<int64_t, std::pair<int64_t, WebReply>> results;
  std::deque<int64_t> result_order;
  std::shared_ptr<const Program> put_property, put_verb, emit_event;  // compiled once
  std::shared_ptr<const Program> add_verb, delete_verb, add_property, delete_property;
  std::shared_ptr<const Program> create, recycle, queued_tasks, kill_task;  // the RPC API's
};

std::shared_ptr<WebState> make_web_state() { return std::make_shared<WebState>(); }

namespace {

std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(d[p[i] >> 4]);
    s.push_back(d[p[i] & 15]);
  }
  return s;
}

std::string new_token() {
  unsigned char b[32];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("no random bytes for a session token");
  return hex(b, sizeof b);
}

// What the store keeps of a token: its SHA-256, 32 raw bytes. Looking a
// hash up leaks nothing an attacker can use (they cannot choose a hash's
// preimage), so the lookup need not be constant-time.
std::string token_hash(const std::string& token) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(token.data(), token.size(), d, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(d), n);
}

Value mkmap(std::initializer_list<std::pair<const char*, Value>> kv) {
  Value m = Value::empty_map();
  for (auto& [k, v] : kv) m.map_mut()->set(Value::str(k), v);
  return m;
}

Value obj_list(const std::vector<int64_t>& ids) {
  Value l = Value::empty_list();
  for (int64_t id : ids) list_append(l, Value::obj(id));
  return l;
}

std::string perm_string(uint8_t perms, const char* letters) {
  std::string s;
  for (int i = 0; letters[i]; ++i)
    if (perms & (1 << i)) s.push_back(letters[i]);
  return s;
}

const char* argspec_name(int8_t a) { return a == ASPEC_ANY ? "any" : a == ASPEC_THIS ? "this" : "none"; }

std::shared_ptr<const Program> compile_or_die(const char* src) {
  CompileResult r = compile_moo(src);
  if (!r.ok()) throw std::logic_error(std::string("web template: ") + r.errors[0].to_string());
  return r.program;
}

// The HTTP status for an uncaught MOO error: E_PERM is 403, a missing
// object, property or verb 404, anything else the verb's own failure (422).
int status_for(const Value& code) {
  if (!code.is_err()) return 422;
  switch (code.as_err()) {
    case E_PERM: return 403;
    case E_INVIND: case E_PROPNF: case E_VERBNF: return 404;
    default: return 422;
  }
}

}  // namespace

WebReply WebReply::ok(Value body, int status) {
  WebReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

WebReply WebReply::fail(int status, std::string error, std::string message) {
  WebReply r;
  r.status = status;
  r.error = std::move(error);
  r.message = std::move(message);
  return r;
}

// ---- WebPort ---------------------------------------------------------------------

void WebPort::login(const std::string& name, const std::string& password, const std::string& address,
                    std::function<void(WebLogin)> done, bool create) const {
  Runtime* r = rt;
  Runtime::InboxEvent open;
  open.kind = Runtime::InboxEvent::Open;
  open.handle = r->next_handle_.fetch_add(1);
  open.name = "web " + address;
  open.login_watch = [r, done = std::move(done), address, create](int64_t player) {
    WebLogin out;
    if (player < 0) {
      out.message = create ? "The world did not create that player (the name may be taken, or it makes none)."
                           : "Either that player does not exist, or has a different password.";
      done(std::move(out));
      return;
    }
    out.player = player;
    out.token = new_token();
    double now = unix_now();
    out.expires = now + kSessionSeconds;
    storage::SessionRecord rec;
    rec.player = player;
    rec.created = rec.last_used = now;
    rec.expires = out.expires;
    rec.remote_addr = address;
    std::string h = token_hash(out.token);
    storage::Batch b;
    b.put_session(h, rec);
    r->store_->commit(b);
    {
      std::lock_guard<std::mutex> lk(r->web_->mu);
      r->web_->sessions[h] = WebState::Cached{player, out.expires};
    }
    r->log("WEB LOGIN: #" + std::to_string(player) + " from " + address);
    done(std::move(out));
  };
  ConnHandle h = open.handle;
  r->post(std::move(open));
  // LambdaMOO's login words: quoted as a telnet client would type them,
  // and, as telnet's line filter does, without control characters (a
  // newline would end the line early).
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7F) continue;
      if (c == '"' || c == '\\') q.push_back('\\');
      q.push_back(c);
    }
    return q + "\"";
  };
  Runtime::InboxEvent line;
  line.kind = Runtime::InboxEvent::Lines;
  line.handle = h;
  // No password: "connect NAME", as a telnet player of a world without
  // passwords types it (LambdaCore's wizard).
  line.lines.push_back((create ? "create " : "connect ") + quote(name) +
                       (password.empty() ? "" : " " + quote(password)));
  r->post(std::move(line));
}

int64_t WebPort::authenticate(const std::string& token) const {
  if (token.size() != 64) return -1;
  std::string h = token_hash(token);
  double now = unix_now();
  WebState& ws = *rt->web_;
  {
    std::lock_guard<std::mutex> lk(ws.mu);
    if (auto it = ws.sessions.find(h); it != ws.sessions.end())
      return it->second.expires > now ? it->second.player : -1;
  }
  // Not seen since the server started: the store has it, if anyone.
  std::optional<storage::SessionRecord> rec;
  try {
    rec = rt->store_->get_session(h);
  } catch (const std::exception& e) {
    rt->log(std::string("WEB: a session record cannot be read: ") + e.what());
    return -1;
  }
  if (!rec || rec->expires <= now) return -1;
  std::lock_guard<std::mutex> lk(ws.mu);
  ws.sessions[h] = WebState::Cached{rec->player, rec->expires};
  return rec->player;
}

void WebPort::logout(const std::string& token) const {
  std::string h = token_hash(token);
  {
    std::lock_guard<std::mutex> lk(rt->web_->mu);
    rt->web_->sessions.erase(h);
  }
  storage::Batch b;
  b.delete_session(h);
  rt->store_->commit(b);
}

void WebPort::request(WebRequest req, WebDone done) const {
  Runtime* r = rt;
  Runtime::InboxEvent ev;
  ev.kind = Runtime::InboxEvent::Call;
  auto shared = std::make_shared<WebRequest>(std::move(req));
  // Answered once, whoever answers first: the request's own path, or the
  // 500 below if it throws after handing the answer on (to a task, say).
  auto once = std::make_shared<WebDone>(std::move(done));
  WebDone reply = [once](WebReply a) {
    if (WebDone f = std::exchange(*once, nullptr)) f(std::move(a));
  };
  ev.call = [r, shared, reply]() {
    try {
      r->web_request(*shared, reply);
    } catch (const std::exception& e) {
      r->log(std::string("WEB: a request failed in the server: ") + e.what());
      reply(WebReply::fail(500, "server_error", e.what()));
    }
  };
  r->post(std::move(ev));
}

Session WebPort::open_as(caf::actor session, const std::string& name, int64_t player,
                         std::shared_ptr<const void> hold) const {
  return rt->open_session(std::move(session), name, std::move(hold), player);
}

WebPort::Health WebPort::health() const {
  Health h;
  std::shared_lock<WorldLock> lk(rt->mu);
  h.store_writable = !rt->stopping_;
  h.tasks = rt->tasks_.size();
  h.connections = rt->by_id_.size();
  h.actors = rt->objects_.size() + rt->tasks_.size();
  h.commits = rt->commits_.load();
  h.conflicts = rt->spec_conflicts_.load();
  h.reruns = rt->spec_exclusive_.load();
  h.uptime_seconds = unix_now() - rt->started_at_;
  h.unsynced_commits = rt->written_seq_ - rt->synced_seq_;
  return h;
}

// ---- the runtime's side (mu held) ------------------------------------------------

void Runtime::web_login_done(Connection& c, int64_t player) {
  auto watch = std::move(c.login_watch);
  c.login_watch = nullptr;
  close_connection(c, nullptr);  // the login only authenticates: no user_connected
  if (watch) watch(player);
}

void Runtime::revoke_web_sessions(int64_t player) {
  if (!web_) return;
  {
    std::lock_guard<std::mutex> lk(web_->mu);
    std::erase_if(web_->sessions, [&](auto& kv) { return kv.second.player == player; });
  }
  storage::Batch b;
  store_->for_each_session([&](std::string_view h, const storage::SessionRecord& s) {
    if (s.player == player) b.delete_session(h);
  });
  if (!b.empty()) write_batch(b);
}

void Runtime::web_task_suspended(TaskEntry& e) {
  auto reply = std::exchange(e.web_reply, nullptr);
  e.web_later = true;
  {
    std::lock_guard<std::mutex> lk(web_->mu);
    web_->running[e.id] = e.player;
  }
  reply(WebReply::ok(mkmap({{"task", Value::integer(e.id)}}), 202));
}

namespace {
void keep_result(WebState& ws, int64_t id, int64_t player, WebReply r) {
  std::lock_guard<std::mutex> lk(ws.mu);
  ws.running.erase(id);
  ws.results[id] = {player, std::move(r)};
  ws.result_order.push_back(id);
  while (ws.result_order.size() > kKeptResults) {
    ws.results.erase(ws.result_order.front());
    ws.result_order.pop_front();
  }
}
}  // namespace

void Runtime::web_task_end(TaskEntry& e, TaskStatus st, Task* t) {
  WebReply r;
  if (st == TaskStatus::Done && e.job.verb == "web:emit") {  // POST /api/events
    r = WebReply::ok(mkmap({{"event", Value::integer(e.id)}, {"handlers", t->result()}}), 202);
  } else if (st == TaskStatus::Done) {
    r = WebReply::ok(mkmap({{"result", t->result()}}));
  } else if (st == TaskStatus::Error) {
    const RaisedError& err = t->error();
    r = WebReply::fail(status_for(err.code), err.code.is_err() ? error_name(err.code.as_err()) : "error",
                       err.message);
    r.traceback = err.traceback;
  } else {
    r = WebReply::fail(422, "aborted",
                       st == TaskStatus::AbortedTicks ? "Task ran out of ticks" : "Task ran out of seconds");
    r.traceback = t->abort_traceback();
  }
  if (e.web_reply) {
    std::exchange(e.web_reply, nullptr)(std::move(r));
  } else if (e.web_later) {
    e.web_later = false;
    keep_result(*web_, e.id, e.player, std::move(r));
  }
}

void Runtime::web_task_gone(TaskEntry& e) {
  WebReply r = WebReply::fail(409, "killed", "the task was killed before it ended");
  if (e.web_reply)
    std::exchange(e.web_reply, nullptr)(std::move(r));
  else if (e.web_later)
    keep_result(*web_, e.id, e.player, std::move(r));
  e.web_later = false;
}

namespace {

// "#12", "12" or "$name" (a property of #0 holding an object); -2 when none.
int64_t resolve_object(World& w, const std::string& s) {
  if (s.empty()) return -2;
  if (s[0] == '$') {
    std::string name = s.substr(1);
    if (name.empty() || !w.valid(0)) return -2;
    const PropSlot* slot = w.find_slot(0, name);
    if (!slot) return -2;
    Value v = w.slot_value(0, name);
    return v.is_obj() ? v.as_obj() : -2;
  }
  size_t i = s[0] == '#' ? 1 : 0;
  if (i >= s.size()) return -2;
  bool neg = s[i] == '-';
  if (neg) ++i;
  if (i >= s.size() || s.size() - i > 18) return -2;
  int64_t n = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return -2;
    n = n * 10 + (s[i] - '0');
  }
  return neg ? -n : n;
}

Value flag_list(const Object& o) {
  Value l = Value::empty_list();
  static const std::pair<int, const char*> kFlags[] = {{FLAG_USER, "player"},   {FLAG_PROGRAMMER, "programmer"},
                                                      {FLAG_WIZARD, "wizard"}, {FLAG_READ, "read"},
                                                      {FLAG_WRITE, "write"},   {FLAG_FERTILE, "fertile"}};
  for (auto& [bit, name] : kFlags)
    if (o.has_flag(bit)) list_append(l, Value::str(name));
  return l;
}

Value verb_args(const Verb& v) {
  return make_list(
      {Value::str(argspec_name(v.dobj)), Value::str(unparse_prep(v.prep)), Value::str(argspec_name(v.iobj))});
}

bool verb_readable(World& w, const Verb& v, int64_t who) {
  return (v.perms & VF_READ) || v.owner == who || w.is_wizard(who);
}

// An object's own verbs, without their code (shown only to whoever may read
// the object).
Value verb_list(const Object& o) {
  Value verbs = Value::empty_list();
  for (const Verb& v : o.verbs)
    list_append(verbs, mkmap({{"names", Value::str(v.names)},
                              {"owner", Value::obj(v.owner)},
                              {"perms", Value::str(perm_string(v.perms, "rwxd"))},
                              {"args", verb_args(v)},
                              {"syntax", Value::str(syntax_name(v.syntax))}}));
  return verbs;
}

// GET /api/objects/{id}: what `who` may see of `id` (LambdaMOO's rules: a
// property whose r bit is set or that `who` owns; the verbs when the object
// is readable, each one's code only through GET .../verbs/{name}).
Value describe_object(World& w, int64_t id, int64_t who) {
  const Object& o = *w.get(id);
  Value props = Value::empty_list();
  std::vector<int64_t> chain = w.ancestors(id);
  chain.insert(chain.begin(), id);
  bool wizard = w.is_wizard(who);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // definers, oldest first
    const Object* d = w.get(*it);
    if (!d) continue;
    for (const std::string& name : d->propdefs) {
      const PropSlot* slot = w.find_slot(id, name);
      if (!slot) continue;
      if (!(slot->perms & PF_READ) && slot->owner != who && !wizard) continue;
      list_append(props, mkmap({{"name", Value::str(name)},
                                {"value", w.slot_value(id, name)},
                                {"owner", Value::obj(slot->owner)},
                                {"perms", Value::str(perm_string(slot->perms, "rwc"))},
                                {"definer", Value::obj(*it)}}));
    }
  }
  Value out = mkmap({{"id", Value::obj(id)},
                     {"name", Value::str(o.name)},
                     {"owner", Value::obj(o.owner)},
                     {"parents", obj_list(o.parents)},
                     {"location", Value::obj(o.location)},
                     {"contents", obj_list(o.contents)},
                     {"children", obj_list(o.children)},
                     {"flags", flag_list(o)},
                     {"properties", props}});
  // Every object named above, by number: names are public (as `.name` is),
  // and a browser should not need a request per reference to show them.
  Value names = Value::empty_map();
  auto name_of = [&](int64_t ref) {
    if (const Object* r = ref >= 0 ? w.get(ref) : nullptr)
      names.map_mut()->set(Value::str(std::to_string(ref)), Value::str(r->name));
  };
  name_of(id);
  name_of(o.owner);
  name_of(o.location);
  for (const auto* refs : {&o.parents, &o.contents, &o.children})
    for (int64_t ref : *refs) name_of(ref);
  out.map_mut()->set(Value::str("object_names"), names);
  if (w.object_allows(id, who, FLAG_READ)) out.map_mut()->set(Value::str("verbs"), verb_list(o));
  return out;
}

Value lines_of(const std::string& text) {
  Value l = Value::empty_list();
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    list_append(l, Value::str(std::string_view(text).substr(start, nl - start)));
    start = nl + 1;
  }
  return l;
}

// req.source in req.syntax (else `syntax`, which becomes the one used): its
// program, or null after answering 400 (an unknown syntax) or 422 with
// each compile error's line and column.
std::shared_ptr<const Program> compiles(const WebRequest& req, Syntax& syntax,
                                        std::function<void(WebReply)>& done) {
  if (!req.syntax.empty() && !syntax_from_name(req.syntax, &syntax)) {
    done(WebReply::fail(400, "bad_request", "syntax is \"moo\" or \"echo\""));
    return nullptr;
  }
  CompileResult cr = compile_source(req.source, syntax);
  if (!cr.ok()) {
    WebReply r = WebReply::fail(422, "compile_error", cr.errors[0].to_string());
    for (auto& e : cr.errors) r.compile_errors.push_back({e.line, e.column, e.message});
    done(std::move(r));
    return nullptr;
  }
  return cr.program;
}

}  // namespace

void Runtime::web_request(WebRequest& req, std::function<void(WebReply)> done) {
  if (!web_) return done(WebReply::fail(503, "unavailable", "the server is not ready"));
  if (WebRequest::is_monitor(req.kind)) return monitor_request(req, std::move(done));
  WebState& ws = *web_;
  World& w = *world_;
  if (req.kind == WebRequest::TaskResult) {
    std::lock_guard<std::mutex> lk(ws.mu);
    // Someone else's task is as good as absent (its result may be private).
    bool wizard = w.is_wizard(req.player);
    auto mine = [&](int64_t owner) { return owner == req.player || wizard; };
    if (auto r = ws.running.find(req.task); r != ws.running.end() && mine(r->second))
      return done(WebReply::ok(mkmap({{"task", Value::integer(req.task)}, {"state", Value::str("running")}}), 202));
    auto it = ws.results.find(req.task);
    if (it == ws.results.end() || !mine(it->second.first))
      return done(WebReply::fail(404, "not_found", "no such task result of yours (the last 1000 are kept)"));
    return done(it->second.second);
  }
  if (req.kind == WebRequest::EventLog) {
    if (!w.is_wizard(req.player)) return done(WebReply::fail(403, "E_PERM", "only wizards read the event log"));
    uint64_t next = 0;
    Value events = read_event_log(uint64_t(std::max<int64_t>(req.since, 0)), size_t(std::max<int64_t>(req.limit, 0)),
                                  req.name, &next);
    return done(WebReply::ok(mkmap({{"events", events}, {"next_since", Value::integer(int64_t(next))}})));
  }
  if (req.kind == WebRequest::Room) {
    Connection* c = conn_by_handle(req.conn);
    if (!c || !c->web || c->id != req.player || !room_again(req.conn))
      return done(WebReply::fail(409, "no_session", "the session is gone"));
    return done(WebReply::ok(Value::null()));  // the frame itself comes in order with the output
  }
  if (req.kind == WebRequest::KeyWizard) {
    auto wizard_player = [&](int64_t p) { return w.valid(p) && w.is_player(p) && w.is_wizard(p); };
    if (req.task >= 0)
      return wizard_player(req.task) ? done(WebReply::ok(Value::obj(req.task)))
                                     : done(WebReply::fail(403, "E_PERM", "#" + std::to_string(req.task) +
                                                                              " is not a wizard player"));
    int64_t first = -1;  // players() need not be in order
    for (int64_t p : w.players())
      if ((first < 0 || p < first) && wizard_player(p)) first = p;
    if (first >= 0) return done(WebReply::ok(Value::obj(first)));
    return done(WebReply::fail(403, "E_PERM", "the world has no wizard player"));
  }
  bool no_object = req.kind == WebRequest::Eval || req.kind == WebRequest::QueuedTasks ||
                   req.kind == WebRequest::KillOwnTask;
  int64_t id = no_object ? req.player : resolve_object(w, req.object);
  if (id == -2 || !w.valid(id))
    return done(WebReply::fail(404, "E_INVIND", "no such object: " + req.object));
  // A job running `program` as the player, with this = target.
  auto job = [&](std::shared_ptr<const Program> program, int64_t target, const char* verb, Value args) {
    Job j;
    j.program = std::move(program);
    j.progr = req.player;
    j.target = target;
    j.verb = verb;
    j.args = std::move(args);
    return j;
  };
  // A task for the request, started through `via`'s actor.
  auto start = [&](Job j, int64_t via) {
    j.kind = Job::Web;
    TaskEntry& e = new_entry(std::move(j), true, 0);
    e.player = req.player;
    e.state = TaskEntry::Ready;
    e.web_reply = std::move(done);
    e.awaiting_delivery = true;
    deliver_to_object(via, e.id);
  };
  switch (req.kind) {
    case WebRequest::GetObject:
      return done(WebReply::ok(describe_object(w, id, req.player)));
    case WebRequest::GetPlayer: {
      if (!w.is_player(id)) return done(WebReply::fail(404, "E_INVARG", req.object + " is not a player"));
      Connection* c = conn_by_id(id);
      const Object& o = *w.get(id);
      Value out = mkmap({{"id", Value::obj(id)},
                         {"name", Value::str(o.name)},
                         {"connected", Value::boolean(c != nullptr && c->connected_at > 0)},
                         {"location", Value::obj(o.location)}});
      if (c && c->connected_at > 0)
        out.map_mut()->set(Value::str("idle_seconds"), Value::integer(int64_t(unix_now() - c->last_activity)));
      if (req.player == id || w.is_wizard(req.player)) {
        out.map_mut()->set(Value::str("flags"), flag_list(o));
        if (c && c->connected_at > 0) {
          out.map_mut()->set(Value::str("connected_seconds"), Value::integer(int64_t(unix_now() - c->connected_at)));
          out.map_mut()->set(Value::str("connection"), Value::str(c->name));
        }
      }
      return done(WebReply::ok(out));
    }
    case WebRequest::GetVerb: {
      Verb* v = w.find_defined_verb(id, Value::str(req.name));
      if (!v) return done(WebReply::fail(404, "E_VERBNF", req.object + " defines no verb \"" + req.name + "\""));
      if (!verb_readable(w, *v, req.player)) return done(WebReply::fail(403, "E_PERM", "the verb is not readable"));
      return done(WebReply::ok(mkmap({{"names", Value::str(v->names)},
                                      {"owner", Value::obj(v->owner)},
                                      {"perms", Value::str(perm_string(v->perms, "rwxd"))},
                                      {"args", verb_args(*v)},
                                      {"syntax", Value::str(syntax_name(v->syntax))},
                                      {"source", Value::str(v->source)}})));
    }
    case WebRequest::GetProperty: {
      try {
        Value v = host_->get_property(id, req.name, req.player);
        return done(WebReply::ok(mkmap({{"name", Value::str(req.name)}, {"value", v}})));
      } catch (const MooError& e) {
        return done(WebReply::fail(status_for(e.code), error_name(e.code.as_err()), e.message));
      }
    }
    case WebRequest::PutProperty: {
      if (!ws.put_property) ws.put_property = compile_or_die("args[1].(args[2]) = args[3]; return args[3];");
      Value args = make_list({Value::obj(id), Value::str(req.name), req.value});
      return start(job(ws.put_property, id, "web:put_property", args), id);
    }
    case WebRequest::PutVerb: {
      Verb* v = w.find_defined_verb(id, Value::str(req.name));
      if (!v) return done(WebReply::fail(404, "E_VERBNF", req.object + " defines no verb \"" + req.name + "\""));
      Syntax syntax = v->syntax;
      // Compiled here first, so that a 422 says where each error is.
      if (!compiles(req, syntax, done)) return;
      if (!ws.put_verb) ws.put_verb = compile_or_die("return set_verb_code(@args);");
      Value args =
          make_list({Value::obj(id), Value::str(req.name), lines_of(req.source), Value::str(syntax_name(syntax))});
      return start(job(ws.put_verb, id, "web:put_verb", args), id);
    }
    case WebRequest::Eval: {
      if (!w.is_programmer(req.player)) return done(WebReply::fail(403, "E_PERM", "only programmers may eval"));
      Syntax syntax = Syntax::Moo;
      auto program = compiles(req, syntax, done);
      if (!program) return;
      return start(job(program, NOTHING, "eval", Value::empty_list()), req.player);
    }
    case WebRequest::CallVerb: {
      Job j;
      j.target = id;
      j.verb = req.name;
      j.args = req.args.is_list() ? req.args : Value::empty_list();
      return start(std::move(j), id);
    }
    case WebRequest::EmitEvent: {
      // An Echo event from the player to the object: emit() as the player,
      // so that its permission rules and handlers are the MOO code's own.
      if (!ws.emit_event) ws.emit_event = compile_or_die("return emit(args[1], {args[2], args[3]});");
      Value args = make_list({Value::str(req.name), Value::obj(id), req.value});
      return start(job(ws.emit_event, id, "web:emit", args), id);
    }
    case WebRequest::AddVerb: {
      if (!ws.add_verb)
        ws.add_verb = compile_or_die("add_verb(args[1], {args[5], args[3], args[2]}, args[4]); return args[2];");
      Value args =
          make_list({Value::obj(id), Value::str(req.name), Value::str(req.perms), req.args, Value::obj(req.player)});
      return start(job(ws.add_verb, id, "web:add_verb", args), id);
    }
    case WebRequest::DeleteVerb: {
      if (!ws.delete_verb) ws.delete_verb = compile_or_die("delete_verb(args[1], args[2]); return 1;");
      return start(job(ws.delete_verb, id, "web:delete_verb", make_list({Value::obj(id), Value::str(req.name)})), id);
    }
    case WebRequest::AddProperty: {
      if (!ws.add_property)
        ws.add_property =
            compile_or_die("add_property(args[1], args[2], args[3], {args[5], args[4]}); return args[3];");
      Value args =
          make_list({Value::obj(id), Value::str(req.name), req.value, Value::str(req.perms), Value::obj(req.player)});
      return start(job(ws.add_property, id, "web:add_property", args), id);
    }
    case WebRequest::DeleteProperty: {
      if (!ws.delete_property) ws.delete_property = compile_or_die("delete_property(args[1], args[2]); return 1;");
      Value args = make_list({Value::obj(id), Value::str(req.name)});
      return start(job(ws.delete_property, id, "web:delete_property", args), id);
    }
    case WebRequest::CreateObject: {
      if (!ws.create) ws.create = compile_or_die("return create(args[1]);");
      return start(job(ws.create, id, "rpc:create", make_list({Value::obj(id)})), req.player);
    }
    case WebRequest::RecycleObject: {
      if (!ws.recycle) ws.recycle = compile_or_die("recycle(args[1]); return 0;");
      return start(job(ws.recycle, id, "rpc:recycle", make_list({Value::obj(id)})), req.player);
    }
    case WebRequest::QueuedTasks: {
      if (!ws.queued_tasks) ws.queued_tasks = compile_or_die("return queued_tasks();");
      return start(job(ws.queued_tasks, NOTHING, "rpc:tasks", Value::empty_list()), req.player);
    }
    case WebRequest::KillOwnTask: {
      if (!ws.kill_task) ws.kill_task = compile_or_die("return kill_task(args[1]);");
      return start(job(ws.kill_task, NOTHING, "rpc:kill_task", make_list({Value::integer(req.task)})), req.player);
    }
    case WebRequest::ListVerbs: {
      if (!w.object_allows(id, req.player, FLAG_READ))
        return done(WebReply::fail(403, "E_PERM", req.object + " is not readable"));
      return done(WebReply::ok(verb_list(*w.get(id))));
    }
    case WebRequest::KeyWizard:
      break;
    case WebRequest::Subscribe:
    case WebRequest::Unsubscribe: {
      Connection* c = conn_by_handle(req.conn);
      if (!c || !c->web || c->id != req.player) return done(WebReply::fail(409, "no_session", "the session is gone"));
      if (req.kind == WebRequest::Unsubscribe) {
        c->subscriptions.erase(id);
        return done(WebReply::ok(mkmap({{"unsubscribed", Value::obj(id)}})));
      }
      // Nothing the player may not read: a readable object, or one it owns.
      if (!w.object_allows(id, req.player, FLAG_READ))
        return done(WebReply::fail(403, "E_PERM", req.object + " is not readable"));
      if (c->subscriptions.size() >= 256) return done(WebReply::fail(429, "too_many", "256 subscriptions at most"));
      c->subscriptions.insert(id);
      return done(WebReply::ok(mkmap({{"subscribed", Value::obj(id)}})));
    }
    case WebRequest::TaskResult:
    case WebRequest::EventLog:
    case WebRequest::Room:
    case WebRequest::Monitor: case WebRequest::MonitorSeries: case WebRequest::Snapshots:
    case WebRequest::TakeSnapshot: case WebRequest::KillTask:
      break;
  }
}

}  // namespace echo::actors
