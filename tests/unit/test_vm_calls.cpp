// Verb calls through a VmHost: frames, this/caller/verb/args, callers(),
// pass(), task permissions, recursion limits and errors across frames.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "lang/compiler.h"
#include "lang/eval.h"

using namespace echo;

namespace {

// A tiny world: verbs by (object, name), a parent for each object.
class TestHost : public VmHost {
 public:
  std::map<std::pair<int64_t, std::string>, std::string> verbs;
  std::map<int64_t, int64_t> parent;
  std::set<std::pair<int64_t, std::string>> nodebug;  // verbs without the d flag

  std::optional<VerbTarget> lookup(int64_t obj, std::string_view name, Error* err) {
    for (int64_t o = obj; o >= 0; o = parent.count(o) ? parent[o] : -1) {
      auto it = verbs.find({o, std::string(name)});
      if (it == verbs.end()) continue;
      CompileResult r = compile_moo(it->second);
      REQUIRE(r.ok());
      VerbTarget t;
      t.program = r.program;
      t.definer = o;
      t.owner = 2;
      t.name = std::string(name);
      t.debug = !nodebug.count({o, std::string(name)});
      return t;
    }
    *err = E_VERBNF;
    return std::nullopt;
  }
  std::optional<VerbTarget> find_verb(int64_t obj, std::string_view name, Error* err) override {
    if (obj < 0) {
      *err = E_INVIND;
      return std::nullopt;
    }
    return lookup(obj, name, err);
  }
  std::optional<VerbTarget> find_pass_verb(int64_t definer, std::string_view name, Error* err) override {
    if (!parent.count(definer)) {
      *err = E_VERBNF;
      return std::nullopt;
    }
    return lookup(parent[definer], name, err);
  }
};

std::string run(TestHost& host, const std::string& code) {
  EvalOptions o;
  o.host = &host;
  EvalOutcome r = eval_moo(code, o);
  if (r.kind == EvalOutcome::Returned) return to_literal(r.value);
  if (r.kind == EvalOutcome::Raised) return "!" + to_literal(r.error.code);
  return "?" + r.describe();
}

}  // namespace

TEST_CASE("verb calls set this, caller, verb and args") {
  TestHost h;
  h.verbs[{5, "who"}] = "return {this, caller, verb, args};";
  CHECK(run(h, "return #5:who(1, 2);") == "{#5, #-1, \"who\", {1, 2}}");
  h.verbs[{6, "outer"}] = "return #5:who(@args);";
  CHECK(run(h, "return #6:outer(\"x\");") == "{#5, #6, \"who\", {\"x\"}}");
  CHECK(run(h, "return #5:nosuch();") == "!E_VERBNF");
  CHECK(run(h, "return #-1:who();") == "!E_INVIND");
  CHECK(run(h, "return 5:who();") == "!E_TYPE");
}

TEST_CASE("errors cross frames and can be caught by the caller") {
  TestHost h;
  h.verbs[{5, "boom"}] = "x = 1;\nreturn 1 / 0;";
  CHECK(run(h, "return `#5:boom() ! E_DIV => \"caught\"';") == "\"caught\"");
  EvalOptions o;
  o.host = &h;
  EvalOutcome r = eval_moo("return #5:boom();", o);
  REQUIRE(r.kind == EvalOutcome::Raised);
  REQUIRE(r.error.traceback.size() == 2);
  CHECK(r.error.traceback[0].find("#5:boom") != std::string::npos);
  CHECK(r.error.traceback[0].find("line 2") != std::string::npos);
}

TEST_CASE("recursion is limited with E_MAXREC") {
  TestHost h;
  h.verbs[{5, "loop"}] = "return this:loop();";
  CHECK(run(h, "return #5:loop();") == "!E_MAXREC");
  h.verbs[{5, "count"}] = "n = args[1]; return n == 0 ? 0 | 1 + this:count(n - 1);";
  CHECK(run(h, "return #5:count(40);") == "40");
}

