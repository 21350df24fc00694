// The runtime: loading, the world token, task actors, commits and
// checkpoints. Command and login handling are in commands.cpp; the server
// builtins in server_builtins.cpp.
#include "actors/runtime_impl.h"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "actors/messages.h"
#include "lang/compiler.h"
#include "lang/map.h"

namespace echo::actors {

namespace {

Runtime* g_runtime = nullptr;

// Ticks per slice: long enough that the per-slice message costs nothing
// (about a millisecond of integer loop), short enough that a long task's
// mailbox (kill_task) is served promptly.
constexpr int64_t kSliceTicks = 1'000'000;

using tick_atom = caf::atom_constant<caf::atom("tick")>;

// Checkpoints on LambdaMOO's dump_interval ($server_options, at least 60 s,
// else an hour) unless the command line set one.
caf::behavior checkpoint_timer(caf::event_based_actor* self, Runtime* rt) {
  auto arm = [=] {
    double s;
    {
      std::lock_guard<WorldLock> lk(rt->mu);
      s = rt->checkpoint_interval();
    }
    self->delayed_send(self, std::chrono::milliseconds(int64_t(s * 1000)), tick_atom::value);
  };
  arm();
  return {
      [=](tick_atom) {
        auto t0 = std::chrono::steady_clock::now();
        {
          std::lock_guard<WorldLock> lk(rt->mu);
          rt->request_checkpoint();
        }
        arm();
        rt->record("checkpoint timer", "timer", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      },
  };
}

}  // namespace

// An object's actor: what is sent to the object arrives as deliver
// messages, each a task to start or wake in mailbox order: an event's
// handler, a command typed by the player the object is (or, before login,
// by a connection its listener handles), a timer (suspend() or a delayed
// fork whose `this` it is). It stops after a while without messages; the
// next one spawns a new actor.
caf::behavior object_actor(caf::event_based_actor* self, Runtime* rt, int64_t obj) {
  std::string name = "object #" + std::to_string(obj);
  return {
      [=](deliver_atom, int64_t task_id) {
        auto t0 = std::chrono::steady_clock::now();
        {
          std::lock_guard<WorldLock> lk(rt->mu);
          auto it = rt->objects_.find(obj);
          if (it != rt->objects_.end()) --it->second.pending;
          rt->delivered(task_id, obj);
        }
        rt->record(name, "object", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), obj);
      },
      caf::after(std::chrono::seconds(30)) >>
          [=] {
            bool quit = false;
            {
              std::lock_guard<WorldLock> lk(rt->mu);
              auto it = rt->objects_.find(obj);
              if (it != rt->objects_.end() && it->second.pending == 0 &&
                  it->second.actor == caf::actor_cast<caf::actor>(self)) {
                rt->objects_.erase(it);
                quit = true;
              }
            }
            if (quit) {
              rt->forget(name);
              self->quit();
            }
          },
  };
}

void Runtime::deliver_to_object(int64_t obj, int64_t task_id, double delay) {
  ObjectActor& oa = objects_[obj];
  if (!oa.actor) oa.actor = sys_->spawn(object_actor, this, obj);
  ++oa.pending;
  if (delay > 0)
    caf::delayed_anon_send(oa.actor, std::chrono::microseconds(int64_t(delay * 1e6)), deliver_atom::value, task_id);
  else
    caf::anon_send(oa.actor, deliver_atom::value, task_id);
}

void Runtime::delivered(int64_t id, int64_t obj) {
  TaskEntry* e = task(id);
  if (!e) return;  // killed meanwhile
  if (obj >= 0) {
    auto busy = object_running_.find(obj);
    if (busy != object_running_.end() && busy->second != id) {
      object_waiting_[obj].push_back(id);
      return;
    }
  }
  bool started = false;
  if (e->state == TaskEntry::Sleeping) {
    wake(*e);
    started = e->state != TaskEntry::Sleeping;
  } else if (e->awaiting_delivery) {
    e->awaiting_delivery = false;
    started = true;
    enqueue(id);
  }
  if (started && obj >= 0 && task(id)) {
    object_running_[obj] = id;
    e->via_object = obj;
  }
}

void Runtime::object_segment_done(TaskEntry& e) {
  int64_t obj = e.via_object;
  if (obj < 0) return;
  e.via_object = -1;
  auto busy = object_running_.find(obj);
  if (busy == object_running_.end() || busy->second != e.id) return;
  object_running_.erase(busy);
  auto w = object_waiting_.find(obj);
  while (w != object_waiting_.end() && !w->second.empty() && !object_running_.count(obj)) {
    int64_t next = w->second.front();
    w->second.pop_front();
    delivered(next, obj);
    w = object_waiting_.find(obj);
  }
  if (w != object_waiting_.end() && w->second.empty()) object_waiting_.erase(w);
}

namespace {

caf::behavior task_actor(caf::event_based_actor* self, Runtime* rt, int64_t id) {
  // An exception must not end the actor silently while it holds the world
  // token: the runtime drops the task and moves on (step_guarded).
  return {
      [=](run_atom) { rt->step_guarded(self, id); },
  };
}

}  // namespace

Runtime* current_runtime() { return g_runtime; }

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}


