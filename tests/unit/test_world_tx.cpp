// World speculations (WorldTx, World::Speculation): a speculation's writes
// stay private until publish, validate notices anything it read changing, and
// several threads may speculate on one World at once.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lang/builtins.h"
#include "lang/world/world.h"

using namespace echo;

namespace {

using Spec = World::Speculation;

// #0 system, #1 root defining x = 0, then `things` children of #1 (#2...),
// each with x clear (inheriting #1's). Starts clean: nothing dirty. What
// threads call makes no Catch assertions (they are not thread-safe).
struct TxWorld {
  World w;
  explicit TxWorld(int things = 3) {
    w.create({}, NOTHING);
    int64_t root = w.create({}, NOTHING);
    REQUIRE(w.add_propdef(root, "x", Value::integer(0), root, PF_READ));
    for (int i = 0; i < things; ++i) w.create({root}, NOTHING);
    w.take_dirty();
    w.take_meta_dirty();
  }
  int64_t x(int64_t id) const { return w.slot_value(id, "x").as_int(); }
  bool set_x(int64_t id, int64_t v) { return w.set_prop(id, "x", Value::integer(v)); }
  // Runs fn under a speculation of t.
  template <class F>
  void in(WorldTx& t, F&& fn) {
    Spec g(w, t);
    fn();
  }
  // id.x += 1 in `t` (reading it through t first).
  bool incr(WorldTx& t, int64_t id) {
    Spec g(w, t);
    return set_x(id, x(id) + 1);
  }
};

bool is_int(const Value& v, int64_t n) { return v.is_int() && v.as_int() == n; }

Verb exec_verb(const char* names) {
  Verb v;
  v.names = names;
  v.owner = 1;
  v.perms = VF_READ | VF_EXEC;
  return v;
}

}  // namespace

TEST_CASE("world tx: writes stay in the speculation until publish") {
  TxWorld f;
  const Object* shared = f.w.get(1);
  uint64_t v0 = shared->version;
  WorldTx a;
  {
    Spec g(f.w, a);
    CHECK(f.w.speculating());
    REQUIRE(f.set_x(1, 5));
    CHECK(f.x(1) == 5);
    CHECK(f.x(2) == 5);  // inherited through the speculation's copy of #1
    CHECK(f.w.get(1) != shared);
  }
  CHECK_FALSE(f.w.speculating());
  CHECK(f.w.get(1) == shared);
  CHECK(f.x(1) == 0);
  CHECK(shared->version == v0);
  CHECK(f.w.dirty().empty());
  CHECK(a.dirty == std::set<int64_t>{1});
  WorldTx b;  // another speculation reads the shared world, not a's copy
  f.in(b, [&] { CHECK(f.x(1) == 0); });
  {  // a speculation on another World leaves this one direct
    TxWorld other;
    WorldTx o;
    Spec g(other.w, o);
    REQUIRE(f.set_x(3, 9));
    CHECK(f.w.dirty() == std::set<int64_t>{3});
    f.w.take_dirty();
  }
  REQUIRE(f.w.validate(a));
  f.w.publish(a);
  CHECK(f.x(1) == 5);
  CHECK(f.x(2) == 5);
  CHECK(f.w.dirty().count(1));
  CHECK(f.w.get(1)->version > v0);
  CHECK(a.copies.empty());
}

