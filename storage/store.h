// Echo's persistent store: a RocksDB database of Cap'n Proto records
// (storage/schema/world.capnp).
//
// On-disk layout of a store named `world`:
//
//   world.db/                       the store directory (Store::open("world") or "world.db")
//     data/                         the live RocksDB database
//     snap.20261125T152633.123456Z/ checkpoints (snapshot()): each a complete
//                                   RocksDB database, hard-linked where possible
//
// Snapshots are siblings of data/, never inside the live database's
// directory, so RocksDB's own file management (obsolete-file deletion,
// repair) never sees them. restore() copies one into a new store directory.
//
// Column families, with their keys (ids are 8-byte big-endian with the sign
// bit flipped, so keys sort in id order, negatives first):
//
//   objects  id                  -> ObjectRecord (no verb programs)
//   verbs    id ++ u32 BE index  -> VerbSource (the verb's program)
//   tasks    u64 BE task id      -> opaque bytes (serialized continuations)
//   players  "s" ++ SHA-256(token), 32 raw bytes -> SessionRecord (a web
//                                 session; the one-byte kind prefix leaves
//                                 room for other kinds, e.g. credentials)
//   events   (reserved: the append-only event log)
//   meta     "world"             -> MetaRecord
//
// Records are read one key at a time, on demand: opening a store reads no
// record, so a million-object world opens in the time RocksDB takes to open.
//
// Durability: commit() applies a Batch as ONE RocksDB WriteBatch with
// WriteOptions::sync = true: the WAL is fdatasync'ed before commit() returns,
// so a committed batch survives a process kill AND an OS crash or power
// loss; concurrent committers share one sync through RocksDB's write group.
// (sync = false would survive only a process crash.) Options::sync = false is
// for bulk loads (import_world syncs once at the end) and benchmarks.
// The write-ahead log is kept to about 32 MB while the store is open (the
// families holding its oldest file are flushed), so a store overwritten all
// the time stays small and an open after a crash replays little.
//
// Concurrency: reads and commits may run from several threads at once
// (RocksDB's DB is thread-safe); close() must not race them. One process at
// a time: RocksDB's LOCK file makes a second open fail (StoreError).
// restore() with overwrite must not target a store that is open.
//
// Errors: every failure throws StoreError, whose message names the file or
// store, the key and RocksDB's status string; a corrupt or too-new record is
// a StoreError, never a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "storage/textdump.h"
#include "storage/world_image.h"

namespace echo::storage {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The version written in every record's formatVersion.
inline constexpr uint32_t kRecordFormat = 1;

// An object as stored: the Object of world_image.h with every verb's
// `program` left nullopt (programs are read with Store::get_verb_source).
using ObjectRecord = Object;

// What the meta record holds: the world-level parts of a WorldImage.
struct MetaInfo {
  int textdump_format = kFormatBFBugFixed;
  int64_t header_dummy = 0;
  Objid max_object = kNothing;
  std::vector<Objid> players;
  std::vector<RawSection> sections;
  std::string trailing;
  std::vector<Objid> anonymous_ids;  // in file order
  std::vector<size_t> anonymous_batches;
};

// A web session, stored under the SHA-256 hash of its token (the token, 256
// random bits given to the browser at login, is never stored). Times are
// unix seconds.
struct SessionRecord {
  Objid player = kNothing;
  double created = 0;
  double expires = 0;
  double last_used = 0;
  std::string remote_addr;  // the address the browser logged in from
};
// The length of a session key's hash (SHA-256); the session calls refuse
// any other length with a StoreError.
inline constexpr size_t kSessionHashBytes = 32;

// Changes applied together by Store::commit. Records are encoded when added.
class Batch {
 public:
  // Its verbs' programs are NOT written (put_verb_source).
  void put_object(const Object& o, bool anonymous = false);
  void delete_object(Objid id);
  void put_verb_source(Objid id, uint32_t verb_index, std::string_view source);
  void delete_verb_source(Objid id, uint32_t verb_index);
  void put_meta(const MetaInfo& meta);
  void put_task(uint64_t task_id, std::string_view bytes);
  // A task's state as a MOO value, in a TaskRecord (get_task_value reads it).
  void put_task_value(uint64_t task_id, const Value& state);
  void delete_task(uint64_t task_id);
  // token_hash is the 32-byte SHA-256 of the session token; another length
  // throws StoreError (and adds nothing). Deleting a missing session is not
  // an error.
  void put_session(std::string_view token_hash, const SessionRecord& session);
  void delete_session(std::string_view token_hash);

