// List builtins.
#include "test_builtins_util.h"

using namespace bt;
using namespace echo;

TEST_CASE("length", "[builtins][lists]") {
  CHECK(lit("length", {L({I(1), I(2)})}) == "2");
  CHECK(lit("length", {S("hello")}) == "5");
  CHECK(lit("length", {M({{I(1), I(1)}})}) == "1");
  CHECK(err("length", {I(1)}) == E_TYPE);
  CHECK(err("length", {}) == E_ARGS);
}

TEST_CASE("is_member is case-sensitive", "[builtins][lists]") {
  CHECK(lit("is_member", {S("b"), L({S("a"), S("b")})}) == "2");
  CHECK(lit("is_member", {S("B"), L({S("a"), S("b")})}) == "0");
  CHECK(lit("is_member", {L({I(1)}), L({I(0), L({I(1)})})}) == "2");
  CHECK(lit("is_member", {I(1), L({F(1)})}) == "0");
  CHECK(err("is_member", {I(1), S("abc")}) == E_TYPE);
}

TEST_CASE("listinsert / listappend clamp their position", "[builtins][lists]") {
  Value l = L({I(1), I(2), I(3)});
  CHECK(lit("listinsert", {l, I(0)}) == "{0, 1, 2, 3}");
  CHECK(lit("listinsert", {l, I(9), I(2)}) == "{1, 9, 2, 3}");
  CHECK(lit("listinsert", {l, I(9), I(-5)}) == "{9, 1, 2, 3}");
  CHECK(lit("listinsert", {l, I(9), I(100)}) == "{1, 2, 3, 9}");
  CHECK(lit("listinsert", {l, I(9), I(INT64_MAX)}) == "{1, 2, 3, 9}");
  CHECK(lit("listinsert", {l, I(9), I(INT64_MIN)}) == "{9, 1, 2, 3}");
  CHECK(lit("listappend", {l, I(4)}) == "{1, 2, 3, 4}");
  CHECK(lit("listappend", {l, I(9), I(1)}) == "{1, 9, 2, 3}");
  CHECK(lit("listappend", {l, I(9), I(0)}) == "{9, 1, 2, 3}");
  CHECK(lit("listappend", {l, I(9), I(-3)}) == "{9, 1, 2, 3}");
  CHECK(lit("listappend", {l, I(9), I(INT64_MAX)}) == "{1, 2, 3, 9}");
  CHECK(lit("listappend", {L({}), S("x")}) == "{\"x\"}");
  CHECK(to_literal(l) == "{1, 2, 3}");  // the argument is not modified
  CHECK(err("listappend", {S("x"), I(1)}) == E_TYPE);
  CHECK(err("listinsert", {l, I(1), S("2")}) == E_TYPE);
  CHECK(err("listinsert", {l}) == E_ARGS);
}

TEST_CASE("listdelete / listset", "[builtins][lists]") {
  Value l = L({I(1), I(2), I(3)});
  CHECK(lit("listdelete", {l, I(1)}) == "{2, 3}");
  CHECK(lit("listdelete", {l, I(3)}) == "{1, 2}");
  CHECK(lit("listdelete", {L({I(1)}), I(1)}) == "{}");
  CHECK(err("listdelete", {l, I(0)}) == E_RANGE);
  CHECK(err("listdelete", {l, I(4)}) == E_RANGE);
  CHECK(err("listdelete", {L({}), I(1)}) == E_RANGE);
  CHECK(lit("listset", {l, S("x"), I(2)}) == "{1, \"x\", 3}");
  CHECK(err("listset", {l, S("x"), I(0)}) == E_RANGE);
  CHECK(err("listset", {l, S("x"), I(4)}) == E_RANGE);
  CHECK(err("listset", {l, S("x")}) == E_ARGS);
  CHECK(to_literal(l) == "{1, 2, 3}");
}

TEST_CASE("setadd / setremove compare case-insensitively", "[builtins][lists]") {
  CHECK(lit("setadd", {L({S("a")}), S("A")}) == "{\"a\"}");
  CHECK(lit("setadd", {L({S("a")}), S("b")}) == "{\"a\", \"b\"}");
  CHECK(lit("setadd", {L({}), I(1)}) == "{1}");
  CHECK(lit("setremove", {L({S("a"), S("b"), S("a")}), S("A")}) == "{\"b\", \"a\"}");
  CHECK(lit("setremove", {L({I(1)}), I(2)}) == "{1}");
  CHECK(err("setadd", {S("x"), I(1)}) == E_TYPE);
}

