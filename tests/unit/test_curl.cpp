// curl() (lang/builtins/curl.cpp): ToastStunt's test_curl.rb, against an
// HTTP server on 127.0.0.1 in the test itself (no internet needed).
#include <catch2/catch.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lang/builtins.h"
#include "world_fixtures.h"

using namespace echo;

namespace {

// A request as the server read it; header names lowercased.
struct Seen {
  std::string method, path, body;
  std::multimap<std::string, std::string> headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A listening socket on 127.0.0.1 that answers each connection with the
// next canned response (none: it never accepts, so a request waits).
class Server {
 public:
  explicit Server(std::vector<std::string> responses, bool answer = true) : responses_(std::move(responses)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(listen(fd_, 8) == 0);
    if (answer) thread_ = std::thread([this] { serve(); });
  }
  ~Server() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void serve() {
    for (const std::string& response : responses_) {
      int c = -1;
      while (c < 0 && !stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) c = accept(fd_, nullptr, nullptr);
      }
      if (c < 0) return;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Seen s = read_request(c);
      {
        std::lock_guard lock(mu_);
        seen_.push_back(s);
      }
      for (size_t off = 0; off < response.size();) {
        ssize_t n = send(c, response.data() + off, response.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += size_t(n);
      }
      close(c);
    }
  }

  static Seen read_request(int c) {
    std::string in;
    char buf[4096];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) return {};
      in.append(buf, size_t(n));
    }
    Seen s;
    std::string head = in.substr(0, head_end);
    size_t eol = head.find("\r\n");
    std::string first = head.substr(0, eol);
    s.method = first.substr(0, first.find(' '));
    s.path = first.substr(s.method.size() + 1, first.rfind(' ') - s.method.size() - 1);
    size_t length = 0;
    for (size_t at = eol; at != std::string::npos && at < head.size();) {
      size_t next = head.find("\r\n", at + 2);
      std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      at = next;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon), value = line.substr(colon + 1);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-length") length = std::stoul(value);
      s.headers.emplace(name, value);
    }
    s.body = in.substr(head_end + 4);
    while (s.body.size() < length) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      s.body.append(buf, size_t(n));
    }
    return s;
  }

  std::vector<std::string> responses_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Seen> seen_;
};

std::string response(const std::string& status, const std::string& body,
                     const std::vector<std::string>& extra = {}) {
  std::string r = "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: close\r\n";
  for (const std::string& h : extra) r += h + "\r\n";
  return r + "\r\n" + body;
}

struct Web : echo::test::World5 {
  std::string wiz(const std::string& code) { return as(2, code, Syntax::Moo); }
  std::string curl(const std::string& args) { return wiz("return curl(" + args + ");"); }
};

std::string q(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

TEST_CASE("curl: wizards only", "[curl][security]") {
  Web t;
  Server s({response("200 OK", "secret")}, false);
  CHECK(t.as(4, "return curl(" + q(s.url()) + ");", Syntax::Moo) == "!! E_PERM Permission denied");
  CHECK(t.as(4, "return curl(\"http://127.0.0.1:1/\", [\"bogus\" -> 1]);", Syntax::Moo) ==
        "!! E_PERM Permission denied");
}

TEST_CASE("curl: a GET answers the body; headers on request", "[curl]") {
  Web t;
  Server s({response("200 OK", "hello world"), response("200 OK", "payload", {"X-A: b"}),
            response("200 OK", "two~\nlines")});
  CHECK(t.curl(q(s.url("/basic"))) == "=> \"hello world\"");
  CHECK(t.curl(q(s.url()) + ", 1") ==
        "=> \"HTTP/1.1 200 OK~0D~0AContent-Length: 7~0D~0AConnection: close~0D~0AX-A: b~0D~0A~0D~0Apayload\"");
  CHECK(t.curl(q(s.url()) + ", 0, 5") == "=> \"two~7E~0Alines\"");  // a binary string
  auto seen = s.seen();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].path == "/basic");
  CHECK(seen[0].header("user-agent") == "Echo");
}

