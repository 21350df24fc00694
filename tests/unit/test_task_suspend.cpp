// Suspending tasks (suspend(), read()), running them in tick slices, and
// saving them to a MOO value and restoring them (Task::save/restore).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "lang/compiler.h"
#include "lang/eval.h"
#include "lang/map.h"

using namespace echo;

namespace {

std::shared_ptr<const Program> compile_or_null(const std::string& source) {
  CompileResult r = compile_moo(source);
  return r.ok() ? r.program : nullptr;
}

std::shared_ptr<const Program> compile_ok(const std::string& source) {
  CompileResult r = compile_moo(source);
  INFO(source);
  REQUIRE(r.ok());
  return r.program;
}

// Verbs by (object, name), parents, and the fork requests made.
class TestHost : public VmHost {
 public:
  std::map<std::pair<int64_t, std::string>, std::string> verbs;
  std::map<int64_t, int64_t> parent;
  std::vector<ForkRequest> forks;

  std::optional<VerbTarget> lookup(int64_t obj, std::string_view name, Error* err) {
    for (int64_t o = obj; o >= 0; o = parent.count(o) ? parent[o] : -1) {
      auto it = verbs.find({o, std::string(name)});
      if (it == verbs.end()) continue;
      VerbTarget t;
      t.program = compile_or_null(it->second);
      if (!t.program) break;
      t.definer = o;
      t.owner = 2;
      t.name = std::string(name);
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
  int64_t fork(ForkRequest req) override {
    forks.push_back(std::move(req));
    return int64_t(forks.size());
  }
};

std::string outcome(const Task& t, TaskStatus st) {
  switch (st) {
    case TaskStatus::Done: return "=> " + to_literal(t.result());
    case TaskStatus::Error:
      return "!! " + to_literal(t.error().code) + " " + t.error().message + " " + to_literal(t.error().value) +
             " " + to_literal(t.error().stack) + "\n" + describe_error(t.error());
    case TaskStatus::AbortedTicks:
    case TaskStatus::AbortedSeconds: {
      std::string s = st == TaskStatus::AbortedTicks ? "out of ticks" : "out of seconds";
      for (auto& l : t.abort_traceback()) s += "\n" + l;
      return s;
    }
    case TaskStatus::Suspended: return "suspended";
    case TaskStatus::Yielded: return "yielded";
    case TaskStatus::Running: return "running";
    case TaskStatus::Interrupted: return "interrupted";
  }
  return "?";
}

// save -> restore into a fresh task. Also checks that saving the restored
// task gives the same value (every field survives).
std::unique_ptr<Task> round_trip(const Task& t, VmHost* host) {
  Value saved = t.save();
  std::unique_ptr<Task> r = Task::restore(saved, host, compile_or_null);
  REQUIRE(r);
  Value again = r->save();
  CHECK(to_literal(again) == to_literal(saved));
  CHECK(equal_exact(again, saved));
  CHECK(r->status() == t.status());
  CHECK(r->ticks_left() == t.ticks_left());
  CHECK(r->id() == t.id());
  return r;
}

// Runs a task, answering each suspension with the next of `answers` (Int 0
// when they run out); with `save`, through save/restore at every suspension.
std::string drive(std::unique_ptr<Task> t, VmHost* host, const std::vector<Value>& answers, bool save) {
  size_t next = 0;
  TaskStatus st = t->run();
  while (st == TaskStatus::Suspended) {
    if (save) t = round_trip(*t, host);
    t->resume(next < answers.size() ? answers[next++] : Value::integer(0));
    st = t->run();
  }
  return outcome(*t, st);
}

std::unique_ptr<Task> new_task(const std::string& code, VmHost* host) {
  auto t = std::make_unique<Task>(compile_ok(code), host);
  t->set_identity(3, 3, 3, "eval");
  t->set_id(77);
  return t;
}

// Both ways, they must agree; returns the result.
std::string same_with_and_without_save(const std::string& code, TestHost& host,
                                       const std::vector<Value>& answers = {}) {
  std::string plain = drive(new_task(code, &host), &host, answers, false);
  std::string saved = drive(new_task(code, &host), &host, answers, true);
  INFO(code);
  CHECK(saved == plain);
  return plain;
}

}  // namespace

TEST_CASE("suspend() and read() stop the task with their request") {
  TestHost h;
  auto t = new_task("a = suspend(2.5); b = suspend(); c = read(#12, 1); d = read(); return {a, b, c, d};", &h);
  REQUIRE(t->run() == TaskStatus::Suspended);
  REQUIRE(t->suspension());
  CHECK(t->suspension()->kind == BuiltinContext::Suspend::Sleep);
  CHECK(t->suspension()->seconds == 2.5);
  CHECK(t->run() == TaskStatus::Suspended);  // not resumed yet: stays put
  t->resume(Value::str("one"));
  CHECK(!t->suspension());
  REQUIRE(t->run() == TaskStatus::Suspended);
  CHECK(t->suspension()->seconds < 0);
  t->resume(Value::integer(2));
  REQUIRE(t->run() == TaskStatus::Suspended);
  CHECK(t->suspension()->kind == BuiltinContext::Suspend::Read);
  CHECK(t->suspension()->connection == 12);
  CHECK(t->suspension()->non_blocking);
  t->resume(Value::str("line"));
  REQUIRE(t->run() == TaskStatus::Suspended);
  CHECK(t->suspension()->connection == -1);
  CHECK(!t->suspension()->non_blocking);
  t->resume(Value::str("more"));
  REQUIRE(t->run() == TaskStatus::Done);
  CHECK(to_literal(t->result()) == "{\"one\", 2, \"line\", \"more\"}");
  CHECK_THROWS_AS(t->resume(Value::integer(0)), std::logic_error);
  CHECK_THROWS_AS(t->save(), std::logic_error);
}

TEST_CASE("yin() suspends only when the task runs short of ticks or seconds") {
  TestHost h;
  // Plenty left: 0 at once, no suspension.
  auto t = new_task("return yin();", &h);
  REQUIRE(t->run() == TaskStatus::Done);
  CHECK(to_literal(t->result()) == "0");
  // Fewer ticks left than asked for: suspend(time).
  t = new_task("x = yin(3, 1000000000); return x;", &h);
  REQUIRE(t->run() == TaskStatus::Suspended);
  REQUIRE(t->suspension());
  CHECK(t->suspension()->kind == BuiltinContext::Suspend::Sleep);
  CHECK(t->suspension()->seconds == 3);
  t->resume(Value::integer(0));
  REQUIRE(t->run() == TaskStatus::Done);
  // Fewer seconds left than asked for.
  t = new_task("return yin(0, 0, 1000000);", &h);
  REQUIRE(t->run() == TaskStatus::Suspended);
  CHECK(t->suspension()->seconds == 0);
  CHECK(drive(new_task("return `yin(-1, 1000000000) ! ANY';", &h), &h, {}, false) == "=> E_INVARG");
  CHECK(drive(new_task("return `yin(\"x\") ! ANY';", &h), &h, {}, false) == "=> E_TYPE");
}

TEST_CASE("suspend() checks its argument") {
  TestHost h;
  CHECK(drive(new_task("return `suspend(-1) ! ANY';", &h), &h, {}, false) == "=> E_INVARG");
  CHECK(drive(new_task("return `suspend(-0.5) ! ANY';", &h), &h, {}, false) == "=> E_INVARG");
  CHECK(drive(new_task("return `suspend(\"x\") ! ANY';", &h), &h, {}, false) == "=> E_TYPE");
  CHECK(drive(new_task("return `suspend(1, 2) ! ANY';", &h), &h, {}, false) == "=> E_ARGS");
  CHECK(drive(new_task("return `read(\"x\") ! ANY';", &h), &h, {}, false) == "=> E_TYPE");
}

TEST_CASE("eval_moo sleeps for suspend() and makes read() raise E_INVARG") {
  EvalOutcome r = eval_moo("return {suspend(0), suspend(), `read() ! ANY', `read(#0) ! E_INVARG => \"no\"'};");
  REQUIRE(r.kind == EvalOutcome::Returned);
  CHECK(to_literal(r.value) == "{0, 0, E_INVARG, \"no\"}");
  EvalOptions o;
  o.limits.seconds = 0.05;  // the sleep is capped at the seconds limit
  auto start = std::chrono::steady_clock::now();
  r = eval_moo("suspend(30); return 1;", o);
  CHECK(to_literal(r.value) == "1");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // All the sleeps together, too: this ends when the ticks run out.
  start = std::chrono::steady_clock::now();
  o.limits.ticks = 3000;
  r = eval_moo("while (1) suspend(1); endwhile", o);
  CHECK(r.kind == EvalOutcome::AbortedTicks);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  r = eval_moo("try read(); except e (ANY) return e[2]; endtry");
  CHECK(to_literal(r.value) == "\"no connection to read from\"");
}

TEST_CASE("a suspension deep in verb calls survives save and restore") {
  TestHost h;
  h.verbs[{5, "outer"}] = "x = {1, 2};\ny = #5:inner(3);\nreturn {x, y, \"after\"};";
  h.verbs[{5, "inner"}] = "a = args[1];\nr = suspend();\nreturn {a, r, callers(), verb, this, caller};";
  std::string code = "z = 10; r = #5:outer(); return {z, r};";
  auto t = new_task(code, &h);
  REQUIRE(t->run() == TaskStatus::Suspended);
  REQUIRE(t->frames().size() == 3);
  std::string got = same_with_and_without_save(code, h, {Value::str("hi")});
  CHECK(got.rfind("=> {10, {{1, 2}, {3, \"hi\", {{#5, \"outer\", #2, #5, #3, 2}", 0) == 0);

  // A fresh host and a fresh task: nothing is shared with the original.
  Value saved = t->save();
  t.reset();
  TestHost h2 = h;
  auto r = Task::restore(saved, &h2, compile_or_null);
  CHECK(r->id() == 77);
  CHECK(r->frames().size() == 3);
  CHECK(r->suspension()->seconds < 0);
  r->resume(Value::str("hi"));
  CHECK(outcome(*r, r->run()) == got);
}

TEST_CASE("resume_raise raises where the builtin was called") {
  TestHost h;
  h.verbs[{5, "ask"}] =
      "try\n  return read(player);\nexcept e (E_INVARG)\n  return {\"caught\", e[1], e[2], e[3], length(e[4])};\nendtry";
  for (bool save : {false, true}) {
    auto t = new_task("return {\"got\", #5:ask()};", &h);
    REQUIRE(t->run() == TaskStatus::Suspended);
    CHECK(t->suspension()->kind == BuiltinContext::Suspend::Read);
    CHECK(t->suspension()->connection == 3);
    if (save) t = round_trip(*t, &h);
    t->resume_raise(E_INVARG, "connection gone", Value::integer(5));
    CHECK(outcome(*t, t->run()) == "=> {\"got\", {\"caught\", E_INVARG, \"connection gone\", 5, 2}}");
  }
  // Nobody catches it: the task ends with the error at once.
  h.verbs[{5, "bare"}] = "x = 1;\nreturn read();";
  for (bool save : {false, true}) {
    auto t = new_task("return #5:bare();", &h);
    REQUIRE(t->run() == TaskStatus::Suspended);
    if (save) t = round_trip(*t, &h);
    t->resume_raise(E_INVARG, "no", Value::integer(0));
    CHECK(t->status() == TaskStatus::Error);
    CHECK(t->run() == TaskStatus::Error);
    CHECK(t->error().code.as_err() == E_INVARG);
    REQUIRE(t->error().traceback.size() == 2);
    CHECK(t->error().traceback[0] == "#5:bare, line 2:  no");
  }
}

TEST_CASE("suspend inside loops, try/except and try/finally") {
  TestHost h;
  std::vector<Value> answers = {Value::integer(10), Value::integer(20), Value::integer(30), Value::str("x")};
  CHECK(same_with_and_without_save(
            "s = {};\nfor x in ({1, 2, 3})\n  try\n    s = {@s, x * suspend()};\n  finally\n    s = {@s, \"f\"};\n"
            "  endtry\nendfor\nreturn s;",
            h, answers) == "=> {10, \"f\", 40, \"f\", 90, \"f\"}");
  CHECK(same_with_and_without_save("m = [\"a\" -> 1, \"b\" -> 2]; s = 0;\nfor v, k in (m)\n  s = s + v * suspend();\n"
                                   "endfor\nfor i in [1..3]\n  s = s + suspend();\nendfor\nreturn s;",
                                   h, {Value::integer(10), Value::integer(20), Value::integer(1), Value::integer(2),
                                       Value::integer(3)}) == "=> 56");
  // Suspended in a finally block with a return pending.
  CHECK(same_with_and_without_save("try\n  return 5;\nfinally\n  x = suspend();\nendtry", h, answers) == "=> 5");
  // ... and with a raise pending: the error (code, message, value,
  // traceback, stack) comes out the same.
  h.verbs[{5, "boom"}] =
      "try\n  raise(E_PERM, \"no way\", {42});\nfinally\n  suspend();\nendtry";
  std::string r = same_with_and_without_save(
      "try\n  #5:boom();\nexcept e (E_PERM)\n  return {e[1], e[2], e[3], e[4]};\nendtry", h, answers);
  CHECK(r == "=> {E_PERM, \"no way\", {42}, {{#5, \"boom\", #2, #5, #3, 2}, {#3, \"eval\", #3, #-1, #3, 2}}}");
  {
    // The pending error itself, field by field.
    auto t = new_task("#5:boom();", &h);
    REQUIRE(t->run() == TaskStatus::Suspended);
    auto r = round_trip(*t, &h);
    const Handler& a = t->frames().back().handlers.back();
    const Handler& b = r->frames().back().handlers.back();
    CHECK(b.kind == Handler::InFinally);
    CHECK(b.pending.kind == Pending::Raise);
    REQUIRE(a.pending.error);
    REQUIRE(b.pending.error);
    CHECK(b.pending.error != a.pending.error);
    CHECK(equal_exact(b.pending.error->code, Value::err(E_PERM)));
    CHECK(b.pending.error->message == "no way");
    CHECK(equal_exact(b.pending.error->value, a.pending.error->value));
    CHECK(b.pending.error->traceback == a.pending.error->traceback);
    CHECK(b.pending.error->traceback.size() == 2);
    CHECK(equal_exact(b.pending.error->stack, a.pending.error->stack));
  }
  std::string e = same_with_and_without_save("#5:boom();", h, answers);
  CHECK(e.rfind("!! E_PERM no way {42}", 0) == 0);
  CHECK(e.find("#5:boom, line 2:  no way") != std::string::npos);
  // break out of a loop through a finally block that suspends.
  CHECK(same_with_and_without_save("n = 0;\nwhile (1)\n  try\n    n = n + 1;\n    if (n > 2) break; endif\n"
                                   "  finally\n    suspend();\n  endtry\nendwhile\nreturn n;",
                                   h, answers) == "=> 3");
  // Catch expressions and temporaries in the middle of an expression.
  CHECK(same_with_and_without_save("return {1, `suspend() + 1 ! ANY', {2, suspend(), 3}, tostr(@{\"a\", suspend()})};",
                                   h, answers) == "=> {1, 11, {2, 20, 3}, \"a30\"}");
  CHECK(same_with_and_without_save("return `suspend() + 1 ! E_TYPE => \"t\"';", h, {Value::str("s")}) == "=> \"t\"");
}

TEST_CASE("a suspension inside a builtin's verb call (pass) survives save and restore") {
  TestHost h;
  h.parent[7] = 5;
  h.verbs[{5, "greet"}] = "return {\"base\", suspend(), args};";
  h.verbs[{7, "greet"}] = "return {\"child\", pass(1), pass(2)};";
  auto t = new_task("return #7:greet();", &h);
  REQUIRE(t->run() == TaskStatus::Suspended);
  REQUIRE(t->frames().size() == 3);
  CHECK(t->frames()[1].waiting);
  Value saved = t->save();
  CHECK(to_literal(saved).find("\"builtin\" -> \"pass\"") != std::string::npos);
  CHECK(same_with_and_without_save("return #7:greet();", h, {Value::integer(98), Value::integer(99)}) ==
        "=> {\"child\", {\"base\", 98, {1}}, {\"base\", 99, {2}}}");
  // Raised into the verb called by the builtin: the builtin gives up, the
  // error goes on to the caller.
  t = round_trip(*t, &h);
  t->resume_raise(E_QUOTA, "q", Value::integer(0));
  CHECK(t->status() == TaskStatus::Error);
  CHECK(t->error().code.as_err() == E_QUOTA);
}

TEST_CASE("a forked task that has not run yet can be saved and restored") {
  TestHost h;
  auto t = new_task("x = 5; y = \"s\";\nfork (3)\n  return {x * 2, y, this};\nendfork\nfork f (0)\n  z = suspend();\n  "
                    "return {z, y};\nendfork\nreturn 1;",
                    &h);
  REQUIRE(t->run() == TaskStatus::Done);
  REQUIRE(h.forks.size() == 2);
  Task direct(h.forks[0], &h);
  std::string expect = outcome(direct, direct.run());
  CHECK(expect == "=> {10, \"s\", #3}");
  Task child(h.forks[0], &h);
  child.set_id(1001);
  auto restored = round_trip(child, &h);
  CHECK(restored->id() == 1001);
  CHECK(restored->frames()[0].vector == 0);
  CHECK(outcome(*restored, restored->run()) == expect);
  // The second fork suspends in its body.
  std::string plain = drive(std::make_unique<Task>(h.forks[1], &h), &h, {Value::str("w")}, false);
  CHECK(plain == "=> {\"w\", \"s\"}");
  CHECK(drive(std::make_unique<Task>(h.forks[1], &h), &h, {Value::str("w")}, true) == plain);
}

TEST_CASE("limits: set_limits gives a fresh budget; seconds count per segment") {
  TestHost h;
  TaskLimits small;
  small.ticks = 1000;
  auto t = std::make_unique<Task>(compile_ok("for i in [1..300] endfor x = suspend(); for i in [1..300] endfor return x;"),
                                  &h, small);
  REQUIRE(t->run() == TaskStatus::Suspended);
  CHECK(t->ticks_left() < 1000 - 300);
  t->resume(Value::integer(4));
  TaskLimits bg;
  bg.ticks = 30000;
  t->set_limits(bg);
  CHECK(t->ticks_left() == 30000);
  t = round_trip(*t, &h);
  CHECK(t->limits().ticks == 30000);
  CHECK(outcome(*t, t->run()) == "=> 4");
  CHECK(t->ticks_used() > 300);

  // Without new limits the resumed task runs out.
  t = std::make_unique<Task>(compile_ok("for i in [1..300] endfor suspend(); for i in [1..800] endfor return 1;"), &h,
                             small);
  REQUIRE(t->run() == TaskStatus::Suspended);
  t->resume(Value::integer(0));
  CHECK(t->run() == TaskStatus::AbortedTicks);

  // The seconds limit counts time in run(), not time between slices.
  TaskLimits quick;
  quick.seconds = 0.2;
  quick.ticks = 1 << 30;
  t = std::make_unique<Task>(compile_ok("for i in [1..2000] endfor return 1;"), &h, quick);
  TaskStatus st = t->run(100);
  int slices = 1;
  while (st == TaskStatus::Yielded) {
    if (slices == 3) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    st = t->run(100);
    ++slices;
  }
  CHECK(st == TaskStatus::Done);
  CHECK(slices > 10);
}

// ---- slices ---------------------------------------------------------------------

namespace {

struct Case {
  std::string where, code;
};

// The programs of every conformance case (tests/conformance/*.cases).
std::vector<Case> conformance_programs() {
  namespace fs = std::filesystem;
  std::vector<Case> out;
  fs::path dir = fs::path(ECHO_TEST_SOURCE_DIR) / "conformance";
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".cases") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::ifstream in(f);
    std::string line;
    std::vector<std::string> body;
    std::string name;
    auto finish = [&]() {
      while (!body.empty() && body.back().find_first_not_of(" \t\r") == std::string::npos) body.pop_back();
      if (!body.empty()) body.pop_back();  // the expectation
      if (!name.empty()) {
        std::string code;
        for (auto& b : body) code += b + "\n";
        out.push_back({f.filename().string() + ": " + name, code});
      }
      body.clear();
    };
    while (std::getline(in, line)) {
      if (line.rfind("--- case:", 0) == 0) {
        finish();
        name = line.substr(9);
        continue;
      }
      if (name.empty() || (line.rfind("#", 0) == 0 && body.empty())) continue;
      body.push_back(line);
    }
    finish();
  }
  return out;
}

bool nondeterministic(const std::string& code) {
  for (const char* w : {"random", "time(", "seconds_left", "crypt", "salt"})
    if (code.find(w) != std::string::npos) return true;
  return false;
}

std::string run_sliced(const std::shared_ptr<const Program>& p, TaskLimits limits, int64_t slice, bool save,
                       int64_t* yields) {
  auto t = std::make_unique<Task>(p, nullptr, limits);
  TaskStatus st = t->run(slice);
  while (st == TaskStatus::Yielded || st == TaskStatus::Suspended) {
    ++*yields;
    if (save) t = Task::restore(t->save(), nullptr, compile_or_null);
    if (st == TaskStatus::Suspended) t->resume(Value::integer(0));
    st = t->run(slice);
  }
  return outcome(*t, st) + "\nticks used: " + std::to_string(t->ticks_used());
}

}  // namespace

