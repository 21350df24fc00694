// What the operator's console (/console, docs/web.md) shows of the running
// server, kept cheaply.
//
// - LatencyHistogram: the time of each message an actor handles (and of
//   each command), counted in fixed buckets. Adding is a few instructions
//   and allocates nothing, so it runs after every message.
// - Telemetry: what the monitor actor samples once a second. Per actor, the
//   messages a second, the share of a second spent on them and p50/p99 over
//   the last 10 to 20 seconds (two windows of kWindow samples: the one
//   filling and the last full one); for the whole server, a ring of the
//   last kSamples seconds
//   (commits, conflicts, reruns, WAL syncs and commands a second, command
//   latency, connections, resident objects, tasks).
//
// Concurrency: LatencyHistogram is a plain value (its owner's lock guards
// it). Telemetry is thread-safe: sample() is called by the monitor actor,
// the readers by web requests, each under Telemetry's own mutex, never the
// world's lock.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace echo::actors {

struct LatencyHistogram {
  // Bucket 0: under 1 µs. Then two a power of two: bucket 2k+1 holds
  // [2^k, 1.5 * 2^k) µs, bucket 2k+2 [1.5 * 2^k, 2^(k+1)) µs; the last also
  // holds everything longer (from about 4 s).
  static constexpr int kBuckets = 46;
  std::array<uint32_t, kBuckets> count{};

  void add(double seconds) {
    uint64_t us = seconds > 0 ? uint64_t(seconds * 1e6) : 0;
    int b = 0;
    if (us > 0) {
      int k = 63 - __builtin_clzll(us);  // floor(log2(us))
      int half = k > 0 ? int((us >> (k - 1)) & 1) : 0;
      b = 2 * k + half + 1;
      if (b >= kBuckets) b = kBuckets - 1;
    }
    ++count[size_t(b)];
  }
  static double upper_bound(int bucket);  // seconds
  // The q-quantile (0 < q <= 1) of bucket counts `c`, as the upper bound of
  // the bucket it falls in (at most 50% over the truth); 0 when all are 0.
  template <class Count>
  static double quantile(const std::array<Count, kBuckets>& c, double q) {
    double total = 0;
    for (Count n : c) total += double(n);
    if (total <= 0) return 0;
    double want = q * total, seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
      seen += double(c[size_t(b)]);
      if (seen >= want && c[size_t(b)] > 0) return upper_bound(b);
    }
    return upper_bound(kBuckets - 1);
  }
};

// One second of the whole server.
struct MonitorSample {
  double time = 0;  // unix time
  // Per second, over the second before `time`.
  double commits = 0;    // segments published (/metrics' echo_commits_total; commit_stats() counts speculative ones)
  double conflicts = 0;  // speculative segments rolled back: something they read had changed
  double reruns = 0;     // speculative segments rolled back to run alone (fork, create(), ...)
  double wal_syncs = 0;  // RocksDB WAL syncs (one covers a group of commits)
  double commands = 0;   // typed commands whose first segment ended
  double command_p50 = 0, command_p99 = 0;  // their latency in seconds (line taken to first segment's end); 0: none
  int64_t connections = 0, resident_objects = 0, tasks = 0, actors = 0;
};

// One actor as the console shows it.
struct ActorView {
  std::string name, kind;
  size_t mailbox = 0;     // what waits for it now
  uint64_t handled = 0;   // messages since it started
  double seconds = 0;     // time spent on them
  double rate = 0;        // messages a second, in the last second
  double busy = 0;        // seconds spent a second, in the last second (1 = always busy)
  double p50 = 0, p99 = 0;  // seconds a message, over the last 10 to 20 s (all its messages if none since)
};

class Telemetry {
 public:
  static constexpr size_t kSamples = 300;
  static constexpr int kWindow = 10;  // samples in a percentile window

  // The monitor's table at one moment (Runtime::actor_stats() with its
  // histograms), and the server's running totals.
  struct ActorRow {
    std::string name, kind;
    size_t mailbox = 0;
    uint64_t handled = 0;
    double seconds = 0;
    LatencyHistogram hist;
  };
  struct Totals {
    uint64_t commits = 0, conflicts = 0, reruns = 0, wal_syncs = 0, commands = 0;
    LatencyHistogram command_latency;
    int64_t connections = 0, resident_objects = 0, tasks = 0;
  };
  void sample(double now, std::vector<ActorRow> rows, const Totals& totals);

  std::vector<MonitorSample> series() const;  // oldest first, kSamples at most
  MonitorSample last() const;                 // zeros before the first two samples
  // The actors whose name or kind contains `filter` (ASCII case ignored;
  // "" for all), heaviest first (busy, then mailbox, then rate), at most
  // `limit`; `matched` is how many there were in all.
  std::vector<ActorView> actors(const std::string& filter, size_t limit, size_t* matched) const;

 private:
  mutable std::mutex mu_;
  std::deque<MonitorSample> ring_;
  std::vector<ActorView> views_;
  struct Recent {
    uint64_t generation = 0;  // the last sample that saw the actor
    uint64_t handled = 0;
    double seconds = 0;
    LatencyHistogram seen;           // the counts at the last sample
    LatencyHistogram filling, full;  // the messages of this window, and of the last one
  };
  std::unordered_map<std::string, Recent> recent_;  // by actor name; gone actors are dropped
  int window_age_ = 0;  // samples in the filling window (all actors' windows turn together)
  uint64_t generation_ = 0;  // samples taken
  bool have_totals_ = false;
  double last_time_ = 0;
  Totals last_;
};

}  // namespace echo::actors
