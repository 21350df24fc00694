// The JIT's face to the interpreter: hot detection, the per-program native
// code, the switch that turns it off, and its statistics. No LLVM type here:
// LLVM lives in lang/jit/jit_codegen.cpp alone (docs/jit.md has the design).
//
// Native code runs one frame's main vector on the frame's own registers and
// never changes anything else: it does what the interpreter would do, up to
// the first instruction it does not handle (or whose operands are not the
// types it handles, or that would raise, or that the slice cannot pay for),
// writes every register back and returns that instruction's pc. The
// interpreter then runs that instruction itself, so errors, tracebacks,
// suspends and calls are the interpreter's own, and a task is never saved
// with a native frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace echo {

class Value;
struct Program;

namespace jit {

// What native code gets and gives back.
struct NativeFrame {
  Value* regs;    // the frame's registers
  int64_t ticks;  // in: the interpreter's slice countdown; out: what is left of it
  uint32_t pc;    // in: where to start; out: the instruction the interpreter runs next
};

// Why native code returned.
enum class Exit : uint32_t {
  NoEntry = 0,  // the pc given is not an entry point: nothing ran
  Guard = 1,    // operands of a type native code does not handle, or an error to raise
  Op = 2,       // an instruction native code never runs (a call, a return, ...)
  Ticks = 3,    // the slice cannot pay for the next instruction
  Count
};
using NativeFn = uint32_t (*)(NativeFrame*);

// A program's compiled main vector: the function and where it may be
// entered (pc 0, the head of each loop, and the instruction after each one
// it leaves for). Never freed: a frame on another thread may be running it.
struct Native {
  NativeFn fn = nullptr;
  std::vector<uint8_t> entry;  // entry[pc]: fn may start at pc
  bool is_entry(uint32_t pc) const { return pc < entry.size() && entry[pc]; }
};

// The JIT's state of one program (a member of Program): counters for hot
// detection and the native code once compiled. Thread-safe; copying a
// Program gives the copy a cold state.
class ProgramState {
 public:
  ProgramState() = default;
  ProgramState(const ProgramState&) {}
  ProgramState& operator=(const ProgramState&) { return *this; }

  // The native code of the main vector, or null (not compiled yet, not
  // compilable, JIT off, or disabled after too many short entries).
  const Native* native() const { return native_.load(std::memory_order_acquire); }
  // After a native run of `ticks` ticks: counts it, and stops entering
  // native code that keeps leaving almost at once, or that spends its time
  // in calls into the runtime (see jit.cpp).
  void note_run(int64_t ticks, Exit why);

 private:
  friend struct Engine;
  friend void note_call(const std::shared_ptr<const Program>& p);
  friend void note_loop(const std::shared_ptr<const Program>& p, int64_t ticks);
  enum Phase : uint8_t { Cold, Queued, Compiled, Failed };
  std::atomic<const Native*> native_{nullptr};
  std::atomic<uint8_t> phase_{Cold};
  std::atomic<uint32_t> calls_{0};
  std::atomic<uint64_t> loop_ticks_{0};
  std::atomic<uint64_t> runs_{0}, run_ticks_{0}, run_calls_{0};
};

enum class Mode : uint8_t {
  Off,     // never compile
  On,      // compile hot programs on a background thread
  Always,  // compile every program at its first call, and wait (tests)
};
// The mode starts as ECHO_JIT says (0/off, 1/on, always; unset: on), and is
// Off in a build without LLVM whatever it says.
Mode mode();
void set_mode(Mode m);
bool parse_mode(std::string_view text, Mode* out);  // "0", "off", "1", "on", "always"
const char* mode_name(Mode m);
bool built();  // whether this build has the JIT (-DECHO_JIT=ON)

// Calls of a program before it is compiled (ECHO_JIT_THRESHOLD, default
// 100), and ticks spent in it (a long loop) before it is.
uint32_t call_threshold();
void set_call_threshold(uint32_t n);
constexpr uint64_t kLoopTicks = 1 << 16;

// Hot detection: each frame started on p (a verb, function or eval call),
// and the ticks a frame of p ran between two of the interpreter's clock
// checks. Past a threshold p is queued for compilation (compiled at once,
// on the caller's thread, in Always mode).
void note_call(const std::shared_ptr<const Program>& p);
void note_loop(const std::shared_ptr<const Program>& p, int64_t ticks);

// Waits until nothing is queued or compiling (tests and benchmarks).
void wait_idle();

struct Stats {
  uint64_t compiled = 0, failed = 0;
  uint64_t compile_ns_total = 0, compile_ns_max = 0;
  uint64_t native_runs = 0, native_ticks = 0;
  uint64_t exits[size_t(Exit::Count)] = {};
  uint64_t disabled = 0;  // programs no longer entered (short runs)
};
Stats stats();
std::string describe(const Stats& s);  // one line, for humans

}  // namespace jit
}  // namespace echo
