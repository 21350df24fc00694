// What keeps one RPC connection from growing the server: the two wrappers
// between the socket and Cap'n Proto's two-party network (server.cpp).
#pragma once

#include <capnp/rpc.capnp.h>
#include <capnp/serialize-async.h>
#include <kj/async-io.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>
#include <functional>

#include "net/rpc/server_impl.h"

namespace echo::rpc {

// The connection's byte stream, with two jobs:
//
// - Bounds: it is read only while the bytes waiting to be sent to the
//   client stay under a bound, so a client that sends calls and never reads
//   the answers is held back by TCP instead of growing the server, and is
//   dropped if it stays so past the grace.
// - Fewer system calls: Cap'n Proto 0.9 reads a message in two reads (its
//   segment table, then the rest) and writes each message with a writev of
//   its own. Reads here come from a buffer filled 64 KiB at a time, and the
//   messages written in one turn of the event loop go out in one write, so
//   64 pipelined calls cost a read and a write, not 128 reads and 64 writes.
//   A write completes once copied; what is copied counts as waiting.
class BoundedStream final : public kj::AsyncIoStream {
 public:
  BoundedStream(kj::Own<kj::AsyncIoStream> inner, RpcServer::Impl& s) : inner_(kj::mv(inner)), s_(s) {}
  // Whether too much waits to be sent (set once the network exists).
  std::function<bool()> backlogged;
  size_t unsent() const { return pending_.size() + writing_.size(); }

  kj::Promise<size_t> tryRead(void* buf, size_t min, size_t max) override {
    if (!backlogged || !backlogged()) {
      stuck_ = false;
      return read_into(static_cast<kj::byte*>(buf), min, max, 0);
    }
    auto now = std::chrono::steady_clock::now();
    if (!stuck_) stuck_ = true, stuck_since_ = now;
    if (std::chrono::duration<double>(now - stuck_since_).count() > s_.opt.backlog_grace_seconds)
      return KJ_EXCEPTION(DISCONNECTED, "the client did not read its answers");
    return s_.timer->afterDelay(20 * kj::MILLISECONDS).then([this, buf, min, max] { return tryRead(buf, min, max); });
  }
  kj::Promise<void> write(const void* buf, size_t n) override {
    kj::ArrayPtr<const kj::byte> one(static_cast<const kj::byte*>(buf), n);
    return write(kj::arrayPtr(&one, 1));
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    KJ_IF_MAYBE(e, failed_) { return kj::cp(*e); }
    for (auto p : pieces) pending_.insert(pending_.end(), p.begin(), p.end());
    if (!flushing_) {
      flushing_ = true;
      flush_ = kj::evalLater([this] { return flush(); }).eagerlyEvaluate([this](kj::Exception&& e) {
        failed_ = kj::mv(e);
        flushing_ = false;
      });
    }
    return kj::READY_NOW;
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner_->whenWriteDisconnected(); }
  void shutdownWrite() override {
    if (flushing_) shutdown_after_flush_ = true;  // what was written first goes out first
    else inner_->shutdownWrite();
  }
  void abortRead() override { inner_->abortRead(); }
  void getpeername(struct sockaddr* addr, uint* len) override { inner_->getpeername(addr, len); }
  void getsockname(struct sockaddr* addr, uint* len) override { inner_->getsockname(addr, len); }

 private:
  static constexpr size_t kReadChunk = 64 * 1024;

  kj::Promise<size_t> read_into(kj::byte* buf, size_t min, size_t max, size_t got) {
    size_t n = std::min(max - got, read_.size() - read_at_);
    if (n) std::memcpy(buf + got, read_.data() + read_at_, n);  // memcpy from an empty vector's null is UB
    read_at_ += n;
    got += n;
    if (got >= min) return got;
    if (max - got >= kReadChunk)  // a big message: straight into place
      return inner_->tryRead(buf + got, min - got, max - got).then([got](size_t r) { return got + r; });
    read_.resize(kReadChunk);
    read_at_ = 0;
    return inner_->tryRead(read_.data(), 1, kReadChunk).then([this, buf, min, max, got](size_t r) -> kj::Promise<size_t> {
      read_.resize(r);
      if (r == 0) return got;  // the end: a short read says so
      return read_into(buf, min, max, got);
    });
  }
  kj::Promise<void> flush() {
    if (pending_.empty()) {
      flushing_ = false;
      if (shutdown_after_flush_) inner_->shutdownWrite();
      return kj::READY_NOW;
    }
    writing_ = std::move(pending_);
    pending_.clear();
    return inner_->write(writing_.data(), writing_.size()).then([this] {
      writing_.clear();
      return flush();
    });
  }

  kj::Own<kj::AsyncIoStream> inner_;
  RpcServer::Impl& s_;
  bool stuck_ = false;
  std::chrono::steady_clock::time_point stuck_since_;
  std::vector<kj::byte> read_;  // read from the socket, not yet taken
  size_t read_at_ = 0;
  std::vector<kj::byte> pending_, writing_;  // to write; being written
  bool flushing_ = false, shutdown_after_flush_ = false;
  kj::Maybe<kj::Exception> failed_;
  kj::Promise<void> flush_ = nullptr;  // last: cancelled before the buffers go
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
