// The persistent store: records, commits, snapshots, import / export.
#include <catch2/catch.hpp>

#include <filesystem>

#include "lang/compiler.h"
#include "lang/eval.h"
#include "lang/map.h"
#include "storage/store.h"
#include "store_test_util.h"
#include "util.h"

using namespace echo;
using namespace echo::storage;
using storage_test::data_path;
using storage_test::poke;
using storage_test::slurp;
using storage_test::TempDir;
namespace fs = std::filesystem;

namespace {

Object sample_object(Objid id) {
  Object o;
  o.id = id;
  o.name = std::string("thing\0\xff", 7);
  o.flags = kFlagRead | kFlagFertile;
  o.owner = 2;
  o.location = Value::obj(3);
  o.contents = make_list({Value::obj(4), Value::obj(5)});
  o.parents = make_list({Value::obj(1), Value::obj(7)});
  o.children = Value::empty_list();
  Value m = Value::empty_map();
  m.map_mut()->set(Value::str("a"), Value::flt(1.5));
  m.map_mut()->set(Value::integer(3), make_list({Value::boolean(true), Value::err(E_PERM)}));
  o.last_move = StoredValue{m, {}};
  o.propdefs = {"color", "size"};
  o.propvals.push_back(PropVal{StoredValue{Value::str("red"), {}}, 2, kPropRead});
  o.propvals.push_back(PropVal{StoredValue{Value::clear(), {}}, 2, kPropRead | kPropWrite});
  o.propvals.push_back(PropVal{StoredValue{{}, "12\n*anonymous*\n"}, 3, 0});
  Verb v;
  v.names = "l*ook examine";
  v.owner = 2;
  v.perms = kVerbRead | kVerbExec | (kArgAny << kDobjShift);
  v.prep = kPrepNone;
  v.program = "return 1;\n";
  o.verbs.push_back(v);
  v.names = "noprog";
  v.program.reset();
  o.verbs.push_back(v);
  return o;
}

std::string key_of(Objid id) {
  std::string k;
  uint64_t u = uint64_t(id) ^ (uint64_t(1) << 63);
  for (int i = 7; i >= 0; --i) k.push_back(char((u >> (8 * i)) & 0xFF));
  return k;
}

}  // namespace

TEST_CASE("store: objects, verb sources, meta and tasks round trip", "[store]") {
  TempDir tmp("basic");
  std::string dir;
  {
    auto s = Store::open(tmp / "world");
    dir = s->dir();
    CHECK(dir == tmp / "world.db");
    CHECK(fs::is_directory(dir + "/data"));
    CHECK_FALSE(s->get_object(1).has_value());
    Batch b;
    Object o = sample_object(10);
    b.put_object(o);
    b.put_object(sample_object(-5));
    b.put_verb_source(10, 0, *o.verbs[0].program);
    MetaInfo m;
    m.textdump_format = 17;
    m.max_object = 10;
    m.players = {2, 10};
    m.sections.push_back(RawSection{"queued tasks", 0, "0 queued tasks\n", true, 0});
    b.put_meta(m);
    b.put_task(7, std::string("cont\0inuation", 13));
    s->commit(b);
  }
  auto s = Store::open(dir, StoreOptions{false, true});
  auto o = s->get_object(10);
  REQUIRE(o);
  Object expect = sample_object(10);
  for (auto& v : expect.verbs) v.program.reset();
  WorldImage a, b;
  a.objects.push_back(expect);
  b.objects.push_back(*o);
  CHECK(first_difference(a, b) == "");
  CHECK(o->propvals[2].value.raw == "12\n*anonymous*\n");
  CHECK(s->get_verb_source(10, 0) == std::optional<std::string>("return 1;\n"));
  CHECK_FALSE(s->get_verb_source(10, 1).has_value());
  CHECK(s->object_ids() == std::vector<Objid>{-5, 10});
  CHECK(s->get_meta()->players == std::vector<Objid>{2, 10});
  CHECK(s->get_meta()->sections.at(0).text == "0 queued tasks\n");
  CHECK(s->get_task(7) == std::optional<std::string>(std::string("cont\0inuation", 13)));
  CHECK(s->task_ids() == std::vector<uint64_t>{7});

  Batch del;
  del.delete_object(-5);
  del.delete_task(7);
  s->commit(del);
  CHECK(s->object_ids() == std::vector<Objid>{10});
  CHECK_FALSE(s->get_task(7));
  s->close();
  s->close();  // idempotent
  CHECK_THROWS_AS(s->get_object(10), StoreError);
}

