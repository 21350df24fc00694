// Timings of the Datalog engine of `query` rules (lang/query) on a World of
// 10,000 objects with a random parent tree, for several tree depths:
//   cold    ancestor(#N, ?x), the memo cleared before each query
//   first   ancestor(#N, ?x) for many N, each asked for the first time while
//           the memo keeps what earlier N derived (shared ancestry)
//   memo    the same queries again (same world version)
//   walk    World::ancestors(N), the direct walk, for scale
//   closure query_all(ancestor, [?x, ?y]), from an empty memo
// with ancestor(X, Y) :- parent(X, Y).  ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
// (and the left-recursive form for "first"). Prints numbers; no pass/fail.
//
//   echo-bench-datalog [--objects N] [--queries K]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lang/query/datalog.h"
#include "lang/world/query_relations.h"
#include "lang/world/world.h"

using namespace echo;
using namespace echo::datalog;

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Root #0; every other object gets a level in 1..depth (the first `depth`
// take each level once, so every level exists) and a parent one level up;
// one in twenty gets a second parent from that level (ToastStunt).
void build(World& w, int objects, int depth, std::mt19937& rng) {
  std::vector<std::vector<int64_t>> level(size_t(depth) + 1);
  level[0].push_back(w.create({}, NOTHING));
  for (int i = 1; i < objects; ++i) {
    int l = i <= depth ? i : 1 + int(rng() % uint32_t(depth));
    const auto& up = level[size_t(l - 1)];
    std::vector<int64_t> ps{up[rng() % up.size()]};
    if (rng() % 20 == 0) {
      int64_t q = up[rng() % up.size()];
      if (q != ps[0]) ps.push_back(q);
    }
    level[size_t(l)].push_back(w.create(ps, NOTHING));
  }
}

std::vector<Rule> ancestry(bool left) {
  auto V = [](const char* n) { return var(n); };
  std::vector<Rule> rs;
  rs.push_back(rule(atom("ancestor", {V("X"), V("Y")}), {atom("parent", {V("X"), V("Y")})}));
  if (left)
    rs.push_back(rule(atom("ancestor", {V("X"), V("Y")}), {atom("ancestor", {V("X"), V("Z")}), atom("parent", {V("Z"), V("Y")})}));
  else
    rs.push_back(rule(atom("ancestor", {V("X"), V("Y")}), {atom("parent", {V("X"), V("Z")}), atom("ancestor", {V("Z"), V("Y")})}));
  return rs;
}

void line(const char* what, double ms, size_t n, const char* extra = "") {
  std::printf("  %-44s %9.2f ms  %8.2f us/query%s\n", what, ms, ms * 1000 / double(n), extra);
}

}  // namespace

int main(int argc, char** argv) {
  int objects = 10000, queries = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--objects")) objects = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--queries")) queries = std::atoi(argv[i + 1]);
  }
  Limits lim;
  lim.max_tuples = 50'000'000;
  lim.max_time = std::chrono::milliseconds(600'000);
  lim.max_steps = ~0ull;
  const std::optional<Value> q;

  for (int depth : {4, 16, 64, 256}) {
    std::mt19937 rng(uint32_t(depth) * 7919u);
    World w;
    build(w, objects, depth, rng);
    WorldRelations host(w, 1);
    std::vector<int64_t> ns;
    for (int i = 0; i < queries; ++i) ns.push_back(1 + int64_t(rng() % uint32_t(objects - 1)));
    size_t pairs = 0;
    for (int64_t id = 0; id < objects; ++id) pairs += w.ancestors(id).size();
    std::printf("depth %d: %d objects, %zu ancestor pairs, %d queries\n", depth, objects, pairs, queries);

    RuleSet right(ancestry(false)), left(ancestry(true));
    size_t answers = 0;
    int cold_n = std::min(queries, 200);
    auto t = Clock::now();
    for (int i = 0; i < cold_n; ++i) {
      right.clear_cache();
      answers += query_all(right, host, "ancestor", {Value::obj(ns[size_t(i)]), q}, lim).size();
    }
    line("cold    ancestor(#N, ?x)", ms_since(t), size_t(cold_n));

    for (auto [name, rs] : {std::pair{"first   ancestor(#N, ?x)", &right}, std::pair{"first   ancestor(#N, ?x), left-recursive", &left}}) {
      rs->clear_cache();
      t = Clock::now();
      for (int64_t n : ns) answers += query_all(*rs, host, "ancestor", {Value::obj(n), q}, lim).size();
      double first = ms_since(t);
      char extra[64];
      std::snprintf(extra, sizeof extra, "  (%zu tuples memoized)", rs->cache_stats().tuples);
      line(name, first, ns.size(), extra);
    }
    t = Clock::now();
    for (int64_t n : ns) answers += query_all(right, host, "ancestor", {Value::obj(n), q}, lim).size();
    line("memo    ancestor(#N, ?x)", ms_since(t), ns.size());
    t = Clock::now();
    for (int64_t n : ns) answers += holds(right, host, "ancestor", {Value::obj(n), Value::obj(0)}, lim);
    line("first   holds(ancestor(#N, #0))", ms_since(t), ns.size());
    t = Clock::now();
    for (int64_t n : ns) answers += w.ancestors(n).size();
    line("walk    World::ancestors(N)", ms_since(t), ns.size());

    right.clear_cache();
    t = Clock::now();
    size_t all = query_all(right, host, "ancestor", {q, q}, lim).size();
    double full = ms_since(t);
    std::printf("  %-44s %9.2f ms  %zu tuples%s\n", "closure query_all(ancestor, [?x, ?y])", full, all,
                all == pairs ? "" : "  (MISMATCH with the walk)");
    std::printf("  (checksum %zu)\n", answers);
  }
  return 0;
}
