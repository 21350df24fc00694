// The World <-> image / store bridge (actors/world_store.h), on the four
// sample databases: textdump round trips byte for byte through the World,
// a store loads the same World as the image it was imported from, and
// changes made to the World reach the store and nothing else does.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "actors/world_store.h"
#include "lang/compiler.h"
#include "storage/store.h"
#include "storage/textdump.h"

using namespace echo;
namespace st = echo::storage;
namespace fs = std::filesystem;

namespace {

std::string data_path(const std::string& name) {
  std::string path = ECHO_TEST_DATA_DIR;  // appended to, not added: GCC 12 -Warray-bounds
  path += '/';
  return path += name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ids(const std::vector<int64_t>& v) {
  std::string s;
  for (int64_t i : v) {
    s += '#';
    s += std::to_string(i);
    s += ' ';
  }
  return s;
}

bool same_value(const Value& a, const Value& b) {
  if (a.type() == Type::Clear || b.type() == Type::Clear) return a.type() == b.type();
  return a.type() == b.type() && equal_exact(a, b);
}

// The first difference between two Worlds' object `id` ("" if none).
std::string object_diff(const World& a, const World& b, int64_t id) {
  {
    const Object* x = a.get(id);
    const Object* y = b.get(id);
    std::string n = "#" + std::to_string(id) + " ";
    if (!x || !y) return x || y ? n + "valid in one world only" : "";
    if (x->name != y->name) return n + "name";
    if (x->flags != y->flags) return n + "flags";
    if (x->owner != y->owner) return n + "owner";
    if (x->location != y->location) return n + "location";
    if (x->contents != y->contents) return n + "contents " + ids(x->contents) + "vs " + ids(y->contents);
    if (x->parents != y->parents) return n + "parents";
    if (x->children != y->children) return n + "children " + ids(x->children) + "vs " + ids(y->children);
    if (x->propdefs != y->propdefs) return n + "propdefs";
    if (x->props.size() != y->props.size()) return n + "slot count";
    for (const auto& [k, s] : x->props) {
      auto it = y->props.find(k);
      if (it == y->props.end()) return n + "no slot " + k;
      const PropSlot& t = it->second;
      if (s.definer != t.definer || s.owner != t.owner || s.perms != t.perms) return n + "slot info " + k;
      if (!same_value(s.value, t.value)) return n + "slot value " + k;
    }
    if (x->verbs.size() != y->verbs.size()) return n + "verb count";
    for (size_t i = 0; i < x->verbs.size(); ++i) {
      const Verb &v = x->verbs[i], &u = y->verbs[i];
      std::string vn = n + "verb " + std::to_string(i) + " ";
      if (v.names != u.names || v.owner != u.owner || v.perms != u.perms) return vn + "info";
      if (v.dobj != u.dobj || v.iobj != u.iobj || v.prep != u.prep) return vn + "args";
      if (v.source != u.source || v.has_program != u.has_program) return vn + "source";
    }
  }
  return "";
}

// The first difference between two Worlds, object by object ("" if none).
std::string world_diff(const World& a, const World& b) {
  if (a.max_object() != b.max_object())
    return "max_object " + std::to_string(a.max_object()) + " vs " + std::to_string(b.max_object());
  if (a.players() != b.players()) return "players " + ids(a.players()) + "vs " + ids(b.players());
  for (int64_t id = 0; id <= a.max_object(); ++id)
    if (std::string d = object_diff(a, b, id); !d.empty()) return d;
  return "";
}

// Where two texts first differ, as "line N: 'a' vs 'b'".
std::string text_diff(const std::string& a, const std::string& b) {
  if (a == b) return "";
  std::istringstream x(a), y(b);
  std::string l1, l2;
  for (size_t n = 1;; ++n) {
    bool g1 = bool(std::getline(x, l1)), g2 = bool(std::getline(y, l2));
    if (!g1 && !g2) return "differ only in the final newline";
    if (!g1 || !g2 || l1 != l2) return "line " + std::to_string(n) + ": '" + l1 + "' vs '" + l2 + "'";
  }
}

int64_t find_wizard(const World& w) {
  for (int64_t id = 0; id <= w.max_object(); ++id)
    if (w.is_wizard(id) && w.is_programmer(id)) return id;
  return NOTHING;
}

std::string run_moo(World& w, const std::string& code, int64_t progr) {
  CompileResult c = compile_moo(code);
  if (!c.ok()) return "?" + c.errors.front().to_string();
  WorldHost host(w);
  Task t(c.program, &host, TaskLimits{});
  t.set_identity(progr, -1, progr, "");
  switch (t.run()) {
    case TaskStatus::Done: return to_literal(t.result());
    case TaskStatus::Error: return "!" + to_literal(t.error().code);
    default: return "!aborted";
  }
}

struct TempStore {
  std::string path;
  explicit TempStore(const std::string& tag)
      : path("/tmp/echo-wt-persist-" + tag + "-" + std::to_string(::getpid()) + ".db") {
    fs::remove_all(path);
  }
  ~TempStore() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const char* kDatabases[] = {"Minimal.db", "LambdaCore-latest.db", "enCore.db", "toastcore.db"};

}  // namespace

TEST_CASE("world_store: textdump -> World -> textdump is byte for byte") {
  for (const char* name : kDatabases) {
    INFO(name);
    std::string text = slurp(data_path(name));
    REQUIRE(!text.empty());
    st::WorldImage image = st::read_textdump(text);
    WorldExtras x;
    std::unique_ptr<World> w;
    double first = 0, best = 1e18;  // the first run pays for cold caches
    for (int run = 0; run < 3; ++run) {
      auto t0 = std::chrono::steady_clock::now();
      w = load_world(image, &x);
      auto t1 = std::chrono::steady_clock::now();
      double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
      if (run == 0) first = ms;
      best = std::min(best, ms);
    }
    WARN(name << ": load_world(image) " << first << " ms first, " << best << " ms best of 3; "
              << w->max_object() + 1 << " objects");
    CHECK(w->dirty().empty());
    st::WorldImage back = to_image(*w, x);
    CHECK(st::first_difference(image, back) == "");
    std::string out = st::write_textdump(back, image.format);
    CHECK(text_diff(text, out) == "");
  }
}

TEST_CASE("world_store: a store loads the World its image does") {
  for (const char* name : kDatabases) {
    INFO(name);
    st::WorldImage image = st::read_textdump_file(data_path(name));
    WorldExtras xi;
    auto wi = load_world(image, &xi);
    TempStore tmp(std::string("load-") + name);
    st::import_world(image, tmp.path);
    auto store = st::Store::open(tmp.path);
    WorldExtras xs;
    auto t0 = std::chrono::steady_clock::now();
    auto ws = load_world(*store, &xs);
    auto t1 = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    WARN(name << ": load_world(store) " << ms << " ms");
    CHECK(world_diff(*wi, *ws) == "");
    CHECK(st::first_difference(to_image(*wi, xi), to_image(*ws, xs)) == "");
    CHECK(st::first_difference(image, to_image(*ws, xs)) == "");
  }
}

TEST_CASE("world_store: changes reach the store, nothing else does") {
  for (const char* name : kDatabases) {
    INFO(name);
    st::WorldImage image = st::read_textdump_file(data_path(name));
    TempStore tmp(std::string("change-") + name);
    st::import_world(image, tmp.path);
    auto store = st::Store::open(tmp.path);
    WorldExtras x;
    auto w = load_world(*store, &x);
    int64_t wiz = find_wizard(*w);
    REQUIRE(wiz != NOTHING);
    int64_t root = w->get(1) ? 1 : 0;

    // Through the builtins, as MOO code: a property, a verb added, coded,
    // renamed, another deleted (shifting the later indexes).
    std::string o = "#" + std::to_string(wiz);
    CHECK(run_moo(*w, "add_property(" + o + ", \"echo_test\", {1, \"two\"}, {" + o + ", \"rc\"}); return " + o +
                          ".echo_test;", wiz) == "{1, \"two\"}");
    CHECK(run_moo(*w, o + ".name = \"Renamed\"; return " + o + ".name;", wiz) == "\"Renamed\"");
    CHECK(run_moo(*w, "return add_verb(" + o + ", {" + o + ", \"rxd\", \"echo_a\"}, {\"this\", \"none\", \"this\"});",
                  wiz) != "");
    CHECK(run_moo(*w, "return set_verb_code(" + o + ", \"echo_a\", {\"return 42;\", \"\"});", wiz) == "{}");
    CHECK(run_moo(*w, "add_verb(" + o + ", {" + o + ", \"rxd\", \"echo_b\"}, {\"none\", \"none\", \"none\"}); return set_verb_code(" + o + ", \"echo_b\", {\"return 7;\"});", wiz) == "{}");
    CHECK(run_moo(*w, "return delete_verb(" + o + ", \"echo_a\");", wiz) == "0");
    CHECK(run_moo(*w, "return " + o + ":echo_b();", wiz) == "7");
    // A verb deleted from the middle of an object that has several.
    int64_t many = NOTHING;
    for (int64_t id = 0; id <= w->max_object() && many == NOTHING; ++id)
      if (w->get(id) && w->get(id)->verbs.size() >= 3 && id != wiz) many = id;
    if (many != NOTHING) w->delete_verb(many, 0);

    // Through the World API: create, move, chparent, recycle.
    int64_t a = w->create({root}, wiz);
    int64_t b = w->create({root}, wiz);
    w->get_mut(a)->name = "echo thing a";
    w->move(a, wiz);
    w->move(b, wiz);
    w->move(wiz, NOTHING);
    int64_t other = NOTHING;
    for (int64_t id = 2; id <= w->max_object() && other == NOTHING; ++id)
      if (w->get(id) && id != wiz && id != a && id != b && !w->is_a(id, a)) other = id;
    REQUIRE(other != NOTHING);
    CHECK(w->change_parents(b, {other}));
    w->recycle(a);
    int64_t c = w->create({root}, wiz);  // after the recycled slot: max_object grows
    WorldHost host(*w);
    host.set_property(c, "name", Value::str("echo c"), wiz);

    std::set<int64_t> dirty = w->dirty();
    CHECK(dirty.count(a));
    CHECK(dirty.count(wiz));
    CHECK(dirty.size() < 20);
    size_t ops = commit_changes(*w, x, *store);
    CHECK(ops > 0);
    CHECK(w->dirty().empty());
    WARN(name << ": " << dirty.size() << " dirty objects, " << ops << " store writes");
    w->load_all();  // a lazy World reads its store: all of it, before the store closes
    store->close();

    auto reopened = st::Store::open(tmp.path);
    WorldExtras x2;
    auto w2 = load_world(*reopened, &x2);
    CHECK(world_diff(*w, *w2) == "");
    CHECK(!w2->valid(a));
    CHECK(w2->get(c)->name == "echo c");
    CHECK(w2->get(b)->parents == std::vector<int64_t>{other});
    CHECK(w2->get(wiz)->name == "Renamed");
    CHECK(w2->get(wiz)->location == NOTHING);
    // Every stored record (links, programs, meta) is what a full export of
    // the changed World gives: nothing stale, nothing else touched.
    st::WorldImage stored = st::export_world(*reopened);
    st::WorldImage fresh = to_image(*w, x);
    CHECK(st::first_difference(stored, fresh) == "");
    // ...and it still makes a valid textdump in its format.
    std::string text = st::write_textdump(fresh, image.format);
    CHECK_NOTHROW(st::read_textdump(text));
    // A second round with nothing changed writes nothing.
    CHECK(commit_changes(*w2, x2, *reopened) == 0);

    // Renumber into the recycled hole, then drop the trailing slot: the
    // record beyond max_object must go, or the store would not load.
    int64_t d = w2->create({root}, wiz);
    w2->recycle(d);
    CHECK(w2->renumber(c) == a);
    w2->reset_max_object();
    CHECK(w2->max_object() < d);
    commit_changes(*w2, x2, *reopened);
    w2->load_all();
    reopened->close();
    auto third = st::Store::open(tmp.path);
    WorldExtras x3;
    auto w3 = load_world(*third, &x3);
    CHECK(world_diff(*w2, *w3) == "");
    CHECK(w3->get(a)->name == "echo c");
    CHECK(st::first_difference(st::export_world(*third), to_image(*w2, x2)) == "");
  }
}

TEST_CASE("world_store: raw property values survive and read as E_INVARG") {
  st::WorldImage image = st::read_textdump_file(data_path("Minimal.db"));
  image.format = st::kFormatBool;  // raw values exist only in ToastStunt formats
  // A property defined on a childless object, holding a value Echo's Value
  // cannot represent (some raw encoding, kept verbatim).
  st::Object* holder = nullptr;
  for (st::Object& o : image.objects)
    if (!o.recycled && st::object_list(o.children).empty()) holder = &o;
  REQUIRE(holder);
  holder->propdefs.insert(holder->propdefs.begin(), "Waifish");
  holder->propvals.insert(holder->propvals.begin(), st::PropVal{st::StoredValue{Value::integer(0), {}}, 0, 1});
  holder->propvals[0].value.raw = "13\n#-1\n";  // some raw encoding, kept verbatim
  for (st::Object& o : image.objects) o.v4.reset();
  WorldExtras x;
  auto w = load_world(image, &x);
  const Object* o = w->get(holder->id);
  const std::string key = [&] {
    std::string k = holder->propdefs[0];
    for (char& ch : k) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return k;
  }();
  CHECK(o->props.at(key).value.is_err());
  CHECK(o->props.at(key).value.as_err() == E_INVARG);
  st::WorldImage back = to_image(*w, x);
  CHECK(st::first_difference(image, back) == "");
  // Storing another value replaces the raw one.
  w->set_prop(holder->id, key, Value::integer(5));
  st::Batch batch;
  add_changes(*w, x, w->take_dirty(), false, batch);
  for (const auto& [serial, e] : x.objects) CHECK(e.raw_props.empty());
  CHECK(x.find(*o) == nullptr);  // nothing else kept for it
  CHECK(to_image(*w, x).objects[size_t(holder->id)].propvals[0].value.value.as_int() == 5);
}

// ---- lazy loading: a store's World reads each object on its first use ----

namespace {

// LambdaCore, imported into a store, and the World its image gives.
struct LazyFixture {
  st::WorldImage image = st::read_textdump_file(data_path("LambdaCore-latest.db"));
  TempStore tmp;
  std::unique_ptr<st::Store> store;
  explicit LazyFixture(const std::string& tag) : tmp(tag) {
    st::import_world(image, tmp.path);
    store = st::Store::open(tmp.path);
  }
};

}  // namespace

TEST_CASE("world_store: a store's World reads an object, and its ancestors, on first use") {
  LazyFixture f("lazy-open");
  auto eager = load_world(f.image);
  WorldExtras x;
  auto w = load_world(*f.store, &x);
  CHECK(w->resident_objects() == 0);
  CHECK(w->max_object() == eager->max_object());
  CHECK(w->players() == eager->players());

  // The wizard (#2): itself and its ancestors, nothing else.
  REQUIRE(w->valid(2));
  size_t expected = 1 + eager->ancestors(2).size();
  CHECK(w->resident_objects() == expected);
  for (int64_t a : eager->ancestors(2)) CHECK(!w->pending(a));
  CHECK(object_diff(*eager, *w, 2) == "");
  // MOO code sees the same object, inherited values and verbs included.
  std::string code = "return {#2.name, parents(#2), #2.description, length(verbs(#2)), verb_code(#2, 1)};";
  CHECK(run_moo(*w, code, 2) == run_moo(*eager, code, 2));
  CHECK(w->resident_objects() < size_t(eager->max_object() + 1) / 4);

  // A recycled number is settled without an object.
  int64_t hole = NOTHING;
  for (int64_t id = 0; id <= eager->max_object() && hole == NOTHING; ++id)
    if (!eager->valid(id)) hole = id;
  if (hole != NOTHING) {
    CHECK(!w->valid(hole));
    CHECK(!w->pending(hole));
  }
  // Loading in any order gives the same World as loading it all at once.
  for (int64_t id = w->max_object(); id >= 0; id -= 7) w->valid(id);
  CHECK(world_diff(*eager, *w) == "");
  CHECK(w->dirty().empty());  // loading is not a change
}

TEST_CASE("world_store: changes reach objects that were not loaded yet") {
  LazyFixture f("lazy-change");
  auto eager = load_world(f.image);
  WorldExtras x;
  auto w = load_world(*f.store, &x);

  // The same changes to both Worlds, each touching objects the lazy World has
  // not read: the recycled object's children are reparented, renumber
  // rewrites every reference to the moved object, reset_max_object finds the
  // new top, a propdef added at the root reaches every descendant.
  int64_t thing = NOTHING;  // an object with children and a parent
  for (int64_t id = 2; id <= eager->max_object() && thing == NOTHING; ++id)
    if (const Object* o = eager->get(id); o && o->children.size() >= 3 && !o->parents.empty()) thing = id;
  REQUIRE(thing != NOTHING);
  int64_t top = eager->max_object();
  while (!eager->valid(top)) --top;
  for (World* v : {eager.get(), w.get()}) {
    v->recycle(thing);
    int64_t moved = v->renumber(top);
    CHECK(moved < top);
    v->reset_max_object();
    CHECK(v->add_propdef(1, "lazy_test", Value::integer(7), 2, PF_READ));
  }
  CHECK(world_diff(*eager, *w) == "");

  // Committed, reopened lazily, read back whole: what the eager World holds.
  commit_changes(*w, x, *f.store);
  f.store->close();
  auto reopened = st::Store::open(f.tmp.path);
  WorldExtras x2;
  auto w2 = load_world(*reopened, &x2);
  CHECK(w2->resident_objects() == 0);
  CHECK(world_diff(*eager, *w2) == "");
}

TEST_CASE("world_store: a missing record is an error on first use, and loads nothing half-way") {
  LazyFixture f("lazy-broken");
  auto eager = load_world(f.image);
  // A leaf with a parent: delete the parent's record behind the store's back.
  int64_t parent = NOTHING, child = NOTHING;
  for (int64_t id = 2; id <= eager->max_object() && child == NOTHING; ++id)
    if (const Object* o = eager->get(id); o && o->children.size() == 1 && eager->get(o->children[0])->children.empty()) {
      parent = id;
      child = o->children[0];
    }
  REQUIRE(child != NOTHING);
  st::Batch b;
  b.delete_object(parent);
  f.store->commit(b);

  WorldExtras x;
  auto w = load_world(*f.store, &x);
  CHECK_THROWS_WITH(w->valid(child), Catch::Contains("object #" + std::to_string(parent) + " is missing"));
  CHECK(w->pending(child));  // not left half-loaded: the next use fails the same way
  CHECK_THROWS_WITH(w->get(child), Catch::Contains("is missing"));
  CHECK(w->valid(2));  // the rest of the world is unharmed
  CHECK(object_diff(*eager, *w, 2) == "");
}

TEST_CASE("world_store: unused clean objects leave memory and come back the same") {
  LazyFixture f("lazy-evict");
  auto eager = load_world(f.image);
  WorldExtras x;
  auto w = load_world(*f.store, &x);
  w->load_all();
  size_t all = w->resident_objects();
  CHECK(w->evict_unused(all) == 0);  // not over the limit: nothing goes
  // A change not yet committed keeps its object (and so its ancestors).
  w->get_mut(2)->name = "Changed";
  w->mark_dirty(2);
  // An object just used stays for one more round.
  int64_t leaf = NOTHING;
  for (int64_t id = int64_t(all) - 1; id > 2 && leaf == NOTHING; --id)
    if (const Object* o = eager->get(id); o && o->children.empty()) leaf = id;
  REQUIRE(leaf != NOTHING);
  w->get(leaf);
  w->evict_unused(0);
  CHECK(!w->pending(leaf));
  size_t before = w->resident_objects(), gone = 0;
  for (int pass = 0; pass < 20; ++pass) gone += w->evict_unused(0);
  CHECK(w->pending(leaf));
  CHECK(w->resident_objects() == before - gone);
  CHECK(w->resident_objects() < all / 4);
  CHECK(w->pending(1) == false);  // #2's ancestors stay while it does
  CHECK(w->get(2)->name == "Changed");
  // Committed, it may go too; read back, it is what was committed.
  commit_changes(*w, x, *f.store);
  for (int pass = 0; pass < 20; ++pass) w->evict_unused(0);
  CHECK(w->pending(2));
  CHECK(w->get(2)->name == "Changed");
  eager->get_mut(2)->name = "Changed";
  CHECK(world_diff(*eager, *w) == "");  // every object read back as it was
  // Nothing was lost on the way: the store agrees with the eager World.
  st::WorldImage fresh = to_image(*w, x);
  CHECK(st::first_difference(st::export_world(*f.store), fresh) == "");
}
