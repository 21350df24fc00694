// The builtins that need the running server: connections (server.c in
// LambdaMOO), the task queue (tasks.c) and the server itself. They run in a
// task's slice, with the runtime's mutex held, so they use its tables
// directly. Permission checks and errors follow LambdaMOO.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "actors/server_builtins.h"
#include "lang/map.h"

namespace echo::actors {

namespace {

using bi::raise;

Value ok() { return Value::integer(0); }

Connection& conn_or_invarg(int64_t id) {
  Connection* c = rt_of().conn_by_id(id);
  if (!c || c->disconnect_me) raise(E_INVARG);
  return *c;
}

// ---- connections ----

Value bf_notify(BuiltinContext& ctx, std::span<Value> a) {
  if (!current_runtime()) {  // the REPL: its player is the one at the terminal
    std::fwrite(a[1].as_str().data(), 1, a[1].as_str().size(), stdout);
    std::fputc('\n', stdout);
    return Value::integer(1);
  }
  Runtime& rt = rt_of();
  int64_t conn = a[0].as_obj();
  if (!is_wiz(ctx) && ctx.progr != conn) raise(E_PERM);
  // A binary connection gets the bytes a binary string stands for, with no
  // newline (LambdaMOO); toastcore's $telnet sends IAC sequences this way.
  // ToastStunt's fourth argument asks for no newline on a text connection.
  // The third, no_flush: rather than drop older output to make room, queue
  // nothing and return 0 (LambdaMOO's bf_notify).
  bool flush_ok = !(a.size() > 2 && a[2].truthy());
  Connection* c = rt.conn_by_id(conn);
  bool queued;
  if (c && c->binary) {
    std::string raw;
    if (!bi::binary_to_raw(a[1].as_str(), &raw)) raise(E_INVARG);
    queued = rt.notify(conn, raw, false, flush_ok);
  } else {
    queued = rt.notify(conn, a[1].as_str(), !(a.size() > 3 && a[3].truthy()), flush_ok);
  }
  return Value::integer(queued ? 1 : 0);
}

Value bf_connected_players(BuiltinContext&, std::span<Value> a) {
  bool all = !a.empty() && a[0].truthy();
  Value out = Value::empty_list();
  for (Connection* c : rt_of().connections())
    if ((all || c->connected_at != 0) && !c->disconnect_me && !c->extra) list_append(out, Value::obj(c->id));
  return out;
}

Value bf_connected_seconds(BuiltinContext&, std::span<Value> a) {
  Connection& c = conn_or_invarg(a[0].as_obj());
  if (c.connected_at == 0) raise(E_INVARG);
  return Value::integer(int64_t(unix_now() - c.connected_at));
}

Value bf_idle_seconds(BuiltinContext&, std::span<Value> a) {
  Connection& c = conn_or_invarg(a[0].as_obj());
  return Value::integer(int64_t(unix_now() - c.last_activity));
}

Value bf_connection_name(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  Connection* c = rt_of().conn_by_id(who);
  if (!is_wiz(ctx) && ctx.progr != who) raise(E_PERM);
  if (!c || c->disconnect_me) raise(E_INVARG);
  return Value::str(c->name);
}

// The parts of a connection's name, as net/telnet.cpp makes it:
// "port P from ADDR, port RP". Anything else leaves them empty / 0.
struct ConnAddress {
  int64_t local_port = 0;
  std::string remote_addr;
  int64_t remote_port = 0;
};

ConnAddress parse_conn_name(std::string_view name) {
  ConnAddress a;
  auto num = [](std::string_view s) {
    int64_t n = 0;
    for (char ch : s) {
      if (ch < '0' || ch > '9') break;
      n = n * 10 + (ch - '0');
    }
    return n;
  };
  if (name.rfind("port ", 0) != 0) return a;
  size_t from = name.find(" from ");
  size_t comma = name.rfind(", port ");
  if (from == std::string_view::npos || comma == std::string_view::npos || comma < from) return a;
  a.local_port = num(name.substr(5, from - 5));
  a.remote_addr = std::string(name.substr(from + 6, comma - from - 6));
  a.remote_port = num(name.substr(comma + 7));
  return a;
}

// connection_info(conn) (ToastStunt): a map of the connection's two ends.
// Echo does no name lookups, so the addresses are the IPs; the local address
// is not known here and is left empty; connections are never outbound.
Value bf_connection_info(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  Connection& c = conn_or_invarg(who);
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  ConnAddress addr = parse_conn_name(c.name);
  std::string_view ip = addr.remote_addr;
  Value m = Value::empty_map();
  auto set = [&](const char* k, Value v) { m.map_mut()->set(Value::str(k), std::move(v)); };
  set("destination_address", Value::str(ip));
  set("destination_ip", Value::str(ip));
  set("destination_port", Value::integer(addr.remote_port));
  set("outbound", Value::integer(0));
  set("protocol", Value::str(ip.find(':') != std::string_view::npos ? "IPv6" : "IPv4"));
  set("source_address", Value::str(""));
  set("source_ip", Value::str(""));
  set("source_port", Value::integer(addr.local_port));
  return m;
}

// connection_name_lookup(conn [, rewrite]) (ToastStunt): the host name of
// the other end. Echo does no DNS lookups (they would block the runtime), so
// it answers as a failed lookup does there: the IP, and the name is kept.
Value bf_connection_name_lookup(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  Connection& c = conn_or_invarg(who);
  return Value::str(parse_conn_name(c.name).remote_addr);
}

Value bf_boot_player(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  rt_of().boot(who);
  return ok();
}

Value option_value(Connection& c, std::string_view name) {
  if (name == "binary") return Value::integer(c.binary);
  if (name == "hold-input") return Value::integer(c.hold_input);
  if (name == "disable-oob") return Value::integer(c.disable_oob);
  if (name == "flush-command") return Value::str(c.flush_cmd);
  if (name == "intrinsic-commands") {
    Value l = Value::empty_list();
    if (c.intrinsic_commands)
      for (const char* s : {".program", "PREFIX", "SUFFIX", "OUTPUTPREFIX", "OUTPUTSUFFIX"})
        list_append(l, Value::str(s));
    return l;
  }
  return Value::none();
}

Value bf_set_connection_option(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  Connection* c = rt_of().conn_by_id(who);
  if (!c || c->disconnect_me) raise(E_INVARG);
  std::string_view opt = a[1].as_str();
  const Value& v = a[2];
  if (opt == "binary") {
    c->binary = v.truthy();
    if (c->out) c->out->set_binary_input(c->binary);
  } else if (opt == "hold-input") {
    c->hold_input = v.truthy();
    // tasks.c: "Anything to be done?" The lines held run now, not when the
    // next one arrives (which may be never: its session stops reading once
    // enough wait).
    if (!c->hold_input) rt_of().hold_input_ended(*c);
  } else if (opt == "disable-oob") {
    c->disable_oob = v.truthy();
  } else if (opt == "flush-command") {
    c->flush_cmd = v.is_str() ? std::string(v.as_str()) : std::string();
  } else if (opt == "intrinsic-commands") {
    if (v.is_int())
      c->intrinsic_commands = v.truthy();
    else if (v.is_list())
      c->intrinsic_commands = v.list_len() > 0;
    else
      raise(E_INVARG);
  } else {
    raise(E_INVARG);
  }
  return ok();
}

Value bf_connection_options(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  Connection* c = rt_of().conn_by_id(who);
  if (!c || c->disconnect_me) raise(E_INVARG);
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  if (a.size() >= 2) {
    if (!a[1].is_str()) raise(E_TYPE);
    Value v = option_value(*c, a[1].as_str());
    if (v.type() == Type::None) raise(E_INVARG);
    return v;
  }
  Value out = Value::empty_list();
  for (const char* n : {"binary", "hold-input", "disable-oob", "flush-command", "intrinsic-commands"})
    list_append(out, make_list({Value::str(n), option_value(*c, n)}));
  return out;
}

Value bf_connection_option(BuiltinContext& ctx, std::span<Value> a) { return bf_connection_options(ctx, a); }

// The bytes queued for a connection and not yet taken by its socket: the
// running segment's output, output waiting for its commit's sync, and what
// the session has not written yet. With no argument, the limit.
Value bf_buffered_output_length(BuiltinContext& ctx, std::span<Value> a) {
  if (a.empty()) {
    Runtime* rt = current_runtime();
    return Value::integer(int64_t(rt ? rt->max_queued_output() : OutputQueue::kDefaultLimit));
  }
  int64_t who = a[0].as_obj();
  Connection* c = rt_of().conn_by_id(who);
  if (!c) raise(E_INVARG);
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  return Value::integer(c->out ? int64_t(c->out->length()) : 0);
}

Value bf_force_input(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  Runtime& rt = rt_of();
  rt.force_input(rt.input_queue(who), std::string(a[1].as_str()), a.size() >= 3 && a[2].truthy());
  return ok();
}

// flush_input(conn [, show_messages]): LambdaMOO's bf_flush_input (tasks.c).
Value bf_flush_input(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  Runtime& rt = rt_of();
  Connection* c = rt.conn_by_id(who);
  if (!c) return ok();
  bool show = a.size() >= 2 && a[1].truthy();
  for (auto& l : rt.flush_input(*c))
    if (show) rt.notify(who, l);
  return ok();
}

Value bf_output_delimiters(BuiltinContext& ctx, std::span<Value> a) {
  int64_t who = a[0].as_obj();
  if (who != ctx.progr && !is_wiz(ctx)) raise(E_PERM);
  Connection* c = rt_of().conn_by_id(who);
  if (!c) raise(E_INVARG);
  return make_list({Value::str(c->output_prefix), Value::str(c->output_suffix)});
}

// open_network_connection(host, port [, listener]) (server.c, with
// net_bsd_tcp.c's errors): off unless `serve --outbound`, as in a default
// LambdaMOO build; ToastStunt's options map gives the listener too. The
// connect waits on a thread of its own (outbound_connect_timeout, 5 s), and
// the task gets the new connection's object once the runtime has it.
Value bf_open_network_connection(BuiltinContext& ctx, std::span<Value> a) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Runtime& rt = rt_of();
  if (!rt.connect_hook()) raise(E_PERM, "outbound connections are off (serve --outbound turns them on)");
  if (a.size() < 2 || a.size() > 3) raise(E_ARGS);
  if (!a[0].is_str() || !a[1].is_int()) raise(E_TYPE);
  int64_t handler = 0;
  if (a.size() == 3) {
    if (a[2].is_obj()) {
      handler = a[2].as_obj();
    } else if (a[2].is_map()) {
      if (const Value* l = a[2].map_obj()->get(Value::str("listener"))) {
        if (!l->is_obj()) raise(E_TYPE);
        handler = l->as_obj();
      }
    } else {
      raise(E_TYPE);
    }
  }
  int64_t port = a[1].as_int();
  if (port < 1 || port > 65535) raise(E_INVARG);
  int64_t id = rt.reserve_connection_id();
  double timeout = double(std::clamp<int64_t>(rt.server_int_option("outbound_connect_timeout", 5), 1, 300));
  SessionPort::ConnectHook hook = rt.connect_hook();
  Runtime* r = &rt;
  return ctx.in_background(
      [hook, r, host = std::string(a[0].as_str()), port, handler, id, timeout] {
        SessionPort::OutboundResult res = hook(host, uint16_t(port), handler, id, timeout);
        if (!res.error.empty()) raise(res.refused ? E_INVARG : E_QUOTA, res.error);
        if (!r->wait_outbound(id, 10.0)) raise(E_QUOTA, "the connection to " + host + " did not open");
        return Value::obj(id);
      },
      true, "open_network_connection()");
}

// server.c's listening points: listen(object, port [, print-messages])
// opens one whose connections `object` handles as #0 handles the first
// one's; LambdaMOO's canon for a TCP point is its port. ToastStunt's map of
// options is taken for the third argument too ("print-messages").
Value bf_listeners(BuiltinContext&, std::span<Value> a) {
  Value m = Value::empty_list();
  for (const Runtime::Listening& l : rt_of().listening()) {
    // ToastStunt's listeners(find): only the point of that object or port.
    if (!a.empty() && !(a[0].is_obj() ? a[0].as_obj() == l.handler : equal(a[0], Value::integer(l.port)))) continue;
    list_append(m, make_list({Value::obj(l.handler), Value::integer(l.port), Value::integer(l.print_messages)}));
  }
  return m;
}

Value bf_listen(BuiltinContext& ctx, std::span<Value> a) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Runtime& rt = rt_of();
  int64_t handler = a[0].as_obj();
  if (!a[1].is_int()) raise(E_TYPE);  // net_bsd_tcp.c: a TCP point is a port number
  bool print = false;
  if (a.size() > 2) {
    if (a[2].is_map()) {
      const Value* p = a[2].map_obj()->get(Value::str("print-messages"));
      print = p && p->truthy();
    } else {
      print = a[2].truthy();
    }
  }
  int64_t port = a[1].as_int();
  if (!rt.world().valid(handler) || port < 0 || port > 65535) raise(E_INVARG);
  for (const Runtime::Listening& l : rt.listening())
    if (port != 0 && l.port == port) raise(E_INVARG, "already listening on port " + std::to_string(port));
  if (!rt.listen_hook()) raise(E_PERM, "this server cannot open listening points");
  ListenPoint p = rt.listen_hook()(handler, uint16_t(port), print);
  if (p.port == 0) raise(p.denied ? E_PERM : E_QUOTA, "cannot listen: " + p.why);
  rt.log("LISTEN: #" + std::to_string(handler) + " now listening on port " + std::to_string(p.port));
  rt.listening().insert(rt.listening().begin(), Runtime::Listening{handler, p.port, print, std::move(p.actor)});
  return Value::integer(p.port);
}

