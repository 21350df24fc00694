#include "net/telnet.h"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "actors/messages.h"
#include "actors/output_queue.h"
#include "lang/builtins/helpers.h"

namespace echo::net {

namespace {

using log_atom = caf::atom_constant<caf::atom("log")>;

constexpr unsigned char IAC = 255, SB = 250, SE = 240, WILL = 251, WONT = 252, DO = 253, DONT = 254;

}  // namespace

void LineFilter::feed(std::string_view bytes, std::vector<std::string>& out) {
  for (char ch : bytes) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (state_) {
      case State::Iac:
        if (c == SB) state_ = State::Sub;
        else if (c >= WILL && c <= DONT) state_ = State::Option;
        else state_ = State::Data;  // a two-byte command (or IAC IAC: a 0xFF, dropped below)
        continue;
      case State::Option:
        state_ = State::Data;
        continue;
      case State::Sub:
        if (c == IAC) state_ = State::SubIac;
        continue;
      case State::SubIac:
        state_ = c == SE ? State::Data : State::Sub;
        continue;
      case State::Data:
        break;
    }
    if (c == IAC) {
      state_ = State::Iac;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\n' && last_cr_) {  // CRLF: the line already ended at CR
        last_cr_ = false;
        continue;
      }
      last_cr_ = c == '\r';
      out.push_back(std::move(line_));
      line_.clear();
      overflow_ = false;
      continue;
    }
    last_cr_ = false;
    // LambdaMOO keeps printable ASCII and tab only.
    if (!((c >= 0x20 && c < 0x7F) || c == '\t')) continue;
    if (line_.size() >= max_line_) {
      overflow_ = true;
      continue;
    }
    line_.push_back(char(c));
  }
}