TEST_CASE("world tx: validate fails when what it read changed") {
  TxWorld f;
  WorldTx a, b;
  f.in(a, [&] { CHECK(f.x(1) == 0); });
  f.in(b, [&] { CHECK(f.w.find_slot(2, "x") != nullptr); });  // #2 only: not its ancestors
  CHECK(b.has_read(2));
  CHECK_FALSE(b.has_read(1));
  CHECK(f.w.validate(a));
  // An exclusive change, as the runtime makes it: change, then mark_dirty.
  uint64_t v = f.w.get(1)->version;
  f.w.find_slot_mut(1, "x")->value = Value::integer(7);
  f.w.mark_dirty(1);
  CHECK(f.w.get(1)->version != v);
  CHECK_FALSE(f.w.validate(a));
  CHECK(f.w.validate(b));

  SECTION("write-write: two increments from the same value, the second is stale") {
    WorldTx c, d;
    REQUIRE(f.incr(c, 1));
    REQUIRE(f.incr(d, 1));
    REQUIRE(f.w.validate(c));
    f.w.publish(c);
    CHECK_FALSE(f.w.validate(d));
    WorldTx e;  // rerun
    REQUIRE(f.incr(e, 1));
    REQUIRE(f.w.validate(e));
    f.w.publish(e);
    CHECK(f.x(1) == 9);
  }
  SECTION("a blind write conflicts too: publishing its stale copy would lose the change") {
    WorldTx c;
    f.in(c, [&] { REQUIRE(f.set_x(1, 100)); });
    f.w.get_mut(1)->name = "root";
    f.w.mark_dirty(1);
    CHECK_FALSE(f.w.validate(c));
  }
  SECTION("recycling what it read") {
    CHECK(f.w.validate(b));
    f.w.recycle(2);
    CHECK_FALSE(f.w.validate(b));
  }
}

TEST_CASE("world tx: max_object, valid past it and players depend on creation") {
  TxWorld f;
  int64_t next = f.w.max_object() + 1;
  WorldTx top, past, players, plain;
  f.in(top, [&] { CHECK(f.w.max_object() == next - 1); });
  f.in(past, [&] { CHECK_FALSE(f.w.valid(next)); });
  f.in(players, [&] { CHECK(f.w.players().empty()); });
  f.in(plain, [&] {
    CHECK(f.w.valid(2));
    CHECK_FALSE(f.w.valid(-1));  // never an object: depends on nothing
    REQUIRE(f.set_x(3, 1));
  });
  CHECK(plain.meta_read == 0);
  for (WorldTx* t : {&top, &past, &players, &plain}) CHECK(f.w.validate(*t));
  CHECK(f.w.create({1}, NOTHING) == next);
  CHECK_FALSE(f.w.validate(top));
  CHECK_FALSE(f.w.validate(past));
  CHECK_FALSE(f.w.validate(players));
  CHECK(f.w.validate(plain));
}

TEST_CASE("world tx: the verb cache") {
  TxWorld f;
  int64_t d = NOTHING;
  f.w.add_verb(1, exec_verb("foo"));
  REQUIRE(f.w.find_callable_verb(2, "foo", &d));  // now cached: 2:foo -> #1, verb 0

  SECTION("a lookup depends on every verb and parent") {
    WorldTx a, idle;
    f.in(a, [&] { CHECK((f.w.find_callable_verb(2, "foo", &d) && d == 1)); });
    f.in(idle, [&] { CHECK(f.w.get(2)); });
    CHECK(f.w.validate(a));
    f.w.add_verb(3, exec_verb("bar"));  // elsewhere: still a change to verbs
    CHECK_FALSE(f.w.validate(a));
    CHECK(f.w.validate(idle));
    WorldTx b;
    f.in(b, [&] { CHECK(f.w.find_callable_verb(3, "bar", &d)); });
    f.w.verbs_changed();
    CHECK_FALSE(f.w.validate(b));
  }
  SECTION("a miss is remembered until verbs or parents change") {
    CHECK(f.w.find_callable_verb(2, "qux", &d) == nullptr);
    CHECK(f.w.find_callable_verb(2, "QUX", &d) == nullptr);  // names fold case
    f.w.add_verb(1, exec_verb("qux"));
    const Verb* v = f.w.find_callable_verb(2, "Qux", &d);
    REQUIRE(v);
    CHECK(d == 1);
    f.w.add_verb(3, exec_verb("only3"));
    CHECK(f.w.find_callable_verb(2, "only3", &d) == nullptr);
    REQUIRE(f.w.change_parents(2, {3}));
    CHECK(f.w.find_callable_verb(2, "only3", &d) != nullptr);
  }
  SECTION("its own verbs: found by it, not by the world, nor from the shared cache") {
    WorldTx t;
    {
      Spec g(f.w, t);
      CHECK(f.w.find_callable_verb(2, "baz", &d) == nullptr);
      f.w.add_verb(1, exec_verb("baz"));
      CHECK(t.verbs_changed);
      const Verb* v = f.w.find_callable_verb(2, "baz", &d);
      REQUIRE(v);
      CHECK(v->names == "baz");
      CHECK(d == 1);
      // foo gone, baz now first: the shared cache's 2:foo -> (#1, 0) would find baz.
      f.w.delete_verb(1, 0);
      CHECK(f.w.find_callable_verb(2, "foo", &d) == nullptr);
    }
    CHECK(f.w.find_callable_verb(2, "baz", &d) == nullptr);
    const Verb* foo = f.w.find_callable_verb(2, "foo", &d);
    REQUIRE(foo);
    CHECK(foo->names == "foo");
    REQUIRE(f.w.validate(t));
    f.w.publish(t);
    CHECK(f.w.find_callable_verb(2, "baz", &d) != nullptr);
    CHECK(f.w.find_callable_verb(2, "foo", &d) == nullptr);  // the cache was dropped
  }
}

