// Deeply nested values and deeply nested source (security issue 14): every
// walk of a value works at any depth the language can build, and a program
// nested too deeply for the compiler is refused with a compile error.
#include <catch2/catch.hpp>

#include <string>

#include "lang/compiler.h"
#include "lang/eval.h"
#include "lang/map.h"
#include "lang/query/internal.h"
#include "lang/world/object_source.h"

using namespace echo;

namespace {

// {{{... {"x", 1} ...}, 1}, 1}: `depth` lists, one in four a map instead.
Value nest(int depth) {
  Value v = Value::str("x");
  for (int i = 0; i < depth; ++i) {
    if (i % 4 == 2) {
      Value m = Value::empty_map();
      m.map_mut()->set(Value::integer(i), std::move(v));
      v = std::move(m);
    } else {
      v = make_list({std::move(v), Value::integer(1)});
    }
  }
  return v;
}

EvalOutcome run(const std::string& src, Syntax syntax = Syntax::Moo,
                std::vector<std::pair<std::string, Value>> vars = {}) {
  EvalOptions o;
  o.limits.ticks = 100000000;
  o.limits.seconds = 600;
  o.syntax = syntax;
  o.vars = std::move(vars);
  return eval_moo(src, o);
}

std::string repeat(std::string_view s, int n) {
  std::string r;
  r.reserve(s.size() * size_t(n));
  for (int i = 0; i < n; ++i) r += s;
  return r;
}

}  // namespace

TEST_CASE("deep values: equality, order, printing and hashing work at any depth", "[value][deep]") {
  for (int depth : {20000, 1000000}) {
    INFO("depth " << depth);
    Value a = nest(depth), b = nest(depth);  // equal, but no part shared
    CHECK(equal(a, b));
    CHECK(equal_exact(a, b));
    CHECK(compare_values(a, b) == 0);
    Value c = nest(depth - 1);
    CHECK_FALSE(equal(a, c));
    CHECK(compare_values(a, c) != 0);
    std::string lit = to_literal(a);
    CHECK(lit == to_literal(b));
    CHECK(lit.size() > size_t(depth) * 4);
    // Echo object files print values whole, however deep (they used to
    // print "{}" below 200 levels).
    CHECK(echo_literal(a) == lit);
    CHECK(datalog::detail::hash_value(a) == datalog::detail::hash_value(b));
  }
  // Dropping the last reference frees a million levels without recursing.
  { Value gone = nest(1000000); }
}

TEST_CASE("deep values: MOO code builds, compares, prints and measures any depth", "[value][deep]") {
  EvalOutcome r = run(
      "a = {}; b = {}; for i in [1..20000] a = {a}; b = {b}; endfor "
      "return {a == b, length(toliteral(a)), value_bytes(a), `generate_json(a) ! ANY', "
      "value_hash(a) == value_hash(b)};");
  REQUIRE(r.kind == EvalOutcome::Returned);
  REQUIRE(r.value.is_list());
  CHECK(r.value.list_at(0).as_int() == 1);
  CHECK(r.value.list_at(1).as_int() == 40002);
  CHECK(r.value.list_at(2).as_int() == 20001 * 32);
  // JSON nests at most 128 deep (ToastStunt's yajl limit): a clean E_INVARG.
  CHECK(to_literal(r.value.list_at(3)) == "E_INVARG");
  CHECK(r.value.list_at(4).as_int() == 1);
}

TEST_CASE("deep values: parse_json refuses a million brackets cleanly", "[value][deep][json]") {
  for (const char* open : {"[", "{\"a\":"}) {
    EvalOutcome r = run("return `parse_json(s) ! ANY';", Syntax::Moo,
                        {{"s", Value::str(repeat(open, 1000000))}});
    REQUIRE(r.kind == EvalOutcome::Returned);
    CHECK(to_literal(r.value) == "E_INVARG");
  }
}