TEST_CASE("running in tick slices gives what running at once gives") {
  std::vector<Case> cases = conformance_programs();
  REQUIRE(cases.size() > 500);
  TaskLimits limits;
  limits.ticks = 3000000;
  limits.seconds = 60;
  int compared = 0;
  int64_t yields = 0;
  for (auto& c : cases) {
    if (nondeterministic(c.code)) continue;
    std::shared_ptr<const Program> p = compile_or_null(c.code);
    if (!p) continue;
    Task whole(p, nullptr, limits);
    TaskStatus st = whole.run();
    while (st == TaskStatus::Suspended) {
      whole.resume(Value::integer(0));
      st = whole.run();
    }
    if (st == TaskStatus::AbortedSeconds) continue;
    std::string expect = outcome(whole, st) + "\nticks used: " + std::to_string(whole.ticks_used());
    INFO(c.where << "\n" << c.code);
    CHECK(run_sliced(p, limits, 1, false, &yields) == expect);
    CHECK(run_sliced(p, limits, 7, false, &yields) == expect);
    CHECK(run_sliced(p, limits, 1000, false, &yields) == expect);
    // Saved and restored at every stop, too (short programs at every few ticks).
    CHECK(run_sliced(p, limits, whole.ticks_used() < 5000 ? 3 : 5000, true, &yields) == expect);
    ++compared;
  }
  CHECK(compared > 500);
  CHECK(yields > 10000);
}

