// The Datalog engine of `query` rules (lang/query) against a table-driven
// host, and its World relations (lang/world/query_relations) against a
// generated 10,000-object world checked by direct walks.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "lang/query/datalog.h"
#include "lang/world/query_relations.h"
#include "lang/world/world.h"

using namespace echo;
using namespace echo::datalog;

namespace {

Value O(int64_t id) { return Value::obj(id); }
Value I(int64_t i) { return Value::integer(i); }
Value S(const char* s) { return Value::str(s); }
Term V(const char* name) { return var(name); }
Term C(Value v) { return val(std::move(v)); }
const std::optional<Value> _q;  // an unbound pattern position (`?x`)

// Built-in relations from tables; counts enumerations so that tests can see
// whether an answer came from the memo.
struct TableHost : Relations {
  std::map<std::pair<std::string, size_t>, std::vector<Tuple>> rels;
  std::set<std::string> refuse_unbound;
  uint64_t ver = 1;
  int calls = 0;

  void add(const std::string& rel, Tuple t) { rels[{rel, t.size()}].push_back(std::move(t)); }
  bool has_relation(std::string_view name, size_t arity) const override {
    return rels.count({std::string(name), arity}) > 0;
  }
  void enumerate(std::string_view name, std::span<const std::optional<Value>> pattern, const Emit& emit) override {
    ++calls;
    bool any = false;
    for (const auto& p : pattern) any = any || p.has_value();
    if (!any && refuse_unbound.count(std::string(name)))
      throw QueryError(ErrorKind::Refused, std::string(name) + " needs a bound argument");
    for (const Tuple& t : rels.at({std::string(name), pattern.size()})) {
      bool ok = true;
      for (size_t i = 0; i < t.size(); ++i) ok = ok && (!pattern[i] || equal(*pattern[i], t[i]));
      if (ok && !emit(t)) return;
    }
  }
  uint64_t version() const override { return ver; }
};

// ancestor(X, Y) :- parent(X, Y).  ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
std::vector<Rule> ancestry(bool left_recursive = false) {
  std::vector<Rule> rs;
  rs.push_back(rule(atom("ancestor", {V("X"), V("Y")}), {atom("parent", {V("X"), V("Y")})}));
  if (left_recursive)
    rs.push_back(rule(atom("ancestor", {V("X"), V("Y")}),
                      {atom("ancestor", {V("X"), V("Z")}), atom("parent", {V("Z"), V("Y")})}));
  else
    rs.push_back(rule(atom("ancestor", {V("X"), V("Y")}),
                      {atom("parent", {V("X"), V("Z")}), atom("ancestor", {V("Z"), V("Y")})}));
  return rs;
}

std::set<int64_t> objs(const std::vector<Tuple>& ts, size_t col) {
  std::set<int64_t> out;
  for (const Tuple& t : ts) out.insert(t[col].as_obj());
  return out;
}

// The tuples as MOO literals, "{#1, 5} {#2, 7}", for comparisons.
std::string lits(const std::vector<Tuple>& ts) {
  std::string out;
  for (const Tuple& t : ts) {
    Value l = Value::empty_list();
    for (const Value& v : t) list_append(l, v);
    out += (out.empty() ? "" : " ") + to_literal(l);
  }
  return out;
}

std::string error_of(const std::function<void()>& f, ErrorKind* kind = nullptr) {
  try {
    f();
  } catch (const QueryError& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("datalog: facts", "[datalog]") {
  TableHost host;
  RuleSet rs({rule(atom("color", {C(O(1)), C(S("red"))})), rule(atom("color", {C(O(2)), C(S("blue"))})),
              rule(atom("Color", {C(O(3)), C(S("red"))}))});
  CHECK(holds(rs, host, "color", {O(1), S("red")}));
  CHECK(holds(rs, host, "COLOR", {O(1), S("RED")}));  // names and strings are case-insensitive
  CHECK_FALSE(holds(rs, host, "color", {O(1), S("blue")}));
  auto all = query_all(rs, host, "color", {_q, _q});
  REQUIRE(all.size() == 3);
  CHECK(all[0][0].as_obj() == 1);  // sorted
  CHECK(objs(query_all(rs, host, "color", {_q, S("red")}), 0) == std::set<int64_t>{1, 3});
  CHECK(query_all(rs, host, "color", {O(9), _q}).empty());
  ErrorKind k{};
  CHECK_THAT(error_of([&] { query_all(rs, host, "colour", {_q}); }, &k), Catch::Contains("colour/1"));
  CHECK(k == ErrorKind::Unknown);
}

TEST_CASE("datalog: joins and constants", "[datalog]") {
  TableHost host;
  for (auto [a, b] : {std::pair{1, 2}, {2, 3}, {3, 4}, {2, 5}}) host.add("edge", {O(a), O(b)});
  RuleSet rs({rule(atom("two_step", {V("X"), V("Z")}), {atom("edge", {V("X"), V("Y")}), atom("edge", {V("Y"), V("Z")})}),
              rule(atom("from_two", {V("Z")}), {atom("two_step", {C(O(2)), V("Z")})})});
  CHECK(objs(query_all(rs, host, "two_step", {O(1), _q}), 1) == std::set<int64_t>{3, 5});
  CHECK(query_all(rs, host, "two_step", {_q, _q}).size() == 3);
  CHECK(objs(query_all(rs, host, "from_two", {_q}), 0) == std::set<int64_t>{4});
  CHECK(holds(rs, host, "edge", {O(1), O(2)}));  // a built-in relation asked directly
}

TEST_CASE("datalog: recursive ancestry over parent", "[datalog]") {
  TableHost host;
  // 1 <- 2 <- 3 <- 4, and 5 has parents 3 and 6 (ToastStunt multiple parents).
  for (auto [c, p] : {std::pair{2, 1}, {3, 2}, {4, 3}, {5, 3}, {5, 6}}) host.add("parent", {O(c), O(p)});
  for (bool left : {false, true}) {
    RuleSet rs(ancestry(left));
    CHECK(objs(query_all(rs, host, "ancestor", {O(4), _q}), 1) == std::set<int64_t>{1, 2, 3});
    CHECK(objs(query_all(rs, host, "ancestor", {O(5), _q}), 1) == std::set<int64_t>{1, 2, 3, 6});
    CHECK(objs(query_all(rs, host, "ancestor", {_q, O(2)}), 0) == std::set<int64_t>{3, 4, 5});
    CHECK(query_all(rs, host, "ancestor", {_q, _q}).size() == 1 + 2 + 3 + 4);
    CHECK(holds(rs, host, "ancestor", {O(4), O(1)}));
    CHECK_FALSE(holds(rs, host, "ancestor", {O(1), O(4)}));
  }
}

TEST_CASE("datalog: cycles in the data terminate", "[datalog]") {
  TableHost host;
  for (auto [c, p] : {std::pair{1, 2}, {2, 3}, {3, 1}, {3, 4}}) host.add("parent", {O(c), O(p)});
  for (bool left : {false, true}) {
    RuleSet rs(ancestry(left));
    CHECK(objs(query_all(rs, host, "ancestor", {O(1), _q}), 1) == std::set<int64_t>{1, 2, 3, 4});
    CHECK(holds(rs, host, "ancestor", {O(2), O(2)}));
    CHECK(query_all(rs, host, "ancestor", {_q, _q}).size() == 3 * 4);
  }
  // And through rules alone: a doubly recursive path over cyclic facts.
  RuleSet paths({rule(atom("e", {C(I(1)), C(I(2))})), rule(atom("e", {C(I(2)), C(I(1))})),
                 rule(atom("e", {C(I(2)), C(I(3))})),
                 rule(atom("path", {V("X"), V("Y")}), {atom("e", {V("X"), V("Y")})}),
                 rule(atom("path", {V("X"), V("Y")}), {atom("path", {V("X"), V("Z")}), atom("path", {V("Z"), V("Y")})})});
  CHECK(query_all(paths, host, "path", {I(1), _q}).size() == 3);
  CHECK(query_all(paths, host, "path", {_q, _q}).size() == 6);
}

TEST_CASE("datalog: stratified negation", "[datalog]") {
  TableHost host;
  for (int i = 1; i <= 6; ++i) host.add("node", {O(i)});
  for (auto [c, p] : {std::pair{2, 1}, {3, 2}, {5, 4}}) host.add("parent", {O(c), O(p)});
  RuleSet rs(ancestry());
  rs.add(rule(atom("root", {V("X")}), {atom("node", {V("X")}), negate(atom("parent", {V("X"), V("_")}))}));
  rs.add(rule(atom("outside", {V("X")}), {atom("node", {V("X")}), negate(atom("ancestor", {V("X"), C(O(1))}))}));
  rs.add(rule(atom("lonely", {V("X")}), {atom("root", {V("X")}), negate(atom("ancestor", {V("_"), V("X")}))}));
  CHECK(objs(query_all(rs, host, "root", {_q}), 0) == std::set<int64_t>{1, 4, 6});
  CHECK(objs(query_all(rs, host, "outside", {_q}), 0) == std::set<int64_t>{1, 4, 5, 6});
  CHECK(objs(query_all(rs, host, "lonely", {_q}), 0) == std::set<int64_t>{6});
  CHECK_FALSE(holds(rs, host, "outside", {O(3)}));

  // A relation may not depend on itself through negation; the set is unchanged.
  RuleSet bad;
  bad.add(rule(atom("a", {V("X")}), {atom("node", {V("X")}), negate(atom("b", {V("X")}))}));
  ErrorKind k{};
  std::string msg =
      error_of([&] { bad.add(rule(atom("b", {V("X")}), {atom("node", {V("X")}), negate(atom("a", {V("X")}))})); }, &k);
  CHECK(k == ErrorKind::Invalid);
  CHECK_THAT(msg, Catch::Contains("not stratif") || Catch::Contains("cannot be stratified"));
  CHECK(bad.rules().size() == 1);
  CHECK_THAT(error_of([&] { RuleSet({rule(atom("p", {V("X")}), {atom("node", {V("X")}), negate(atom("p", {V("X")}))})}); }),
             Catch::Contains("not p(X)"));
}

TEST_CASE("datalog: comparisons", "[datalog]") {
  TableHost host;
  host.add("size", {O(1), I(5)});
  host.add("size", {O(2), I(50)});
  host.add("size", {O(3), Value::flt(20.5)});
  host.add("size", {O(4), S("huge")});
  host.add("name", {O(1), S("apple")});
  host.add("name", {O(2), S("Banana")});
  RuleSet rs({rule(atom("big", {V("X")}), {atom("size", {V("X"), V("N")}), cmp(V("N"), CmpOp::Gt, C(I(10)))}),
              rule(atom("bigf", {V("X")}), {atom("size", {V("X"), V("N")}), cmp(V("N"), CmpOp::Ge, C(Value::flt(20.5)))}),
              rule(atom("other", {V("X"), V("Y")}),
                   {atom("name", {V("X"), V("_")}), atom("name", {V("Y"), V("_")}), cmp(V("X"), CmpOp::Ne, V("Y"))}),
              rule(atom("before", {V("X"), V("Y")}),
                   {atom("name", {V("X"), V("A")}), atom("name", {V("Y"), V("B")}), cmp(V("A"), CmpOp::Lt, V("B"))}),
              rule(atom("one", {V("X"), V("N")}), {cmp(V("X"), CmpOp::Eq, C(O(1))), atom("size", {V("X"), V("N")})}),
              rule(atom("small", {V("X")}), {atom("size", {V("X"), V("N")}), cmp(V("N"), CmpOp::Le, C(I(5)))})});
  // INT vs FLOAT or STR does not order (MOO would raise E_TYPE): no tuple, no error.
  CHECK(objs(query_all(rs, host, "big", {_q}), 0) == std::set<int64_t>{2});
  CHECK(objs(query_all(rs, host, "bigf", {_q}), 0) == std::set<int64_t>{3});
  CHECK(query_all(rs, host, "other", {_q, _q}).size() == 2);
  CHECK(lits(query_all(rs, host, "before", {_q, _q})) == "{#1, #2}");  // "apple" < "Banana"
  CHECK(lits(query_all(rs, host, "one", {_q, _q})) == "{#1, 5}");  // X == #1 binds X
  CHECK(objs(query_all(rs, host, "small", {_q}), 0) == std::set<int64_t>{1});
}

TEST_CASE("datalog: compound terms and has_capability", "[datalog]") {
  TableHost host;
  auto cap = [](const char* name, std::vector<Value> args) {
    Value l = make_list({S(name)});
    for (auto& a : args) list_append(l, a);
    return l;
  };
  host.add("has_capability", {O(10), cap("ReadDocument", {O(100), O(10)})});
  host.add("has_capability", {O(10), cap("ReadDocument", {O(101), O(10)})});
  host.add("has_capability", {O(10), cap("ReadDocument", {O(102), O(11)})});  // granted for someone else
  host.add("has_capability", {O(10), cap("WriteDocument", {O(103), O(10)})});
  host.add("has_capability", {O(11), cap("ReadDocument", {O(102), O(11)})});
  RuleSet rs({rule(atom("can_read", {V("user"), V("document")}),
                   {atom("has_capability", {V("user"), fn("ReadDocument", {V("document"), V("user")})})}),
              rule(atom("grant_of", {V("U"), fn("Read", {V("D")})}), {atom("can_read", {V("U"), V("D")})})});
  CHECK(objs(query_all(rs, host, "can_read", {O(10), _q}), 1) == std::set<int64_t>{100, 101});
  CHECK(objs(query_all(rs, host, "can_read", {_q, O(102)}), 0) == std::set<int64_t>{11});
  CHECK(holds(rs, host, "can_read", {O(10), O(101)}));
  CHECK_FALSE(holds(rs, host, "can_read", {O(10), O(103)}));
  // A compound head is the list {"Read", d}, and a query can bind it.
  CHECK(holds(rs, host, "grant_of", {O(11), cap("Read", {O(102)})}));
  auto g = query_all(rs, host, "grant_of", {O(10), _q});
  REQUIRE(g.size() == 2);
  CHECK(to_literal(g[0][1]) == "{\"Read\", #100}");
}

TEST_CASE("datalog: memoization by world version", "[datalog]") {
  TableHost host;
  for (int i = 1; i < 50; ++i) host.add("parent", {O(i), O(i - 1)});
  RuleSet rs(ancestry());
  CHECK(query_all(rs, host, "ancestor", {O(40), _q}).size() == 40);
  int first = host.calls;
  CHECK(first > 0);
  CHECK(query_all(rs, host, "ancestor", {O(40), _q}).size() == 40);  // same version: from the memo
  CHECK(host.calls == first);
  CHECK(holds(rs, host, "ancestor", {O(30), O(3)}));  // a new pattern computes
  int second = host.calls;
  CHECK(query_all(rs, host, "ancestor", {O(20), _q}).size() == 20);  // already derived for #40's demand
  CHECK(host.calls == second);
  CHECK(rs.cache_stats().contexts >= 2);

  host.rels[{"parent", 2}][10] = {O(11), O(100)};  // #11's parent: #10 -> #100
  CHECK(query_all(rs, host, "ancestor", {O(40), _q}).size() == 40);  // stale, and that is the contract
  host.ver = 2;
  auto now = objs(query_all(rs, host, "ancestor", {O(40), _q}), 1);
  CHECK(host.calls > second);
  CHECK(now.size() == 30);  // #39 .. #11, #100
  CHECK(now.count(100));
  CHECK_FALSE(now.count(10));
  CHECK(rs.cache_stats().version == 2);
  // An error drops only what it interrupted.
  host.refuse_unbound.insert("parent");
  size_t contexts = rs.cache_stats().contexts;
  CHECK_THROWS_AS(query_all(rs, host, "ancestor", {_q, _q}), QueryError);
  CHECK(rs.cache_stats().contexts == contexts);
  int third = host.calls;
  CHECK(query_all(rs, host, "ancestor", {O(40), _q}).size() == 30);
  CHECK(host.calls == third);
  // Adding a rule drops the memo.
  rs.add(rule(atom("noop", {C(I(1))})));
  CHECK(rs.cache_stats().contexts == 0);
}

TEST_CASE("datalog: bounds raise errors", "[datalog]") {
  TableHost host;
  // nat(0). nat(s(X)) :- nat(X).  -- infinite without the tuple bound.
  RuleSet rs({rule(atom("nat", {C(I(0))})), rule(atom("nat", {fn("s", {V("X")})}), {atom("nat", {V("X")})})});
  Limits lim;
  lim.max_tuples = 1000;
  ErrorKind k{};
  CHECK_THAT(error_of([&] { query_all(rs, host, "nat", {_q}, lim); }, &k), Catch::Contains("more than 1000 derived tuples"));
  CHECK(k == ErrorKind::Limit);
  CHECK(rs.cache_stats().tuples == 0);  // a failed evaluation leaves nothing behind

  for (int i = 1; i < 300; ++i) host.add("parent", {O(i), O(i - 1)});
  RuleSet anc(ancestry());
  Limits steps;
  steps.max_steps = 500;
  CHECK_THAT(error_of([&] { query_all(anc, host, "ancestor", {_q, _q}, steps); }, &k), Catch::Contains("500 evaluation steps"));
  Limits time;
  time.max_time = std::chrono::milliseconds(0);
  CHECK_THAT(error_of([&] { query_all(anc, host, "ancestor", {_q, _q}, time); }, &k), Catch::Contains("time limit"));
  CHECK(query_all(anc, host, "ancestor", {_q, _q}).size() == 299 * 300 / 2);  // fine within the defaults

  // The memo counts toward the bound; a query that fits alone still runs.
  // (Left recursion: the demand for ancestor(#n, ?) stays {#n}.)
  RuleSet left(ancestry(true));
  Limits small;
  small.max_tuples = 700;
  for (int n : {290, 280, 270}) CHECK(query_all(left, host, "ancestor", {O(n), _q}, small).size() == size_t(n));
  CHECK(left.cache_stats().tuples < 700);
}

TEST_CASE("datalog: invalid rules are rejected with the rule named", "[datalog]") {
  auto msg = [](Rule r) { return error_of([&] { RuleSet rs({std::move(r)}); }); };
  CHECK_THAT(msg(rule(atom("p", {V("X"), V("Y")}), {atom("q", {V("X")})})),
             Catch::Contains("p(X, Y) :- q(X).") && Catch::Contains("variable Y in the head"));
  CHECK_THAT(msg(rule(atom("p", {V("X")}), {atom("q", {V("X")}), negate(atom("r", {V("X"), V("Y")}))})),
             Catch::Contains("variable Y in `not r(X, Y)`"));
  CHECK_THAT(msg(rule(atom("p", {V("X")}), {atom("q", {V("X")}), cmp(V("X"), CmpOp::Lt, V("Z"))})),
             Catch::Contains("variable Z in `X < Z`"));
  CHECK_THAT(msg(rule(atom("p", {V("X")}))), Catch::Contains("a fact must be ground"));
  CHECK_THAT(msg(rule(atom("p", {V("_")}), {atom("q", {V("X")})})), Catch::Contains("anonymous"));
  Rule r = rule(atom("p", {V("X")}), {negate(atom("q", {V("X")}))});
  r.origin = "#12:can_read line 3";
  CHECK_THAT(msg(r), Catch::Contains("(#12:can_read line 3)"));
  // Safe through a binding comparison.
  CHECK(msg(rule(atom("p", {V("X"), V("Y")}), {atom("q", {V("X")}), cmp(V("Y"), CmpOp::Eq, fn("f", {V("X")}))})).empty());

  // Checked against the host when queried.
  TableHost host;
  host.add("parent", {O(1), O(0)});
  host.refuse_unbound.insert("parent");
  RuleSet shadow({rule(atom("parent", {C(O(5)), C(O(6))}))});
  CHECK_THAT(error_of([&] { holds(shadow, host, "parent", {O(5), O(6)}); }), Catch::Contains("built-in relation"));
  RuleSet unknown({rule(atom("p", {V("X")}), {atom("nosuch", {V("X")})})});
  CHECK_THAT(error_of([&] { query_all(unknown, host, "p", {_q}); }), Catch::Contains("nosuch/1"));
  RuleSet all({rule(atom("child", {V("X")}), {atom("parent", {V("X"), V("_")})})});
  ErrorKind k{};
  std::string refused = error_of([&] { query_all(all, host, "child", {_q}); }, &k);
  CHECK(k == ErrorKind::Refused);
  CHECK_THAT(refused, Catch::Contains("needs a bound argument") && Catch::Contains("child(X) :- parent(X, _)."));
  CHECK(holds(all, host, "child", {O(1)}));  // bound, it is fine
}

TEST_CASE("datalog: ancestry over a 10,000-object World", "[datalog][world]") {
  World w;
  std::mt19937 rng(12345);
  const int n = 10000;
  w.create({}, NOTHING);
  for (int i = 1; i < n; ++i) {
    // Mostly recent parents (deep chains), sometimes any (bushy), sometimes two.
    int64_t p = (rng() % 4) ? std::max<int64_t>(0, i - 1 - int64_t(rng() % 8)) : int64_t(rng() % uint32_t(i));
    std::vector<int64_t> ps{p};
    if (rng() % 10 == 0) {
      int64_t q = int64_t(rng() % uint32_t(i));
      if (q != p) ps.push_back(q);
    }
    w.create(ps, NOTHING);
    w.move(i, i % 97);
  }
  WorldRelations host(w, 1);
  RuleSet rs(ancestry());
  rs.add(rule(atom("in_kind", {V("X"), V("K")}), {atom("isa", {V("X"), V("K")}), atom("location", {V("X"), C(O(5))})}));
  Limits lim;
  lim.max_tuples = 20'000'000;
  size_t checked = 0;
  for (int64_t i = 0; i < n; i += 37) {
    auto got = objs(query_all(rs, host, "ancestor", {O(i), _q}, lim), 1);
    auto want = w.ancestors(i);
    REQUIRE(got == std::set<int64_t>(want.begin(), want.end()));
    ++checked;
  }
  CHECK(checked > 250);
  auto desc = objs(query_all(rs, host, "ancestor", {_q, O(500)}, lim), 0);
  auto want = w.descendants(500);
  CHECK(desc == std::set<int64_t>(want.begin(), want.end()));
  CHECK(holds(rs, host, "ancestor", {O(n - 1), O(0)}));
  // isa/location from the World: things in #5 that are (or descend from) #100.
  std::set<int64_t> kinds;
  for (int64_t x : w.descendants(100))
    if (w.get(x)->location == 5) kinds.insert(x);
  if (w.get(100)->location == 5) kinds.insert(100);
  CHECK(objs(query_all(rs, host, "in_kind", {_q, O(100)}, lim), 0) == kinds);
  CHECK_THROWS_AS(query_all(rs, host, "isa", {_q, _q}), QueryError);  // refused by the World host
}

TEST_CASE("datalog: World relations", "[datalog][world]") {
  World w;
  int64_t root = w.create({}, NOTHING);      // #0
  int64_t a = w.create({root}, NOTHING);     // #1
  int64_t b = w.create({root}, NOTHING);     // #2
  int64_t c = w.create({a, b}, NOTHING);     // #3: two parents
  int64_t room = w.create({root}, a);        // #4, owned by #1
  w.move(c, room);
  w.get_mut(c)->owner = a;
  std::vector<std::string> asked;
  WorldRelations host(w, 7, [&](std::span<const std::optional<Value>> p, const Emit& emit) {
    asked.push_back(p[0] ? to_literal(*p[0]) : "?");
    Value cap = make_list({S("Enter"), O(room)});
    if (!p[0] || equal(*p[0], O(c))) emit(std::vector<Value>{O(c), cap});
  });
  RuleSet none;
  auto q = [&](const char* rel, std::optional<Value> x, std::optional<Value> y) {
    return lits(query_all(none, host, rel, {x, y}));
  };
  CHECK(q("parent", O(c), _q) == "{#3, #1} {#3, #2}");
  CHECK(q("parent", _q, O(root)) == "{#1, #0} {#2, #0} {#4, #0}");
  CHECK(q("parent", O(c), O(b)) == "{#3, #2}");
  CHECK(q("parent", _q, _q).size() > 0);
  CHECK(q("isa", O(c), _q) == "{#3, #0} {#3, #1} {#3, #2} {#3, #3}");
  CHECK(q("isa", _q, O(a)) == "{#1, #1} {#3, #1}");
  CHECK(q("isa", O(a), O(b)).empty());
  CHECK(q("location", O(c), _q) == "{#3, #4}");
  CHECK(q("location", _q, O(room)) == "{#3, #4}");
  CHECK(q("location", O(a), _q) == "{#1, #-1}");
  CHECK(q("owner", _q, O(a)) == "{#1, #1} {#3, #1} {#4, #1}");  // #1 owns itself
  CHECK(q("owner", S("#3"), _q).empty());  // not an object: matches nothing
  CHECK(q("parent", O(99), _q).empty());   // not a valid object
  CHECK(q("has_capability", O(c), _q) == "{#3, {\"Enter\", #4}}");
  CHECK(host.version() == 7);

  RuleSet rs({rule(atom("may_enter", {V("Who"), V("Room")}),
                   {atom("has_capability", {V("Who"), fn("Enter", {V("Room")})}), atom("location", {V("_"), V("Room")})})});
  asked.clear();
  CHECK(holds(rs, host, "may_enter", {O(c), O(room)}));
  CHECK(asked == std::vector<std::string>{"#3"});  // the bound argument reached the hook
  CHECK_THROWS_WITH(query_all(none, host, "isa", {_q, _q}), Catch::Contains("bind an argument"));
}

TEST_CASE("datalog: random graphs against a direct closure", "[datalog]") {
  // Three shapes of recursion, negation and a join of two of them, asked in
  // every binding pattern in random order against one memo; the edges as
  // host tuples or as facts. Checked against Floyd-Warshall.
  std::mt19937 rng(7);
  constexpr int n = 12;
  for (int round = 0; round < 20; ++round) {
    bool reach[n][n] = {};
    TableHost host;
    std::vector<Rule> rules;
    for (int i = 0; i < n; ++i) host.add("node", {I(i)});
    for (int e = 0; e < 16; ++e) {
      int a = int(rng() % n), b = int(rng() % n);
      if (reach[a][b]) continue;
      reach[a][b] = true;
      if (round % 2) host.add("edge", {I(a), I(b)});
      else rules.push_back(rule(atom("edge", {C(I(a)), C(I(b))})));
    }
    for (int k = 0; k < n; ++k)
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) reach[i][j] = reach[i][j] || (reach[i][k] && reach[k][j]);
    Term X = V("X"), Y = V("Y"), Z = V("Z");
    for (const char* p : {"lpath", "rpath", "dpath"}) rules.push_back(rule(atom(p, {X, Y}), {atom("edge", {X, Y})}));
    rules.push_back(rule(atom("lpath", {X, Y}), {atom("lpath", {X, Z}), atom("edge", {Z, Y})}));
    rules.push_back(rule(atom("rpath", {X, Y}), {atom("edge", {X, Z}), atom("rpath", {Z, Y})}));
    rules.push_back(rule(atom("dpath", {X, Y}), {atom("dpath", {X, Z}), atom("dpath", {Z, Y})}));
    rules.push_back(rule(atom("unreach", {X, Y}), {atom("node", {X}), atom("node", {Y}), negate(atom("rpath", {X, Y}))}));
    rules.push_back(rule(atom("mutual", {X, Y}), {atom("dpath", {X, Y}), atom("lpath", {Y, X}), cmp(X, CmpOp::Ne, Y)}));
    RuleSet rs(rules);
    const char* rels[] = {"lpath", "rpath", "dpath", "unreach", "mutual"};
    for (int q = 0; q < 40; ++q) {
      std::string rel = rels[rng() % 5];
      int a = int(rng() % n), b = int(rng() % n), pat = int(rng() % 4);
      Pattern p{pat & 1 ? std::optional<Value>(I(a)) : _q, pat & 2 ? std::optional<Value>(I(b)) : _q};
      std::set<std::pair<int64_t, int64_t>> want, got;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          if (((pat & 1) && i != a) || ((pat & 2) && j != b)) continue;
          bool t = rel == "unreach" ? !reach[i][j] : rel == "mutual" ? reach[i][j] && reach[j][i] && i != j : reach[i][j];
          if (t) want.insert({i, j});
        }
      for (const Tuple& t : query_all(rs, host, rel, p)) got.insert({t[0].as_int(), t[1].as_int()});
      INFO("round " << round << " query " << q << ": " << rel << " pattern " << pat << " a=" << a << " b=" << b);
      REQUIRE(got == want);
    }
  }
}
