// Hot detection, the compile queue and its thread, the mode switch and the
// statistics: everything of the JIT that needs no LLVM (a build without
// LLVM has this file and no native code).
#include "lang/jit/jit.h"

#include <dlfcn.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include "lang/bytecode.h"
#include "lang/jit/codegen.h"
#include "lang/jit/runtime.h"
#ifdef ECHO_HAVE_JIT
#include "lang/jit/module_path.h"  // ECHO_JIT_MODULE_PATH, made by lang/CMakeLists.txt
#endif

namespace echo::jit {

void register_exit_wait();  // below: waits at exit for the compilation in flight

#ifdef ECHO_HAVE_JIT
bool built() { return true; }

// The code generator's module, loaded when the first program gets hot (see
// lang/jit/codegen.h); ECHO_JIT_MODULE names another file. Called under the
// compile thread's lock. A module that does not load leaves every program
// to the interpreter, with the reason as each one's why.
const Native* compile_native(const Program& p, std::string* why) {
  static CompileEntry entry = nullptr;
  static std::string load_error;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const char* path = std::getenv("ECHO_JIT_MODULE");
    if (!path || !*path) path = ECHO_JIT_MODULE_PATH;
    if (void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
      // The module's static destructors (LLVM's, linked into it) were
      // registered as it loaded, after the Engine's exit handler, so they
      // would run first and pull LLVM out from under a compilation still in
      // flight at exit (a crash in 6% of runs of conformance_echo). Handlers
      // run in reverse order: one registered now runs before them.
      register_exit_wait();
      entry = reinterpret_cast<CompileEntry>(dlsym(h, kCompileEntryName));
      if (!entry) load_error = std::string("no ") + kCompileEntryName + " in " + path;
    } else {
      const char* e = dlerror();
      load_error = std::string("the code generator did not load: ") + (e ? e : path);
    }
  }
  if (!entry) {
    *why = load_error;
    return nullptr;
  }
  static const CodegenHooks hooks{has_helper, mode, run_op, release_reg};
  return entry(p, why, &hooks);
}
#else
bool built() { return false; }
const Native* compile_native(const Program&, std::string* why) {
  *why = "built without the JIT";
  return nullptr;
}
#endif

namespace {

Mode initial_mode() {
  if (!built()) return Mode::Off;
  Mode m = Mode::On;
  if (const char* e = std::getenv("ECHO_JIT")) parse_mode(e, &m);
  return m;
}

uint32_t initial_threshold() {
  if (const char* e = std::getenv("ECHO_JIT_THRESHOLD")) {
    long n = std::strtol(e, nullptr, 10);
    if (n >= 1 && n <= 1000000000) return uint32_t(n);
  }
  return 100;
}

std::atomic<Mode> g_mode{initial_mode()};
std::atomic<uint32_t> g_threshold{initial_threshold()};

struct Counters {
  std::atomic<uint64_t> compiled{0}, failed{0}, compile_ns_total{0}, compile_ns_max{0};
  std::atomic<uint64_t> native_runs{0}, native_ticks{0}, disabled{0};
  std::atomic<uint64_t> exits[size_t(Exit::Count)] = {};
};
Counters g_counters;

}  // namespace

Mode mode() { return g_mode.load(std::memory_order_relaxed); }
void set_mode(Mode m) { g_mode.store(built() ? m : Mode::Off, std::memory_order_relaxed); }

bool parse_mode(std::string_view t, Mode* out) {
  if (t == "0" || t == "off" || t == "false" || t == "no") *out = Mode::Off;
  else if (t == "1" || t == "on" || t == "true" || t == "yes") *out = Mode::On;
  else if (t == "always") *out = Mode::Always;
  else return false;
  return true;
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Off: return "off";
    case Mode::On: return "on";
    case Mode::Always: return "always";
  }
  return "?";
}

uint32_t call_threshold() { return g_threshold.load(std::memory_order_relaxed); }
void set_call_threshold(uint32_t n) { g_threshold.store(n ? n : 1, std::memory_order_relaxed); }

