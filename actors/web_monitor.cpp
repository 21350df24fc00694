// The operator's console's requests (WebRequest::is_monitor(), docs/web.md):
// the actors, tasks and connections of the moment, the last minutes'
// samples, snapshots, and killing a task. Wizards only. Each runs in the
// inbox actor holding mu (Runtime::web_request), so the task table and the
// connections stand still while they are read; the actors and samples come
// from telemetry_, which the monitor actor fills once a second.
#include <filesystem>

#include "actors/runtime_impl.h"
#include "lang/compiler.h"
#include "lang/map.h"

namespace echo::actors {

namespace {

// The most rows one answer carries (the live frame goes out every second).
constexpr size_t kMaxActorRows = 1000;
constexpr size_t kMaxTaskRows = 500;
constexpr size_t kMaxConnectionRows = 1000;

Value mkmap(std::initializer_list<std::pair<const char*, Value>> kv) {
  Value m = Value::empty_map();
  for (auto& [k, v] : kv) m.map_mut()->set(Value::str(k), v);
  return m;
}

Value sample_value(const MonitorSample& s) {
  return mkmap({{"time", Value::flt(s.time)},
                {"commits", Value::flt(s.commits)},
                {"conflicts", Value::flt(s.conflicts)},
                {"reruns", Value::flt(s.reruns)},
                {"wal_syncs", Value::flt(s.wal_syncs)},
                {"commands", Value::flt(s.commands)},
                {"command_p50", Value::flt(s.command_p50)},
                {"command_p99", Value::flt(s.command_p99)},
                {"connections", Value::integer(s.connections)},
                {"resident_objects", Value::integer(s.resident_objects)},
                {"tasks", Value::integer(s.tasks)},
                {"actors", Value::integer(s.actors)}});
}

Value actor_value(const ActorView& a) {
  return mkmap({{"name", Value::str(a.name)},
                {"kind", Value::str(a.kind)},
                {"mailbox", Value::integer(int64_t(a.mailbox))},
                {"handled", Value::integer(int64_t(a.handled))},
                {"rate", Value::flt(a.rate)},
                {"busy", Value::flt(a.busy)},
                {"p50", Value::flt(a.p50)},
                {"p99", Value::flt(a.p99)}});
}

// A task's state as the console shows it, in the order it lists them.
enum class Shown { Running, Queued, Reading, Suspended, Background };

Shown shown_state(const TaskEntry& e, int64_t token) {
  if (e.state == TaskEntry::Running || e.id == token) return Shown::Running;
  switch (e.state) {
    case TaskEntry::Sleeping: return e.background ? Shown::Background : Shown::Suspended;
    case TaskEntry::Reading: return Shown::Reading;
    default: return Shown::Queued;
  }
}

const char* shown_name(Shown s) {
  switch (s) {
    case Shown::Running: return "running";
    case Shown::Queued: return "queued";
    case Shown::Reading: return "reading";
    case Shown::Suspended: return "suspended";
    case Shown::Background: return "background";
  }
  return "?";
}

int frame_line(const Frame& f) { return f.program->line_at(f.code(), f.pc ? f.pc - 1 : 0); }

// "#12:look": where a frame's verb is defined, and the name it was called by.
std::string verb_label(const Frame& f) { return "#" + std::to_string(f.definer) + ":" + f.verb_name; }

// A snapshot directory's time, from its name (snap.20261125T152633.123456Z),
// as unix time; 0 when the name is not of that form.
double snapshot_time(const std::string& name) {
  int y, mo, d, h, mi, s;
  long us = 0;
  if (std::sscanf(name.c_str(), "snap.%4d%2d%2dT%2d%2d%2d.%6ldZ", &y, &mo, &d, &h, &mi, &s, &us) < 6) return 0;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return double(timegm(&tm)) + double(us) / 1e6;
}

// Bytes in a snapshot's files (most are hard links shared with the store).
int64_t tree_bytes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) total += int64_t(it->file_size(ec));
  return total;
}

}  // namespace