TEST_CASE("store: task records hold a MOO value; a raw record is refused", "[store]") {
  TempDir tmp("tasks");
  auto s = Store::open(tmp / "world");
  Value inner = Value::empty_list();
  list_append(inner, Value::obj(-2));
  list_append(inner, Value::err(E_INVARG));
  Value state = Value::empty_list();
  for (Value v : {Value::integer(3), Value::str("suspend"), Value::flt(1.5), inner}) list_append(state, v);
  Batch b;
  b.put_task_value(12, state);
  b.put_task(13, "not a record");
  s->commit(b);
  auto back = s->get_task_value(12);
  REQUIRE(back);
  CHECK(equal_exact(*back, state));
  CHECK_FALSE(s->get_task_value(99));
  CHECK_THROWS_WITH(s->get_task_value(13), Catch::Contains("tasks 13"));
}

TEST_CASE("store: opening a missing store without create fails with its path", "[store]") {
  TempDir tmp("missing");
  try {
    Store::open(tmp / "nope", StoreOptions{false, true});
    FAIL("opened");
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()).find("nope.db") != std::string::npos);
  }
}

TEST_CASE("store: a corrupt record is a clear error", "[store]") {
  TempDir tmp("corrupt");
  std::string dir = tmp / "w.db";
  {
    auto s = Store::open(dir);
    Batch b;
    b.put_object(sample_object(1));
    b.put_object(sample_object(2));
    s->commit(b);
  }
  poke(dir, "objects", key_of(1), "garbage!");                      // one word of nonsense
  poke(dir, "objects", key_of(3), "abc");                           // not whole words
  poke(dir, "verbs", key_of(1) + std::string(4, '\0'), std::string(64, '\xff'));
  auto s = Store::open(dir);
  for (Objid id : {1, 3}) {
    try {
      s->get_object(id);
      FAIL("decoded a corrupt record");
    } catch (const StoreError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find("corrupt record") != std::string::npos);
      CHECK(std::string(e.what()).find("objects #" + std::to_string(id)) != std::string::npos);
    }
  }
  CHECK_THROWS_AS(s->get_verb_source(1, 0), StoreError);
  CHECK(s->get_object(2).has_value());  // the others still read
  // A record from a newer server.
  {
    std::string rec;
    Batch b;
    b.put_object(sample_object(2));
    rec = *b.ops()[0].value;
    // formatVersion is the first field of the struct's data section: word 2
    // of a flat single-segment message (segment table, root pointer).
    rec[16] = char(99);
    s->close();
    poke(dir, "objects", key_of(2), rec);
    s = Store::open(dir);
    try {
      s->get_object(2);
      FAIL("read a too-new record");
    } catch (const StoreError& e) {
      CHECK(std::string(e.what()).find("record format 99") != std::string::npos);
    }
  }
}

