// A connection's output on its way to the client: queued in the server up to
// a limit, as LambdaMOO's network layer queues it (net_multi.c
// enqueue_output / push_output), and handed to the session (net/) a chunk at
// a time as the socket takes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "lang/value.h"

namespace echo::actors {

// A connection's input the runtime has not yet taken, in bytes (LambdaMOO's
// MAX_QUEUED_INPUT, tasks.c INPUT_HIWAT / INPUT_LOWAT): past kHigh the
// session stops reading its socket, so a client that types faster than its
// commands run is held back by TCP instead of growing the server; the
// runtime wakes the session again below kLow. Shared by the two, lock-free.
struct InputMeter {
  static constexpr int64_t kHigh = 65536;
  static constexpr int64_t kLow = kHigh / 2;
  std::atomic<int64_t> queued{0};
  // What a line counts for, on both sides: its text and its line end.
  static int64_t bytes_of(std::string_view line) { return int64_t(line.size()) + 1; }
  static int64_t bytes_of(const std::vector<std::string>& lines) {
    int64_t n = 0;
    for (const auto& l : lines) n += bytes_of(l);
    return n;
  }
  std::atomic<bool> halted{false};  // the session stopped reading; whoever clears it resumes it

  // The session's side: `bytes` more sent on. True when it should stop
  // reading now (it has set halted; it calls resumable() once it has).
  bool sent(int64_t bytes) {
    return queued.fetch_add(bytes) + bytes > kHigh && !halted.exchange(true);
  }
  // After stopping: true when the runtime took enough meanwhile that the
  // session must read again itself (the runtime saw halted unset).
  bool resumable() { return queued.load() < kLow && halted.exchange(false); }
  // The runtime's side: `bytes` taken. True when the session must be told
  // to read again.
  bool taken(int64_t bytes) { return queued.fetch_sub(bytes) - bytes < kLow && halted.exchange(false); }
};

// Thread safety: every member may be called from any thread. The runtime
// pushes (with its mutex held); the connection's session takes.
//
// Durability: a block is pushed uncommitted (the running segment's output),
// gets a sequence number when its segment commits (commit()) and may be taken
// only once that sequence is durable (release()).
class OutputQueue {
 public:
  // LambdaMOO's MAX_QUEUED_OUTPUT (options.h), and ToastStunt's floor for
  // $server_options.max_queued_output.
  static constexpr size_t kDefaultLimit = 65536;
  static constexpr size_t kMinLimit = 2048;

  // Queues `text` (and CRLF if `newline`) as one line, uncommitted. When the
  // queue is not empty and the line would take it past `limit`, the oldest
  // queued lines are dropped to make room (counted for the overflow notice)
  // if `flush_ok`; else nothing is queued and it returns false (LambdaMOO's
  // network_send_line). Bytes already handed to the session (in flight) are
  // never dropped, so the length can pass the limit by them and by one line.
  bool push(std::string_view text, bool newline, bool flush_ok, size_t limit);
  // Queues `text` to go out at once, ahead of the output still waiting for
  // its commit or sync (the flush command's answer). Never dropped for room.
  void push_now(std::string text);
  // The connection closes once everything queued before this is taken.
  void push_close();
  // An event for a web client ({name, source, target, args}), queued in
  // order with the lines and dropped for room like them (web sessions only).
  void push_event(Value event, size_t limit);
  // The uncommitted lines belong to a commit that is durable once `seq` is.
  void commit(uint64_t seq);
  // Everything committed at or before `seq` is durable: it may be taken.
  void release(uint64_t seq);
  // True for the first call after the session last took: the caller tells
  // the session there is output (one message waits at most).
  bool arm_kick() { return !kick_armed_.exchange(true); }

  // The bytes held for the client: queued lines (committed or not) and the
  // ones handed to the session that the socket has not taken yet
  // (buffered_output_length()).
  size_t length() const;

  // ---- the session's side ----
  struct Chunk {
    std::string bytes;   // to write: the overflow notice first, if lines were lost
    bool close = false;  // then close the connection
    std::optional<Value> event;  // after bytes: the event that was next (push_event)
  };
  // Up to about `max` bytes of releasable output (a line longer than that
  // comes whole), and the session's in-flight count grows by its size.
  // With `lend_if_idle`, when there is nothing to take, the socket the
  // session gave (give_socket) is lent to the runtime to write to until the
  // next take; otherwise it goes back to the session.
  Chunk take(size_t max, bool lend_if_idle = false);
  // What the session has not yet written to the socket (CAF's ack).
  void set_in_flight(size_t bytes);

  // ---- writing straight to the socket ----
  // A telnet session's network thread need not be woken for each answer:
  // while the session has nothing in flight, it lends the queue a copy of
  // its socket (a dup, so that the session's close cannot hand the number
  // to another connection under a writer), and the runtime writes released
  // output itself, without blocking. What the socket does not take at once
  // stays queued and the session is told, as before.
  void give_socket(int fd);  // the session's dup; closed by close_socket()
  void close_socket();       // the session ends: no more direct writes
  bool socket_lent() const { return lent_.load(std::memory_order_relaxed); }
  // With the socket lent: writes the released output (the overflow notice
  // first). True when nothing is left for the session to do; false when it
  // must be told (output left over, a close, an event, no socket).
  bool write_direct();

  // LambdaMOO's notice for `lines` lost lines, with its CRLFs.
  static std::string overflow_notice(uint64_t lines);

  // The connection's input on its way the other way (sessions count what
  // they send, the runtime what it takes).
  InputMeter input;

  // The connection's "binary" option (set_connection_option): its session
  // then hands on each read's bytes as one binary string, as LambdaMOO does.
  bool binary_input() const { return binary_input_.load(std::memory_order_relaxed); }
  void set_binary_input(bool on) { binary_input_.store(on, std::memory_order_relaxed); }

 private:
  std::atomic<bool> binary_input_{false};
  static constexpr uint64_t kUncommitted = UINT64_MAX;
  struct Block {
    std::string text;
    uint64_t seq;        // kUncommitted, or the commit it waits for
    bool close = false;  // push_close()'s marker (no text)
    std::optional<Value> event;  // push_event()'s (text is empty; size counts its bytes)
    size_t size = 0;             // text.size(), or the event's estimated size
  };
  static Block block(std::string text, uint64_t seq);
  bool releasable() const { return !blocks_.empty() && blocks_.front().seq <= released_; }  // mu_ held
  std::string take_text(size_t max);
  mutable std::mutex mu_;
  std::deque<Block> blocks_;
  size_t queued_ = 0;      // bytes in blocks_
  size_t in_flight_ = 0;   // taken, not yet written to the socket
  uint64_t released_ = 0;  // blocks with seq <= this may be taken
  uint64_t lines_lost_ = 0;
  std::atomic<bool> kick_armed_{false};
  int socket_ = -1;                // the session's dup of its socket (under mu_)
  std::atomic<bool> lent_{false};  // the runtime may write to it (set under mu_)
};

}  // namespace echo::actors