  size_t size() const { return ops_.size(); }
  size_t bytes() const { return bytes_; }
  bool empty() const { return ops_.empty(); }
  void clear() { ops_.clear(); bytes_ = 0; }

  enum class Family { Objects, Verbs, Tasks, Players, Meta };
  struct Op {
    Family family;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  void add(Family f, std::string key, std::optional<std::string> value);
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

struct StoreOptions {
  bool create_if_missing = true;
  bool sync = true;  // see "Durability" above
  size_t block_cache_mb = 128;  // RocksDB's block cache, shared by all families
};

class Store {
 public:
  // `name` is the store directory, "world.db"; ".db" is appended when it
  // does not end so ("world" -> "world.db").
  static std::unique_ptr<Store> open(const std::string& name, StoreOptions options = {});
  // The same, with `dir` taken as it is (no ".db" appended).
  static std::unique_ptr<Store> open_dir(const std::string& dir, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  void close();  // idempotent; the destructor closes too
  const std::string& dir() const { return dir_; }

  std::optional<ObjectRecord> get_object(Objid id) const;
  std::optional<std::string> get_verb_source(Objid id, uint32_t verb_index) const;
  std::optional<MetaInfo> get_meta() const;
  std::optional<std::string> get_task(uint64_t task_id) const;
  // A record written by put_task_value; throws StoreError when it is not one.
  std::optional<Value> get_task_value(uint64_t task_id) const;

  // All object ids, ascending (keys only; no record is decoded).
  void for_each_object_id(const std::function<void(Objid)>& fn) const;
  std::vector<Objid> object_ids() const;
  // Every object record / verb program, in key order (a scan, for export).
  void for_each_object(const std::function<void(ObjectRecord&&)>& fn) const;
  void for_each_verb_source(const std::function<void(Objid, uint32_t, std::string&&)>& fn) const;
  // The programs of one object's verbs, by index, in order (one seek; the
  // lazy loader's way to read an object's verbs).
  void for_each_verb_source_of(Objid id, const std::function<void(uint32_t, std::string&&)>& fn) const;
  std::vector<uint64_t> task_ids() const;

  // Web sessions (store_sessions.cpp). A token_hash of another length than
  // kSessionHashBytes throws StoreError.
  std::optional<SessionRecord> get_session(std::string_view token_hash) const;
  // Every session, in hash order: a scan, to end all of one player's
  // sessions or drop the expired ones (collect the hashes, then commit a
  // Batch of delete_session). `hash` lives only during the call.
  void for_each_session(const std::function<void(std::string_view hash, const SessionRecord&)>& fn) const;

  // Atomic: all of the batch or none of it. Durable on return when
  // options.sync (the default).
  void commit(const Batch& batch);
  void commit(const Batch& batch, bool sync);
  // Makes every batch committed so far durable (fdatasync of the WAL), for
  // group commit: commit(batch, false) many times, then one sync_wal() that
  // covers them all. Thread-safe with commit().
  void sync_wal();

  // A RocksDB checkpoint in <dir>/snap.<UTC timestamp>/; returns its path.
  std::string snapshot();
  // The snapshot paths, oldest first.
  std::vector<std::string> list_snapshots() const;
  // Removes all but the newest keep_n snapshots; returns how many went.
  size_t prune_snapshots(size_t keep_n);
  // Makes a new store directory `target_name` (".db" appended as in open)
  // from a snapshot; refuses an existing target unless overwrite.
  static std::string restore(const std::string& snapshot_path, const std::string& target_name,
                             bool overwrite = false);

  static std::string dir_for(const std::string& name);

  struct Impl;

 private:
  explicit Store(std::string dir);
  std::string dir_;
  std::unique_ptr<Impl> impl_;
};

// Writes a whole image as a new store, atomically: into
// "<dir>.tmp-<pid>/" first, renamed into place only when complete; on
// failure the temporary directory is removed and nothing is left. An existing
// target is refused (StoreError) unless overwrite, and then replaced only
// after the new store is complete. progress(done, total) counts objects.
// Returns the store directory.
std::string import_world(const WorldImage& image, const std::string& db_path, ProgressFn progress = {},
                         bool overwrite = false);

// The image the store holds (programs included), such that
// write_textdump(export_world(s), meta format) gives back the imported file.
WorldImage export_world(const Store& store);

}  // namespace echo::storage
