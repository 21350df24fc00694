// Command round trip on a real server: N telnet clients on loopback, each
// logged in as its own player in one LambdaCore room, issue `say` and `look`
// in turn; a command's latency is from sending its line to receiving the
// line that answers it. Prints commands/second and p50/p99 per client count.
// Also the rate of short forked tasks. Not a test.
//
//   build/bench/echo-bench-commands [--clients 1,100,1000] [--seconds S] [--rate R]
//                                   [--commands-only]
//
// Each pass also prints the server's CPU time per command (user + system,
// from /proc) and its resident memory with the clients connected, so the
// cost of the path and of a connection are figures, not guesses.
//
// It imports ../shared/data/LambdaCore-latest.db into /tmp, creates the
// players through the wizard, and runs build/cli/echo-repl serve.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "proc_stats.h"

namespace fs = std::filesystem;
using echo::bench::cpu_seconds;
using echo::bench::rss_mib;
using Clock = std::chrono::steady_clock;

namespace {

struct Conn {
  int fd = -1;
  std::string buf;
  Clock::time_point sent;
  bool waiting = false;
  int turn = 0;
  std::string expect;
};

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_line(Conn& c, const std::string& line) {
  std::string s = line + "\r\n";
  if (write(c.fd, s.data(), s.size()) != ssize_t(s.size())) throw std::runtime_error("write failed");
}

// Reads until a line containing `needle` arrives (or the timeout passes).
bool wait_for(Conn& c, const std::string& needle, double seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (c.buf.find(needle) != std::string::npos) {
      c.buf.erase(0, c.buf.find(needle) + needle.size());
      return true;
    }
    double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{c.fd, POLLIN, 0};
    if (poll(&p, 1, int(left * 1000) + 1) <= 0) continue;
    char tmp[65536];
    ssize_t n = read(c.fd, tmp, sizeof tmp);
    if (n <= 0) return false;
    c.buf.append(tmp, size_t(n));
  }
}

