// The compiler and VM through eval: control flow, error handling, ticks and
// limits. Semantics are LambdaMOO's (execute.c there).
#include <catch2/catch.hpp>

#include "lang/compiler.h"
#include "lang/eval.h"

using namespace echo;

namespace {

std::string run(const std::string& code, int64_t ticks = 1000000) {
  EvalOptions o;
  o.limits.ticks = ticks;
  EvalOutcome r = eval_moo(code, o);
  switch (r.kind) {
    case EvalOutcome::Returned: return to_literal(r.value);
    case EvalOutcome::Raised: return "!" + to_literal(r.error.code);
    case EvalOutcome::CompileFailed: return "?" + r.compile_errors.front().to_string();
    case EvalOutcome::AbortedTicks: return "!ticks";
    case EvalOutcome::AbortedSeconds: return "!seconds";
    case EvalOutcome::Interrupted: return "!interrupted";
  }
  return "";
}

int64_t ticks_of(const std::string& code) {
  EvalOptions o;
  o.limits.ticks = int64_t(1) << 40;
  EvalOutcome r = eval_moo(code, o);
  REQUIRE(r.kind == EvalOutcome::Returned);
  return r.ticks;
}

}  // namespace

TEST_CASE("arithmetic and precedence") {
  CHECK(run("return 1 + 2 * 3;") == "7");
  CHECK(run("return (1 + 2) * 3;") == "9");
  CHECK(run("return 2 ^ 3 ^ 2;") == "512");
  CHECK(run("return -7 % 3;") == "-1");
  CHECK(run("return 7 / -2;") == "-3");
  CHECK(run("return 1 / 0;") == "!E_DIV");
  CHECK(run("return 1 + 1.0;") == "!E_TYPE");
  CHECK(run("return 1.5 * 2.0;") == "3.0");
  CHECK(run("return \"ab\" + \"cd\";") == "\"abcd\"");
  CHECK(run("return 2 ^ -1;") == "0");
  CHECK(run("return (-1) ^ -3;") == "-1");
  CHECK(run("return 0 ^ -1;") == "!E_DIV");
  CHECK(run("return 9223372036854775807 + 1;") == "-9223372036854775808");
}

TEST_CASE("variables") {
  CHECK(run("x = 5; X = X + 1; return x;") == "6");
  CHECK(run("return y;") == "!E_VARNF");
  // E_VARNF of the left operand wins over an error on the right, as the
  // left is pushed first in LambdaMOO.
  CHECK(run("return z + (1/0);") == "!E_VARNF");
  CHECK(run("x = 1; return x + (x = 5);") == "6");
  CHECK(run("return typeof(player) == OBJ && typeof(args) == LIST;") == "1");
}

TEST_CASE("conditionals and loops") {
  CHECK(run("if (0) return 1; elseif (\"\") return 2; else return 3; endif") == "3");
  CHECK(run("s = 0; for i in [1..10] s = s + i; endfor return s;") == "55");
  CHECK(run("s = {}; for x in ({1, 2, 3}) s = {x, @s}; endfor return s;") == "{3, 2, 1}");
  CHECK(run("i = 0; while (i < 5) i = i + 1; endwhile return i;") == "5");
  CHECK(run("for i in [1..10] if (i == 4) break; endif endfor return i;") == "4");
  CHECK(run("n = 0; for i in [1..10] if (i % 2) continue; endif n = n + 1; endfor return n;") == "5");
  CHECK(run("n = 0; while outer (1) for i in [1..3] n = n + 1; if (n > 5) break outer; endif endfor endwhile return n;") == "6");
  // A named while loop assigns the condition's value to its name.
  CHECK(run("x = 3; while loop (x) x = x - 1; endwhile return loop;") == "0");
  CHECK(run("for i in [#1..#3] r = i; endfor return r;") == "#3");
  CHECK(run("for i in [1..\"a\"] endfor") == "!E_TYPE");
  CHECK(run("for x in (5) endfor") == "!E_TYPE");
  CHECK(run("return 0 ? 1 | 2;") == "2");
  CHECK(run("return \"\" || 5;") == "5");
  CHECK(run("return {} && 1;") == "{}");
}

