// Helpers shared by the store tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace storage_test {

// A fresh directory under /tmp, removed when the object goes.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static int n = 0;
    path_ = "/tmp/echo-store-test-" + std::to_string(::getpid()) + "-" + tag + "-" + std::to_string(n++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace storage_test
