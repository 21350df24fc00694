// What the server builtins' files share (server_builtins.cpp,
// toast_task_builtins.cpp).
#pragma once

#include "actors/runtime_impl.h"
#include "lang/builtins/helpers.h"

namespace echo::actors {

// The runtime they work on; E_PERM without one (the REPL).
inline Runtime& rt_of() {
  Runtime* rt = current_runtime();
  if (!rt) bi::raise(E_PERM);
  return *rt;
}

inline bool is_wiz(BuiltinContext& ctx) { return rt_of().world().is_wizard(ctx.progr); }

// Builtins with effects outside the world, or that read other tasks or the
// store: a speculative segment cannot take them back, so it reruns alone
// (NeedsExclusive). The others only read the connections (stable while a
// speculation runs) or hold notify()'s output until the commit.
template <BuiltinFn F>
Value exclusive(BuiltinContext& ctx, std::span<Value> a) {
  if (!rt_of().exclusive_here()) throw NeedsExclusive{"a server builtin"};
  return F(ctx, a);
}

// queue_info, finished_tasks, threads, thread_pool, log_cache_stats
// (toast_task_builtins.cpp).
void register_toast_task_builtins(Builtins& b);

}  // namespace echo::actors
