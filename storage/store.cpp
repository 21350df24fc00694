// The RocksDB side of the store: opening, reads, commits, snapshots.
#include "storage/store.h"

#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "storage/store_impl.h"
#include "storage/store_records.h"
#include "storage/store_util.h"

namespace fs = std::filesystem;

namespace echo::storage {

namespace {

// The write-ahead log's bound (see open_dir): what a start after a crash
// replays at most (about 0.2 s).
constexpr uint64_t kMaxWalBytes = 32 << 20;

int family_index(Batch::Family f) {
  switch (f) {
    case Batch::Family::Objects: return kObjects;
    case Batch::Family::Verbs: return kVerbs;
    case Batch::Family::Tasks: return kTasks;
    case Batch::Family::Players: return kPlayers;
    case Batch::Family::Events: return kEvents;
    case Batch::Family::Meta: return kMeta;
  }
  return kDefault;
}

}  // namespace

std::string hex(std::string_view key) {
  static const char* d = "0123456789abcdef";
  std::string r;
  for (unsigned char c : key) {
    r.push_back(d[c >> 4]);
    r.push_back(d[c & 15]);
  }
  return r;
}

// ---- Batch

void Batch::add(Family f, std::string key, std::optional<std::string> value) {
  bytes_ += key.size() + (value ? value->size() : 0);
  ops_.push_back(Op{f, std::move(key), std::move(value)});
}

void Batch::put_object(const Object& o, bool anonymous) {
  add(Family::Objects, records::object_key(o.id), records::encode_object(o, anonymous));
}
void Batch::delete_object(Objid id) { add(Family::Objects, records::object_key(id), std::nullopt); }
void Batch::put_verb_source(Objid id, uint32_t verb_index, std::string_view source) {
  add(Family::Verbs, records::verb_key(id, verb_index), records::encode_verb_source(source));
}
void Batch::delete_verb_source(Objid id, uint32_t verb_index) {
  add(Family::Verbs, records::verb_key(id, verb_index), std::nullopt);
}
void Batch::put_meta(const MetaInfo& meta) { add(Family::Meta, records::kMetaKey, records::encode_meta(meta)); }
void Batch::put_task(uint64_t task_id, std::string_view bytes) {
  add(Family::Tasks, records::task_key(task_id), std::string(bytes));
}
void Batch::put_task_value(uint64_t task_id, const Value& state) {
  add(Family::Tasks, records::task_key(task_id), records::encode_task(state));
}
std::string Batch::encode_task_value(const Value& state) { return records::encode_task(state); }
void Batch::delete_task(uint64_t task_id) { add(Family::Tasks, records::task_key(task_id), std::nullopt); }

// ---- Store

std::string Store::dir_for(const std::string& name) {
  std::string d = name;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (d.size() < 3 || d.compare(d.size() - 3, 3, ".db") != 0) d += ".db";
  return d;
}

Store::Store(std::string dir) : dir_(std::move(dir)), impl_(std::make_unique<Impl>()) {}

std::unique_ptr<Store> Store::open(const std::string& name, StoreOptions options) {
  return open_dir(dir_for(name), options);
}

std::unique_ptr<Store> Store::open_dir(const std::string& dir, StoreOptions options) {
  std::unique_ptr<Store> store(new Store(dir));
  Impl& im = *store->impl_;
  im.options = options;
  im.data_dir = store->dir_ + "/data";
  std::error_code ec;
  if (!fs::exists(im.data_dir, ec)) {
    if (!options.create_if_missing) throw StoreError(store->dir_ + ": no such store");
    fs::create_directories(im.data_dir, ec);
    if (ec) throw StoreError(im.data_dir + ": cannot create: " + ec.message());
  }
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = options.create_if_missing;
  dbo.create_missing_column_families = true;
  dbo.paranoid_checks = true;
  dbo.max_background_jobs = 2;
  // The WAL is shared by the families, and a WAL file goes only once every
  // family's memtable holding its writes is flushed. A family that is written
  // all the time (tasks) beside ones written seldom (objects) kept every file
  // until RocksDB's default limit, 4 x the families' write buffers (3.5 GB
  // here); the next open replayed all of it (15.8 s at 3.1 GB). Past this
  // size the families holding the oldest file are flushed, and the file goes.
  dbo.max_total_wal_size = kMaxWalBytes;
  // RocksDB's info LOG grows by a few lines a flush (6 MB a minute under a
  // suspend() loop) and was kept, up to 1000, at each open; the MANIFEST by a
  // record a flush, up to 1 GB.
  dbo.max_log_file_size = 1 << 20;
  dbo.keep_log_file_num = 4;
  dbo.max_manifest_file_size = 64 << 20;
  // One block cache for all families; bloom filters and hashed data-block
  // indexes for the point lookups that dominate (get_object).
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(size_t(options.block_cache_mb) << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  rocksdb::ColumnFamilyOptions cfo;
  cfo.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // A family holds at most 2 memtables unflushed (RocksDB stalls writes
  // beyond), and each new WAL file is preallocated at 1.1 x this: the
  // default 64 MB let a fast writer (a task set a property and suspended
  // 800 times a second with 256 KB in its variables) hold 235 MB of WAL
  // while the flushes behind max_total_wal_size caught up.
  cfo.write_buffer_size = kMaxWalBytes / 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const char* f : kFamilies) descs.emplace_back(f, cfo);
  rocksdb::Status s = rocksdb::DB::Open(dbo, im.data_dir, descs, &im.cf, &im.db);
  if (!s.ok()) {
    // RocksDB's LOCK: another process has the store (a server writes its
    // pid beside it, in server.pid).
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      std::string pid;
      if (std::FILE* f = std::fopen((store->dir_ + "/server.pid").c_str(), "r")) {
        char buf[32] = "";
        if (std::fgets(buf, sizeof buf, f)) pid = buf;
        std::fclose(f);
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      }
      throw StoreError(store->dir_ + " is in use by " +
                       (pid.empty() ? std::string("another process") : "a running server (pid " + pid + ")") +
                       "; stop it first, or see what it is doing with `echo-repl status " + store->dir_ + "`");
    }
    throw StoreError(im.data_dir + ": cannot open: " + s.ToString());
  }
  return store;
}