namespace {

// Connections open per remote address, each counted from its accept until
// both its session and the runtime have let go of it (its typed lines may run
// after the client went): what one address can make the server hold.
class AddressCounts : public std::enable_shared_from_this<AddressCounts> {
 public:
  // A slot for `addr` (it is given back when the last copy goes), or null
  // when `addr` has `max` open already, or all addresses `total_max`, and
  // then `full` says which (<= 0: no limit). Thread-safe.
  std::shared_ptr<const void> take(const std::string& addr, int64_t max, int64_t total_max, bool& full) {
    std::lock_guard<std::mutex> lk(mu_);
    full = total_max > 0 && total_ >= total_max;
    if (full) return nullptr;
    int64_t& n = open_[addr];
    if (max > 0 && n >= max) return nullptr;
    ++n;
    ++total_;
    auto self = shared_from_this();
    return std::shared_ptr<const void>(new char(0), [self, addr](const void* p) {
      delete static_cast<const char*>(p);
      std::lock_guard<std::mutex> lk(self->mu_);
      --self->total_;
      if (--self->open_[addr] <= 0) self->open_.erase(addr);
    });
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> open_;
  int64_t total_ = 0;
};

// LambdaMOO's server_full_msg, for one address, and for all of them.
constexpr char kRefusal[] =
    "*** Sorry, but the server cannot accept any more connections from your address right now.\r\n"
    "*** Please try again later.\r\n";
constexpr char kFull[] =
    "*** Sorry, but the server cannot accept any more connections right now.\r\n"
    "*** Please try again later.\r\n";

struct SessionState {
  std::shared_ptr<const void> hold;  // its address's slot
  actors::ConnHandle handle = 0;
  std::shared_ptr<actors::OutputQueue> out;
  LineFilter filter;
  size_t unwritten = 0;  // handed to CAF, not yet taken by the socket
  bool closing = false;
  // The runtime writes to a lent copy of the socket while this session has
  // nothing in flight (OutputQueue::write_direct); that copy is closed with
  // the session, however it ends, so that the client sees the close.
  ~SessionState() {
    if (out) out->close_socket();
  }
};

// The most output handed to CAF at once: the rest stays in the OutputQueue,
// where it counts against max_queued_output and old lines can be dropped.
constexpr size_t kWriteChunk = 16 * 1024;
// How long a closing connection may take to send its last output.
constexpr std::chrono::seconds kCloseGrace{10};

caf::behavior telnet_session(caf::io::broker* self, caf::io::connection_handle hdl, actors::SessionPort port,
                             std::string name, std::shared_ptr<const void> hold, int64_t handler,
                             bool print_messages, int64_t outbound_id) {
  auto st = std::make_shared<SessionState>();
  st->hold = hold;
  self->configure_read(hdl, caf::io::receive_policy::at_most(4096));
  // data_transferred_msg says how much CAF still holds, so that the next
  // chunk goes once the socket took the last one.
  self->ack_writes(hdl, true);
  actors::Session session =
      outbound_id != 0 ? port.open_outbound(caf::actor_cast<caf::actor>(self), name, handler, outbound_id)
                       : port.open(caf::actor_cast<caf::actor>(self), name, std::move(hold), handler, print_messages);
  st->handle = session.handle;
  st->out = std::move(session.out);
  int copy = ::fcntl(static_cast<int>(hdl.id()), F_DUPFD_CLOEXEC, 0);  // CAF 0.17: the id is the socket
  if (copy >= 0) st->out->give_socket(copy);
  std::string label = "session " + std::to_string(st->handle) + " (" + name + ")";
  // Reports each message's time to the monitor. (Not mailbox().size():
  // reading it from inside the actor upsets CAF 0.17's blocked-mailbox state.)
  auto done = [=](std::chrono::steady_clock::time_point t0) {
    port.stats(label, st->handle, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  };
  auto finish = [=] {
    st->out->close_socket();
    self->close(hdl);
    port.gone(label);
    self->quit();
  };
  // CAF's close() waits for the bytes it holds to be written: a client that
  // does not read would keep its socket for ever, and the middleman (which
  // waits for every socket) would never stop. Shut down, the socket fails
  // that write and CAF lets it go; the unsent bytes are lost.
  auto abort = [=] {
    ::shutdown(static_cast<int>(hdl.id()), SHUT_RDWR);  // CAF 0.17: a connection's id is its socket
    finish();
  };
  // Hands CAF the next chunk when it has written the last one.
  auto pump = [=] {
    if (st->closing || st->unwritten > 0) return;
    actors::OutputQueue::Chunk chunk = st->out->take(kWriteChunk, /*lend_if_idle=*/true);
    if (!chunk.bytes.empty()) {
      self->write(hdl, chunk.bytes.size(), chunk.bytes.data());
      self->flush(hdl);
      st->unwritten += chunk.bytes.size();
    }
    if (chunk.close) {  // closed once the socket took the rest, or aborted
      st->closing = true;
      if (st->unwritten == 0)
        finish();
      else
        self->delayed_send(self, kCloseGrace, actors::abort_atom::value);
    }
  };
  return {
      [=](const caf::io::new_data_msg& msg) {
        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::string> lines;
        if (st->out->binary_input()) {
          // LambdaMOO's binary mode: each read as one binary string, bytes
          // as they came (no line breaks, no telnet), for read_http() and co.
          lines.push_back(bi::raw_to_binary(std::string_view(msg.buf.data(), msg.buf.size())));
        } else {
          st->filter.feed(std::string_view(msg.buf.data(), msg.buf.size()), lines);
        }
        int64_t bytes = actors::InputMeter::bytes_of(lines);
        // An exception would end this broker (and the connection) silently.
        if (!lines.empty()) try {
            port.lines(st->handle, std::move(lines));
          } catch (const std::exception& e) {
            std::fprintf(stderr, "SESSION %s: input dropped: %s\n", std::string(name).c_str(), e.what());
          }
        // Too much typed ahead: TCP holds the rest until the runtime takes it.
        if (bytes > 0 && st->out->input.sent(bytes)) {
          self->halt(hdl);
          if (st->out->input.resumable()) self->trigger(hdl);
        }
        done(t0);
      },
      [=](actors::resume_input_atom) { self->trigger(hdl); },
      [=](const caf::io::data_transferred_msg& msg) {
        st->unwritten = msg.remaining;
        st->out->set_in_flight(msg.remaining);
        if (msg.remaining != 0) return;
        if (st->closing)
          finish();
        else
          pump();
      },
      [=](actors::abort_atom) { abort(); },
      [=](const caf::io::connection_closed_msg&) {
        st->out->close_socket();
        if (!st->closing) port.closed(st->handle);
        port.gone(label);
        self->quit();
      },
      [=](actors::output_atom) {
        auto t0 = std::chrono::steady_clock::now();
        pump();
        done(t0);
      },
  };
}

// An outbound connection's session: the socket connect_outbound() made.
caf::behavior outbound_session(caf::io::broker* self, int fd, actors::SessionPort port, std::string name,
                               int64_t handler, int64_t id) {
  caf::io::connection_handle hdl = self->add_scribe(fd);
  return telnet_session(self, hdl, port, std::move(name), nullptr, handler, false, id);
}

// The runtime records the point once `ready` (start_telnet, or listen(),
// whose task waits for it holding the runtime's lock: this thread, the
// network's, must never wait for that lock).
caf::behavior telnet_acceptor(caf::io::broker* self, actors::SessionPort port, TelnetOptions opt,
                              std::shared_ptr<std::promise<uint16_t>> ready) {
  auto r = self->add_tcp_doorman(opt.port, opt.bind.c_str(), true);
  if (!r) {
    ready->set_exception(std::make_exception_ptr(std::runtime_error(
        "cannot listen on " + opt.bind + " port " + std::to_string(opt.port) + ": " + self->system().render(r.error()))));
    self->quit();
    return {};
  }
  uint16_t bound = r->second;
  ready->set_value(bound);
  auto counts = std::make_shared<AddressCounts>();
  struct Refusals {
    uint64_t count = 0;  // since the last log line
    std::string last;    // the address of the last one
    int64_t max = 0;
    std::chrono::steady_clock::time_point logged;
    bool flush_due = false;  // a log_atom is on its way for the ones not logged yet
    bool full = false;       // some were refused for the server's limit, not the address's
  };
  auto refusals = std::make_shared<Refusals>();
  auto log_refusals = [=] {
    refusals->flush_due = false;
    if (refusals->count == 0) return;
    if (refusals->full)  // LambdaMOO's "SERVER FULL" line
      port.log("SERVER FULL: refused " + std::to_string(refusals->count) + " connection(s) on port " +
               std::to_string(bound) + ", the last from " + refusals->last + " (" +
               std::to_string(opt.max_connections) + " open, the most this server's file descriptors allow)");
    else
      port.log("REFUSED: " + std::to_string(refusals->count) + " connection(s) on port " + std::to_string(bound) +
               ", the last from " + refusals->last + ", which has " + std::to_string(refusals->max) +
               " open (max_connections_per_ip)");
    refusals->count = 0;
    refusals->full = false;
    refusals->logged = std::chrono::steady_clock::now();
  };
  std::string label = "listener port " + std::to_string(bound);  // its row in the monitor's table
  return {
      [=](const caf::io::new_connection_msg& msg) {
        struct Report {  // the accept's time to the monitor, however it ends (refused or not)
          actors::SessionPort port;
          const std::string& label;
          std::chrono::steady_clock::time_point t0;
          ~Report() {
            port.stats(label, 0, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                       "listener");
          }
        } report{port, label, std::chrono::steady_clock::now()};
        std::string addr = self->remote_addr(msg.handle);
        int64_t max = port.max_connections_per_ip();
        bool full = false;
        auto hold = counts->take(addr, max, opt.max_connections, full);
        if (!hold) {
          // Refused here, on the network thread, before the runtime or a
          // session hears of it: a flood from one address costs an accept,
          // a write and a close per connection. CAF sends the message, then
          // closes. One log line a second at most.
          if (full)
            self->write(msg.handle, sizeof kFull - 1, kFull);
          else
            self->write(msg.handle, sizeof kRefusal - 1, kRefusal);
          refusals->full = refusals->full || full;
          self->flush(msg.handle);
          self->close(msg.handle);
          ++refusals->count;
          refusals->last = addr;
          refusals->max = max;
          if (std::chrono::steady_clock::now() - refusals->logged >= std::chrono::seconds(1)) {
            log_refusals();
          } else if (!refusals->flush_due) {  // the rest of this second's, in a second
            refusals->flush_due = true;
            self->delayed_send(self, std::chrono::seconds(1), log_atom::value);
          }
          return;
        }
        std::string name = "port " + std::to_string(bound) + " from " + addr + ", port " +
                           std::to_string(self->remote_port(msg.handle));
        self->fork(telnet_session, msg.handle, port, name, std::move(hold), opt.handler, opt.print_messages,
                   int64_t(0));
      },
      [=](log_atom) { log_refusals(); },
  };
}

}  // namespace

namespace {
// Binds `port` on `bind` and closes it again: 0 when it can be listened on,
// else the errno (EADDRNOTAVAIL for an address that is not an IP address).
int probe_bind(const std::string& bind, uint16_t port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (getaddrinfo(bind.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) return EAFNOSUPPORT;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = fd < 0 ? -1 : ::bind(fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  if (fd >= 0) ::close(fd);
  freeaddrinfo(res);
  return rc == 0 ? 0 : err;
}
}  // namespace

std::string port_problem(const std::string& bind, uint16_t port, const char* flag) {
  if (port == 0) return {};
  int err = probe_bind(bind, port);
  if (err == 0) return {};
  if (err == EAFNOSUPPORT)
    return "cannot use the address " + bind + " (use an IP address such as 127.0.0.1 or 0.0.0.0)";
  std::string where = "port " + std::to_string(port) + " on " + bind;
  if (err == EADDRINUSE) return where + " is in use (another server?); pick another with " + flag;
  if (err == EACCES) return where + " needs privileges; pick one above 1023 with " + flag;
  if (err == EADDRNOTAVAIL) return bind + " is not an address of this machine";
  return "cannot listen on " + where + ": " + std::strerror(err);
}

int64_t connection_limit(int64_t others) {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  if (r.rlim_cur == RLIM_INFINITY) return 0;
  // The store's files, logs and listeners: a quarter, at least 64.
  int64_t fds = int64_t(std::min<rlim_t>(r.rlim_cur, rlim_t(1) << 40));
  int64_t left = fds - std::max<int64_t>(64, fds / 4) - std::max<int64_t>(others, 0);
  // A connection takes two: its socket and the copy the runtime writes to
  // (OutputQueue::give_socket).
  return std::max<int64_t>(left / 2, 16);
}

namespace {
// An acceptor listening as `options` say: its port and actor, once it
// listens. Throws std::runtime_error when it cannot.
std::pair<uint16_t, caf::actor> spawn_acceptor(caf::actor_system& sys, actors::SessionPort port,
                                               const TelnetOptions& options) {
  auto ready = std::make_shared<std::promise<uint16_t>>();
  auto fut = ready->get_future();
  caf::actor acceptor = sys.middleman().spawn_broker(telnet_acceptor, port, options, ready);
  uint16_t bound = fut.get();
  return {bound, std::move(acceptor)};
}
}  // namespace

uint16_t start_telnet(caf::actor_system& sys, actors::SessionPort port, const TelnetOptions& options) {
  if (std::string why = port_problem(options.bind, options.port, "--telnet-port"); !why.empty())
    throw std::runtime_error(why);
  auto [bound, acceptor] = spawn_acceptor(sys, port, options);
  port.listener(std::move(acceptor), bound);
  return bound;
}

actors::SessionPort::OutboundResult connect_outbound(caf::actor_system& sys, actors::SessionPort port,
                                                     const std::string& bind, const std::string& host,
                                                     uint16_t remote_port, int64_t handler, int64_t id,
                                                     double timeout) {
  actors::SessionPort::OutboundResult out;
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_INET;  // LambdaMOO's net_bsd_tcp.c: IPv4
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  if (getaddrinfo(host.c_str(), std::to_string(remote_port).c_str(), &hints, &res) != 0 || !res) {
    out.error = "cannot find the host " + host;
    out.refused = true;
    return out;
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> hold(res, freeaddrinfo);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    out.error = std::string("no socket: ") + std::strerror(errno);
    return out;
  }
  auto fail = [&](std::string why, bool refused) {
    ::close(fd);
    out.error = std::move(why);
    out.refused = refused;
    return out;
  };
  // From the server's own address (LambdaMOO binds bind_local_ip).
  if (bind != "0.0.0.0") {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (inet_pton(AF_INET, bind.c_str(), &local.sin_addr) == 1 &&
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
      return fail("cannot bind " + bind + ": " + std::strerror(errno), false);
  }
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, int(timeout * 1000));
    if (rc == 0) return fail("no answer from " + host + " within " + std::to_string(int(timeout)) + " s", true);
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    errno = err;
    rc = err == 0 ? 0 : -1;
  }
  if (rc != 0) {
    int err = errno;  // net_bsd_tcp.c: these four are the caller's (E_INVARG), the rest the server's
    bool refused = err == EADDRNOTAVAIL || err == ECONNREFUSED || err == ENETUNREACH || err == ETIMEDOUT ||
                   err == EHOSTUNREACH;
    return fail("cannot connect to " + host + " port " + std::to_string(remote_port) + ": " + std::strerror(err),
                refused);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  // LambdaMOO's name for it: "port LOCAL to HOST, port REMOTE".
  std::string name = "port " + std::to_string(ntohs(local.sin_port)) + " to " + host + ", port " +
                     std::to_string(remote_port);
  sys.middleman().spawn_broker(outbound_session, fd, port, name, handler, id);
  return out;
}

actors::ListenPoint open_listening_point(caf::actor_system& sys, actors::SessionPort port,
                                         const TelnetOptions& options) {
  actors::ListenPoint point;
  if (options.port != 0) {
    if (int err = probe_bind(options.bind, options.port); err != 0) {
      point.denied = err == EACCES;
      point.why = "port " + std::to_string(options.port) + " on " + options.bind + ": " + std::strerror(err);
      return point;
    }
  }
  try {
    std::tie(point.port, point.actor) = spawn_acceptor(sys, port, options);
  } catch (const std::exception& e) {
    point.why = e.what();
  }
  return point;
}

}  // namespace echo::net
