// Monitoring: every actor reports, after each message it handles, the time
// it took (counted in its LatencyHistogram, actors/monitor.h). Once a
// second the monitor actor samples the table and the server's totals into
// the Telemetry the operator's console reads, and writes the table to
// <store>/status.json (what `echo-repl status` prints); actor_stats()
// returns it to MOO code.
#include <caf/all.hpp>

#include <algorithm>
#include <cmath>
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
  s.hist.add(seconds);
  s.last = unix_now();
}

void Runtime::forget(const std::string& name) {
  std::lock_guard<std::mutex> lk(stats_mu_);
  stats_.erase(name);
}

// With mu held: what waits for the actor of `kind` and `key` now; `places`
// is waiting_.places(), made once for all the rows.
size_t Runtime::mailbox_of(std::string_view kind, int64_t key, const std::unordered_map<int64_t, size_t>& places) {
  if (kind == "session") {
    auto it = conns_.find(ConnHandle(key));
    return it == conns_.end() ? 0 : it->second.input.size();
  }
  if (kind == "object") {
    auto it = objects_.find(key);
    return it == objects_.end() ? 0 : size_t(std::max<int64_t>(0, it->second.pending));
  }
  if (kind == "task") {
    auto it = places.find(key);
    return it == places.end() ? 0 : it->second;
  }
  if (kind == "sessions") {  // the inbox actor: the sessions' events not yet handled
    std::lock_guard<std::mutex> lk(inbox_mu_);
    return inbox_.size();
  }
  return 0;
}

// With mu held: what waits for each actor now.
std::vector<std::pair<std::string, Runtime::ActorStat>> Runtime::actor_stats() {
  std::vector<std::pair<std::string, ActorStat>> rows;
  {
    std::lock_guard<std::mutex> lk(stats_mu_);
    rows.assign(stats_.begin(), stats_.end());
  }
  const auto places = waiting_.places();
  for (auto& [name, s] : rows) s.mailbox = mailbox_of(s.kind, s.key, places);
  return rows;
}