TEST_CASE("lists, strings and indexing") {
  CHECK(run("l = {1, 2, 3}; return l[$];") == "3");
  CHECK(run("l = {1, 2, 3}; return l[2..$];") == "{2, 3}");
  CHECK(run("l = {1, 2, 3}; return l[3..2];") == "{}");
  CHECK(run("l = {1, 2, 3}; return l[0];") == "!E_RANGE");
  CHECK(run("l = {1, 2, 3}; return l[5..6];") == "!E_RANGE");
  CHECK(run("a = {1}; b = a; b[1] = 2; return {a, b};") == "{{1}, {2}}");
  CHECK(run("l = {{1, 2}, {3, 4}}; l[2][1] = 5; return l;") == "{{1, 2}, {5, 4}}");
  CHECK(run("l = {1, 2, 3, 4}; l[2..3] = {\"x\"}; return l;") == "{1, \"x\", 4}");
  CHECK(run("s = \"hello\"; s[1] = \"J\"; return s;") == "\"Jello\"");
  CHECK(run("s = \"hello\"; s[1] = \"JJ\"; return s;") == "!E_INVARG");
  CHECK(run("s = \"hello\"; s[2..3] = \"EE\"; return s;") == "\"hEElo\"");
  CHECK(run("l = {1, 2}; l[3] = 3;") == "!E_RANGE");
  CHECK(run("l = {{1}}; l[1][2] = 3; return l;") == "!E_RANGE");
  CHECK(run("l = {}; for i in [1..5] l = {@l, i}; endfor return l;") == "{1, 2, 3, 4, 5}");
  CHECK(run("x = 5; l = {@x};") == "!E_TYPE");
  CHECK(run("return {1, @{2, 3}, 4};") == "{1, 2, 3, 4}");
  CHECK(run("return 2 in {1, 2, 3};") == "2");
  CHECK(run("return \"B\" in {\"a\", \"b\"};") == "2");
  CHECK(run("return \"abc\"[2];") == "\"b\"");
  CHECK(run("return \"abc\"[$];") == "\"c\"");
}

TEST_CASE("maps") {
  CHECK(run("m = [\"a\" -> 1, \"b\" -> 2]; return m[\"b\"];") == "2");
  CHECK(run("m = []; m[\"x\"] = 5; m[\"x\"] = 6; return m;") == "[\"x\" -> 6]");
  CHECK(run("m = [1 -> 2]; return m[3];") == "!E_RANGE");
  CHECK(run("return [{1} -> 2];") == "!E_TYPE");
  CHECK(run("m = [1 -> {1, 2}]; m[1][2] = 5; return m;") == "[1 -> {1, 5}]");
  CHECK(run("m = [\"a\" -> 1, \"b\" -> 2]; s = {}; for v, k in (m) s = {@s, k, v}; endfor return s;") ==
        "{\"a\", 1, \"b\", 2}");
}

TEST_CASE("scatter assignment") {
  CHECK(run("{a, b} = {1, 2}; return {b, a};") == "{2, 1}");
  CHECK(run("{a, b} = {1};") == "!E_ARGS");
  CHECK(run("{a, ?b = 7, @c} = {1}; return {a, b, c};") == "{1, 7, {}}");
  CHECK(run("{a, ?b = 7, @c} = {1, 2, 3, 4}; return {a, b, c};") == "{1, 2, {3, 4}}");
  CHECK(run("{?a = 1, ?b = 2} = {5}; return {a, b};") == "{5, 2}");
  CHECK(run("return {a, b} = {1, 2};") == "{1, 2}");
  CHECK(run("{a} = 5;") == "!E_TYPE");
}

TEST_CASE("catch expressions and try") {
  CHECK(run("return `1/0 ! E_DIV => 5';") == "5");
  CHECK(run("return `1/0 ! ANY';") == "E_DIV");
  CHECK(run("return `1/0 ! E_TYPE => 5';") == "!E_DIV");
  CHECK(run("return `x ! E_VARNF, E_DIV => 2';") == "2");
  CHECK(run("try return 1/0; except e (E_DIV) return e[1..2]; endtry") == "{E_DIV, \"Division by zero\"}");
  CHECK(run("try 1/0; except (E_TYPE) return 1; except (E_DIV) return 2; endtry") == "2");
  CHECK(run("try raise(E_PERM, \"no\", 42); except e (ANY) return {e[1], e[2], e[3]}; endtry") ==
        "{E_PERM, \"no\", 42}");
  CHECK(run("try raise(\"custom\"); except e (\"custom\") return e[1]; endtry") == "\"custom\"");
  CHECK(run("l = {}; try l = {@l, 1}; finally l = {@l, 2}; endtry return l;") == "{1, 2}");
  CHECK(run("l = {}; try try 1/0; finally l = {@l, \"f\"}; endtry except (E_DIV) l = {@l, \"e\"}; endtry return l;") ==
        "{\"f\", \"e\"}");
  // return passes through finally; a return in the finally block wins.
  CHECK(run("x = 1; try return x; finally x = 2; endtry") == "1");
  CHECK(run("try return 1; finally return 2; endtry") == "2");
  CHECK(run("n = 0; for i in [1..3] try break; finally n = n + 1; endtry endfor return n;") == "1");
  CHECK(run("n = 0; for i in [1..3] try continue; finally n = n + 1; endtry endfor return n;") == "3");
  CHECK(run("try try 1/0; finally return 5; endtry except (ANY) return 6; endtry") == "5");
}

