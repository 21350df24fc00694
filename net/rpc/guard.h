// What keeps one RPC connection from growing the server: the two wrappers
// between the socket and Cap'n Proto's two-party network (server.cpp).
#pragma once

#include <capnp/rpc.capnp.h>
#include <capnp/serialize-async.h>
#include <kj/async-io.h>

#include <chrono>
#include <functional>

#include "net/rpc/server_impl.h"

namespace echo::rpc {

// The connection's byte stream, read only while the answers waiting for the
// client stay under a bound: a client that sends calls and never reads the
// answers is held back by TCP instead of growing the server, and dropped if
// it stays so past the grace.
class BoundedStream final : public kj::AsyncIoStream {
 public:
  BoundedStream(kj::Own<kj::AsyncIoStream> inner, RpcServer::Impl& s) : inner_(kj::mv(inner)), s_(s) {}
  // Whether too much waits to be sent (set once the network exists).
  std::function<bool()> backlogged;

  kj::Promise<size_t> tryRead(void* buf, size_t min, size_t max) override {
    if (!backlogged || !backlogged()) {
      stuck_ = false;
      return inner_->tryRead(buf, min, max);
    }
    auto now = std::chrono::steady_clock::now();
    if (!stuck_) stuck_ = true, stuck_since_ = now;
    if (std::chrono::duration<double>(now - stuck_since_).count() > s_.opt.backlog_grace_seconds)
      return KJ_EXCEPTION(DISCONNECTED, "the client did not read its answers");
    return s_.timer->afterDelay(20 * kj::MILLISECONDS).then([this, buf, min, max] { return tryRead(buf, min, max); });
  }
  kj::Promise<void> write(const void* buf, size_t n) override { return inner_->write(buf, n); }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    return inner_->write(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner_->whenWriteDisconnected(); }
  void shutdownWrite() override { inner_->shutdownWrite(); }
  void abortRead() override { inner_->abortRead(); }
  void getpeername(struct sockaddr* addr, uint* len) override { inner_->getpeername(addr, len); }
  void getsockname(struct sockaddr* addr, uint* len) override { inner_->getsockname(addr, len); }

 private:
  kj::Own<kj::AsyncIoStream> inner_;
  RpcServer::Impl& s_;
  bool stuck_ = false;
  std::chrono::steady_clock::time_point stuck_since_;
};

// The messages a connection reads, counted on their way in: Cap'n Proto
// keeps every answer (its whole response message, about 8 KiB) until the
// caller sends Finish, so a peer that asks without ever finishing could make
// the server hold answers without end for 100 bytes a call. Past `max_open`
// questions not finished the connection is dropped. A well-behaved client
// finishes each call when it drops the response.
class GuardedMessages final : public capnp::MessageStream {
 public:
  GuardedMessages(capnp::MessageStream& inner, size_t max_open) : inner_(inner), max_open_(max_open) {}

  kj::Promise<kj::Maybe<capnp::MessageReaderAndFds>> tryReadMessage(kj::ArrayPtr<kj::AutoCloseFd> fds,
                                                                    capnp::ReaderOptions options,
                                                                    kj::ArrayPtr<capnp::word> scratch) override {
    return inner_.tryReadMessage(fds, options, scratch)
        .then([this](kj::Maybe<capnp::MessageReaderAndFds>&& m) -> kj::Maybe<capnp::MessageReaderAndFds> {
          KJ_IF_MAYBE(msg, m) {
            switch (msg->reader->getRoot<capnp::rpc::Message>().which()) {
              case capnp::rpc::Message::CALL:
              case capnp::rpc::Message::BOOTSTRAP:
                if (++open_ > max_open_)
                  kj::throwFatalException(KJ_EXCEPTION(DISCONNECTED, "too many calls not finished", max_open_));
                break;
              // The RPC system refuses a Finish of no question (it ends the
              // connection), so a Finish here ends one question.
              case capnp::rpc::Message::FINISH:
                if (open_ > 0) --open_;
                break;
              default:
                break;
            }
          }
          return kj::mv(m);
        });
  }
  kj::Promise<void> writeMessage(kj::ArrayPtr<const int> fds,
                                 kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments) override {
    return inner_.writeMessage(fds, segments);
  }
  kj::Promise<void> writeMessages(kj::ArrayPtr<kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>>> messages) override {
    return inner_.writeMessages(messages);
  }
  kj::Maybe<int> getSendBufferSize() override { return inner_.getSendBufferSize(); }
  kj::Promise<void> end() override { return inner_.end(); }

 private:
  capnp::MessageStream& inner_;
  size_t max_open_;
  size_t open_ = 0;
};

}  // namespace echo::rpc