// What the monitor sampled last (sample_monitor(), just before), with the
// counts of the moment.
std::string Runtime::status_json() {
  size_t matched = 0;
  std::vector<ActorView> rows = telemetry_.actors("", SIZE_MAX, &matched);
  size_t tasks = 0, waiting = 0, conns = 0;
  uint64_t written = 0, synced = 0;
  SpeculationStats spec = speculation_stats();
  {
    std::lock_guard<WorldLock> lk(mu);
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
  for (const ActorView& a : rows) {
    if (!first) j += ", ";
    first = false;
    j += "{\"name\": " + json_str(a.name) + ", \"kind\": " + json_str(a.kind) +
         ", \"mailbox\": " + std::to_string(a.mailbox) + ", \"handled\": " + std::to_string(a.handled) +
         ", \"seconds\": " + std::to_string(a.seconds) + ", \"p50\": " + std::to_string(a.p50) +
         ", \"p99\": " + std::to_string(a.p99) + "}";
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
        rt->sample_monitor();
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

void Runtime::sample_monitor() {
  // The table is copied holding only stats_mu_ (as the actors report);
  // mu, which every task's slice needs, only for the mailboxes and counts.
  std::vector<Telemetry::ActorRow> rows;
  std::vector<int64_t> keys;
  {
    std::lock_guard<std::mutex> lk(stats_mu_);
    rows.reserve(stats_.size());
    keys.reserve(stats_.size());
    for (const auto& [name, s] : stats_) {
      rows.push_back(Telemetry::ActorRow{name, s.kind, 0, s.handled, s.seconds, s.hist});
      keys.push_back(s.key);
    }
  }
  Telemetry::Totals t;
  {
    std::lock_guard<WorldLock> lk(mu);
    const auto places = waiting_.places();
    for (size_t i = 0; i < rows.size(); ++i) rows[i].mailbox = mailbox_of(rows[i].kind, keys[i], places);
    t.command_latency = command_latency_;
    t.commands = commands_done_;
    t.wal_syncs = wal_syncs_;
    t.commits = commits_.load();
    t.connections = int64_t(by_id_.size());
    t.tasks = int64_t(tasks_.size());
    t.resident_objects = int64_t(world_->resident_objects());
  }
  t.conflicts = spec_conflicts_.load();
  t.reruns = spec_exclusive_.load();
  telemetry_.sample(unix_now(), std::move(rows), t);
}

// ---- Telemetry (monitor.h) ----------------------------------------------------

double LatencyHistogram::upper_bound(int bucket) {
  if (bucket <= 0) return 1e-6;
  int k = (bucket - 1) / 2;
  double low = std::ldexp(1.0, k);  // 2^k µs
  return ((bucket - 1) % 2 ? 2 * low : 1.5 * low) * 1e-6;
}

void Telemetry::sample(double now, std::vector<ActorRow> rows, const Totals& totals) {
  std::lock_guard<std::mutex> lk(mu_);
  double dt = have_totals_ ? std::max(now - last_time_, 1e-3) : 1;
  bool turn = ++window_age_ >= kWindow;  // this sample ends the filling window
  if (turn) window_age_ = 0;
  std::vector<ActorView> views;
  views.reserve(rows.size());
  ++generation_;
  for (ActorRow& r : rows) {
    Recent& rc = recent_[r.name];  // in place: the same actors' entries are not made again each second
    rc.generation = generation_;
    ActorView v;
    v.kind = r.kind;
    v.mailbox = r.mailbox;
    v.handled = r.handled;
    v.seconds = r.seconds;
    // A counter smaller than last time: a new actor under an old name.
    bool restarted = r.handled < rc.handled;
    if (restarted) {
      rc = Recent{};
      rc.generation = generation_;
    }
    v.rate = double(r.handled - rc.handled) / dt;
    v.busy = std::max(0.0, r.seconds - rc.seconds) / dt;
    std::array<uint32_t, LatencyHistogram::kBuckets> window{};
    uint64_t in_window = 0;
    for (size_t i = 0; i < window.size(); ++i) {
      uint32_t d = r.hist.count[i] >= rc.seen.count[i] ? r.hist.count[i] - rc.seen.count[i] : r.hist.count[i];
      rc.filling.count[i] += d;
      window[i] = rc.filling.count[i] + rc.full.count[i];
      in_window += window[i];
    }
    const auto& counts = in_window ? window : r.hist.count;  // idle for a while: all it did
    v.p50 = LatencyHistogram::quantile(counts, 0.5);
    v.p99 = LatencyHistogram::quantile(counts, 0.99);
    if (turn) {
      rc.full = rc.filling;
      rc.filling = LatencyHistogram{};
    }
    rc.handled = r.handled;
    rc.seconds = r.seconds;
    rc.seen = r.hist;
    v.name = std::move(r.name);
    views.push_back(std::move(v));
  }
  std::erase_if(recent_, [&](const auto& kv) { return kv.second.generation != generation_; });  // gone actors
  std::sort(views.begin(), views.end(), [](const ActorView& a, const ActorView& b) {
    if (a.busy != b.busy) return a.busy > b.busy;
    if (a.mailbox != b.mailbox) return a.mailbox > b.mailbox;
    if (a.rate != b.rate) return a.rate > b.rate;
    return a.name < b.name;
  });
  views_ = std::move(views);
  if (have_totals_) {
    auto per_second = [&](uint64_t now_count, uint64_t before) {
      return now_count >= before ? double(now_count - before) / dt : 0.0;
    };
    MonitorSample m;
    m.time = now;
    m.commits = per_second(totals.commits, last_.commits);
    m.conflicts = per_second(totals.conflicts, last_.conflicts);
    m.reruns = per_second(totals.reruns, last_.reruns);
    m.wal_syncs = per_second(totals.wal_syncs, last_.wal_syncs);
    m.commands = per_second(totals.commands, last_.commands);
    std::array<uint32_t, LatencyHistogram::kBuckets> d{};
    for (size_t i = 0; i < d.size(); ++i)
      d[i] = totals.command_latency.count[i] - last_.command_latency.count[i];
    m.command_p50 = LatencyHistogram::quantile(d, 0.5);
    m.command_p99 = LatencyHistogram::quantile(d, 0.99);
    m.connections = totals.connections;
    m.resident_objects = totals.resident_objects;
    m.tasks = totals.tasks;
    m.actors = int64_t(views_.size());
    ring_.push_back(m);
    while (ring_.size() > kSamples) ring_.pop_front();
  }
  last_ = totals;
  last_time_ = now;
  have_totals_ = true;
}

std::vector<MonitorSample> Telemetry::series() const {
  std::lock_guard<std::mutex> lk(mu_);
  return {ring_.begin(), ring_.end()};
}

MonitorSample Telemetry::last() const {
  std::lock_guard<std::mutex> lk(mu_);
  return ring_.empty() ? MonitorSample{} : ring_.back();
}

namespace {
bool contains_nocase(std::string_view hay, std::string_view needle) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && lower(hay[i + j]) == lower(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}
}  // namespace

std::vector<ActorView> Telemetry::actors(const std::string& filter, size_t limit, size_t* matched) const {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<ActorView> out;
  size_t n = 0;
  for (const ActorView& v : views_) {
    if (!contains_nocase(v.name, filter) && !contains_nocase(v.kind, filter)) continue;
    ++n;
    if (out.size() < limit) out.push_back(v);
  }
  if (matched) *matched = n;
  return out;
}

}  // namespace echo::actors
