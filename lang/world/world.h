// The in-memory object model with LambdaMOO's semantics (db_objects.c,
// db_properties.c, db_verbs.c there), a VmHost over it, and the object
// builtins (objects.c, property.c, verbs.c there).
//
// Objects live in slots #0 upward; a recycled object leaves a hole (LambdaMOO
// never reuses a number except through renumber() and reset_max_object()).
// Parents are a list, as ToastStunt's; LambdaMOO cores use one parent.
//
// Properties: each object keeps the names it defines (propdefs, in order) and
// one slot for every property it has, its own and inherited ones, keyed by
// the lower-cased name. A slot holds the value (Clear when inherited), and its
// own owner and perms, as LambdaMOO's Pval does.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lang/builtins.h"
#include "lang/program_cache.h"
#include "lang/value.h"
#include "lang/vm.h"

namespace echo {

constexpr int64_t NOTHING = -1;

// LambdaMOO's object flag bit numbers (db.h).
enum ObjFlag : int {
  FLAG_USER = 0, FLAG_PROGRAMMER = 1, FLAG_WIZARD = 2, FLAG_READ = 4, FLAG_WRITE = 5, FLAG_FERTILE = 7
};
enum PropPerm : uint8_t { PF_READ = 1, PF_WRITE = 2, PF_CHOWN = 4 };
enum VerbPerm : uint8_t { VF_READ = 1, VF_WRITE = 2, VF_EXEC = 4, VF_DEBUG = 8 };
enum ArgSpec : int8_t { ASPEC_NONE = 0, ASPEC_ANY = 1, ASPEC_THIS = 2 };
constexpr int PREP_ANY = -2;
constexpr int PREP_NONE = -1;
constexpr int kPrepCount = 15;

// LambdaMOO's verbcasecmp: does `word` match one of the space-separated names
// in `pattern` ('*' marks where abbreviation may start; a trailing '*' matches
// any continuation)?
bool verb_name_matches(std::string_view pattern, std::string_view word);
// The preposition index for a name ("with", "using", "with/using", "on top
// of", ...), or PREP_NONE. "any"/"none" are not handled here.
int match_prep(std::string_view s);
std::string unparse_prep(int prep);  // "with/using", "any", "none"

struct PropSlot {
  int64_t definer = NOTHING;
  Value value = Value::clear();
  int64_t owner = NOTHING;
  uint8_t perms = 0;
};

struct Verb {
  std::string names;
  int64_t owner = NOTHING;
  uint8_t perms = 0;
  int8_t dobj = ASPEC_NONE, iobj = ASPEC_NONE;
  int prep = PREP_NONE;
  std::string source;  // the verb's code, lines joined with '\n'
  Syntax syntax = Syntax::Moo;  // which front end compiles `source`
  // Compiled on first call (World::program_of, under the World's program
  // lock: tasks on several threads may call the same verb).
  mutable std::shared_ptr<const Program> program;
  // Whether it has code at all: LambdaMOO's add_verb makes a verb with no
  // program (not dumped) until set_verb_code; an empty source may be either.
  bool has_program = false;
};

class World;
struct Object;

// Supplies a World's objects on first use (set_loader): a store's records.
class ObjectLoader {
 public:
  virtual ~ObjectLoader() = default;
  // Settles `id`, which is pending: World::emplace and fill in the object
  // (and its pending ancestors first, so that its slots can be laid out), or
  // World::mark_absent. Throws with context when the stored data is broken,
  // after World::forget on whatever it emplaced.
  virtual void load(World& w, int64_t id) = 0;
  // `o` is about to leave memory (World::evict_unused): forget what was kept
  // beside it; load() will read it again.
  virtual void unloaded(const Object& o) { (void)o; }
};

struct Object {
  int64_t id = NOTHING;
  // Changes whenever the object does (World::mark_dirty, a commit that
  // installs a speculative copy, a load): what WorldTx read sets compare.
  uint64_t version = 0;
  // Unique for the World's lifetime (survives renumber, never reused), so a
  // side table keyed by it cannot confuse a recycled object with a new one.
  uint64_t serial = 0;
  std::string name;
  uint32_t flags = 0;
  int64_t owner = NOTHING;
  int64_t location = NOTHING;
  std::vector<int64_t> contents;
  std::vector<int64_t> parents;
  std::vector<int64_t> children;
  std::vector<std::string> propdefs;              // names defined here, in order
  std::unordered_map<std::string, PropSlot> props;  // lower-cased name -> slot
  std::vector<Verb> verbs;

