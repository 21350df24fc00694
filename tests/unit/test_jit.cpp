// The JIT against the interpreter: the same programs run with the JIT off
// and with every program compiled at its first call (Mode::Always), whole
// and in tick slices, must give the same results, errors, tracebacks and
// tick counts; and native code must actually run (its runs are counted).
// Run alone: echo-unit-tests "[jit]" (CTest: jit_differential).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "lang/compiler.h"
#include "lang/jit/jit.h"
#include "lang/vm.h"

using namespace echo;

namespace {

std::shared_ptr<const Program> compile_or_null(const std::string& source) {
  CompileResult r = compile_moo(source);
  return r.ok() ? r.program : nullptr;
}

// Verbs by (object, name), for calls from inside jitted loops.
class VerbHost : public VmHost {
 public:
  std::map<std::pair<int64_t, std::string>, std::shared_ptr<const Program>> verbs;
  std::optional<VerbTarget> find_verb(int64_t obj, std::string_view name, Error* err) override {
    auto it = verbs.find({obj, std::string(name)});
    if (it == verbs.end()) {
      *err = obj < 0 ? E_INVIND : E_VERBNF;
      return std::nullopt;
    }
    VerbTarget t;
    t.program = it->second;
    t.definer = obj;
    t.owner = 2;
    t.name = std::string(name);
    return t;
  }
};

std::string outcome(const Task& t, TaskStatus st) {
  std::string s;
  switch (st) {
    case TaskStatus::Done: s = "=> " + to_literal(t.result()); break;
    case TaskStatus::Error:
      s = "!! " + to_literal(t.error().code) + " " + t.error().message + " " + to_literal(t.error().value) + " " +
          to_literal(t.error().stack) + "\n" + describe_error(t.error());
      break;
    case TaskStatus::AbortedTicks:
    case TaskStatus::AbortedSeconds:
      s = st == TaskStatus::AbortedTicks ? "out of ticks" : "out of seconds";
      for (auto& l : t.abort_traceback()) s += "\n" + l;
      break;
    default: s = "stopped"; break;
  }
  return s + "\nticks used: " + std::to_string(t.ticks_used());
}

// Runs p to its end, in slices of `slice` ticks (0: at once), resuming
// every suspend() with 0; the outcome, and every suspension on the way.
std::string run(const std::shared_ptr<const Program>& p, VmHost* host, TaskLimits limits, int64_t slice = 0) {
  Task t(p, host, limits);
  std::string trail;
  TaskStatus st = slice ? t.run(slice) : t.run();
  while (st == TaskStatus::Yielded || st == TaskStatus::Suspended) {
    if (st == TaskStatus::Suspended) {
      trail += "suspended at " + std::to_string(t.ticks_used()) + "\n";
      t.resume(Value::integer(0));
    }
    st = slice ? t.run(slice) : t.run();
  }
  return trail + outcome(t, st);
}

// Sets the JIT's mode for one scope.
struct ModeScope {
  jit::Mode saved = jit::mode();
  explicit ModeScope(jit::Mode m) { jit::set_mode(m); }
  ~ModeScope() { jit::set_mode(saved); }
};

struct Diff {
  int compared = 0;
  uint64_t native_ticks = 0;
};

// The outcome with the JIT off, then with every program compiled at its
// first call: at once, and in slices of 1, 7 and 1000 ticks.
void compare(const std::string& where, const std::string& code, TaskLimits limits, Diff* d,
             VerbHost* host = nullptr) {
  std::string expect;
  {
    ModeScope off(jit::Mode::Off);
    auto p = compile_or_null(code);
    if (!p) return;
    expect = run(p, host, limits);
  }
  if (expect.find("out of seconds") != std::string::npos) return;  // depends on the machine
  ModeScope always(jit::Mode::Always);
  auto p = compile_or_null(code);
  uint64_t before = jit::stats().native_ticks;
  INFO(where << "\n" << code);
  CHECK(run(p, host, limits) == expect);
  for (int64_t slice : {1, 7, 1000}) CHECK(run(p, host, limits, slice) == expect);
  d->native_ticks += jit::stats().native_ticks - before;
  ++d->compared;
}

std::vector<std::pair<std::string, std::string>> conformance_programs() {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(fs::path(ECHO_TEST_SOURCE_DIR) / "conformance"))
    if (e.path().extension() == ".cases") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::ifstream in(f);
    std::string line, name;
    std::vector<std::string> body;
    auto finish = [&]() {
      while (!body.empty() && body.back().find_first_not_of(" \t\r") == std::string::npos) body.pop_back();
      if (!body.empty()) body.pop_back();  // the expectation
      std::string code;
      for (auto& b : body) code += b + "\n";
      if (!name.empty()) out.push_back({f.filename().string() + ": " + name, code});
      body.clear();
    };
    while (std::getline(in, line)) {
      if (line.rfind("--- case:", 0) == 0) {
        finish();
        name = line.substr(9);
      } else if (!name.empty() && !(line.rfind("#", 0) == 0 && body.empty())) {
        body.push_back(line);
      }
    }
    finish();
  }
  return out;
}

