// HttpServer's insides, shared by http.cpp (requests) and websocket.cpp.
#pragma once

#include <civetweb.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "actors/output_queue.h"
#include "net/http.h"
#include "net/json.h"

namespace echo::net {

struct WsConn;
struct ConsoleHub;  // console_ws.cpp

// A logged-in browser session: one runtime connection (a player logged in,
// as a telnet one is) shared by the WebSockets that present its token, and
// kept for HttpOptions::detached_grace after the last one goes, so that a
// client that reconnects misses nothing (the frames it missed are replayed
// from `replay`, each numbered by `seq`).
struct WebSession {
  std::string token;
  int64_t player = -1;
  actors::Session conn;  // handle and output queue
  caf::actor actor;      // takes the runtime's output_atom
  std::mutex mu;
  uint64_t seq = 0;                                 // the last frame's number
  std::deque<std::pair<uint64_t, std::string>> replay;  // (seq, frame text)
  size_t replay_bytes = 0;
  std::string partial;           // output after the last line end
  std::set<WsConn*> attached;
  double detached_since = 0;     // unix time; 0 while a WebSocket is attached
  bool ended = false;            // the runtime closed the connection
  static constexpr size_t kReplayFrames = 1000;
  static constexpr size_t kReplayBytes = 1 << 20;
};

// One WebSocket connection (CivetWeb's user connection data).
//
// Frames go out through an outbox and a writer thread of its own: a write
// to a client that does not read blocks (up to CivetWeb's timeout), and it
// must block neither the runtime's actors nor other clients. A client that
// lets kMaxOutbox bytes pile up is closed (1008).
struct WsConn {
  mg_connection* conn = nullptr;
  std::string address;
  std::string offered_token;  // from Sec-WebSocket-Protocol, if any
  std::shared_ptr<WebSession> session;
  std::mutex write_mu;        // guards the outbox and closing
  std::condition_variable outbox_cv;
  std::deque<std::pair<int, std::string>> outbox;  // (opcode, payload)
  size_t outbox_bytes = 0;
  bool closing = false;       // a close frame is queued: nothing more goes out
  bool stop = false;          // the connection is gone: the writer ends
  // Asked for in its auth frame ("batch": true): text frames waiting in
  // the outbox together go out as one message, a JSON array of them.
  bool batch = false;
  std::thread writer;
  static constexpr size_t kMaxOutbox = 1 << 20;
  // Rate limit: messages in the current second.
  double window_start = 0;
  int window_count = 0;
};

struct HttpServer::Impl {
  caf::actor_system& sys;
  actors::SessionPort sessions;
  actors::WebPort web;
  HttpOptions opt;
  mg_context* ctx = nullptr;
  uint16_t bound_port = 0;

  // Web sessions with a runtime connection, by token.
  std::mutex sessions_mu;
  std::unordered_map<std::string, std::shared_ptr<WebSession>> web_sessions;

  // Failed logins per address in the current minute.
  std::mutex login_mu;
  struct Failures {
    double window_start = 0;
    int count = 0;
  };
  std::unordered_map<std::string, Failures> login_failures;

  // WebSockets open per address (max_connections_per_ip).
  std::mutex ws_mu;
  std::unordered_map<std::string, int64_t> ws_per_address;
  std::atomic<int64_t> ws_open{0};

  // /metrics: requests by route and status class, and their latencies.
  struct RouteStats {
    std::atomic<uint64_t> count[6]{};    // by status / 100 (0: other)
    std::atomic<uint64_t> buckets[12]{};  // latency histogram (kBuckets)
    std::atomic<uint64_t> sum_us{0};
  };
  static constexpr double kBuckets[12] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                          0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  std::map<std::string, RouteStats> route_stats;  // fixed at start: no lock needed to count
  void count(const std::string& route, int status, double seconds);

  // Housekeeping: detached sessions past their grace are closed.
  std::thread sweeper;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  std::atomic<bool> stopping{false};  // also read by waiting workers, without stop_mu
  void sweep();

  Impl(caf::actor_system& s, actors::SessionPort p, actors::WebPort w, HttpOptions o)
      : sys(s), sessions(p), web(w), opt(std::move(o)) {}

  // ---- websocket.cpp ----
  void register_websocket();
  std::shared_ptr<WebSession> session_for(const std::string& token, int64_t player, const std::string& address);
  void close_all_websockets();

  // ---- console_ws.cpp: the operator's console socket (/ws/console) ----
  void register_console();
  void close_consoles();
  // Declared last: destroyed first, its pusher thread stopped while the
  // rest is still here.
  std::shared_ptr<ConsoleHub> console;
};

double unix_time();
// Queues one text frame for the connection's writer; false once it closes.
bool ws_send(WsConn& c, const std::string& text);
// The connection's writer thread (on_ready starts it, on_close ends it).
void ws_writer(WsConn* c);
// Waits (a second at most) until the frames queued so far are written: a
// handler about to end the connection lets its close frame out first.
void ws_flush(WsConn& c);
// Sends a close frame with `code` and `why` (once); the client closes.
void ws_close(WsConn& c, int code, const std::string& why);

}  // namespace echo::net
