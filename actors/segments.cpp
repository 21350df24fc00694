// A task's segments: its slices (exclusive, holding the world token, or
// speculative beside others), the speculation's commit or rollback, and what
// the end of a segment means (suspend(), read(), an error, the task's end).
// See the top of runtime_impl.h for the concurrency model.
#include <caf/all.hpp>

#include <chrono>
#include <cstdio>

#include "actors/messages.h"
#include "actors/runtime_impl.h"
#include "lang/compiler.h"
#include "lang/map.h"

namespace echo::actors {

namespace {

// Ticks per slice: long enough that the per-slice message costs nothing
// (about a millisecond of integer loop), short enough that a long task's
// mailbox (kill_task) is served promptly.
constexpr int64_t kSliceTicks = 1'000'000;

}  // namespace

// ---- running -----------------------------------------------------------------

// Kept while the world is unchanged (outside a speculation, whose own
// changes the count does not tell apart): a loop of forks read ten server
// options for each, 7% of a 15,000-fork segment.
TaskLimits Runtime::limits(bool fg) {
  LimitsCache& c = limits_cache_[fg ? 1 : 0];
  bool cacheable = !world_->in_speculation();
  if (cacheable && c.valid && c.world == world_->instance() && c.mutations == world_->mutations()) return c.limits;
  TaskLimits l = read_limits(fg);
  if (cacheable) c = {true, world_->instance(), world_->mutations(), l};
  return l;
}

TaskLimits Runtime::read_limits(bool fg) {
  TaskLimits l;
  l.ticks = server_int_option(fg ? "fg_ticks" : "bg_ticks", fg ? 60000 : 30000);
  l.seconds = double(server_int_option(fg ? "fg_seconds" : "bg_seconds", fg ? 5 : 3));
  l.max_stack_depth = int(server_int_option("max_stack_depth", 50));
  if (l.ticks < 100) l.ticks = 100;
  if (l.seconds < 1) l.seconds = 1;
  if (l.max_stack_depth < 10) l.max_stack_depth = 10;
  // Read once per task (and per resumption), as LambdaMOO caches them in
  // load_server_options: no world lookup when a value grows.
  l.values = value_limits_from_options([this](const char* name) { return server_option(name); });
  return l;
}

Value Runtime::server_option(const char* name) { return server_option_of(0, name); }

// server.c's get_server_option: the listener's server_options if it has
// that property (inherited or not), else #0's.
Value Runtime::server_option_of(int64_t listener, const char* name) {
  int64_t holder = listener != 0 && world_->valid(listener) && world_->find_slot(listener, "server_options") ? listener : 0;
  if (!world_->valid(holder) || !world_->find_slot(holder, "server_options")) return Value::none();
  Value so = world_->slot_value(holder, "server_options");
  if (!so.is_obj() || !world_->valid(so.as_obj()) || !world_->find_slot(so.as_obj(), name))
    return Value::none();
  return world_->slot_value(so.as_obj(), name);
}

int64_t Runtime::server_int_option(const char* name, int64_t dflt) {
  Value v = server_option(name);
  return v.is_int() ? v.as_int() : dflt;
}

void Runtime::step_guarded(caf::event_based_actor* self, int64_t id, uint64_t lease) {
  DirectWrites writes;  // after step() has let go of mu
  auto t0 = std::chrono::steady_clock::now();
  std::string name = "task " + std::to_string(id);
  try {
    step(self, id, lease);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    bool alive;
    {
      std::shared_lock<WorldLock> lk(mu);  // shared: never wait for another task's slice
      alive = task(id) != nullptr;
    }
    if (!alive)
      forget(name);
    else
      record(name, "task", dt, id);
  } catch (const std::exception& ex) {
    forget(name);
    std::lock_guard<WorldLock> lk(mu);
    log("TASK " + std::to_string(id) + " failed in the server: " + ex.what());
    current_ = 0;
    if (TaskEntry* e = task(id)) {
      // Its player hears of it too (the details, which may be internal, go
      // only to the log). Running out of memory does not get here: the VM
      // makes that a quota abort.
      notify(e->player, "Task " + std::to_string(id) + " failed in the server and was stopped.");
      if (e->lease == lease) {  // this actor quits below: not back to the pool
        e->actor = caf::actor();
        e->lease = 0;
      }
      e->task.reset();
      e->on_end = nullptr;
      finish_task(*e);
    } else {
      release_token(id);
    }
    self->quit();
  }
}

namespace {
thread_local TaskEntry* t_speculating = nullptr;

// Session events that arrived during a slice are handled before mu is let go.
struct InboxDrain {
  Runtime* rt;
  ~InboxDrain() { rt->drain_inbox(); }
};
}  // namespace

TaskEntry* Runtime::speculating_here() { return t_speculating; }

// A first slice runs alone (mu exclusive, holding the token), so nothing has
// been committed since its WorldTx began: its changes can be published as
// they stand and the rest of the segment run in place, holding the token,
// instead of being rolled back and run again from its start.
bool Runtime::go_exclusive(TaskEntry& e) {
  if (!e.first_slice || t_speculating != &e || !e.tx) return false;
  World::leave_speculation();
  t_speculating = nullptr;
  publish_in_place(e);
  return true;
}

void Runtime::publish_in_place(TaskEntry& e) {
  world_->publish(*e.tx);
  e.went_exclusive = true;
  ++spec_exclusive_;
  for (auto& o : e.spec_output) notify(o.conn, o.text, o.newline);
  e.spec_output.clear();
  e.spec_output_bytes = 0;
}

Runtime::SpeculationStats Runtime::speculation_stats() {
  return SpeculationStats{spec_commits_.load(), spec_conflicts_.load(), spec_exclusive_.load(), spec_peak_.load()};
}

// Only the slices' own time counts for finished_tasks(): a long segment's
// slices run between others' (ToastStunt's time is its one uninterrupted
// run), and a segment rolled back and run again counts both runs.
TaskStatus Runtime::run_slice(TaskEntry& e) {
  if (!e.finished) return e.task->run(kSliceTicks);
  struct Timed {
    FinishedTask* r;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    ~Timed() { r->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
  } timed{e.finished.get()};
  return e.task->run(kSliceTicks);
}

void Runtime::step(caf::event_based_actor* self, int64_t id, uint64_t lease) {
  {
    std::shared_lock<WorldLock> sl(mu);
    TaskEntry* e = task(id);
    if (!e || e->lease != lease) return;  // stale: the task ended, or left this actor
    if (e->speculating && !e->commit_waiting) {
      speculative_slice(self, *e, sl);
      return;
    }
  }
  std::unique_lock<WorldLock> lk(mu);
  InboxDrain drain_at_exit{this};  // declared after lk: runs first
  drain_inbox();
  TaskEntry* e = task(id);
  if (!e || e->lease != lease) return;  // killed meanwhile
  if (token_ != id) return;  // a stale run_atom; the token comes with the next one
  if (e->commit_waiting) {
    end_speculation(self, *e);
    return;
  }
  e->state = TaskEntry::Running;
  e->resumed = false;
  current_ = id;
  ++slices_;
  // A segment's first slice runs holding the token, in a WorldTx: a short
  // segment (most commands) commits at once, a long one goes on beside the
  // others. A checkpoint job, and a segment rolled back once, run alone.
  bool speculative = speculation_ && !e->exclusive && !stopping_ && (e->task || e->job.kind != Job::Checkpoint);
  bool rebuildable = !e->task;  // built from its job here: a rollback without a checkpoint builds it again
  if (!e->task) {
    try {
      if (speculative) {  // the job's world reads (the command's parse) are the segment's
        e->tx = std::make_unique<WorldTx>();
        World::Speculation spec(*world_, *e->tx);
        build_job(*e);
      } else {
        build_job(*e);
      }
    } catch (const NeedsExclusive&) {  // built again, alone
      e->tx.reset();
      e->task.reset();
      e->on_end = nullptr;
      e->exclusive = true;
      current_ = 0;
      run_again(self, *e);
      return;
    } catch (const std::exception& ex) {
      log("TASK " + std::to_string(id) + ": " + ex.what());
      e->task.reset();
    }
    if (!e->task) {  // nothing to run (an intrinsic command, a vanished object...)
      if (e->tx) world_->publish(*e->tx);  // holding the token: nothing it read has changed
      e->tx.reset();
      current_ = 0;
      finish_task(*e);
      return;
    }
    e->checkpoint.reset();  // a rollback builds the job again
  } else if (speculative && e->task->ticks_left() >= kSliceTicks) {
    // A checkpoint costs a save() and, while it is kept, a copy of every
    // list or map the segment then changes (it shares them): a task that
    // grows a big map between suspend()s copied it each time. Only a
    // segment that may outlive its first slice needs one; a shorter one
    // ends holding the token, where nothing can conflict, and what cannot
    // be undone ends its speculation in place (go_exclusive).
    try {  // where a rollback returns to
      e->checkpoint = e->task->save();
      e->checkpoint_programs.clear();
      for (const Frame& f : e->task->frames()) e->checkpoint_programs.push_back(f.program);
      e->tx = std::make_unique<WorldTx>();
    } catch (const std::exception&) {  // no way back: it runs alone
      e->checkpoint.reset();
      e->exclusive = true;
    }
  } else if (speculative) {
    e->checkpoint.reset();
    e->tx = std::make_unique<WorldTx>();
  }
  if (!e->finished && finished_tasks_limit_.load(std::memory_order_relaxed) > 0) segment_begins(*e);
  if (e->tx) {
    TaskStatus st = TaskStatus::Yielded;
    bool needs_exclusive = false;
    e->tx->go_exclusive = [this, e] { return go_exclusive(*e); };
    {
      World::Speculation spec(*world_, *e->tx);
      struct Here {
        TaskEntry* e;
        ~Here() {
          t_speculating = nullptr;
          e->first_slice = false;
        }
      } here{e};
      t_speculating = e;
      e->first_slice = true;
      try {
        st = run_slice(*e);
      } catch (const NeedsExclusive&) {
        needs_exclusive = true;
      }
    }
    current_ = 0;
    bool no_way_back = !e->checkpoint && !rebuildable;
    if (needs_exclusive && no_way_back) {  // cannot happen: go_exclusive takes every first slice
      log("TASK " + std::to_string(id) + ": needed to run alone and cannot be rolled back; stopped");
      e->task.reset();
      e->on_end = nullptr;
      e->tx.reset();
      finish_task(*e);
      return;
    }
    // A segment that goes on and could not be rolled back goes on alone.
    if (!e->went_exclusive && st == TaskStatus::Yielded && no_way_back) publish_in_place(*e);
    if (e->went_exclusive) {
      e->went_exclusive = false;
      e->tx.reset();
      e->checkpoint.reset();
      e->checkpoint_programs.clear();
      ++commits_;  // speculations beside it revalidate
      after_slice(self, *e, st);
      return;
    }
    if (trace_)
      log("TRACE first slice task " + std::to_string(id) + " job " + std::to_string(int(e->job.kind)) +
          " status " + std::to_string(int(st)) + (needs_exclusive ? " needs-exclusive" : ""));
    if (needs_exclusive) {  // again from its start, alone (it holds the token)
      ++spec_exclusive_;
      rollback(*e);
      e->exclusive = true;
      run_again(self, *e);
      return;
    }
    if (st == TaskStatus::Yielded) {  // a long segment: on beside the others
      e->speculating = true;
      e->validated_at = commits_.load();
      release_token(id);
      run_again(self, *e);
      return;
    }
    end_speculation(self, *e);  // it held the token throughout: it commits
    return;
  }
  // An exclusive slice: the world changes in place, so running speculations
  // revalidate when it changed anything.
  uint64_t before = world_->mutations();
  TaskStatus st = run_slice(*e);
  if (world_->mutations() != before) ++commits_;
  current_ = 0;
  if (trace_)
    log("TRACE task " + std::to_string(id) + " job " + std::to_string(int(e->job.kind)) + " status " +
        std::to_string(int(st)) + (st == TaskStatus::Suspended && e->task->suspension()
                                       ? (e->task->suspension()->kind == BuiltinContext::Suspend::Read
                                              ? " read"
                                              : " sleep " + std::to_string(e->task->suspension()->seconds))
                                       : std::string()));
  after_slice(self, *e, st);
}

// What a slice's status means for the task (exclusive, holding the token).
void Runtime::after_slice(caf::event_based_actor* self, TaskEntry& e, TaskStatus st) {
  // What is left of this segment (a next stage, a read() that raised at
  // once ...) follows what is already published: it runs holding the token.
  e.exclusive = true;
  if (e.finished && st != TaskStatus::Yielded) segment_ends(e, st);
  if (st == TaskStatus::Suspended) e.has_suspended = true;
  if (e.killed) {  // kill_task() from inside the task itself
    finish_task(e);
    return;
  }
  switch (st) {
    case TaskStatus::Yielded:
      run_again(self, e);
      return;
    case TaskStatus::Suspended:
      suspended(self, e);
      return;
    default:
      break;
  }
  report_end(e, st);
  if (e.on_end) {
    auto next = std::move(e.on_end);
    e.on_end = nullptr;
    std::unique_ptr<Task> old = std::move(e.task);
    next(e, st, old.get());
    if (e.task) {  // a next stage: run it in this segment
      run_again(self, e);
      return;
    }
  }
  finish_task(e);
}

// ---- speculation -------------------------------------------------------------

// With mu held shared: a slice of a speculative segment (not its first).
void Runtime::speculative_slice(caf::event_based_actor* self, TaskEntry& e, std::shared_lock<WorldLock>& sl) {
  int64_t id = e.id;
  // Shutting down: nothing new runs (wait() closes the store once it has mu
  // exclusively, so no slice is running then either).
  if (stopping_) return;
  TaskStatus st = TaskStatus::Yielded;
  bool conflict = false, needs_exclusive = false;
  {
    int n = ++spec_running_;
    for (int peak = spec_peak_.load(); n > peak && !spec_peak_.compare_exchange_weak(peak, n);) {
    }
    struct Running {
      Runtime* rt;
      ~Running() {
        --rt->spec_running_;
        t_speculating = nullptr;
      }
    } running{this};
    World::Speculation spec(*world_, *e.tx);
    t_speculating = &e;
    // Commits since the last slice: what it read may be stale, and a slice
    // must never run on a view that mixes two states of the world.
    uint64_t now = commits_.load();
    if (e.validated_at != now) {
      conflict = !world_->validate(*e.tx);
      e.validated_at = now;
    }
    if (!conflict) {
      try {
        st = run_slice(e);
      } catch (const NeedsExclusive&) {
        needs_exclusive = true;
      }
    }
  }
  if (!conflict && !needs_exclusive && st == TaskStatus::Yielded) {
    run_again(self, e);
    return;
  }
  sl.unlock();
  std::unique_lock<WorldLock> lk(mu);
  InboxDrain drain_at_exit{this};
  drain_inbox();
  TaskEntry* e2 = task(id);
  if (!e2) return;  // killed meanwhile (its actor went back to the pool)
  if (trace_)
    log("TRACE spec task " + std::to_string(id) + " job " + std::to_string(int(e2->job.kind)) + " status " +
        std::to_string(int(st)) + (conflict ? " conflict" : "") + (needs_exclusive ? " needs-exclusive" : "") +
        " token " + std::to_string(token_));
  if (conflict || needs_exclusive) {
    ++(conflict ? spec_conflicts_ : spec_exclusive_);
    rollback(*e2);
    e2->exclusive = true;
    waiting_.push(id, e2->foreground);
    grant_next();
    return;
  }
  end_speculation(self, *e2);
}

// Exclusive: a speculative segment is over. It commits holding the token
// (waiting for it when an exclusive segment has it), if nothing it read has
// changed; else it reruns from its start, alone.
void Runtime::end_speculation(caf::event_based_actor* self, TaskEntry& e) {
  // Shutting down: one that would have to wait for the token is dropped, as
  // if it had not run (its saved state, if any, stays); one that holds it
  // (a short segment) commits, and wait() sees the token come back.
  if (stopping_ && token_ != e.id) {
    e.tx.reset();
    e.speculating = false;
    e.spec_output.clear();
    e.spec_output_bytes = 0;
    return;
  }
  if (token_ != 0 && token_ != e.id) {
    e.commit_waiting = true;
    waiting_.push(e.id, e.foreground);
    return;
  }
  token_ = e.id;
  e.commit_waiting = false;
  if (!world_->validate(*e.tx)) {
    ++spec_conflicts_;
    rollback(e);
    e.exclusive = true;
    run_again(self, e);  // it holds the token: it reruns at once
    return;
  }
  if (trace_)
    log("TRACE commit task " + std::to_string(e.id) + " outputs " + std::to_string(e.spec_output.size()) +
        " reads " + std::to_string(e.tx->reads.size()) + " writes " + std::to_string(e.tx->dirty.size()));
  world_->publish(*e.tx);
  e.tx.reset();
  e.speculating = false;
  ++commits_;
  ++spec_commits_;
  for (auto& o : e.spec_output) notify(o.conn, o.text, o.newline);
  e.spec_output.clear();
  e.spec_output_bytes = 0;
  after_slice(self, e, e.task->status());
}

// Back to the segment's start: its world changes and output are dropped.
void Runtime::rollback(TaskEntry& e) {
  e.tx.reset();
  e.spec_output.clear();
  e.spec_output_bytes = 0;
  e.speculating = e.commit_waiting = false;
  if (e.checkpoint) {
    auto programs = std::move(e.checkpoint_programs);
    auto compile = [&programs](const std::string& src) { return compile_saved_verb(src, programs); };
    e.task = Task::restore(*e.checkpoint, host_.get(), compile);
    e.task->set_id(e.id);
  } else {
    e.task.reset();
    e.on_end = nullptr;
  }
  e.checkpoint.reset();
  e.checkpoint_programs.clear();
  e.state = TaskEntry::Ready;
}

void Runtime::suspended(caf::event_based_actor* self, TaskEntry& e) {
  const auto& s = *e.task->suspension();
  if (s.kind == BuiltinContext::Suspend::Read) {
    // execute.c bf_read: read(conn) for a wizard or conn's owner; read()
    // (the task's player) only for a wizard, and only in the task that the
    // player's last line started.
    int64_t player = e.task->frames().front().player;
    int64_t cid = s.connection_given ? s.connection : player;
    Connection* c = conn_by_id(cid);
    int64_t progr = e.task->frames().back().progr;
    bool wiz = world_->is_wizard(progr);
    bool allowed = s.connection_given
                       ? wiz || (world_->valid(cid) && world_->get(cid)->owner == progr)
                       : wiz && c && c->last_input_task == e.id;
    if (!allowed) {
      e.task->resume_raise(E_PERM, "Permission denied", Value::integer(0));
      run_again(self, e);
      return;
    }
    if (!c || c->closed || c->reading_task != 0) {
      e.task->resume_raise(E_INVARG, "Invalid argument", Value::integer(0));
      run_again(self, e);
      return;
    }
    if (s.http) c->http = std::make_shared<HttpReader>(s.http == 1, limits(false).values.max_string);
    if (s.non_blocking && !s.http) {
      // tasks.c read_input_now: the first in-band line (dequeue_input_task
      // with DQ_INBAND leaves out-of-band ones queued), else 0.
      Value v = Value::integer(0);
      for (auto it = c->input.begin(); it != c->input.end(); ++it) {
        if (c->out_of_band(*it)) continue;
        std::string line = std::move(*it);
        c->input.erase(it);
        input_taken(*c, InputMeter::bytes_of(line));
        c->unquote(line);
        v = Value::str(line);
        break;
      }
      e.task->resume(v);
      run_again(self, e);
      return;
    }
    e.state = TaskEntry::Reading;
    e.reading_conn = cid;
    c->reading_task = e.id;
    dirty_tasks_.insert(e.id);
    end_segment(e);
    if (Connection* c2 = conn_by_id(cid); c2 && !c2->input.empty()) dispatch_input(*c2);
    return;
  }
  if (s.kind == BuiltinContext::Suspend::Background) {
    int handle = start_background(e, s.work);
    // queued_tasks() shows it so, as ToastStunt's background_enumerator: the
    // handle is the one threads() lists.
    e.waiting_on = s.label.empty() ? "waiting on thread " + std::to_string(handle) : s.label;
    if (!e.background) {  // no thread for it: the builtin raises E_QUOTA
      e.task->resume_raise(E_QUOTA, "Too many builtins running in the background", Value::integer(0));
      run_again(self, e);
      return;
    }
    e.state = TaskEntry::Sleeping;
    e.wake_at = -1;
    dirty_tasks_.insert(e.id);
    end_segment(e);
    return;
  }
  // tasks.c enqueue_suspended_task: suspending counts against the limit too.
  if (!under_task_limit(e.task->frames().back().progr)) {
    e.task->resume_raise(E_QUOTA, "Resource limit exceeded", Value::integer(0));
    run_again(self, e);
    return;
  }
  e.state = TaskEntry::Sleeping;
  e.wake_at = s.seconds < 0 ? -1 : unix_now() + s.seconds;
  dirty_tasks_.insert(e.id);
  if (s.seconds >= 0) deliver_to_object(timer_object(*e.task), e.id, s.seconds);
  end_segment(e);
}

// A segment ended with the task still alive (suspended or reading).
void Runtime::end_segment(TaskEntry& e) {
  if (e.web_reply) web_task_suspended(e);
  e.exclusive = false;  // its next segment may speculate again
  release_origin(e);
  object_segment_done(e);
  return_task_actor(e);
  commit();
  release_token(e.id);
}

void Runtime::finish_task(TaskEntry& e) {
  int64_t id = e.id;
  if (e.web_reply || e.web_later) web_task_gone(e);
  if (e.persisted) dirty_tasks_.insert(id);
  release_origin(e);
  object_segment_done(e);
  return_task_actor(e);
  tasks_.erase(id);
  commit();
  release_token(id);
}

// The connection whose line started the task may take its next line once
// the task's first segment is over (LambdaMOO runs the next command when the
// previous one finishes or suspends).
void Runtime::release_origin(TaskEntry& e) {
  if (!e.origin) return;
  ConnHandle h = e.origin;
  e.origin = 0;
  Connection* c = conn_by_handle(h);
  if (!c) return;
  if (!c->output_suffix.empty() && e.job.kind == Job::Command && e.printed_prefix)
    notify(c->id, c->output_suffix);
  c->busy = false;
  dispatch_input(*c);
  maybe_ending(*c);
}

void Runtime::report_end(TaskEntry& e, TaskStatus st) {
  Task& t = *e.task;
  if (st == TaskStatus::Done) return;
  // LambdaMOO's traceback (execute.c): the stopped frame with the message,
  // "... called from" each caller, then "(End of traceback)".
  std::vector<std::string> lines = st == TaskStatus::Error ? t.error().traceback : t.abort_traceback();
  if (st != TaskStatus::Error && !lines.empty())
    lines[0] += st == TaskStatus::AbortedTicks ? ":  Task ran out of ticks" : ":  Task ran out of seconds";
  lines.emplace_back(std::string_view("(End of traceback)"));
  {
    Value tb = Value::empty_list();
    for (auto& l : lines) list_append(tb, Value::str(l));
    Value code = st == TaskStatus::Error ? t.error().code : Value::str(st == TaskStatus::AbortedTicks ? "ticks" : "seconds");
    log_event("task_error", t.frames().empty() ? NOTHING : t.frames().front().this_obj, NOTHING, e.player,
              make_list({code, tb}));
  }
  // LambdaMOO prints the traceback to the task's player when
  // #0:handle_uncaught_error / handle_task_timeout does not take it (those
  // handlers run as their own tasks here, after this one).
  bool handled = false;
  const char* handler = st == TaskStatus::Error ? "handle_uncaught_error" : "handle_task_timeout";
  int64_t def = 0;
  // A handler's own errors are printed, not handled again (else a handler
  // that fails would call itself forever).
  bool in_handler = e.job.kind == Job::Notifier &&
                    (e.job.verb == "handle_uncaught_error" || e.job.verb == "handle_task_timeout");
  if (!in_handler && world_->valid(0) && world_->find_callable_verb(0, handler, &def)) {
    Value formatted = Value::empty_list();
    for (auto& l : lines) list_append(formatted, Value::str(l));
    Value args;
    if (st == TaskStatus::Error) {
      const RaisedError& err = t.error();
      args = make_list({err.code, Value::str(err.message), err.value, err.stack, formatted});
    } else {
      args = make_list({Value::str(st == TaskStatus::AbortedTicks ? "ticks" : "seconds"),
                        Value::empty_list(), formatted});
    }
    Job j;
    j.kind = Job::Notifier;
    j.target = 0;
    j.verb = handler;
    j.args = args;
    TaskEntry& h = new_entry(std::move(j), false, 0);
    h.player = e.player;
    h.traceback = lines;  // printed if the handler does not return true
    h.state = TaskEntry::Ready;
    enqueue(h.id);
    handled = true;
  }
  if (!handled)
    for (auto& l : lines) notify(e.player, l);
}

}  // namespace echo::actors