TEST_CASE("callers and caller_perms see the frames below") {
  TestHost h;
  h.verbs[{5, "inner"}] = "return {callers(), caller_perms()};";
  h.verbs[{6, "outer"}] = "return #5:inner();";
  std::string got = run(h, "return #6:outer();");
  // callers() from #5:inner: #6:outer (programmer #2), then the eval frame.
  CHECK(got.rfind("{{{#6, \"outer\", #2, #6, #-1, 1}, {#-1, \"\", #-1, #-1, #-1, 1}}, #2}", 0) == 0);
}

TEST_CASE("pass calls the parent's verb on the same object") {
  TestHost h;
  h.parent[7] = 5;
  h.verbs[{5, "greet"}] = "return {\"base\", this, args};";
  h.verbs[{7, "greet"}] = "return {\"child\", pass(@args), pass(\"other\")};";
  CHECK(run(h, "return #7:greet(1);") ==
        "{\"child\", {\"base\", #7, {1}}, {\"base\", #7, {\"other\"}}}");
  h.verbs[{5, "top"}] = "return pass();";
  CHECK(run(h, "return #5:top();") == "!E_VERBNF");
}

TEST_CASE("set_task_perms changes the running frame's permissions") {
  TestHost h;
  h.verbs[{5, "perms"}] = "set_task_perms(#9); return caller_perms();";
  CHECK(run(h, "return {#5:perms(), task_id() >= 0};") == "{#-1, 1}");
}

TEST_CASE("a called verb gets fresh type constants; E_VERBNF before E_MAXREC") {
  TestHost h;
  h.verbs[{5, "types"}] = "return {INT, STR};";
  CHECK(run(h, "INT = 99; return #5:types();") == "{0, 2}");
  h.verbs[{5, "deep"}] = "return this:deep();";
  h.verbs[{5, "probe"}] = "return `this:deep() ! ANY' == E_MAXREC && `this:nosuch() ! ANY' == E_VERBNF;";
  CHECK(run(h, "return #5:probe();") == "1");
}

TEST_CASE("a verb without the d flag gets errors as values and goes on") {
  TestHost h;
  h.verbs[{5, "quiet"}] =
      "a = 1 / 0;\nb = {}[2];\nc = #5:nosuch();\nd = #-1.name;\ne = raise(E_PERM);\n"
      "f = \"x\" + 1;\n#-1.p = 3;\nreturn {a, b, c, d, e, f, toint(\"7\")};";
  h.nodebug.insert({5, "quiet"});
  CHECK(run(h, "return #5:quiet();") == "{E_DIV, E_RANGE, E_VERBNF, E_INVIND, E_PERM, E_TYPE, 7}");
  // A for loop over something that is not a list (or a bad range) is
  // skipped, as LambdaMOO's OP_FOR_LIST / OP_FOR_RANGE do without debug.
  h.verbs[{5, "loops"}] =
      "n = 0;\nfor x in (args[2])\nn = n + 1;\nendfor\nfor i in [1..\"z\"]\nn = n + 10;\nendfor\n"
      "for y in ({1, 2})\nn = n + 100;\nendfor\nreturn n;";
  h.nodebug.insert({5, "loops"});
  CHECK(run(h, "return #5:loops(1);") == "200");
  // An error that a debug verb it calls raises still unwinds through it.
  h.verbs[{5, "loud"}] = "return 1 / 0;";
  h.verbs[{5, "calls_loud"}] = "x = #5:loud();\nreturn \"not reached\";";
  h.nodebug.insert({5, "calls_loud"});
  CHECK(run(h, "return #5:calls_loud();") == "!E_DIV");
  // With the d flag the same code raises at once.
  h.verbs[{6, "quiet"}] = h.verbs[{5, "quiet"}];
  CHECK(run(h, "return #6:quiet();") == "!E_DIV");
}
