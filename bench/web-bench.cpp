// The web layer under load, on a real server (issue 15): keep-alive HTTP
// clients on loopback reading an object (GET /api/objects/{id}) and calling
// a trivial verb (POST /api/objects/{id}/methods); WebSocket clients, each
// its own logged-in player, typing `look` once a second (and one client 40
// a second, under the gateway's 50 frames a second); a `say` heard by
// 1,000 WebSocket listeners in one room; and the same `look` over telnet
// for comparison. Prints a table with each issue-15 target beside its
// figure. Not a test. With --skip-ws only the HTTP passes run (seconds).
//
//   build/bench/echo-bench-web [--clients 1,10,100] [--post-clients 1,10]
//                              [--ws-clients 1000] [--seconds S] [--says N] [--skip-ws]
//
// It imports ../shared/data/LambdaCore-latest.db into /tmp, creates the
// players with a few wizard eval lines over telnet, logs them in with
// POST /api/login and runs build/cli/echo-repl serve with --http-port 0.
// The clients are one epoll loop in this process, on the same cores as the
// server: the "cpu" column says how busy each was (100% = one core).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proc_stats.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
Clock::duration secs(double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); }

pid_t server_pid = -1;  // stopped on any way out

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "echo-bench-web: %s\n", why.c_str());
  if (server_pid > 0) {
    kill(server_pid, SIGTERM);
    waitpid(server_pid, nullptr, 0);
  }
  std::exit(1);
}

void on_signal(int) {
  if (server_pid > 0) kill(server_pid, SIGTERM);
  _exit(1);
}

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die(std::string("connect: ") + strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      throw std::runtime_error(std::string("write: ") + strerror(errno));
    }
    s.remove_prefix(size_t(n));
  }
}

// Appends what the socket has (one read); false at end of stream.
bool read_some(int fd, std::string& into) {
  char tmp[65536];
  ssize_t n = read(fd, tmp, sizeof tmp);
  if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN);
  into.append(tmp, size_t(n));
  return true;
}

// ---- the server ------------------------------------------------------------------

// Stopped (SIGTERM, then reaped) when it goes out of scope, so that a failed
// run never leaves one behind.
struct Server {
  pid_t pid = -1;
  uint16_t telnet = 0, http = 0;
  int out = -1;  // its stdout, kept open (never read after the start)
  ~Server() { stop(); }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    pid = server_pid = -1;
  }
  // CPU seconds the server has used (user + system).
  double cpu() const { return echo::bench::cpu_seconds(pid); }
};

void start_server(Server& s, const std::string& repl, const std::string& store, const std::string& log,
                  int http_threads) {
  int out[2];
  if (pipe(out) != 0) die("pipe");
  std::string threads = std::to_string(http_threads);
  s.pid = fork();
  if (s.pid == 0) {
    dup2(out[1], 1);
    int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    execl(repl.c_str(), repl.c_str(), "serve", store.c_str(), "--telnet-port", "0", "--http-port", "0",
          "--http-threads", threads.c_str(), nullptr);
    _exit(127);
  }
  server_pid = s.pid;
  close(out[1]);
  s.out = out[0];
  std::string line;
  char ch;
  while ((!s.telnet || !s.http) && read(out[0], &ch, 1) == 1) {
    if (ch != '\n') {
      line.push_back(ch);
      continue;
    }
    if (auto at = line.find("telnet on "); at != std::string::npos)
      s.telnet = uint16_t(std::stoi(line.substr(line.find(" port ", at) + 6)));
    if (auto at = line.find("serving HTTP on http://"); at != std::string::npos)
      s.http = uint16_t(std::stoi(line.substr(line.find(':', at + 23) + 1)));
    line.clear();
  }
  if (!s.telnet || !s.http) die("the server did not start (see " + log + ")");
}

double own_cpu() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ---- telnet (the wizard) -----------------------------------------------------------