TEST_CASE("store: snapshots, pruning and restore", "[store]") {
  TempDir tmp("snap");
  auto s = Store::open(tmp / "w");
  Batch b;
  b.put_object(sample_object(1));
  s->commit(b);
  std::string snap1 = s->snapshot();
  CHECK(snap1.rfind(s->dir() + "/snap.", 0) == 0);
  b.clear();
  b.put_object(sample_object(2));
  s->commit(b);
  std::string snap2 = s->snapshot();
  std::string snap3 = s->snapshot();
  CHECK(s->list_snapshots() == std::vector<std::string>{snap1, snap2, snap3});
  // Restore the first: object 2 is not in it.
  std::string r = Store::restore(snap1, tmp / "restored");
  CHECK(r == tmp / "restored.db");
  {
    auto rs = Store::open(r);
    CHECK(rs->object_ids() == std::vector<Objid>{1});
  }
  CHECK_THROWS_AS(Store::restore(snap2, tmp / "restored"), StoreError);  // exists
  Store::restore(snap2, tmp / "restored", true);
  CHECK(Store::open(r)->object_ids() == std::vector<Objid>{1, 2});
  CHECK_THROWS_AS(Store::restore(tmp / "nowhere", tmp / "x"), StoreError);
  CHECK_FALSE(fs::exists(tmp / "x.db"));
  CHECK(s->prune_snapshots(1) == 2);
  CHECK(s->list_snapshots() == std::vector<std::string>{snap3});
  // The live store still works after all that.
  CHECK(s->get_object(2).has_value());
}

TEST_CASE("store: import is atomic and refuses an existing target", "[store]") {
  TempDir tmp("import");
  WorldImage im = read_textdump_file(data_path("Minimal.db"));
  std::string dir = import_world(im, tmp / "min");
  CHECK(dir == tmp / "min.db");
  CHECK_THROWS_AS(import_world(im, tmp / "min"), StoreError);
  CHECK(Store::open(dir)->get_object(0).has_value());
  // A failing import leaves nothing behind (and the existing store intact).
  WorldImage bad = im;
  bad.objects[1].id = 7;
  CHECK_THROWS_AS(import_world(bad, tmp / "min", {}, true), StoreError);
  CHECK_THROWS_AS(import_world(bad, tmp / "other"), StoreError);
  CHECK_FALSE(fs::exists(tmp / "other.db"));
  for (const auto& e : fs::directory_iterator(tmp.path()))
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  CHECK(Store::open(dir)->object_ids().size() == im.objects.size());
  // overwrite replaces.
  im.objects[0].name = "Renamed";
  import_world(im, tmp / "min", {}, true);
  CHECK(Store::open(dir)->get_object(0)->name == "Renamed");
}

TEST_CASE("store: textdump -> store -> textdump is byte for byte", "[store][roundtrip]") {
  for (const char* name : {"Minimal.db", "LambdaCore-latest.db", "enCore.db", "toastcore.db"}) {
    INFO(name);
    TempDir tmp("rt");
    std::string text = slurp(data_path(name));
    WorldImage im = read_textdump(std::string_view(text));
    uint64_t last_done = 0, last_total = 0;
    import_world(im, tmp / "w", [&](uint64_t d, uint64_t t) { last_done = d, last_total = t; });
    CHECK(last_done == last_total);
    CHECK(last_total == im.objects.size() + im.anonymous.size());
    auto s = Store::open(tmp / "w", StoreOptions{false, true});
    WorldImage back = export_world(*s);
    CHECK(first_difference(im, back) == "");
    std::string out = write_textdump(back, back.format);
    CHECK(out.size() == text.size());
    CHECK(out == text);
  }
}

TEST_CASE("store: a format-17 image with anonymous objects round trips", "[store][roundtrip]") {
  // toastcore has no anonymous objects; build one on the Minimal world.
  WorldImage im = read_textdump(write_textdump(read_textdump_file(data_path("Minimal.db")), 17));
  Object anon = sample_object(Objid(im.objects.size()) + 3);
  anon.flags |= kFlagAnonymous;
  im.anonymous.push_back(anon);
  im.anonymous_batches = {1};
  TempDir tmp("anon");
  import_world(im, tmp / "w");
  WorldImage back = export_world(*Store::open(tmp / "w"));
  CHECK(first_difference(im, back) == "");
  REQUIRE(back.anonymous.size() == 1);
  CHECK(back.anonymous[0].verbs[0].program == std::optional<std::string>("return 1;\n"));
}

