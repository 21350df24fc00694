// The monitor's measures (actors/monitor.h): the latency histogram's
// buckets and quantiles, and what Telemetry makes of the samples.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "actors/monitor.h"

using echo::actors::ActorView;
using echo::actors::LatencyHistogram;
using echo::actors::MonitorSample;
using echo::actors::Telemetry;

namespace {

int bucket_of(double seconds) {
  LatencyHistogram h;
  h.add(seconds);
  for (int b = 0; b < LatencyHistogram::kBuckets; ++b)
    if (h.count[size_t(b)]) return b;
  return -1;
}

Telemetry::ActorRow actor(std::string name, std::string kind, uint64_t handled, double seconds,
                          std::vector<double> times, size_t mailbox = 0) {
  Telemetry::ActorRow r;
  r.name = std::move(name);
  r.kind = std::move(kind);
  r.handled = handled;
  r.seconds = seconds;
  r.mailbox = mailbox;
  for (double t : times) r.hist.add(t);
  return r;
}

}  // namespace

TEST_CASE("latency histogram: a time's bucket bound is above it and at most 50% over", "[monitor]") {
  for (double t : {0.0000012, 0.0000031, 0.000047, 0.00099, 0.0123, 0.25, 1.7}) {
    double bound = LatencyHistogram::upper_bound(bucket_of(t));
    CHECK(bound > t);
    CHECK(bound <= t * 1.5 + 1e-12);
  }
  CHECK(bucket_of(0) == 0);
  CHECK(bucket_of(0.0000005) == 0);                         // under 1 us
  CHECK(bucket_of(3600) == LatencyHistogram::kBuckets - 1);  // the last holds the rest
  CHECK(bucket_of(-1) == 0);                                 // a clock that went back
}

TEST_CASE("latency histogram: quantiles come from the counts", "[monitor]") {
  LatencyHistogram h;
  CHECK(LatencyHistogram::quantile(h.count, 0.5) == 0);  // empty
  for (int i = 0; i < 98; ++i) h.add(0.0001);
  h.add(0.01);
  h.add(0.01);
  double p50 = LatencyHistogram::quantile(h.count, 0.5), p99 = LatencyHistogram::quantile(h.count, 0.99);
  CHECK(p50 > 0.0001);
  CHECK(p50 < 0.00015);
  CHECK(p99 > 0.01);
  CHECK(p99 < 0.015);
}

TEST_CASE("telemetry: the first sample is the baseline; then rates and latencies a second", "[monitor]") {
  Telemetry t;
  Telemetry::Totals a;
  a.commits = 10;
  a.commands = 4;
  a.connections = 3;
  t.sample(100, {}, a);
  CHECK(t.series().empty());
  Telemetry::Totals b = a;
  b.commits = 30;
  b.conflicts = 2;
  b.commands = 8;
  for (int i = 0; i < 4; ++i) b.command_latency.add(0.002);
  b.wal_syncs = 5;
  b.resident_objects = 99;
  t.sample(102, {}, b);  // two seconds later
  std::vector<MonitorSample> s = t.series();
  REQUIRE(s.size() == 1);
  CHECK(s[0].time == 102);
  CHECK(s[0].commits == 10);  // 20 in two seconds
  CHECK(s[0].conflicts == 1);
  CHECK(s[0].commands == 2);
  CHECK(s[0].wal_syncs == 2.5);
  CHECK(s[0].command_p50 > 0.002);
  CHECK(s[0].command_p50 <= 0.003);
  CHECK(s[0].connections == 3);
  CHECK(s[0].resident_objects == 99);
  CHECK(t.last().time == 102);
}

TEST_CASE("telemetry: the ring keeps the last 300 samples", "[monitor]") {
  Telemetry t;
  Telemetry::Totals z;
  for (int i = 0; i <= 310; ++i) t.sample(1000 + i, {}, z);
  std::vector<MonitorSample> s = t.series();
  REQUIRE(s.size() == Telemetry::kSamples);
  CHECK(s.front().time == 1011);
  CHECK(s.back().time == 1310);
}

