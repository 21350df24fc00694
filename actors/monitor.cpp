// Monitoring: every actor reports, after each message it handles, its
// mailbox depth and the time it took; the monitor actor writes the table
// to <store>/status.json once a second (what `echo-repl status` prints), and
// actor_stats() returns it to MOO code.
#include <caf/all.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "actors/runtime_impl.h"

namespace echo::actors {

namespace {

using monitor_tick_atom = caf::atom_constant<caf::atom("montick")>;

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
      continue;
    }
    o += char(c);
  }
  return o + "\"";
}

}  // namespace

void Runtime::record(const std::string& name, const char* kind, double seconds, int64_t key) {
  std::lock_guard<std::mutex> lk(stats_mu_);
  ActorStat& s = stats_[name];
  s.kind = kind;
  s.key = key;
  s.handled += 1;
  s.seconds += seconds;
  s.last = unix_now();
}

void Runtime::forget(const std::string& name) {
  std::lock_guard<std::mutex> lk(stats_mu_);
  stats_.erase(name);
}

// With mu held: what waits for each actor now.
std::vector<std::pair<std::string, Runtime::ActorStat>> Runtime::actor_stats() {
  std::vector<std::pair<std::string, ActorStat>> rows;
  {
    std::lock_guard<std::mutex> lk(stats_mu_);
    rows.assign(stats_.begin(), stats_.end());
  }
  for (auto& [name, s] : rows) {
    if (s.kind == "session") {
      auto it = conns_.find(ConnHandle(s.key));
      s.mailbox = it == conns_.end() ? 0 : it->second.input.size();
    } else if (s.kind == "object") {
      auto it = objects_.find(s.key);
      s.mailbox = it == objects_.end() ? 0 : size_t(std::max<int64_t>(0, it->second.pending));
    } else if (s.kind == "task") {
      s.mailbox = waiting_.place(s.key);
    }
  }
  return rows;
}

std::string Runtime::status_json() {
  std::vector<std::pair<std::string, ActorStat>> rows;
  size_t tasks = 0, waiting = 0, conns = 0;
  uint64_t written = 0, synced = 0;
  SpeculationStats spec = speculation_stats();
  {
    std::lock_guard<WorldLock> lk(mu);
    rows = actor_stats();
    tasks = tasks_.size();
    waiting = waiting_.size();
    conns = by_id_.size();
    written = written_seq_;
    synced = synced_seq_;
  }
  std::string j = "{\"time\": " + std::to_string(unix_now()) + ", \"uptime\": " +
                  std::to_string(unix_now() - started_at_) + ", \"store\": " + json_str(store_dir()) +
                  ", \"tasks\": " + std::to_string(tasks) + ", \"token_queue\": " + std::to_string(waiting) +
                  ", \"connections\": " + std::to_string(conns) + ", \"commits_written\": " + std::to_string(written) +
                  ", \"commits_synced\": " + std::to_string(synced) +
                  ", \"speculation\": {\"commits\": " + std::to_string(spec.commits) +
                  ", \"conflicts\": " + std::to_string(spec.conflicts) + ", \"exclusive\": " +
                  std::to_string(spec.exclusive) + ", \"peak_parallel\": " + std::to_string(spec.peak_parallel) +
                  "}, \"actors\": [";
  bool first = true;
  for (auto& [name, s] : rows) {
    if (!first) j += ", ";
    first = false;
    j += "{\"name\": " + json_str(name) + ", \"kind\": " + json_str(s.kind) +
         ", \"mailbox\": " + std::to_string(s.mailbox) + ", \"handled\": " + std::to_string(s.handled) +
         ", \"seconds\": " + std::to_string(s.seconds) + "}";
  }
  return j + "]}\n";
}

void Runtime::write_status() {
  namespace fs = std::filesystem;
  std::string dir = store_dir();
  if (dir.empty()) return;
  std::string tmp = dir + "/status.json.tmp", path = dir + "/status.json";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return;
    f << status_json();
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
}

caf::behavior monitor_actor(caf::event_based_actor* self, Runtime* rt) {
  self->delayed_send(self, std::chrono::seconds(1), monitor_tick_atom::value);
  return {
      [=](monitor_tick_atom) {
        auto t0 = std::chrono::steady_clock::now();
        rt->sweep_connections();
        rt->evict_objects();
        rt->flush_deferred_tasks();
        rt->write_status();
        rt->record("monitor", "monitor", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        self->delayed_send(self, std::chrono::seconds(1), monitor_tick_atom::value);
      },
  };
}

// LambdaMOO's main loop: an un-logged-in connection idle longer than
// $server_options.connect_timeout (default 300 s; <= 0: never) is closed.
void Runtime::sweep_connections() {
  std::lock_guard<WorldLock> lk(mu);
  drain_inbox();  // a safety net: slices and the inbox actor normally do it
  if (stopping_) return;
  load_net_options();
  double now = unix_now();
  Value v = server_option("connect_timeout");
  int64_t timeout = v.type() == Type::None ? 300 : v.is_int() ? v.as_int() : 0;
  if (timeout <= 0) return;
  bool any = false;
  for (auto& [h, c] : conns_) {
    if (c.closed || c.detached || c.connected_at != 0 || c.busy || now - c.last_activity <= double(timeout)) continue;
    log("TIMEOUT: #" + std::to_string(c.id) + " on " + c.name);
    int64_t id = c.id, listener = c.listener;
    close_connection(c, "*** Timed-out waiting for login. ***");
    run_notifier(id, listener, "user_disconnected", make_list({Value::obj(id)}), true);
    any = true;
  }
  if (any) std::erase_if(conns_, [](auto& kv) { return kv.second.closed && !kv.second.busy; });
}

void Runtime::start_monitor() { monitor_ = sys_->spawn(monitor_actor, this); }

// Every minute, while more objects are resident than
// $server_options.max_resident_objects (default 100,000; <= 0: never), the
// ones no task used in the last minute leave memory (World::evict_unused);
// they are read again from the store when next used. Under mu, so between
// slices, as eviction needs.
void Runtime::evict_objects() {
  std::lock_guard<WorldLock> lk(mu);
  double now = unix_now();
  if (stopping_ || now - last_eviction_ < 60) return;
  last_eviction_ = now;
  int64_t keep = server_int_option("max_resident_objects", 100000);
  if (keep <= 0) return;
  if (size_t n = world_->evict_unused(size_t(keep)))
    log("EVICTED: " + std::to_string(n) + " unused objects; " + std::to_string(world_->resident_objects()) +
        " resident");
}

}  // namespace echo::actors