Runtime::Runtime(ServerOptions options) : opt_(std::move(options)) {
  trace_ = std::getenv("ECHO_TRACE_TASKS") != nullptr;
  if (const char* v = std::getenv("ECHO_SPECULATION")) speculation_ = std::string(v) != "0";
  rng_.seed(std::random_device{}());
}

Runtime::~Runtime() {
  if (syncer_.joinable()) {
    {
      std::lock_guard<WorldLock> lk(mu);
      syncer_stop_ = true;
    }
    sync_cv_.notify_one();
    syncer_.join();
  }
  if (sys_) {
    caf::anon_send_exit(timer_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(monitor_, caf::exit_reason::user_shutdown);
    // The middleman waits for its brokers: stop the listeners (sessions were
    // closed by wait()).
    for (auto& l : listeners_) caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
    for (auto& [id, e] : tasks_) caf::anon_send_exit(e->actor, caf::exit_reason::user_shutdown);
    for (auto& [id, o] : objects_) caf::anon_send_exit(o.actor, caf::exit_reason::user_shutdown);
    // Listeners and sessions belong to net/; do not wait for them.
    sys_->await_actors_before_shutdown(false);
    sys_.reset();
  }
  if (g_runtime == this) g_runtime = nullptr;
}

void Runtime::log(const std::string& line) {
  if (opt_.log) {
    opt_.log(line);
    return;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

std::string Runtime::store_dir() const { return store_ ? store_->dir() : std::string(); }

void Runtime::start() {
  if (g_runtime) throw std::runtime_error("a server is already running in this process");
  auto t0 = std::chrono::steady_clock::now();
  store_ = storage::Store::open(opt_.store, storage::StoreOptions{false, true});
  world_ = load_world(*store_, &extras_);
  host_ = std::make_unique<ServerHost>(*world_, *this);
  register_server_builtins();
  g_runtime = this;
  started_at_ = unix_now();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  log("LOADED: " + store_->dir() + " (max_object #" + std::to_string(world_->max_object()) +
      ", objects read on first use) in " +
      std::to_string(int(ms)) + " ms");

  cfg_ = std::make_unique<caf::actor_system_config>();
  cfg_->load<caf::io::middleman>();
  if (opt_.worker_threads) cfg_->set("scheduler.max-threads", opt_.worker_threads);
  sys_ = std::make_unique<caf::actor_system>(*cfg_);

  std::lock_guard<WorldLock> lk(mu);
  restore_tasks();
  // LambdaMOO's main_loop: #0:server_started before any input.
  run_notifier(-1, 0, "server_started", Value::empty_list());
  timer_ = sys_->spawn(checkpoint_timer, this);
  syncer_ = std::thread([this] { syncer_loop(); });
  start_monitor();
}

double Runtime::checkpoint_interval() {
  if (opt_.checkpoint_seconds > 0) return opt_.checkpoint_seconds;
  int64_t v = server_int_option("dump_interval", 3600);
  return double(v < 60 ? 3600 : v);
}

void Runtime::request_checkpoint() {
  run_notifier(-1, 0, "checkpoint_started", Value::empty_list());
  Job j;
  j.kind = Job::Checkpoint;
  TaskEntry& e = new_entry(std::move(j), false, 0);
  e.state = TaskEntry::Ready;
  enqueue(e.id);
}

caf::actor_system& Runtime::system() { return *sys_; }

// ---- the world token -------------------------------------------------------

// A Ready task queues for the token: its segment's first slice runs holding it.
void Runtime::enqueue(int64_t id) {
  waiting_.push_back(id);
  if (token_ == 0) grant_next();
}

void Runtime::grant_next() {
  while (token_ == 0 && !waiting_.empty() && !stopping_) {
    int64_t id = waiting_.front();
    waiting_.pop_front();
    TaskEntry* e = task(id);
    if (!e || e->killed) continue;
    token_ = id;
    caf::anon_send(e->actor, run_atom::value);
  }
}

void Runtime::release_token(int64_t id) {
  if (token_ == id) token_ = 0;
  grant_next();
}

TaskEntry* Runtime::task(int64_t id) {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : it->second.get();
}

int64_t Runtime::new_task_id() {
  // LambdaMOO's ids are random positive ints; never 0, never reused while live.
  std::uniform_int_distribution<int64_t> d(1, 2147483647);
  for (;;) {
    int64_t id = d(rng_);
    if (!tasks_.count(id)) return id;
  }
}

TaskEntry& Runtime::new_entry(Job job, bool foreground, ConnHandle origin) {
  auto e = std::make_unique<TaskEntry>();
  e->id = new_task_id();
  e->job = std::move(job);
  e->foreground = foreground;
  e->origin = origin;
  e->started_at = unix_now();
  TaskEntry& ref = *e;
  tasks_[ref.id] = std::move(e);
  ref.actor = sys_->spawn(task_actor, this, ref.id);
  return ref;
}

void Runtime::wake(TaskEntry& e) {
  if (e.state != TaskEntry::Sleeping || !e.task) return;
  // A wake for an earlier suspend() that resume() already ended is stale.
  if (e.wake_at < 0 || e.wake_at > unix_now() + 0.001) return;
  // suspend() returns 0 when its time is up (resume() gives another value).
  if (e.task->status() == TaskStatus::Suspended) {  // not a fork that has yet to start
    e.task->resume(Value::integer(0));
    e.task->set_limits(limits(false));
    e.resumed = true;  // resume() may still give it another value before it runs
  }
  e.state = TaskEntry::Ready;
  enqueue(e.id);
}

// The object whose actor a task's timer goes to: the `this` of its running
// verb (a delayed fork's, or a suspended task's top frame).
static int64_t timer_object(const Task& t) {
  return t.frames().empty() ? -1 : t.frames().back().this_obj;
}

void Runtime::resume_task(int64_t id, Value v) {
  TaskEntry* e = task(id);
  if (!e || e->state != TaskEntry::Sleeping || e->task->status() != TaskStatus::Suspended) return;
  e->task->resume(std::move(v));
  e->task->set_limits(limits(false));
  e->state = TaskEntry::Ready;
  e->wake_at = 0;
  e->resumed = true;
  dirty_tasks_.insert(id);
  enqueue(id);
}

void Runtime::kill_task(int64_t id) {
  TaskEntry* e = task(id);
  if (!e) return;
  e->killed = true;
  for (auto& [h, c] : conns_)
    if (c.reading_task == id) c.reading_task = 0;
  if (e->persisted) dirty_tasks_.insert(id);
  caf::anon_send_exit(e->actor, caf::exit_reason::user_shutdown);
  std::erase(waiting_, id);
  if (id != current_) {  // the running one is dropped at the end of its slice
    release_origin(*e);  // a command that never ran must not hold its connection
    object_segment_done(*e);
    tasks_.erase(id);
  }
}

// LambdaMOO's check_user_task_limit: the programmer's queued_task_limit
// property, else $server_options.queued_task_limit; < 0: no limit. What
// counts is the programmer's background tasks (tqueue.num_bg_tasks): forks
// and suspended tasks, waiting or resumed, by the top frame's programmer.
bool Runtime::under_task_limit(int64_t progr) {
  int64_t limit = -1;
  if (world_->valid(progr) && world_->find_slot(progr, "queued_task_limit")) {
    Value v = world_->slot_value(progr, "queued_task_limit");
    if (v.is_int()) limit = v.as_int();
  }
  if (limit < 0) limit = server_int_option("queued_task_limit", -1);
  if (limit < 0) return true;
  int64_t n = 0;
  for (auto& [id, e] : tasks_)
    if (e->task && !e->killed && id != current_ && !e->task->frames().empty() &&
        (e->state == TaskEntry::Sleeping || (e->state == TaskEntry::Ready && e->persisted)) &&
        e->task->frames().back().progr == progr)
      ++n;
  return n < limit;
}

int64_t Runtime::fork_task(VmHost::ForkRequest req) {
  if (!under_task_limit(req.progr)) throw MooError(E_QUOTA);
  double delay = req.delay;
  TaskEntry& e = new_entry(Job{}, false, 0);
  if (req.id_register >= 0 && size_t(req.id_register) < req.registers.size())
    req.registers[size_t(req.id_register)] = Value::integer(e.id);
  auto t = std::make_unique<Task>(req, host_.get(), limits(false));
  t->set_id(e.id);
  e.player = req.player;
  e.task = std::move(t);
  e.state = TaskEntry::Sleeping;
  e.wake_at = unix_now() + delay;
  dirty_tasks_.insert(e.id);
  if (req.deliver_to >= 0 && delay == 0)
    deliver_to_object(req.deliver_to, e.id);
  else
    deliver_to_object(timer_object(*e.task), e.id, delay);
  return e.id;
}

// ---- running -----------------------------------------------------------------

TaskLimits Runtime::limits(bool fg) {
  TaskLimits l;
  l.ticks = server_int_option(fg ? "fg_ticks" : "bg_ticks", fg ? 60000 : 30000);
  l.seconds = double(server_int_option(fg ? "fg_seconds" : "bg_seconds", fg ? 5 : 3));
  l.max_stack_depth = int(server_int_option("max_stack_depth", 50));
  if (l.ticks < 100) l.ticks = 100;
  if (l.seconds < 1) l.seconds = 1;
  if (l.max_stack_depth < 10) l.max_stack_depth = 10;
  return l;
}

Value Runtime::server_option(const char* name) {
  if (!world_->valid(0) || !world_->find_slot(0, "server_options")) return Value::none();
  Value so = world_->slot_value(0, "server_options");
  if (!so.is_obj() || !world_->valid(so.as_obj()) || !world_->find_slot(so.as_obj(), name))
    return Value::none();
  return world_->slot_value(so.as_obj(), name);
}

int64_t Runtime::server_int_option(const char* name, int64_t dflt) {
  Value v = server_option(name);
  return v.is_int() ? v.as_int() : dflt;
}

void Runtime::step_guarded(caf::event_based_actor* self, int64_t id) {
  auto t0 = std::chrono::steady_clock::now();
  std::string name = "task " + std::to_string(id);
  try {
    step(self, id);
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

// Lines that arrived during a slice are handled before mu is let go.
struct InboxDrain {
  Runtime* rt;
  std::atomic<bool>* flag;
  bool armed = true;  // off once mu is let go early
  ~InboxDrain() {
    if (!armed) return;
    flag->store(false);
    rt->drain_inbox();
  }
};
}  // namespace

TaskEntry* Runtime::speculating_here() { return t_speculating; }

Runtime::SpeculationStats Runtime::speculation_stats() {
  return SpeculationStats{spec_commits_.load(), spec_conflicts_.load(), spec_exclusive_.load(), spec_peak_.load()};
}

void Runtime::step(caf::event_based_actor* self, int64_t id) {
  {
    std::shared_lock<WorldLock> sl(mu);
    TaskEntry* e = task(id);
    if (e && e->speculating && !e->commit_waiting) {
      speculative_slice(self, *e, sl);
      return;
    }
  }
  std::unique_lock<WorldLock> lk(mu);
  InboxDrain drain_at_exit{this, &slice_running_};  // declared after lk: runs first
  drain_inbox();
  TaskEntry* e = task(id);
  if (!e) {
    self->quit();
    return;
  }
  if (token_ != id) return;  // a stale run_atom; the token comes with the next one
  if (e->commit_waiting) {
    end_speculation(self, *e);
    return;
  }
  e->state = TaskEntry::Running;
  e->resumed = false;
  current_ = id;
  // A segment's first slice runs holding the token, in a WorldTx: a short
  // segment (most commands) commits at once, a long one goes on beside the
  // others. A checkpoint job, and a segment rolled back once, run alone.
  bool speculative = speculation_ && !e->exclusive && !stopping_ && (e->task || e->job.kind != Job::Checkpoint);
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
      self->send(self, run_atom::value);
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
  } else if (speculative) {
    try {  // where a rollback returns to
      e->checkpoint = e->task->save();
      e->checkpoint_programs.clear();
      for (const Frame& f : e->task->frames()) e->checkpoint_programs.push_back(f.program);
      e->tx = std::make_unique<WorldTx>();
    } catch (const std::exception&) {  // no way back: it runs alone
      e->checkpoint.reset();
      e->exclusive = true;
    }
  }
  if (e->tx) {
    TaskStatus st = TaskStatus::Yielded;
    bool needs_exclusive = false;
    {
      World::Speculation spec(*world_, *e->tx);
      struct Here {
        ~Here() { t_speculating = nullptr; }
      } here;
      t_speculating = e;
      slice_running_.store(true);
      try {
        st = e->task->run(kSliceTicks);
      } catch (const NeedsExclusive&) {
        needs_exclusive = true;
      }
      slice_running_.store(false);
    }
    current_ = 0;
    if (trace_)
      log("TRACE first slice task " + std::to_string(id) + " job " + std::to_string(int(e->job.kind)) +
          " status " + std::to_string(int(st)) + (needs_exclusive ? " needs-exclusive" : ""));
    if (needs_exclusive) {  // again from its start, alone (it holds the token)
      ++spec_exclusive_;
      rollback(*e);
      e->exclusive = true;
      self->send(self, run_atom::value);
      return;
    }
    if (st == TaskStatus::Yielded) {  // a long segment: on beside the others
      e->speculating = true;
      e->validated_at = commits_.load();
      release_token(id);
      self->send(self, run_atom::value);
      return;
    }
    end_speculation(self, *e);  // it held the token throughout: it commits
    return;
  }
  // An exclusive slice: the world changes in place, so running speculations
  // revalidate when it changed anything.
  uint64_t before = world_->mutations();
  slice_running_.store(true);
  TaskStatus st = e->task->run(kSliceTicks);
  slice_running_.store(false);
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
  if (e.killed) {  // kill_task() from inside the task itself
    finish_task(e);
    return;
  }
  switch (st) {
    case TaskStatus::Yielded:
      self->send(self, run_atom::value);
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
      self->send(self, run_atom::value);
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
        st = e.task->run(kSliceTicks);
      } catch (const NeedsExclusive&) {
        needs_exclusive = true;
      }
    }
  }
  if (!conflict && !needs_exclusive && st == TaskStatus::Yielded) {
    self->send(self, run_atom::value);
    return;
  }
  sl.unlock();
  std::unique_lock<WorldLock> lk(mu);
  InboxDrain drain_at_exit{this, &slice_running_};
  drain_inbox();
  TaskEntry* e2 = task(id);
  if (!e2) {  // killed meanwhile
    self->quit();
    return;
  }
  if (trace_)
    log("TRACE spec task " + std::to_string(id) + " job " + std::to_string(int(e2->job.kind)) + " status " +
        std::to_string(int(st)) + (conflict ? " conflict" : "") + (needs_exclusive ? " needs-exclusive" : "") +
        " token " + std::to_string(token_));
  if (conflict || needs_exclusive) {
    ++(conflict ? spec_conflicts_ : spec_exclusive_);
    rollback(*e2);
    e2->exclusive = true;
    waiting_.push_back(id);
    grant_next();
    return;
  }
  end_speculation(self, *e2);
}

// Exclusive: a speculative segment is over. It commits holding the token
// (waiting for it when an exclusive segment has it), if nothing it read has
// changed; else it reruns from its start, alone.
void Runtime::end_speculation(caf::event_based_actor* self, TaskEntry& e) {
  if (stopping_) {  // as if it had not run: its saved state (if any) stays
    e.tx.reset();
    e.speculating = false;
    e.spec_output.clear();
    return;
  }
  if (token_ != 0 && token_ != e.id) {
    e.commit_waiting = true;
    waiting_.push_back(e.id);
    return;
  }
  token_ = e.id;
  e.commit_waiting = false;
  if (!world_->validate(*e.tx)) {
    ++spec_conflicts_;
    rollback(e);
    e.exclusive = true;
    self->send(self, run_atom::value);  // it holds the token: it reruns at once
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
  after_slice(self, e, e.task->status());
}

// Back to the segment's start: its world changes and output are dropped.
void Runtime::rollback(TaskEntry& e) {
  e.tx.reset();
  e.spec_output.clear();
  e.speculating = e.commit_waiting = false;
  if (e.checkpoint) {
    auto programs = std::move(e.checkpoint_programs);
    auto compile = [&programs](const std::string& src) -> std::shared_ptr<const Program> {
      for (auto& p : programs)
        if (p && p->source == src && p->syntax == "moo") return p;
      CompileResult r = compile_moo(src);
      if (!r.ok()) throw std::runtime_error("a task's verb no longer compiles");
      return r.program;
    };
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
      self->send(self, run_atom::value);
      return;
    }
    if (!c || c->closed || c->reading_task != 0) {
      e.task->resume_raise(E_INVARG, "Invalid argument", Value::integer(0));
      self->send(self, run_atom::value);
      return;
    }
    if (s.non_blocking) {
      // tasks.c read_input_now: the first in-band line (dequeue_input_task
      // with DQ_INBAND leaves out-of-band ones queued), else 0.
      Value v = Value::integer(0);
      for (auto it = c->input.begin(); it != c->input.end(); ++it) {
        if (c->out_of_band(*it)) continue;
        std::string line = std::move(*it);
        c->input.erase(it);
        c->unquote(line);
        v = Value::str(line);
        break;
      }
      e.task->resume(v);
      self->send(self, run_atom::value);
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
  // tasks.c enqueue_suspended_task: suspending counts against the limit too.
  if (!under_task_limit(e.task->frames().back().progr)) {
    e.task->resume_raise(E_QUOTA, "Resource limit exceeded", Value::integer(0));
    self->send(self, run_atom::value);
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
  e.exclusive = false;  // its next segment may speculate again
  release_origin(e);
  object_segment_done(e);
  commit();
  release_token(e.id);
}

void Runtime::finish_task(TaskEntry& e) {
  int64_t id = e.id;
  if (e.persisted) dirty_tasks_.insert(id);
  release_origin(e);
  object_segment_done(e);
  caf::actor a = e.actor;
  tasks_.erase(id);
  commit();
  caf::anon_send_exit(a, caf::exit_reason::normal);
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
}

void Runtime::report_end(TaskEntry& e, TaskStatus st) {
  Task& t = *e.task;
  if (st == TaskStatus::Done) return;
  // LambdaMOO's traceback (execute.c): the stopped frame with the message,
  // "... called from" each caller, then "(End of traceback)".
  std::vector<std::string> lines = st == TaskStatus::Error ? t.error().traceback : t.abort_traceback();
  if (st != TaskStatus::Error && !lines.empty())
    lines[0] += st == TaskStatus::AbortedTicks ? ":  Task ran out of ticks" : ":  Task ran out of seconds";
  lines.push_back("(End of traceback)");
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

// ---- commits -----------------------------------------------------------------

Value Runtime::task_record(const TaskEntry& e) const {
  Value m = Value::empty_map();
  auto set = [&](const char* k, Value v) { m.map_mut()->set(Value::str(k), std::move(v)); };
  set("state", Value::str(e.state == TaskEntry::Reading ? "read" : "sleep"));
  set("wake", Value::flt(e.wake_at));
  set("player", Value::obj(e.player));
  set("conn", Value::obj(e.reading_conn));
  set("started", Value::flt(e.started_at));
  set("task", e.task->save());
  return m;
}

void Runtime::commit() {
  storage::Batch b;
  std::set<int64_t> dirty = world_->take_dirty();
  bool meta = world_->take_meta_dirty();
  if (!dirty.empty() || meta) add_changes(*world_, extras_, dirty, meta, b);
  for (int64_t id : dirty_tasks_) {
    TaskEntry* e = task(id);
    bool keep = e && !e->killed && e->task &&
                (e->state == TaskEntry::Sleeping || e->state == TaskEntry::Reading ||
                 (e->state == TaskEntry::Ready && e->persisted));
    if (keep) {
      try {
        b.put_task_value(uint64_t(id), task_record(*e));
        e->persisted = true;
      } catch (const std::exception& ex) {
        log("TASK " + std::to_string(id) + " not saved: " + ex.what());
      }
    } else {
      b.delete_task(uint64_t(id));
    }
  }
  dirty_tasks_.clear();
  if (!b.empty()) {
    try {
      // Group commit: written now, made durable by the syncer thread, which
      // releases the output that depends on it (see send_output).
      store_->commit(b, false);
      ++written_seq_;
      sync_cv_.notify_one();
    } catch (const std::exception& ex) {
      // Nothing can be promised to the players if the store is gone.
      log(std::string("COMMIT FAILED: ") + ex.what());
      request_shutdown(std::string("the store failed: ") + ex.what());
    }
  }
  // Only the connections this segment wrote to or booted (not all of them).
  std::vector<ConnHandle> touched = std::move(touched_);
  touched_.clear();
  for (ConnHandle h : touched) {
    auto it = conns_.find(h);
    if (it == conns_.end()) continue;
    Connection& c = it->second;
    if (!c.pending.empty() && c.session) {
      send_output(c.session, std::move(c.pending), false);
      c.pending.clear();
    }
    if (c.disconnect_me && !c.closed) close_connection(c, "*** Disconnected ***");
  }
  // Closed connections, and unconnected queues whose input has all run, go
  // (only those that closed or lost their client are looked at: a commit
  // must not cost a walk over every connection).
  std::erase_if(ending_, [this](ConnHandle h) {
    auto it = conns_.find(h);
    if (it == conns_.end()) return true;
    const Connection& c = it->second;
    if ((c.closed || (c.detached && c.input.empty())) && !c.busy && c.reading_task == 0) {
      conns_.erase(it);
      return true;
    }
    return false;
  });
}

// Output reaches a session only once everything it may depend on is durable:
// each piece waits for the WAL sync that covers the last write before it.
void Runtime::send_output(const caf::actor& session, std::string text, bool close) {
  if (held_.empty() && written_seq_ <= synced_seq_) {
    if (!text.empty()) caf::anon_send(session, output_atom::value, std::move(text));
    if (close) caf::anon_send(session, close_atom::value);
    return;
  }
  held_.push_back(Held{written_seq_, session, std::move(text), close});
}

void Runtime::release_held() {
  while (!held_.empty() && held_.front().seq <= synced_seq_) {
    Held& h = held_.front();
    if (!h.text.empty()) caf::anon_send(h.session, output_atom::value, std::move(h.text));
    if (h.close) caf::anon_send(h.session, close_atom::value);
    held_.pop_front();
  }
}

void Runtime::syncer_loop() {
  std::unique_lock<WorldLock> lk(mu);
  for (;;) {
    sync_cv_.wait(lk, [&] { return written_seq_ > synced_seq_ || syncer_stop_; });
    if (written_seq_ == synced_seq_ && syncer_stop_) return;
    uint64_t target = written_seq_;
    lk.unlock();
    try {
      store_->sync_wal();
    } catch (const std::exception& ex) {
      log(std::string("WAL SYNC FAILED: ") + ex.what());
      request_shutdown(std::string("the store failed: ") + ex.what());
    }
    lk.lock();
    synced_seq_ = target;
    release_held();
  }
}

// ---- saved tasks -------------------------------------------------------------

void Runtime::restore_tasks() {
  auto compile = [](const std::string& src) -> std::shared_ptr<const Program> {
    CompileResult r = compile_moo(src);
    if (!r.ok()) throw std::runtime_error("a saved task's verb no longer compiles");
    return r.program;
  };
  size_t n = 0, bad = 0;
  for (uint64_t key : store_->task_ids()) {
    try {
      auto rec = store_->get_task_value(key);
      if (!rec || !rec->is_map()) throw std::runtime_error("not a task record");
      auto get = [&](const char* k) {
        long i = rec->map_obj()->find(Value::str(k));
        if (i < 0) throw std::runtime_error(std::string("no ") + k);
        return rec->map_obj()->entries[size_t(i)].second;
      };
      auto t = Task::restore(get("task"), host_.get(), compile);
      auto e = std::make_unique<TaskEntry>();
      e->id = int64_t(key);
      e->player = get("player").as_obj();
      e->started_at = get("started").as_float();
      e->persisted = true;
      e->foreground = false;
      t->set_id(e->id);
      t->set_limits(limits(false));
      std::string state = std::string(get("state").as_str());
      TaskEntry& ref = *e;
      ref.task = std::move(t);
      tasks_[ref.id] = std::move(e);
      ref.actor = sys_->spawn(task_actor, this, ref.id);
      if (state == "read") {
        // Its connection did not survive the restart.
        ref.task->resume_raise(E_INVARG, "Invalid argument", Value::integer(0));
        ref.state = TaskEntry::Ready;
        enqueue(ref.id);
      } else {
        ref.wake_at = get("wake").as_float();
        ref.state = TaskEntry::Sleeping;
        if (ref.wake_at >= 0)
          deliver_to_object(timer_object(*ref.task), ref.id, std::max(0.0, ref.wake_at - unix_now()));
      }
      ++n;
    } catch (const std::exception& ex) {
      ++bad;
      log("TASK " + std::to_string(key) + " could not be restored: " + ex.what());
    }
  }
  if (n || bad) log("RESTORED: " + std::to_string(n) + " task(s)" + (bad ? ", " + std::to_string(bad) + " unreadable" : ""));
}

void Runtime::checkpoint(bool final) {
  try {
    std::string path = store_->snapshot();
    size_t pruned = store_->prune_snapshots(opt_.keep_snapshots);
    log(std::string(final ? "FINAL " : "") + "CHECKPOINT: " + path +
        (pruned ? " (" + std::to_string(pruned) + " old snapshot(s) pruned)" : ""));
  } catch (const std::exception& ex) {
    log(std::string("CHECKPOINT FAILED: ") + ex.what());
  }
}

// ---- shutdown ------------------------------------------------------------------

void Runtime::request_shutdown(const std::string& why) {
  std::lock_guard<std::mutex> lk(stop_mu_);
  if (stop_reason_.empty()) stop_reason_ = why;
  stop_flag_ = true;
  stop_cv_.notify_all();
}

void Runtime::shutdown_from_moo(const std::string& message) { request_shutdown(message); }

void Runtime::wait() {
  {
    std::unique_lock<std::mutex> lk(stop_mu_);
    while (!stop_flag_ && !signal_flag_) stop_cv_.wait_for(lk, std::chrono::milliseconds(100));
    if (stop_reason_.empty()) stop_reason_ = "shutdown signal received";
  }
  // Grant the token to no one new, and let the running segment end (it is
  // bounded by its seconds limit): its changes are then whole.
  {
    std::lock_guard<WorldLock> lk(mu);
    stopping_ = true;
  }
  for (int i = 0; i < 400; ++i) {
    {
      std::lock_guard<WorldLock> lk(mu);
      if (token_ == 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  {
    std::lock_guard<WorldLock> lk(mu);
    stopping_ = true;
    log("SHUTDOWN: " + stop_reason_);
    for (auto& [h, c] : conns_) {
      if (c.closed) continue;
      c.pending += "*** Shutting down: " + stop_reason_ + " ***\r\n";
      close_connection(c, nullptr);
    }
    commit();
    syncer_stop_ = true;
    sync_cv_.notify_one();
  }
  if (syncer_.joinable()) syncer_.join();  // the last writes are durable, their output sent
  std::lock_guard<WorldLock> lk(mu);
  checkpoint(true);
  store_->close();
}

}  // namespace echo::actors
