#include "actors/output_queue.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "lang/limits.h"

namespace echo::actors {

OutputQueue::Block OutputQueue::block(std::string text, uint64_t seq) {
  Block b;
  b.text = std::move(text);
  b.seq = seq;
  b.size = b.text.size();
  return b;
}

bool OutputQueue::push(std::string_view text, bool newline, bool flush_ok, size_t limit) {
  size_t length = text.size() + (newline ? 2 : 0);
  std::lock_guard<std::mutex> lk(mu_);
  size_t total = queued_ + in_flight_;
  // net_multi.c enqueue_output: an empty queue takes a line of any length.
  if (total != 0 && total + length > limit) {
    size_t to_flush = total + length - limit;
    if (!flush_ok) return false;
    while (to_flush > 0 && !blocks_.empty() && !blocks_.front().close) {
      size_t n = blocks_.front().size;
      queued_ -= n;
      to_flush -= std::min(to_flush, n);
      ++lines_lost_;
      blocks_.pop_front();
    }
  }
  Block b = block(std::string(text), kUncommitted);
  if (newline) b.text += "\r\n";
  b.size = b.text.size();
  queued_ += b.size;
  blocks_.push_back(std::move(b));
  return true;
}

void OutputQueue::push_event(Value event, size_t limit) {
  size_t size = value_bytes(event);
  std::lock_guard<std::mutex> lk(mu_);
  size_t total = queued_ + in_flight_;
  if (total != 0 && total + size > limit) {
    size_t to_flush = total + size - limit;
    while (to_flush > 0 && !blocks_.empty() && !blocks_.front().close) {
      queued_ -= blocks_.front().size;
      to_flush -= std::min(to_flush, blocks_.front().size);
      ++lines_lost_;
      blocks_.pop_front();
    }
  }
  Block b = block(std::string(), kUncommitted);
  b.event = std::move(event);
  b.size = size;
  queued_ += size;
  blocks_.push_back(std::move(b));
}

void OutputQueue::push_now(std::string text) {
  std::lock_guard<std::mutex> lk(mu_);
  auto at = std::find_if(blocks_.begin(), blocks_.end(), [&](const Block& b) { return b.seq > released_; });
  queued_ += text.size();
  Block b = block(std::move(text), 0);
  b.size = b.text.size();
  blocks_.insert(at, std::move(b));
}

void OutputQueue::push_close() {
  std::lock_guard<std::mutex> lk(mu_);
  Block b = block(std::string(), kUncommitted);
  b.close = true;
  blocks_.push_back(std::move(b));
}

void OutputQueue::commit(uint64_t seq) {
  std::lock_guard<std::mutex> lk(mu_);
  // The uncommitted blocks are the queue's tail.
  for (auto it = blocks_.rbegin(); it != blocks_.rend() && it->seq == kUncommitted; ++it) it->seq = seq;
}

void OutputQueue::release(uint64_t seq) {
  std::lock_guard<std::mutex> lk(mu_);
  released_ = std::max(released_, seq);
}

size_t OutputQueue::length() const {
  std::lock_guard<std::mutex> lk(mu_);
  return queued_ + in_flight_;
}

// With mu_ held: the overflow notice (net_multi.c push_output: it goes
// before the output that is left), then the released lines, up to about
// `max` bytes (a longer line comes whole), stopping at a close or an event.
std::string OutputQueue::take_text(size_t max) {
  std::string bytes;
  if (lines_lost_ > 0) {
    bytes = overflow_notice(lines_lost_);
    lines_lost_ = 0;
  }
  while (releasable()) {
    Block& b = blocks_.front();
    if (b.close || b.event) break;
    if (!bytes.empty() && bytes.size() + b.text.size() > max) break;
    queued_ -= b.size;
    bytes += b.text;
    blocks_.pop_front();
  }
  return bytes;
}

OutputQueue::Chunk OutputQueue::take(size_t max, bool lend_if_idle) {
  kick_armed_.store(false);  // before looking: a push after this look kicks again
  Chunk c;
  std::lock_guard<std::mutex> lk(mu_);
  c.bytes = take_text(max);
  if (releasable()) {
    Block& b = blocks_.front();
    if (b.close) {
      c.close = true;
      blocks_.pop_front();
    } else if (b.event && c.bytes.empty()) {  // the lines before it go first; it comes alone
      c.event = std::move(b.event);
      queued_ -= b.size;
      blocks_.pop_front();
    }
  }
  in_flight_ += c.bytes.size();
  lent_.store(lend_if_idle && socket_ >= 0 && c.bytes.empty() && !c.close && !c.event);
  return c;
}

void OutputQueue::set_in_flight(size_t bytes) {
  std::lock_guard<std::mutex> lk(mu_);
  in_flight_ = bytes;
}

void OutputQueue::give_socket(int fd) {
  std::lock_guard<std::mutex> lk(mu_);
  if (socket_ >= 0) ::close(socket_);
  socket_ = fd;
}

void OutputQueue::close_socket() {
  std::lock_guard<std::mutex> lk(mu_);
  lent_.store(false);
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
}

bool OutputQueue::write_direct() {
  std::lock_guard<std::mutex> lk(mu_);
  if (!lent_.load() || socket_ < 0) return false;
  std::string bytes = take_text(SIZE_MAX);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(socket_, bytes.data() + sent, bytes.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // full (EAGAIN) or failing: the session takes over
    }
  }
  if (sent == bytes.size() && !releasable()) return true;  // else a close or an event is next
  if (sent < bytes.size()) {  // back at the head, to go first
    Block b = block(bytes.substr(sent), 0);
    queued_ += b.size;
    blocks_.push_front(std::move(b));
  }
  lent_.store(false);
  return false;
}

std::string OutputQueue::overflow_notice(uint64_t lines) {
  // net_multi.c push_output, with the protocol's end of line (CRLF) around it.
  return "\r\n>> Network buffer overflow: " + std::to_string(lines) + (lines == 1 ? " line" : " lines") +
         " of output to you " + (lines == 1 ? "has" : "have") + " been lost <<\r\n";
}

}  // namespace echo::actors
