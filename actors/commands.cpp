// Connections and commands, as LambdaMOO's server.c and tasks.c handle
// them: negative ids before login, #0:do_login_command, the intrinsic
// commands, #0:do_command, the command parser's verb search and huh.
#include <caf/all.hpp>

#include <algorithm>

#include "actors/messages.h"
#include "actors/runtime_impl.h"
#include "lang/compiler.h"
#include "lang/world/command.h"

namespace echo::actors {

namespace {

// LambdaMOO's parse_into_wordlist: the words of a line, with its quoting.
Value word_list(const std::string& line) {
  Value l = Value::empty_list();
  for (auto& w : parse_words(line)) list_append(l, Value::str(w));
  return l;
}

}  // namespace

// ---- the session interface ------------------------------------------------------

Session SessionPort::open(caf::actor session, const std::string& name, std::shared_ptr<const void> hold,
                          int64_t handler, bool print_messages) const {
  return rt->open_session(std::move(session), name, std::move(hold), -1, handler, print_messages);
}

Session SessionPort::open_outbound(caf::actor session, const std::string& name, int64_t handler,
                                   int64_t id) const {
  return rt->open_session(std::move(session), name, nullptr, -1, handler, false, id);
}

Session Runtime::open_session(caf::actor session, const std::string& name, std::shared_ptr<const void> hold,
                              int64_t as_player, int64_t handler, bool print_messages, int64_t outbound_id) {
  InboxEvent ev;
  ev.kind = InboxEvent::Open;
  ev.handle = next_handle_.fetch_add(1);
  ev.session = std::move(session);
  ev.name = name;
  ev.out = std::make_shared<OutputQueue>();
  ev.hold = std::move(hold);
  ev.as_player = as_player;
  ev.handler = handler;
  ev.print_messages = print_messages;
  ev.outbound_id = outbound_id;
  Session s{ev.handle, ev.out};
  post(std::move(ev));
  return s;
}
void SessionPort::lines(ConnHandle h, std::vector<std::string> ls) const {
  Runtime::InboxEvent ev;
  ev.kind = Runtime::InboxEvent::Lines;
  ev.handle = h;
  ev.lines = std::move(ls);
  rt->post(std::move(ev));
}
void SessionPort::closed(ConnHandle h) const {
  Runtime::InboxEvent ev;
  ev.kind = Runtime::InboxEvent::Closed;
  ev.handle = h;
  rt->post(std::move(ev));
}
void SessionPort::stats(const std::string& actor, ConnHandle h, double seconds, const char* kind) const {
  rt->record(actor, kind, seconds, int64_t(h));
}
void SessionPort::gone(const std::string& actor) const { rt->forget(actor); }
int64_t SessionPort::max_connections_per_ip() const { return rt->max_connections_per_ip(); }
void SessionPort::log(const std::string& line) const { rt->log(line); }
void SessionPort::listener(caf::actor a, uint16_t port) const {
  std::lock_guard<WorldLock> lk(rt->mu);
  rt->listeners_.push_back(Runtime::Listening{0, port, true, std::move(a)});
}
void SessionPort::set_listen_hook(ListenHook hook) const {
  std::lock_guard<WorldLock> lk(rt->mu);
  rt->listen_hook_ = std::move(hook);
}
void SessionPort::set_connect_hook(ConnectHook hook) const {
  std::lock_guard<WorldLock> lk(rt->mu);
  rt->connect_hook_ = std::move(hook);
}

bool Runtime::wait_outbound(int64_t id, double seconds) {
  std::unique_lock<std::mutex> lk(outbound_mu_);
  bool open = outbound_cv_.wait_for(lk, std::chrono::duration<double>(seconds),
                                    [&] { return outbound_open_.count(id) > 0; });
  outbound_open_.erase(id);
  return open;
}

Connection* Runtime::conn_by_handle(ConnHandle h) {
  auto it = conns_.find(h);
  return it == conns_.end() || it->second.closed ? nullptr : &it->second;
}

Connection* Runtime::conn_by_id(int64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  Connection* c = conn_by_handle(it->second);
  return c && c->id == id ? c : nullptr;
}

// Every change of a connection's id goes through here, so that by_id_ (what
// notify() looks up, thousands of times a second) stays exact.
void Runtime::set_conn_id(Connection& c, int64_t id) {
  auto it = by_id_.find(c.id);
  if (it != by_id_.end() && it->second == c.handle) by_id_.erase(it);
  c.id = id;
  if (!c.closed) by_id_[id] = c.handle;
}

bool Runtime::output(Connection& c, std::string_view text, bool newline, bool flush_ok) {
  if (!c.out) return true;  // nobody to send it to
  if (!c.out->push(text, newline, flush_ok, max_queued_output())) return false;
  touch(c);
  return true;
}

// ToastStunt's max_queued_output: a positive value under 2048 counts as
// 2048; anything but a positive integer leaves LambdaMOO's 65536. Echo's
// max_connections_per_ip: an integer, <= 0 for no limit; else 20.
void Runtime::load_net_options() {
  Value v = server_option("max_queued_output");
  size_t limit = OutputQueue::kDefaultLimit;
  if (v.is_int() && v.as_int() > 0) limit = std::max(size_t(v.as_int()), OutputQueue::kMinLimit);
  max_queued_output_.store(limit, std::memory_order_relaxed);
  Value per_ip = server_option("max_connections_per_ip");
  max_connections_per_ip_.store(per_ip.is_int() ? per_ip.as_int() : kDefaultConnectionsPerIp,
                                std::memory_order_relaxed);
  // Read here, not at each segment's end as ToastStunt does: the segment's
  // start asks whether to record, and that must cost no world lookup.
  finished_tasks_limit_.store(server_int_option("finished_tasks_limit", 0), std::memory_order_relaxed);
}

void Runtime::touch(Connection& c) {
  if (c.touched) return;
  c.touched = true;
  touched_.push_back(c.handle);
}

std::vector<Connection*> Runtime::connections() {
  std::vector<Connection*> out;
  for (auto& [h, c] : conns_)
    if (!c.closed && !c.detached) out.push_back(&c);
  return out;
}

// A new task queue, with its handle and the default flush command.
Connection& Runtime::new_queue(const std::string& name, ConnHandle h) {
  if (h == 0) h = next_handle_.fetch_add(1);
  Connection& c = conns_[h];
  c.handle = h;
  c.name = name;
  c.last_activity = unix_now();
  Value fc = server_option("default_flush_command");
  if (fc.is_str()) c.flush_cmd = std::string(fc.as_str());
  return c;
}

// tasks.c find_tqueue(conn, 1): force_input() to an object that has no
// connection still queues the line, in a queue of its own.
Connection* Runtime::unconnected_queue(int64_t id) {
  for (auto& [h, c] : conns_)
    if (c.detached && !c.closed && c.id == id) return &c;
  return nullptr;
}

Connection& Runtime::input_queue(int64_t id) {
  if (Connection* c = conn_by_id(id)) return *c;
  if (Connection* c = unconnected_queue(id)) return *c;
  Connection& c = new_queue("(no connection)");
  c.id = id;  // not in by_id_: notify() and the connection builtins do not see it
  c.detached = true;
  ending_.push_back(c.handle);
  return c;
}

void Runtime::open_connection(InboxEvent& ev) {
  Connection& c = new_queue(ev.name, ev.handle);
  set_conn_id(c, ev.outbound_id != 0 ? ev.outbound_id : next_unconnected_--);
  c.session = std::move(ev.session);
  c.out = std::move(ev.out);
  c.hold = std::move(ev.hold);
  c.listener = ev.handler;
  c.print_messages = ev.print_messages;
  if (ev.outbound_id != 0) {
    // server.c: an outbound connection gets no login line, and its opener
    // (waiting in open_network_connection()) is told it is there.
    log("OPENED: #" + std::to_string(c.id) + " on " + c.name);
    std::lock_guard<std::mutex> lk(outbound_mu_);
    outbound_open_.insert(c.id);
    outbound_cv_.notify_all();
    return;
  }
  log("ACCEPT: #" + std::to_string(c.id) + " on " + c.name);
  if (ev.as_player >= 0) {  // a web session whose token was checked: logged in at once
    c.web = true;
    watch_room(c.handle);
    if (world_->is_player(ev.as_player))
      player_connected(c, c.id, ev.as_player, false);
    else
      close_connection(c, "*** That player no longer exists. ***");
    return;
  }
  if (ev.login_watch) {  // a web login: its one line comes next, no welcome
    c.login_watch = std::move(ev.login_watch);
    return;
  }
  // LambdaMOO queues an empty line: do_login_command prints the welcome.
  queue_line(c, "", false);
  dispatch_input(c);
}

void Runtime::post(InboxEvent ev) {
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    inbox_.push_back(std::move(ev));
  }
  ask_drain();
}