Value bf_unlisten(BuiltinContext& ctx, std::span<Value> a) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Runtime& rt = rt_of();
  auto& ls = rt.listening();
  auto it = std::find_if(ls.begin(), ls.end(), [&](const Runtime::Listening& l) { return equal(a[0], Value::integer(l.port)); });
  if (it == ls.end()) raise(E_INVARG);
  // The acceptor stops; connections it made stay, as LambdaMOO's do.
  caf::anon_send_exit(it->actor, caf::exit_reason::user_shutdown);
  rt.log("UNLISTEN: #" + std::to_string(it->handler) + " no longer listening on port " + std::to_string(it->port));
  ls.erase(it);
  return ok();
}

Value bf_switch_player(BuiltinContext& ctx, std::span<Value> a) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Runtime& rt = rt_of();
  int64_t from = a[0].as_obj(), to = a[1].as_obj();
  Connection* c = rt.conn_by_id(from);
  if (!c || !rt.world().is_player(to)) raise(E_INVARG);
  if (Connection* other = rt.conn_by_id(to); other && other != c) rt.boot(to);
  rt.set_conn_id(*c, to);
  if (c->connected_at == 0) c->connected_at = unix_now();
  return ok();
}

// ---- the server ----

Value bf_server_log(BuiltinContext& ctx, std::span<Value> a) {
  if (!is_wiz(ctx)) raise(E_PERM);
  bool is_error = a.size() >= 2 && a[1].truthy();
  rt_of().log(std::string(is_error ? "*** " : "> ") + std::string(a[0].as_str()));
  return ok();
}