TEST_CASE("curl: full answers status, headers, body and url", "[curl]") {
  Web t;
  Server s({response("404 Not Found", "nope", {"X-Reason: missing", "X-Dup: a", "X-Dup: b"}),
            response("200 OK", "{\"ok\": 1, \"l\": [1, 2]}"), response("200 OK", "not json"),
            response("200 OK", "/* c */ 12"), response("200 OK", "12\r\n")});
  CHECK(t.wiz("r = curl(" + q(s.url("/gone")) + ", [\"full\" -> 1]); return {r[\"status\"], r[\"body\"],"
              " r[\"headers\"][\"X-Reason\"], r[\"headers\"][\"x-dup\"], r[\"url\"]};") ==
        "=> {404, \"nope\", \"missing\", {\"a\", \"b\"}, \"" + s.url("/gone") + "\"}");
  CHECK(t.curl(q(s.url()) + ", [\"full\" -> 1, \"parse\" -> 1]") ==
        "=> [\"body\" -> [\"l\" -> {1, 2}, \"ok\" -> 1], \"headers\" -> [\"Connection\" -> \"close\", "
        "\"Content-Length\" -> \"22\"], \"status\" -> 200, \"url\" -> \"" + s.url() + "\"]");
  CHECK(t.curl(q(s.url()) + ", [\"parse\" -> 1]") ==
        "=> [\"error\" -> E_INVARG, \"message\" -> \"Response body is not valid JSON\"]");
  CHECK(t.wiz("return curl(" + q(s.url()) + ", [\"parse\" -> 1])[\"error\"];") == "=> E_INVARG");
  CHECK(t.curl(q(s.url()) + ", [\"parse\" -> 1]") == "=> 12");
}

TEST_CASE("curl: methods, bodies and request headers", "[curl]") {
  Web t;
  Server s({response("200 OK", "created"), response("200 OK", "ok"), response("200 OK", "ok"),
            response("200 OK", "ok"), response("200 OK", "ok"), response("200 OK", "ok")});
  CHECK(t.curl(q(s.url("/submit")) + ", [\"body\" -> \"name=toast\"]") == "=> \"created\"");
  t.curl(q(s.url("/thing")) + ", [\"method\" -> \"delete\"]");
  t.curl(q(s.url("/thing")) + ", [\"method\" -> \"PUT\", \"body\" -> \"line1~0Aline2\"]");
  t.curl(q(s.url()) + ", [\"headers\" -> [\"X-Custom\" -> \"hi there\", \"X-Many\" -> {\"one\", \"two\"}]]");
  t.curl(q(s.url("/api")) + ", [\"json\" -> [\"key\" -> \"value\", \"n\" -> 5]]");
  t.curl(q(s.url()) + ", [\"user_agent\" -> \"MyMOO/1.0\"]");
  auto seen = s.seen();
  REQUIRE(seen.size() == 6);
  CHECK((seen[0].method == "POST" && seen[0].body == "name=toast"));
  CHECK(seen[1].method == "DELETE");
  CHECK((seen[2].method == "PUT" && seen[2].body == "line1\nline2"));
  CHECK(seen[3].header("x-custom") == "hi there");
  CHECK(seen[3].headers.count("x-many") == 2);
  CHECK((seen[4].method == "POST" && seen[4].body == "{\"key\":\"value\",\"n\":5}"));
  CHECK(seen[4].header("content-type") == "application/json");
  CHECK(seen[5].header("user-agent") == "MyMOO/1.0");
}

TEST_CASE("curl: redirects only when asked", "[curl]") {
  Web t;
  Server to({response("200 OK", "final destination")});
  Server from({response("302 Found", "", {"Location: " + to.url("/landed")}),
               response("302 Found", "", {"Location: " + to.url("/landed")})});
  CHECK(t.wiz("return curl(" + q(from.url()) + ", [\"full\" -> 1])[\"status\"];") == "=> 302");
  CHECK(t.wiz("r = curl(" + q(from.url()) + ", [\"follow_redirects\" -> 1, \"full\" -> 1]);"
              " return {r[\"status\"], r[\"body\"], r[\"url\"]};") ==
        "=> {200, \"final destination\", \"" + to.url("/landed") + "\"}");
}