void Runtime::ask_drain() {
  if (!drain_asked_.exchange(true)) caf::anon_send(inbox_actor_, drain_atom::value);
}

void Runtime::drain_inbox(size_t max) {
  std::vector<InboxEvent> events;
  bool more;
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    while (!inbox_.empty() && events.size() < max) {
      events.push_back(std::move(inbox_.front()));
      inbox_.pop_front();
    }
    more = !inbox_.empty();
  }
  for (InboxEvent& ev : events) {
    switch (ev.kind) {
      case InboxEvent::Open:
        open_connection(ev);
        break;
      case InboxEvent::Lines:
        for (auto& l : ev.lines) handle_line(ev.handle, std::move(l));
        break;
      case InboxEvent::Closed:
        connection_closed(ev.handle);
        break;
      case InboxEvent::Call:
        ev.call();
        break;
    }
  }
  if (more) ask_drain();
}

// LambdaMOO's flush_input (tasks.c): drops the queued lines and returns the
// messages that tell so.
std::vector<std::string> Runtime::flush_input(Connection& c) {
  if (c.input.empty()) return {">> No pending input to flush..."};
  std::vector<std::string> msgs{">> Flushing the following pending input:"};
  int64_t bytes = 0;
  for (auto& l : c.input) {
    msgs.push_back(">>     " + l);
    bytes += InputMeter::bytes_of(l);
  }
  msgs.push_back(">> (Done flushing)");
  c.input.clear();
  input_taken(c, bytes);
  return msgs;
}