// One background thread compiles, oldest request first; tasks never wait
// for it (except in Always mode, which compiles on the caller's thread).
struct Engine {
  std::mutex mu;
  std::condition_variable work_cv, idle_cv;
  std::deque<std::shared_ptr<const Program>> queue;
  bool busy = false;
  bool started = false;
  std::atomic<bool> stopping{false};  // the process is exiting: compile nothing more
  std::mutex compile_mu;  // codegen is not reentrant (one LLJIT, one module at a time)

  static Engine& get() {
    static Engine* e = [] {
      auto* made = new Engine;  // never destroyed: native code may run until exit
      // At exit, wait for the compilation in flight: LLVM's own statics are
      // destroyed after this handler runs, and must not be under it (see
      // compile_native for those of the code generator's module).
      register_exit_wait();
      return made;
    }();
    return *e;
  }

  void stop() {
    {
      std::unique_lock<std::mutex> lock(mu);
      stopping = true;
      idle_cv.wait(lock, [this] { return !busy; });
    }
    std::lock_guard<std::mutex> wait_for_always_mode(compile_mu);
  }

  void compile_now(const Program& p) {
    ProgramState& s = p.jit;
    auto t0 = std::chrono::steady_clock::now();
    std::string why;
    const Native* fn;
    {
      std::lock_guard<std::mutex> lock(compile_mu);
      if (s.phase_.load() == ProgramState::Compiled || s.phase_.load() == ProgramState::Failed) return;
      if (stopping) return;
      try {
        fn = compile_native(p, &why);
      } catch (const std::exception& e) {  // a malformed program (a corrupt restore)
        fn = nullptr;
      }
      s.phase_.store(fn ? ProgramState::Compiled : ProgramState::Failed);
      s.native_.store(fn, std::memory_order_release);
    }
    uint64_t ns = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now() - t0).count());
    (fn ? g_counters.compiled : g_counters.failed).fetch_add(1, std::memory_order_relaxed);
    g_counters.compile_ns_total.fetch_add(ns, std::memory_order_relaxed);
    uint64_t max = g_counters.compile_ns_max.load();
    while (ns > max && !g_counters.compile_ns_max.compare_exchange_weak(max, ns)) {
    }
  }

  void request(const std::shared_ptr<const Program>& p) {
    uint8_t cold = ProgramState::Cold;
    if (!p->jit.phase_.compare_exchange_strong(cold, ProgramState::Queued)) return;
    if (mode() == Mode::Always) {
      compile_now(*p);
      return;
    }
    std::lock_guard<std::mutex> lock(mu);
    queue.push_back(p);
    if (!started) {
      started = true;
      std::thread([this] { run(); }).detach();
    }
    work_cv.notify_one();
  }

  void run() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      work_cv.wait(lock, [this] { return !queue.empty() && !stopping; });
      std::shared_ptr<const Program> p = std::move(queue.front());
      queue.pop_front();
      busy = true;
      lock.unlock();
      if (mode() != Mode::Off) compile_now(*p);
      else p->jit.phase_.store(ProgramState::Cold);  // turned off meanwhile: may be asked again
      p.reset();
      lock.lock();
      busy = false;
      idle_cv.notify_all();
    }
  }

  void wait_idle() {
    std::unique_lock<std::mutex> lock(mu);
    idle_cv.wait(lock, [this] { return (queue.empty() || stopping) && !busy; });
  }
};

void register_exit_wait() {
  std::atexit([] { Engine::get().stop(); });
}

void note_call(const std::shared_ptr<const Program>& p) {
  Mode m = mode();
  if (m == Mode::Off || !p) return;
  ProgramState& s = p->jit;
  if (s.phase_.load(std::memory_order_relaxed) != ProgramState::Cold) return;
  if (m == Mode::Always || s.calls_.fetch_add(1, std::memory_order_relaxed) + 1 >= call_threshold())
    Engine::get().request(p);
}