TEST_CASE("world tx: world-level changes refuse to run speculatively") {
  TxWorld f;
  f.w.set_player_flag(2, true);
  f.w.take_dirty();
  f.w.take_meta_dirty();
  int64_t max = f.w.max_object();
  WorldTx t;
  {
    Spec g(f.w, t);
    CHECK_THROWS_AS(f.w.create({1}, NOTHING), NeedsExclusive);
    CHECK_THROWS_AS(f.w.recycle(3), NeedsExclusive);
    CHECK_THROWS_AS(f.w.set_player_flag(3, true), NeedsExclusive);
    CHECK_THROWS_AS(f.w.set_player_flag(2, false), NeedsExclusive);
    CHECK_THROWS_AS(f.w.renumber(4), NeedsExclusive);
    CHECK_THROWS_AS(f.w.reset_max_object(), NeedsExclusive);
    CHECK_THROWS_AS(f.w.mark_meta_dirty(), NeedsExclusive);
    CHECK_THROWS_AS(f.w.load_all(), NeedsExclusive);
    CHECK_THROWS_AS(f.w.evict_unused(0), NeedsExclusive);
  }
  CHECK(f.w.max_object() == max);
  CHECK(f.w.valid(3));
  CHECK(f.w.get(3)->parents == std::vector<int64_t>{1});
  CHECK(f.w.get(1)->children == std::vector<int64_t>{2, 3, 4});
  CHECK(f.w.players() == std::vector<int64_t>{2});
  CHECK(f.w.is_player(2));
  CHECK_FALSE(f.w.is_player(3));
  CHECK(f.w.dirty().empty());
  CHECK_FALSE(f.w.meta_dirty());
  CHECK(t.dirty.empty());
  CHECK(t.copies.empty());
  CHECK(f.w.create({1}, NOTHING) == max + 1);  // and alone, they run
}