// A line put on the connection's queue by the server (the login's empty
// line, force_input()): counted as the session counts the client's.
void Runtime::queue_line(Connection& c, std::string line, bool at_front) {
  if (c.out) c.out->input.queued.fetch_add(InputMeter::bytes_of(line));
  if (at_front)
    c.input.push_front(std::move(line));
  else
    c.input.push_back(std::move(line));
}

// The next line off the connection's queue, which may let its session read
// from the client again (InputMeter).
std::string Runtime::take_line(Connection& c) {
  std::string line = std::move(c.input.front());
  c.input.pop_front();
  input_taken(c, InputMeter::bytes_of(line));
  return line;
}

void Runtime::input_taken(Connection& c, int64_t bytes) {
  if (c.out && c.out->input.taken(bytes) && c.session)
    caf::anon_send(c.session, resume_input_atom::value);
}

void Runtime::handle_line(ConnHandle h, std::string line) {
  Connection* c = conn_by_handle(h);
  if (!c) return;
  c->last_activity = unix_now();
  if (!c->flush_cmd.empty() && strcasecmp(line.c_str(), c->flush_cmd.c_str()) == 0) {
    // Answered at once, not after the running segment's commit.
    std::string out;
    for (auto& l : flush_input(*c)) out += l + "\r\n";
    if (c->out) {
      c->out->push_now(std::move(out));
      kick(c->out, c->session);
    }
    input_taken(*c, InputMeter::bytes_of(line));
    return;
  }
  c->input.push_back(std::move(line));  // counted by its session (InputMeter::sent)
  dispatch_input(*c);
}

// With mu held, from the inbox (after the connection's last lines).
void Runtime::connection_closed(ConnHandle h) {
  Connection* c = conn_by_handle(h);
  if (!c) return;
  log("CLIENT DISCONNECTED: #" + std::to_string(c->id) + " on " + c->name);
  ++presence_epoch_;
  if (c->id >= 0) log_event("disconnect", NOTHING, NOTHING, c->id, Value::str(c->name));
  // The player is still connected when another of its connections stays.
  bool extra = c->extra;
  bool still_connected = release_id(*c) ? c->id >= 0 && promote_extra(c->id) : extra;
  c->session = caf::actor();
  c->out.reset();
  // tasks.c free_task_queue: the queue outlives its connection, and lines
  // typed ahead still run as commands (their output goes nowhere).
  if (c->input.empty())
    c->closed = true;
  else
    c->detached = true;
  ending_.push_back(h);
  if (c->reading_task) {
    if (TaskEntry* e = task(c->reading_task); e && e->state == TaskEntry::Reading) {
      e->task->resume_raise(E_INVARG, "Invalid argument", Value::integer(0));
      e->state = TaskEntry::Ready;
      dirty_tasks_.insert(e->id);
      enqueue(e->id);
    }
    c->reading_task = 0;
    c->http = nullptr;
  }
  if (!still_connected) run_notifier(c->id, c->listener, "user_disconnected", make_list({Value::obj(c->id)}), true);
  if (c->detached)
    dispatch_input(*c);
  else if (!c->busy)
    conns_.erase(h);
}