TEST_CASE("a task aborted for ticks stops at the same place in slices") {
  TaskLimits limits;
  limits.ticks = 1234;
  auto p = compile_ok("x = 0;\nwhile (1)\n  x = x + 1;\nendwhile");
  Task whole(p, nullptr, limits);
  std::string expect = outcome(whole, whole.run());
  CHECK(expect.rfind("out of ticks", 0) == 0);
  for (int64_t slice : {1, 2, 3, 7, 100, 1233, 1234, 1235}) {
    int64_t yields = 0;
    INFO(slice);
    CHECK(run_sliced(p, limits, slice, false, &yields) == expect + "\nticks used: 1234");
    CHECK(run_sliced(p, limits, slice, true, &yields) == expect + "\nticks used: 1234");
  }
}

// ---- corrupt saved values ---------------------------------------------------------

namespace {

// Random mutations of a saved task: a value somewhere in the tree replaced,
// a list element or map entry dropped or added.
class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  Value mutate(const Value& v) {
    Value out = v;
    count_ = 0;
    count(v);
    target_ = pick(count_);
    seen_ = 0;
    edit(out);
    return out;
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void count(const Value& v) {
    ++count_;
    if (v.is_list())
      for (uint32_t i = 0; i < v.list_len(); ++i) count(v.list_at(i));
    if (v.is_map())
      for (auto& e : v.map_obj()->entries) count(e.second);
  }

