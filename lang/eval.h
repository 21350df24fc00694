// One-shot evaluation of MOO (or Echo, by EvalOptions::syntax) source: compile, run as a task, report. Used by
// the REPL, the conformance runner and the benchmarks.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lang/parse.h"
#include "lang/vm.h"

namespace echo {

struct EvalOptions {
  TaskLimits limits;
  VmHost* host = nullptr;
  // Variables to preset (the REPL keeps its variables from line to line).
  std::vector<std::pair<std::string, Value>> vars;
  // Accept a bare expression ("1 + 2") as `return 1 + 2;`, as MOO's eval does.
  bool expression_fallback = false;
  // Run the tasks that `fork` starts after the main task, each when its
  // delay has passed (there is no scheduler yet: they run one after another).
  // Once limits.interrupt is set, no more of them run or wait.
  bool run_forks = false;
  // Who runs the code: `player`, `this` and the permissions (#-1: nobody).
  int64_t player = -1;
  // Which syntax the source is in.
  Syntax syntax = Syntax::Moo;
  // Echo source as a REPL line (ReplScope in lang/parse.h): `vars` are in
  // scope by name, those in `constants` cannot be assigned, and the
  // top-level let/const/fn bindings come back in EvalOutcome::vars.
  bool keep_bindings = false;
  std::vector<std::string> constants;
};

struct EvalOutcome {
  // Interrupted: options.limits.interrupt was set while the main task ran;
  // what it did before that stays done, and its forks do not run.
  enum Kind { Returned, Raised, CompileFailed, AbortedTicks, AbortedSeconds, Interrupted } kind = Returned;
  Value value;                             // Returned
  RaisedError error;                       // Raised
  std::vector<CompileError> compile_errors;
  std::vector<std::string> abort_traceback;  // AbortedTicks / AbortedSeconds / Interrupted
  int64_t ticks = 0;
  std::vector<std::pair<std::string, Value>> vars;  // variables after the run
  // With keep_bindings, once the line compiled: EvalOptions::constants
  // without the names the line declared with let or fn, with its consts.
  std::vector<std::string> constants;
  std::vector<std::string> fork_reports;  // what forked tasks raised, if anything
  // Whether options.limits.interrupt stopped anything: the main task
  // (kind Interrupted), a forked task, or forks that were still to run.
  bool interrupted = false;

  std::string describe() const;  // what the REPL prints
};

EvalOutcome eval_moo(std::string_view source, const EvalOptions& options = {});

}  // namespace echo