  bool has_flag(int f) const { return (flags >> f) & 1u; }
  void set_flag(int f, bool on) { flags = on ? flags | (1u << f) : flags & ~(1u << f); }
};

// Thrown by what a speculative segment may not do (WorldTx): world-level
// changes (create, recycle, renumber, the players list) and, in the server,
// builtins with effects outside the world. Not a MooError, so the VM lets it
// through; the runtime reruns the segment from its start holding the world
// token.
struct NeedsExclusive {
  const char* what;
};

// A speculative segment's view of a World (optimistic concurrency control):
// the objects it changes are copied on first write and installed only by
// World::publish at its commit, and every object it reads is remembered with
// its version, so that World::validate can tell whether anything it read has
// changed since. Installed on the running thread by World::Speculation.
struct WorldTx {
  const class World* world = nullptr;
  std::unordered_map<int64_t, std::unique_ptr<Object>> copies;  // written (or about to be)
  // Objects read and the version seen (0: nothing there), in reading order:
  // appending is cheaper than a set on the hot path, and a repeat read of a
  // newer version only makes validate stricter. Compacted as it grows.
  std::vector<std::pair<int64_t, uint64_t>> reads;
  size_t compact_at = 4096;
  std::set<int64_t> dirty;                      // what the commit publishes
  // World-level versions seen (0: not read): max_object and the players
  // list; verbs and parents (the verb cache); the server options.
  uint64_t meta_read = 0, verbs_read = 0, options_read = 0;
  bool verbs_changed = false;    // own verb or parent changes: the shared verb cache is not for it
  bool options_touched = false;  // it changed something a server option depends on
  uint64_t mutations = 0;
  uint64_t serial = 0;
  int64_t last_read = -1;
  // Set by a runtime whose segment may stop speculating where it stands
  // (its first slice, run alone): called where NeedsExclusive would be
  // thrown; true when it has ended the speculation on this thread
  // (World::leave_speculation) and published the tx, so the caller goes on
  // in place, with no rollback and rerun.
  std::function<bool()> go_exclusive;
  bool has_read(int64_t id) const {
    for (const auto& r : reads)
      if (r.first == id) return true;
    return false;
  }
};

// Built-in properties, as LambdaMOO's BP_*.
enum class BuiltinProp { None, Name, Owner, Location, Contents, Programmer, Wizard, R, W, F };
BuiltinProp builtin_prop(std::string_view name);

class World {
 public:
  World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // ---- objects ----
  // With a loader (set_loader), an object not yet in memory is loaded here,
  // on its first use; that is why these const lookups may change objects_.
  // Under a speculation (WorldTx) they read the segment's view and record
  // what they read.
  bool valid(int64_t id) const {
    if (WorldTx* t = tx()) [[unlikely]]
      return tx_get(*t, id) != nullptr;
    return valid_base(id);
  }
  const Object* get(int64_t id) const {
    if (WorldTx* t = tx()) [[unlikely]]
      return tx_get(*t, id);
    if (!valid_base(id)) return nullptr;
    if (!used_.empty())  // for evict_unused
      std::atomic_ref<uint8_t>(used_[size_t(id)]).store(1, std::memory_order_relaxed);
    return objects_[size_t(id)].get();
  }
  // The object, to change it (then mark_dirty). Under a speculation, the
  // segment's own copy, made on first use.
  Object* get_mut(int64_t id) {
    if (WorldTx* t = tx()) [[unlikely]]
      return tx_get_mut(*t, id);
    return const_cast<Object*>(get(id));
  }
  int64_t max_object() const {
    if (WorldTx* t = tx()) [[unlikely]]
      note_meta_read(*t);
    return int64_t(objects_.size()) - 1;
  }
  // A new object (no permission checks): name "", no flags, the given owner
  // (NOTHING: the object owns itself), the given parents (all valid).
  int64_t create(const std::vector<int64_t>& parents, int64_t owner);
  // Removes the object: contents and itself moved to #-1, children moved to
  // its parents. (No :recycle / :exitfunc calls.)
  void recycle(int64_t id);
  // Shrinks max_object past trailing recycled slots.
  void reset_max_object();
  // Moves the object to the lowest free number below it; returns its number.
  int64_t renumber(int64_t id);