Value bf_shutdown(BuiltinContext& ctx, std::span<Value> a) {
  if (!is_wiz(ctx)) raise(E_PERM);
  std::string msg = "shutdown() called by #" + std::to_string(ctx.progr);
  if (!a.empty()) msg += ": " + std::string(a[0].as_str());
  rt_of().shutdown_from_moo(msg);
  return ok();
}

Value bf_dump_database(BuiltinContext& ctx, std::span<Value>) {
  if (!is_wiz(ctx)) raise(E_PERM);
  rt_of().request_checkpoint();
  return ok();
}

Value bf_server_version(BuiltinContext&, std::span<Value>) { return Value::str("Echo 0.4"); }

Value bf_memory_usage(BuiltinContext&, std::span<Value>) {
  // LambdaMOO returns {} unless built with its own allocator statistics.
  return Value::empty_list();
}

Value bf_db_disk_size(BuiltinContext&, std::span<Value>) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int64_t total = 0;
  std::string dir = rt_of().store_dir() + "/data";
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) total += int64_t(it->file_size(ec));
  if (ec || total == 0) throw MooError(Value::err(E_QUOTA), "No database file(s) available");
  return Value::integer(total);
}

Value bf_load_server_options(BuiltinContext& ctx, std::span<Value>) {
  if (!is_wiz(ctx)) raise(E_PERM);
  // Most options are read from $server_options each time they are needed;
  // the network's are cached (and read again every second).
  rt_of().load_net_options();
  return ok();
}