TEST_CASE("curl: bad options and arguments raise E_INVARG", "[curl]") {
  Web t;
  const std::string u = q("http://127.0.0.1:1/");
  CHECK(t.curl(u + ", [\"no_such_option\" -> 1]") == "!! E_INVARG Unknown curl option");
  CHECK(t.curl(u + ", [\"method\" -> \"TRACE\"]") == "!! E_INVARG Unsupported request method");
  CHECK(t.curl(u + ", [\"method\" -> \"GET\", \"body\" -> \"x\"]") ==
        "!! E_INVARG This request method does not accept a body");
  CHECK(t.curl(u + ", [\"body\" -> \"x\", \"json\" -> \"y\"]") ==
        "!! E_INVARG \"body\" and \"json\" cannot both be given");
  CHECK(t.curl(u + ", [\"body\" -> \"x~ZZ\"]") == "!! E_INVARG \"body\" is an invalid binary string");
  CHECK(t.curl(u + ", [\"timeout\" -> 0]").rfind("!! E_INVARG \"timeout\" must be between", 0) == 0);
  CHECK(t.curl(u + ", [\"timeout\" -> 99999]").rfind("!! E_INVARG \"timeout\" must be between", 0) == 0);
  CHECK(t.curl(u + ", [\"timeout\" -> 5], 5").rfind("!! E_INVARG The timeout argument cannot be combined", 0) == 0);
  CHECK(t.curl(u + ", [\"include_headers\" -> 1, \"full\" -> 1]") ==
        "!! E_INVARG \"include_headers\" cannot be combined with \"full\" or \"parse\"");
  CHECK(t.curl(u + ", [\"follow_redirects\" -> 21]") == "!! E_INVARG \"follow_redirects\" is out of range");
  CHECK(t.curl(u + ", [\"max_size\" -> 0]") == "!! E_INVARG \"max_size\" must be a positive integer");
  // Header injection: CR/LF in a name or a value, a name not a token.
  CHECK(t.curl(u + ", [\"headers\" -> [\"X-Bad\" + chr(13) + chr(10) + \"Injected\" -> \"v\"]]") ==
        "!! E_INVARG Invalid header name");
  CHECK(t.curl(u + ", [\"headers\" -> [\"X-Bad\" -> \"v\" + chr(13) + chr(10) + \"Injected: 1\"]]") ==
        "!! E_INVARG Invalid header value");
  CHECK(t.curl(u + ", [\"headers\" -> [\"X Spaced\" -> \"v\"]]") == "!! E_INVARG Invalid header name");
  CHECK(t.curl(u + ", [\"headers\" -> [\"X\" -> 1]]") ==
        "!! E_INVARG Header values must be strings or lists of strings");
  CHECK(t.curl(u + ", [\"user_agent\" -> \"a\" + chr(10)]") == "!! E_INVARG \"user_agent\" must be a plain string");
  // The legacy timeout.
  CHECK(t.curl(u + ", 0, 0").rfind("!! E_INVARG Timeout must be between 1", 0) == 0);
  CHECK(t.curl(u + ", 0, 99999").rfind("!! E_INVARG Timeout must be between 1", 0) == 0);
  CHECK(t.curl(u + ", 0, \"5\"") == "!! E_TYPE Type mismatch");
  CHECK(t.curl("") == "!! E_ARGS Incorrect number of arguments");
}

TEST_CASE("curl: failures answer an error map", "[curl]") {
  Web t;
  // Refused: a port that was just free.
  int port;
  { Server gone({}, false); port = std::stoi(gone.url().substr(17)); }
  CHECK(t.curl(q("http://127.0.0.1:" + std::to_string(port) + "/")) ==
        "=> [\"error\" -> E_INVARG, \"message\" -> \"Couldn't connect to server\"]");
  // Only http and https.
  for (const char* url : {"file:///etc/passwd", "gopher://127.0.0.1:1/", "dict://127.0.0.1:1/d:x",
                          "ftp://127.0.0.1:1/", "scp://127.0.0.1:1/x"}) {
    INFO(url);
    std::string r = t.curl(q(url) + ", [\"timeout\" -> 2]");
    CHECK((r == "=> [\"error\" -> E_INVARG, \"message\" -> \"Unsupported protocol\"]" ||
           r == "=> [\"error\" -> E_INVARG, \"message\" -> \"URL using bad/illegal format or missing URL\"]"));
  }
  // A server that never answers: the timeout ends the wait.
  Server silent({}, false);
  auto start = std::chrono::steady_clock::now();
  CHECK(t.curl(q(silent.url()) + ", 0, 1") ==
        "=> [\"error\" -> E_INVARG, \"message\" -> \"Timeout was reached\"]");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("curl: a response past the size cap is E_QUOTA", "[curl]") {
  Web t;
  std::string big(4096, 'x');
  Server s({response("200 OK", big), response("200 OK", big), response("200 OK", big), response("200 OK", "small")});
  CHECK(t.curl(q(s.url()) + ", [\"max_size\" -> 100]") ==
        "=> [\"error\" -> E_QUOTA, \"message\" -> \"Response exceeded the maximum allowed size\"]");
  t.wiz("add_property(#0, \"server_options\", create(#1), {#2, \"r\"});"
        " add_property(#0.server_options, \"curl_max_response_bytes\", 1000, {#2, \"r\"});");
  // The server's cap, which an option may only lower.
  CHECK(t.wiz("return curl(" + q(s.url()) + ", [\"max_size\" -> 100000])[\"error\"];") == "=> E_QUOTA");
  CHECK(t.wiz("return curl(" + q(s.url()) + ")[\"error\"];") == "=> E_QUOTA");
  CHECK(t.curl(q(s.url())) == "=> \"small\"");
}

TEST_CASE("curl: a body past the task's string limit is E_QUOTA", "[curl]") {
  Web t;
  Server s({response("200 OK", std::string(3000, '~'))});
  EvalOptions o;
  o.host = &t.host;
  o.player = 2;
  o.syntax = Syntax::Moo;
  o.limits.values.max_string = 5000;  // 3000 tildes are 9000 bytes as "~7E"
  o.limits.values.catchable = true;
  CHECK(eval_moo("return `curl(" + q(s.url()) + ") ! E_QUOTA => \"quota\"';", o).describe() == "=> \"quota\"");
}
