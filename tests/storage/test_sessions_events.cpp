// The players family's web sessions.
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