// actor_stats(): the monitor's table, a map per live actor.
Value bf_actor_stats(BuiltinContext& ctx, std::span<Value>) {
  if (!is_wiz(ctx)) raise(E_PERM);
  Value out = Value::empty_list();
  for (auto& [name, s] : rt_of().actor_stats()) {
    Value m = Value::empty_map();
    m.map_mut()->set(Value::str("name"), Value::str(name));
    m.map_mut()->set(Value::str("kind"), Value::str(s.kind));
    m.map_mut()->set(Value::str("mailbox"), Value::integer(int64_t(s.mailbox)));
    m.map_mut()->set(Value::str("handled"), Value::integer(int64_t(s.handled)));
    m.map_mut()->set(Value::str("seconds"), Value::flt(s.seconds));
    list_append(out, m);
  }
  return out;
}

// commit_stats(): how speculative segments ended since the server started
// (Echo's own): ["commits" -> published, "conflicts" -> rolled back because
// something they read had changed, "exclusive" -> rolled back to run alone
// (fork, create(), a server builtin ...), "peak_parallel" -> the most
// speculative slices seen running at once].
Value bf_commit_stats(BuiltinContext&, std::span<Value>) {
  Runtime::SpeculationStats s = rt_of().speculation_stats();
  Value m = Value::empty_map();
  m.map_mut()->set(Value::str("commits"), Value::integer(int64_t(s.commits)));
  m.map_mut()->set(Value::str("conflicts"), Value::integer(int64_t(s.conflicts)));
  m.map_mut()->set(Value::str("exclusive"), Value::integer(int64_t(s.exclusive)));
  m.map_mut()->set(Value::str("peak_parallel"), Value::integer(s.peak_parallel));
  return m;
}

