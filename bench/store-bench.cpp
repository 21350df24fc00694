// Store timings: LambdaCore import / export, opening a 1,000,000-object
// store and the live World over it, loading objects on first use, property
// read and write throughput. Prints numbers; not a test.
//
//   build/bench/echo-bench-store [--regen] [--objects N]
//
// The large store is generated once in /tmp/echo-store-bench-<N>.db (kept
// between runs; --regen rebuilds it).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

#include "actors/world_store.h"
#include "proc_stats.h"
#include "storage/store.h"
#include "storage/textdump.h"

using namespace echo;
using namespace echo::storage;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A consistent world the live World can load: #0 the system object, #1 the
// root (defining description and count), kClasses class objects #2.. under
// it, and every other object a child of one class (by id modulo kClasses)
// and in one of the class objects as a room. Every tenth object has a verb.
constexpr Objid kClasses = 1000;
constexpr Objid kFirstLeaf = 2 + kClasses;

Objid class_of(Objid leaf) { return 2 + leaf % kClasses; }

Value leaves_of(Objid cls, Objid n) {  // class_of(k) == cls, k >= kFirstLeaf
  Value l = Value::empty_list();
  Objid k = cls - 2;
  while (k < kFirstLeaf) k += kClasses;
  for (; k < n; k += kClasses) list_append(l, Value::obj(k));
  return l;
}

storage::Object generated_object(Objid id, Objid n) {
  storage::Object o;
  o.id = id;
  o.name = "generated object " + std::to_string(id);
  o.flags = kFlagRead;
  o.owner = 2;
  o.location = Value::obj(kNothing);
  o.parents = Value::obj(kNothing);
  o.children = Value::empty_list();
  o.contents = Value::empty_list();
  if (id == 0) return o;
  auto values = [&] {
    o.propvals.push_back(PropVal{StoredValue{Value::str("A thing, number " + std::to_string(id) + "."), {}}, 2, kPropRead});
    o.propvals.push_back(PropVal{StoredValue{Value::integer(id), {}}, 2, kPropRead | kPropWrite});
  };
  if (id == 1) {
    o.propdefs = {"description", "count"};
    values();
    for (Objid c = 2; c < kFirstLeaf && c < n; ++c) list_append(o.children, Value::obj(c));
    return o;
  }
  values();
  if (id < kFirstLeaf) {
    o.parents = Value::obj(1);
    o.children = leaves_of(id, n);
    o.contents = o.children;  // the class object is also the room of its leaves
    return o;
  }
  o.parents = Value::obj(class_of(id));
  o.location = o.parents;
  if (id % 10 == 0) {
    storage::Verb v;
    v.names = "look l*";
    v.owner = 2;
    v.perms = kVerbRead | kVerbExec;
    v.program = "player:tell(this.description);\nreturn this.count;\n";
    o.verbs.push_back(v);
  }
  return o;
}

void generate(const std::string& dir, Objid n) {
  fs::remove_all(dir);
  auto t0 = Clock::now();
  {
    auto s = Store::open(dir, StoreOptions{true, false});
    Batch b;
    for (Objid id = 0; id < n; ++id) {
      storage::Object o = generated_object(id, n);
      b.put_object(o);
      if (!o.verbs.empty()) b.put_verb_source(id, 0, *o.verbs[0].program);
      if (b.bytes() > (4 << 20) || id == n - 1) {
        s->commit(b, id == n - 1);
        b.clear();
      }
    }
    MetaInfo m;
    m.textdump_format = 17;
    m.max_object = n - 1;
    b.put_meta(m);
    s->commit(b, true);
  }
  std::printf("generate %lld objects: %.2f s\n", (long long)n, since(t0));
}

double rss_mb() { return echo::bench::rss_mib(getpid()); }  // this process's resident set

