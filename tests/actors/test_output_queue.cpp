// OutputQueue: LambdaMOO's output limit (net_multi.c enqueue_output and
// push_output) and Echo's durability gate.
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "actors/output_queue.h"

using echo::actors::OutputQueue;

namespace {

std::string line(char c, size_t n) { return std::string(n, c); }

}  // namespace

TEST_CASE("output queue: lines wait for their commit's sync, then go in order", "[net]") {
  OutputQueue q;
  q.push("one", true, true, 100);
  CHECK(q.length() == 5);  // CRLF counts
  CHECK(q.take(1000).bytes.empty());  // not committed yet
  q.commit(3);
  q.release(2);
  CHECK(q.take(1000).bytes.empty());  // its sync is not done
  q.release(3);
  OutputQueue::Chunk c = q.take(1000);
  CHECK(c.bytes == "one\r\n");
  CHECK(!c.close);
  CHECK(q.length() == 5);  // in flight until the socket takes it
  q.set_in_flight(0);
  CHECK(q.length() == 0);
}

TEST_CASE("output queue: past the limit the oldest lines go, and the notice says how many", "[net]") {
  OutputQueue q;
  for (char c : {'a', 'b', 'c', 'd'}) q.push(line(c, 38), true, true, 100);  // 40 bytes each
  CHECK(q.length() == 80);  // a and b were dropped to make room
  q.commit(0);
  OutputQueue::Chunk c = q.take(1000);
  CHECK(c.bytes == "\r\n>> Network buffer overflow: 2 lines of output to you have been lost <<\r\n" +
                       line('c', 38) + "\r\n" + line('d', 38) + "\r\n");
  CHECK(OutputQueue::overflow_notice(1) ==
        "\r\n>> Network buffer overflow: 1 line of output to you has been lost <<\r\n");
}

TEST_CASE("output queue: no-flush refuses instead of dropping; an empty queue takes any line", "[net]") {
  OutputQueue q;
  CHECK(q.push(line('x', 500), true, false, 100));  // LambdaMOO's ChangeLog: a lone long line is accepted
  CHECK(!q.push("y", true, false, 100));
  CHECK(q.length() == 502);
  CHECK(q.push("y", true, true, 100));  // flush_ok: the long line goes
  CHECK(q.length() == 3);
}

TEST_CASE("output queue: bytes in flight count and are never dropped", "[net]") {
  OutputQueue q;
  q.push(line('a', 58), true, true, 100);
  q.commit(0);
  CHECK(q.take(1000).bytes.size() == 60);
  q.push(line('b', 58), true, true, 100);  // 60 in flight + 60: over, nothing queued to drop but b itself
  CHECK(q.length() == 120);
  q.push(line('c', 18), true, true, 100);  // b goes
  CHECK(q.length() == 80);
  q.set_in_flight(0);
  q.commit(0);
  CHECK(q.take(1000).bytes.rfind("\r\n>> Network buffer overflow: 1 line", 0) == 0);
}

TEST_CASE("output queue: the flush answer passes held output; close comes after everything", "[net]") {
  OutputQueue q;
  q.push("held", true, true, 1000);
  q.commit(5);
  q.push_now(">> flushed\r\n");
  q.push_close();
  q.commit(5);
  OutputQueue::Chunk c = q.take(1000);
  CHECK(c.bytes == ">> flushed\r\n");
  CHECK(!c.close);
  q.release(5);
  c = q.take(1000);
  CHECK(c.bytes == "held\r\n");
  CHECK(c.close);
}

TEST_CASE("output queue: one kick waits at most until the session takes", "[net]") {
  OutputQueue q;
  CHECK(q.arm_kick());
  CHECK(!q.arm_kick());
  q.take(10);
  CHECK(q.arm_kick());
}

