// The runtime's state and scheduling (internal to actors/).
//
// Concurrency model. All world state (the World, the task table, the
// connection table) is guarded by `mu`, a reader-writer lock (WorldLock).
// MOO's atomicity (a task's segment, from its start to its end, suspend() or
// read(), runs as if alone) is kept by optimistic concurrency:
//
// - A segment runs in its own WorldTx (writes copied, reads versioned), its
//   notify() output held in the task. Its first slice runs holding the world
//   token and `mu` exclusively: a segment that ends within it (most commands)
//   commits at once, with nothing to validate.
// - A longer one goes on speculatively: its other slices hold `mu` shared, so
//   tasks run on all cores at once. At its end it takes the token and `mu`
//   exclusively and validates: when nothing it read has changed, its writes
//   are published and committed and its output released; else it is rolled
//   back (the task saved at the segment start, or its job built again) and
//   reruns holding the token.
// - A segment that must do something that cannot be undone (fork, create(),
//   kill_task(), most server builtins: NeedsExclusive) is rolled back too and
//   reruns exclusively: it holds the token from its start to its end, and
//   each of its slices holds `mu` exclusively and changes the world in place.
//   While the token is held nobody else commits, so an exclusive segment
//   never conflicts; a speculative one that ends meanwhile waits for it.
//
// Sessions and object actors take `mu` exclusively for a moment. Each commit
// writes the objects changed and the task records to RocksDB in one
// WriteBatch, and the output waits for its WAL sync.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "actors/http_read.h"
#include "actors/messages.h"
#include "actors/monitor.h"
#include "actors/output_queue.h"
#include "actors/runtime.h"
#include "actors/server.h"
#include "actors/world_lock.h"
#include "actors/world_store.h"
#include "lang/vm.h"
#include "lang/world/world.h"
#include "actors/token_queue.h"
#include "actors/web.h"
#include "storage/store.h"

namespace echo::actors {

double unix_now();

// While one of the runtime's actors runs: the scheduler thread it runs on
// (ExecutionHere). A message sent from there to another of its actors is
// queued on this same thread, to run next, where caf::anon_send would go
// through the scheduler's round robin and wake the other thread: a command
// passes from the inbox to the player's object actor to its task actor,
// and each of those hops cost a wakeup and a context switch.
extern thread_local caf::execution_unit* t_execution_unit;
struct ExecutionHere {
  caf::execution_unit* prev;
  explicit ExecutionHere(caf::event_based_actor* self) : prev(t_execution_unit) { t_execution_unit = self->context(); }
  ~ExecutionHere() { t_execution_unit = prev; }
};
template <class... Ts>
void send_here(const caf::actor& to, Ts&&... xs) {
  to->enqueue(caf::make_mailbox_element(nullptr, caf::make_message_id(), {}, std::forward<Ts>(xs)...),
              t_execution_unit);
}

// Released output written to the client's socket by the thread that
// released it, once its handler has let go of mu, when the session lent the
// socket (OutputQueue::write_direct): a command's answer then costs no
// wakeup of the network thread. Outside a DirectWrites scope (the syncer
// thread), or when the socket is not lent, the session is told instead.
struct DirectWrites {
  struct Pending {
    std::shared_ptr<OutputQueue> out;
    caf::actor session;
  };
  std::vector<Pending> pending;
  DirectWrites* prev;
  DirectWrites();
  ~DirectWrites();  // writes what is pending
  DirectWrites(const DirectWrites&) = delete;
  DirectWrites& operator=(const DirectWrites&) = delete;
  static bool defer(const std::shared_ptr<OutputQueue>& out, const caf::actor& session);
};

// One message waits for a session at most: it takes all there is.
inline void tell_session(OutputQueue& out, const caf::actor& session) {
  if (session && out.arm_kick()) caf::anon_send(session, output_atom::value);
}

inline void kick(const std::shared_ptr<OutputQueue>& out, const caf::actor& session) {
  if (out->socket_lent() && DirectWrites::defer(out, session)) return;
  tell_session(*out, session);
}

struct Connection {
  ConnHandle handle = 0;
  int64_t id = 0;             // negative until logged in, then the player
  caf::actor session;
  std::string name;           // connection_name()
  int64_t listener = 0;       // the object whose verbs handle it (#0, or listen()'s)
  bool print_messages = true; // the server's own messages (*** Connected *** ...) go to it
  double connected_at = 0;    // 0 until logged in (LambdaMOO's connection_time)
  double last_activity = 0;
  std::deque<std::string> input;
  bool busy = false;          // a line's task has not reached its first commit point
  int64_t reading_task = 0;   // a task waiting in read() on this connection
  std::shared_ptr<HttpReader> http;  // ... in read_http(): what it has parsed so far
  int64_t last_input_task = 0;  // the task of the last line taken as a command or login
  bool disconnect_me = false; // boot_player(): closed after the current segment
  bool closed = false;        // the client is gone
  // No network connection: LambdaMOO's unconnected task queue, made by
  // force_input() for an object nobody is connected as, or left by a client
  // that went with lines still queued. Its lines run as commands of `id`
  // (output to nowhere); it is not in connected_players() and goes when its
  // input has run.
  bool detached = false;
  std::string output_prefix, output_suffix;
  std::string flush_cmd = ".flush";
  bool hold_input = false, disable_oob = false, binary = false;
  bool intrinsic_commands = true;
  // .program in progress: the verb and the lines so far.
  std::optional<std::pair<int64_t, std::string>> programming;
  std::vector<std::string> program_lines;
  std::shared_ptr<const void> hold;  // the session's (net/ counts connections per address by it)
  // Its output, bounded by $server_options.max_queued_output; the running
  // segment's lines are sent after its commit. Null: no client (detached).
  std::shared_ptr<OutputQueue> out;
  bool touched = false;       // in touched_: output or a boot since the last commit
  // A web login's connection (WebPort::login): told the login's outcome,
  // then closed without #0:user_connected.
  std::function<void(int64_t player)> login_watch;
  // A web session (WebPort::open_as): it also gets events, those of its
  // player's room, addressed to the player, or of the objects subscribed to.
  bool web = false;
  std::set<int64_t> subscriptions;
  // Another connection of a player who has one already (a browser beside
  // telnet): it hears what the player hears and its lines run as the
  // player's, but the connection builtins see the first one (by_id_), and
  // it takes that one's place when it closes (Runtime::more_conns_).
  bool extra = false;
  // Unix time its running command's line was taken (0: none): the
  // monitor's command latency ends when the command's first segment does.
  double command_since = 0;

