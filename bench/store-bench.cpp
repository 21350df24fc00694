// Store timings: LambdaCore import / export, opening a 1,000,000-object
// store, property read and write throughput. Prints numbers; not a test.
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

#include "storage/store.h"
#include "storage/textdump.h"

using namespace echo;
using namespace echo::storage;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Object generated_object(Objid id, Objid n) {
  Object o;
  o.id = id;
  o.name = "generated object " + std::to_string(id);
  o.flags = kFlagRead;
  o.owner = 2;
  o.location = Value::obj(id > 0 ? (id * 7919) % id : kNothing);
  o.parents = Value::obj(id > 0 ? 1 : kNothing);
  o.propdefs = {"description", "count"};
  o.propvals.push_back(PropVal{StoredValue{Value::str("A thing, number " + std::to_string(id) + "."), {}}, 2, kPropRead});
  o.propvals.push_back(PropVal{StoredValue{Value::integer(id), {}}, 2, kPropRead | kPropWrite});
  o.propvals.push_back(PropVal{StoredValue{make_list({Value::obj((id + 1) % n), Value::str("x")}), {}}, 2, kPropRead});
  o.propvals.push_back(PropVal{StoredValue{Value::clear(), {}}, 2, kPropRead});
  if (id % 10 == 0) {
    Verb v;
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
      Object o = generated_object(id, n);
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
  std::string big = "/tmp/echo-store-bench-" + std::to_string(n) + ".db";
  if (regen || !fs::exists(big + "/data/CURRENT")) generate(big, n);
  auto t0 = Clock::now();
  auto s = Store::open(big);
  double open_s = since(t0);
  t0 = Clock::now();
  auto first = s->get_object(n / 2);
  double first_s = since(t0);
  std::printf("%lld-object store (%.1f MB): open %.4f s, first get_object %.6f s\n", (long long)n,
              dir_bytes(big + "/data") / 1e6, open_s, first_s);

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