uint64_t dir_bytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  bool regen = false;
  Objid n = 1000000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--regen")) regen = true;
    else if (!std::strcmp(argv[i], "--objects") && i + 1 < argc) n = std::atoll(argv[++i]);
  }
  std::string pid = std::to_string(::getpid());

  // LambdaCore: textdump -> store -> textdump.
  {
    std::string path = std::string(ECHO_SHARED_DATA_DIR) + "/LambdaCore-latest.db";
    auto t0 = Clock::now();
    WorldImage im = read_textdump_file(path);
    double read_s = since(t0);
    std::string dir = "/tmp/echo-store-bench-lambdacore-" + pid + ".db";
    t0 = Clock::now();
    import_world(im, dir, {}, true);
    double import_s = since(t0);
    t0 = Clock::now();
    auto s = Store::open(dir);
    double open_s = since(t0);
    t0 = Clock::now();
    WorldImage back = export_world(*s);
    double export_s = since(t0);
    t0 = Clock::now();
    std::string text = write_textdump(back, back.format);
    double write_s = since(t0);
    std::printf("LambdaCore (%zu objects, %zu verbs): read textdump %.3f s, import %.3f s, open %.4f s, "
                "export %.3f s, write textdump %.3f s, store %.1f MB\n",
                im.objects.size(), im.verb_count(), read_s, import_s, open_s, export_s, write_s,
                dir_bytes(dir) / 1e6);
    s.reset();
    fs::remove_all(dir);
  }

  // The large generated store.
  std::string big = "/tmp/echo-store-bench-v2-" + std::to_string(n) + ".db";
  if (regen || !fs::exists(big + "/data/CURRENT")) generate(big, n);
  auto t0 = Clock::now();
  auto s = Store::open(big);
  double open_s = since(t0);
  t0 = Clock::now();
  auto first = s->get_object(n / 2);
  double first_s = since(t0);
  std::printf("%lld-object store (%.1f MB): open %.4f s, first get_object %.6f s\n", (long long)n,
              dir_bytes(big + "/data") / 1e6, open_s, first_s);

  // The live World over it, as the server opens it: objects are read on
  // first use (with their ancestors), so opening costs what RocksDB does.
  {
    s.reset();
    double rss0 = rss_mb();
    t0 = Clock::now();
    auto store = Store::open(big);
    WorldExtras x;
    auto w = load_world(*store, &x);
    double world_s = since(t0);
    double rss_open = rss_mb();
    t0 = Clock::now();
    const echo::Object* o = w->get(n / 2);
    double first_obj = since(t0);
    std::printf("live World over it: open %.4f s (%zu objects resident, +%.0f MB RSS); first object #%lld %.6f s "
                "(%zu resident with its ancestors)\n",
                world_s, size_t(0), rss_open - rss0, (long long)(n / 2), first_obj, w->resident_objects());
    if (!o) std::printf("  (#%lld did not load)\n", (long long)(n / 2));
    std::mt19937_64 r2(7);
    const int touches = 100000;
    int64_t sum = 0;
    t0 = Clock::now();
    for (int i = 0; i < touches; ++i)
      if (const echo::Object* p = w->get(Objid(r2() % uint64_t(n)))) sum += int64_t(p->verbs.size());
    double t = since(t0);
    std::printf("  %d random objects loaded on first use: %.2f s = %.1f us each, %zu resident, %.0f MB RSS "
                "(checksum %lld)\n",
                touches, t, t / touches * 1e6, w->resident_objects(), rss_mb() - rss0, (long long)sum);
  }
  s = Store::open(big);

  std::mt19937_64 rng(42);
  // Property reads: a random object's record, one property value.
  {
    const int reads = 200000;
    int64_t sum = 0;
    t0 = Clock::now();
    for (int i = 0; i < reads; ++i) {
      auto o = s->get_object(Objid(rng() % uint64_t(n)));
      sum += o->propvals[1].value.value.as_int();
    }
    double t = since(t0);
    std::printf("property read (get_object + value), random ids: %d in %.2f s = %.0f /s (checksum %lld)\n", reads, t,
                reads / t, (long long)sum);
  }
  // Property writes: read-modify-write of one object per commit.
  auto write_bench = [&](const char* label, int writes, int per_commit, bool sync) {
    t0 = Clock::now();
    Batch b;
    for (int i = 0; i < writes; ++i) {
      Objid id = Objid(rng() % uint64_t(n));
      auto o = s->get_object(id);
      o->propvals[1].value.value = Value::integer(o->propvals[1].value.value.as_int() + 1);
      b.put_object(*o);
      if (b.size() == size_t(per_commit)) {
        s->commit(b, sync);
        b.clear();
      }
    }
    if (!b.empty()) s->commit(b, sync);
    double t = since(t0);
    std::printf("property write (%s): %d in %.2f s = %.0f /s\n", label, writes, t, writes / t);
  };
  write_bench("1 per commit, sync", 2000, 1, true);
  write_bench("100 per commit, sync", 100000, 100, true);
  write_bench("1 per commit, no sync", 100000, 1, false);
  // Snapshot of the large store.
  t0 = Clock::now();
  std::string snap = s->snapshot();
  std::printf("snapshot (checkpoint) of the %lld-object store: %.3f s\n", (long long)n, since(t0));
  fs::remove_all(snap);
  return 0;
}