  // ---- loading (storage bridge) ----
  // An empty object at `id` (no parents, slots or links; growing max_object
  // over recycled holes as needed); the loader fills its fields directly and
  // keeps children / contents / slots consistent itself. Not marked dirty.
  Object& emplace(int64_t id);
  // max_object, including trailing recycled slots; only holes are dropped.
  void set_max_object(int64_t max);
  void set_players(std::vector<int64_t> players) { users_ = std::move(players); }

  // Lazy loading: after set_loader, every empty number up to max_object is
  // pending, and the first lookup of a pending number asks the loader, which
  // settles it: emplace (an object, with its slots) or mark_absent (a
  // recycled number). A loaded object's ancestors are always loaded too, so
  // its property slots are complete. Mutations that touch other objects
  // (recycle, change_parents, renumber) reach them through get(), which
  // loads them first. What the loader reads from must outlive the World.
  void set_loader(std::unique_ptr<ObjectLoader> loader);
  // Pending: not settled yet (an object staged by the load running on this
  // thread counts as settled for that load).
  bool pending(int64_t id) const {
    return id >= 0 && size_t(id) < pending_.size() && pending_[size_t(id)] &&
           !(t_loading_ == this && objects_[size_t(id)]);
  }
  void mark_absent(int64_t id);
  // Drops a loaded object from memory: pending again (a load that failed
  // half-way, evict_unused).
  void forget(int64_t id);
  void load_all();                   // every pending number, lowest first
  size_t resident_objects() const;   // objects in memory (loaded or created)
  // With a loader, while more than `keep` objects are resident: drops from
  // memory (pending again) each object not used (get) since the last call
  // that is clean (not dirty) and has no resident child, so that every
  // resident object keeps its ancestors. Clears the use marks. Only between
  // slices: nobody may hold an Object pointer. Returns how many went.
  size_t evict_unused(size_t keep);

  // ---- dirty tracking (for commits to the store) ----
  // Every mutation marks the ids whose stored record changes (recycled ones,
  // and ids dropped by reset_max_object, included); world-level changes
  // (max_object, the players list) set the meta flag. take_* hand them over
  // and reset them.
  void mark_dirty(int64_t id);
  void mark_meta_dirty() {
    exclusive_only("a world-level change");
    meta_dirty_ = true;
    ++meta_version_;
  }
  const std::set<int64_t>& dirty() const { return dirty_; }
  bool meta_dirty() const { return meta_dirty_; }
  std::set<int64_t> take_dirty() { return std::exchange(dirty_, {}); }
  bool take_meta_dirty() { return std::exchange(meta_dirty_, false); }

  bool is_wizard(int64_t id) const { const Object* o = get(id); return o && o->has_flag(FLAG_WIZARD); }
  bool is_programmer(int64_t id) const { const Object* o = get(id); return o && o->has_flag(FLAG_PROGRAMMER); }
  bool is_player(int64_t id) const { const Object* o = get(id); return o && o->has_flag(FLAG_USER); }
  void set_player_flag(int64_t id, bool on);
  const std::vector<int64_t>& players() const {
    if (WorldTx* t = tx()) [[unlikely]]
      note_meta_read(*t);
    return users_;
  }
  // LambdaMOO's controls(): wizard or owner.
  bool controls(int64_t who, int64_t what) const;
  // db_object_allows: owner, the flag set on the object, or wizard.
  bool object_allows(int64_t what, int64_t progr, int flag) const;

