// Echo lines evaluated as a REPL evaluates them (EvalOptions::keep_bindings,
// ReplScope in lang/parse.h): what one line declares, the next one sees.
#include <catch2/catch.hpp>

#include <algorithm>

#include "lang/eval.h"

using namespace echo;

namespace {

// A REPL session without the terminal: each line's variables and constants
// carry to the next, as cli/repl.cpp carries them.
struct Session {
  EvalOptions opts;
  Session() {
    opts.syntax = Syntax::Echo;
    opts.expression_fallback = true;
    opts.keep_bindings = true;
  }
  std::string line(const std::string& code) {
    EvalOutcome r = eval_moo(code, opts);
    if (r.kind != EvalOutcome::CompileFailed) opts.constants = r.constants;
    for (auto& [name, value] : r.vars) {
      auto it = std::find_if(opts.vars.begin(), opts.vars.end(), [&](auto& nv) { return nv.first == name; });
      if (it != opts.vars.end()) it->second = value;
      else opts.vars.emplace_back(name, value);
    }
    return r.describe();
  }
};

}  // namespace

TEST_CASE("a REPL line's top-level let, const and fn outlive it") {
  Session s;
  CHECK(s.line("let sq = x => x * x;") == "=> 0");
  CHECK(s.line("sq(9)") == "=> 81");  // a call, not the builtin sq()
  CHECK(s.line("const k = 3;") == "=> 0");
  CHECK(s.line("k + 1") == "=> 4");
  CHECK(s.line("fn twice(f, x)\n  return f(f(x));\nendfn") == "=> 0");
  CHECK(s.line("twice(sq, 3)") == "=> 81");
  CHECK(s.line("let {a, ?b = 2} = [1];") == "=> 0");
  CHECK(s.line("[a, b]") == "=> {1, 2}");
}

TEST_CASE("a REPL constant stays constant until a let declares the name again") {
  Session s;
  s.line("const k = 3;");
  CHECK(s.line("k = 4;") == "Line 1, column 1: cannot assign to `k': it is a constant");
  CHECK(s.line("k") == "=> 3");
  s.line("let k = 5;");
  s.line("k = k + 1;");
  CHECK(s.line("k") == "=> 6");
}

TEST_CASE("a REPL let may read the variable it replaces, also when a function captures it") {
  Session s;
  s.line("let n = 1;");
  CHECK(s.line("let n = n + 1; let f = () => n;") == "=> 0");
  CHECK(s.line("n") == "=> 2");
  CHECK(s.line("f()") == "=> 2");
  s.line("x = 3;");
  s.line("y = x; let x = 4;");  // a MOO variable replaced by a let
  CHECK(s.line("[x, y]") == "=> {4, 3}");
}

TEST_CASE("a REPL line's nested blocks keep their bindings to themselves") {
  Session s;
  s.line("if true { let inner = 1; }");
  CHECK(s.line("inner").find("Variable not found") != std::string::npos);
}

TEST_CASE("a function of a later REPL line captures an earlier line's variable by value") {
  Session s;
  s.line("let base = 10;");
  s.line("let add = x => x + base;");
  s.line("base = 20;");
  CHECK(s.line("add(5)") == "=> 15");
  // A let captured in its own line is kept as its value (the function keeps
  // its cell).
  s.line("let n = 1; let get = () => n;");
  CHECK(s.line("n") == "=> 1");
  CHECK(s.line("get()") == "=> 1");
}

TEST_CASE("an expression's compile errors count the columns as typed, not the return wrapped around it") {
  EvalOptions o;
  o.syntax = Syntax::Echo;
  o.expression_fallback = true;
  EvalOutcome r = eval_moo("  nosuch(9)", o);
  REQUIRE(r.kind == EvalOutcome::CompileFailed);
  CHECK(r.describe() == "Line 1, column 3: Unknown built-in function: nosuch");
  // With a `;` it is a statement, and its own errors are reported.
  r = eval_moo("nosuch(9);", o);
  CHECK(r.describe() == "Line 1, column 1: Unknown built-in function: nosuch");
}

TEST_CASE("without keep_bindings a let lasts only for its line") {
  EvalOptions o;
  o.syntax = Syntax::Echo;
  EvalOutcome r = eval_moo("let x = 1; y = 2;", o);
  REQUIRE(r.kind == EvalOutcome::Returned);
  REQUIRE(r.vars.size() == 1);
  CHECK(r.vars[0].first == "y");
}