void Runtime::close_connection(Connection& c, const char* message) {
  if (c.out) {
    if (message && c.print_messages) c.out->push(message, true, true, max_queued_output());
    c.out->push_close();  // after everything queued before it
    publish_output(c);
    c.out.reset();
  }
  bool primary = release_id(c);
  c.closed = true;
  ending_.push_back(c.handle);
  c.session = caf::actor();
  if (c.id >= 0 && !c.login_watch) {
    log("DISCONNECTED: #" + std::to_string(c.id) + " on " + c.name);  // server.c's word for a boot
    log_event("disconnect", NOTHING, NOTHING, c.id, Value::str(c.name));
  }
  if (primary && c.id >= 0) {
    if (c.disconnect_me) {  // boot_player(): every connection of the player goes
      if (auto it = more_conns_.find(c.id); it != more_conns_.end()) {
        std::vector<ConnHandle> extra = std::move(it->second);
        more_conns_.erase(it);
        for (ConnHandle h : extra)
          if (Connection* x = conn_by_handle(h)) {
            x->extra = false;
            close_connection(*x, message);
          }
      }
    } else if (promote_extra(c.id)) {
      c.disconnect_me = false;  // the player stays connected on another one
    }
  }
  if (c.disconnect_me) run_notifier(c.id, c.listener, "user_disconnected", make_list({Value::obj(c.id)}), true);
  c.disconnect_me = false;
}

bool Runtime::notify(int64_t conn, std::string_view text, bool newline, bool flush_ok) {
  if (TaskEntry* e = speculating_here()) {  // held until its segment commits
    // Whether it fits depends on the queue when it goes out; and output
    // beyond the limit is dropped there, so it need not be held here.
    if (!flush_ok || e->spec_output_bytes + text.size() + 2 > max_queued_output()) {
      if (!exclusive_here()) throw NeedsExclusive{"notify() without flushing, or past max_queued_output"};
    } else {
      e->spec_output_bytes += text.size() + 2;
      e->spec_output.push_back(TaskEntry::Output{conn, std::string(text), newline});
      return true;
    }
  }
  // The first connection's answer is notify()'s (the others hear it too).
  bool ok = true, first = true;
  for_each_conn_of(conn, [&](Connection& c) {
    bool sent = output(c, text, newline, flush_ok);
    if (first) ok = sent;
    first = false;
  });
  return ok;
}

bool Runtime::release_id(Connection& c) {
  if (c.extra) {
    forget_extra(c);
    return false;
  }
  auto it = by_id_.find(c.id);
  if (it == by_id_.end() || it->second != c.handle) return false;
  by_id_.erase(it);
  return true;
}

void Runtime::forget_extra(Connection& c) {
  auto it = more_conns_.find(c.id);
  if (it != more_conns_.end()) {
    std::erase(it->second, c.handle);
    if (it->second.empty()) more_conns_.erase(it);
  }
  c.extra = false;
}

bool Runtime::promote_extra(int64_t id) {
  auto it = more_conns_.find(id);
  while (it != more_conns_.end() && !it->second.empty()) {
    ConnHandle h = it->second.front();
    it->second.erase(it->second.begin());
    Connection* x = conn_by_handle(h);
    if (!x) continue;
    if (it->second.empty()) more_conns_.erase(it);
    x->extra = false;
    by_id_[id] = h;
    log("CONNECTION: #" + std::to_string(id) + " stays connected on " + x->name);
    return true;
  }
  if (it != more_conns_.end()) more_conns_.erase(it);
  return false;
}

void Runtime::boot(int64_t conn) {
  if (conn >= 0) revoke_web_sessions(conn);  // boot_player() ends the player's web sessions too
  if (Connection* c = conn_by_id(conn)) {
    c->disconnect_me = true;
    touch(*c);
  }
}

// tasks.c bf_force_input / enqueue_input_task: the line is queued as if
// typed, and run as soon as the connection is free (now, if it is idle and
// not the forcing task's own).
void Runtime::force_input(Connection& c, std::string line, bool at_front) {
  queue_line(c, std::move(line), at_front);
  dispatch_input(c);
}

