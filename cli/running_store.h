// A store a server is running on cannot be opened beside it (RocksDB's
// lock): the commands that only read it ask the server for a snapshot
// (LambdaMOO's remote checkpoint signal, SIGUSR2) and read a copy of that.
#pragma once

#include <string>

namespace echo::cli {

// The pid of a live server on the store `name` (from its server.pid), or 0.
long running_server(const std::string& name);

// Signals the server `pid` on `name` and waits (up to two minutes) for the
// snapshot it takes; its path. Throws std::runtime_error.
std::string take_running_snapshot(const std::string& name, long pid);

// A store directory to read `name` from: `name` itself, as given, when no
// server runs on it, else a scratch store made of a fresh snapshot (its SST files
// hard-linked), removed when this goes.
class ReadableStore {
 public:
  explicit ReadableStore(const std::string& name);
  ~ReadableStore();
  ReadableStore(const ReadableStore&) = delete;
  ReadableStore& operator=(const ReadableStore&) = delete;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool scratch_ = false;
};

}  // namespace echo::cli