TEST_CASE("telemetry: actors heaviest first, filtered by name or kind, ASCII case ignored", "[monitor]") {
  Telemetry t;
  Telemetry::Totals z;
  t.sample(0, {actor("object #1", "object", 0, 0, {}), actor("task 7", "task", 0, 0, {}),
               actor("session 2 (port 7777)", "session", 0, 0, {})}, z);
  t.sample(1, {actor("object #1", "object", 10, 0.010, std::vector<double>(10, 0.001)),
               actor("task 7", "task", 2, 0.5, {0.25, 0.25}),
               actor("session 2 (port 7777)", "session", 1, 0.0001, {0.0001}, 4)}, z);
  size_t matched = 0;
  std::vector<ActorView> all = t.actors("", 100, &matched);
  REQUIRE(all.size() == 3);
  CHECK(matched == 3);
  CHECK(all[0].name == "task 7");  // busy half the second
  CHECK(all[0].busy == Approx(0.5));
  CHECK(all[0].rate == Approx(2));
  CHECK(all[1].name == "object #1");
  CHECK(all[1].rate == Approx(10));
  CHECK(all[1].p50 > 0.001);
  CHECK(all[1].p50 <= 0.0015);
  CHECK(all[2].mailbox == 4);
  std::vector<ActorView> some = t.actors("SESSION", 100, &matched);
  REQUIRE(some.size() == 1);
  CHECK(some[0].kind == "session");
  CHECK(t.actors("object", 0, &matched).empty());
  CHECK(matched == 1);  // counted though none is returned
}

TEST_CASE("telemetry: an actor's percentiles are of its last 10 to 20 seconds, else of all", "[monitor]") {
  Telemetry t;
  Telemetry::Totals z;
  std::vector<double> slow(100, 0.1), fast(100, 0.0001);
  t.sample(0, {actor("a", "object", 100, 10, slow)}, z);
  std::vector<double> both = slow;
  both.insert(both.end(), fast.begin(), fast.end());
  // 100 slow messages 30 seconds ago (out of both windows), then 100 fast ones.
  for (int i = 1; i <= 30; ++i) t.sample(i, {actor("a", "object", 100, 10, slow)}, z);
  t.sample(31, {actor("a", "object", 200, 10.01, both)}, z);
  size_t matched = 0;
  ActorView v = t.actors("", 1, &matched)[0];
  CHECK(v.p99 < 0.001);  // the slow ones are out of the window
  // Idle for 20 seconds: nothing in the windows, so all its messages count.
  for (int i = 32; i <= 52; ++i) t.sample(i, {actor("a", "object", 200, 10.01, both)}, z);
  v = t.actors("", 1, &matched)[0];
  CHECK(v.p99 > 0.1);
  CHECK(v.rate == 0);
}

TEST_CASE("telemetry: a window keeps its messages until the next one is full", "[monitor]") {
  Telemetry t;
  Telemetry::Totals z;
  std::vector<double> times(20, 0.1);  // 20 slow messages, then 100 fast ones a second
  auto at = [&](int i) {
    if (i > 0) times.insert(times.end(), 100, 0.0001);
    t.sample(i, {actor("a", "object", times.size(), 1, times)}, z);
    size_t matched = 0;
    return t.actors("", 1, &matched)[0];
  };
  for (int i = 0; i < 2 * Telemetry::kWindow; ++i) {
    INFO("sample " << i);
    CHECK(at(i).p99 > 0.05);  // the slow ones are still among the slowest 1% of the windows
  }
  CHECK(at(2 * Telemetry::kWindow).p99 < 0.001);  // the window holding them has gone
}

TEST_CASE("telemetry: an actor gone is forgotten; a new one under its name starts afresh", "[monitor]") {
  Telemetry t;
  Telemetry::Totals z;
  t.sample(0, {actor("task 9", "task", 50, 1, {})}, z);
  t.sample(1, {}, z);
  size_t matched = 9;
  CHECK(t.actors("", 10, &matched).empty());
  CHECK(matched == 0);
  t.sample(2, {actor("task 9", "task", 3, 0.003, {0.001, 0.001, 0.001})}, z);
  ActorView v = t.actors("", 10, &matched)[0];
  CHECK(v.rate == Approx(3));  // not 3 - 50
  CHECK(v.handled == 3);
}

// By hand: echo-actors-tests "[.monitor-cost]" prints what a second's
// sample costs the monitor with 10,000 actors.
TEST_CASE("telemetry: a sample of 10,000 actors", "[.monitor-cost]") {
  Telemetry t;
  Telemetry::Totals z;
  auto rows = [](int round) {
    std::vector<Telemetry::ActorRow> r;
    for (int i = 0; i < 10000; ++i)
      r.push_back(actor("object #" + std::to_string(i), "object", uint64_t(round * 10), round * 0.01,
                        std::vector<double>(size_t(round), 0.0002)));
    return r;
  };
  double worst = 0, total = 0;
  for (int round = 0; round < 20; ++round) {
    auto r = rows(round);
    auto t0 = std::chrono::steady_clock::now();
    t.sample(round, std::move(r), z);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    worst = std::max(worst, dt);
    total += dt;
  }
  WARN("10,000 actors: " << total / 20 * 1e3 << " ms a sample on average, " << worst * 1e3 << " ms at worst");
}