void note_loop(const std::shared_ptr<const Program>& p, int64_t ticks) {
  if (mode() == Mode::Off || !p || ticks <= 0) return;
  ProgramState& s = p->jit;
  if (s.phase_.load(std::memory_order_relaxed) != ProgramState::Cold) return;
  if (s.loop_ticks_.fetch_add(uint64_t(ticks), std::memory_order_relaxed) + uint64_t(ticks) >= kLoopTicks)
    Engine::get().request(p);
}

// Entering native code costs a call and the load of every register it
// uses; a program whose runs average under kMinTicks ticks (it leaves at
// once, each time, for an instruction it does not run) is faster in the
// interpreter alone, and is no longer entered. So is one that calls into
// the runtime (run_op) more than once per kTicksPerCall ticks: a call
// costs more than the interpreter's inline handler of the same instruction
// (measured: the string and list kernels 10-25% slower natively).
void ProgramState::note_run(int64_t ticks, Exit why) {
  constexpr uint64_t kProbation = 4096, kMinTicks = 6, kCallProbation = 1 << 20, kTicksPerCall = 5;
  uint64_t calls = tl_runtime_calls;
  tl_runtime_calls = 0;
  g_counters.native_runs.fetch_add(1, std::memory_order_relaxed);
  g_counters.native_ticks.fetch_add(uint64_t(ticks), std::memory_order_relaxed);
  g_counters.exits[size_t(why)].fetch_add(1, std::memory_order_relaxed);
  if (mode() == Mode::Always) return;  // tests: native code throughout
  uint64_t runs = runs_.fetch_add(1, std::memory_order_relaxed) + 1;
  uint64_t before = run_ticks_.fetch_add(uint64_t(ticks), std::memory_order_relaxed);
  uint64_t total = before + uint64_t(ticks);
  uint64_t total_calls = run_calls_.fetch_add(calls, std::memory_order_relaxed) + calls;
  bool short_runs = runs % kProbation == 0 && total < runs * kMinTicks;
  // Judged once, when the program has run kCallProbation ticks natively.
  bool call_bound = before < kCallProbation && total >= kCallProbation && total_calls * kTicksPerCall > total;
  if ((short_runs || call_bound) && native_.exchange(nullptr) != nullptr)
    g_counters.disabled.fetch_add(1, std::memory_order_relaxed);
}

void wait_idle() { Engine::get().wait_idle(); }

Stats stats() {
  Stats s;
  s.compiled = g_counters.compiled.load();
  s.failed = g_counters.failed.load();
  s.compile_ns_total = g_counters.compile_ns_total.load();
  s.compile_ns_max = g_counters.compile_ns_max.load();
  s.native_runs = g_counters.native_runs.load();
  s.native_ticks = g_counters.native_ticks.load();
  s.disabled = g_counters.disabled.load();
  for (size_t i = 0; i < size_t(Exit::Count); ++i) s.exits[i] = g_counters.exits[i].load();
  return s;
}

std::string describe(const Stats& s) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "jit %s: %llu compiled (%llu failed, %.2f ms total, %.2f ms worst), %llu native runs, "
                "%llu native ticks, exits: guard %llu, op %llu, ticks %llu, no entry %llu; %llu disabled",
                mode_name(mode()), (unsigned long long)s.compiled, (unsigned long long)s.failed,
                double(s.compile_ns_total) / 1e6, double(s.compile_ns_max) / 1e6,
                (unsigned long long)s.native_runs, (unsigned long long)s.native_ticks,
                (unsigned long long)s.exits[size_t(Exit::Guard)], (unsigned long long)s.exits[size_t(Exit::Op)],
                (unsigned long long)s.exits[size_t(Exit::Ticks)],
                (unsigned long long)s.exits[size_t(Exit::NoEntry)], (unsigned long long)s.disabled);
  return buf;
}

}  // namespace echo::jit