TEST_CASE("compile errors") {
  CHECK(run("break;").rfind("?", 0) == 0);
  CHECK(run("return nosuchbuiltin(1);").find("Unknown built-in function") != std::string::npos);
  CHECK(run("while (1) break nosuchloop; endwhile").rfind("?", 0) == 0);
}

TEST_CASE("ticks are counted as LambdaMOO counts them") {
  // Per-iteration tick counts of ../shared/bench/kernels.moo, from ANCHORS.md.
  auto per_iter = [](const std::string& body, int n) {
    int64_t base = ticks_of("for i in [1..0] endfor x = 0; s = 0; return 0;");
    std::string code = "x = 0; s = 0; for i in [1.." + std::to_string(n) + "] " + body + " endfor return 0;";
    return double(ticks_of(code) - base) / n;
  };
  CHECK(per_iter("x = x + i * 3 % 7;", 1000) == Approx(5).epsilon(0.01));
  CHECK(per_iter("s = s + length(tostr(i)) + min(i % 10, 5) + abs(-3);", 1000) == Approx(14).epsilon(0.01));
  CHECK(ticks_of("l = {}; s = 0; for i in [1..640] l = {@l, i % 10}; s = s + l[$] + l[1]; if (i % 64 == 0) l = {}; endif endfor return s;") /
            640.0 == Approx(12.02).epsilon(0.01));
}

TEST_CASE("limits abort the task, never the process") {
  CHECK(run("while (1) endwhile", 10000) == "!ticks");
  CHECK(run("x = 0; while (1) x = x + 1; endwhile", 5000) == "!ticks");
  EvalOptions o;
  o.limits.ticks = 1000;
  EvalOutcome r = eval_moo("return ticks_left();", o);
  REQUIRE(r.kind == EvalOutcome::Returned);
  CHECK(r.value.as_int() > 990);
  CHECK(r.value.as_int() <= 1000);
}

TEST_CASE("tracebacks name the line") {
  EvalOutcome r = eval_moo("x = 1;\ny = 2;\nreturn x / (y - 2);");
  REQUIRE(r.kind == EvalOutcome::Raised);
  REQUIRE(!r.error.traceback.empty());
  CHECK(r.error.traceback.front().find("line 3") != std::string::npos);
  CHECK(r.error.traceback.front().find("Division by zero") != std::string::npos);
}

TEST_CASE("division and modulus by a constant agree with the general path") {
  // MODK/DIVK by constants in [2, 2^32) take a multiply-shift path for
  // operands in [0, 2^32); compare it with division by a variable.
  const char* divisors[] = {"2", "3", "7", "10", "26", "64", "100", "1000", "65537", "4294967295"};
  for (const char* d : divisors) {
    std::string code = std::string("dv = ") + d + ";\n" +
        "for n in ({0, 1, 2, 5, 6, 7, 8, 63, 64, 65, 99, 100, 101, 12345, 65535, 65536, 65537, "
        "2147483647, 2147483648, 4294967294, 4294967295, 4294967296, -1, -7, -4294967296}) "
        "if (n % " + d + " != n % dv || n / " + d + " != n / dv) return {n, n % " + d + ", n % dv}; endif "
        "endfor for i in [1..2000] n = (i * 2654435761) % 4294967296; "
        "if (n % " + d + " != n % dv || n / " + d + " != n / dv) return {n}; endif endfor return 1;";
    INFO(d);
    CHECK(run(code, 10000000) == "1");
  }
}

