// What native code calls back into (lang/jit/jit_runtime.cpp): one
// instruction on values native code does not handle itself (strings, lists,
// copies of heap values), with the interpreter's exact semantics. No LLVM.
#pragma once

#include <cstdint>

#include "lang/bytecode.h"

namespace echo::jit {

// The task's next memory measurement (Task::meter_at_), set by the
// interpreter before it enters native code: a helper never lets the
// thread's allocation count reach it, so the task is measured after the
// same instruction as in the interpreter (which then runs that one).
inline thread_local uint64_t tl_meter_at = 0;
// Calls of run_op and release_reg on this thread, for ProgramState::note_run.
inline thread_local uint64_t tl_runtime_calls = 0;

// Runs `in` of program p on the registers R as the interpreter would, or
// does nothing and returns 0 when the interpreter must run it (it would
// raise, pass a limit, or bring the task to a memory measurement).
// Otherwise returns 1, or for compare-and-branch 1 + the comparison.
uint32_t run_op(Value* R, const Program* p, const Instr* in);

// R[r] = INT 0, releasing the heap value it held (before native code
// writes a number there).
void release_reg(Value* R, uint32_t r);

// Whether run_op handles op (the code generator calls it on such ops).
bool has_helper(Op op);

}  // namespace echo::jit