  // tasks.c: a "#$#" line is out-of-band, and a "#$\"" prefix quotes a line
  // that would be (dequeue_input_task strips it); neither with disable_oob.
  bool out_of_band(const std::string& line) const { return !disable_oob && line.rfind("#$#", 0) == 0; }
  void unquote(std::string& line) const {
    if (!disable_oob && line.rfind("#$\"", 0) == 0) line.erase(0, 3);
  }
};

// What a task actor does when it gets the token with no Task built yet.
struct Job {
  enum Kind { None, Login, Command, OutOfBand, Notifier, Checkpoint, Web } kind = None;
  ConnHandle conn = 0;
  std::string line;
  int64_t target = 0;         // Notifier: the object
  std::string verb;           // Notifier: the verb
  Value args;                 // Notifier: the arguments
  // Web: `program` run as `progr` with this = target, or (no program) the
  // callable verb target:verb, as an HTTP API request (actors/web.cpp).
  std::shared_ptr<const Program> program;
  int64_t progr = -1;
};

// What finished_tasks() keeps of one segment of a task (ToastStunt's
// postmortem map, execute.cc): who ran, at the segment's start, how it
// ended and the seconds its slices took.
struct FinishedTask {
  int64_t this_obj = -1, player = -1, progr = -1, definer = -1;
  std::string verb, fullverb;  // the name called by, the verb's names
  bool foreground = false, suspended = false;
  double seconds = 0;
};

struct TaskEntry {
  int64_t id = 0;
  caf::actor actor;    // leased from the pool while the task has segments to run
  uint64_t lease = 0;  // which lease of the actor is this task's (run_atom)
  std::unique_ptr<Task> task;
  Job job;                    // pending setup (command parsing needs the world)
  // A command runs #0:do_command first, then the matched verb: the second
  // stage is built when the first finishes.
  std::function<void(TaskEntry&, TaskStatus, Task* ended)> on_end;
  std::vector<std::string> traceback;  // an error handler's: printed unless it returns true
  bool printed_prefix = false;         // OUTPUTPREFIX went out: OUTPUTSUFFIX follows
  enum State { Ready, Running, Sleeping, Reading } state = Ready;
  double wake_at = 0;         // Sleeping: unix time; < 0 until resumed
  double started_at = 0;
  int64_t player = -1;
  ConnHandle origin = 0;      // the connection whose line started it (busy until its first commit)
  int64_t reading_conn = 0;   // Reading: the connection id
  bool foreground = true;     // limits: fg_* or bg_*
  bool persisted = false;     // a record exists in the store
  bool stored_asleep = false; // ... and it is of a suspend() (Runtime::commit may defer the next)
  bool killed = false;
  // Ready, and waiting for its object actor's delivery before it queues for
  // the token (a command).
  bool awaiting_delivery = false;
  bool resumed = false;       // resume() queued it, and it has not run since
  bool background = false;    // Sleeping until its builtin's background work ends
  std::string waiting_on;     // what that work is (exec()'s program), else "waiting on thread N"
  // The segment running, while $server_options.finished_tasks_limit > 0.
  std::unique_ptr<FinishedTask> finished;
  bool has_suspended = false;  // its later segments are background ones (finished_tasks())
  int64_t via_object = -1;    // the object whose actor started this segment (it waits for the end)
  // Speculation (see the top of this file).
  std::unique_ptr<WorldTx> tx;  // the running segment's view; null when exclusive
  bool speculating = false;     // its slices run beside others (mu shared)
  bool exclusive = false;       // this segment runs holding the token (set after a rollback)
  bool commit_waiting = false;  // ended speculatively; queued for the token to commit
  bool first_slice = false;     // its first slice is running (mu exclusive, the token held)
  bool went_exclusive = false;  // ... and stopped speculating in it (go_exclusive)
  uint64_t validated_at = 0;    // Runtime::commits_ when tx was last validated
  // The task as it was at the segment's start (none: the job is built
  // again), with its programs, so that a rollback need not recompile.
  std::optional<Value> checkpoint;
  std::vector<std::shared_ptr<const Program>> checkpoint_programs;
  struct Output {
    int64_t conn;
    std::string text;
    bool newline;
  };
  std::vector<Output> spec_output;  // notify() during the speculation, sent at its commit
  size_t spec_output_bytes = 0;     // their size (bounded by max_queued_output)
  // An HTTP API request's answer, called once: at the task's end, or with
  // 202 when its first segment suspends (the end is kept for TaskResult).
  std::function<void(WebReply)> web_reply;
  bool web_later = false;  // answered 202: keep the outcome for TaskResult
};

using TaskMap = std::unordered_map<int64_t, std::unique_ptr<TaskEntry>>;

class Runtime {
 public:
  explicit Runtime(ServerOptions options);
  ~Runtime();