struct Telnet {
  int fd = -1;
  std::string buf;
  void send(const std::string& line) { write_all(fd, line + "\r\n"); }
  // Reads until `needle` arrives; what came before it and the rest of its line.
  bool wait_for(const std::string& needle, double seconds, std::string* line = nullptr) {
    auto deadline = Clock::now() + secs(seconds);
    for (;;) {
      size_t at = buf.find(needle);
      if (at != std::string::npos) {
        size_t eol = buf.find('\n', at);
        if (eol != std::string::npos || !line) {
          if (line) *line = buf.substr(at, eol - at);
          buf.erase(0, eol == std::string::npos ? at + needle.size() : eol + 1);
          return true;
        }
      }
      double left = std::chrono::duration<double>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, int(left * 1000) + 1) <= 0) continue;
      if (!read_some(fd, buf)) return false;
    }
  }
  // Runs `;;code` (which must return a value) and gives what it printed after "=> ".
  std::string eval(const std::string& code, double seconds = 60) {
    buf.clear();
    send(";;" + code);
    std::string line;
    if (!wait_for("=> ", seconds, &line)) die("no answer to ;;" + code.substr(0, 200) + "\n" + buf.substr(0, 2000));
    return line.substr(3);
  }
};

// ---- HTTP/1.1 ------------------------------------------------------------------------

std::string http_request(const std::string& method, const std::string& path, const std::string& token,
                         const std::string& body = {}) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty() || method != "GET")
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

// One whole response from the front of `in` (removed): its status, or 0
// while it is incomplete.
int take_response(std::string& in, std::string* body) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  size_t len = 0;
  for (size_t at = in.find("\r\n"); at < end; at = in.find("\r\n", at + 2)) {
    static const char kName[] = "content-length:";
    if (strncasecmp(in.data() + at + 2, kName, sizeof kName - 1) == 0)
      len = size_t(std::strtoull(in.data() + at + 2 + sizeof kName - 1, nullptr, 10));
  }
  if (in.size() < end + 4 + len) return 0;
  int status = in.size() > 12 ? std::atoi(in.data() + 9) : -1;
  if (body) body->assign(in, end + 4, len);
  in.erase(0, end + 4 + len);
  return status;
}

// A string member of a JSON object (enough for {"token": "..."} answers).
std::string json_string(const std::string& doc, const std::string& key) {
  size_t at = doc.find("\"" + key + "\"");
  if (at == std::string::npos) return {};
  at = doc.find('"', doc.find(':', at) + 1);
  if (at == std::string::npos) return {};
  return doc.substr(at + 1, doc.find('"', at + 1) - at - 1);
}

// What one timed pass measured.
struct Pass {
  std::vector<double> lat;  // ms, of the requests sent and answered inside the timed window
  size_t bad = 0, reconnects = 0, skipped = 0;
  double seconds = 0, srv_cpu = 0, own_cpu = 0;
  std::string first_bad;
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// N keep-alive connections, each sending its next request when the last
// answer is complete. With `limit`, stops after that many requests (and has
// no timed window); otherwise runs `warm` seconds untimed, then `seconds`.
Pass http_loop(const Server& srv, int n, double warm, double seconds, size_t limit,
               const std::function<std::string(int client, size_t k)>& make,
               const std::function<bool(size_t k, int status, const std::string& body)>& answer) {
  struct Conn {
    int fd = -1;
    std::string in, body;
    Clock::time_point sent;
    bool waiting = false;
    size_t k = 0;
  };
  std::vector<Conn> cs(static_cast<size_t>(n));
  int ep = epoll_create1(0);
  auto open = [&](size_t i) {
    cs[i].fd = connect_to(srv.http);
    cs[i].in.clear();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  };
  for (size_t i = 0; i < cs.size(); ++i) open(i);
  Pass p;
  size_t issued = 0;
  auto t0 = Clock::now();
  auto from = limit ? t0 : t0 + secs(warm);
  auto stop = limit ? t0 + secs(600) : from + secs(seconds);
  bool timing = false;
  double cpu0 = 0, own0 = 0;
  auto issue = [&](size_t i) {
    if (limit && issued >= limit) return;
    Conn& c = cs[i];
    c.k = issued++;
    c.sent = Clock::now();
    c.waiting = true;
    write_all(c.fd, make(int(i), c.k));
  };
  for (size_t i = 0; i < cs.size(); ++i) issue(i);
  std::vector<epoll_event> evs(cs.size());
  for (;;) {
    auto now = Clock::now();
    if (!timing && now >= from) {
      timing = true;
      cpu0 = srv.cpu();
      own0 = own_cpu();
    }
    bool any = std::any_of(cs.begin(), cs.end(), [](const Conn& c) { return c.waiting; });
    if (!any || now >= stop + secs(30)) break;
    int got = epoll_wait(ep, evs.data(), int(evs.size()), 100);
    for (int e = 0; e < got; ++e) {
      size_t i = evs[size_t(e)].data.u64;
      Conn& c = cs[i];
      if (!read_some(c.fd, c.in)) {  // the server closed it: count it, open another
        ++p.reconnects;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        open(i);
        if (c.waiting) {
          ++p.bad;
          c.waiting = false;
          if (Clock::now() < stop) issue(i);
        }
        continue;
      }
      while (int status = take_response(c.in, &c.body)) {
        auto at = Clock::now();
        c.waiting = false;
        bool ok = answer ? answer(c.k, status, c.body) : status == 200;
        if (!ok) {
          ++p.bad;
          if (p.first_bad.empty()) p.first_bad = std::to_string(status) + " " + c.body.substr(0, 300);
        } else if (c.sent >= from && at <= stop) {
          p.lat.push_back(ms_between(c.sent, at));
        }
        if (at < stop) issue(i);
      }
    }
  }
  p.seconds = limit ? since(t0) : seconds;
  p.srv_cpu = srv.cpu() - cpu0;
  p.own_cpu = own_cpu() - own0;
  for (auto& c : cs) close(c.fd);
  close(ep);
  return p;
}

// ---- WebSocket and telnet clients ----------------------------------------------------

std::string base64(const unsigned char* p, size_t n) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = uint32_t(p[i]) << 16 | (i + 1 < n ? uint32_t(p[i + 1]) << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    s.push_back(a[v >> 18 & 63]);
    s.push_back(a[v >> 12 & 63]);
    s.push_back(i + 1 < n ? a[v >> 6 & 63] : '=');
    s.push_back(i + 2 < n ? a[v & 63] : '=');
  }
  return s;
}

