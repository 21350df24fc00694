// Crash durability: a child process commits numbered batches and reports
// each acknowledged one on a pipe; the parent SIGKILLs it at a random moment
// and checks that every acknowledged batch is in the reopened store.
//
// The child is this test executable re-executed (fork + exec of
// /proc/self/exe with ECHO_STORE_CRASH_CHILD set): RocksDB's background
// threads do not survive a bare fork, so the child starts clean. A static
// initializer runs the child's loop before Catch2's main.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <set>

#include "storage/store.h"
#include "store_test_util.h"

using namespace echo::storage;
using storage_test::TempDir;

namespace {

constexpr const char* kChildEnv = "ECHO_STORE_CRASH_CHILD";  // "<store dir>:<fd>"

std::string payload(uint64_t n) { return "batch " + std::to_string(n) + std::string(200, char('a' + n % 26)); }

[[noreturn]] void child_main(const std::string& spec) {
  size_t colon = spec.rfind(':');
  std::string dir = spec.substr(0, colon);
  int fd = std::atoi(spec.c_str() + colon + 1);
  try {
    auto s = Store::open(dir);  // sync = true: the durability under test
    // Numbering continues after the batches a previous child left.
    std::vector<uint64_t> done = s->task_ids();
    for (uint64_t n = done.empty() ? 1 : done.back() + 1;; ++n) {
      Batch b;
      b.put_task(n, payload(n));
      Object o;
      o.id = Objid(n % 50);
      o.name = "object written by batch " + std::to_string(n);
      b.put_object(o);
      EventRecord e;
      e.seq = n;
      e.type = "batch";
      e.payload = echo::Value::str(payload(n));
      b.put_event(e);
      s->commit(b);
      if (::write(fd, &n, sizeof n) != sizeof n) _exit(3);
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "crash child: %s\n", e.what());
    _exit(2);
  }
}

// Runs before main() in the re-executed child.
const bool kIsChild = [] {
  if (const char* spec = std::getenv(kChildEnv)) child_main(spec);
  return false;
}();

}  // namespace

TEST_CASE("store: every acknowledged batch survives SIGKILL", "[store][crash]") {
  (void)kIsChild;
  std::mt19937_64 rng(uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int round = 0; round < 4; ++round) {
    TempDir tmp("crash");
    std::string dir = tmp / "w.db";
    uint64_t acked = 0;
    // Each round starts from the previous round's store (reopened after a kill).
    for (int kill_no = 0; kill_no < 2; ++kill_no) {
      int fds[2];
      REQUIRE(::pipe(fds) == 0);
      pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        ::close(fds[0]);
        std::string spec = dir + ":" + std::to_string(fds[1]);
        ::setenv(kChildEnv, spec.c_str(), 1);
        char* argv[] = {const_cast<char*>("echo-storage-tests"), nullptr};
        ::execv("/proc/self/exe", argv);
        _exit(127);
      }
      ::close(fds[1]);
      uint64_t target = 200 + rng() % 300;  // acknowledgements before the kill
      uint64_t seen = 0, n = 0;
      while (seen < target && ::read(fds[0], &n, sizeof n) == sizeof n) {
        ++seen;
        acked = std::max(acked, n);
      }
      // A random moment: at once (most likely inside the next commit's
      // fsync) or up to 3 ms later.
      if (rng() % 2) ::usleep(useconds_t(rng() % 3000));
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
      // Acknowledgements written before the kill count too.
      while (::read(fds[0], &n, sizeof n) == sizeof n) acked = std::max(acked, n);
      ::close(fds[0]);
      INFO("round " << round << " kill " << kill_no << " after " << seen << " acks, last " << acked);
      REQUIRE(WIFSIGNALED(status));
      REQUIRE(seen == target);

      auto s = Store::open(dir, StoreOptions{false, true});
      std::vector<uint64_t> ids = s->task_ids();
      std::set<uint64_t> have(ids.begin(), ids.end());
      // Every batch up to the last acknowledged one (of any child) is there.
      for (uint64_t i = 1; i <= acked; ++i) {
        INFO("batch " << i);
        REQUIRE(have.count(i));
        REQUIRE(s->get_task(i) == std::optional<std::string>(payload(i)));
      }
      // Atomicity: the object and the event of the last batch present carry
      // its number (its task, object and event were one WriteBatch).
      REQUIRE(!ids.empty());
      uint64_t last = *have.rbegin();
      CHECK(s->last_event_seq() == last);
      CHECK(s->read_events(acked - 1, 1).events.at(0).payload.as_str() == payload(acked));
      auto o = s->get_object(Objid(last % 50));
      REQUIRE(o);
      CHECK(o->name == "object written by batch " + std::to_string(last));
      for (Objid id : s->object_ids()) REQUIRE(s->get_object(id).has_value());
    }
  }
}
