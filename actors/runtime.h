// The runtime's interface for sessions (net/): connections open, deliver
// lines and close through these calls; the world queues their output in an
// OutputQueue and tells the session actor with output_atom
// (actors/messages.h).
#pragma once

#include <caf/actor.hpp>

#include <cstdint>
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

struct SessionPort {
  Runtime* rt = nullptr;
  // A new connection (LambdaMOO's server_new_connection): it gets the next
  // negative id and an empty login line is queued, as LambdaMOO does.
  // `hold` is kept as long as the runtime has the connection (its queued
  // lines may run after the client went).
  Session open(caf::actor session, const std::string& name, std::shared_ptr<const void> hold = nullptr) const;
  // The lines of one read from the client (already filtered: no CR/LF,
  // printable bytes only), queued together: a command among them never
  // starts before the lines typed after it are waiting for its read().
  void lines(ConnHandle h, std::vector<std::string> lines) const;
  // The client went away.
  void closed(ConnHandle h) const;
  // A listener actor, stopped when the server stops.
  void listener(caf::actor a) const;
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