// The next line of a connection, when nothing of it is running: to the task
// reading it, else as a command (or login) task.
void Runtime::dispatch_input(Connection& c) {
  if (c.command_since > 0 && !c.busy) {  // release_origin: its command's first segment ended
    command_latency_.add(unix_now() - c.command_since);
    ++commands_done_;
    c.command_since = 0;
  }
  if (c.closed || c.input.empty()) return;
  // tasks.c run_ready_tasks: out-of-band lines pass a reader by (and
  // hold-input does not hold them).
  bool front_oob = c.out_of_band(c.input.front());
  if (c.reading_task && !front_oob) {
    TaskEntry* e = task(c.reading_task);
    if (e && e->state == TaskEntry::Reading) {
      Value got;
      bool overflowed = false;
      if (c.http) {  // read_http(): the task reads on until the message is whole
        bool whole = false;
        while (!whole && !c.input.empty() && !c.out_of_band(c.input.front())) {
          std::string line = take_line(c);
          c.unquote(line);
          whole = c.http->feed(line);
        }
        if (!whole) {
          if (!c.input.empty()) dispatch_input(c);  // an out-of-band line passes the reader by
          return;
        }
        overflowed = c.http->overflowed();
        got = c.http->answer();
        c.http = nullptr;
      } else {
        std::string line = take_line(c);
        c.unquote(line);
        got = Value::str(line);
      }
      c.reading_task = 0;
      if (overflowed)  // the message would pass the string limit: an error, not a cut
        e->task->resume_raise(E_QUOTA, "read_http(): the message passes the string limit", Value::integer(0));
      else
        e->task->resume(got);
      e->task->set_limits(limits(false));
      e->state = TaskEntry::Ready;
      e->reading_conn = 0;
      e->foreground = true;
      // Typed-ahead lines wait until this segment ends: the reader may read
      // again (LambdaMOO runs one task of a connection at a time).
      c.busy = true;
      e->origin = c.handle;
      dirty_tasks_.insert(e->id);
      enqueue(e->id);
      return;
    }
    c.reading_task = 0;
  }
  if (c.busy || (c.hold_input && !front_oob)) return;
  std::string line = take_line(c);
  Job j;
  j.conn = c.handle;
  j.line = std::move(line);
  bool oob = front_oob;
  c.unquote(j.line);
  j.kind = oob ? Job::OutOfBand : c.id < 0 ? Job::Login : Job::Command;
  c.busy = true;
  TaskEntry& e = new_entry(std::move(j), true, c.handle);
  // tasks.c run_server_task_setting_id: read() without a connection is for
  // this task only (out-of-band lines do not count).
  if (!oob) c.last_input_task = e.id;
  if (e.job.kind == Job::Command) c.command_since = e.started_at;
  e.player = c.id;
  e.state = TaskEntry::Ready;
  // A command is a message to the player's actor (a login line, to the
  // listener's), which queues it for the token in its mailbox order.
  e.awaiting_delivery = true;
  deliver_to_object(c.id >= 0 ? c.id : c.listener, e.id);
}

void Runtime::run_notifier(int64_t player, int64_t listener, const char* verb, Value args, bool via_listener) {
  if (!world_->valid(listener)) return;
  int64_t def = 0;
  if (!world_->find_callable_verb(listener, verb, &def)) return;
  Job j;
  j.kind = Job::Notifier;
  j.target = listener;
  j.verb = verb;
  j.args = std::move(args);
  TaskEntry& e = new_entry(std::move(j), false, 0);
  e.player = player;
  e.state = TaskEntry::Ready;
  if (via_listener) {
    e.awaiting_delivery = true;
    deliver_to_object(listener, e.id);
  } else {
    enqueue(e.id);
  }
}

// A task calling this_obj:verb(@args) as the server does (run_server_task):
// player as given, caller #-1 (LambdaMOO: the player for commands).
bool Runtime::build_verb_task(TaskEntry& e, int64_t this_obj, const char* verb, Value args, int64_t player,
                              const std::string& argstr) {
  int64_t definer = 0;
  const Verb* v = world_->valid(this_obj) ? world_->find_callable_verb(this_obj, verb, &definer) : nullptr;
  if (!v) return false;
  auto prog = world_->program_of(*v);
  if (!prog) return false;
  auto t = std::make_unique<Task>(prog, host_.get(), limits(e.foreground));
  t->set_id(e.id);
  t->set_identity(player, this_obj, v->owner, verb);
  Frame& f = t->frames().front();
  f.verb_names = v->names;
  f.definer = definer;
  f.debug = (v->perms & VF_DEBUG) != 0;
  f.regs[VAR_ARGS] = std::move(args);
  f.regs[VAR_ARGSTR] = Value::str(argstr);
  f.regs[VAR_CALLER] = Value::obj(player);
  e.task = std::move(t);
  return true;
}