  void start();  // loads the world and restores its tasks; listeners come after
  void wait(const std::function<void()>& before_close = {});
  void request_shutdown(const std::string& why);
  static void signal_shutdown();    // async-signal-safe
  static void signal_checkpoint();  // async-signal-safe: a checkpoint soon (SIGUSR2)
  caf::actor_system& system();
  SessionPort sessions() { return SessionPort{this}; }

  // ---- sessions (SessionPort) ----
  // A session's events go into the inbox, in order, and it never waits for
  // mu: the sessions all run on CAF's one multiplexer thread, so a session
  // waiting for a slice to end stalled every connection (and accepting).
  // The inbox is drained with mu held, at the end of a slice or by the
  // inbox actor.
  struct InboxEvent {
    enum Kind { Open, Lines, Closed, Call } kind = Lines;
    ConnHandle handle = 0;
    std::vector<std::string> lines;     // Lines
    caf::actor session;                 // Open
    std::string name;                   // Open
    std::shared_ptr<OutputQueue> out;   // Open
    std::shared_ptr<const void> hold;   // Open: kept while the connection is in conns_
    int64_t as_player = -1;             // Open: logged in as this player at once (a web session)
    std::function<void(int64_t)> login_watch;  // Open: a web login's (no greeting line)
    std::function<void()> call;         // Call: run with mu held (a web request)
    int64_t handler = 0;                // Open: the object whose verbs handle it (listen())
    int64_t outbound_id = 0;            // Open: an outbound connection's reserved object
    bool print_messages = true;         // Open: the server's messages go to it
  };
  void post(InboxEvent ev);
  // SessionPort::open, and WebPort::open_as (as_player >= 0: logged in at once).
  Session open_session(caf::actor session, const std::string& name, std::shared_ptr<const void> hold,
                       int64_t as_player, int64_t handler = 0, bool print_messages = true,
                       int64_t outbound_id = 0);
  // With mu held: handles up to `max` events (the inbox actor is asked to
  // come back for the rest, so that mu is let go in between).
  void drain_inbox(size_t max = 256);
  void ask_drain();

  // ---- task actors ----
  void step(caf::event_based_actor* self, int64_t task_id, uint64_t lease);
  void step_guarded(caf::event_based_actor* self, int64_t task_id, uint64_t lease);
  void wake(TaskEntry& e);  // a Sleeping task whose time is up: queued for the token

