// The bytecode interpreter. A Task holds the whole state of one MOO task as
// plain data (frames with registers, pc, handler stacks) so that it can be
// stopped between any two instructions and, later, serialized. MOO verb calls
// push a Frame; they never recurse in C++.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lang/builtins.h"
#include "lang/bytecode.h"
#include "lang/limits.h"
#include "lang/value.h"

namespace echo {

// A raised MOO error in flight: LambdaMOO's {code, message, value, traceback}.
struct RaisedError {
  Value code;
  std::string message;
  Value value;
  // LambdaMOO's formatted lines, innermost first: "#D:names (this == #T),
  // line N:  message", then "... called from ..." each caller and each
  // builtin that called a verb (no "(End of traceback)").
  std::vector<std::string> traceback;
  Value stack;                         // callers()-style list for except vars
  // E_QUOTA for a value past a limit (ValueTooLarge, or an allocation that
  // failed in a builtin): not caught when max_concat_catchable is false.
  bool quota = false;
};

// What the interpreter needs from the world. The default answers as a server
// with no objects: every object is invalid.
class VmHost {
 public:
  virtual ~VmHost() = default;
  virtual Value get_property(int64_t obj, std::string_view name, int64_t progr);  // throws MooError
  virtual void set_property(int64_t obj, std::string_view name, Value v, int64_t progr);
  // Finds a verb to call. Returns null (and sets *err) when it cannot.
  struct VerbTarget {
    std::shared_ptr<const Program> program;
    int64_t definer = -1;  // the object the verb is defined on
    int64_t owner = -1;    // the verb's owner: the callee's permissions
    std::string name;      // the verb's full name as defined
    bool debug = true;     // the verb's `d` flag
  };
  virtual std::optional<VerbTarget> find_verb(int64_t obj, std::string_view name, Error* err);
  // pass(): the verb `name` found from the parent(s) of `definer` on.
  virtual std::optional<VerbTarget> find_pass_verb(int64_t definer, std::string_view name, Error* err);
  // The verb at `index` (from 0) defined on `definer` (emit()'s handlers).
  virtual std::optional<VerbTarget> verb_at(int64_t definer, int index, Error* err) {
    (void)definer;
    (void)index;
    *err = E_VERBNF;
    return std::nullopt;
  }
  // fork: returns the new task's id, or throws MooError.
  struct ForkRequest {
    std::shared_ptr<const Program> program;
    int vector;
    std::vector<Value> registers;  // the forking frame's variables
    double delay;
    int64_t this_obj, progr;
    std::string verb_name;
    int64_t definer = -1, player = -1;
    std::string verb_names;  // the verb's full names, for tracebacks
    // `fork name (...)`: the register of `name`, which the child gets set to
    // its own task id too (LambdaMOO's enqueue_forked_task2); -1 if none.
    int id_register = -1;
    // An event delivery (emit()): the receiving object, whose actor starts
    // the task in the order its mailbox got them; -1 for a plain fork.
    int64_t deliver_to = -1;
  };
  virtual int64_t fork(ForkRequest req);
  // Whether obj is a wizard (with no world, every task is a wizard's).
  virtual bool is_wizard(int64_t obj) { (void)obj; return true; }
  // Whether a builtin may suspend its task for work on another thread
  // (BuiltinContext::in_background); a host that cannot runs it at once.
  virtual bool runs_background() { return false; }
  virtual void* world() { return nullptr; }  // given to builtins as BuiltinContext::world
  // $server_options.protect_<name> of builtin `index` is true: only wizards
  // may call it (LambdaMOO's call_bi_func).
  virtual bool builtin_protected(int index) { (void)index; return false; }
  // emit() of event `name` by `source` (the emitting verb's this) to
  // `target` (-1: the room); the server appends it to its event log.
  virtual void record_event(std::string_view name, int64_t source, int64_t target, int64_t player, const Value& args) {
    (void)name, (void)source, (void)target, (void)player, (void)args;
  }
};

// Why a finally block is running, and what to do at its end.
struct Pending {
  enum Kind : uint8_t { FallThrough, Raise, Return, Exit } kind = FallThrough;
  Value value;          // Return: the value
  uint32_t target = 0;  // Exit: where to go
  uint32_t depth = 0;   // Exit: the handler depth to unwind to
  std::shared_ptr<RaisedError> error;  // Raise
};

// The per-frame handler stack: catch expressions, except clauses, finally
// blocks not yet entered, and finally blocks running (with what they resume).
// Leaving a running finally block abnormally simply drops its entry.
struct Handler {
  enum Kind : uint8_t { Catch, Except, Finally, InFinally } kind;
  uint16_t codes = 0xFFFF;  // register with the code list; 0xFFFF for ANY
  uint16_t dest = 0;        // register that receives the error
  uint32_t target = 0;      // handler (or finally block) pc
  uint16_t siblings = 0;    // Except: clauses of the same try below this one
  Pending pending;          // InFinally
};

struct Frame {
  std::shared_ptr<const Program> program;
  int vector = -1;  // -1: main, else fork vector index
  uint32_t pc = 0;
  std::vector<Value> regs;
  std::vector<Handler> handlers;
  uint16_t result_reg = 0;  // caller's register for this frame's return value
  // A builtin of this frame waiting for the verb call it asked for
  // (BuiltinContext::call): resumed when the callee returns.
  struct BuiltinWait {
    uint16_t index;           // the builtin
    uint16_t dest;            // its result register
    std::vector<Value> args;  // its arguments, handed to it again
    Value state;
  };
  std::optional<BuiltinWait> waiting;
  // Who is running, for callers(), tracebacks and permissions.
  int64_t this_obj = -1;
  int64_t definer = -1;
  int64_t progr = -1;
  int64_t player = -1;
  std::string verb_name;   // the name it was called by (callers(), `verb`)
  std::string verb_names;  // the verb's names as defined, for tracebacks (LambdaMOO's verbname)
  bool debug = true;
  // ToastStunt's per-activation thread mode (set_thread_mode()); Echo runs
  // builtins inline whatever it is, so it is only reported back. Not saved.
  bool threaded = true;

