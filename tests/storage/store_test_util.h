// Helpers shared by the store tests.
#pragma once

#include <catch2/catch.hpp>
#include <rocksdb/db.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

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

// Writes raw bytes under a key of a column family, bypassing the store
// (which must be closed): how the tests plant corrupt records.
inline void poke(const std::string& store_dir, const std::string& family, const std::string& key,
                 const std::string& value) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const char* f : {"default", "objects", "verbs", "tasks", "players", "events", "meta"})
    descs.emplace_back(f, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), store_dir + "/data", descs, &cf, &db).ok());
  size_t i = 0;
  while (descs[i].name != family) ++i;
  REQUIRE(db->Put(rocksdb::WriteOptions(), cf[i], key, value).ok());
  for (auto* h : cf) db->DestroyColumnFamilyHandle(h);
  db->Close();
  delete db;
}

}  // namespace storage_test