Store::~Store() {
  try {
    close();
  } catch (...) {
  }
}

void Store::close() {
  Impl& im = *impl_;
  if (!im.db) return;
  // A clean close flushes the memtables, so that the next open has no WAL
  // to replay (a crash just means a longer open, never lost data).
  rocksdb::FlushOptions fo;
  rocksdb::Status flushed = im.db->Flush(fo, im.cf);
  for (auto* h : im.cf) im.db->DestroyColumnFamilyHandle(h);
  im.cf.clear();
  rocksdb::Status s = im.db->Close();
  delete im.db;
  im.db = nullptr;
  im.check(flushed, "flushing on close");
  im.check(s, "closing");
}

std::optional<ObjectRecord> Store::get_object(Objid id) const {
  auto v = impl_->get(kObjects, records::object_key(id));
  if (!v) return std::nullopt;
  std::string what = impl_->data_dir + " objects #" + std::to_string(id);
  ObjectRecord o = records::decode_object(*v, what);
  if (o.id != id) throw StoreError("corrupt record " + what + ": it holds #" + std::to_string(o.id));
  return o;
}

std::optional<std::string> Store::get_verb_source(Objid id, uint32_t verb_index) const {
  auto v = impl_->get(kVerbs, records::verb_key(id, verb_index));
  if (!v) return std::nullopt;
  return records::decode_verb_source(
      *v, impl_->data_dir + " verbs #" + std::to_string(id) + ":" + std::to_string(verb_index));
}

std::optional<MetaInfo> Store::get_meta() const {
  auto v = impl_->get(kMeta, records::kMetaKey);
  if (!v) return std::nullopt;
  return records::decode_meta(*v, impl_->data_dir + " meta");
}

std::optional<std::string> Store::get_task(uint64_t task_id) const {
  return impl_->get(kTasks, records::task_key(task_id));
}

std::optional<Value> Store::get_task_value(uint64_t task_id) const {
  auto v = get_task(task_id);
  if (!v) return std::nullopt;
  return records::decode_task(*v, impl_->data_dir + " tasks " + std::to_string(task_id));
}

void Store::for_each_object_id(const std::function<void(Objid)>& fn) const {
  impl_->scan(kObjects, [&](std::string_view k, std::string_view) { fn(records::object_id_of_key(k)); });
}

std::vector<Objid> Store::object_ids() const {
  std::vector<Objid> ids;
  for_each_object_id([&](Objid id) { ids.push_back(id); });
  return ids;
}

std::vector<uint64_t> Store::task_ids() const {
  std::vector<uint64_t> ids;
  impl_->scan(kTasks, [&](std::string_view k, std::string_view) { ids.push_back(records::task_id_of_key(k)); });
  return ids;
}

void Store::for_each_object(const std::function<void(ObjectRecord&&)>& fn) const {
  impl_->scan(kObjects, [&](std::string_view k, std::string_view v) {
    Objid id = records::object_id_of_key(k);
    std::string what = impl_->data_dir + " objects #" + std::to_string(id);
    ObjectRecord o = records::decode_object(v, what);
    if (o.id != id) throw StoreError("corrupt record " + what + ": it holds #" + std::to_string(o.id));
    fn(std::move(o));
  });
}

