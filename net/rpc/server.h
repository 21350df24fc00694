// The RPC listener: Cap'n Proto's two-party RPC (net/rpc/echo.capnp) for
// external tools and the CLI client (docs/rpc.md). A sibling of telnet.h
// and http.h, and as thin: calls become requests to the runtime
// (actors/web.h, SessionPort) and their answers come back as messages, so
// neither side waits for the other.
//
// Threads: KJ's event loop is single-threaded; it runs on a thread of its
// own, which does nothing but RPC I/O. The runtime answers on its threads
// through cross-thread promise fulfillers, so a running task never blocks
// the loop and a slow client never blocks a task.
#pragma once

#include <caf/actor_system.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/runtime.h"
#include "actors/web.h"

namespace echo::rpc {

struct RpcOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 7780;  // 0: any free port
  // Where the wizard key is written at start (64 hex digits, mode 0600),
  // with the address it listens on; removed at stop. Empty: no key logins.
  std::string key_file;
  size_t max_connections = 256;          // past it a new connection is closed at once
  size_t max_connections_per_address = 64;
  uint64_t traversal_limit_words = 1 << 20;  // 8 MiB read per message
  size_t flow_limit_words = 1 << 18;     // 2 MiB of calls unanswered per connection
  size_t max_open_questions = 256;       // calls not finished by the client (each answer is held till then)
  size_t max_sessions_per_connection = 16;  // live Session capabilities (each login makes one)
  size_t max_backlog_bytes = 4 << 20;    // answers not taken by the client before it is not read
  size_t max_backlog_messages = 1024;    // ... or so many of them (each holds 8 KiB or more)
  double backlog_grace_seconds = 60;     // ... and how long that may last before it is dropped
  std::function<void(const std::string&)> log;
};

class RpcServer {
 public:
  // Listens, writes the key file; throws std::runtime_error (with KJ's
  // reason) when the address cannot be bound or the key not written.
  RpcServer(caf::actor_system& sys, actors::SessionPort sessions, actors::WebPort web, RpcOptions options);
  ~RpcServer();  // closes every connection (their narratives end) and removes the key file
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  uint16_t port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The key file's name beside a store: NAME.db/rpc.key.
std::string key_file_for(const std::string& store_dir);

}  // namespace echo::rpc