  // ---- for the server builtins (called with mu held, by the token holder) ----
  World& world() { return *world_; }
  Connection* conn_by_id(int64_t id);
  Connection* conn_by_handle(ConnHandle h);
  std::vector<Connection*> connections();
  // LambdaMOO's notify(): queues a line (or, without `newline`, the bytes)
  // for `conn`. False only when `flush_ok` is false and the line would not
  // fit in max_queued_output without dropping older ones (nothing queued);
  // true when `conn` has no connection. While speculating the output is held
  // in the task, up to max_queued_output bytes; past that, or for a
  // !flush_ok line, the segment throws NeedsExclusive and reruns alone.
  bool notify(int64_t conn, std::string_view text, bool newline = true, bool flush_ok = true);
  void boot(int64_t conn);
  std::vector<std::string> flush_input(Connection& c);  // drops queued lines; the messages
  void force_input(Connection& c, std::string line, bool at_front);
  void hold_input_ended(Connection& c) { dispatch_input(c); }  // set_connection_option
  void queue_line(Connection& c, std::string line, bool at_front);
  std::string take_line(Connection& c);
  void input_taken(Connection& c, int64_t bytes);  // may wake the session (InputMeter)
  // The input queue of `id`: its open connection, else its unconnected queue
  // (made when there is none).
  Connection& input_queue(int64_t id);
  Connection& new_queue(const std::string& name, ConnHandle h = 0);  // 0: a new handle
  Connection* unconnected_queue(int64_t id);  // the detached queue of `id`, if any
  void set_conn_id(Connection& c, int64_t id);  // keeps the id index exact
  TaskEntry* task(int64_t id);
  TaskMap& tasks() { return tasks_; }
  int64_t current_task() const { return current_; }
  void resume_task(int64_t id, Value v);
  // ---- background work (background.cpp) ----
  // A builtin's work on a thread of its own (BuiltinContext::in_background),
  // the task sleeping meanwhile; at most background_threads() at once.
  // Returns the work's handle (threads()), or 0 when there is no thread for
  // it (e.background stays false).
  static constexpr int kDefaultBackgroundThreads = 16;
  static constexpr int kMaxHandle = 65535;  // and so the most threads at once
  int start_background(TaskEntry& e, std::shared_ptr<std::function<Value()>> work);
  void wait_background();  // at shutdown, without mu
  // thread_pool("INIT", "MAIN", n): how many may run at once from now on
  // (work already running goes on). Not kept across restarts.
  void set_background_threads(int n);
  int background_threads();
  std::vector<int64_t> background_handles();  // of the work running now, ascending
  // finished_tasks() (task_history.cpp): the segments kept, oldest first, at
  // most $server_options.finished_tasks_limit of them.
  std::vector<FinishedTask> finished_tasks();
  // ---- task queues, as queue_info() sees them ----
  // Every connection's and unconnected input queue (not a player's extra
  // connections).
  std::vector<Connection*> task_queues();
  // The tasks counted against progr's queued_task_limit (tqueue.num_bg_tasks):
  // forked, suspended and waiting tasks whose top frame progr programs.
  int64_t queued_tasks_of(int64_t progr);
  std::set<int64_t> queued_task_owners();  // every progr with one
  void kill_task(int64_t id);
  int64_t fork_task(VmHost::ForkRequest req);
  bool under_task_limit(int64_t progr);
  // Writes deferred_tasks_ now: before a segment shows other tasks' state
  // (queued_tasks(), task_stack()), a dump_database() snapshot, shutdown.
  void write_deferred_tasks();
  void request_checkpoint();  // dump_database() and the timer
  double checkpoint_interval();
  void shutdown_from_moo(const std::string& message);
  void log(const std::string& line);
  std::string store_dir() const;
  int64_t server_int_option(const char* name, int64_t dflt);
  Value server_option(const char* name);  // Value::none() when unset
  Value server_option_of(int64_t listener, const char* name);  // a connection's: its listener's first
  TaskLimits limits(bool foreground);
  TaskLimits read_limits(bool foreground);
  struct LimitsCache {
    bool valid = false;
    uint64_t world = 0, mutations = 0;
    TaskLimits limits;
  };
  LimitsCache limits_cache_[2];  // background, foreground (see limits())
  // $server_options.max_queued_output (ToastStunt's, cached as there): the
  // bytes of output queued for a connection before old lines are dropped.
  size_t max_queued_output() const { return max_queued_output_.load(std::memory_order_relaxed); }
  int64_t max_connections_per_ip() const { return max_connections_per_ip_.load(std::memory_order_relaxed); }
  // Echo's default for $server_options.max_connections_per_ip.
  static constexpr int64_t kDefaultConnectionsPerIp = 20;
  // Reads the cached options again (load_server_options(), and every second).
  void load_net_options();
  double started_at() const { return started_at_; }
  WorldLock mu;
  // The speculating task on this thread (notify() holds its output), or null.
  static TaskEntry* speculating_here();
  // What cannot be undone is about to happen in this thread's speculation:
  // false when it may not go on (the caller throws NeedsExclusive, and the
  // segment reruns alone); true when there was none, or when it was a first
  // slice, which then stops speculating in place (go_exclusive).
  bool exclusive_here() { return !speculating_here() || world_->try_go_exclusive(); }
  bool go_exclusive(TaskEntry& e);
  void publish_in_place(TaskEntry& e);  // go_exclusive's work, from outside the slice too
  struct SpeculationStats {
    uint64_t commits = 0;      // speculative segments published
    uint64_t conflicts = 0;    // rolled back: something they read had changed
    uint64_t exclusive = 0;    // rolled back: they needed to run alone
    int peak_parallel = 0;     // most speculative slices seen running at once
  };
  SpeculationStats speculation_stats();
  // ---- the event log (event_log.cpp) ----
  // Appends an entry, written in the next commit's batch (mu held), so that
  // the log never claims what a crash undid.
  void log_event(std::string type, int64_t source, int64_t target, int64_t player, Value payload);
  void trim_event_log();  // retention: $server_options.event_log_max_count / event_log_max_days
  // Entries after `since` (type "" for all), at most `limit`, as MOO maps.
  Value read_event_log(uint64_t since, size_t limit, const std::string& type, uint64_t* next_since);
  // An emitted event to the web sessions that see it (mu held, exclusive).
  void push_client_events(std::string_view name, int64_t source, int64_t target, const Value& args);
  // client_event(): one event to `player`'s web sessions; false if it has none.
  bool push_client_event(int64_t player, std::string_view name, int64_t source, const Value& data);