std::mt19937 rng(15);

// A client frame: FIN, the opcode, masked (RFC 6455 5.3).
std::string ws_frame(int opcode, std::string_view payload) {
  std::string f;
  f.push_back(char(0x80 | opcode));
  size_t n = payload.size();
  if (n < 126) {
    f.push_back(char(0x80 | n));
  } else if (n < 65536) {
    f.push_back(char(0x80 | 126));
    f.push_back(char(n >> 8));
    f.push_back(char(n & 0xFF));
  } else {
    f.push_back(char(0x80 | 127));
    for (int s = 56; s >= 0; s -= 8) f.push_back(char((uint64_t(n) >> s) & 0xFF));
  }
  uint32_t m = rng();
  char mask[4] = {char(m), char(m >> 8), char(m >> 16), char(m >> 24)};
  f.append(mask, 4);
  for (size_t i = 0; i < n; ++i) f.push_back(char(payload[i] ^ mask[i % 4]));
  return f;
}

std::string json_quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q.push_back('\\');
    q.push_back(c);
  }
  return q + "\"";
}

// A player's connection, over a WebSocket or telnet. `text` collects what
// arrived: for a WebSocket each text frame's payload (JSON) and a newline.
struct Client {
  int fd = -1;
  bool ws = false;
  std::string raw, text;
  Clock::time_point sent;
  bool waiting = false, closed = false;
  int close_code = 0;

  void command(const std::string& line) {
    if (closed) return;
    try {
      if (ws) write_all(fd, ws_frame(1, "{\"type\":\"command\",\"command\":" + json_quote(line) + "}"));
      else write_all(fd, line + "\r\n");
    } catch (const std::runtime_error&) {
      closed = true;
    }
  }
  // Takes what the socket has; false when it is closed.
  bool pull() {
    if (closed) return false;
    if (!read_some(fd, ws ? raw : text)) {
      closed = true;
      return false;
    }
    if (!ws) return true;
    for (;;) {  // whole server frames (unmasked)
      if (raw.size() < 2) break;
      auto b = [&](size_t i) { return uint64_t(static_cast<unsigned char>(raw[i])); };
      int opcode = int(b(0) & 0x0F);
      uint64_t n = b(1) & 0x7F;
      size_t at = 2;
      if (n == 126) {
        if (raw.size() < 4) break;
        n = b(2) << 8 | b(3);
        at = 4;
      } else if (n == 127) {
        if (raw.size() < 10) break;
        n = 0;
        for (size_t i = 2; i < 10; ++i) n = n << 8 | b(i);
        at = 10;
      }
      if (raw.size() < at + n) break;
      std::string_view payload(raw.data() + at, size_t(n));
      if (opcode == 1 || opcode == 0) {
        text.append(payload);
        text.push_back('\n');
      } else if (opcode == 9) {
        write_all(fd, ws_frame(10, payload));
      } else if (opcode == 8) {
        close_code = n >= 2 ? int(b(at) << 8 | b(at + 1)) : 1005;
        closed = true;
      }
      raw.erase(0, at + size_t(n));
    }
    return !closed;
  }
};