// How the speculative segments ended so far (commit_stats()).
std::string commit_stats(Conn& wiz) {
  wiz.buf.clear();
  send_line(wiz, ";commit_stats()");
  if (!wait_for(wiz, "=> ", 10)) return "(no commit_stats)";
  for (int i = 0; i < 100 && wiz.buf.find('\n') == std::string::npos; ++i) {
    pollfd p{wiz.fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    char tmp[4096];
    ssize_t n = read(wiz.fd, tmp, sizeof tmp);
    if (n <= 0) break;
    wiz.buf.append(tmp, size_t(n));
  }
  std::string s = wiz.buf;
  size_t nl = s.find('\n');
  return "commit_stats: " + s.substr(0, nl == std::string::npos ? s.size() : nl);
}

// The server process; stopped (SIGTERM, then reaped) when it goes out of
// scope, so that a failed run never leaves one behind.
struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
  Server() = default;
  Server(Server&& o) noexcept : pid(std::exchange(o.pid, -1)), port(o.port) {}
  Server& operator=(Server&&) = delete;
  ~Server() { stop(); }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

Server start_server(const std::string& repl, const std::string& store) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe");
  Server s;
  s.pid = fork();
  if (s.pid == 0) {
    dup2(out[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(repl.c_str(), repl.c_str(), "serve", store.c_str(), "--telnet-port", "0", nullptr);
    _exit(127);
  }
  close(out[1]);
  std::string got;
  char ch;
  while (read(out[0], &ch, 1) == 1) {
    if (ch == '\n') {
      auto at = got.find("port ");
      if (at != std::string::npos) {
        s.port = uint16_t(std::stoi(got.substr(at + 5)));
        break;
      }
      got.clear();
    } else {
      got.push_back(ch);
    }
  }
  if (!s.port) throw std::runtime_error("the server did not start");
  return s;
}

double pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> counts = {1, 100, 1000};
  double seconds = 5;
  double rate = 1;  // commands per second per client in the paced pass
  bool commands_only = false;  // skip the forked-task and CPU-bound passes
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--clients") && i + 1 < argc) {
      counts.clear();
      std::string s = argv[++i];
      for (size_t at = 0; at < s.size();) {
        size_t e = s.find(',', at);
        counts.push_back(std::stoi(s.substr(at, e - at)));
        at = e == std::string::npos ? s.size() : e + 1;
      }
    } else if (!std::strcmp(argv[i], "--rate") && i + 1 < argc) {
      rate = std::stod(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::stod(argv[++i]);
    } else if (!std::strcmp(argv[i], "--commands-only")) {
      commands_only = true;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it is made, into a file too
  rlimit rl{8192, 8192};
  setrlimit(RLIMIT_NOFILE, &rl);
  signal(SIGPIPE, SIG_IGN);
  std::string repl = fs::path(argv[0]).parent_path().parent_path() / "cli" / "echo-repl";
  std::string store = "/tmp/echo-command-bench.db";
  fs::remove_all(store);
  std::string cmd = repl + " import " ECHO_SHARED_DATA_DIR "/LambdaCore-latest.db --to " + store + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "import failed\n");
    return 1;
  }
  int most = *std::max_element(counts.begin(), counts.end());
  Server srv = start_server(repl, store);
  std::printf("server on port %u; %d players\n", srv.port, most);

  // The wizard makes the players: each a $player child with a password.
  Conn wiz;
  wiz.fd = connect_to(srv.port);
  send_line(wiz, "connect wizard");
  if (!wait_for(wiz, "*** Connected ***", 30)) {
    std::fprintf(stderr, "wizard login failed\n");
    return 1;
  }
  // All the clients come from 127.0.0.1: lift the per-address limit.
  send_line(wiz, ";;try add_property($server_options, \"max_connections_per_ip\", 0, {player, \"r\"}); "
                 "except (E_INVARG) $server_options.max_connections_per_ip = 0; endtry load_server_options(); "
                 "return \"unlimited\";");
  if (!wait_for(wiz, "\"unlimited\"", 30)) {
    std::fprintf(stderr, "lifting max_connections_per_ip failed\n");
    return 1;
  }
  // Ten players a room: a say is heard by ten, as in a busy but real MOO.
  // (create() counts against the wizard's ownership_quota, as quota.c does.)
  send_line(wiz, ";try player.ownership_quota = 1000000; except (ANY) endtry for i in [1.." + std::to_string(most) +
                     "] if (i % 10 == 1) r = create($room); r.name = \"Bench Room \" + tostr(i / 10); endif "
                     "p = create($player); p.name = \"bench\" + tostr(i); set_player_flag(p, 1); "
                     "p.password = crypt(\"pw\"); $player_db:insert(p.name, p); move(p, r); "
                     "if (ticks_left() < 20000 || seconds_left() < 2) suspend(0); endif endfor; return \"made\";");
  if (!wait_for(wiz, "\"made\"", 300)) {
    std::fprintf(stderr, "making players failed\n");
    return 1;
  }

  if (!commands_only) {
    // Short forked tasks: the wizard forks K tasks that each bump a counter
    // (each task is its own segment and commit).
    // LambdaCore's $server_options.queued_task_limit (300) would refuse most of them.
    send_line(wiz, ";;add_property(#0, \"bench_count\", 0, {player, \"rw\"}); "
                   "$server_options.queued_task_limit = 100000; return \"ok\";");
    wait_for(wiz, "\"ok\"", 30);
    const int k = 2000;
    auto f0 = Clock::now();
    send_line(wiz, ";;for i in [1.." + std::to_string(k) +
                       "] fork (0) #0.bench_count = #0.bench_count + 1; endfork if (ticks_left() < 5000) suspend(0); "
                       "endif endfor return \"forked\";");
    wait_for(wiz, "\"forked\"", 60);
    for (int tries = 0; tries < 3000; ++tries) {
      wiz.buf.clear();
      send_line(wiz, ";#0.bench_count");
      if (!wait_for(wiz, "=> ", 10)) break;
      if (wait_for(wiz, std::to_string(k) + "\r", 0.01)) break;
    }
    double fs_ = std::chrono::duration<double>(Clock::now() - f0).count();
    std::printf("forked tasks: %d in %.2f s = %.0f tasks/s (each its own commit; all add to one counter)\n", k,
                fs_, k / fs_);
    std::printf("      %s\n", commit_stats(wiz).c_str());
    std::fflush(stdout);

    // Two CPU-bound tasks on different objects: one after the other, then at
    // once (speculation runs them on both cores).
    send_line(wiz, ";;$server_options.bg_ticks = 2000000000; $server_options.bg_seconds = 100; "
                   "for p in ({\"bench_a\", \"bench_b\"}) add_property(#0, p, create($thing), {player, \"r\"}); endfor "
                   "return \"made2\";");
    wait_for(wiz, "\"made2\"", 30);
    auto cpu_tasks = [&](std::vector<std::string> objs) {
      std::string code = ";;";
      for (auto& o : objs)
        code += "fork (0) for i in [1..100000000] x = i * 2; endfor player:tell(\"cpu " + o + " done\"); endfork ";
      auto t0 = Clock::now();
      send_line(wiz, code);
      for (size_t i = 0; i < objs.size(); ++i) wait_for(wiz, " done", 120);
      return std::chrono::duration<double>(Clock::now() - t0).count();
    };
    double serial = cpu_tasks({"$bench_a"}) + cpu_tasks({"$bench_b"});
    double both = cpu_tasks({"$bench_a", "$bench_b"});
    std::printf("two CPU-bound tasks (100M iterations each): one after the other %.2f s, at once %.2f s "
                "(%.2fx)\n", serial, both, serial / both);
    std::fflush(stdout);
  }

  for (int n : counts) {
    double rss_before = rss_mib(srv.pid);
    std::vector<Conn> cs(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      cs[size_t(i)].fd = connect_to(srv.port);
      send_line(cs[size_t(i)], "connect bench" + std::to_string(i + 1) + " pw");
    }
    for (auto& c : cs)
      if (!wait_for(c, "*** Connected ***", 60)) {
        std::fprintf(stderr, "a client did not log in\n");
        return 1;
      }
    // Let the login output settle.
    for (auto& c : cs) {
      wait_for(c, "\n", 0.05);
      c.buf.clear();
    }
    double rss_with = rss_mib(srv.pid);
    std::printf("%5d clients connected: server RSS %.1f MiB (%.1f KiB per connection over %.1f MiB before)\n", n,
                rss_with, (rss_with - rss_before) * 1024 / n, rss_before);
    // Two passes: saturated (each client sends its next command as soon as
    // the last is answered: throughput), then paced at `rate` commands per
    // second per client, spread out (latency under a steady load).
    for (double pace : {0.0, rate}) {
      std::vector<double> lat;
      size_t done = 0;
      double cpu0 = cpu_seconds(srv.pid);
      auto t0 = Clock::now();
      auto stop = t0 + std::chrono::duration<double>(seconds);
      std::vector<Clock::time_point> next(cs.size(), t0);
      if (pace > 0)
        for (size_t i = 0; i < cs.size(); ++i)
          next[i] = t0 + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(double(i) / double(cs.size()) / pace));
      auto issue = [&](Conn& c) {
        bool say = (c.turn++ % 2) == 0;
        c.expect = say ? "You say, \"" : "Bench Room";
        send_line(c, say ? "say bench" : "look");
        c.sent = Clock::now();
        c.waiting = true;
      };
      std::vector<pollfd> fds(cs.size());
      while (Clock::now() < stop) {
        auto now = Clock::now();
        for (size_t i = 0; i < cs.size(); ++i)
          if (!cs[i].waiting && now >= next[i]) {
            issue(cs[i]);
            if (pace > 0)
              next[i] += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / pace));
          }
        for (size_t i = 0; i < cs.size(); ++i) fds[i] = {cs[i].fd, POLLIN, 0};
        if (poll(fds.data(), fds.size(), pace > 0 ? 1 : 100) <= 0) continue;
        for (size_t i = 0; i < cs.size(); ++i) {
          if (!(fds[i].revents & POLLIN)) continue;
          Conn& c = cs[i];
          char tmp[65536];
          ssize_t r = read(c.fd, tmp, sizeof tmp);
          if (r <= 0) continue;
          c.buf.append(tmp, size_t(r));
          if (c.waiting && c.buf.find(c.expect) != std::string::npos) {
            lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.sent).count());
            ++done;
            c.buf.clear();
            c.waiting = false;
            if (pace == 0) next[i] = Clock::now();
          }
        }
      }
      // Let the last answers arrive before the next pass.
      for (auto& c : cs)
        if (c.waiting) {
          wait_for(c, c.expect, 5);
          c.waiting = false;
        }
      double el = std::chrono::duration<double>(Clock::now() - t0).count();
      double cpu = cpu_seconds(srv.pid) - cpu0;
      char how[64];
      if (pace > 0) std::snprintf(how, sizeof how, "paced %.1f/s each", pace);
      else std::snprintf(how, sizeof how, "saturated");
      std::printf("%5d clients, %-18s %8.0f commands/s  p50 %7.2f ms  p99 %7.2f ms  (%zu commands)  "
                  "server CPU %.3f ms/command\n", n, how, double(done) / el, pct(lat, 0.5), pct(lat, 0.99), done,
                  done ? cpu * 1000 / double(done) : 0.0);
      std::printf("      %s\n", commit_stats(wiz).c_str());
      std::fflush(stdout);
    }
    for (auto& c : cs) close(c.fd);
    usleep(500000);
  }

  srv.stop();
  return 0;
}
