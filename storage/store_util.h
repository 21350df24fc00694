// File-system helpers for the store (internal to storage/store*.cpp).
#pragma once

#include <string>

namespace echo::storage::util {

// "<target>.tmp-<pid>"; an existing one (a stale run with our pid) is removed.
std::string temp_dir_for(const std::string& target);
// fsync a directory (its entries) / every file and directory under root.
void fsync_dir(const std::string& dir);
void fsync_tree(const std::string& root);
// Renames the complete directory tmp to target. An existing target is
// refused (StoreError, tmp removed) unless overwrite; then it is moved aside,
// tmp renamed into place, and the old one removed.
void install_dir(const std::string& tmp, const std::string& target, bool overwrite);

}  // namespace echo::storage::util
