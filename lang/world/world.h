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
#include <cstdint>
#include <memory>
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
  std::shared_ptr<const Program> program;  // compiled on first call
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

// Built-in properties, as LambdaMOO's BP_*.
enum class BuiltinProp { None, Name, Owner, Location, Contents, Programmer, Wizard, R, W, F };
BuiltinProp builtin_prop(std::string_view name);

class World {
 public:
  World() = default;
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // ---- objects ----
  // With a loader (set_loader), an object not yet in memory is loaded here,
  // on its first use; that is why these const lookups may change objects_.
  bool valid(int64_t id) const {
    if (id < 0 || id >= int64_t(objects_.size())) return false;
    return objects_[size_t(id)] != nullptr || (pending_count_ && fault(id));
  }
  Object* get(int64_t id) { return const_cast<Object*>(std::as_const(*this).get(id)); }
  const Object* get(int64_t id) const {
    if (!valid(id)) return nullptr;
    if (!used_.empty()) used_[size_t(id)] = 1;  // for evict_unused
    return objects_[size_t(id)].get();
  }
  int64_t max_object() const { return int64_t(objects_.size()) - 1; }
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
  bool pending(int64_t id) const { return id >= 0 && size_t(id) < pending_.size() && pending_[size_t(id)]; }
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
  void mark_dirty(int64_t id) {
    ++mutations_;
    dirty_.insert(id);
    for (int64_t w : option_watch_)
      if (w == id) { options_changed(); break; }
  }
  void mark_meta_dirty() { meta_dirty_ = true; }
  const std::set<int64_t>& dirty() const { return dirty_; }
  bool meta_dirty() const { return meta_dirty_; }
  std::set<int64_t> take_dirty() { return std::exchange(dirty_, {}); }
  bool take_meta_dirty() { return std::exchange(meta_dirty_, false); }

  bool is_wizard(int64_t id) const { const Object* o = get(id); return o && o->has_flag(FLAG_WIZARD); }
  bool is_programmer(int64_t id) const { const Object* o = get(id); return o && o->has_flag(FLAG_PROGRAMMER); }
  bool is_player(int64_t id) const { const Object* o = get(id); return o && o->has_flag(FLAG_USER); }
  void set_player_flag(int64_t id, bool on);
  const std::vector<int64_t>& players() const { return users_; }
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
  PropSlot* find_slot(int64_t id, std::string_view name);
  // The effective value of a slot (walking ancestors while clear).
  Value slot_value(int64_t id, std::string_view name);
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
  Verb* find_callable_verb(int64_t id, std::string_view name, int64_t* definer);
  // A verb defined on id by name (verbcasecmp) or by 1-based index.
  Verb* find_defined_verb(int64_t id, const Value& desc, int* index = nullptr);
  void delete_verb(int64_t id, int index0);
  void verbs_changed() { ++generation_; verb_cache_.clear(); }
  // Compiles source; on success stores it and the program. Returns the errors.
  // The first form marks `id` (the verb's object) dirty; the second does not.
  // Compiles source in `syntax` (the verb's own when absent); on success it
  // becomes the verb's code and syntax, else the errors are returned.
  std::vector<std::string> set_verb_code(int64_t id, Verb& v, std::string source,
                                         std::optional<Syntax> syntax = std::nullopt);
  std::vector<std::string> set_verb_code(Verb& v, std::string source, std::optional<Syntax> syntax = std::nullopt);
  std::shared_ptr<const Program> program_of(Verb& v);

  size_t object_bytes(int64_t id) const;
  uint64_t generation() const { return generation_; }
  // Counts mark_dirty calls: changes whenever any object may have changed
  // (the version of memoized query answers).
  uint64_t mutations() const { return mutations_; }
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
  void options_changed() {
    option_watch_.clear();
    protect_cache_.clear();
    prop_protect_cache_.fill(-1);
  }

 private:
  void inherit_slots(int64_t id, const std::vector<int64_t>& removed, const std::vector<int64_t>& added);
  bool fault(int64_t id) const;  // loads a pending id; true when an object lives there

  std::vector<std::unique_ptr<Object>> objects_;
  // Lazy loading: pending_[id] while the loader has not settled id (empty
  // without a loader); pending_count_ of them.
  std::vector<uint8_t> pending_;
  size_t pending_count_ = 0;
  mutable std::vector<uint8_t> used_;  // get() since the last evict_unused (with a loader)
  std::unique_ptr<ObjectLoader> loader_;
  uint64_t next_serial_ = 0;
  std::set<int64_t> dirty_;
  bool meta_dirty_ = false;
  std::vector<int64_t> users_;
  ProgramCache programs_;
  uint64_t generation_ = 0;
  uint64_t mutations_ = 0;
  uint64_t instance_ = next_instance();
  static uint64_t next_instance();
  struct CacheEntry { int64_t definer; size_t index; };
  std::unordered_map<std::string, CacheEntry> verb_cache_;
  // Objects whose change may change a server option; empty while no option
  // is cached. -1 entries in the caches are unknown.
  std::vector<int64_t> option_watch_;
  std::vector<int8_t> protect_cache_;
  std::array<int8_t, 10> prop_protect_cache_{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
  void watch_options();
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

}  // namespace echo