TEST_CASE("world tx: go_exclusive ends the speculation in place, its writes published") {
  TxWorld f;
  int64_t max = f.w.max_object();
  WorldTx t;
  int calls = 0;
  t.go_exclusive = [&] {  // as the runtime's first slice does
    ++calls;
    World::leave_speculation();
    f.w.publish(t);
    return true;
  };
  int64_t made = NOTHING;
  {
    Spec g(f.w, t);
    REQUIRE(f.set_x(2, 7));
    CHECK(f.w.speculating());
    made = f.w.create({1}, NOTHING);  // no NeedsExclusive: it goes on, no longer speculating
    CHECK_FALSE(f.w.speculating());
    REQUIRE(f.set_x(3, 8));           // straight into the world now
    CHECK(f.w.try_go_exclusive() == false);
  }
  CHECK(calls == 1);
  CHECK(made == max + 1);
  CHECK(f.x(2) == 7);  // the write made while speculating was published
  CHECK(f.x(3) == 8);
  CHECK(f.w.dirty().count(2) == 1);
  CHECK(f.w.dirty().count(3) == 1);
  CHECK(f.w.dirty().count(made) == 1);

  WorldTx refused;  // a hook that says no: NeedsExclusive, and nothing published
  refused.go_exclusive = [] { return false; };
  {
    Spec g(f.w, refused);
    REQUIRE(f.set_x(4, 9));
    CHECK_THROWS_AS(f.w.create({1}, NOTHING), NeedsExclusive);
  }
  CHECK(f.x(4) == 0);
  CHECK(f.w.max_object() == made);
}

TEST_CASE("world tx: two threads speculate at once and both commit") {
  register_all_builtins();
  int tostr = Builtins::instance().find("tostr");
  TxWorld f(200);  // #2..#201
  f.w.add_verb(1, exec_verb("look"));
  f.w.take_dirty();
  // Each thread reads and writes only its own half (and reads #1), and
  // meanwhile fills the shared verb and option caches: both stay valid. `bad`
  // counts failed checks.
  auto body = [&](WorldTx& t, int64_t first, int64_t round, int& bad) {
    Spec g(f.w, t);
    for (int64_t id = first; id <= f.w.max_object(); id += 2) {
      int64_t d = NOTHING;
      bad += !f.w.find_callable_verb(id, "look", &d) || d != 1;
      bad += f.x(id) != (round > 1 ? (round - 1) * 1000 + id : 0);
      bad += !f.set_x(id, round * 1000 + id);
      bad += f.x(id) != round * 1000 + id;
      bad += f.w.builtin_protected(tostr);
    }
  };
  for (int64_t round = 1; round <= 10; ++round) {
    WorldTx a, b;
    int bad_a = 0, bad_b = 0;
    std::thread ta(body, std::ref(a), 2, round, std::ref(bad_a)), tb(body, std::ref(b), 3, round, std::ref(bad_b));
    ta.join();
    tb.join();
    REQUIRE(bad_a == 0);
    REQUIRE(bad_b == 0);
    for (int64_t id = 2; id <= 201; ++id) REQUIRE(f.x(id) == (round > 1 ? (round - 1) * 1000 + id : 0));  // nothing leaked
    REQUIRE(f.w.validate(a));
    f.w.publish(a);
    REQUIRE(f.w.validate(b));
    f.w.publish(b);
    for (int64_t id = 2; id <= 201; ++id) REQUIRE(f.x(id) == round * 1000 + id);
    REQUIRE(f.w.dirty().size() == 200);
    f.w.take_dirty();
  }
}

TEST_CASE("world tx: concurrent increments, committed in order with reruns, lose nothing") {
  TxWorld f(2);
  REQUIRE(f.set_x(2, 0));
  REQUIRE(f.set_x(3, 0));
  // Each thread increments the shared #1.x and its own #2.x or #3.x.
  auto run = [&](WorldTx& t, int64_t own, bool& ok) { ok = f.incr(t, 1) && f.incr(t, own); };
  constexpr int kRounds = 100;
  int reruns = 0;
  for (int r = 0; r < kRounds; ++r) {
    WorldTx t[2];
    bool ok[2] = {false, false};
    std::thread a(run, std::ref(t[0]), 2, std::ref(ok[0])), b(run, std::ref(t[1]), 3, std::ref(ok[1]));
    a.join();
    b.join();
    REQUIRE((ok[0] && ok[1]));
    for (int i = 0; i < 2; ++i) {
      if (!f.w.validate(t[i])) {
        ++reruns;
        t[i] = WorldTx{};
        run(t[i], 2 + i, ok[i]);
        REQUIRE(f.w.validate(t[i]));
      }
      f.w.publish(t[i]);
    }
  }
  CHECK(f.x(1) == 2 * kRounds);
  CHECK(f.x(2) == kRounds);
  CHECK(f.x(3) == kRounds);
  CHECK(reruns == kRounds);  // both read the same #1 every round: the second always conflicts
}

