#include "cli/running_store.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace echo::cli {

namespace fs = std::filesystem;

namespace {
// The store's directory as the commands open it: the name itself when it is
// one (open_dir), else the name with .db (Store::open).
std::string store_dir(const std::string& name) {
  std::error_code ec;
  return fs::is_directory(name, ec) ? name : storage::Store::dir_for(name);
}
}  // namespace

long running_server(const std::string& name) {
  std::ifstream f(store_dir(name) + "/server.pid");
  long pid = 0;
  if (!(f >> pid) || pid <= 0) return 0;
  return ::kill(pid_t(pid), 0) == 0 ? pid : 0;
}

namespace {
std::vector<std::string> snapshots_in(const std::string& dir) {
  std::vector<std::string> r;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind("snap.", 0) == 0 && n.find(".tmp") == std::string::npos) r.push_back(e.path().string());
  }
  return r;
}
}  // namespace

std::string take_running_snapshot(const std::string& name, long pid) {
  std::string dir = store_dir(name);
  std::vector<std::string> before = snapshots_in(dir);
  if (::kill(pid_t(pid), SIGUSR2) != 0)
    throw std::runtime_error("cannot signal the server (pid " + std::to_string(pid) + ") serving " + dir);
  std::cerr << "the server (pid " << pid << ") serving " << dir << " is taking a snapshot...\n";
  for (int i = 0; i < 1200; ++i) {  // its checkpoint waits for the running segment
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const std::string& p : snapshots_in(dir))
      if (std::find(before.begin(), before.end(), p) == before.end()) return p;
  }
  throw std::runtime_error("the server (pid " + std::to_string(pid) + ") took no snapshot within two minutes; see its log");
}

ReadableStore::ReadableStore(const std::string& name) : dir_(name) {
  long pid = running_server(name);
  if (pid <= 0) return;
  std::string snap = take_running_snapshot(name, pid);
  std::string scratch = store_dir(name) + "/view." + std::to_string(getpid());
  fs::remove_all(scratch);
  fs::create_directories(scratch + "/data");
  scratch_ = true;
  std::string keep = dir_;
  dir_ = scratch;
  // Opening writes a new MANIFEST and log beside them; the SST files are
  // never changed in place, so links suffice.
  for (const auto& e : fs::directory_iterator(snap)) {
    fs::path to = fs::path(scratch) / "data" / e.path().filename();
    if (e.path().extension() == ".sst")
      fs::create_hard_link(e.path(), to);
    else
      fs::copy_file(e.path(), to);
  }
  std::cerr << "reading " << keep << " as of that snapshot (" << fs::path(snap).filename().string() << ")\n";
}

ReadableStore::~ReadableStore() {
  if (!scratch_) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace echo::cli