  Value random_value() {
    switch (pick(12)) {
      case 0: return Value::integer(int64_t(pick(5)) - 1);
      case 1: return Value::integer(int64_t(rng_()));
      case 2: return Value::integer(int64_t(pick(70000)));
      case 3: return Value::str(pick(2) ? "raise" : "zz");
      case 4: return Value::empty_list();
      case 5: return Value::empty_map();
      case 6: return Value::flt(pick(2) ? -1.5 : 1e300);
      case 7: return Value::obj(int64_t(pick(10)) - 1);
      case 8: return Value::err(E_TYPE);
      case 9: return make_list({Value::integer(0)});
      case 10: return Value::str("return 1;");
      default: return Value::boolean(true);
    }
  }

  // Returns true once the target has been edited.
  bool edit(Value& v) {
    if (seen_++ == target_) {
      switch (pick(4)) {
        case 0:
          if (v.is_list() && v.list_len() > 0) {
            Value l = Value::empty_list();
            uint32_t drop = uint32_t(pick(v.list_len()));
            for (uint32_t i = 0; i < v.list_len(); ++i)
              if (i != drop) list_append(l, v.list_at(i));
            v = l;
            return true;
          }
          if (v.is_map() && !v.map_obj()->entries.empty()) {
            Value key = v.map_obj()->entries[pick(v.map_obj()->entries.size())].first;
            v.map_mut()->erase(key);
            return true;
          }
          break;
        case 1:
          if (v.is_list()) {
            list_append(v, random_value());
            return true;
          }
          break;
        default: break;
      }
      v = random_value();
      return true;
    }
    if (v.is_list()) {
      ListObj* l = v.list_mut();
      for (uint32_t i = 0; i < l->len; ++i)
        if (edit(l->items()[i])) return true;
    }
    if (v.is_map()) {
      MapObj* m = v.map_mut();
      for (auto& e : m->entries)
        if (edit(e.second)) return true;
    }
    return false;
  }

