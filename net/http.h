// The web listener: CivetWeb serving the HTTP API (/api/...), /metrics and
// the WebSocket gateway (/ws) (docs/web.md). Like telnet.h, a thin adapter:
// CivetWeb's worker threads turn requests into messages to the runtime
// (actors/web.h, SessionPort) and wait for the answer with a timeout; they
// never touch the World.
#pragma once

#include <caf/actor_system.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "actors/runtime.h"
#include "actors/web.h"

namespace echo::net {

struct HttpOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;      // 0: any free port
  std::string tls_cert;      // PEM files: both set, the listener speaks HTTPS only
  std::string tls_key;
  // CivetWeb workers. Each connection holds one while it is read (a slow
  // client for at most request_timeout_ms), each open WebSocket for good.
  int threads = 512;
  size_t max_body = 1 << 20; // bytes of a request body (413 past it)
  double request_timeout = 30;  // seconds a request waits for the world (then 504)
  int login_failures_per_minute = 10;  // per address (then 429)
  // WebSocket limits (each refusal closes with a code that says why).
  size_t max_frame = 64 * 1024;
  int messages_per_second = 50;
  double detached_grace = 60;  // seconds a session's connection outlives its last WebSocket
};

class HttpServer {
 public:
  // Starts listening; throws std::runtime_error (with CivetWeb's reason)
  // when the address cannot be bound or the certificate not loaded.
  HttpServer(caf::actor_system& sys, actors::SessionPort sessions, actors::WebPort web, HttpOptions options);
  ~HttpServer();  // stops serving (closes every WebSocket)
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  bool tls() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace echo::net