TEST_CASE("output queue: an event comes alone, after the lines before it", "[net]") {
  using echo::Value;
  OutputQueue q;
  q.push("before", true, true, 65536);
  q.push_event(echo::make_list({Value::str("ui_update"), Value::integer(7)}), 65536);
  q.push("after", true, true, 65536);
  CHECK(q.length() > 17);  // the event counts too
  q.commit(1);
  q.release(1);
  OutputQueue::Chunk c = q.take(1000);
  CHECK(c.bytes == "before\r\n");
  CHECK(!c.event);
  q.set_in_flight(0);
  c = q.take(1000);
  CHECK(c.bytes.empty());
  REQUIRE(c.event);
  CHECK(c.event->list_at(1).as_int() == 7);
  c = q.take(1000);
  CHECK(c.bytes == "after\r\n");
  CHECK(!c.event);
}

TEST_CASE("output queue: events are dropped for room like lines", "[net]") {
  using echo::Value;
  OutputQueue q;
  for (int i = 0; i < 50; ++i) q.push_event(echo::make_list({Value::str(std::string(100, 'x'))}), 2048);
  CHECK(q.length() <= 2048 + 200);
  q.commit(0);
  OutputQueue::Chunk c = q.take(100000);
  CHECK(c.bytes.find("lines of output to you have been lost") != std::string::npos);
}

namespace {
std::string read_all(int fd) {
  std::string got;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return got;
    got.append(buf, size_t(n));
  }
}
}  // namespace

TEST_CASE("output queue: a lent socket takes released output at once, and only then", "[net]") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  OutputQueue q;
  q.give_socket(sv[0]);
  CHECK_FALSE(q.socket_lent());  // lent only by a session with nothing in flight
  q.push("first", true, true, 1 << 20);
  CHECK_FALSE(q.write_direct());  // not lent: the session is told
  q.commit(1);
  q.release(1);
  OutputQueue::Chunk c = q.take(1024, /*lend_if_idle=*/true);
  CHECK(c.bytes == "first\r\n");
  CHECK_FALSE(q.socket_lent());  // it has a chunk to write
  q.set_in_flight(0);
  c = q.take(1024, true);
  CHECK(c.bytes.empty());
  CHECK(q.socket_lent());
  q.push("second", true, true, 1 << 20);
  CHECK(q.write_direct());  // uncommitted: nothing goes, nothing left for the session
  CHECK(read_all(sv[1]).empty());
  q.commit(2);
  q.release(2);
  CHECK(q.write_direct());
  CHECK(read_all(sv[1]) == "second\r\n");
  CHECK(q.length() == 0);
  // A close is the session's to do.
  q.push_close();
  q.commit(3);
  q.release(3);
  CHECK_FALSE(q.write_direct());
  CHECK_FALSE(q.socket_lent());
  CHECK(q.take(1024, true).close);
  q.close_socket();
  ::close(sv[1]);
}

TEST_CASE("output queue: what a full socket does not take stays queued, in order, for the session", "[net]") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  int small = 4096;
  ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  OutputQueue q;
  q.give_socket(sv[0]);
  q.take(1024, true);
  REQUIRE(q.socket_lent());
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    std::string line = "line " + std::to_string(i) + " " + std::string(100, 'x');
    q.push(line, true, true, 1 << 24);
    expected += line + "\r\n";
  }
  q.commit(1);
  q.release(1);
  CHECK_FALSE(q.write_direct());  // the socket filled up
  CHECK_FALSE(q.socket_lent());   // the session writes the rest
  std::string got = read_all(sv[1]);
  REQUIRE(got.size() < expected.size());
  while (true) {
    OutputQueue::Chunk c = q.take(16384, true);
    if (c.bytes.empty()) break;
    got += c.bytes;
    q.set_in_flight(0);
  }
  CHECK(got == expected);
  CHECK(q.socket_lent());
  q.close_socket();
  CHECK_FALSE(q.socket_lent());
  CHECK_FALSE(q.write_direct());
  ::close(sv[1]);
}