TEST_CASE("world tx: server options changed by the speculation itself") {
  register_all_builtins();
  int tostr = Builtins::instance().find("tostr");
  REQUIRE(tostr >= 0);
  TxWorld f;
  int64_t opts = f.w.create({1}, NOTHING);
  REQUIRE(f.w.add_propdef(opts, "protect_tostr", Value::integer(1), 1, PF_READ));
  REQUIRE(f.w.add_propdef(opts, "protect_name", Value::integer(1), 1, PF_READ));
  REQUIRE(f.w.add_propdef(0, "server_options", Value::integer(0), 1, PF_READ));  // not an object yet
  auto point_options_at_opts = [&] { REQUIRE(f.w.set_prop(0, "server_options", Value::obj(opts))); };

  SECTION("the shared answers cached first") {
    CHECK_FALSE(f.w.builtin_protected(tostr));
    CHECK_FALSE(f.w.builtin_prop_protected(BuiltinProp::Name));
    WorldTx t, reader, other;
    f.in(reader, [&] { CHECK_FALSE(f.w.builtin_protected(tostr)); });
    f.in(t, [&] {
      CHECK_FALSE(f.w.builtin_protected(tostr));
      point_options_at_opts();
      CHECK(t.options_touched);
      CHECK(f.w.builtin_protected(tostr));
      CHECK(f.w.builtin_prop_protected(BuiltinProp::Name));
    });
    CHECK_FALSE(f.w.builtin_protected(tostr));  // the shared answers are unchanged
    CHECK_FALSE(f.w.builtin_prop_protected(BuiltinProp::Name));
    f.in(other, [&] { CHECK_FALSE(f.w.builtin_protected(tostr)); });
    REQUIRE(f.w.validate(t));
    CHECK(f.w.validate(reader));
    f.w.publish(t);
    CHECK(f.w.builtin_protected(tostr));
    CHECK(f.w.builtin_prop_protected(BuiltinProp::Name));
    CHECK_FALSE(f.w.validate(reader));  // it asked an option that has changed since
  }
  SECTION("nothing cached yet: the speculation still knows it changed the options") {
    WorldTx t;
    f.in(t, [&] {
      point_options_at_opts();
      CHECK(f.w.builtin_protected(tostr));
    });
    CHECK_FALSE(f.w.builtin_protected(tostr));
  }
}

namespace {

// Supplies a lazy World's objects from an eager one: the object and its
// pending ancestors, all staged by one load.
struct CopyLoader : ObjectLoader {
  const World& src;
  explicit CopyLoader(const World& s) : src(s) {}
  void load(World& w, int64_t id) override {
    std::vector<int64_t> todo{id};
    while (!todo.empty()) {
      int64_t i = todo.back();
      todo.pop_back();
      if (!w.pending(i)) continue;
      const Object* s = src.get(i);
      if (!s) {
        w.mark_absent(i);
        continue;
      }
      Object& o = w.emplace(i);
      std::this_thread::sleep_for(std::chrono::microseconds(20));  // others look meanwhile
      uint64_t serial = o.serial, version = o.version;
      o = *s;
      o.serial = serial;
      o.version = version;
      for (int64_t p : o.parents) todo.push_back(p);
    }
  }
};

}  // namespace