void Runtime::build_job(TaskEntry& e) {
  Job& j = e.job;
  switch (j.kind) {
    case Job::None:
      return;
    case Job::Web: {
      if (!j.program) {  // POST /api/objects/{id}/methods
        if (!build_verb_task(e, j.target, j.verb.c_str(), j.args, e.player, "")) {
          if (e.web_reply)
            std::exchange(e.web_reply, nullptr)(WebReply::fail(404, "E_VERBNF", "#" + std::to_string(j.target) +
                                                                        " has no callable verb \"" + j.verb + "\""));
          return;
        }
      } else {
        auto t = std::make_unique<Task>(j.program, host_.get(), limits(true));
        t->set_id(e.id);
        t->set_identity(e.player, j.target, j.progr, j.verb);
        Frame& f = t->frames().front();
        f.regs[VAR_ARGS] = j.args;
        f.regs[VAR_CALLER] = Value::obj(e.player);
        e.task = std::move(t);
      }
      e.on_end = [this](TaskEntry& en, TaskStatus st, Task* t) { web_task_end(en, st, t); };
      return;
    }
    case Job::Checkpoint:
      // Every earlier segment is committed and none runs now: the store
      // holds exactly the world between two segments.
      commit();
      write_deferred_tasks();  // the snapshot should hold each task as it is now
      checkpoint(false);
      run_notifier(-1, 0, "checkpoint_finished", make_list({Value::integer(1)}));
      return;
    case Job::Notifier: {
      build_verb_task(e, j.target, j.verb.c_str(), j.args, e.player, "");
      if (!e.traceback.empty()) {  // a handler for an error: print unless it returns true
        auto lines = e.traceback;
        int64_t player = e.player;
        if (!e.task) {
          for (auto& l : lines) notify(player, l);
        } else {
          e.on_end = [this, lines, player](TaskEntry&, TaskStatus st, Task* t) {
            if (st != TaskStatus::Done || !t->result().truthy())
              for (auto& l : lines) notify(player, l);
          };
        }
      }
      return;
    }
    case Job::OutOfBand: {
      Connection* c = conn_by_handle(j.conn);
      if (!c) return;
      build_verb_task(e, c->listener, "do_out_of_band_command", word_list(j.line), c->id, j.line);
      return;
    }
    case Job::Login: {
      Connection* c = conn_by_handle(j.conn);
      if (!c) return;
      int64_t old_max = world_->max_object();
      ConnHandle h = j.conn;
      if (build_verb_task(e, c->listener, "do_login_command", word_list(j.line), c->id, j.line))
        e.on_end = [this, h, old_max, line = j.line](TaskEntry& en, TaskStatus st, Task* t) {
          if (st == TaskStatus::Done) after_login(en, h, old_max, t->result());
          Connection* c = conn_by_handle(h);
          // A "connect" line that did not log in (the others show the welcome, make players ...).
          if (c && c->id < 0 && strncasecmp(line.c_str(), "connect ", 8) == 0)
            log_event("login_failed", NOTHING, NOTHING, NOTHING, Value::str(c->name));
          if (c && c->login_watch) web_login_done(*c, -1);  // not logged in
        };
      else if (c->login_watch)
        web_login_done(*c, -1);
      return;
    }
    case Job::Command: {
      Connection* c = conn_by_handle(j.conn);
      if (!c) return;
      if (c->programming) {
        if (j.line == ".")
          end_programming(*c);
        else
          c->program_lines.push_back(j.line);
        return;
      }
      if (intrinsic_command(*c, j.line)) return;
      if (parse_command(j.line).empty) return;  // a blank line does nothing
      if (!c->output_prefix.empty()) notify(c->id, c->output_prefix);
      e.printed_prefix = true;
      ConnHandle h = j.conn;
      std::string line = j.line;
      if (build_verb_task(e, c->listener, "do_command", word_list(line), c->id, line)) {
        e.on_end = [this, h, line](TaskEntry& en, TaskStatus st, Task* t) {
          if (st == TaskStatus::Done && !t->result().truthy()) command_stage2(en, h, line);
        };
        return;
      }
      command_stage2(e, h, line);
      return;
    }
  }
}

