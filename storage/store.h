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
//   events   u64 BE seq          -> EventRecord (the append-only event log;
//                                 keys sort in order of append)
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

// The version written in every record's formatVersion. 2: flat blobs
// (value_codec.cpp) hold varints and known strings, and task records are
// flat; a format 1 server cannot read those.
inline constexpr uint32_t kRecordFormat = 2;

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

// One entry of the event log. seq is assigned by the caller, from 1 up
// (last_event_seq() + 1 after an open); 0 means "before every event".
struct EventRecord {
  uint64_t seq = 0;
  double time = 0;   // unix seconds
  std::string type;  // "event", "connect", "disconnect", "login", "login_failed",
                     // "task_error", "checkpoint", ...
  Objid source = kNothing;
  Objid target = kNothing;
  Objid player = kNothing;
  Value payload;  // any MOO value, nested to any depth (the value codec)
};

// The most records one read_events call examines, matching or not.
inline constexpr size_t kEventScanLimit = 10000;

// What read_events found, and where to go on from.
struct EventPage {
  std::vector<EventRecord> events;  // the matches, in seq order
  // The seq of the last record examined (since_seq when none was): pass it
  // as since_seq to continue after this page.
  uint64_t next_since = 0;
  // No event after next_since existed when the read ran; false when the
  // read stopped at `limit` matches or at the scan bound with more to read.
  bool at_end = false;
};

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
  // The bytes put_task_value writes: a big task can be encoded off a lock
  // and added with put_task.
  static std::string encode_task_value(const Value& state);
  void delete_task(uint64_t task_id);
  // token_hash is the 32-byte SHA-256 of the session token; another length
  // throws StoreError (and adds nothing). Deleting a missing session is not
  // an error.
  void put_session(std::string_view token_hash, const SessionRecord& session);
  void delete_session(std::string_view token_hash);
  // Appends e under e.seq, in this batch: an event is written atomically
  // with the commit that caused it. Throws StoreError for seq 0. Putting an
  // existing seq replaces that event (the caller numbers them uniquely).
  void put_event(const EventRecord& e);

  size_t size() const { return ops_.size(); }
  size_t bytes() const { return bytes_; }
  bool empty() const { return ops_.empty(); }
  void clear() { ops_.clear(); bytes_ = 0; }

  enum class Family { Objects, Verbs, Tasks, Players, Events, Meta };
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

  // The event log (store_events.cpp).
  // The highest seq stored, 0 when the log is empty (one seek).
  uint64_t last_event_seq() const;
  // The events with seq > since_seq for which filter returns true (every
  // one when filter is empty), in seq order: at most `limit` of them, from at
  // most max_scan records examined, so that a filter matching nothing costs
  // one bounded read, never a scan of the whole log. The page says where it
  // stopped (next_since) and whether the log ended there (at_end). Events
  // trimmed away are simply absent: a first seq above since_seq + 1 means a
  // gap. A corrupt record throws StoreError naming its seq.
  EventPage read_events(uint64_t since_seq, size_t limit, const std::function<bool(const EventRecord&)>& filter = {},
                        size_t max_scan = kEventScanLimit) const;
  // Retention: deletes, from the oldest up, every event that is not among
  // the last keep_last_n sequence numbers (seq <= last_event_seq() -
  // keep_last_n; as many events as that when seqs have no gaps) or whose
  // time is < older_than_unix, as one DeleteRange. The age cut stops at the
  // first event that is not old enough, since times grow with seq (an older
  // time after a clock step back waits for the next cut). Returns how many
  // events went. It starts where the last call stopped and reads only the
  // events it deletes plus one (decoding those the age cut looks at), so
  // calling it at every checkpoint costs about the appends since the last
  // call. keep_last_n = UINT64_MAX and older_than_unix = 0 disable either
  // bound; keep_last_n = 0 deletes every event. A corrupt record the age cut
  // must read stops it: the events before it are deleted, then StoreError.
  // Durable on return when options.sync; an event put meanwhile with a new
  // seq is never deleted.
  size_t trim_events(uint64_t keep_last_n, double older_than_unix);

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
