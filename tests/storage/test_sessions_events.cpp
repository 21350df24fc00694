// The players family's web sessions and the events family's event log.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "lang/map.h"
#include "storage/store.h"
#include "store_test_util.h"

using namespace echo;
using namespace echo::storage;
using storage_test::poke;
using storage_test::TempDir;

namespace {

// A 32-byte "SHA-256": NULs and high bytes included, distinct for each n.
std::string hash_of(int n) {
  std::string h(kSessionHashBytes, '\0');
  for (size_t i = 0; i < h.size(); ++i) h[i] = char((n * 37 + int(i) * 11) & 0xFF);
  h[31] = char(n);
  return h;
}

SessionRecord session(Objid player, double created, std::string addr) {
  return SessionRecord{player, created, created + 3600, created + 10, std::move(addr)};
}

bool same_session(const SessionRecord& a, const SessionRecord& b) {
  return a.player == b.player && a.created == b.created && a.expires == b.expires && a.last_used == b.last_used &&
         a.remote_addr == b.remote_addr;
}

EventRecord event(uint64_t seq, double time, std::string type = "event", Value payload = Value::integer(0)) {
  EventRecord e;
  e.seq = seq;
  e.time = time;
  e.type = std::move(type);
  e.source = Objid(seq % 7);
  e.target = Objid(100 + seq);
  e.player = seq % 2 ? Objid(2) : kNothing;
  e.payload = std::move(payload);
  return e;
}

// Appends seqs [from, to] with time = base + seq, types alternating
// "connect" (odd) / "event" (even), in one commit.
void append(Store& s, uint64_t from, uint64_t to, double base = 1000) {
  Batch b;
  for (uint64_t q = from; q <= to; ++q) b.put_event(event(q, base + double(q), q % 2 ? "connect" : "event"));
  s.commit(b);
}

std::vector<uint64_t> seqs_of(const EventPage& p) {
  std::vector<uint64_t> r;
  for (const EventRecord& e : p.events) r.push_back(e.seq);
  return r;
}

std::vector<uint64_t> all_seqs(const Store& s) {
  std::vector<uint64_t> r;
  EventPage p;
  do {
    p = s.read_events(p.next_since, SIZE_MAX);
    for (uint64_t q : seqs_of(p)) r.push_back(q);
  } while (!p.at_end);
  return r;
}

std::vector<uint64_t> range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> r;
  for (uint64_t q = from; q <= to; ++q) r.push_back(q);
  return r;
}

std::string event_key(uint64_t seq) {
  std::string k;
  for (int i = 7; i >= 0; --i) k.push_back(char((seq >> (8 * i)) & 0xFF));
  return k;
}

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string r;
  for (unsigned char c : bytes) r += {d[c >> 4], d[c & 15]};
  return r;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no StoreError)";
}

}  // namespace

// ---- Sessions

TEST_CASE("sessions: put, get, delete and scan, and they survive a reopen", "[store][sessions]") {
  TempDir tmp("sessions");
  std::string dir = tmp / "w.db";
  std::map<std::string, SessionRecord> expect = {
      {hash_of(1), session(2, 1.7e9, "127.0.0.1")},
      {hash_of(2), session(2, 1.7e9 + 0.25, "2001:db8::1")},
      {hash_of(3), session(5, 1.7e9 + 7, std::string("odd\0addr", 8))},
  };
  {
    auto s = Store::open(dir);
    CHECK_FALSE(s->get_session(hash_of(1)));
    Batch b;
    for (const auto& [h, r] : expect) b.put_session(h, r);
    s->commit(b);
    for (const auto& [h, r] : expect) {
      auto got = s->get_session(h);
      REQUIRE(got);
      CHECK(same_session(*got, r));
    }
  }
  auto s = Store::open(dir, StoreOptions{false, true});
  // A key of another kind in the same family is not a session.
  s->close();
  poke(dir, "players", "c" + std::string(8, 'x'), "credentials, some day");
  s = Store::open(dir, StoreOptions{false, true});
  std::vector<std::string> seen;
  s->for_each_session([&](std::string_view h, const SessionRecord& r) {
    seen.emplace_back(h);
    REQUIRE(expect.count(std::string(h)));
    CHECK(same_session(r, expect.at(std::string(h))));
  });
  CHECK(seen == std::vector<std::string>{hash_of(1), hash_of(2), hash_of(3)});  // std::map's order is byte order

  // Ending all of player #2's sessions, as boot_player() will: scan, then delete.
  std::vector<std::string> doomed;
  s->for_each_session([&](std::string_view h, const SessionRecord& r) {
    if (r.player == 2) doomed.emplace_back(h);
  });
  Batch del;
  for (const std::string& h : doomed) del.delete_session(h);
  del.delete_session(hash_of(99));  // not there: not an error
  s->commit(del);
  CHECK_FALSE(s->get_session(hash_of(1)));
  CHECK_FALSE(s->get_session(hash_of(2)));
  REQUIRE(s->get_session(hash_of(3)));
  CHECK(s->get_session(hash_of(3))->remote_addr == std::string("odd\0addr", 8));
  s->close();
  s = Store::open(dir, StoreOptions{false, true});
  size_t n = 0;
  s->for_each_session([&](std::string_view, const SessionRecord&) { ++n; });
  CHECK(n == 1);
}