TEST_CASE("deep source: nesting 100,000 deep is a compile error, not a crash", "[compile][deep]") {
  const int n = 100000;
  struct Case {
    std::string src;
    Syntax syntax;
  } cases[] = {
      {"return " + repeat("{", n) + repeat("}", n) + ";", Syntax::Moo},
      {"return " + repeat("(", n) + "1" + repeat(")", n) + ";", Syntax::Moo},
      {"return " + repeat("-(", n) + "1" + repeat(")", n) + ";", Syntax::Moo},
      {"return " + repeat("1 + ", n) + "1;", Syntax::Moo},
      {"return " + repeat("[1 -> ", n) + "1" + repeat("]", n) + ";", Syntax::Moo},
      {repeat("if (1) ", n) + "return 1;" + repeat(" endif", n), Syntax::Moo},
      // Unclosed: the syntax-error report walks the tree too, and
      // tree-sitter 0.20.7 corrupts its heap recovering from an error this
      // deep (so the text is checked before it is parsed).
      {"return " + repeat("(", n) + ";", Syntax::Moo},
      {"return " + repeat("- ", n) + "1);", Syntax::Moo},
      {"return " + repeat("x = ", n) + "1);", Syntax::Moo},
      {repeat("if (1) ", n), Syntax::Moo},
      {"return " + repeat("{", n) + repeat("}", n) + ";", Syntax::Echo},
      {"return " + repeat("-(", n) + "1" + repeat(")", n) + ";", Syntax::Echo},
      {"return " + repeat("x => ", n) + "1;", Syntax::Echo},
      {"return " + repeat("(", n) + ";", Syntax::Echo},
  };
  for (const Case& c : cases) {
    INFO(c.src.substr(0, 60) << (c.syntax == Syntax::Echo ? " (Echo)" : " (MOO)"));
    EvalOutcome r = run(c.src, c.syntax);
    REQUIRE(r.kind == EvalOutcome::CompileFailed);
    REQUIRE(!r.compile_errors.empty());
    CHECK(r.compile_errors[0].message.find("nested too deeply") != std::string::npos);
    CHECK(r.compile_errors[0].line == 1);
    CHECK(r.compile_errors[0].column > 1);
  }
}

TEST_CASE("deep source: nesting up to the limits compiles or is refused, never crashes", "[compile][deep]") {
  // Just inside the lowerers' level limits (2000 for MOO, 1500 for Echo):
  // the deepest the compiler could recurse. An optimised build compiles it;
  // under AddressSanitizer the lowerers' stack budget refuses it first.
  for (auto [n, syntax] : {std::pair{1990, Syntax::Moo}, std::pair{1490, Syntax::Echo}}) {
    INFO(n);
    EvalOutcome r = run("return " + repeat("{", n) + "1" + repeat("}", n) + ";", syntax);
    if (r.kind == EvalOutcome::Returned) {
      CHECK(to_literal(r.value) == repeat("{", n) + "1" + repeat("}", n));
    } else {
      REQUIRE(r.kind == EvalOutcome::CompileFailed);
      CHECK(r.compile_errors[0].message.find("nested too deeply") != std::string::npos);
    }
    // A few levels more are refused, cleanly.
    r = run("return " + repeat("{", n + 20) + "1" + repeat("}", n + 20) + ";", syntax);
    REQUIRE(r.kind == EvalOutcome::CompileFailed);
    CHECK(r.compile_errors[0].message.find("nested too deeply") != std::string::npos);
  }
  // Nesting real code could have compiles in every build.
  EvalOutcome r = run("return " + repeat("{", 200) + "1" + repeat("}", 200) + ";", Syntax::Echo);
  REQUIRE(r.kind == EvalOutcome::Returned);
  r = run("return " + repeat("-(", 200) + "1" + repeat(")", 200) + ";");
  REQUIRE(r.kind == EvalOutcome::Returned);
  CHECK(r.value.as_int() == 1);  // an even number of minuses
  r = run("return " + repeat("1 + ", 1000) + "1;");
  REQUIRE(r.kind == EvalOutcome::Returned);
  CHECK(r.value.as_int() == 1001);
  r = run("return " + repeat("1 + ", 300) + "1;", Syntax::Echo);
  REQUIRE(r.kind == EvalOutcome::Returned);
  CHECK(r.value.as_int() == 301);
}
