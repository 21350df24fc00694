// The telnet line filter (net/telnet.h): what LambdaMOO keeps of input bytes.
#include <catch2/catch.hpp>

#include "net/telnet.h"

using echo::net::LineFilter;

namespace {

std::vector<std::string> feed(LineFilter& f, std::string bytes) {
  std::vector<std::string> out;
  f.feed(bytes, out);
  return out;
}

}  // namespace

TEST_CASE("line filter: CR, LF and CRLF end lines; a partial line waits", "[net]") {
  LineFilter f;
  CHECK(feed(f, "look\r\nsay hi\nwho\r") == std::vector<std::string>{"look", "say hi", "who"});
  CHECK(feed(f, "\nhal").empty());  // the LF of the CRLF split across reads
  CHECK(feed(f, "f\n") == std::vector<std::string>{"half"});
  CHECK(feed(f, "\n\n") == std::vector<std::string>{"", ""});
}

TEST_CASE("line filter: telnet negotiation and binary bytes are dropped", "[net]") {
  LineFilter f;
  std::string in = "lo";
  in += "\xff\xfb\x01";          // IAC WILL ECHO
  in += "\xff\xfa\x18\x01hello\xff\xf0";  // IAC SB TERMINAL-TYPE ... IAC SE
  in += "o\x01\x7f\x80\xe9k\tx\xff\xf1\n";  // control, DEL, high bytes, IAC NOP
  CHECK(feed(f, in) == std::vector<std::string>{"look\tx"});
}

TEST_CASE("line filter: an over-long line is cut, the next one is whole", "[net]") {
  LineFilter f(8);
  CHECK(feed(f, "0123456789abcdef\nshort\n") == std::vector<std::string>{"01234567", "short"});
}