TEST_CASE("sessions: a hash that is not 32 bytes is refused", "[store][sessions]") {
  TempDir tmp("sessions-len");
  auto s = Store::open(tmp / "w");
  Batch b;
  CHECK_THROWS_WITH(b.put_session("short", session(2, 1, "x")), Catch::Contains("session hash of 5 bytes"));
  CHECK_THROWS_AS(b.delete_session(hash_of(1) + "!"), StoreError);
  CHECK(b.empty());
  CHECK_THROWS_AS(s->get_session(""), StoreError);
}

TEST_CASE("sessions: a corrupt or too-new record is a StoreError naming it", "[store][sessions]") {
  TempDir tmp("sessions-corrupt");
  std::string dir = tmp / "w.db";
  std::string good;
  {
    auto s = Store::open(dir);
    Batch b;
    b.put_session(hash_of(1), session(2, 1, "a"));
    good = *b.ops()[0].value;
    s->commit(b);
  }
  poke(dir, "players", "s" + hash_of(2), "garbage!");
  std::string too_new = good;
  too_new[16] = char(99);  // formatVersion: the first data word (see test_store.cpp)
  poke(dir, "players", "s" + hash_of(3), too_new);
  auto s = Store::open(dir);
  CHECK(s->get_session(hash_of(1)).has_value());
  std::string e2 = error_of([&] { s->get_session(hash_of(2)); });
  CHECK_THAT(e2, Catch::Contains("corrupt record") && Catch::Contains("players session"));
  CHECK_THAT(e2, Catch::Contains(hex(hash_of(2))));
  CHECK_THAT(error_of([&] { s->get_session(hash_of(3)); }), Catch::Contains("record format 99"));
  CHECK_THAT(error_of([&] { s->for_each_session([](std::string_view, const SessionRecord&) {}); }),
             Catch::Contains("corrupt record"));
  // A session key of the wrong length.
  s->close();
  {
    TempDir tmp2("sessions-badkey");
    std::string dir2 = tmp2 / "w.db";
    Store::open(dir2)->close();
    poke(dir2, "players", "s123", good);
    auto s2 = Store::open(dir2);
    CHECK_THAT(error_of([&] { s2->for_each_session([](std::string_view, const SessionRecord&) {}); }),
               Catch::Contains("players key 73313233") && Catch::Contains("session key of 4 bytes"));
  }
}

// ---- Events

TEST_CASE("events: one commit holds an event and the object write that caused it", "[store][events]") {
  TempDir tmp("events-commit");
  std::string dir = tmp / "w.db";
  {
    auto s = Store::open(dir);
    CHECK(s->last_event_seq() == 0);
    Object o;
    o.id = 12;
    o.name = "lamp";
    Batch b;
    b.put_object(o);
    b.put_event(event(1, 1.5e9, "event", Value::str("the lamp is lit")));
    REQUIRE(b.size() == 2);
    CHECK(b.ops()[0].family == Batch::Family::Objects);
    CHECK(b.ops()[1].family == Batch::Family::Events);
    s->commit(b);
  }
  auto s = Store::open(dir, StoreOptions{false, true});
  REQUIRE(s->get_object(12));
  CHECK(s->get_object(12)->name == "lamp");
  EventPage p = s->read_events(0, 10);
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].payload.as_str() == "the lamp is lit");
  // (That a kill never splits such a commit is test_store_crash.cpp's check.)
}

TEST_CASE("events: seq 0 is refused: it means \"before every event\"", "[store][events]") {
  Batch b;
  CHECK_THROWS_WITH(b.put_event(event(0, 1)), Catch::Contains("seq 0"));
  CHECK(b.empty());
}

TEST_CASE("events: last_event_seq is the highest seq, also after a reopen", "[store][events]") {
  TempDir tmp("events-last");
  std::string dir = tmp / "w.db";
  {
    auto s = Store::open(dir);
    CHECK(s->last_event_seq() == 0);
    append(*s, 1, 3);
    Batch b;
    b.put_event(event(300, 1));  // past 255: the key is big-endian, not byte-reversed
    s->commit(b);
    CHECK(s->last_event_seq() == 300);
  }
  auto s = Store::open(dir, StoreOptions{false, true});
  CHECK(s->last_event_seq() == 300);
  CHECK(all_seqs(*s) == std::vector<uint64_t>{1, 2, 3, 300});
}

