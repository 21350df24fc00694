// The runtime's interface for sessions (net/): connections open, deliver
// lines and close through these calls; the world queues their output in an
// OutputQueue and tells the session actor with output_atom
// (actors/messages.h).
#pragma once

#include <caf/actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace echo::actors {

class Runtime;
class OutputQueue;

// A stable handle for a connection (its MOO id changes at login).
using ConnHandle = uint64_t;

// What a session gets when it opens: its handle, and the queue its output
// arrives in (take() it when told; it says when to close).
struct Session {
  ConnHandle handle = 0;
  std::shared_ptr<OutputQueue> out;
};

// A listening point listen() opened (net/ makes it: actors/ knows no
// sockets). port 0: it could not; `denied`: the address needs privileges.
struct ListenPoint {
  uint16_t port = 0;
  caf::actor actor;  // its acceptor, stopped by unlisten()
  bool denied = false;
  std::string why;
};

struct SessionPort {
  Runtime* rt = nullptr;
  // A new connection (LambdaMOO's server_new_connection): it gets the next
  // negative id and an empty login line is queued, as LambdaMOO does.
  // `hold` is kept as long as the runtime has the connection (its queued
  // lines may run after the client went).
  // `handler`: the object whose verbs handle it (#0, or listen()'s);
  // `print_messages`: whether the server's own messages go to it.
  Session open(caf::actor session, const std::string& name, std::shared_ptr<const void> hold = nullptr,
               int64_t handler = 0, bool print_messages = true) const;
  // The lines of one read from the client (already filtered: no CR/LF,
  // printable bytes only), queued together: a command among them never
  // starts before the lines typed after it are waiting for its read().
  void lines(ConnHandle h, std::vector<std::string> lines) const;
  // The client went away.
  void closed(ConnHandle h) const;
  // The server's first listening point (handled by #0, messages printed):
  // listeners() shows it, unlisten() may close it; stopped when the server stops.
  void listener(caf::actor a, uint16_t port) const;
  // How listen() opens a point (net::open_listening_point), set before
  // the server takes connections; without it listen() is E_PERM. Called
  // with the runtime's lock held: it must not wait for the runtime.
  using ListenHook = std::function<ListenPoint(int64_t handler, uint16_t port, bool print_messages)>;
  void set_listen_hook(ListenHook hook) const;
  // An outbound connection (open_network_connection, LambdaMOO's): like
  // open(), for the connection object `id` the builtin reserved, with no
  // login line queued and no server messages.
  Session open_outbound(caf::actor session, const std::string& name, int64_t handler, int64_t id) const;
  // How open_network_connection() connects (net::connect_outbound), set
  // only when the server allows outbound connections (`serve --outbound`).
  // Called on a background thread; "" when connected, else why not, and
  // `refused` for a host that cannot be found or reached (E_INVARG).
  struct OutboundResult {
    std::string error;
    bool refused = false;
  };
  using ConnectHook = std::function<OutboundResult(const std::string& host, uint16_t port, int64_t handler,
                                                   int64_t id, double timeout)>;
  void set_connect_hook(ConnectHook hook) const;
  // $server_options.max_connections_per_ip (cached; <= 0: no limit): the
  // connections one remote address may have open, counting those whose
  // typed lines the runtime still runs.
  int64_t max_connections_per_ip() const;
  void log(const std::string& line) const;  // the server log
  // For the monitor: the time a session's (or a listener's) message took;
  // gone() when it stops.
  void stats(const std::string& actor, ConnHandle h, double seconds, const char* kind = "session") const;
  void gone(const std::string& actor) const;
};

}  // namespace echo::actors
