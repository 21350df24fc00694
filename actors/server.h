// The running server: a world loaded from its store, a CAF actor system in
// which every task is an actor, and the listeners (net/) that feed it.
//
// One Server per process (the server builtins find it through a process-wide
// pointer while it runs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/runtime.h"
#include "actors/web.h"

namespace echo::actors {

struct ServerOptions {
  std::string store;                // "<name>.db" directory (created by import)
  std::string bind = "127.0.0.1";   // telnet listener address ("0.0.0.0": any)
  int telnet_port = 7777;           // 0: any free port (printed at start)
  double checkpoint_seconds = -1;   // <0: $dump_interval or LambdaMOO's 3600
  size_t keep_snapshots = 5;        // snapshots kept by the checkpoint timer
  size_t worker_threads = 0;        // CAF scheduler threads; 0: one per core
  // server_log() and events; stderr if empty. Called from the network
  // thread too.
  std::function<void(const std::string&)> log;
};

class Runtime;

// Registers notify(), connected_players(), queued_tasks() ... (idempotent).
// A program that calls them compiles anywhere; without a running server
// notify() writes to stdout and the others raise E_PERM.
void register_server_builtins();

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the world, restores its saved tasks and queues #0:server_started.
  // Throws std::runtime_error (or storage::StoreError) when it cannot.
  void start();
  // For the listeners (net/), once started.
  caf::actor_system& system();
  SessionPort sessions();
  WebPort web();
  // Blocks until shutdown() (the builtin) or request_shutdown(); then
  // checkpoints the world (tasks included) and closes every connection.
  // before_close runs once no new segment starts, before the connections
  // close (the listeners stop there).
  void wait(const std::function<void()>& before_close = {});
  // A request to stop (thread-safe); signal_shutdown() is the one for
  // signal handlers (async-signal-safe).
  void request_shutdown(const std::string& why);
  static void signal_shutdown();
  // LambdaMOO's remote checkpoint signal (SIGUSR2): a checkpoint, as
  // dump_database() asks for, soon after. Async-signal-safe.
  static void signal_checkpoint();

  Runtime& runtime();

 private:
  std::unique_ptr<Runtime> rt_;
};

}  // namespace echo::actors
