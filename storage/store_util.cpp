#include "storage/store_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "storage/store.h"

namespace fs = std::filesystem;

namespace echo::storage::util {

std::string temp_dir_for(const std::string& target) {
  std::string tmp = target + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return tmp;
}

namespace {
void fsync_path(const std::string& path, bool dir) {
  int fd = ::open(path.c_str(), (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw StoreError(path + ": open for fsync: " + std::strerror(errno));
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0) throw StoreError(path + ": fsync: " + std::strerror(err));
}
std::string parent_of(const std::string& path) {
  fs::path p = fs::path(path).parent_path();
  return p.empty() ? "." : p.string();
}
}  // namespace

void fsync_dir(const std::string& dir) { fsync_path(dir, true); }

void fsync_tree(const std::string& root) {
  for (const auto& e : fs::recursive_directory_iterator(root))
    fsync_path(e.path().string(), e.is_directory());
  fsync_dir(root);
}

void install_dir(const std::string& tmp, const std::string& target, bool overwrite) {
  std::error_code ec;
  std::string old;
  if (fs::exists(target)) {
    if (!overwrite) {
      fs::remove_all(tmp, ec);
      throw StoreError(target + ": exists (pass overwrite to replace it)");
    }
    old = target + ".old-" + std::to_string(::getpid());
    fs::remove_all(old, ec);
    fs::rename(target, old, ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      throw StoreError(target + ": cannot move aside: " + ec.message());
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ec2;
    if (!old.empty()) fs::rename(old, target, ec2);  // put the old one back
    fs::remove_all(tmp, ec2);
    throw StoreError(target + ": cannot rename " + tmp + " into place: " + ec.message());
  }
  fsync_dir(parent_of(target));
  if (!old.empty()) fs::remove_all(old, ec);
}

}  // namespace echo::storage::util