  const CodeVector& code() const {
    return vector < 0 ? program->main : program->forks[size_t(vector)];
  }
};

struct TaskLimits {
  int64_t ticks = 60000;       // LambdaMOO's fg_ticks default
  double seconds = 5.0;        // fg_seconds
  int max_stack_depth = 50;    // max_stack_depth
  ValueLimits values;          // max_string_concat, ... (lang/limits.h)
  // Set from outside (another thread, a signal handler) to stop the task:
  // once it reads true the task ends with Interrupted. Read where the
  // seconds limit is (every 65536 ticks at most, native code included),
  // after each builtin call, and when run() starts. Null: never. Not
  // saved with the task (a pointer into this process).
  const std::atomic<bool>* interrupt = nullptr;
};

// Running: not finished (not started yet, or between runs). Suspended: a
// builtin asked to stop (suspension() says why) until resume() or
// resume_raise(). Yielded: run(slice_ticks) used its slice; run again to
// continue. AbortedSeconds also ends a task that would have built a value
// past its ValueLimits, or held more than max_task_bytes, while
// max_concat_catchable is false (LambdaMOO: "aborted as if it ran out of
// seconds"), and one whose allocation failed (std::bad_alloc). Interrupted:
// TaskLimits::interrupt was set; the task ends as after AbortedSeconds (no
// MOO handler sees it), between two instructions.
enum class TaskStatus { Running, Done, Error, AbortedTicks, AbortedSeconds, Suspended, Yielded, Interrupted };

class Task {
 public:
  Task(std::shared_ptr<const Program> program, VmHost* host, TaskLimits limits = {});
  // The task a `fork` statement started: the fork body with a copy of the
  // forking frame's variables.
  Task(const VmHost::ForkRequest& fork, VmHost* host, TaskLimits limits = {});
  Task(const Task&) = delete;  // builtins hold a pointer to their task
  ~Task();
  Task& operator=(const Task&) = delete;

  // Presets for the first frame.
  void set_var(std::string_view name, Value v);
  Value get_var(std::string_view name) const;  // of the bottom frame; Int 0 if absent
  void set_identity(int64_t player, int64_t this_obj, int64_t progr, std::string verb);

  // Runs until the task finishes, raises out of its last frame, exceeds a
  // limit, suspends or is interrupted (at once if TaskLimits::interrupt is
  // already set). Run again after Yielded or (once resumed) Suspended to
  // continue; a finished task just returns its final status again.
  TaskStatus run();
  // The same, but stops with Yielded once about slice_ticks ticks have been
  // used in this call (at least one instruction runs). Slicing never changes
  // what the task computes or when it runs out of ticks. The seconds limit
  // counts the time spent in run() since the task started, was resumed or
  // got new limits, not the time between slices.
  TaskStatus run(int64_t slice_ticks);
  TaskStatus status() const { return status_; }

  // Why a Suspended task stopped (empty unless Suspended).
  const std::optional<BuiltinContext::Suspend>& suspension() const { return suspension_; }
  // Continues a Suspended task: v becomes the suspending builtin's result.
  // The seconds limit starts over (see set_limits for the ticks). Throws
  // std::logic_error unless the task is Suspended.
  void resume(Value v);
  // resume() again before the task has run: the value suspend() returns
  // becomes `v` instead (tasks.c do_resume: "already resumed, but we have a
  // new value for it").
  void replace_resume_value(Value v);
  // Continues a Suspended task by raising code where the builtin was called
  // (MOO handlers there can catch it). If nothing catches it the task ends
  // with Error at once.
  void resume_raise(Error code, std::string message, Value value = Value::integer(0));
  // New limits, with the full tick and seconds budget (LambdaMOO gives a
  // task resumed after suspend() or read() the background limits).
  void set_limits(TaskLimits limits);
  const TaskLimits& limits() const { return limits_; }