TEST_CASE("events: read_events by since, limit and filter, continuing where it stopped", "[store][events]") {
  TempDir tmp("events-read");
  auto s = Store::open(tmp / "w");
  append(*s, 1, 20);

  EventPage all = s->read_events(0, 100);
  CHECK(seqs_of(all) == range(1, 20));
  CHECK(all.next_since == 20);
  CHECK(all.at_end);
  CHECK(all.events[4].type == "connect");
  CHECK(all.events[4].time == 1005);
  CHECK(all.events[4].source == 5 % 7);
  CHECK(all.events[4].target == 105);
  CHECK(all.events[4].player == 2);
  CHECK(all.events[5].player == kNothing);

  EventPage p = s->read_events(5, 3);
  CHECK(seqs_of(p) == std::vector<uint64_t>{6, 7, 8});
  CHECK(p.next_since == 8);
  CHECK_FALSE(p.at_end);
  // Exactly at the end: the page knows nothing follows.
  p = s->read_events(17, 3);
  CHECK(seqs_of(p) == std::vector<uint64_t>{18, 19, 20});
  CHECK(p.at_end);
  p = s->read_events(20, 3);
  CHECK(p.events.empty());
  CHECK(p.next_since == 20);
  CHECK(p.at_end);
  p = s->read_events(UINT64_MAX, 3);
  CHECK(p.events.empty());
  CHECK(p.at_end);
  p = s->read_events(3, 0);
  CHECK(p.events.empty());
  CHECK(p.next_since == 3);
  CHECK_FALSE(p.at_end);

  auto connects = [](const EventRecord& e) { return e.type == "connect"; };
  p = s->read_events(0, 4, connects);
  CHECK(seqs_of(p) == std::vector<uint64_t>{1, 3, 5, 7});
  CHECK(p.next_since == 7);
  // Continuing page by page gives every match once.
  std::vector<uint64_t> got;
  for (p = EventPage{};;) {
    p = s->read_events(p.next_since, 4, connects);
    for (uint64_t q : seqs_of(p)) got.push_back(q);
    if (p.at_end) break;
  }
  CHECK(got == std::vector<uint64_t>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19});
}

TEST_CASE("events: a filter that matches nothing reads a bounded number of records", "[store][events]") {
  TempDir tmp("events-bound");
  auto s = Store::open(tmp / "w");
  append(*s, 1, 20);
  size_t calls = 0;
  auto none = [&](const EventRecord&) {
    ++calls;
    return false;
  };
  EventPage p = s->read_events(0, 5, none, 7);
  CHECK(p.events.empty());
  CHECK(calls == 7);
  CHECK(p.next_since == 7);
  CHECK_FALSE(p.at_end);
  p = s->read_events(p.next_since, 5, none, 7);
  CHECK(p.next_since == 14);
  p = s->read_events(p.next_since, 5, none, 7);
  CHECK(p.next_since == 20);
  CHECK(p.at_end);
  CHECK(calls == 20);

  // The default bound.
  append(*s, 21, kEventScanLimit + 30);
  calls = 0;
  p = s->read_events(0, 5, none);
  CHECK(calls == kEventScanLimit);
  CHECK(p.next_since == kEventScanLimit);
  CHECK_FALSE(p.at_end);
  p = s->read_events(p.next_since, 5, none);
  CHECK(p.next_since == kEventScanLimit + 30);
  CHECK(p.at_end);
}

TEST_CASE("events: a payload holding a nested MOO value round trips", "[store][events]") {
  TempDir tmp("events-payload");
  std::string dir = tmp / "w.db";
  Value m = Value::empty_map();
  m.map_mut()->set(Value::str("who"), Value::obj(-3));
  m.map_mut()->set(Value::integer(7), make_list({Value::flt(0.1), Value::err(E_PERM), Value::boolean(false)}));
  m.map_mut()->set(Value::str(std::string("nul\0key", 7)), Value::str(std::string("\xff\0\x01", 3)));
  Value payload = make_list({Value::str("said"), m, Value::empty_list(), Value::empty_map()});
  // Deeper than the value codec's 48 levels of nested Cap'n Proto structs:
  // its flat form.
  Value deep = Value::str("bottom");
  for (int i = 0; i < 150; ++i) deep = make_list({std::move(deep), Value::integer(i)});
  {
    auto s = Store::open(dir);
    Batch b;
    b.put_event(event(1, 1.25, std::string("ty\0pe", 5), payload));
    b.put_event(event(2, 2.5, "deep", deep));
    s->commit(b);
  }
  auto s = Store::open(dir, StoreOptions{false, true});
  EventPage p = s->read_events(0, 10);
  REQUIRE(p.events.size() == 2);
  CHECK(p.events[0].type == std::string("ty\0pe", 5));
  CHECK(p.events[0].time == 1.25);
  CHECK(equal_exact(p.events[0].payload, payload));
  CHECK(equal_exact(p.events[1].payload, deep));
}