bool nondeterministic(const std::string& code) {
  for (const char* w : {"random", "time(", "seconds_left", "crypt", "salt", "ftime", "task_id"})
    if (code.find(w) != std::string::npos) return true;
  return false;
}

TaskLimits limits(int64_t ticks) {
  TaskLimits l;
  l.ticks = ticks;
  l.seconds = 60;
  return l;
}

}  // namespace

TEST_CASE("the JIT gives the interpreter's outcome and ticks on every conformance program", "[jit]") {
  Diff d;
  for (auto& [where, code] : conformance_programs())
    if (!nondeterministic(code)) compare(where, code, limits(3000000), &d);
  CHECK(d.compared > 500);
  if (jit::built()) CHECK(d.native_ticks > 0);
}

// Each guard and each way out of native code, one by one.
TEST_CASE("the JIT's edge cases: overflow, errors, guards, ticks, handlers", "[jit]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"64-bit overflow wraps", "x = 9223372036854775800; for i in [1..20] x = x + i; endfor return x;"},
      {"multiplication wraps", "x = 3; for i in [1..70] x = x * 3; endfor return x;"},
      {"INT64_MIN / -1 and % -1",
       "m = -9223372036854775807 - 1; r = {}; for d in [-2..-1] r = {@r, m / d, m % d, 7 % d, -7 / d}; endfor "
       "return r;"},
      {"MOO's / and % on negatives",
       "s = 0; for i in [-20..20] s = s * 31 + i / 7 + i % 7 + i / -3 + i % -3; endfor return s;"},
      {"division by zero inside a loop", "x = 0; for i in [1..100] x = x + 1000 / (50 - i); endfor return x;"},
      {"modulus by zero inside a loop", "x = 0; for i in [1..100] x = x + 1000 % (60 - i); endfor return x;"},
      {"float division by zero", "f = 1.0; for i in [1..10] f = f / (5.0 - tofloat(i)); endfor return f;"},
      {"float overflow is E_FLOAT", "f = 1.5; for i in [1..100] f = f * 1e30; endfor return f;"},
      {"float modulus", "f = 0.0; for i in [1..50] f = f + (tofloat(i) * 1.7) % 2.3 - (-7.5 % 2.0); endfor return f;"},
      {"float comparisons and truth",
       "n = 0; f = -2.0; while (f < 3.0) if (f) n = n + 1; endif if (f >= 0.5) n = n + 10; endif f = f + 0.25; "
       "endwhile return n;"},
      {"INT turns FLOAT halfway",
       "x = 0; for i in [1..100] if (i == 50) x = 0.5; endif x = x + x; endfor return x;"},
      {"INT meets FLOAT: E_TYPE", "x = 0; for i in [1..100] if (i == 50) x = 0.5; endif x = x + 1; endfor return x;"},
      {"INT turns STR halfway",
       "x = 1; for i in [1..60] if (i == 50) x = \"a\"; endif x = x + x; endfor return x;"},
      {"a list in the loop variable",
       "l = {1, 2}; s = 0; for i in [1..30] s = s + l[1 + i % 2]; if (i == 20) l = {5, 6}; endif endfor return s;"},
      {"the loop variable holds a string before the loop",
       "i = \"str\"; s = 0; for i in [1..10] s = s + i; endfor return {s, i};"},
      {"OBJ ranges are the interpreter's", "n = 0; for o in [#1..#20] n = n + 1; endfor return n;"},
      {"out of ticks in the middle of a loop", "x = 0; while (1) x = x + 1; endwhile"},
      {"out of ticks in a for loop", "x = 0; for i in [1..1000000] x = x + i * 3 % 7; endfor return x;"},
      {"ticks_left() inside a loop", "x = 0; for i in [1..100] x = x + i; endfor return ticks_left();"},
      {"catch expression inside a loop",
       "s = 0; for i in [-5..5] s = s + `100 / i ! E_DIV => 1000'; endfor return s;"},
      {"try/except around a loop",
       "try x = 0; for i in [1..100] x = x + 1 / (i - 60); endfor return x; except e (E_DIV) return {e[1], i, "
       "x}; endtry"},
      {"try/finally inside a loop",
       "s = 0; for i in [1..30] try s = s + i; if (i % 7 == 0) continue; endif s = s * 2 % 1000; finally s = s + "
       "1; endtry endfor return s;"},
      {"break and continue", "s = 0; for i in [1..100] if (i % 3 == 0) continue; endif if (i > 80) break; endif s = s + i; endfor return s;"},
      {"nested loops and while", "s = 0; i = 0; while (i < 30) i = i + 1; for j in [i..40] s = s + (i ^ 2) % 13 + j; endfor endwhile return s;"},
      {"bit operations and shifts",
       "s = 0; for i in [0..70] s = s + ((1 << (i % 65)) >> 3) + (i &. 5) + (i |. 9) + (i ^. 3); endfor return s;"},
      {"a shift past 64 is E_INVARG", "s = 0; for i in [60..70] s = s + (1 << i); endfor return s;"},
      {"comparisons as values",
       "s = 0; for i in [1..40] s = s + (i < 20) + (i <= 20) * 2 + (i > 30) * 4 + (i >= 30) * 8 + (i == 25) * 16 + "
       "(i != 25) * 32; endfor return s;"},
      {"unbound variable in a loop", "for i in [1..10] if (i == 5) y = z; endif endfor return 1;"},
      {"suspend inside a loop", "s = 0; for i in [1..5] s = s + i; suspend(0); s = s * 2; endfor return s;"},
      {"builtins inside a loop",
       "s = 0; for i in [1..200] s = s + length(tostr(i)) + min(i % 10, 5) + abs(-3); endfor return s;"},
      {"string building", "s = \"\"; for i in [1..100] s = s + \"abc\"[i % 3 + 1]; endfor return s;"},
      {"a range error raised from a loop", "l = {1, 2, 3}; s = 0; for i in [1..10] s = s + l[i]; endfor return s;"},
  };
  Diff d;
  for (auto& [name, code] : cases) {
    compare(name, code, limits(3000000), &d);
    compare(name + " (1234 ticks)", code, limits(1234), &d);
  }
  CHECK(d.compared == int(cases.size()) * 2);
  if (jit::built()) CHECK(d.native_ticks > 10000);
}