TEST_CASE("reverse", "[builtins][lists]") {
  CHECK(lit("reverse", {L({I(1), I(2), I(3)})}) == "{3, 2, 1}");
  CHECK(lit("reverse", {L({})}) == "{}");
  CHECK(lit("reverse", {S("abc")}) == "\"cba\"");
  CHECK(lit("reverse", {S("")}) == "\"\"");
  CHECK(err("reverse", {I(1)}) == E_INVARG);
}

TEST_CASE("slice", "[builtins][lists]") {
  Value l = L({L({I(1), I(2)}), L({I(3), I(4)})});
  CHECK(lit("slice", {l}) == "{1, 3}");
  CHECK(lit("slice", {l, I(2)}) == "{2, 4}");
  CHECK(lit("slice", {l, L({I(2), I(1)})}) == "{{2, 1}, {4, 3}}");
  CHECK(lit("slice", {L({S("ab"), S("cd")}), I(2)}) == "{\"b\", \"d\"}");
  Value maps = L({M({{S("a"), I(1)}}), M({{S("b"), I(2)}})});
  CHECK(lit("slice", {maps, S("a")}) == "{1}");
  CHECK(lit("slice", {maps, S("A")}) == "{1}");
  CHECK(lit("slice", {maps, S("a"), I(0)}) == "{1, 0}");
  CHECK(err("slice", {l, I(3)}) == E_RANGE);
  CHECK(err("slice", {l, I(0)}) == E_RANGE);
  CHECK(err("slice", {l, L({})}) == E_RANGE);
  CHECK(err("slice", {l, L({S("x")})}) == E_INVARG);
  CHECK(err("slice", {l, F(1)}) == E_INVARG);
  CHECK(err("slice", {L({I(1)})}) == E_INVARG);
  CHECK(err("slice", {l, S("a")}) == E_INVARG);
  CHECK(err("slice", {maps, I(1)}) == E_INVARG);
  CHECK(lit("slice", {L({})}) == "{}");
}

TEST_CASE("sort", "[builtins][lists]") {
  CHECK(lit("sort", {L({I(3), I(1), I(2)})}) == "{1, 2, 3}");
  CHECK(lit("sort", {L({F(2.5), F(-1), F(0)})}) == "{-1.0, 0.0, 2.5}");
  CHECK(lit("sort", {L({S("b"), S("A"), S("c")})}) == "{\"A\", \"b\", \"c\"}");
  CHECK(lit("sort", {L({O(3), O(-1)})}) == "{#-1, #3}");
  CHECK(lit("sort", {L({E(E_RANGE), E(E_TYPE)})}) == "{E_TYPE, E_RANGE}");
  CHECK(lit("sort", {L({})}) == "{}");
  // by keys
  CHECK(lit("sort", {L({S("x"), S("y"), S("z")}), L({I(3), I(1), I(2)})}) ==
        "{\"y\", \"z\", \"x\"}");
  CHECK(lit("sort", {L({I(3), I(1)}), L({})}) == "{1, 3}");  // empty keys: sort the list
  // natural order and reverse
  CHECK(lit("sort", {L({S("a10"), S("a2"), S("a1")})}) == "{\"a1\", \"a10\", \"a2\"}");
  CHECK(lit("sort", {L({S("a10"), S("a2"), S("a1")}), L({}), I(1)}) ==
        "{\"a1\", \"a2\", \"a10\"}");
  CHECK(lit("sort", {L({S("x1.10"), S("x1.9"), S("x1.010")}), L({}), I(1)}) ==
        "{\"x1.010\", \"x1.9\", \"x1.10\"}");
  CHECK(lit("sort", {L({I(1), I(3), I(2)}), L({}), I(0), I(1)}) == "{3, 2, 1}");
  // stable for equal keys
  CHECK(lit("sort", {L({S("b"), S("a"), S("c")}), L({I(1), I(0), I(1)})}) ==
        "{\"a\", \"b\", \"c\"}");
  CHECK(err("sort", {L({I(1), S("a")})}) == E_TYPE);
  CHECK(err("sort", {L({L({}), L({})})}) == E_TYPE);
  CHECK(err("sort", {L({I(1), I(2)}), L({I(1)})}) == E_INVARG);
  CHECK(err("sort", {L({I(1)}), L({}), S("x")}) == E_TYPE);
  CHECK(err("sort", {S("x")}) == E_TYPE);
}

TEST_CASE("list builtins work in place on unique lists", "[builtins][lists]") {
  register_all_builtins();
  auto& b = Builtins::instance();
  int ap = b.find("listappend");
  Value l = Value::empty_list();
  BuiltinContext ctx;
  for (int i = 0; i < 20000; ++i) {
    std::vector<Value> args{std::move(l), I(i)};
    l = b.at(ap).fn(ctx, args);
  }
  CHECK(l.list_len() == 20000);
  CHECK(l.list_at(19999).as_int() == 19999);
}