  // ---- who and what is here, for web sessions (room_watch.cpp) ----
  // A web session opened (mu held): it gets room frames from now on.
  void watch_room(ConnHandle h);
  // The session's room frame again, now, even if unchanged (a page loaded
  // afresh); false if `h` is not a watched web session. mu held.
  bool room_again(ConnHandle h);
  void check_rooms();  // the watcher's tick: takes mu
  size_t web_sessions_watched() const { return web_watched_.load(std::memory_order_relaxed); }

  // ---- monitoring (monitor.cpp) ----
  struct ActorStat {
    std::string kind;
    int64_t key = 0;       // the task id or connection handle, to find its queue
    size_t mailbox = 0;    // what waits for it: queued input lines, or its place in the token queue
    uint64_t handled = 0;  // messages handled
    double seconds = 0;    // time spent handling them
    double last = 0;       // unix time of the last one
    LatencyHistogram hist; // their times
  };
  void record(const std::string& name, const char* kind, double seconds, int64_t key = 0);
  void forget(const std::string& name);
  std::vector<std::pair<std::string, ActorStat>> actor_stats();  // with mu held
  size_t mailbox_of(std::string_view kind, int64_t key,
                    const std::unordered_map<int64_t, size_t>& places);  // with mu held
  std::string status_json();
  void write_status();
  void sweep_connections();  // connect_timeout
  void flush_deferred_tasks();  // the monitor's tick: deferred_tasks_ past their time
  bool flush_deferred_chunk(std::span<const int64_t> ids);
  void evict_objects();      // unused objects leave memory (max_resident_objects)
  // The monitor's tick: the actors' table and the server's totals into
  // telemetry_ (the operator's console reads them there).
  void sample_monitor();
  const Telemetry& telemetry() const { return telemetry_; }

