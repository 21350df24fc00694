// ToastStunt's statistics builtins that need no running server:
// verb_cache_stats (ported from ToastStunt's test_objects.rb and
// test_verb_cache.rb), locate_by_name, pcre_cache_stats and malloc_stats.
// The runtime's (queue_info, finished_tasks, threads, thread_pool,
// log_cache_stats) are tested end to end (tests/e2e/test_server_semantics.py).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "lang/compiler.h"
#include "lang/world/world.h"
#include "test_builtins_util.h"

using namespace echo;
using namespace bt;

namespace {

// #0 system, #1 root, #2 a wizard, #3 a programmer; #4 "Wooden Box",
// #5 "box of COINS", #6 "Coin" (recycled), #7 "a coin purse".
struct Fixture {
  World w;
  WorldHost host{w};
  Fixture() {
    w.create({}, NOTHING);
    int64_t root = w.create({}, NOTHING);
    int64_t wiz = w.create({root}, NOTHING);
    w.get_mut(wiz)->set_flag(FLAG_WIZARD, true);
    w.get_mut(wiz)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(wiz, true);
    int64_t prog = w.create({root}, NOTHING);
    w.get_mut(prog)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(prog, true);
    for (const char* name : {"Wooden Box", "box of COINS", "Coin", "a coin purse"})
      w.get_mut(w.create({root}, wiz))->name = name;
    w.recycle(6);
  }
  int64_t create(std::vector<int64_t> parents) { return w.create(parents, 2); }
  void verb(int64_t obj, std::string names, std::string code) {
    Verb v;
    v.names = std::move(names);
    v.owner = 2;
    v.perms = VF_READ | VF_EXEC | VF_DEBUG;
    int i = w.add_verb(obj, std::move(v));
    auto errs = w.set_verb_code(w.get_mut(obj)->verbs[size_t(i - 1)], std::move(code));
    REQUIRE(errs.empty());
  }
  Value value(const std::string& code, int64_t progr = 2) {
    CompileResult c = compile_moo(code);
    REQUIRE(c.ok());
    Task t(c.program, &host);
    t.set_identity(progr, -1, progr, "");
    TaskStatus st = t.run();
    if (st == TaskStatus::Error) return t.error().code;
    REQUIRE(st == TaskStatus::Done);
    return t.result();
  }
  std::string run(const std::string& code, int64_t progr = 2) { return to_literal(value(code, progr)); }
};

int64_t at(const Value& list, uint32_t i) { return list.list_at(i).as_int(); }

// {hits, negative hits, misses, generations} of a verb_cache_stats() result.
std::vector<int64_t> counts(const Value& s) { return {at(s, 0), at(s, 1), at(s, 2), at(s, 3)}; }

}  // namespace

TEST_CASE("verb_cache_stats: hits, negative hits and misses, as ToastStunt counts them", "[toast-tasks]") {
  Fixture f;
  // ToastStunt's test_verb_cache: a child of two parents, each with its own.
  int64_t s = f.create({}), t = f.create({});
  int64_t m = f.create({s}), n = f.create({t});
  int64_t a = f.create({m, n});
  f.verb(s, "s", "return \"s\";");
  f.verb(t, "t", "return \"t\";");
  std::string A = "#" + std::to_string(a);
  Value r = f.value("a = verb_cache_stats(); " + A + ":s(); b = verb_cache_stats(); " + A +
                    ":s(); c = verb_cache_stats(); " + A + ":t(); d = verb_cache_stats(); " + A +
                    ":t(); e = verb_cache_stats(); return {a, b, c, d, e};");
  REQUIRE(r.is_list());
  REQUIRE(r.list_len() == 5);
  auto ra = counts(r.list_at(0)), rb = counts(r.list_at(1)), rc = counts(r.list_at(2)), rd = counts(r.list_at(3)),
       re = counts(r.list_at(4));
  // a:s(): a miss; again: a hit.
  CHECK(rb == std::vector<int64_t>{ra[0], ra[1], ra[2] + 1, ra[3]});
  CHECK(rc == std::vector<int64_t>{rb[0] + 1, rb[1], rb[2], rb[3]});
  // a:t() through the second parent: Echo caches the whole lookup from the
  // receiver, so one miss (ToastStunt's caches each parent: a negative hit
  // at m, then a miss at n), then a hit.
  CHECK(rd == std::vector<int64_t>{rc[0], rc[1], rc[2] + 1, rc[3]});
  CHECK(re == std::vector<int64_t>{rd[0] + 1, rd[1], rd[2], rd[3]});

  // A verb nobody has: a miss, then negative hits.
  Value neg = f.value("x = verb_cache_stats(); try " + A + ":nothing_here(); except (E_VERBNF) endtry " +
                      "y = verb_cache_stats(); try " + A + ":nothing_here(); except (E_VERBNF) endtry " +
                      "return {x, y, verb_cache_stats()};");
  auto nx = counts(neg.list_at(0)), ny = counts(neg.list_at(1)), nz = counts(neg.list_at(2));
  CHECK(ny == std::vector<int64_t>{nx[0], nx[1], nx[2] + 1, nx[3]});
  CHECK(nz == std::vector<int64_t>{ny[0], ny[1] + 1, ny[2], ny[3]});

  // A verb change empties the cache: a new generation, and a:s() misses again.
  f.verb(s, "other", "return 1;");
  Value g = f.value("x = verb_cache_stats(); " + A + ":s(); return {x, verb_cache_stats()};");
  auto gx = counts(g.list_at(0)), gy = counts(g.list_at(1));
  CHECK(gx[3] == nz[3] + 1);
  CHECK(gy == std::vector<int64_t>{gx[0], gx[1], gx[2] + 1, gx[3]});
}

