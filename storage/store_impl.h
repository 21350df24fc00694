// Store::Impl: the open RocksDB database and its column families, shared by
// storage/store*.cpp (internal: nothing outside storage/ includes it).
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.h"

namespace echo::storage {

inline const char* const kFamilies[] = {"default", "objects", "verbs", "tasks", "players", "events", "meta"};
enum FamilyIndex { kDefault, kObjects, kVerbs, kTasks, kPlayers, kEvents, kMeta, kFamilyCount };

// A key as it appears in error messages.
std::string hex(std::string_view key);

struct Store::Impl {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  StoreOptions options;
  std::string data_dir;
  // No event below this seq is left by the last trim_events, which seeks
  // here rather than to the first key: the deleted keys stay in the files
  // under a range tombstone until compaction, and stepping over them cost
  // 5 ms at 300k. In memory only (0 after an open). An event put later
  // below it (callers number from last_event_seq() + 1, so only a rewrite
  // of an old seq) escapes trims until the next open.
  std::atomic<uint64_t> events_floor{0};

  void check(const rocksdb::Status& s, const std::string& what) const {
    if (!s.ok()) throw StoreError(data_dir + ": " + what + ": " + s.ToString());
  }

  void check_open() const {
    if (!db) throw StoreError(data_dir + ": the store is closed");
  }

  std::optional<std::string> get(int family, const std::string& key) const {
    check_open();
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[family], key, &value);
    if (s.IsNotFound()) return std::nullopt;
    check(s, std::string("reading ") + kFamilies[family] + " key " + hex(key));
    return value.ToString();
  }

  std::unique_ptr<rocksdb::Iterator> iterator(int family) const {
    check_open();
    return std::unique_ptr<rocksdb::Iterator>(db->NewIterator(rocksdb::ReadOptions(), cf[family]));
  }

  template <typename Fn>
  void scan(int family, Fn fn) const {
    auto it = iterator(family);
    for (it->SeekToFirst(); it->Valid(); it->Next()) fn(it->key().ToStringView(), it->value().ToStringView());
    check(it->status(), std::string("scanning ") + kFamilies[family]);
  }

  // The keys that start with `prefix`, in order: one seek.
  template <typename Fn>
  void scan_prefix(int family, const std::string& prefix, Fn fn) const {
    auto it = iterator(family);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
      fn(it->key().ToStringView(), it->value().ToStringView());
    check(it->status(), std::string("scanning ") + kFamilies[family] + " from " + hex(prefix));
  }
};

}  // namespace echo::storage