TEST_CASE("events: a corrupt event is a StoreError naming its seq", "[store][events]") {
  TempDir tmp("events-corrupt");
  std::string dir = tmp / "w.db";
  std::string rec7;
  {
    auto s = Store::open(dir);
    append(*s, 1, 10);
    Batch b;
    b.put_event(event(7, 0));
    rec7 = *b.ops()[0].value;
  }
  poke(dir, "events", event_key(5), "garbage!");
  poke(dir, "events", event_key(8), rec7);  // a whole record, under the wrong key
  auto s = Store::open(dir);
  CHECK_THAT(error_of([&] { s->read_events(0, 100); }),
             Catch::Contains("corrupt record") && Catch::Contains("events seq 5"));
  CHECK(seqs_of(s->read_events(5, 2)) == std::vector<uint64_t>{6, 7});
  CHECK_THAT(error_of([&] { s->read_events(7, 100); }),
             Catch::Contains("events seq 8") && Catch::Contains("it holds seq 7"));
  // The age cut stops at a corrupt event, after deleting what is before it;
  // the count cut passes over one without reading it.
  CHECK_THAT(error_of([&] { s->trim_events(UINT64_MAX, 1e12); }), Catch::Contains("events seq 5"));
  CHECK(s->trim_events(2, 0) == 4);  // 5..8 (1..4 went above); 9 and 10 are the last 2
  CHECK(all_seqs(*s) == std::vector<uint64_t>{9, 10});
}

TEST_CASE("events: trim_events by count", "[store][events]") {
  TempDir tmp("events-trim-count");
  std::string dir = tmp / "w.db";
  {
    auto s = Store::open(dir);
    CHECK(s->trim_events(10, 0) == 0);  // empty
    append(*s, 1, 100);
    CHECK(s->trim_events(UINT64_MAX, 0) == 0);
    CHECK(s->trim_events(100, 0) == 0);
    CHECK(s->trim_events(30, 0) == 70);
    CHECK(all_seqs(*s) == range(71, 100));
    CHECK(s->trim_events(30, 0) == 0);  // nothing new: nothing goes
    append(*s, 101, 110);
    CHECK(s->trim_events(30, 0) == 10);
    CHECK(s->last_event_seq() == 110);
  }
  auto s = Store::open(dir, StoreOptions{false, true});
  CHECK(all_seqs(*s) == range(81, 110));  // the trims were committed
  CHECK(s->trim_events(0, 0) == 30);      // keep none
  CHECK(all_seqs(*s).empty());
  CHECK(s->last_event_seq() == 0);
  // Appending goes on after an emptied log.
  append(*s, 111, 112);
  CHECK(all_seqs(*s) == range(111, 112));
}

TEST_CASE("events: trim_events by age, and by whichever cut is larger", "[store][events]") {
  TempDir tmp("events-trim-age");
  auto s = Store::open(tmp / "w");
  append(*s, 1, 100);  // time = 1000 + seq
  CHECK(s->trim_events(UINT64_MAX, 1000) == 0);
  CHECK(s->trim_events(UINT64_MAX, 1050.5) == 50);
  CHECK(all_seqs(*s) == range(51, 100));
  // The count cut is larger here ...
  CHECK(s->trim_events(40, 1052) == 10);
  CHECK(all_seqs(*s) == range(61, 100));
  // ... and the age cut here.
  CHECK(s->trim_events(40, 1070) == 9);
  CHECK(all_seqs(*s) == range(70, 100));
  // An old event after a clock step back (102) waits: the age cut stops at
  // the first event that is not old enough, until the count cut passes it.
  Batch b;
  b.put_event(event(101, 2000));
  b.put_event(event(102, 500));
  b.put_event(event(103, 2001));
  s->commit(b);
  CHECK(s->trim_events(UINT64_MAX, 1500) == 31);
  CHECK(all_seqs(*s) == std::vector<uint64_t>{101, 102, 103});
  CHECK(s->trim_events(2, 1500) == 2);
  CHECK(all_seqs(*s) == std::vector<uint64_t>{103});
  // A NaN time is never "older".
  Batch n;
  n.put_event(event(104, std::numeric_limits<double>::quiet_NaN()));
  s->commit(n);
  CHECK(s->trim_events(UINT64_MAX, 1e12) == 1);
  CHECK(all_seqs(*s) == std::vector<uint64_t>{104});
  CHECK(std::isnan(s->read_events(0, 1).events.at(0).time));
}
