// The runtime's interface for the web layer (net/http.cpp): logins, session
// tokens and the HTTP API's requests. Like SessionPort, every call is a
// message to the runtime (its inbox actor, or a task started through an
// object's actor); the answer comes back through a callback, called once,
// on a runtime thread. Nothing here runs MOO code on the caller's thread.
//
// A web login is the world's own: "connect NAME PASSWORD" through
// #0:do_login_command on a connection of its own, which is closed again
// without #0:user_connected (the login only authenticates). A WebSocket that
// presents the token is then a connection logged in as the player, as a
// telnet one is (SessionPort::open with `as_player`).
#pragma once

#include <caf/actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime.h"
#include "lang/value.h"

namespace echo::actors {

// An API answer. status 200/202: `body` is the answer (a MOO value: a MAP
// with string keys for the structured answers). Else `error` names what
// went wrong (a MOO error name such as "E_PERM", or "not_found",
// "compile_error" ...) and `message` says it in words.
struct WebReply {
  int status = 200;
  Value body;
  std::string error;
  std::string message;
  std::vector<std::string> traceback;  // an uncaught MOO error's
  // compile_error: each error's line, column (1-based) and message.
  struct CompileError {
    int line = 0, column = 0;
    std::string message;
  };
  std::vector<CompileError> compile_errors;

  static WebReply ok(Value body, int status = 200);
  static WebReply fail(int status, std::string error, std::string message);
};
using WebDone = std::function<void(WebReply)>;

struct WebRequest {
  enum Kind {
    GetObject,    // object
    CallVerb,     // object, name (the verb), args
    Eval,         // source, syntax
    GetVerb,      // object, name
    PutVerb,      // object, name, source, syntax
    GetProperty,  // object, name
    PutProperty,  // object, name, value
    GetPlayer,    // object
    EmitEvent,    // object (the target), name (the event), value (its data)
    TaskResult,   // task
    EventLog,     // since, limit, name (a type, or empty); wizards only
    Subscribe,    // object, conn: its events to that web session (the player may read it)
    Unsubscribe,  // object, conn
    Room,         // conn: that web session's room frame again, now (runtime_impl.h room_again)
    // Builders' changes, each run as a task of the player (add_verb() and
    // co., so MOO's permissions and errors apply: E_PERM is 403).
    AddVerb,         // object, name (the names), perms, args {dobj, prep, iobj}
    DeleteVerb,      // object, name
    AddProperty,     // object, name, value, perms
    DeleteProperty,  // object, name
    // For the RPC API (net/rpc/), each run as a task of the player too, so
    // that MOO's permissions and errors are the builtins' own.
    CreateObject,   // object (the parent): create(parent)
    RecycleObject,  // object: recycle(object)
    QueuedTasks,    // queued_tasks() (a wizard's: every task)
    KillOwnTask,    // task: kill_task(task) (E_PERM unless the player's, or a wizard)
    ListVerbs,      // object: its verbs as GET /api/objects lists them (E_PERM unless readable)
    // The wizard an RPC key stands for: `task` if it is a wizard player, or
    // (task -1) the lowest-numbered wizard player; 403 when there is none.
    KeyWizard,
    // The operator's console (actors/web_monitor.cpp); wizards only (else 403).
    Monitor,        // name (filters actors by name or kind), limit: actors, tasks, connections, last sample
    MonitorSeries,  // the last Telemetry::kSamples one-second samples
    Snapshots,      // the store's snapshots, oldest first
    TakeSnapshot,   // a checkpoint, as dump_database(): 202; listed by Snapshots once written
    KillTask,       // task: kill_task(task), run as the wizard
  } kind = GetObject;
  static bool is_monitor(Kind k) { return k >= Monitor && k <= KillTask; }
  int64_t player = -1;   // who asks (authenticated)
  std::string object;    // "#12", "12" or "$name"
  std::string name;
  Value args;            // a LIST
  Value value;
  std::string source;
  std::string syntax;    // "moo" (default) or "echo"
  std::string perms;     // AddVerb ("rxd"), AddProperty ("rc")
  int64_t task = 0;
  int64_t since = 0, limit = 100;
  ConnHandle conn = 0;
};

struct WebLogin {
  int64_t player = -1;    // -1: refused
  std::string token;      // 64 hex digits (256 random bits)
  double expires = 0;     // unix time
  std::string message;    // refused: what the world printed, else why
};

struct WebPort {
  Runtime* rt = nullptr;

  // POST /api/login: "connect NAME PASSWORD" through #0:do_login_command.
  // On success a session token is made; only its SHA-256 is stored (the
  // players column family), so it survives a restart.
  // With `create`, "create NAME PASSWORD" instead, where the world allows it.
  void login(const std::string& name, const std::string& password, const std::string& address,
             std::function<void(WebLogin)> done, bool create = false) const;
  // The player a token stands for, or -1 (unknown, expired, or revoked by
  // boot_player() or logout). Thread-safe; reads the store, not the world.
  int64_t authenticate(const std::string& token) const;
  void logout(const std::string& token) const;
  void request(WebRequest req, WebDone done) const;

  // A connection logged in as `player` (a WebSocket with a valid token):
  // #0:user_connected (or user_reconnected) runs as for a telnet login.
  Session open_as(caf::actor session, const std::string& name, int64_t player,
                  std::shared_ptr<const void> hold = nullptr) const;

  // GET /api/health and /metrics (no login): plain figures, cheap to read.
  struct Health {
    bool store_writable = true;
    uint64_t unsynced_commits = 0;  // written, their WAL sync not done yet (output waits for it)
    size_t tasks = 0, connections = 0, actors = 0;
    uint64_t commits = 0, conflicts = 0, reruns = 0;
    double uptime_seconds = 0;
  };
  Health health() const;
};

}  // namespace echo::actors