// The command parser's verb search (tasks.c do_command_task).
void Runtime::command_stage2(TaskEntry& e, ConnHandle h, std::string line) {
  Connection* c = conn_by_handle(h);
  if (!c) return;
  int64_t player = c->id;
  ParsedCommand pc = parse_command(line);
  if (pc.empty) return;
  int64_t location = world_->valid(player) ? world_->get(player)->location : NOTHING;
  int64_t dobj = match_object(*world_, player, pc.dobjstr);
  int64_t iobj = match_object(*world_, player, pc.iobjstr);
  auto target = find_command_verb(*world_, player, location, pc, dobj, iobj);
  int64_t this_obj = NOTHING, definer = NOTHING;
  const Verb* v = nullptr;
  if (target) {  // a command verb, or location:huh
    this_obj = target->this_obj;
    definer = target->definer;
    v = target->verb;
  }
  std::shared_ptr<const Program> prog = v ? world_->program_of(*v) : nullptr;
  if (!prog) {
    notify(player, "I couldn't understand that.");
    return;
  }
  auto t = std::make_unique<Task>(prog, host_.get(), limits(true));
  t->set_id(e.id);
  t->set_identity(player, this_obj, v->owner, pc.verb);
  Frame& f = t->frames().front();
  f.verb_names = v->names;
  f.definer = definer;
  f.debug = (v->perms & VF_DEBUG) != 0;
  f.regs[VAR_CALLER] = Value::obj(player);
  Value args = Value::empty_list();
  for (auto& w : pc.words) list_append(args, Value::str(w));
  f.regs[VAR_ARGS] = args;
  f.regs[VAR_ARGSTR] = Value::str(pc.argstr);
  f.regs[VAR_DOBJ] = Value::obj(dobj);
  f.regs[VAR_DOBJSTR] = Value::str(pc.dobjstr);
  f.regs[VAR_PREPSTR] = Value::str(pc.prepstr);
  f.regs[VAR_IOBJ] = Value::obj(iobj);
  f.regs[VAR_IOBJSTR] = Value::str(pc.iobjstr);
  e.task = std::move(t);
}

void Runtime::after_login(TaskEntry& e, ConnHandle h, int64_t old_max, const Value& result) {
  (void)e;
  Connection* c = conn_by_handle(h);
  // tasks.c do_login_task: only a connection logs in.
  if (!c || c->detached || !result.is_obj() || !world_->is_player(result.as_obj())) return;
  log_event("login", NOTHING, NOTHING, result.as_obj(), Value::str(c->name));
  if (c->login_watch) {
    web_login_done(*c, result.as_obj());
    return;
  }
  player_connected(*c, c->id, result.as_obj(), result.as_obj() > old_max);
}

// LambdaMOO's player_connected (server.c).
void Runtime::player_connected(Connection& c, int64_t old_id, int64_t new_id, bool created) {
  (void)old_id;
  ++presence_epoch_;  // room frames (room_watch.cpp)
  // tasks.c do_login_task: the player's unconnected queue gives up its input.
  for (auto& [h, q] : conns_)  // all of them: a hang-up with lines left may have made another
    if (q.detached && q.id == new_id) {
      q.input.clear();
      maybe_ending(q);
    }
  Connection* existing = conn_by_id(new_id);
  if (existing && existing != &c && (c.web || existing->web)) {
    // A browser beside telnet (or another browser): both stay, and both
    // hear the player's narrative, rather than LambdaMOO's redirect.
    if (auto it = by_id_.find(c.id); it != by_id_.end() && it->second == c.handle) by_id_.erase(it);
    c.id = new_id;
    c.extra = true;
    c.connected_at = unix_now();
    more_conns_[new_id].push_back(c.handle);
    log("CONNECTED: #" + std::to_string(new_id) + " on " + c.name + " (beside " + existing->name + ")");
    log_event("connect", NOTHING, NOTHING, new_id, Value::str(c.name));
    if (c.print_messages) output(c, "*** Connected ***", true);
    return;
  }
  if (existing && existing != &c) set_conn_id(*existing, -1000000000 - int64_t(existing->handle));  // no longer the player's
  set_conn_id(c, new_id);
  c.connected_at = unix_now();
  auto message = [&](Connection& to, const char* option, const char* dflt) {
    if (!to.print_messages) return;
    Value v = server_option_of(to.listener, option);
    if (v.is_str()) {
      notify(to.id, v.as_str());
    } else if (v.is_list()) {
      for (uint32_t i = 0; i < v.list_len(); ++i)
        if (v.list_at(i).is_str()) notify(to.id, v.list_at(i).as_str());
    } else {
      output(to, dflt, true);
    }
  };
  if (existing && existing != &c) {
    log("REDIRECTED: #" + std::to_string(new_id) + ", was " + existing->name + ", now " + c.name);
    close_connection(*existing, "*** Redirecting connection to new port ***");
    message(c, "redirect_to_msg", "*** Redirecting old connection to this port ***");
    run_notifier(new_id, c.listener, "user_reconnected", make_list({Value::obj(new_id)}), true);
    return;
  }
  log(std::string(created ? "CREATED: #" : "CONNECTED: #") + std::to_string(new_id) + " on " + c.name);
  log_event("connect", NOTHING, NOTHING, new_id, Value::str(c.name));
  message(c, created ? "create_msg" : "connect_msg", created ? "*** Created ***" : "*** Connected ***");
  run_notifier(new_id, c.listener, created ? "user_created" : "user_connected", make_list({Value::obj(new_id)}),
               true);
}