  // ---- hierarchy ----
  // All ancestors, nearest first, each once (depth-first over the parents).
  std::vector<int64_t> ancestors(int64_t id) const;
  std::vector<int64_t> descendants(int64_t id) const;  // depth-first, each once
  bool is_a(int64_t id, int64_t ancestor) const;  // id == ancestor or descends from it
  // Changes the parents; false when a property name would be defined twice
  // (LambdaMOO's db_change_parent failing: E_INVARG). No checks of cycles.
  bool change_parents(int64_t id, const std::vector<int64_t>& parents);

  // ---- location ----
  void move(int64_t what, int64_t where);  // raw: contents bookkeeping only

  // ---- properties ----
  const PropSlot* find_slot(int64_t id, std::string_view name) const;
  PropSlot* find_slot_mut(int64_t id, std::string_view name);  // get_mut's slot: to change it
  // The effective value of a slot (walking ancestors while clear).
  Value slot_value(int64_t id, std::string_view name) const;
  // A property's name as defined (its definer's spelling).
  std::string prop_name(int64_t definer, std::string_view name) const;
  bool add_propdef(int64_t id, std::string_view name, Value value, int64_t owner, uint8_t perms);
  bool delete_propdef(int64_t id, std::string_view name);
  bool rename_propdef(int64_t id, std::string_view old_name, std::string_view new_name);
  bool set_prop(int64_t id, std::string_view name, Value v);  // raw store into an existing slot

  // ---- verbs ----
  int add_verb(int64_t id, Verb v);  // returns its 1-based index
  // The first verb named `name` on id or its ancestors with the x bit, as
  // LambdaMOO's db_find_callable_verb; sets *definer. Cached.
  const Verb* find_callable_verb(int64_t id, std::string_view name, int64_t* definer);
  // A verb defined on id by name (verbcasecmp) or by 1-based index.
  Verb* find_defined_verb(int64_t id, const Value& desc, int* index = nullptr);
  void delete_verb(int64_t id, int index0);
  void verbs_changed();
  // The verb cache's figures, as LambdaMOO's db_verb_cache_stats counts
  // them: lookups answered by an entry (hits), by an entry that says there is
  // no such verb (negative hits), or by neither (misses); how many times
  // verb or parent changes emptied it; and how many of its hash table's
  // buckets hold 0, 1, ... 15, and 16 or more entries.
  struct VerbCacheStats {
    uint64_t hits = 0, negative_hits = 0, misses = 0, generations = 0;
    static constexpr size_t kMaxDepth = 16;
    std::array<int64_t, kMaxDepth + 1> depths{};
  };
  VerbCacheStats verb_cache_stats() const;
  // Compiles source; on success stores it and the program. Returns the errors.
  // The first form marks `id` (the verb's object) dirty; the second does not.
  // Compiles source in `syntax` (the verb's own when absent); on success it
  // becomes the verb's code and syntax, else the errors are returned.
  std::vector<std::string> set_verb_code(int64_t id, Verb& v, std::string source,
                                         std::optional<Syntax> syntax = std::nullopt);
  std::vector<std::string> set_verb_code(Verb& v, std::string source, std::optional<Syntax> syntax = std::nullopt);
  std::shared_ptr<const Program> program_of(const Verb& v);

  size_t object_bytes(int64_t id) const;
  uint64_t generation() const;
  // Counts mark_dirty calls: changes whenever any object may have changed
  // (the version of memoized query answers).
  uint64_t mutations() const;
  // Distinct for every World of the process (caches keyed by a world).
  uint64_t instance() const { return instance_; }