  std::mt19937_64 rng_;
  size_t count_ = 0, target_ = 0, seen_ = 0;
};

}  // namespace

TEST_CASE("corrupt saved tasks are refused, never crash") {
  TestHost h;
  h.parent[7] = 5;
  h.verbs[{5, "greet"}] =
      "s = 0;\nfor x in ({1, 2, 3})\n  try\n    raise(E_PERM, \"p\", {x});\n  finally\n    s = s + suspend();\n"
      "  endtry\nendfor\nreturn s;";
  h.verbs[{7, "greet"}] = "try\n  return {\"child\", pass(1)};\nexcept e (ANY)\n  return e;\nendtry";
  auto t = new_task("l = {1, 2};\nfor y in (l)\n  r = #7:greet();\nendfor\nreturn r;", &h);
  REQUIRE(t->run() == TaskStatus::Suspended);
  const Value saved = t->save();
  // The unmutated value restores.
  REQUIRE(Task::restore(saved, &h, compile_or_null));

  // Wrong shapes at the top.
  CHECK_THROWS_AS(Task::restore(Value::integer(0), &h, compile_or_null), std::runtime_error);
  CHECK_THROWS_AS(Task::restore(Value::empty_map(), &h, compile_or_null), std::runtime_error);
  CHECK_THROWS_AS(Task::restore(Value::empty_list(), &h, compile_or_null), std::runtime_error);
  // A compiler that no longer produces the same code.
  auto different = [](const std::string& src) { return compile_or_null(src + "\nx = 1;"); };
  CHECK_THROWS_WITH(Task::restore(saved, &h, different), Catch::Contains("compiles to different code"));
  auto throws = [](const std::string&) -> std::shared_ptr<const Program> { throw std::runtime_error("nope"); };
  CHECK_THROWS_WITH(Task::restore(saved, &h, throws), Catch::Contains("does not compile: nope"));

  // ECHO_TASK_MUTATIONS=n[,seed] runs more (by hand, under ASan).
  int iterations = 3000;
  uint64_t seed = 12345;
  if (const char* env = std::getenv("ECHO_TASK_MUTATIONS")) {
    iterations = std::atoi(env);
    if (const char* comma = std::strchr(env, ',')) seed = std::strtoull(comma + 1, nullptr, 10);
  }
  Mutator m(seed);
  int refused = 0, accepted = 0;
  for (int i = 0; i < iterations; ++i) {
    Value bad = m.mutate(saved);
    std::unique_ptr<Task> r;
    try {
      r = Task::restore(bad, &h, compile_or_null);
    } catch (const std::runtime_error&) {
      ++refused;
      continue;
    }
    // Some mutations are still well-formed tasks (another value in a
    // register, another object number): they must run without crashing.
    ++accepted;
    TaskLimits bg;
    bg.ticks = 20000;
    r->set_limits(bg);
    TaskStatus st = r->run(5000);
    for (int k = 0; k < 20 && (st == TaskStatus::Suspended || st == TaskStatus::Yielded); ++k) {
      if (st == TaskStatus::Suspended) r->resume(Value::integer(k));
      st = r->run(5000);
    }
  }
  CHECK(refused > iterations / 3);
  CHECK(accepted > 0);
}
