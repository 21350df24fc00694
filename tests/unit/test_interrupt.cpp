// Stopping a running task from outside (TaskLimits::interrupt), as the
// REPL's Ctrl-C does: another thread sets the flag while the task runs in
// the interpreter, in native code (Mode::Always; "[jit]", run by CTest's
// jit_differential), in a loop of slow builtins, or sleeps in eval. The
// limits are generous, so only the flag can stop these within the test's
// time.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "lang/compiler.h"
#include "lang/eval.h"
#include "lang/jit/jit.h"
#include "lang/vm.h"

using namespace echo;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Sets *flag after `ms` milliseconds, on its own thread; joins on leaving.
struct SetLater {
  std::thread thread;
  SetLater(std::atomic<bool>* flag, int ms)
      : thread([flag, ms] {
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          flag->store(true);
        }) {}
  ~SetLater() { thread.join(); }
};

TaskLimits long_limits(const std::atomic<bool>* flag) {
  TaskLimits l;
  l.ticks = int64_t(1) << 60;
  l.seconds = 20;  // the flag must stop them long before
  l.interrupt = flag;
  return l;
}

struct ModeScope {
  jit::Mode saved = jit::mode();
  explicit ModeScope(jit::Mode m) { jit::set_mode(m); }
  ~ModeScope() { jit::set_mode(saved); }
};

// Runs code until the flag, set after `ms` milliseconds, stops it; checks
// that it stops as Interrupted, soon, with its work so far kept.
void check_interrupted(const std::string& code, int64_t ticks = 0, int ms = 200) {
  INFO(code);
  CompileResult c = compile_moo(code);
  REQUIRE(c.ok());
  std::atomic<bool> stop{false};
  TaskLimits limits = long_limits(&stop);
  if (ticks) limits.ticks = ticks;
  Task t(c.program, nullptr, limits);
  Clock::time_point t0 = Clock::now();
  TaskStatus st;
  {
    SetLater later(&stop, ms);
    st = t.run();
  }
  double took = since(t0);
  CHECK(st == TaskStatus::Interrupted);
  CHECK(took < ms / 1000.0 + 3.0);  // a slice or one builtin after the flag, on a busy machine
  CHECK(t.get_var("x").as_int() > 0);  // what ran stays done
  REQUIRE(!t.abort_traceback().empty());
  CHECK(t.abort_traceback().front().find("line ") != std::string::npos);
  CHECK(t.run() == TaskStatus::Interrupted);  // over: running it again does nothing
}

const char* const kLoop = "x = 0; while (1) x = x + 1; endwhile";
// MOO code cannot catch it, as it cannot catch running out of seconds.
const char* const kCaught =
    "x = 0; try for i in [1..1000000000000] x = x + 1; endfor except (ANY) return -1; endtry";

}  // namespace

TEST_CASE("interrupt: another thread stops a task in the interpreter", "[vm]") {
  ModeScope off(jit::Mode::Off);
  check_interrupted(kLoop);
  check_interrupted(kCaught);
}

TEST_CASE("interrupt: a loop of slow builtins stops before its slice ends", "[vm]") {
  ModeScope off(jit::Mode::Off);
  // Fewer ticks than a slice (65536): the flag is seen after a builtin.
  check_interrupted("x = 0; s = \"x\"; for i in [1..20] s = s + s; endfor "
                    "while (1) y = strsub(s, \"x\", \"yy\"); x = x + 1; endwhile",
                    60000, 2000);  // a megabyte strsub() takes a while under ASan: let one finish
}

TEST_CASE("interrupt: a flag set before the task runs stops it at once", "[vm]") {
  std::atomic<bool> stop{true};
  Task t(compile_moo("x = 1; return x;").program, nullptr, long_limits(&stop));
  CHECK(t.run() == TaskStatus::Interrupted);
  CHECK(t.ticks_used() == 0);
}

TEST_CASE("interrupt: without a flag set, a task runs as before", "[vm]") {
  std::atomic<bool> stop{false};
  Task t(compile_moo("x = 0; for i in [1..200000] x = x + i; endfor return x;").program, nullptr,
         long_limits(&stop));
  CHECK(t.run() == TaskStatus::Done);
  CHECK(t.result().as_int() == int64_t(200000) * 200001 / 2);
}

TEST_CASE("interrupt: eval stops a suspended task and forks still waiting", "[vm]") {
  std::atomic<bool> stop{false};
  EvalOptions o;
  o.limits = long_limits(&stop);
  o.run_forks = true;
  {
    Clock::time_point t0 = Clock::now();
    SetLater later(&stop, 200);
    EvalOutcome r = eval_moo("x = 1; suspend(60); x = 2;", o);
    CHECK(since(t0) < 3.0);
    CHECK(r.kind == EvalOutcome::Interrupted);
    CHECK(r.interrupted);
    CHECK(r.describe().rfind("Task interrupted\n... ", 0) == 0);
  }
  stop = false;
  {
    Clock::time_point t0 = Clock::now();
    SetLater later(&stop, 200);
    EvalOutcome r = eval_moo("fork (60) x = 1; endfork fork (90) x = 2; endfork return 5;", o);
    CHECK(since(t0) < 3.0);
    CHECK(r.kind == EvalOutcome::Returned);
    CHECK(r.interrupted);
    CHECK(r.describe() == "=> 5\n2 forked tasks not run");
  }
}

TEST_CASE("interrupt: another thread stops a task in native code", "[jit]") {
  if (!jit::built()) return;
  ModeScope always(jit::Mode::Always);
  uint64_t before = jit::stats().native_ticks;
  check_interrupted(kLoop);
  check_interrupted(kCaught);
  CHECK(jit::stats().native_ticks > before);  // the loops ran natively
}