  // ---- server options (LambdaMOO's server_flag_option) ----
  // $server_options.<name> (#0.server_options a valid object with that
  // property, the value inherited when clear) is true.
  bool server_flag_option(std::string_view name);
  // server_flag_option("protect_<builtin>") for a builtin's index, cached: the
  // cache is dropped when #0, the options object or one of its ancestors is
  // changed (mark_dirty); loading an object leaves it (computing an option
  // loaded every object it depends on).
  bool builtin_protected(int index);
  // bi_prop_protected: reading a built-in property is wizard-only when
  // $server_options.protect_<prop> is true (cached as builtin_protected).
  bool builtin_prop_protected(BuiltinProp p);
  void options_changed();

  // ---- speculation (optimistic concurrency control) ----
  // While a Speculation is alive, this thread's reads and writes of the
  // World go through `t` (WorldTx): tasks on other threads may run their own
  // speculations at the same time. The rules: speculations only read the
  // shared objects (under the runtime's shared lock); everything else that
  // changes the World (publish, an exclusive segment, eviction) runs alone.
  class Speculation {
   public:
    Speculation(World& w, WorldTx& t) : prev_(t_tx_) {
      t.world = &w;
      if (!t.serial) t.serial = ++w.tx_serial_;
      t_tx_ = &t;
    }
    ~Speculation() { t_tx_ = prev_; }
    Speculation(const Speculation&) = delete;
    Speculation& operator=(const Speculation&) = delete;

   private:
    WorldTx* prev_;
  };
  // Whether everything `t` read is as it read it (and so its writes may be
  // published as if it had run alone, now).
  bool validate(const WorldTx& t) const;
  // Installs t's changed objects and marks them dirty (alone; after validate).
  void publish(WorldTx& t);
  bool speculating() const { return tx() != nullptr; }
  // Throws NeedsExclusive when a speculation is running on this thread,
  // unless its go_exclusive ends it here.
  void exclusive_only(const char* what) const {
    if (WorldTx* t = tx(); t && !(t->go_exclusive && t->go_exclusive())) throw NeedsExclusive{what};
  }
  // For go_exclusive: this thread's speculation is over (its Speculation
  // object restores nothing when it goes).
  static void leave_speculation() { t_tx_ = nullptr; }
  // Whether this thread reads and writes through a speculation's WorldTx.
  bool in_speculation() const { return tx() != nullptr; }
  // go_exclusive of this thread's speculation, if any; false when none.
  bool try_go_exclusive() const {
    WorldTx* t = tx();
    return t && t->go_exclusive && t->go_exclusive();
  }

 private:
  WorldTx* tx() const {
    WorldTx* t = t_tx_;
    return t && t->world == this ? t : nullptr;
  }
  bool valid_base(int64_t id) const {
    if (id < 0 || id >= int64_t(objects_.size())) return false;
    // Acquire: a 0 seen here may come from another thread's load that just
    // settled the last pending object, whose fields are read next.
    if (pending_count_.load(std::memory_order_acquire) &&
        std::atomic_ref<uint8_t>(pending_[size_t(id)]).load(std::memory_order_acquire))
      return fault(id);
    return objects_[size_t(id)] != nullptr;
  }
  const Object* tx_get(WorldTx& t, int64_t id) const;
  Object* tx_get_mut(WorldTx& t, int64_t id);
  void tx_mark_dirty(WorldTx& t, int64_t id);
  void note_meta_read(WorldTx& t) const {
    if (!t.meta_read) t.meta_read = meta_version_;
  }
  uint64_t current_version(int64_t id) const;
  bool compute_flag_option(std::string_view name);
  inline static thread_local WorldTx* t_tx_ = nullptr;
  inline static thread_local const World* t_loading_ = nullptr;  // fault() running on this thread
  // Base reads by the World's own bookkeeping during a speculation.
  struct TxPause {
    WorldTx* saved = t_tx_;
    TxPause() { t_tx_ = nullptr; }
    ~TxPause() { t_tx_ = saved; }
  };

  void inherit_slots(int64_t id, const std::vector<int64_t>& removed, const std::vector<int64_t>& added);
  bool fault(int64_t id) const;  // loads a pending id; true when an object lives there