TEST_CASE("verb calls from inside a jitted loop, and a jitted verb", "[jit]") {
  VerbHost host;
  host.verbs[{5, "sq"}] = compile_or_null("x = args[1]; return x * x % 1000;");
  host.verbs[{5, "boom"}] = compile_or_null("for i in [1..10] x = 10 / (5 - i); endfor return x;");
  Diff d;
  compare("calls", "s = 0; for i in [1..300] s = s + #5:sq(i); endfor return s;", limits(3000000), &d, &host);
  compare("calls, out of ticks", "s = 0; for i in [1..3000] s = s + #5:sq(i); endfor return s;", limits(5000), &d,
          &host);
  compare("an error in a called verb", "s = 0; for i in [1..3] s = s + #5:boom(); endfor return s;",
          limits(3000000), &d, &host);
  compare("caught from a called verb",
          "s = 0; for i in [1..3] s = s + `#5:boom() ! E_DIV => 7'; endfor return s;", limits(3000000), &d, &host);
  CHECK(d.compared == 4);
  if (jit::built()) CHECK(d.native_ticks > 0);
}

TEST_CASE("the benchmark kernels run natively and give the interpreter's results", "[jit]") {
  std::ifstream in(std::string(ECHO_TEST_SOURCE_DIR) + "/../../shared/bench/kernels.moo");
  if (!in) return;  // the shared bench files are not on this machine
  std::vector<std::pair<std::string, std::string>> kernels;
  std::string line;
  std::regex header(R"(^// kernel: (\S+) N=(\d+))");
  std::string n;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, header)) {
      kernels.push_back({m[1], ""});
      n = m[2];
    } else if (line.rfind("//", 0) != 0 && !kernels.empty()) {
      kernels.back().second += std::regex_replace(line, std::regex(n), "20000") + "\n";
    }
  }
  REQUIRE(kernels.size() >= 6);
  for (auto& [name, code] : kernels) {
    Diff d;
    compare(name, code, limits(int64_t(1) << 40), &d);
    CHECK(d.compared == 1);
    INFO(name);
    // The numeric kernels run natively through and through: at least 80%
    // of the whole run's ticks (20000 iterations of 5 or 9 ticks), the
    // sliced runs aside.
    if (jit::built() && (name == "int_arith" || name == "float_arith")) CHECK(d.native_ticks > 4 * 20000);
  }
}

TEST_CASE("with the JIT switched off, compiled code is not entered", "[jit]") {
  if (!jit::built()) return;
  std::shared_ptr<const Program> p;
  {
    ModeScope always(jit::Mode::Always);
    p = compile_or_null("x = 0; for i in [1..1000] x = x + i; endfor return x;");
    run(p, nullptr, limits(100000));
    REQUIRE(p->jit.native());
  }
  ModeScope off(jit::Mode::Off);
  uint64_t before = jit::stats().native_runs;
  CHECK(run(p, nullptr, limits(100000)).rfind("=> 500500", 0) == 0);
  CHECK(jit::stats().native_runs == before);
}