  // The whole state of a task that is not running (not started, Yielded or
  // Suspended) as a MOO value, to store and restore() later, possibly in
  // another process (lang/vm_save.cpp describes the format).
  Value save() const;
  // Rebuilds a task from save()'s value. Programs are recompiled from their
  // source with `compile` (which may cache; must return null or throw on
  // failure). Throws std::runtime_error when `saved` is malformed or a
  // program no longer compiles to the same code.
  using CompileFn = std::function<std::shared_ptr<const Program>(const std::string& source)>;
  static std::unique_ptr<Task> restore(const Value& saved, VmHost* host, const CompileFn& compile);

  const Value& result() const { return result_; }
  // Only after Error (the default RaisedError otherwise).
  const RaisedError& error() const {
    static const RaisedError none;
    return error_ ? *error_ : none;
  }
  int64_t ticks_used() const { return limits_.ticks - ticks_left_; }
  // What counts against max_task_bytes (lang/limits.h): the value_bytes()
  // of every distinct value the task's frames hold.
  int64_t held_bytes() const;
  int64_t ticks_left() const { return ticks_left_; }
  // LambdaMOO's traceback lines for tick/seconds aborts: the stopped frame
  // first, then "... called from" each caller (no message, no end line).
  std::vector<std::string> abort_traceback() const;

  std::vector<Frame>& frames() { return frames_; }
  const std::vector<Frame>& frames() const { return frames_; }
  // ToastStunt's task-local value (task_local(), set_task_local()): an empty
  // map when a task starts (a forked one too); kept across suspend() and
  // read(), and by save() and restore().
  const Value& local() const { return local_; }
  void set_local(Value v) { local_ = std::move(v); }
  int64_t id() const { return id_; }
  void set_id(int64_t id) { id_ = id; }

 private:
  struct RestoreTag {};
  Task(RestoreTag, VmHost* host, TaskLimits limits);  // no frames yet
  TaskStatus execute();
  bool interrupt_requested() const {
    return limits_.interrupt && limits_.interrupt->load(std::memory_order_relaxed);
  }
  TaskStatus run_for(int64_t budget);
  // Measures held_bytes() (called once the thread has allocated
  // kMeterStep since the last time); false when over max_task_bytes.
  bool memory_within_budget();
  // Raises err in the current frame; returns false when the error escaped
  // the last frame (the task is over).
  bool raise(std::shared_ptr<RaisedError> err);
  std::shared_ptr<RaisedError> make_error(Value code, std::string message, Value value);
  std::shared_ptr<RaisedError> quota_error();
  // Inside a catch: the error a builtin threw, as the task raises it (a value
  // past a limit or a failed allocation is a quota error); any other
  // exception goes on up.
  std::shared_ptr<RaisedError> builtin_error();
  bool unwind_for_return(Value v);
  bool finish_return(Value v);
  bool do_exit(uint32_t depth, uint32_t target);
  void push_verb_frame(VmHost::VerbTarget target, Value this_obj, Value args, uint16_t result_reg,
                       const std::string& called_name);
  // Echo functions: a closure of function `index` of f's program over the
  // captured values at `captures`, and a call of one (throws MooError).
  Value make_closure(const Frame& f, uint16_t index, const Value* captures) const;
  void push_function_frame(const Value& fn, Value args, uint16_t result_reg);
  std::string frame_label(const Frame& f) const;
  std::vector<std::string> traceback_lines(const std::string& message) const;

  VmHost* host_;
  VmHost default_host_;
  // The let-cells this task made, for collect_cell_cycles when it ends.
  std::vector<Value> cells_made_;
  TaskLimits limits_;
  std::vector<Frame> frames_;
  int64_t ticks_left_;
  std::chrono::steady_clock::time_point deadline_;
  Value result_;
  Value local_ = Value::empty_map();
  std::shared_ptr<RaisedError> error_;
  BuiltinContext ctx_;
  std::unique_ptr<std::mt19937_64> rng_;  // BuiltinContext::rng()
  friend struct BuiltinContext;
  TaskStatus status_ = TaskStatus::Running;
  int64_t id_ = 0;
  // Suspended: the request, and the suspending builtin's result register in
  // the top frame.
  std::optional<BuiltinContext::Suspend> suspension_;
  uint16_t suspend_reg_ = 0;
  // Seconds spent in run() since the start, the last resume or set_limits.
  double seconds_used_ = 0;
  // Ticks the current run() may still use, and its whole slice.
  int64_t budget_ = 0;
  int64_t budget_start_ = 0;
  // heap_bytes_allocated() past which the task's values are measured again.
  uint64_t meter_at_ = 0;
};

// Formats a value the way the REPL and eval print results.
std::string describe_error(const RaisedError& e);

}  // namespace echo