// ---- the task queue ----

Value frame_list(Runtime& rt, const Task& t, bool lines) {
  (void)rt;
  Value out = Value::empty_list();
  const auto& fr = t.frames();
  for (size_t i = fr.size(); i-- > 0;) {
    const Frame& f = fr[i];
    Value e = make_list({Value::obj(f.this_obj), Value::str(f.verb_name), Value::obj(f.progr), Value::obj(f.definer),
                         Value::obj(f.player)});
    if (lines) list_append(e, Value::integer(f.program->line_at(f.code(), f.pc ? f.pc - 1 : 0)));
    list_append(out, e);
  }
  return out;
}

// Whose task it is for queued_tasks/kill_task/resume (tasks.c): the
// programmer of its top frame (progr_of_cur_verb), but for a reading task the
// player whose connection it reads (the tqueue's player).
int64_t task_owner(const TaskEntry& e) {
  if (e.state == TaskEntry::Reading) return e.reading_conn;
  return e.task && !e.task->frames().empty() ? e.task->frames().back().progr : int64_t(-1);
}

bool may_control(BuiltinContext& ctx, const TaskEntry& e) { return is_wiz(ctx) || task_owner(e) == ctx.progr; }

// tasks.c suspended_task_bytes: what the task holds, roughly as LambdaMOO
// counts an activation (its frame, variables and verb name).
int64_t task_bytes(const Task& t) {
  int64_t total = 64;
  for (const Frame& f : t.frames()) total += 160 + 16 * int64_t(f.regs.size()) + int64_t(f.verb_name.size()) + 1;
  return total;
}

