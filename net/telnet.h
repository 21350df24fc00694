// The telnet listener: one broker actor accepts connections and forks a
// session broker per connection, which turns bytes into lines (filtered as
// LambdaMOO does) for the runtime and writes the runtime's output back.
#pragma once

#include <caf/actor_system.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/runtime.h"

namespace echo::net {

// Splits telnet input into lines: CR and LF end lines (CRLF is one end),
// telnet IAC sequences are removed, and only printable ASCII and tab are
// kept (LambdaMOO drops every other byte). A line longer than max_line is
// cut there and the rest of it, up to its end, discarded.
class LineFilter {
 public:
  explicit LineFilter(size_t max_line = 64 * 1024) : max_line_(max_line) {}
  // Feeds bytes; appends each completed line to `out`.
  void feed(std::string_view bytes, std::vector<std::string>& out);

 private:
  enum class State { Data, Iac, Option, Sub, SubIac } state_ = State::Data;
  std::string line_;
  size_t max_line_;
  bool overflow_ = false;
  bool last_cr_ = false;
};

struct TelnetOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 7777;  // 0: any free port
  // Connections open at once, from every address; past it a newcomer gets
  // LambdaMOO's server_full_msg. <= 0: no limit (connection_limit() is the
  // usual value).
  int64_t max_connections = 0;
  // The object whose verbs handle its connections (do_login_command,
  // user_connected ...), and whether the server prints its messages to them
  // (*** Connected *** and co.): #0 and yes, unless listen() says otherwise.
  int64_t handler = 0;
  bool print_messages = true;
};

// How many telnet connections a server may hold so that, with `others`
// descriptors for HTTP, it never runs out of file descriptors (the store
// needs some to write, and an accept at the limit fails over and over):
// raises the soft RLIMIT_NOFILE to the hard one first.
int64_t connection_limit(int64_t others);

// Why `port` on `bind` cannot be listened on, in words a user can act on
// ("port 7777 is in use; pick another with --telnet-port"), or "" when it
// can (a probe: bound and closed at once). `flag` names the option.
std::string port_problem(const std::string& bind, uint16_t port, const char* flag);

// Starts listening; returns the port. Throws std::runtime_error when the
// address cannot be bound.
uint16_t start_telnet(caf::actor_system& sys, actors::SessionPort port, const TelnetOptions& options);

// What listen() opens (SessionPort::set_listen_hook): a listening point
// like start_telnet's, not registered with the runtime, which holds its lock
// while it waits for this and records the point itself. The port is 0 when
// it cannot listen; `denied` then says the address needs privileges.
actors::ListenPoint open_listening_point(caf::actor_system& sys, actors::SessionPort port,
                                         const TelnetOptions& options);

// open_network_connection()'s (SessionPort::set_connect_hook): connects to
// host:port from `bind` within `timeout` seconds, on the calling thread (a
// background one), and makes the connection a session of connection object
// `id`, handled by `handler`, as LambdaMOO's outbound connections are.
actors::SessionPort::OutboundResult connect_outbound(caf::actor_system& sys, actors::SessionPort port,
                                                     const std::string& bind, const std::string& host,
                                                     uint16_t remote_port, int64_t handler, int64_t id,
                                                     double timeout);

}  // namespace echo::net