 private:
  void start_monitor();
  friend class ServerHost;
  int64_t new_task_id();
  TaskEntry& new_entry(Job job, bool foreground, ConnHandle origin);
  void spawn_actor(TaskEntry& e, double delay_seconds);
  void build_job(TaskEntry& e);
  bool build_verb_task(TaskEntry& e, int64_t this_obj, const char* verb, Value args, int64_t player,
                       const std::string& argstr);
  void start_command(Connection& c, const std::string& line);
  void open_connection(InboxEvent& ev);
  void connection_closed(ConnHandle h);
  void dispatch_input(Connection& c);
  void handle_line(ConnHandle h, std::string line);
  void command_stage2(TaskEntry& e, ConnHandle h, std::string line);
  void after_login(TaskEntry& e, ConnHandle h, int64_t old_max, const Value& result);
  // room_watch.cpp: what each web session was last shown.
  struct RoomSeen {
    bool sent = false;
    int64_t room = NOTHING;
    uint64_t version = 0;     // the room's, when last looked at
    uint64_t epoch = 0;       // presence_epoch_, then
    size_t key = 0;           // what was sent (room_view's key_hash)
    double sent_at = 0;
  };
  struct RoomView {
    Value data;       // the frame's members
    std::string key;  // the same, idle times as idle or not
    size_t key_hash = 0;  // compared per session (a crowd's key is kilobytes, its sessions many)
    bool crowded = false;
  };
  std::unordered_map<ConnHandle, RoomSeen> room_watch_;
  std::atomic<size_t> web_watched_{0};  // room_watch_.size(), read without mu
  uint64_t presence_epoch_ = 0;         // bumped at every login and hang-up
  double room_full_at_ = 0;
  caf::actor room_watcher_;             // spawned with the first web session
  // Looks made in one check, by room and room_viewer_class.
  using RoomLooks = std::map<std::pair<int64_t, int64_t>, RoomView>;
  RoomView room_view(int64_t player, double now);
  int64_t room_viewer_class(int64_t player, int64_t room);
  void check_rooms_locked();  // every watched session (mu held)
  // Sends c its frame if what it shows changed. The room is looked at only when
  // its version or presence_epoch_ moved, or when `full` (idle times, names).
  void check_room(Connection& c, RoomSeen& s, RoomLooks& looks, double now, bool full);
  // ---- the web layer (web.cpp) ----
  friend struct WebPort;
  std::shared_ptr<struct WebState> web_;
  uint64_t event_seq_ = 0;  // the last event log entry's number
  std::vector<storage::EventRecord> pending_events_;
  void web_request(WebRequest& req, std::function<void(WebReply)> done);
  void web_task_end(TaskEntry& e, TaskStatus st, Task* t);  // Job::Web's on_end
  void web_task_gone(TaskEntry& e);                          // ended with no outcome (killed)
  void web_task_suspended(TaskEntry& e);                     // 202, once
  void web_login_done(Connection& c, int64_t player);
  // The console's requests (web_monitor.cpp; WebRequest::is_monitor()), wizards only.
  void monitor_request(WebRequest& req, std::function<void(WebReply)> done);
  void revoke_web_sessions(int64_t player);                  // boot_player()
  void enqueue(int64_t id);
  void grant_next();
  void suspended(caf::event_based_actor* self, TaskEntry& e);
  // After a segment's slice (exclusive, token held): what its status means.
  void after_slice(caf::event_based_actor* self, TaskEntry& e, TaskStatus st);
  void speculative_slice(caf::event_based_actor* self, TaskEntry& e, std::shared_lock<WorldLock>& sl);
  void end_speculation(caf::event_based_actor* self, TaskEntry& e);
  void rollback(TaskEntry& e);
  void end_segment(TaskEntry& e);
  void finish_task(TaskEntry& e);
  void release_origin(TaskEntry& e);
  void report_end(TaskEntry& e, TaskStatus st);
  void player_connected(Connection& c, int64_t old_id, int64_t new_id, bool created);
  bool intrinsic_command(Connection& c, const std::string& line);
  void end_programming(Connection& c);
  void commit();
  void write_batch(storage::Batch& b);  // with mu held; a failure stops the server
  void release_token(int64_t task_id);
  // A task calling listener:verb(@args), if it has that verb. A connection's
  // (via_listener) is a message to the listener's actor, so it takes its
  // turn with the login lines there: a flood's hang-ups wait behind each
  // other rather than fill the token queue ahead of every player's command.
  void run_notifier(int64_t player, int64_t listener, const char* verb, Value args, bool via_listener = false);
  void checkpoint(bool final);
  void restore_tasks();
  Value task_record(const TaskEntry& e) const;
  void close_connection(Connection& c, const char* message);
  bool output(Connection& c, std::string_view text, bool newline, bool flush_ok = true);
  void touch(Connection& c);
  // At a commit: c's output so far goes once the WAL sync covering the last
  // write is done (at once if it is).
  void publish_output(Connection& c);
  void release_held();
  void syncer_loop();

