#include "net/telnet.h"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>

#include "actors/messages.h"
#include "actors/output_queue.h"

namespace echo::net {

namespace {

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

struct SessionState {
  actors::ConnHandle handle = 0;
  std::shared_ptr<actors::OutputQueue> out;
  LineFilter filter;
  size_t unwritten = 0;  // handed to CAF, not yet taken by the socket
  bool closing = false;
};

// The most output handed to CAF at once: the rest stays in the OutputQueue,
// where it counts against max_queued_output and old lines can be dropped.
constexpr size_t kWriteChunk = 16 * 1024;

caf::behavior telnet_session(caf::io::broker* self, caf::io::connection_handle hdl, actors::SessionPort port,
                             std::string name) {
  auto st = std::make_shared<SessionState>();
  self->configure_read(hdl, caf::io::receive_policy::at_most(4096));
  // data_transferred_msg says how much CAF still holds, so that the next
  // chunk goes once the socket took the last one.
  self->ack_writes(hdl, true);
  actors::Session session = port.open(caf::actor_cast<caf::actor>(self), name);
  st->handle = session.handle;
  st->out = std::move(session.out);
  std::string label = "session " + std::to_string(st->handle) + " (" + name + ")";
  // Reports each message's time to the monitor. (Not mailbox().size():
  // reading it from inside the actor upsets CAF 0.17's blocked-mailbox state.)
  auto done = [=](std::chrono::steady_clock::time_point t0) {
    port.stats(label, st->handle, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  };
  // Hands CAF the next chunk when it has written the last one.
  auto pump = [=] {
    if (st->closing || st->unwritten > 0) return;
    actors::OutputQueue::Chunk chunk = st->out->take(kWriteChunk);
    if (!chunk.bytes.empty()) {
      self->write(hdl, chunk.bytes.size(), chunk.bytes.data());
      self->flush(hdl);
      st->unwritten += chunk.bytes.size();
    }
    if (chunk.close) {  // CAF still sends what it holds, then closes
      st->closing = true;
      self->close(hdl);
      port.gone(label);
      self->quit();
    }
  };
  return {
      [=](const caf::io::new_data_msg& msg) {
        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::string> lines;
        st->filter.feed(std::string_view(msg.buf.data(), msg.buf.size()), lines);
        // An exception would end this broker (and the connection) silently.
        if (!lines.empty()) try {
            port.lines(st->handle, std::move(lines));
          } catch (const std::exception& e) {
            std::fprintf(stderr, "SESSION %s: input dropped: %s\n", std::string(name).c_str(), e.what());
          }
        done(t0);
      },
      [=](const caf::io::data_transferred_msg& msg) {
        st->unwritten = msg.remaining;
        st->out->set_in_flight(msg.remaining);
        if (msg.remaining == 0) pump();
      },
      [=](const caf::io::connection_closed_msg&) {
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
  port.listener(caf::actor_cast<caf::actor>(self));
  ready->set_value(bound);
  return {
      [=](const caf::io::new_connection_msg& msg) {
        std::string name = "port " + std::to_string(bound) + " from " + self->remote_addr(msg.handle) + ", port " +
                           std::to_string(self->remote_port(msg.handle));
        self->fork(telnet_session, msg.handle, port, name);
      },
  };
}

}  // namespace

uint16_t start_telnet(caf::actor_system& sys, actors::SessionPort port, const TelnetOptions& options) {
  auto ready = std::make_shared<std::promise<uint16_t>>();
  auto fut = ready->get_future();
  sys.middleman().spawn_broker(telnet_acceptor, port, options, ready);
  return fut.get();
}

}  // namespace echo::net
