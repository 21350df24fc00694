// The runtime: loading, object actors, the task table and the world token's
// queue, commits and checkpoints. How a task's segments run (slices,
// speculation, their ends) is in segments.cpp; command and login handling in
// commands.cpp; the server builtins in server_builtins.cpp.
#include "actors/runtime_impl.h"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>

#include <unistd.h>
#include <utility>

#include "actors/messages.h"
#include "lang/compiler.h"
#include "lang/map.h"

namespace echo::actors {

namespace {

Runtime* g_runtime = nullptr;

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

// The sessions' events (Runtime::post), handled holding mu: on a scheduler
// thread, never the multiplexer's.
caf::behavior inbox_actor(caf::event_based_actor* self, Runtime* rt, std::atomic<bool>* asked) {
  return {
      [=](drain_atom) {
        ExecutionHere here(self);
        DirectWrites writes;  // after mu is let go
        auto t0 = std::chrono::steady_clock::now();
        asked->store(false);  // before draining: an event posted meanwhile asks again
        {
          std::lock_guard<WorldLock> lk(rt->mu);
          rt->drain_inbox();
        }
        rt->record("inbox", "sessions", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      },
  };
}

}  // namespace

// An object's actor: what is sent to the object arrives as deliver
// messages, each a task to start or wake in mailbox order: an event's
// handler, a command typed by the player the object is (or, before login,
// by a connection its listener handles), a timer (suspend() or a delayed
// fork whose `this` it is). It stops when a whole idle check period passes
// without messages; the next one spawns a new actor. (One timer per period,
// not a timeout reset by every message: that woke CAF's clock thread for
// each command.)
caf::behavior object_actor(caf::event_based_actor* self, Runtime* rt, int64_t obj) {
  constexpr auto kIdleCheck = std::chrono::seconds(30);
  std::string name = "object #" + std::to_string(obj);
  auto delivered_since_check = std::make_shared<bool>(false);
  self->delayed_send(self, kIdleCheck, idle_check_atom::value);
  return {
      [=](deliver_atom, int64_t task_id) {
        ExecutionHere here(self);
        DirectWrites writes;  // after mu is let go
        *delivered_since_check = true;
        auto t0 = std::chrono::steady_clock::now();
        {
          std::lock_guard<WorldLock> lk(rt->mu);
          auto it = rt->objects_.find(obj);
          if (it != rt->objects_.end()) --it->second.pending;
          rt->delivered(task_id, obj);
        }
        rt->record(name, "object", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), obj);
      },
      [=](idle_check_atom) {
        bool quit = false;
        if (!std::exchange(*delivered_since_check, false)) {
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
        } else {
          self->delayed_send(self, kIdleCheck, idle_check_atom::value);
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
    send_here(oa.actor, deliver_atom::value, task_id);
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

// A task's actor, leased from the runtime's pool for each segment.
caf::behavior task_actor(caf::event_based_actor* self, Runtime* rt) {
  // An exception must not end the actor silently while it holds the world
  // token: the runtime drops the task and moves on (step_guarded).
  return {
      [=](run_atom, int64_t id, uint64_t lease) {
        ExecutionHere here(self);
        rt->step_guarded(self, id, lease);
      },
  };
}

}  // namespace

Runtime* current_runtime() { return g_runtime; }

thread_local caf::execution_unit* t_execution_unit = nullptr;

namespace {
thread_local DirectWrites* t_direct_writes = nullptr;
}

DirectWrites::DirectWrites() : prev(t_direct_writes) { t_direct_writes = this; }

DirectWrites::~DirectWrites() {
  t_direct_writes = prev;
  for (auto& p : pending)
    if (!p.out->write_direct()) tell_session(*p.out, p.session);
}

bool DirectWrites::defer(const std::shared_ptr<OutputQueue>& out, const caf::actor& session) {
  DirectWrites* d = t_direct_writes;
  if (!d) return false;
  for (auto& p : d->pending)
    if (p.out == out) return true;
  d->pending.push_back(Pending{out, session});
  return true;
}

std::shared_ptr<const Program> compile_saved_verb(const std::string& source,
                                                  const std::vector<std::shared_ptr<const Program>>& known) {
  for (auto& p : known)
    if (p && p->source == source && p->syntax == "moo") return p;
  CompileResult r = compile_moo(source);
  if (!r.ok()) throw std::runtime_error("a saved task's verb no longer compiles");
  return r.program;
}

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
    if (room_watcher_) caf::anon_send_exit(room_watcher_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(inbox_actor_, caf::exit_reason::user_shutdown);
    // The middleman waits for its brokers: stop the listeners (sessions were
    // closed by wait(); the checkpoint since gave their clients time to take
    // the last output, and one that has not is not waited for).
    for (auto& l : listeners_) caf::anon_send_exit(l.actor, caf::exit_reason::user_shutdown);
    for (auto& s : closed_at_shutdown_) caf::anon_send(s, abort_atom::value);
    for (auto& [id, e] : tasks_)
      if (e->actor) caf::anon_send_exit(e->actor, caf::exit_reason::user_shutdown);
    for (auto& a : idle_task_actors_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
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
  // Who holds the store, for the message another process gets (Store::open).
  if (std::FILE* f = std::fopen((store_->dir() + "/server.pid").c_str(), "w")) {
    std::fprintf(f, "%ld\n", long(getpid()));
    std::fclose(f);
  }
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
  // CAF's idle workers poll their queues with 50 us sleeps for 25 ms after
  // every job: a fifth of the server's CPU under one busy client, and 30 ms
  // a second on an idle server. Without it a worker that has run dry sleeps
  // on its condition variable, woken by work pushed to its own queue, and
  // steals from the other worker when its 10 ms sleep times out. One busy
  // client: 5,500 commands/s at 0.20 ms of CPU each, against 2,600-3,300 at
  // 0.30-0.39 ms (docs/command-path.md). Once an honest player waited behind
  // a fork bomb's chain of local messages on the other worker without it;
  // that bomb now ends at queued_task_limit, and the player's p99 is the same
  // either way (e2e-resource-attacks under ASan: 7.5 ms against 8.9 ms).
  cfg_->set("work-stealing.moderate-poll-attempts", size_t(0));
  sys_ = std::make_unique<caf::actor_system>(*cfg_);

  inbox_actor_ = sys_->spawn(inbox_actor, this, &drain_asked_);
  web_ = make_web_state();
  std::lock_guard<WorldLock> lk(mu);
  load_net_options();
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
  TaskEntry* e = task(id);
  waiting_.push(id, e && e->foreground);
  if (token_ == 0) grant_next();
}

void Runtime::grant_next() {
  while (token_ == 0 && !waiting_.empty() && !stopping_) {
    int64_t id = waiting_.pop();
    TaskEntry* e = task(id);
    if (!e || e->killed) continue;
    token_ = id;
    // Leased when it runs: a fork, a suspended or a restored task may wait
    // a long time, and a fork bomb's thousands of tasks cost no actors.
    if (!e->actor) lease_task_actor(*e);
    send_here(e->actor, run_atom::value, id, e->lease);
  }
}

void Runtime::lease_task_actor(TaskEntry& e) {
  if (idle_task_actors_.empty()) {
    e.actor = sys_->spawn(task_actor, this);
  } else {
    e.actor = std::move(idle_task_actors_.back());
    idle_task_actors_.pop_back();
  }
  e.lease = ++next_lease_;
}

void Runtime::return_task_actor(TaskEntry& e) {
  if (!e.actor) return;
  // Enough for every task that can run at once (one per worker, plus the
  // speculations beside them); more would only hold memory.
  constexpr size_t kIdleTaskActors = 64;
  if (idle_task_actors_.size() < kIdleTaskActors && !stopping_)
    idle_task_actors_.push_back(std::move(e.actor));
  else
    caf::anon_send_exit(e.actor, caf::exit_reason::normal);
  e.actor = caf::actor();
  e.lease = 0;  // what is still in the actor's mailbox for this task is stale
}

void Runtime::run_again(caf::event_based_actor* self, const TaskEntry& e) {
  self->send(self, run_atom::value, e.id, e.lease);
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
  return ref;  // its actor comes with its first run (grant_next)
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

void Runtime::resume_task(int64_t id, Value v) {
  TaskEntry* e = task(id);
  if (!e || e->state != TaskEntry::Sleeping || e->task->status() != TaskStatus::Suspended) return;
  bg_count_.reset();  // it may no longer count
  e->background = false;
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
  bg_count_.reset();
  for (auto& [h, c] : conns_)
    if (c.reading_task == id) {
      c.reading_task = 0;
      c.http = nullptr;
      maybe_ending(c);
    }
  if (e->persisted) dirty_tasks_.insert(id);
  waiting_.erase(id);
  if (id != current_) {  // the running one is dropped at the end of its slice
    return_task_actor(*e);  // a run message already sent for it is stale
    release_origin(*e);  // a command that never ran must not hold its connection
    object_segment_done(*e);
    tasks_.erase(id);
    forget("task " + std::to_string(id));  // it handles no more messages (step_guarded forgets the others)
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
  if (bg_count_ && current_ && bg_count_->slice == slices_ && bg_count_->progr == progr)
    return bg_count_->n < limit;
  int64_t n = queued_tasks_of(progr);
  if (current_) bg_count_ = BgCount{slices_, progr, n};
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
  if (bg_count_ && bg_count_->progr == e.task->frames().back().progr) ++bg_count_->n;
  dirty_tasks_.insert(e.id);
  if (req.deliver_to >= 0 && delay == 0)
    deliver_to_object(req.deliver_to, e.id);
  else
    deliver_to_object(timer_object(*e.task), e.id, delay);
  return e.id;
}

// ---- commits -----------------------------------------------------------------

Value Runtime::task_record(const TaskEntry& e) const {
  // Keys made once (see lang/vm_save.cpp): records are made under mu.
  static const Value kState = Value::immortal_str("state"), kWake = Value::immortal_str("wake"),
                     kPlayer = Value::immortal_str("player"), kConn = Value::immortal_str("conn"),
                     kStarted = Value::immortal_str("started"), kTask = Value::immortal_str("task");
  Value m = Value::empty_map();
  auto set = [&](const Value& k, Value v) { m.map_mut()->set(k, std::move(v)); };
  set(kState, Value::str(e.state == TaskEntry::Reading ? "read" : e.background ? "background" : "sleep"));
  set(kWake, Value::flt(e.wake_at));
  set(kPlayer, Value::obj(e.player));
  set(kConn, Value::obj(e.reading_conn));
  set(kStarted, Value::flt(e.started_at));
  set(kTask, e.task->save());
  return m;
}

namespace {
// How long commit() may hold a task record back (deferred_tasks_): what a
// crash can cost a task that only computes and suspends. A big record waits
// longer, in proportion to its size: a loop that suspends while holding 50
// MB must not write 50 MB a second.
constexpr double kDeferSeconds = 1.0;
constexpr double kDeferBytesPerSecond = 4 << 20;
// Held-back records made, encoded and written per hold of mu (see
// flush_deferred_tasks): about 5 ms of it at most.
constexpr size_t kFlushChunk = 256;
}  // namespace

void Runtime::commit() {
  storage::Batch b;
  std::set<int64_t> dirty = world_->take_dirty();
  bool meta = world_->take_meta_dirty();
  if (!dirty.empty() || meta) add_changes(*world_, extras_, dirty, meta, b);
  auto keep = [](const TaskEntry* e) {
    return e && !e->killed && e->task &&
           (e->state == TaskEntry::Sleeping || e->state == TaskEntry::Reading ||
            (e->state == TaskEntry::Ready && e->persisted));
  };
  // A segment that ended in suspend() having changed nothing in the world
  // and sent nothing (touched_ is empty) left no trace anyone could see: its
  // task's record may wait (deferred_tasks_), so a `while (1) suspend(0);`
  // loop does not write its whole task to the WAL many times a second.
  bool defer = b.empty() && touched_.empty() && !dirty_tasks_.empty();
  for (int64_t id : dirty_tasks_) {
    const TaskEntry* e = task(id);
    if (!keep(e) || e->state != TaskEntry::Sleeping || !e->persisted || !e->stored_asleep) defer = false;
  }
  for (int64_t id : dirty_tasks_) {
    TaskEntry* e = task(id);
    if (keep(e)) {
      encoding_.erase(id);  // a record being encoded off mu is superseded
      if (defer) {  // made when it is written: held as a Value, it would share the task's lists and maps
        deferred_tasks_.try_emplace(id, unix_now());
        continue;
      }
      try {
        b.put_task_value(uint64_t(id), task_record(*e));
        e->persisted = true;
        e->stored_asleep = e->state == TaskEntry::Sleeping;
      } catch (const std::exception& ex) {
        log("TASK " + std::to_string(id) + " not saved: " + ex.what());
      }
    } else {
      b.delete_task(uint64_t(id));
      encoding_.erase(id);
      record_not_before_.erase(id);
    }
    deferred_tasks_.erase(id);  // superseded
  }
  dirty_tasks_.clear();
  // Held-back records go out from flush_deferred_tasks(), not with whatever
  // commit comes next: a loop's big record would then be encoded under mu.
  take_events(b);  // with the changes that caused them
  if (!b.empty()) write_batch(b);
  // Only the connections this segment wrote to or booted (not all of them).
  std::vector<ConnHandle> touched = std::move(touched_);
  touched_.clear();
  for (ConnHandle h : touched) {
    auto it = conns_.find(h);
    if (it == conns_.end()) continue;
    Connection& c = it->second;
    c.touched = false;
    publish_output(c);
    if (c.disconnect_me && !c.closed) close_connection(c, "*** Disconnected ***");
  }
  // Closed connections, and unconnected queues whose input has all run, go
  // (only those that closed or lost their client are looked at: a commit
  // must not cost a walk over every connection).
  for (ConnHandle h : ending_) {
    auto it = conns_.find(h);
    if (it == conns_.end()) continue;
    const Connection& c = it->second;
    if ((c.closed || (c.detached && c.input.empty())) && !c.busy && c.reading_task == 0) conns_.erase(it);
  }
  ending_.clear();
}

void Runtime::write_batch(storage::Batch& b) {
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

// A held-back record is made from the task as it is when it goes out, if
// it is asleep at a suspend() then: every segment since the record it has in
// the store changed nothing but the task (a segment that changed more wrote
// the record with its commit), so that is as good a state to restore as the
// one it was held at. One that is running now goes out at a later tick.
std::optional<Value> Runtime::held_record(int64_t id) {
  const TaskEntry* e = task(id);
  if (!e || e->killed || !e->task || e->task->status() != TaskStatus::Suspended || e->speculating ||
      (e->state != TaskEntry::Sleeping && e->state != TaskEntry::Ready))
    return std::nullopt;
  return task_record(*e);
}

void Runtime::write_deferred_tasks() {
  storage::Batch b;
  for (auto it = deferred_tasks_.begin(); it != deferred_tasks_.end();) {
    try {
      std::optional<Value> record = held_record(it->first);
      if (!record) {
        ++it;
        continue;
      }
      b.put_task_value(uint64_t(it->first), *record);
    } catch (const std::exception& ex) {
      log("TASK " + std::to_string(it->first) + " not saved: " + ex.what());
    }
    encoding_.erase(it->first);
    it = deferred_tasks_.erase(it);
  }
  if (!b.empty()) write_batch(b);
}

// The monitor's tick: the held-back records whose time has come are made
// under mu (cheap: they share the task's values) and encoded off it (a big
// task's takes a while, and nobody need wait for it), then written unless a
// newer record of the task was written or held meanwhile. They go in chunks
// of kFlushChunk, mu let go between them: 15,000 tasks forked by one
// segment, each then suspended, held mu for 230-290 ms making their records
// and 100-140 ms writing them, while every player waited.
void Runtime::flush_deferred_tasks() {
  std::vector<int64_t> due;
  {
    std::lock_guard<WorldLock> lk(mu);
    if (stopping_ || flushing_) return;  // wait() writes them, then closes the store
    double now = unix_now();
    for (auto& [id, since] : deferred_tasks_) {
      if (now - since < kDeferSeconds) continue;
      if (auto nb = record_not_before_.find(id); nb != record_not_before_.end() && now < nb->second) continue;
      due.push_back(id);
    }
    if (due.empty()) return;
    flushing_ = true;
  }
  for (size_t at = 0; at < due.size(); at += kFlushChunk) {
    if (!flush_deferred_chunk(std::span(due).subspan(at, std::min(kFlushChunk, due.size() - at)))) return;
  }
  std::lock_guard<WorldLock> lk(mu);
  flushing_ = false;
}

// One chunk of flush_deferred_tasks(); false when the server is stopping
// (flushing_ then stays set: wait() writes what is left).
bool Runtime::flush_deferred_chunk(std::span<const int64_t> ids) {
  std::vector<std::pair<int64_t, Value>> todo;
  {
    std::lock_guard<WorldLock> lk(mu);
    if (stopping_) return false;
    for (int64_t id : ids) {
      if (!deferred_tasks_.count(id)) continue;  // written with a commit meanwhile
      try {
        if (std::optional<Value> record = held_record(id)) {
          todo.emplace_back(id, std::move(*record));
          encoding_.insert(id);
        }
      } catch (const std::exception& ex) {
        log("TASK " + std::to_string(id) + " not saved: " + ex.what());
      }
    }
  }
  std::vector<std::string> bytes, failed;
  for (auto& [id, record] : todo) {
    try {
      bytes.push_back(storage::Batch::encode_task_value(record));
    } catch (const std::exception& ex) {
      bytes.emplace_back();
      failed.push_back("TASK " + std::to_string(id) + " not saved: " + ex.what());
    }
    record = Value();  // freed here, not under mu (the task may have copied what it shared)
  }
  std::lock_guard<WorldLock> lk(mu);
  for (auto& f : failed) log(f);
  if (stopping_) return false;
  storage::Batch b;
  double now = unix_now();
  for (size_t i = 0; i < todo.size(); ++i) {
    int64_t id = todo[i].first;
    if (!encoding_.erase(id) || bytes[i].empty()) continue;  // superseded meanwhile
    b.put_task(uint64_t(id), bytes[i]);
    deferred_tasks_.erase(id);
    record_not_before_[id] = now + double(bytes[i].size()) / kDeferBytesPerSecond;
  }
  if (!b.empty()) write_batch(b);
  return true;
}

// Output reaches a session only once everything it may depend on is durable:
// each piece waits for the WAL sync that covers the last write before it.
void Runtime::publish_output(Connection& c) {
  if (!c.out) return;
  c.out->commit(written_seq_);
  if (written_seq_ <= synced_seq_) {
    c.out->release(written_seq_);
    kick(c.out, c.session);
    return;
  }
  held_.push_back(Held{written_seq_, c.out, c.session});
}

void Runtime::release_held() {
  while (!held_.empty() && held_.front().seq <= synced_seq_) {
    Held& h = held_.front();
    h.out->release(h.seq);
    kick(h.out, h.session);
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
    ++wal_syncs_;
    synced_seq_ = target;
    if (held_.empty()) continue;
    {
      DirectWrites writes;
      release_held();
      lk.unlock();
    }  // written here, without mu
    lk.lock();
  }
}

// ---- saved tasks -------------------------------------------------------------

void Runtime::restore_tasks() {
  auto compile = [](const std::string& src) { return compile_saved_verb(src, {}); };
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
      if (state == "read" || state == "background") {
        // Its connection, or its builtin's thread, did not survive the restart.
        if (state == "read")
          ref.task->resume_raise(E_INVARG, "Invalid argument", Value::integer(0));
        else
          ref.task->resume_raise(E_INVARG, "Interrupted by a restart", Value::integer(0));
        ref.state = TaskEntry::Ready;
        enqueue(ref.id);
      } else {
        ref.wake_at = get("wake").as_float();
        ref.state = TaskEntry::Sleeping;
        ref.stored_asleep = true;
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
    // Logged after the snapshot it names (which therefore does not hold it).
    log_event("checkpoint", NOTHING, NOTHING, NOTHING, Value::str(path));
    storage::Batch b;
    take_events(b);
    store_->commit(b);
    trim_event_log();
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

void Runtime::wait(const std::function<void()>& before_close) {
  {
    std::unique_lock<std::mutex> lk(stop_mu_);
    while (!stop_flag_ && !signal_flag_) {
      stop_cv_.wait_for(lk, std::chrono::milliseconds(100));
      if (checkpoint_flag_.exchange(false)) {
        lk.unlock();
        {
          std::lock_guard<WorldLock> wl(mu);
          log("CHECKPOINT: requested by a signal");
          request_checkpoint();
        }
        lk.lock();
      }
    }
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
  if (before_close) before_close();
  {
    std::lock_guard<WorldLock> lk(mu);
    stopping_ = true;
    log("SHUTDOWN: " + stop_reason_);
    for (auto& [h, c] : conns_) {
      if (c.closed) continue;
      if (c.session) closed_at_shutdown_.push_back(c.session);
      // server.c sends it to every connection, print_messages or not.
      if (c.out) c.out->push("*** Shutting down: " + stop_reason_ + " ***", true, true, max_queued_output());
      close_connection(c, nullptr);
    }
    commit();
    write_deferred_tasks();
    syncer_stop_ = true;
    sync_cv_.notify_one();
  }
  if (syncer_.joinable()) syncer_.join();  // the last writes are durable, their output sent
  {
    std::lock_guard<WorldLock> lk(mu);
    checkpoint(true);
    std::remove((store_->dir() + "/server.pid").c_str());
    store_->close();
  }
  kill_all_exec();  // else a long exec() would hold up the stop
  abort_all_curl();  // and a slow curl()
  wait_background();
}

}  // namespace echo::actors
