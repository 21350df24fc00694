// The RPC API's round trips on a running server (issue 19's figures):
// `eval return 1 + 1;` and a property read (#0.name), one call at a time
// and pipelined (a window of calls in flight on one connection), from 1
// and from 64 connections, each a thread with its own KJ event loop. Prints
// calls a second and p50/p99. Not a test.
//
//   build/cli/echo-repl serve NAME.db --rpc-port 0 &
//   build/bench/echo-bench-rpc NAME.db [--seconds S] [--window N] [--server-pid PID]
//
// The key and the address come from NAME.db/rpc.key, as for `echo-repl rpc`.
#include <capnp/ez-rpc.h>
#include <kj/async-io.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <unistd.h>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/rpc/echo.capnp.h"
#include "proc_stats.h"

namespace {

namespace schema = echo::rpc::schema;
using Clock = std::chrono::steady_clock;

std::string key, address;
double seconds = 3;
int window = 64;
long server_pid = 0;  // --server-pid: its CPU time per call is printed too

// The server's user + system CPU seconds (/proc/PID/stat), or -1.
double server_cpu() { return server_pid ? echo::bench::cpu_seconds(pid_t(server_pid)) : -1; }

struct Result {
  uint64_t calls = 0;
  std::vector<double> latencies_ms;  // of the calls made one at a time
};

schema::Session::Client login(capnp::EzRpcClient& client) {
  auto r = client.getMain<schema::Gate>().withKeyRequest();
  r.setKey(key);
  return r.send().getSession();
}

template <class MakeRequest>
void one_at_a_time(MakeRequest make, Result& out) {
  capnp::EzRpcClient client(address);
  auto& ws = client.getWaitScope();
  auto session = login(client);
  make(session).send().wait(ws);  // warm: the login and the first call
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    auto resp = make(session).send().wait(ws);
    if (!resp.getOutcome().isOk()) throw std::runtime_error("a call failed");
    out.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++out.calls;
  }
}

// `window` calls in flight at all times on one connection.
template <class MakeRequest>
void pipelined(MakeRequest make, Result& out) {
  capnp::EzRpcClient client(address);
  auto& ws = client.getWaitScope();
  auto session = login(client);
  make(session).send().wait(ws);
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::function<kj::Promise<void>()> next = [&]() -> kj::Promise<void> {
    if (Clock::now() >= end) return kj::READY_NOW;
    return make(session).send().then([&](auto&& resp) {
      if (!resp.getOutcome().isOk()) throw std::runtime_error("a call failed");
      ++out.calls;
      return next();
    });
  };
  kj::Vector<kj::Promise<void>> lanes;
  for (int i = 0; i < window; ++i) lanes.add(next());
  kj::joinPromises(lanes.releaseAsArray()).wait(ws);
}

void report(const char* what, int clients, const char* mode, std::vector<Result>& results, double secs,
            double cpu) {
  uint64_t calls = 0;
  std::vector<double> lat;
  for (auto& r : results) {
    calls += r.calls;
    lat.insert(lat.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, size_t(p * lat.size()))]; };
  char per_call[32] = "-";
  if (cpu >= 0 && calls) std::snprintf(per_call, sizeof per_call, "%.0f", cpu * 1e6 / double(calls));
  if (lat.empty())
    std::printf("| %-22s | %3d | %-13s | %9.0f | %7s | %7s | %8s |\n", what, clients, mode, calls / secs, "-", "-",
                per_call);
  else
    std::printf("| %-22s | %3d | %-13s | %9.0f | %7.3f | %7.3f | %8s |\n", what, clients, mode, calls / secs,
                pct(0.5), pct(0.99), per_call);
  std::fflush(stdout);
}

template <class MakeRequest>
void run(const char* what, MakeRequest make) {
  for (int clients : {1, 64}) {
    for (bool pipe : {false, true}) {
      std::vector<Result> results(static_cast<size_t>(clients));
      std::vector<std::thread> threads;
      std::atomic<int> failed{0};
      auto t0 = Clock::now();
      double cpu0 = server_cpu();
      for (int i = 0; i < clients; ++i)
        threads.emplace_back([&, i] {
          try {
            if (pipe) pipelined(make, results[size_t(i)]);
            else one_at_a_time(make, results[size_t(i)]);
          } catch (const std::exception& e) {
            if (failed++ == 0) std::fprintf(stderr, "echo-bench-rpc: %s\n", e.what());
          } catch (const kj::Exception& e) {
            if (failed++ == 0) std::fprintf(stderr, "echo-bench-rpc: %s\n", e.getDescription().cStr());
          }
        });
      for (auto& t : threads) t.join();
      double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      char mode[32];
      std::snprintf(mode, sizeof mode, pipe ? "pipelined %d" : "one at a time", window);
      double cpu1 = server_cpu();
      report(what, clients, mode, results, secs, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: echo-bench-rpc NAME.db [--seconds S] [--window N]\n");
    return 2;
  }
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string f = argv[i];
    if (f == "--seconds") seconds = std::stod(argv[i + 1]);
    else if (f == "--window") window = std::stoi(argv[i + 1]);
    else if (f == "--server-pid") server_pid = std::stol(argv[i + 1]);
  }
  std::string dir = argv[1];
  std::ifstream kf(dir + "/rpc.key");
  if (!std::getline(kf, key) || !std::getline(kf, address)) {
    std::fprintf(stderr, "echo-bench-rpc: no %s/rpc.key (is the server running with --rpc-port?)\n", dir.c_str());
    return 1;
  }
  std::printf("| call | clients | mode | calls/s | p50 ms | p99 ms | server CPU µs/call |\n"
              "|---|---|---|---|---|---|---|\n");
  run("eval `return 1 + 1;`", [](schema::Session::Client& s) {
    auto r = s.evalRequest();
    r.setCode("return 1 + 1;");
    return r;
  });
  run("property read #0.name", [](schema::Session::Client& s) {
    auto r = s.getPropertyRequest();
    r.setObject("#0");
    r.setName("name");
    return r;
  });
  return 0;
}