// .program, PREFIX/OUTPUTPREFIX, SUFFIX/OUTPUTSUFFIX (tasks.c do_intrinsic_command).
bool Runtime::intrinsic_command(Connection& c, const std::string& line) {
  if (!c.intrinsic_commands) return false;
  ParsedCommand pc = parse_command(line);
  if (pc.empty) return false;
  const std::string& verb = pc.verb;
  if (verb == "PREFIX" || verb == "OUTPUTPREFIX") {
    c.output_prefix = pc.argstr;
    return true;
  }
  if (verb == "SUFFIX" || verb == "OUTPUTSUFFIX") {
    c.output_suffix = pc.argstr;
    return true;
  }
  if (!verb_name_matches(".pr*ogram", verb)) return false;
  if (!world_->is_programmer(c.id)) return false;
  if (pc.words.size() != 1) {
    notify(c.id, "Usage:  .program object:verb");
    return true;
  }
  // find_verb_for_programming: OBJECT:VERB, the object matched as in commands.
  const std::string& arg = pc.words[0];
  size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == arg.size()) {
    notify(c.id, "You must specify a verb; use the format object:verb.");
    return true;
  }
  int64_t obj = match_object(*world_, c.id, arg.substr(0, colon));
  std::string vname = arg.substr(colon + 1);
  if (obj == FAILED_MATCH || obj == NOTHING) {
    notify(c.id, "I don't see \"" + arg.substr(0, colon) + "\" here.");
    return true;
  }
  if (obj == AMBIGUOUS) {
    notify(c.id, "I don't know which \"" + arg.substr(0, colon) + "\" you mean.");
    return true;
  }
  Verb* v = world_->find_defined_verb(obj, Value::str(vname));
  if (!v) {
    notify(c.id, "That object does not have that verb definition.");
    return true;
  }
  if (!(v->perms & VF_WRITE) && v->owner != c.id && !world_->is_wizard(c.id)) {
    notify(c.id, "Permission denied.");
    return true;
  }
  notify(c.id, "Now programming " + world_->get(obj)->name + ":" + v->names + ".  Use \".\" to end.");
  c.programming = std::make_pair(obj, vname);
  c.program_lines.clear();
  return true;
}

void Runtime::end_programming(Connection& c) {
  auto [obj, vname] = *c.programming;
  c.programming.reset();
  std::string src;
  for (auto& l : c.program_lines) src += l + "\n";
  c.program_lines.clear();
  if (!world_->valid(obj)) {
    notify(c.id, "That object appears to have disappeared ...");
    return;
  }
  Verb* v = world_->find_defined_verb(obj, Value::str(vname));
  if (!v) {
    notify(c.id, "That verb appears to have disappeared ...");
    return;
  }
  std::vector<std::string> errors = world_->set_verb_code(obj, *v, src);
  for (auto& e : errors) notify(c.id, e);
  notify(c.id, std::to_string(errors.size()) + " error(s).");
  notify(c.id, errors.empty() ? "Verb programmed." : "Verb not programmed.");
}

}  // namespace echo::actors