TEST_CASE("assigning a part of a value to the value itself") {
  // The element lives inside the list being replaced (checked under ASan).
  CHECK(run("l = {{1, 2}, 3}; l = l[1]; return l;") == "{1, 2}");
  CHECK(run("l = {\"abc\"}; l = l[$]; return l;") == "\"abc\"");
  CHECK(run("m = [1 -> {5}]; m = m[1]; return m;") == "{5}");
  CHECK(run("l = {{1}}; for x in (l) l = x; endfor return l;") == "{1}");
}

TEST_CASE("forked tasks run after the main task with a copy of its variables") {
  EvalOptions o;
  o.run_forks = true;
  EvalOutcome r = eval_moo("x = 5; fork t (0) x = 1/0; endfork x = 7; return {x, t > 0};", o);
  REQUIRE(r.kind == EvalOutcome::Returned);
  CHECK(to_literal(r.value) == "{7, 1}");
  REQUIRE(r.fork_reports.size() == 1);
  CHECK(r.fork_reports[0].find("Division by zero") != std::string::npos);
  // The child's fork variable holds its own id too (LambdaMOO's enqueue_forked_task2).
  r = eval_moo("fork t (0) raise(E_INVARG, tostr(\"child t=\", t)); endfork return t;", o);
  REQUIRE(r.kind == EvalOutcome::Returned);
  REQUIRE(r.fork_reports.size() == 1);
  CHECK(r.fork_reports[0].find("child t=" + to_literal(r.value)) != std::string::npos);
  // However the main task ends, what its forks did is said after it.
  r = eval_moo("fork (0) x = 1/0; endfork raise(E_INVARG);", o);
  REQUIRE(r.kind == EvalOutcome::Raised);
  REQUIRE(r.fork_reports.size() == 1);
  CHECK(r.describe().find("Division by zero") != std::string::npos);
  CHECK(r.describe().find("Invalid argument") < r.describe().find("Division by zero"));
  EvalOptions few = o;
  few.limits.ticks = 1000;
  r = eval_moo("fork (0) x = 1/0; endfork while (1) endwhile", few);
  REQUIRE(r.kind == EvalOutcome::AbortedTicks);
  CHECK(r.describe().find("Task ran out of ticks") == 0);
  CHECK(r.describe().find("Division by zero") != std::string::npos);
  // Without a scheduler a fork is refused with an error, never ignored.
  CHECK(run("fork (0) endfork") == "!E_PERM");
  CHECK(run("fork (-1) endfork") == "!E_INVARG");
  CHECK(run("fork (\"a\") endfork") == "!E_TYPE");
}

TEST_CASE("function_info and call_function") {
  CHECK(run("return function_info(\"length\");") == "{\"length\", 1, 1, {-1}}");
  CHECK(run("return function_info(\"nosuch\");") == "!E_INVARG");
  CHECK(run("return length(function_info()) > 50;") == "1");
  CHECK(run("return call_function(\"tostr\", 1, \"a\");") == "\"1a\"");
  CHECK(run("return call_function(\"length\");") == "!E_ARGS");
  CHECK(run("return call_function(\"nosuch\");") == "!E_INVARG");
}

TEST_CASE("random_bytes gives binary strings of the asked length") {
  CHECK(run("return length(decode_binary(random_bytes(16), 1));") == "16");
  CHECK(run("return random_bytes(0);") == "\"\"");
  CHECK(run("return random_bytes(-1);") == "!E_INVARG");
  CHECK(run("return random_bytes(10001);") == "!E_INVARG");
}

TEST_CASE("nested forks compile and run (found by fuzzing)") {
  EvalOptions o;
  o.run_forks = true;
  EvalOutcome r = eval_moo(
      "x = 1; fork (0) fork (0) fork (0) x = 2; endfork endfork fork (0) x = 3; endfork endfork "
      "fork (0) x = 4; endfork return x;", o);
  REQUIRE(r.kind == EvalOutcome::Returned);
  CHECK(to_literal(r.value) == "1");
  CHECK(r.fork_reports.empty());
}

TEST_CASE("an indexed assignment updates the value the variable had first (found by fuzzing)") {
  CHECK(run("x = {0, 0}; x[1] = (x = 7); return x;") == "{7, 0}");
  CHECK(run("y = {0, 0}; y[1] = y[2] = 5; return y;") == "{5, 0}");
  CHECK(run("z = {1, 2, 3}; z[2..3] = (z = {9}); return z;") == "{1, 9}");
  CHECK(run("x = 1; if (x != y) endif") == "!E_VARNF");
}