  std::vector<std::unique_ptr<Object>> objects_;
  // Lazy loading: pending_[id] while the loader has not settled id (empty
  // without a loader); pending_count_ of them. Speculations on several
  // threads may fault objects in: one load at a time (load_mu_), and what a
  // load stages (staged_) becomes visible to others only when it is whole.
  mutable std::vector<uint8_t> pending_;
  mutable std::atomic<size_t> pending_count_{0};
  mutable std::mutex load_mu_;
  mutable std::vector<int64_t> staged_;
  mutable std::vector<uint8_t> used_;  // get() since the last evict_unused (with a loader)
  std::unique_ptr<ObjectLoader> loader_;
  uint64_t next_serial_ = 0;
  std::set<int64_t> dirty_;
  bool meta_dirty_ = false;
  std::vector<int64_t> users_;
  ProgramCache programs_;
  mutable std::mutex programs_mu_;  // programs_ and Verb::program
  uint64_t generation_ = 1;
  uint64_t mutations_ = 0;
  uint64_t meta_version_ = 1, options_version_ = 1;
  std::atomic<uint64_t> version_clock_{0};
  std::atomic<uint64_t> tx_serial_{0};
  uint64_t instance_ = next_instance();
  static uint64_t next_instance();
  struct CacheEntry { int64_t definer; size_t index; };
  // The caches are filled by speculations on any thread: cache_mu_ guards
  // verb_cache_ and option_watch_; the option answers are atomics, read
  // without it. -1 entries are unknown.
  mutable std::mutex cache_mu_;
  std::unordered_map<std::string, CacheEntry> verb_cache_;  // definer NOTHING: no such verb
  // verb_cache_stats(): counted with cache_mu_ held, which every lookup
  // takes anyway (atomics would add contention, not safety).
  uint64_t vc_hits_ = 0, vc_negative_hits_ = 0, vc_misses_ = 0;
  void remember_verb(const std::string& key, CacheEntry e);
  // Objects whose change may change a server option; empty while no option
  // is cached.
  std::vector<int64_t> option_watch_;
  static constexpr size_t kProtectCacheSize = 2048;
  std::unique_ptr<std::atomic<int8_t>[]> protect_cache_{new std::atomic<int8_t>[kProtectCacheSize]};
  std::array<std::atomic<int8_t>, 10> prop_protect_cache_{};
  void watch_options();
  void clear_option_caches();
};

// The interpreter's view of a World: properties and verb calls with
// LambdaMOO's permission checks (progr = the calling frame's permissions).
class WorldHost : public VmHost {
 public:
  explicit WorldHost(World& w) : world_(w) {}
  Value get_property(int64_t obj, std::string_view name, int64_t progr) override;
  void set_property(int64_t obj, std::string_view name, Value v, int64_t progr) override;
  std::optional<VerbTarget> find_verb(int64_t obj, std::string_view name, Error* err) override;
  std::optional<VerbTarget> find_pass_verb(int64_t definer, std::string_view name, Error* err) override;
  std::optional<VerbTarget> verb_at(int64_t definer, int index, Error* err) override;
  void* world() override { return &world_; }
  bool is_wizard(int64_t obj) override { return world_.is_wizard(obj); }
  bool builtin_protected(int index) override { return world_.builtin_protected(index); }
  World& the_world() { return world_; }

 private:
  World& world_;
};

// valid, create, recycle, parent(s), children, chparent(s), ancestors,
// descendants, isa, max_object, properties & co, verbs & co, players,
// is_player, set_player_flag, renumber, reset_max_object, object_bytes, move,
// disassemble.
void register_object_builtins(Builtins& b);
// The world a builtin runs in (E_INVIND when it runs without one).
World& world_of(BuiltinContext& ctx);
void register_event_builtins(Builtins& b);  // emit, load_source (events.cpp)
void register_rule_builtins(Builtins& b);   // capabilities and queries (rules.cpp)
void register_toast_world_builtins(Builtins& b);  // locate_by_name, verb_cache_stats (toast_world_builtins.cpp)

}  // namespace echo