  ServerOptions opt_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<World> world_;
  WorldExtras extras_;
  std::unique_ptr<class ServerHost> host_;
  // Hashed: a fork bomb's 15,000 tasks made each lookup a walk of a deep
  // tree, cache miss after cache miss (4% of a commit's time). Whatever
  // lists them sorts (queued_tasks() by id, as before).
  TaskMap tasks_;
  // Object actors, spawned by the first event sent to the object and
  // stopped when idle (object_actor in runtime.cpp). pending: deliveries
  // sent and not yet handled, so that an idle actor never quits with one.
  struct ObjectActor {
    caf::actor actor;
    int64_t pending = 0;
  };
  std::unordered_map<int64_t, ObjectActor> objects_;
  // With mu held: the task's start (awaiting_delivery) or its wake-up
  // (Sleeping), as a message to `obj`'s actor, after `delay` seconds.
  void deliver_to_object(int64_t obj, int64_t task_id, double delay = 0);
  void delivered(int64_t task_id, int64_t obj);  // what the object actor does with it
  // An object handles its events one at a time: a task delivered through a
  // (valid-numbered) object's actor holds it until its segment ends, and the
  // deliveries behind it wait (object_waiting_), so that an object's events
  // take effect in mailbox order even when tasks run at once.
  std::unordered_map<int64_t, int64_t> object_running_;
  std::unordered_map<int64_t, std::deque<int64_t>> object_waiting_;
  void object_segment_done(TaskEntry& e);
  friend caf::behavior object_actor(caf::event_based_actor* self, Runtime* rt, int64_t obj);
  std::map<ConnHandle, Connection> conns_;
  std::atomic<ConnHandle> next_handle_{1};  // sessions take theirs without mu
  std::unordered_map<int64_t, ConnHandle> by_id_;  // open connections by MOO id
  std::unordered_map<int64_t, std::vector<ConnHandle>> more_conns_;  // a player's extra connections
  void forget_extra(Connection& c);         // an extra connection goes
  bool promote_extra(int64_t id);           // the first extra one becomes the player's; false: none
  // c stops being one of its player's connections; true when it was the
  // first (by_id_'s), false for an extra one or none.
  bool release_id(Connection& c);
  // fn(Connection&) for every open connection of `id`: the first, then the
  // extra ones (no allocation: notify() calls it for every line).
  template <class Fn>
  void for_each_conn_of(int64_t id, Fn&& fn) {
    if (Connection* c = conn_by_id(id)) fn(*c);
    if (auto it = more_conns_.find(id); it != more_conns_.end())
      for (ConnHandle h : it->second)
        if (Connection* x = conn_by_handle(h)) fn(*x);
  }
  void take_events(storage::Batch& b);      // pending_events_ into b
  std::vector<ConnHandle> touched_;                // with output or a boot since the last commit
  // Closed or detached connections that may have become idle since the last
  // commit, which drops the idle ones and forgets the rest: whatever makes
  // one idle later (its task's end, release_origin) lists it again. (A list
  // of all of them, walked at every commit, cost a flood of 5,000
  // connections 40% of the server's time.)
  std::vector<ConnHandle> ending_;
  void maybe_ending(const Connection& c) {
    if (c.closed || c.detached) ending_.push_back(c.handle);
  }
  int64_t next_unconnected_ = -2;  // LambdaMOO: NOTHING - 1, counting down
  int64_t token_ = 0;              // the task holding the world token; 0: free
  TokenQueue waiting_;             // tasks waiting for the token
  int64_t current_ = 0;            // the task running a slice
  uint64_t slices_ = 0;            // slices begun: what bg_count_ was counted in
  // under_task_limit's last count, good for the rest of the slice it was
  // made in: a slice holds mu alone, so only its own forks add tasks, and a
  // kill drops the count. Counting every task at each fork made a fork
  // bomb's segment quadratic (15,000 forks: 112M steps under mu).
  struct BgCount {
    uint64_t slice = 0;
    int64_t progr = 0, n = 0;
  };
  std::optional<BgCount> bg_count_;
  std::set<int64_t> dirty_tasks_;  // task records to write or delete at commit
  // Tasks whose records commit() held back, and since when: a suspend()
  // whose segment changed nothing but the task and showed nobody anything.
  // Losing one in a crash restores the task at an earlier suspend(), as if
  // the crash had come then, so it may wait: flush_deferred_tasks() writes
  // it after kDeferSeconds (longer for a big one: record_not_before_), or
  // sooner a write of that task or write_deferred_tasks().
  std::map<int64_t, double> deferred_tasks_;
  std::map<int64_t, double> record_not_before_;
  std::set<int64_t> encoding_;  // held records flush_deferred_tasks() is encoding off mu
  bool flushing_ = false;
  std::optional<Value> held_record(int64_t id);
  bool checkpoint_requested_ = false;
  double started_at_ = 0;
  double last_eviction_ = 0;
  std::mt19937_64 rng_;
  friend struct SessionPort;
  // The listening points, newest first (LambdaMOO's all_slisteners; the
  // first one, from the command line, is last): listeners(), unlisten().
 public:
  struct Listening {
    int64_t handler = 0;
    uint16_t port = 0;
    bool print_messages = true;
    caf::actor actor;
  };
  std::vector<Listening>& listening() { return listeners_; }
  const SessionPort::ListenHook& listen_hook() const { return listen_hook_; }
  const SessionPort::ConnectHook& connect_hook() const { return connect_hook_; }
  // The object number of the next connection (LambdaMOO's
  // next_unconnected_player), taken now for an outbound one.
  int64_t reserve_connection_id() { return next_unconnected_--; }
  // Thread-safe: waits until the outbound connection `id` is open in the
  // runtime (open_connection), at most `seconds`.
  bool wait_outbound(int64_t id, double seconds);