// LambdaMOO's list_for_forked_task / list_for_suspended_task /
// list_for_reading_task: {id, start time, 0, DEFAULT_BG_TICKS, programmer,
// verb location, verb name, line, this, bytes}. The start time of a task
// suspended forever is INT32_MAX (enqueue_suspended_task), of a reading
// task -1, of a resumed one the time it was resumed (do_resume).
Value bf_queued_tasks(BuiltinContext& ctx, std::span<Value>) {
  Runtime& rt = rt_of();
  // Not written out first: a task held back at one suspend() may show a
  // later state than a crash would restore, as LambdaMOO's does until its
  // next checkpoint (and a caller must not make the server write every big
  // task record it lists).
  std::vector<std::pair<int64_t, TaskEntry*>> listed;
  for (auto& [id, e] : rt.tasks()) listed.emplace_back(id, e.get());
  std::sort(listed.begin(), listed.end());  // by id: the task table is hashed
  Value out = Value::empty_list();
  for (auto& [id, e] : listed) {
    if (!e->task || id == rt.current_task() || e->killed || e->task->frames().empty()) continue;
    if (e->state != TaskEntry::Sleeping && e->state != TaskEntry::Reading && e->state != TaskEntry::Ready)
      continue;
    if (e->state == TaskEntry::Ready && !e->persisted) continue;  // a new command, not a queued task
    if (!may_control(ctx, *e)) continue;
    const Frame& f = e->task->frames().back();
    // A task waiting for exec()'s program shows the program where the start
    // time would be, as ToastStunt lists its external queues, and one waiting
    // for other background work "waiting on thread N" (threads()' handle).
    Value start = e->background && !e->waiting_on.empty() ? Value::str(e->waiting_on)
                  : Value::integer(e->state == TaskEntry::Reading ? -1
                    : e->state == TaskEntry::Ready ? int64_t(unix_now())
                    : e->wake_at < 0               ? int64_t(2147483647)
                                                   : int64_t(e->wake_at));
    list_append(out, make_list({Value::integer(id), start, Value::integer(0), Value::integer(30000),
                                Value::obj(task_owner(*e)), Value::obj(f.definer), Value::str(f.verb_name),
                                Value::integer(f.program->line_at(f.code(), f.pc ? f.pc - 1 : 0)),
                                Value::obj(f.this_obj), Value::integer(task_bytes(*e->task))}));
  }
  return out;
}

Value bf_kill_task(BuiltinContext& ctx, std::span<Value> a) {
  Runtime& rt = rt_of();
  int64_t id = a[0].as_int();
  TaskEntry* e = rt.task(id);
  if (!e || e->killed) raise(E_INVARG);
  if (!may_control(ctx, *e) && !(id == rt.current_task())) raise(E_PERM);
  rt.kill_task(id);
  kill_exec(id);  // the program it waits for in exec(), if any
  abort_curl(id);  // or its curl() transfer
  // Killing itself: stop now (the runtime drops a killed task when it stops).
  if (id == rt.current_task()) ctx.suspend.emplace();  // Sleep until resumed: never
  return ok();
}

Value bf_resume(BuiltinContext& ctx, std::span<Value> a) {
  Runtime& rt = rt_of();
  int64_t id = a[0].as_int();
  TaskEntry* e = rt.task(id);
  Value v = a.size() >= 2 ? a[1] : Value::integer(0);
  // tasks.c do_resume: a task resumed that has not run yet takes the new value.
  if (e && e->resumed && e->state == TaskEntry::Ready && e->task && e->task->status() == TaskStatus::Running) {
    if (!may_control(ctx, *e)) raise(E_PERM);
    e->task->replace_resume_value(std::move(v));
    return ok();
  }
  // A task waiting for its builtin's background work is not suspend()ed:
  // only that work's end resumes it.
  if (!e || e->state != TaskEntry::Sleeping || !e->task || e->task->status() != TaskStatus::Suspended ||
      e->background)
    raise(E_INVARG);
  if (!may_control(ctx, *e)) raise(E_PERM);
  rt.resume_task(id, std::move(v));
  return ok();
}