TEST_CASE("world tx: two speculations fault in objects at once and see them whole") {
  // #0 and chains of five under #1, each object defining p<id>: a loaded
  // object must hold a slot for every ancestor's property.
  World src;
  src.create({}, NOTHING);
  src.create({}, NOTHING);
  REQUIRE(src.change_parents(0, {1}));
  REQUIRE(src.add_propdef(1, "x", Value::integer(1), 1, PF_READ));
  for (int64_t id = 2; id < 202; ++id) {
    src.create({id % 5 == 2 ? 1 : id - 1}, NOTHING);
    REQUIRE(src.add_propdef(id, "p" + std::to_string(id), Value::integer(id), 1, PF_READ));
  }
  src.recycle(150);  // a hole
  World lazy;
  lazy.set_max_object(src.max_object());
  lazy.set_loader(std::make_unique<CopyLoader>(src));
  REQUIRE(lazy.resident_objects() == 0);

  // Both read every object, one a step ahead of the other: each faults
  // objects in while the other is loading, and must never see one half made.
  auto body = [&](WorldTx& t, int64_t first, int& bad) {
    Spec g(lazy, t);
    int64_t n = lazy.max_object() + 1;
    for (int64_t k = 0; k < n; ++k) {
      int64_t id = (first + k) % n;
      const Object* o = lazy.get(id);
      if (id == 150 || !o) {
        bad += id != 150 || o;
        continue;
      }
      bad += o->props.size() != src.get(id)->props.size();
      bad += !is_int(lazy.slot_value(id, "x"), 1);
      for (int64_t a = id; a != 1;) {
        bad += a != 0 && !is_int(lazy.slot_value(id, "p" + std::to_string(a)), a);  // #0 defines none
        const Object* ao = lazy.get(a);
        if (!ao || ao->parents.empty()) {
          ++bad;
          break;
        }
        a = ao->parents[0];
      }
    }
  };
  WorldTx a, b;
  int bad_a = 0, bad_b = 0;
  std::thread ta(body, std::ref(a), 0, std::ref(bad_a)), tb(body, std::ref(b), 1, std::ref(bad_b));
  ta.join();
  tb.join();
  CHECK(bad_a == 0);
  CHECK(bad_b == 0);
  CHECK(lazy.resident_objects() == 201);  // all but the hole, #150
  CHECK(lazy.dirty().empty());  // loading is not a change
  CHECK(lazy.validate(a));  // nor does it invalidate what others read
  CHECK(lazy.validate(b));
}

TEST_CASE("world tx: validating a read of an evicted object while another speculation loads it again") {
  // A speculation read an object that was evicted since (forget: pending
  // again); one thread validates it while another speculation faults the
  // object back in. validate reads the pending mark and the object that
  // fault() fills in on the other thread: it must load them as valid_base
  // does (acquire), not plainly. (Objects 8 apart: ThreadSanitizer keeps a
  // few accesses per 8 bytes of pending marks, and neighbours would push
  // the validator's out.)
  World src;
  src.create({}, NOTHING);
  src.create({}, NOTHING);
  for (int64_t id = 2; id < 80; ++id) src.create({1}, NOTHING);
  World lazy;
  lazy.set_max_object(src.max_object());
  lazy.set_loader(std::make_unique<CopyLoader>(src));
  for (int64_t id = 16; id < 80; id += 8) {
    WorldTx a;
    {
      Spec g(lazy, a);
      REQUIRE(lazy.get(id));
    }
    lazy.forget(id);  // evicted
    int stale = 0;
    const Object* again = nullptr;
    std::thread validator([&] {
      for (int i = 0; i < 50; ++i) stale += !lazy.validate(a);
    });
    std::thread loader([&] {
      WorldTx b;
      Spec g(lazy, b);
      again = lazy.get(id);
    });
    validator.join();
    loader.join();
    CHECK(again);
    CHECK(stale == 50);  // evicted, or loaded again as a newer version: never what `a` read
  }
}
