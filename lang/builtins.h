// The builtin function table and the calling convention for builtins.
//
// A builtin receives its arguments already counted and type-checked against
// its spec (E_ARGS / E_TYPE are raised by the caller, as LambdaMOO does), may
// take them by move, and returns a value or throws MooError.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "lang/value.h"

namespace echo {

struct Program;

// A MOO error raised to MOO code: the code (usually an ERR, but raise() accepts
// any value), the message, and the optional value (raise()'s third argument).
struct MooError {
  Value code;
  std::string message;
  Value value;

  MooError(Error e) : code(Value::err(e)), message(error_message(e)) {}
  MooError(Error e, std::string msg) : code(Value::err(e)), message(std::move(msg)) {}
  MooError(Value c, std::string msg, Value v = Value::integer(0))
      : code(std::move(c)), message(std::move(msg)), value(std::move(v)) {}
};

class Task;    // lang/vm.h
class VmHost;  // lang/vm.h

// What a builtin may know of the task that calls it. Grows with the world
// (permissions, the object store, the task's own actor) in later layers.
struct BuiltinContext {
  int64_t progr = -1;          // the task's permissions (an object number)
  int64_t ticks_left = 0;      // filled in by the VM before each call
  std::chrono::steady_clock::time_point deadline;  // the task's seconds limit
  // The task's random generator, seeded on first use (most tasks draw no
  // random number, and seeding one costs more than a short command); none
  // outside a task.
  std::mt19937_64* rng();
  std::mt19937_64* given_rng = nullptr;  // used instead when set (tests)
  void* world = nullptr;       // the world, once there is one
  Task* task = nullptr;        // the running task: frames, id (callers(), pass(), ...)
  VmHost* host = nullptr;      // the task's host (fork for emit(), ...)

  // Whether progr is a wizard, asked of the host at each call: the only
  // source is the task's permissions (set_task_perms() changes them in the
  // middle of a verb). With no host (a builtin called directly), false.
  bool wizard() const;

  // A builtin that must run MOO code before it can answer (pass(), create()'s
  // :initialize, move()'s :accept ...) sets `call` and returns anything: the
  // VM runs the verb, then calls the builtin again, with the same arguments,
  // `resumed` true, `resume_value` the verb's result and `state` what it left
  // in call->state. LambdaMOO's builtins do the same (BI_CALL).
  struct VerbCall {
    int64_t obj = -1;     // `this` for the call
    std::string verb;     // the verb name to look up
    Value args;           // a list
    Value state;          // handed back on resumption
    bool pass = false;    // look the verb up from the parent of the current
                          // verb's definer, as pass() does
    // Set: run this program instead of a verb (eval()): `this` #-1, no
    // definer, the caller's permissions, as LambdaMOO's setup_activ_for_eval.
    std::shared_ptr<const Program> program;
    // >= 0: call the verb at this index (from 0) defined on `definer`
    // instead of looking `verb` up (emit() delivering to one handler).
    int64_t definer = -1;
    int verb_index = -1;
  };
  std::optional<VerbCall> call;
  bool resumed = false;
  Value resume_value;
  Value state;

  // A builtin that must stop the task (suspend(), read()) sets `suspend` and
  // returns anything: the VM saves the task's position and run() returns
  // TaskStatus::Suspended. Whoever runs the task (the scheduler) later calls
  // Task::resume(v), making v the builtin's result, or Task::resume_raise()
  // to raise an error where the builtin was called. Not with `call`.
  struct Suspend {
    enum Kind : uint8_t { Sleep, Read, Background } kind = Sleep;
    double seconds = -1;      // Sleep: the delay; < 0: until resumed
    int64_t connection = -1;  // Read: the connection; -1: the task's player
    bool connection_given = false;  // Read: read(conn), not read() (they differ in permissions)
    bool non_blocking = false;  // Read
    // Read: read_http()'s (ToastStunt): the lines are bytes of an HTTP
    // message, parsed until it is whole. 1 a request, 2 a response.
    uint8_t http = 0;
    // Background: the work, run on another thread. It must not touch the
    // world or any Value the task holds (their counts are not atomic); its
    // result, or the MooError it throws, is the builtin's.
    std::shared_ptr<std::function<Value()>> work;
    std::string label;  // Background: what it is, for queued_tasks() (exec()'s program)
  };
  std::optional<Suspend> suspend;

  // Runs `work`, a builtin's long computation, where it cannot hold up other
  // tasks: on another thread while the task suspends (as ToastStunt's
  // threaded builtins do, so the verb's atomicity ends there, as at
  // suspend()), when the host can and the verb's thread mode is on
  // (set_thread_mode); else at once. The builtin returns what this returns.
  // `always`: suspend for it even when the verb's thread mode is off
  // (exec(), whose program may run for minutes).
  Value in_background(std::function<Value()> work, bool always = false, std::string label = {});
};

enum class ArgType : uint8_t { Any, Int, Float, Numeric, Str, Obj, Err, List, Map, Bool };

using BuiltinFn = Value (*)(BuiltinContext& ctx, std::span<Value> args);

struct BuiltinSpec {
  std::string name;
  int min_args = 0;
  int max_args = 0;            // -1: no limit
  std::vector<ArgType> types;  // per position; positions past the end are Any
  BuiltinFn fn = nullptr;
};

// The registry. Builtins are found by name at compile time and called by index.
class Builtins {
 public:
  static Builtins& instance();
  void add(BuiltinSpec spec);
  int find(std::string_view name) const;  // case-insensitive; -1 if unknown
  const BuiltinSpec& at(int index) const { return specs_[index]; }
  size_t size() const { return specs_.size(); }
  // Checks count and types; throws MooError(E_ARGS / E_TYPE).
  void check_args(int index, std::span<const Value> args) const;

 private:
  std::vector<BuiltinSpec> specs_;
};

// Each group of builtins registers itself through one of these, called once
// from register_all_builtins().
void register_value_builtins(Builtins& b);   // typeof, tostr, toliteral, equal, ...
void register_list_builtins(Builtins& b);    // length, listappend, setadd, sort, ...
void register_string_builtins(Builtins& b);  // strsub, index, match, substitute, crypt, ...
void register_math_builtins(Builtins& b);    // abs, min, max, random, sqrt, ...
void register_map_builtins(Builtins& b);     // mapkeys, mapvalues, mapdelete, maphaskey
void register_json_builtins(Builtins& b);    // parse_json, generate_json
void register_time_builtins(Builtins& b);    // time, ctime, ...
void register_task_builtins(Builtins& b);    // ticks_left, callers, pass, suspend, read ... (vm_task.cpp)
void register_all_builtins();                // idempotent

// Where file_open() and the other file builtins work (ToastStunt's files/
// directory; lang/builtins/fileio.cpp): "files" in the current directory
// unless set. It is made on first use.
void set_files_directory(std::string dir);
std::string files_directory();
// Where exec() finds its programs (ToastStunt's executables/;
// lang/builtins/exec.cpp): "executables" in the current directory unless set.
void set_executables_directory(std::string dir);
std::string executables_directory();
// Kills the program that task `task_id` is waiting for in exec(), if any
// (kill_task()).
void kill_exec(int64_t task_id);
void kill_all_exec();  // a server that stops
// Ends the curl() transfers task `task_id` waits for (kill_task()), or all
// of them (a server that stops); each answers E_INTRPT (lang/builtins/curl.cpp).
void abort_curl(int64_t task_id);
void abort_all_curl();

}  // namespace echo