Value bf_task_stack(BuiltinContext& ctx, std::span<Value> a) {
  Runtime& rt = rt_of();
  TaskEntry* e = rt.task(a[0].as_int());
  // execute.c bf_task_stack looks only among suspended and reading tasks
  // (find_suspended_task): a fork that has not started has no stack yet.
  if (!e || !e->task || e->state == TaskEntry::Running || e->task->status() != TaskStatus::Suspended)
    raise(E_INVARG);
  if (!may_control(ctx, *e)) raise(E_PERM);
  return frame_list(rt, *e->task, a.size() >= 2 && a[1].truthy());
}

}  // namespace

Value bf_event_log(BuiltinContext& ctx, std::span<Value> a);     // event_log.cpp
Value bf_client_event(BuiltinContext& ctx, std::span<Value> a);  // event_log.cpp

void register_server_builtins() {
  Builtins& b = Builtins::instance();
  if (b.find("notify") >= 0) return;
  using A = ArgType;
  b.add({"notify", 2, 4, {A::Obj, A::Str}, bf_notify});
  b.add({"connected_players", 0, 1, {}, bf_connected_players});
  b.add({"connected_seconds", 1, 1, {A::Obj}, bf_connected_seconds});
  b.add({"idle_seconds", 1, 1, {A::Obj}, bf_idle_seconds});
  b.add({"connection_name", 1, 2, {A::Obj}, bf_connection_name});
  b.add({"boot_player", 1, 1, {A::Obj}, exclusive<bf_boot_player>});
  b.add({"connection_info", 1, 1, {A::Obj}, exclusive<bf_connection_info>});
  b.add({"connection_name_lookup", 1, 2, {A::Obj}, exclusive<bf_connection_name_lookup>});
  b.add({"set_connection_option", 3, 3, {A::Obj, A::Str}, exclusive<bf_set_connection_option>});
  b.add({"connection_options", 1, 2, {A::Obj}, bf_connection_options});
  b.add({"connection_option", 2, 2, {A::Obj, A::Str}, bf_connection_option});
  // Exclusive: a speculation's own output is not in the queue yet.
  b.add({"buffered_output_length", 0, 1, {A::Obj}, exclusive<bf_buffered_output_length>});
  b.add({"force_input", 2, 3, {A::Obj, A::Str}, exclusive<bf_force_input>});
  b.add({"output_delimiters", 1, 1, {A::Obj}, bf_output_delimiters});
  b.add({"flush_input", 1, 2, {A::Obj}, exclusive<bf_flush_input>});
  b.add({"open_network_connection", 0, -1, {}, exclusive<bf_open_network_connection>});
  b.add({"listeners", 0, 1, {}, bf_listeners});
  b.add({"listen", 2, 3, {A::Obj}, exclusive<bf_listen>});
  b.add({"unlisten", 1, 1, {}, exclusive<bf_unlisten>});
  b.add({"switch_player", 2, 3, {A::Obj, A::Obj}, exclusive<bf_switch_player>});
  b.add({"server_log", 1, 2, {A::Str}, exclusive<bf_server_log>});
  b.add({"event_log", 0, 3, {A::Int, A::Int, A::Str}, exclusive<bf_event_log>});
  b.add({"client_event", 2, 3, {A::Obj, A::Str}, exclusive<bf_client_event>});
  b.add({"shutdown", 0, 1, {A::Str}, exclusive<bf_shutdown>});
  b.add({"dump_database", 0, 0, {}, exclusive<bf_dump_database>});
  b.add({"server_version", 0, 1, {}, bf_server_version});
  b.add({"memory_usage", 0, 0, {}, bf_memory_usage});
  b.add({"db_disk_size", 0, 0, {}, bf_db_disk_size});
  b.add({"load_server_options", 0, 0, {}, exclusive<bf_load_server_options>});
  b.add({"queued_tasks", 0, 0, {}, exclusive<bf_queued_tasks>});
  b.add({"actor_stats", 0, 0, {}, exclusive<bf_actor_stats>});
  b.add({"commit_stats", 0, 0, {}, bf_commit_stats});
  b.add({"kill_task", 1, 1, {A::Int}, exclusive<bf_kill_task>});
  b.add({"resume", 1, 2, {A::Int}, exclusive<bf_resume>});
  b.add({"task_stack", 1, 2, {A::Int}, exclusive<bf_task_stack>});
  register_toast_task_builtins(b);
}

}  // namespace echo::actors