TEST_CASE("verb_cache_stats: the bucket depths describe the cache's table", "[toast-tasks]") {
  Fixture f;
  f.verb(1, "v", "return 1;");  // empties the cache: no entry left
  Value empty = f.value("return verb_cache_stats()[5];");
  REQUIRE(empty.is_list());
  REQUIRE(empty.list_len() == 17);
  for (uint32_t i = 1; i < 17; ++i) CHECK(at(empty, i) == 0);
  // Three lookups of three names: three entries, each in one bucket.
  Value d = f.value("return {#2:v(), #3:v(), `#2:nope() ! E_VERBNF => 0', verb_cache_stats()[5]}[4];");
  int64_t buckets = 0, entries = 0;
  for (uint32_t i = 0; i < 17; ++i) {
    buckets += at(d, i);
    entries += int64_t(i) * at(d, i);
  }
  CHECK(entries == 3);
  CHECK(buckets >= 3);  // at most one entry a bucket on average (the table's load factor)
}

TEST_CASE("verb_cache_stats: wizards only, no arguments", "[toast-tasks]") {
  Fixture f;
  CHECK(f.run("return verb_cache_stats();", 3) == "E_PERM");
  CHECK(f.run("return verb_cache_stats(1);") == "E_ARGS");
  CHECK(f.run("return length(verb_cache_stats());") == "5");
}

TEST_CASE("locate_by_name: a substring of the name, caseless unless asked", "[toast-tasks]") {
  Fixture f;
  CHECK(f.run("return locate_by_name(\"box\");") == "{#4, #5}");
  CHECK(f.run("return locate_by_name(\"BOX\", 0);") == "{#4, #5}");
  CHECK(f.run("return locate_by_name(\"box\", 1);") == "{#5}");
  CHECK(f.run("return locate_by_name(\"Box\", 1);") == "{#4}");
  CHECK(f.run("return locate_by_name(\"coin\");") == "{#5, #7}");  // #6 is recycled
  CHECK(f.run("return locate_by_name(\"coin\", 1);") == "{#7}");
  CHECK(f.run("return locate_by_name(\"no such thing\");") == "{}");
  // An empty string is in every name (strindex): every valid object.
  CHECK(f.run("return locate_by_name(\"\");") == "{#0, #1, #2, #3, #4, #5, #7}");
  CHECK(f.run("return locate_by_name(\"box\");", 3) == "E_PERM");
  CHECK(f.run("return locate_by_name(1);") == "E_TYPE");
  CHECK(f.run("return locate_by_name(\"box\", \"x\");") == "E_TYPE");
  CHECK(f.run("return locate_by_name();") == "E_ARGS");
}

TEST_CASE("pcre_cache_stats: each cached pattern with its hits", "[toast-tasks]") {
  Fixture f;
  // Patterns no other test uses; found by value, whatever else is cached.
  auto hits = [&](const std::string& pattern) {
    Value s = f.value("return pcre_cache_stats();");
    REQUIRE(s.is_list());
    int64_t found = -1;
    for (uint32_t i = 0; i < s.list_len(); ++i) {
      const Value& e = s.list_at(i);
      REQUIRE(e.is_list());
      REQUIRE(e.list_len() == 2);
      if (e.list_at(0).as_str() == pattern) {
        CHECK(found == -1);  // once: one pattern, one set of options
        found = e.list_at(1).as_int();
      }
    }
    return found;
  };
  CHECK(hits("toast-stats-([a-z]+)") == -1);
  f.run("return pcre_match(\"toast-stats-abc\", \"toast-stats-([a-z]+)\");");
  CHECK(hits("toast-stats-([a-z]+)") == 0);  // compiled: a miss
  f.run("pcre_match(\"toast-stats-abc\", \"toast-stats-([a-z]+)\"); "
        "return pcre_match(\"x\", \"toast-stats-([a-z]+)\");");
  CHECK(hits("toast-stats-([a-z]+)") == 2);
  CHECK(f.run("return pcre_cache_stats();", 3) == "E_PERM");
  CHECK(f.run("return pcre_cache_stats(1);") == "E_ARGS");
}

TEST_CASE("malloc_stats: glibc's figures in jemalloc's seven places", "[toast-tasks]") {
  auto stats = [] {
    Value s = call("malloc_stats", {});
    REQUIRE(s.is_list());
    REQUIRE(s.list_len() == 7);
    std::vector<int64_t> out;
    for (uint32_t i = 0; i < 7; ++i) out.push_back(s.list_at(i).as_int());
    return out;
  };
  auto before = stats();
#if defined(__SANITIZE_ADDRESS__)
  // ASan's allocator replaces glibc's, whose mallinfo2() then says 0.
  SUCCEED("glibc's figures are not kept under AddressSanitizer");
#else
  // allocated <= active <= mapped; resident is the process's; no metadata;
  // the large figures are the same.
  CHECK(before[0] > 0);
  CHECK(before[0] <= before[1]);
  CHECK(before[1] <= before[4]);
  CHECK(before[2] > 0);
  CHECK(before[3] == 0);
  CHECK(before[5] == before[6]);
  // 64 MiB is past glibc's largest mmap threshold: a large chunk of its own.
  static char* volatile big;
  big = static_cast<char*>(std::malloc(size_t(64) << 20));
  REQUIRE(big != nullptr);
  auto during = stats();
  std::free(big);
  CHECK(during[5] - before[5] >= (int64_t(64) << 20));
  CHECK(during[0] - before[0] >= (int64_t(64) << 20));
#endif
  CHECK(err("malloc_stats", {I(1)}) == E_ARGS);
  Fixture f;
  CHECK(f.run("return length(malloc_stats());", 3) == "7");  // anyone may, as in ToastStunt
}
