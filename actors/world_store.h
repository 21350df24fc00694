// The bridge between the live World (lang/world/world.h) and the persistent
// forms of a database: storage::WorldImage (a textdump in memory) and
// storage::Store (RocksDB records).
//
//   load_world(image | store, &extras)   -> a World, plus the side table
//   add_changes(world, extras, dirty, meta_dirty, batch)
//                                        -> the records the changes touched
//   commit_changes(world, extras, store) -> take the World's dirty set, commit
//   to_image(world, extras)              -> a whole image (export, checkpoint)
//
// Property values: an object's stored values are positional (its own
// propdefs first, then each ancestor's, in World::ancestors order, which is
// LambdaMOO's parent chain and ToastStunt's depth-first ancestor list); the
// World keys them by lower-cased name. Loading maps position -> name by that
// walk; writing walks the same way.
//
// Verb programs: a stored program is its lines each ending in '\n'; the
// World's source is the lines joined with '\n' (the last '\n' dropped). A
// verb with no program (LambdaMOO's NULL program) has an empty source and
// Verb::has_program false. (The one ambiguous case, a program of exactly one
// empty line, comes back as an empty program.) Nothing is compiled at load.
//
// What the World cannot hold lives in WorldExtras (see there). In particular
// a property value that Echo's Value cannot represent (a ToastStunt waif or
// anonymous object, StoredValue::raw) is loaded as the placeholder E_INVARG
// (an ERR value: MOO code reading it gets E_INVARG as a value, not an error
// raised); the raw encoding is written back for as long as the slot still
// holds exactly E_INVARG. Storing any other value into the slot replaces it;
// renaming the property, or storing E_INVARG itself, does not tell the two
// apart (renaming loses the raw value, storing E_INVARG keeps it).
//
// Other limits: ToastStunt's anonymous objects are carried over unchanged
// and the World knows nothing of their numbers (which follow max_object): a
// permanent object created over one makes add_changes throw rather than
// overwrite it. A format <= 4 world whose object gets several parents keeps
// no link words for it, so writing it as a textdump fails (TextdumpError)
// instead of silently dropping parents.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "lang/world/world.h"
#include "storage/store.h"
#include "storage/world_image.h"

namespace echo {

// The parts of an object the World has no field for. Keyed by Object::serial,
// so they move with renumber() and never attach to a new object that reuses
// a recycled number.
struct ObjectExtras {
  std::string handles;                     // format <= 4: the obsolete handles line
  storage::StoredValue last_move{Value::empty_map(), {}};  // format >= 15
  // The stored `parents` value when its form is not the one derived from the
  // parents (OBJ for none / one, LIST for several): ToastStunt keeps
  // chparents(x, {#p}) as a LIST. Used only while the parents still match.
  std::optional<Value> parents_form;
  int64_t flags_high = 0;                  // flag bits above the World's 32
  // Lower-cased property name -> the raw textdump encoding of its value; the
  // slot holds E_INVARG meanwhile (see above).
  std::unordered_map<std::string, std::string> raw_props;

  bool empty() const;
};

// What the store holds at one object id, so that add_changes writes only what
// differs: the format-4 links last written and a hash per verb index of the
// program stored there (0: none).
struct StoredState {
  std::optional<storage::Links4> v4;
  std::vector<uint64_t> verbs;
  uint64_t serial = 0;  // Object::serial of the object written here; 0: none
  int8_t recycled_spaced = -1;  // a recycled slot's "# N" spelling; -1: the format's
};

struct WorldExtras {
  int format = storage::kFormatBFBugFixed;  // the textdump format it came from
  int64_t header_dummy = 0;
  std::vector<storage::RawSection> sections;  // tasks, clocks, connections: verbatim
  std::string trailing;
  // ToastStunt's anonymous objects, kept whole (the World has no anonymous
  // objects); written back unchanged.
  std::vector<storage::Object> anonymous;
  std::vector<size_t> anonymous_batches;

  std::unordered_map<uint64_t, ObjectExtras> objects;  // by Object::serial; only non-empty ones
  // By object id, for the ids loaded, created or recycled so far (a lazily
  // loaded world learns the rest as it loads them).
  std::unordered_map<int64_t, StoredState> stored;
  const StoredState* find_stored(int64_t id) const {
    auto it = stored.find(id);
    return it == stored.end() ? nullptr : &it->second;
  }

  const ObjectExtras* find(const Object& o) const {
    auto it = objects.find(o.serial);
    return it == objects.end() ? nullptr : &it->second;
  }
};

// The World an image / store holds. The extras, when asked for, describe the
// rest, and what the store holds (for a store imported from that image, in
// the image's case). Throws std::runtime_error (storage::StoreError from the
// store) when the data does not fit the World: a property name defined twice
// along an object's ancestry, a property value count that does not match.
//
// From a store the World is lazy: opening reads the meta record (and
// ToastStunt's anonymous objects) only, and each object is read, with its
// verb programs and its ancestors, on its first use (World::set_loader).
// So a broken record is reported when it is first used, and the store, and
// the extras when given, must stay open and in place while the World is
// used; World::load_all() reads the rest at once.
std::unique_ptr<World> load_world(const storage::WorldImage& image, WorldExtras* extras = nullptr);
std::unique_ptr<World> load_world(const storage::Store& store, WorldExtras* extras = nullptr);

// Adds to `batch` the records for the objects in `dirty` (World::take_dirty)
// and, when meta_dirty, the meta record: an object record per live object; a
// recycled-slot record per recycled id up to max_object, a delete beyond it;
// verb programs put / deleted per index where they differ from what the
// store holds (a deleted verb shifts the later indexes: those are rewritten,
// and the stale tail deleted). In format <= 4 worlds the link words are kept
// current: neighbours whose `next` / `sibling` changed are written too.
// Updates `extras` to describe the store once the batch is committed (it
// must then be committed, or the world reloaded).
void add_changes(const World& world, WorldExtras& extras, const std::set<int64_t>& dirty, bool meta_dirty,
                 storage::Batch& batch);

// take_dirty / take_meta_dirty, add_changes, commit. Returns the batch size.
size_t commit_changes(World& world, WorldExtras& extras, storage::Store& store);

// The whole world as an image, in the extras' format.
storage::WorldImage to_image(const World& world, const WorldExtras& extras);

// The meta record for the world as it is now.
storage::MetaInfo meta_of(const World& world, const WorldExtras& extras);

}  // namespace echo