// Opens a WebSocket to /ws (the handshake, blocking).
Client ws_open(uint16_t port) {
  Client c;
  c.ws = true;
  c.fd = connect_to(port);
  unsigned char key[16];
  for (auto& k : key) k = static_cast<unsigned char>(rng());
  write_all(c.fd, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: " + base64(key, sizeof key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos)
    if (!read_some(c.fd, head)) die("WebSocket handshake: the server closed the connection");
  if (head.find(" 101 ") == std::string::npos) die("WebSocket handshake refused: " + head.substr(0, head.find('\r')));
  c.raw = head.substr(head.find("\r\n\r\n") + 4);
  return c;
}

// Reads every client for `quiet` seconds past the last byte (at most
// `most`), then forgets what they got.
void drain(std::vector<Client>& cs, double quiet, double most = 30) {
  int ep = epoll_create1(0);
  for (size_t i = 0; i < cs.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  std::vector<epoll_event> evs(cs.size());
  auto t0 = Clock::now();
  auto last = t0;
  while (since(last) < quiet && since(t0) < most) {
    int got = epoll_wait(ep, evs.data(), int(evs.size()), 10);
    for (int e = 0; e < got; ++e) {
      cs[evs[size_t(e)].data.u64].pull();
      last = Clock::now();
    }
  }
  close(ep);
  for (auto& c : cs) c.text.clear();
}

// Waits until every client's text has `needle` (each its own deadline).
void wait_all(std::vector<Client>& cs, const std::string& needle, double seconds, const std::string& what) {
  int ep = epoll_create1(0);
  size_t left = 0;
  for (size_t i = 0; i < cs.size(); ++i) {
    if (cs[i].text.find(needle) != std::string::npos) continue;
    ++left;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  std::vector<epoll_event> evs(cs.size());
  auto t0 = Clock::now();
  while (left && since(t0) < seconds) {
    int got = epoll_wait(ep, evs.data(), int(evs.size()), 100);
    for (int e = 0; e < got; ++e) {
      Client& c = cs[evs[size_t(e)].data.u64];
      bool had = c.text.find(needle) != std::string::npos;
      if (!c.pull() && c.text.find(needle) == std::string::npos)
        die(what + ": a client's connection closed (code " + std::to_string(c.close_code) + "): " +
            c.text.substr(0, 500));
      if (!had && c.text.find(needle) != std::string::npos) {
        --left;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
      }
    }
  }
  close(ep);
  if (left) die(what + ": " + std::to_string(left) + " clients did not get \"" + needle + "\" in time");
}

// Commands on every client: saturated (pace 0: the next when the last is
// answered) or `pace` a second each, spread out. A command's latency is
// from sending it to the first arrival of `needle`. A paced client whose
// last command is unanswered when the next is due skips it (counted).
Pass command_pass(const Server& srv, std::vector<Client>& cs, double pace, double warm, double seconds,
                  const std::string& command, const std::string& needle) {
  int ep = epoll_create1(0);
  for (size_t i = 0; i < cs.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
  }
  Pass p;
  auto t0 = Clock::now();
  auto from = t0 + secs(warm), stop = from + secs(seconds);
  std::vector<Clock::time_point> next(cs.size(), t0);
  if (pace > 0)
    for (size_t i = 0; i < cs.size(); ++i) next[i] = t0 + secs(double(i) / double(cs.size()) / pace);
  std::vector<epoll_event> evs(cs.size());
  bool timing = false;
  double cpu0 = 0, own0 = 0;
  for (;;) {
    auto now = Clock::now();
    if (!timing && now >= from) {
      timing = true;
      cpu0 = srv.cpu();
      own0 = own_cpu();
    }
    bool any = false;
    for (size_t i = 0; i < cs.size(); ++i) {
      Client& c = cs[i];
      if (now < stop && now >= next[i]) {
        if (c.waiting) {
          if (now >= from) ++p.skipped;
        } else {
          c.text.clear();
          c.sent = now;
          c.waiting = true;
          c.command(command);
        }
        next[i] = pace > 0 ? next[i] + secs(1.0 / pace) : Clock::time_point::max();
      }
      any = any || c.waiting;
    }
    if ((now >= stop && !any) || now >= stop + secs(10)) break;
    int got = epoll_wait(ep, evs.data(), int(evs.size()), pace > 0 ? 1 : 100);
    for (int e = 0; e < got; ++e) {
      size_t i = evs[size_t(e)].data.u64;
      Client& c = cs[i];
      if (!c.pull() && c.closed) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ++p.bad;
        if (p.first_bad.empty()) p.first_bad = "a connection closed (code " + std::to_string(c.close_code) + ")";
        c.waiting = false;
        continue;
      }
      if (c.waiting && c.text.find(needle) != std::string::npos) {
        auto at = Clock::now();
        if (c.sent >= from && at <= stop) p.lat.push_back(ms_between(c.sent, at));
        c.waiting = false;
        c.text.clear();
        if (pace == 0 && at < stop) next[i] = at;
      }
    }
  }
  for (auto& c : cs)
    if (c.waiting) ++p.bad;
  p.seconds = seconds;
  p.srv_cpu = srv.cpu() - cpu0;
  p.own_cpu = own_cpu() - own0;
  close(ep);
  return p;
}

// ---- the table -------------------------------------------------------------------------

struct Row {
  std::string what;
  int clients;
  double ops, p50, p99, max;  // p99 < 0: not given
  std::string target;         // empty: none
  bool ok;
  double srv_cpu, own_cpu;    // % of one core
  std::string note;
};
std::vector<Row> rows;

// A row of the table, printed as it is measured too. `per_second` false:
// the samples are few (says), so no rate and no p99.
void add_row(const std::string& what, int clients, const Pass& p, const std::string& target, bool ok,
             std::string note = {}, bool per_second = true) {
  double mx = p.lat.empty() ? 0 : *std::max_element(p.lat.begin(), p.lat.end());
  if (p.bad) note += (note.empty() ? "" : "; ") + std::to_string(p.bad) + " failed (" + p.first_bad + ")";
  if (p.reconnects) note += (note.empty() ? "" : "; ") + std::to_string(p.reconnects) + " reconnects";
  if (p.skipped) note += (note.empty() ? "" : "; ") + std::to_string(p.skipped) + " due while unanswered";
  Row r{what,          clients, double(p.lat.size()) / p.seconds, pct(p.lat, 0.5), pct(p.lat, 0.99), mx, target, ok,
        100 * p.srv_cpu / p.seconds, 100 * p.own_cpu / p.seconds, note};
  if (!per_second) r.ops = r.p99 = -1;
  rows.push_back(r);
  if (per_second)
    std::printf("  %-34s %5d clients %9.0f ops/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%zu ops)", what.c_str(),
                clients, r.ops, r.p50, r.p99, r.max, p.lat.size());
  else
    std::printf("  %-34s %5d clients  median %7.2f ms  worst %7.2f ms  (%zu)", what.c_str(), clients, r.p50, r.max,
                p.lat.size());
  std::printf("%s%s\n", note.empty() ? "" : "  ", note.c_str());
  std::fflush(stdout);
}

void print_table() {
  std::printf("\n%-34s %7s %8s %8s %8s %8s  %-21s %-6s  %s\n", "what", "clients", "ops/s", "p50 ms", "p99 ms",
              "max ms", "target", "", "cpu server/bench");
  std::printf("%s\n", std::string(124, '-').c_str());
  for (const Row& r : rows) {
    char p99[32], ops[32];
    if (r.p99 < 0) std::snprintf(p99, sizeof p99, "%8s", "-");
    else std::snprintf(p99, sizeof p99, "%8.2f", r.p99);
    if (r.ops < 0) std::snprintf(ops, sizeof ops, "%8s", "-");
    else std::snprintf(ops, sizeof ops, "%8.0f", r.ops);
    std::printf("%-34s %7d %s %8.2f %s %8.2f  %-21s %-6s  %4.0f%% / %3.0f%%\n", r.what.c_str(), r.clients, ops, r.p50,
                p99, r.max, r.target.empty() ? "-" : r.target.c_str(), r.target.empty() ? "" : r.ok ? "ok" : "MISSED",
                r.srv_cpu, r.own_cpu);
    if (!r.note.empty()) std::printf("%34s   (%s)\n", "", r.note.c_str());
  }
  std::printf("cpu: how busy the server and this program (the clients) were during the pass, %% of one core; "
              "the machine has %ld.\n", sysconf(_SC_NPROCESSORS_ONLN));
}

std::vector<int> int_list(const std::string& s) {
  std::vector<int> v;
  for (size_t at = 0; at < s.size();) {
    size_t e = s.find(',', at);
    v.push_back(std::stoi(s.substr(at, e - at)));
    at = e == std::string::npos ? s.size() : e + 1;
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> get_counts = {1, 10, 100}, post_counts = {1, 10};
  int ws_clients = 1000, says = 10;
  double seconds = 5;
  bool skip_ws = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool more = i + 1 < argc;
    if (a == "--clients" && more) get_counts = int_list(argv[++i]);
    else if (a == "--post-clients" && more) post_counts = int_list(argv[++i]);
    else if (a == "--ws-clients" && more) ws_clients = std::stoi(argv[++i]);
    else if (a == "--seconds" && more) seconds = std::stod(argv[++i]);
    else if (a == "--says" && more) says = std::stoi(argv[++i]);
    else if (a == "--skip-ws") skip_ws = true;
    else {
      std::fprintf(stderr,
                   "usage: echo-bench-web [--clients 1,10,100] [--post-clients 1,10] [--ws-clients 1000]\n"
                   "                      [--seconds S] [--says N] [--skip-ws]\n");
      return 2;
    }
  }
  rlimit rl{16384, 16384};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  std::set_terminate([] {
    if (server_pid > 0) kill(server_pid, SIGTERM);
    std::abort();
  });
  int most_http = std::max(*std::max_element(get_counts.begin(), get_counts.end()),
                           *std::max_element(post_counts.begin(), post_counts.end()));
  int players = std::max(most_http, skip_ws ? 1 : ws_clients);
  int http_threads = std::max(1200, ws_clients + 200);

  std::string repl = fs::path(argv[0]).parent_path().parent_path() / "cli" / "echo-repl";
  std::string store = "/tmp/echo-web-bench.db", log = "/tmp/echo-web-bench.log";
  fs::remove_all(store);
  auto t_setup = Clock::now();
  std::string cmd = repl + " import " ECHO_SHARED_DATA_DIR "/LambdaCore-latest.db --to " + store + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) die("import failed");
  Server srv;
  start_server(srv, repl, store, log, http_threads);
  std::printf("server: telnet port %u, HTTP port %u, --http-threads %d (its log: %s); %d players\n", srv.telnet,
              srv.http, http_threads, log.c_str(), players);
  std::fflush(stdout);

  // The wizard makes the players (each a $player child with a password),
  // ten to a room, and a thing with a verb that returns its arguments.
  Telnet wiz;
  wiz.fd = connect_to(srv.telnet);
  wiz.send("connect wizard");
  if (!wiz.wait_for("*** Connected ***", 30)) die("the wizard did not log in");
  // All the clients come from 127.0.0.1: lift the per-address limit.
  wiz.eval("try add_property($server_options, \"max_connections_per_ip\", 0, {player, \"r\"}); "
           "except (E_INVARG) $server_options.max_connections_per_ip = 0; endtry load_server_options(); return 1;");
  wiz.buf.clear();
  wiz.send(";try player.ownership_quota = 1000000; except (ANY) endtry for i in [1.." + std::to_string(players) +
           "] if (i % 10 == 1) r = create($room); r.name = \"Bench Room \" + tostr(i / 10); endif "
           "p = create($player); p.name = \"bench\" + tostr(i); set_player_flag(p, 1); "
           "p.password = crypt(\"pw\"); $player_db:insert(p.name, p); move(p, r); "
           "if (ticks_left() < 20000 || seconds_left() < 2) suspend(0); endif endfor; return \"made\";");
  if (!wiz.wait_for("\"made\"", 300)) die("making the players failed:\n" + wiz.buf.substr(0, 2000));
  std::string thing = wiz.eval(
      "o = create($thing); o.name = \"bench thing\"; add_property(o, \"note\", \"a readable property\", {player, "
      "\"r\"}); add_verb(o, {player, \"rx\", \"echo\"}, {\"this\", \"none\", \"this\"}); "
      "set_verb_code(o, \"echo\", {\"return args;\"}); return tostr(toint(o));");
  thing = thing.substr(thing.find('"') + 1);
  thing = thing.substr(0, thing.find('"'));
  std::printf("made %d players and #%s (bench thing) in %.1f s\n", players, thing.c_str(), since(t_setup));
  std::fflush(stdout);

  // Every player logs in through POST /api/login, on four keep-alive connections.
  std::vector<std::string> tokens(static_cast<size_t>(players));
  auto t_login = Clock::now();
  Pass logins = http_loop(
      srv, std::min(players, 4), 0, 0, size_t(players),
      [&](int, size_t k) {
        return http_request("POST", "/api/login", "",
                            "{\"name\":\"bench" + std::to_string(k + 1) + "\",\"password\":\"pw\"}");
      },
      [&](size_t k, int status, const std::string& body) {
        tokens[k] = json_string(body, "token");
        return status == 200 && tokens[k].size() == 64;
      });
  if (logins.bad) die("logins failed: " + logins.first_bad);
  std::printf("%d logins through POST /api/login in %.2f s (%.0f/s, p50 %.2f ms)\n", players, since(t_login),
              players / since(t_login), pct(logins.lat, 0.5));

  // 1. GET /api/objects/{id}.
  std::string probe;
  {
    int fd = connect_to(srv.http);
    write_all(fd, http_request("GET", "/api/objects/" + thing, tokens[0]));
    std::string in;
    int st = 0;
    while (!(st = take_response(in, &probe)))
      if (!read_some(fd, in)) die("no answer to GET /api/objects/" + thing);
    close(fd);
    if (st != 200) die("GET /api/objects/" + thing + ": " + std::to_string(st) + " " + probe);
  }
  std::printf("\nGET /api/objects/%s answers %zu bytes of JSON; POST .../methods {\"verb\":\"echo\"} returns its args\n",
              thing.c_str(), probe.size());
  const double warm = std::min(1.0, seconds / 5);
  for (int n : get_counts) {
    Pass p = http_loop(srv, n, warm, seconds, 0,
                       [&](int i, size_t) { return http_request("GET", "/api/objects/" + thing, tokens[size_t(i)]); },
                       nullptr);
    double ops = double(p.lat.size()) / p.seconds;
    bool target = n == 100;
    add_row("GET /api/objects/{id}", n, p, target ? ">=20000/s, p99 <5 ms" : "",
            ops >= 20000 && pct(p.lat, 0.99) < 5 && !p.bad);
  }
  // 2. POST /api/objects/{id}/methods.
  for (int n : post_counts) {
    Pass p = http_loop(
        srv, n, warm, seconds, 0,
        [&](int i, size_t k) {
          return http_request("POST", "/api/objects/" + thing + "/methods", tokens[size_t(i)],
                              "{\"verb\":\"echo\",\"args\":[" + std::to_string(k) + ",\"two\"]}");
        },
        [&](size_t k, int status, const std::string& body) {
          return status == 200 && body.find("[" + std::to_string(k) + ",") != std::string::npos;
        });
    add_row("POST /api/objects/{id}/methods", n, p, "", true);
  }

  if (skip_ws) {
    std::printf("\n(--skip-ws: no WebSocket, fan-out or telnet passes)\n");
    print_table();
    std::printf("\nFor the telnet command round trip at more client counts run build/bench/echo-bench-commands.\n");
    return 0;
  }

  // 5. The same `look` over telnet, for comparison (these players log out
  // again before their WebSockets log them in). One client types 40 a
  // second, under the gateway's limit of 50 frames a second (past it the
  // WebSocket is closed, 1008); the many, one a second each.
  std::string look_needle = "Bench Room";
  constexpr double kOneRate = 40;
  {
    std::vector<Client> tel(static_cast<size_t>(ws_clients));
    for (int i = 0; i < ws_clients; ++i) {
      tel[size_t(i)].fd = connect_to(srv.telnet);
      tel[size_t(i)].command("connect bench" + std::to_string(i + 1) + " pw");
    }
    wait_all(tel, "*** Connected ***", 120, "telnet logins");
    drain(tel, 0.3);
    std::vector<Client> one(1);
    std::swap(one[0], tel[0]);
    Pass p = command_pass(srv, one, kOneRate, warm, seconds, "look", look_needle);
    add_row("telnet look (" + std::to_string(int(kOneRate)) + "/s)", 1, p, "", true);
    std::swap(one[0], tel[0]);
    drain(tel, 0.2);
    p = command_pass(srv, tel, 1, 1, seconds, "look", look_needle);
    add_row("telnet look (1/s each)", ws_clients, p, "", true);
    for (auto& c : tel) close(c.fd);
    usleep(1000000);
  }

  // 3. WebSocket command round trip.
  std::vector<Client> ws;
  {
    auto t_ws = Clock::now();
    ws.reserve(size_t(ws_clients));
    for (int i = 0; i < ws_clients; ++i) {
      ws.push_back(ws_open(srv.http));
      write_all(ws.back().fd, ws_frame(1, "{\"type\":\"auth\",\"token\":\"" + tokens[size_t(i)] + "\"}"));
    }
    wait_all(ws, "\"welcome\"", 120, "WebSocket logins");
    drain(ws, 0.5);
    std::printf("%d WebSockets open and logged in in %.1f s\n", ws_clients, since(t_ws));
    std::fflush(stdout);
  }
  {
    std::vector<Client> one(1);
    std::swap(one[0], ws[0]);
    Pass p = command_pass(srv, one, kOneRate, warm, seconds, "look", look_needle);
    add_row("WebSocket look (" + std::to_string(int(kOneRate)) + "/s)", 1, p, "", true);
    std::swap(one[0], ws[0]);
    drain(ws, 0.2);
  }
  {
    Pass p = command_pass(srv, ws, 1, 1, seconds, "look", look_needle);
    add_row("WebSocket look (1/s each)", ws_clients, p, "p99 <10 ms", pct(p.lat, 0.99) < 10 && !p.bad);
  }

  // 4. Fan-out: everyone into one room, then says heard by all the others.
  // The room's enterfunc does nothing: $room's would show each arrival the
  // room with everyone in it (a million names, and out of ticks).
  {
    auto t_move = Clock::now();
    std::string hall = wiz.eval(
        "h = create($room); h.name = \"Bench Hall\"; add_verb(h, {player, \"rx\", \"enterfunc\"}, {\"this\", "
        "\"none\", \"this\"}); set_verb_code(h, \"enterfunc\", {\"return;\"}); for p in (players()) if (index(p.name, \"bench\") == 1) "
        "move(p, h); endif if (ticks_left() < 20000 || seconds_left() < 2) suspend(0); endif endfor return "
        "tostr(toint(h), \" \", length(h.contents));",
        300);
    drain(ws, 1.0, 120);
    std::printf("moved the %d players into one room (%s) in %.1f s\n", ws_clients, hall.c_str(), since(t_move));
    std::fflush(stdout);
  }
  {
    std::vector<double> last, median;
    Pass p;
    double cpu0 = srv.cpu(), own0 = own_cpu();
    auto t0 = Clock::now();
    for (int k = 0; k < says; ++k) {
      std::string word = "fanout" + std::to_string(k) + "x";
      for (auto& c : ws) c.text.clear();
      auto sent = Clock::now();
      ws[0].command("say " + word);
      std::vector<double> heard;
      int ep = epoll_create1(0);
      for (size_t i = 1; i < ws.size(); ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, ws[i].fd, &ev);
      }
      std::vector<epoll_event> evs(ws.size());
      std::vector<char> got(ws.size(), 0);
      while (heard.size() + 1 < ws.size() && since(sent) < 10) {
        int n = epoll_wait(ep, evs.data(), int(evs.size()), 100);
        for (int e = 0; e < n; ++e) {
          size_t i = evs[size_t(e)].data.u64;
          ws[i].pull();
          if (!got[i] && ws[i].text.find(word) != std::string::npos) {
            got[i] = 1;
            heard.push_back(ms_between(sent, Clock::now()));
          }
        }
      }
      close(ep);
      if (heard.size() + 1 < ws.size()) {
        ++p.bad;
        if (p.first_bad.empty())
          p.first_bad = std::to_string(ws.size() - 1 - heard.size()) + " listeners did not hear a say in 10 s";
      }
      if (!heard.empty()) {
        last.push_back(*std::max_element(heard.begin(), heard.end()));
        median.push_back(pct(heard, 0.5));
        std::printf("  say %d: first listener %.2f ms, median %.2f ms, last (%zu) %.2f ms\n", k, pct(heard, 0),
                    median.back(), heard.size(), last.back());
      }
      drain(ws, 0.2, 2);
      usleep(300000);
    }
    p.lat = last;
    p.seconds = since(t0);
    p.srv_cpu = srv.cpu() - cpu0;
    p.own_cpu = own_cpu() - own0;
    double worst = last.empty() ? 1e9 : *std::max_element(last.begin(), last.end());
    add_row("say fan-out, time to last listener", ws_clients, p, "<50 ms, worst say", worst < 50 && !p.bad,
            std::to_string(says) + " says: p50 the median say, max the worst; the median listener of the median "
            "say heard it after " + std::to_string(int(pct(median, 0.5) + 0.5)) + " ms",
            false);
  }
  for (auto& c : ws) close(c.fd);

  print_table();
  std::printf("\nFor the telnet command round trip at more client counts (say and look, saturated and paced) run "
              "build/bench/echo-bench-commands.\n");
  srv.stop();
  return 0;
}