 private:
  std::vector<Listening> listeners_;
  SessionPort::ListenHook listen_hook_;
  SessionPort::ConnectHook connect_hook_;
  std::mutex outbound_mu_;  // outbound connections opened, for wait_outbound()
  std::condition_variable outbound_cv_;
  std::set<int64_t> outbound_open_;
  std::vector<caf::actor> closed_at_shutdown_;  // their sessions: aborted as the server stops
  caf::actor timer_;
  // Task actors between tasks (with mu held). A task leases one when its
  // segment first runs and gives it back when the segment ends: spawning
  // and destroying an actor per command cost a tenth of its CPU.
  std::vector<caf::actor> idle_task_actors_;
  uint64_t next_lease_ = 0;
  void lease_task_actor(TaskEntry& e);
  void return_task_actor(TaskEntry& e);
  void run_again(caf::event_based_actor* self, const TaskEntry& e);  // the next slice, in this actor
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::string stop_reason_;
  bool stop_flag_ = false;
  static std::atomic<bool> signal_flag_;
  static std::atomic<bool> checkpoint_flag_;
  bool stopping_ = false;
  bool trace_ = false;
  // Group commit: segments write without syncing (written_seq_ counts
  // them); the syncer thread syncs the WAL and releases the output held
  // until then (held_, in order).
  uint64_t written_seq_ = 0, synced_seq_ = 0;
  struct Held {
    uint64_t seq;
    std::shared_ptr<OutputQueue> out;
    caf::actor session;
  };
  std::deque<Held> held_;
  std::condition_variable_any sync_cv_;
  bool syncer_stop_ = false;
  std::thread syncer_;
  std::mutex inbox_mu_;  // session events not yet handled (post)
  std::deque<InboxEvent> inbox_;
  std::atomic<bool> drain_asked_{false};  // a drain message is on its way to inbox_actor_
  caf::actor inbox_actor_;
  // Speculation: on unless ECHO_SPECULATION=0; commits_ counts publishes
  // and exclusive slices (a speculation revalidates when it moved).
  bool speculation_ = true;
  std::atomic<uint64_t> commits_{0};
  std::atomic<int> spec_running_{0};
  std::atomic<uint64_t> spec_commits_{0}, spec_conflicts_{0}, spec_exclusive_{0};
  std::atomic<int> spec_peak_{0};
  // Background work: running_ counts the threads still to end (they touch
  // the runtime when they do); with background_mu_.
  std::mutex background_mu_;
  std::condition_variable background_cv_;
  int background_running_ = 0;
  int background_threads_ = kDefaultBackgroundThreads;
  // The work running, by handle (ToastStunt's background_process_table):
  // handles count from 1, and start again at 1 once none is running.
  std::map<int, int64_t> background_work_;  // handle -> task id
  int next_background_handle_ = 1;
  std::atomic<size_t> max_queued_output_{OutputQueue::kDefaultLimit};
  std::atomic<int64_t> max_connections_per_ip_{kDefaultConnectionsPerIp};
  // $server_options.finished_tasks_limit, cached as the two above; <= 0:
  // nothing is recorded.
  std::atomic<int64_t> finished_tasks_limit_{0};
  std::deque<FinishedTask> finished_;  // with mu (written exclusive)
  // A segment begins (its first slice): what finished_tasks() will show
  // of it, when recording. Its end (after_slice): kept, the oldest dropped.
  bool is_queued(int64_t id, const TaskEntry& e) const;  // queued_tasks_of's test
  void segment_begins(TaskEntry& e);
  void segment_ends(TaskEntry& e, TaskStatus st);
  // Task::run for one slice, timed for finished_tasks() when recording.
  TaskStatus run_slice(TaskEntry& e);
  std::mutex stats_mu_;  // not mu: sessions report without waiting for a slice
  std::map<std::string, ActorStat> stats_;
  // For the console (with mu): commands' latency (Connection::command_since),
  // and WAL syncs done.
  LatencyHistogram command_latency_;
  uint64_t commands_done_ = 0;
  uint64_t wal_syncs_ = 0;
  Telemetry telemetry_;
  caf::actor monitor_;  // ECHO_TRACE_TASKS: log every slice's outcome
};

// The world as tasks see it: forks become task actors.
class ServerHost : public WorldHost {
 public:
  ServerHost(World& w, Runtime& rt) : WorldHost(w), rt_(rt) {}
  int64_t fork(ForkRequest req) override {
    the_world().exclusive_only("fork");  // a new task cannot be taken back
    return rt_.fork_task(std::move(req));
  }
  bool runs_background() override { return true; }
  void record_event(std::string_view name, int64_t source, int64_t target, int64_t player, const Value& args) override;
  // A player's new password ends its web sessions (event_log.cpp).
  void set_property(int64_t obj, std::string_view name, Value v, int64_t progr) override;

 private:
  Runtime& rt_;
};

// The object whose actor a task's timer goes to: the `this` of its running
// verb (a delayed fork's, or a suspended task's top frame).
inline int64_t timer_object(const Task& t) { return t.frames().empty() ? -1 : t.frames().back().this_obj; }

// A saved task's MOO program (Task::restore): one of `known` with that
// source (no recompiling), else compiled; throws when it no longer compiles.
std::shared_ptr<const Program> compile_saved_verb(const std::string& source,
                                                  const std::vector<std::shared_ptr<const Program>>& known);

std::shared_ptr<struct WebState> make_web_state();  // web.cpp

// The runtime the server builtins work on (one per process while serving).
Runtime* current_runtime();

}  // namespace echo::actors