void Store::for_each_verb_source(const std::function<void(Objid, uint32_t, std::string&&)>& fn) const {
  impl_->scan(kVerbs, [&](std::string_view k, std::string_view v) {
    Objid id;
    uint32_t index;
    records::verb_of_key(k, &id, &index);
    fn(id, index,
       records::decode_verb_source(v, impl_->data_dir + " verbs #" + std::to_string(id) + ":" + std::to_string(index)));
  });
}

void Store::for_each_verb_source_of(Objid id, const std::function<void(uint32_t, std::string&&)>& fn) const {
  impl_->scan_prefix(kVerbs, records::object_key(id), [&](std::string_view k, std::string_view v) {
    Objid owner;
    uint32_t index;
    records::verb_of_key(k, &owner, &index);
    fn(index, records::decode_verb_source(
                  v, impl_->data_dir + " verbs #" + std::to_string(id) + ":" + std::to_string(index)));
  });
}

void Store::commit(const Batch& batch) { commit(batch, impl_->options.sync); }

void Store::commit(const Batch& batch, bool sync) {
  Impl& im = *impl_;
  if (!im.db) throw StoreError(im.data_dir + ": the store is closed");
  rocksdb::WriteBatch wb;
  for (const Batch::Op& op : batch.ops()) {
    auto* h = im.cf[family_index(op.family)];
    rocksdb::Status s = op.value ? wb.Put(h, op.key, *op.value) : wb.Delete(h, op.key);
    im.check(s, "building a write batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  im.check(im.db->Write(wo, &wb), "committing " + std::to_string(batch.size()) + " changes");
}

void Store::sync_wal() {
  Impl& im = *impl_;
  if (!im.db) throw StoreError(im.data_dir + ": the store is closed");
  im.check(im.db->SyncWAL(), "syncing the write-ahead log");
}

// ---- Snapshots

std::string Store::snapshot() {
  Impl& im = *impl_;
  if (!im.db) throw StoreError(im.data_dir + ": the store is closed");
  std::string path;
  for (;;) {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    long us = long(std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000);
    std::tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
    char full[96];
    std::snprintf(full, sizeof full, "snap.%s.%06ldZ", buf, us);
    path = dir_ + "/" + full;
    if (!fs::exists(path)) break;
  }
  rocksdb::Checkpoint* cp = nullptr;
  im.check(rocksdb::Checkpoint::Create(im.db, &cp), "creating a checkpoint object");
  std::unique_ptr<rocksdb::Checkpoint> owner(cp);
  im.check(cp->CreateCheckpoint(path), "checkpoint into " + path);
  util::fsync_dir(dir_);
  return path;
}

std::vector<std::string> Store::list_snapshots() const {
  std::vector<std::string> r;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind("snap.", 0) == 0 && e.is_directory()) r.push_back(e.path().string());
  }
  if (ec) throw StoreError(dir_ + ": listing snapshots: " + ec.message());
  std::sort(r.begin(), r.end());  // the names are UTC timestamps: oldest first
  return r;
}

size_t Store::prune_snapshots(size_t keep_n) {
  std::vector<std::string> snaps = list_snapshots();
  size_t removed = 0;
  for (size_t i = 0; i + keep_n < snaps.size(); ++i) {
    std::error_code ec;
    fs::remove_all(snaps[i], ec);
    if (ec) throw StoreError(snaps[i] + ": removing snapshot: " + ec.message());
    ++removed;
  }
  return removed;
}

std::string Store::restore(const std::string& snapshot_path, const std::string& target_name, bool overwrite) {
  std::string target = dir_for(target_name);
  if (!fs::is_directory(snapshot_path) || !fs::exists(snapshot_path + "/CURRENT"))
    throw StoreError(snapshot_path + ": not a snapshot (no CURRENT file)");
  if (fs::exists(target) && !overwrite) throw StoreError(target + ": exists (restore refuses to overwrite)");
  std::string tmp = util::temp_dir_for(target);
  try {
    fs::create_directories(tmp);
    fs::copy(snapshot_path, tmp + "/data", fs::copy_options::recursive);
    // Open it once: a damaged snapshot fails here, before anything is replaced.
    Store::open_dir(tmp, StoreOptions{false, true})->close();
    util::fsync_tree(tmp);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw StoreError("restoring " + snapshot_path + " into " + target + ": " + e.what());
  }
  util::install_dir(tmp, target, overwrite);
  return target;
}

}  // namespace echo::storage