void Runtime::monitor_request(WebRequest& req, std::function<void(WebReply)> done) {
  World& w = *world_;
  if (!w.is_wizard(req.player)) return done(WebReply::fail(403, "E_PERM", "the console is for wizards only"));
  double now = unix_now();
  switch (req.kind) {
    case WebRequest::Monitor: {
      size_t limit = size_t(std::clamp<int64_t>(req.limit, 1, int64_t(kMaxActorRows)));
      size_t matched = 0;
      Value actors = Value::empty_list();
      for (const ActorView& a : telemetry_.actors(req.name, limit, &matched)) list_append(actors, actor_value(a));
      // Tasks: running first, then queued, reading, suspended, waiting for background work.
      std::vector<const TaskEntry*> order;
      for (auto& [id, e] : tasks_)
        if (!e->killed) order.push_back(e.get());
      std::sort(order.begin(), order.end(), [&](const TaskEntry* a, const TaskEntry* b) {
        Shown sa = shown_state(*a, token_), sb = shown_state(*b, token_);
        return sa != sb ? sa < sb : a->id < b->id;
      });
      Value tasks = Value::empty_list();
      for (size_t i = 0; i < order.size() && i < kMaxTaskRows; ++i) {
        const TaskEntry& e = *order[i];
        Value stack = Value::empty_list();
        int64_t owner = e.player;
        std::string verb = e.job.kind == Job::Command || e.job.kind == Job::Login ? e.job.line : e.job.verb;
        int64_t line = 0, this_obj = NOTHING;
        if (e.task && !e.task->frames().empty()) {
          const auto& fr = e.task->frames();
          const Frame& top = fr.back();
          owner = top.progr;
          verb = verb_label(top);
          line = frame_line(top);
          this_obj = top.this_obj;
          for (size_t k = fr.size(); k-- > 0;)  // innermost first, as task_stack()
            list_append(stack, mkmap({{"this", Value::obj(fr[k].this_obj)},
                                      {"verb", Value::str(verb_label(fr[k]))},
                                      {"programmer", Value::obj(fr[k].progr)},
                                      {"line", Value::integer(frame_line(fr[k]))}}));
        }
        // LambdaMOO's: a reading task is its reader's (tasks.c).
        if (e.state == TaskEntry::Reading) owner = e.reading_conn;
        Value t = mkmap({{"id", Value::integer(e.id)},
                         {"state", Value::str(shown_name(shown_state(e, token_)))},
                         {"owner", Value::obj(owner)},
                         {"player", Value::obj(e.player)},
                         {"verb", Value::str(verb)},
                         {"this", Value::obj(this_obj)},
                         {"line", Value::integer(line)},
                         {"started", Value::flt(e.started_at)},
                         {"stack", stack}});
        if (e.state == TaskEntry::Sleeping) t.map_mut()->set(Value::str("wakes"), Value::flt(e.wake_at));
        list_append(tasks, t);
      }
      Value conns = Value::empty_list();
      size_t nconns = 0;
      for (auto& [h, c] : conns_) {
        if (c.closed || c.detached || c.login_watch) continue;
        if (++nconns > kMaxConnectionRows) continue;
        const Object* o = c.id >= 0 ? w.get(c.id) : nullptr;
        Value row = mkmap({{"player", Value::obj(c.id)},
                           {"name", Value::str(o ? o->name : "")},
                           {"connection", Value::str(c.name)},
                           {"web", Value::boolean(c.web)},
                           {"idle_seconds", Value::flt(now - c.last_activity)},
                           {"input", Value::integer(int64_t(c.input.size()))}});
        if (c.connected_at > 0)
          row.map_mut()->set(Value::str("connected_seconds"), Value::flt(now - c.connected_at));
        list_append(conns, row);
      }
      return done(WebReply::ok(mkmap({{"time", Value::flt(now)},
                                      {"sample", sample_value(telemetry_.last())},
                                      {"actors", actors},
                                      {"actors_matched", Value::integer(int64_t(matched))},
                                      {"tasks", tasks},
                                      {"tasks_total", Value::integer(int64_t(order.size()))},
                                      {"connections", conns},
                                      {"connections_total", Value::integer(int64_t(nconns))},
                                      // The event log's last entry: where its tail starts.
                                      {"event_seq", Value::integer(int64_t(
                                                        event_seq_ ? event_seq_ : store_->last_event_seq()))}})));
    }
    case WebRequest::MonitorSeries: {
      Value samples = Value::empty_list();
      for (const MonitorSample& s : telemetry_.series()) list_append(samples, sample_value(s));
      return done(WebReply::ok(mkmap({{"interval", Value::integer(1)}, {"samples", samples}})));
    }
    case WebRequest::Snapshots: {
      Value list = Value::empty_list();
      for (const std::string& path : store_->list_snapshots()) {  // a StoreError is answered 500
        std::string name = std::filesystem::path(path).filename().string();
        list_append(list, mkmap({{"name", Value::str(name)},
                                 {"path", Value::str(path)},
                                 {"time", Value::flt(snapshot_time(name))},
                                 {"bytes", Value::integer(tree_bytes(path))}}));
      }
      return done(WebReply::ok(mkmap({{"snapshots", list}})));
    }
    case WebRequest::TakeSnapshot: {
      if (stopping_) return done(WebReply::fail(503, "stopping", "the server is shutting down"));
      log("CHECKPOINT requested from the console by #" + std::to_string(req.player));
      request_checkpoint();
      return done(WebReply::ok(mkmap({{"requested", Value::boolean(true)}}), 202));
    }
    case WebRequest::KillTask: {
      TaskEntry* e = task(req.task);
      if (!e || e->killed) return done(WebReply::fail(404, "not_found", "no task " + std::to_string(req.task)));
      // Through the world's own kill_task(), as the wizard: its checks,
      // its effects on a reading or suspended task, and its log.
      static const std::shared_ptr<const Program> kill = [] {
        CompileResult r = compile_moo("return kill_task(args[1]);");
        if (!r.ok()) throw std::logic_error("console: kill_task template: " + r.errors[0].to_string());
        return r.program;
      }();
      Job j;
      j.kind = Job::Web;
      j.program = kill;
      j.progr = req.player;
      j.target = NOTHING;
      j.verb = "console:kill_task";
      j.args = make_list({Value::integer(req.task)});
      TaskEntry& k = new_entry(std::move(j), true, 0);
      k.player = req.player;
      k.state = TaskEntry::Ready;
      k.web_reply = std::move(done);
      k.awaiting_delivery = true;
      log("KILL requested from the console by #" + std::to_string(req.player) + ": task " +
          std::to_string(req.task));
      return deliver_to_object(req.player, k.id);
    }
    default:
      return done(WebReply::fail(500, "server_error", "not a console request"));
  }
}

}  // namespace echo::actors