TEST_CASE("store: values nested as deep as a textdump allows round trip", "[store]") {
  Value v = Value::integer(7);
  for (int i = 0; i < kMaxValueDepth; ++i) v = make_list({v, Value::str("x")});
  Object o = sample_object(1);
  o.propvals[0].value = StoredValue{v, {}};
  TempDir tmp("deep");
  auto s = Store::open(tmp / "w");
  Batch b;
  b.put_object(o);
  s->commit(b);
  auto back = s->get_object(1);
  REQUIRE(back);
  CHECK(equal_exact(back->propvals[0].value.value, v));
}

// Echo's values: null, and functions kept as their source and captures
// (a let captured by reference, stored as a cell), rebuilt and callable after
// the store is reopened; a task suspended inside a function resumes there.
TEST_CASE("store: Echo functions and a task suspended in one survive a reopen", "[store]") {
  TempDir tmp("echo-values");
  EvalOptions o;
  o.syntax = Syntax::Echo;
  EvalOutcome made = eval_moo("let k = 40; let add = x => x + k; k = k + 1; return {add, null, fn (a) return a * k; endfn};", o);
  REQUIRE(made.kind == EvalOutcome::Returned);
  CompileResult c = compile_echo(
      "let base = 5;\n"
      "let f = fn (n)\n"
      "  let t = n + base;\n"
      "  suspend(0);\n"
      "  return t * 2;\n"
      "endfn;\n"
      "return f(16);\n");
  REQUIRE(c.ok());
  Task task(c.program, nullptr);
  REQUIRE(task.run() == TaskStatus::Suspended);
  {
    auto s = Store::open(tmp / "world");
    Batch b;
    b.put_task_value(1, made.value);
    b.put_task_value(2, task.save());
    s->commit(b);
  }
  auto s = Store::open(tmp / "world");
  auto back = s->get_task_value(1);
  REQUIRE(back);
  REQUIRE(back->is_list());
  CHECK(back->list_at(1).is_null());
  CHECK(back->list_at(0).is_func());
  CHECK(to_literal(back->list_at(0)) == "x => x + k");
  EvalOptions call;
  call.syntax = Syntax::Echo;
  call.vars.emplace_back("f", back->list_at(0));
  call.vars.emplace_back("g", back->list_at(2));
  EvalOutcome r = eval_moo("f = f; g = g; return {f(1), g(2)};", call);
  CHECK(r.describe() == "=> {42, 82}");
  auto saved = s->get_task_value(2);
  REQUIRE(saved);
  auto restored = Task::restore(*saved, nullptr, [](const std::string& src) {
    CompileResult m = compile_moo(src);
    return m.program;
  });
  restored->resume(Value::integer(0));
  REQUIRE(restored->run() == TaskStatus::Done);
  CHECK(to_literal(restored->result()) == "42");
}

namespace {
// RocksDB deletes obsolete files from its own threads while we list them,
// so a file may vanish between the listing and its size: count it as gone.
uintmax_t disk_use(const std::string& dir) {
  uintmax_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    uintmax_t n = fs::file_size(it->path(), size_ec);
    if (!size_ec) total += n;
  }
  return total;
}
}  // namespace

TEST_CASE("store: the write-ahead log is reclaimed while the store is open", "[store]") {
  // A task record overwritten again and again (a suspend() loop), beside an
  // object written once: RocksDB kept every WAL file the object's unflushed
  // write pinned, up to 3.5 GB, and replayed them all at the next open.
  TempDir tmp("wal");
  std::string dir = tmp / "w.db";
  auto s = Store::open(dir);
  Batch once;
  once.put_object(sample_object(1));
  s->commit(once);
  std::string record(1 << 20, 'x');
  uintmax_t high = 0;
  for (int i = 0; i < 300; ++i) {
    Batch b;
    record[0] = char('a' + i % 26);
    b.put_task(7, record);
    s->commit(b, false);
    if (i % 10 == 0) high = std::max(high, disk_use(dir));
  }
  INFO("300 MB written; disk use peaked at " << high / 1e6 << " MB");
  CHECK(high < (128u << 20));
  s.reset();
  auto again = Store::open(dir, StoreOptions{false, true});
  CHECK(again->get_task(7) == std::optional<std::string>(record));
  CHECK(again->get_object(1).has_value());
}
