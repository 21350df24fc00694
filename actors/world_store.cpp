// World <-> WorldImage / Store: loading, incremental write-back, export.
#include "actors/world_store.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "lang/map.h"

namespace echo {

namespace st = storage;

bool ObjectExtras::empty() const {
  return handles.empty() && !last_move.is_raw() && last_move.value.is_map() &&
         last_move.value.map_obj()->entries.empty() && !parents_form && flags_high == 0 && raw_props.empty();
}

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = (c >= 'A' && c <= 'Z') ? char(c + 32) : c;  // ASCII, as World's names
  return r;
}

std::string num(int64_t id) { return "#" + std::to_string(id); }

// The placeholder a raw (unrepresentable) property value reads as.
Value raw_placeholder() { return Value::err(E_INVARG); }
bool is_raw_placeholder(const Value& v) { return v.is_err() && v.as_err() == E_INVARG; }

Value objlist(const std::vector<int64_t>& ids) {
  Value l = Value::empty_list();
  for (int64_t i : ids) list_append(l, Value::obj(i));
  return l;
}

// ---- verb programs ----

// A stored program (lines each ending in '\n') as a World source.
std::string source_of(const std::string& program) {
  if (!program.empty() && program.back() == '\n') return program.substr(0, program.size() - 1);
  return program;
}

std::optional<std::string> program_of(const Verb& v) {
  if (!v.has_program && v.source.empty()) return std::nullopt;
  return v.source.empty() ? std::string() : v.source + "\n";
}

// What StoredState::verbs records for a verb: 0 when no program is stored.
uint64_t program_hash(const Verb& v) {
  if (!v.has_program && v.source.empty()) return 0;
  std::string text = v.source.empty() ? std::string() : v.source + "\n";
  uint64_t h = std::hash<std::string_view>{}(text);
  if (v.syntax == Syntax::Echo) h ^= 0x9e3779b97f4a7c15ull;  // a syntax change rewrites the verb
  return h | 1u;
}

// ---- loading ----

// Phase 1: everything but the property slots (which need every object's
// parents and propdefs in place).
void load_fields(World& w, WorldExtras& x, const st::Object& r) {
  Object& o = w.emplace(r.id);
  o.name = r.name;
  o.flags = uint32_t(r.flags & 0xFFFFFFFF);
  o.owner = r.owner;
  o.location = r.location.is_obj() ? r.location.as_obj() : NOTHING;
  o.contents = st::object_list(r.contents);
  o.parents = st::object_list(r.parents);
  o.children = st::object_list(r.children);
  o.propdefs = r.propdefs;
  o.verbs.reserve(r.verbs.size());
  for (const st::Verb& sv : r.verbs) {
    Verb v;
    v.names = sv.names;
    v.owner = sv.owner;
    v.perms = uint8_t(sv.access());
    v.dobj = int8_t(sv.dobj());
    v.iobj = int8_t(sv.iobj());
    v.prep = int(sv.prep);
    v.syntax = sv.echo ? Syntax::Echo : Syntax::Moo;
    if (sv.program) {
      v.source = source_of(*sv.program);
      v.has_program = true;
    }
    o.verbs.push_back(std::move(v));
  }
  ObjectExtras e;
  e.handles = r.handles;
  e.last_move = r.last_move;
  e.flags_high = r.flags & ~int64_t(0xFFFFFFFF);
  std::vector<int64_t> ps = o.parents;
  Value derived = ps.size() > 1 ? objlist(ps) : Value::obj(ps.empty() ? NOTHING : ps[0]);
  if (!equal_exact(derived, r.parents)) e.parents_form = r.parents;
  StoredState& s = x.stored[r.id];
  s.v4 = r.v4;
  s.serial = o.serial;
  if (!e.empty()) x.objects.emplace(o.serial, std::move(e));
}

// Phase 2: the slots, position by position along the ancestry.
void load_slots(World& w, WorldExtras& x, const st::Object& r) {
  Object& o = *w.get_mut(r.id);
  std::vector<int64_t> chain = w.ancestors(r.id);
  chain.insert(chain.begin(), r.id);
  size_t pos = 0;
  for (int64_t d : chain) {
    for (const std::string& name : w.get(d)->propdefs) {
      if (pos >= r.propvals.size())
        throw std::runtime_error("object " + num(r.id) + ": fewer property values than its ancestry defines");
      const st::PropVal& pv = r.propvals[pos++];
      std::string key = lower(name);
      PropSlot slot{d, pv.value.is_raw() ? raw_placeholder() : pv.value.value, pv.owner, uint8_t(pv.perms)};
      if (!o.props.emplace(key, std::move(slot)).second)
        throw std::runtime_error("object " + num(r.id) + ": property '" + name + "' is defined twice along its ancestry");
      if (pv.value.is_raw()) x.objects[o.serial].raw_props[key] = pv.value.raw;
    }
  }
  if (pos != r.propvals.size())
    throw std::runtime_error("object " + num(r.id) + ": more property values than its ancestry defines");
}

// Both sources: the permanent objects (recycled slots included) in id order.
std::unique_ptr<World> build(const std::vector<const st::Object*>& records, const std::vector<int64_t>& players,
                             WorldExtras& x) {
  auto w = std::make_unique<World>();
  x.stored.clear();
  for (const st::Object* r : records) {
    if (r->recycled) {
      x.stored[r->id].recycled_spaced = int8_t(r->recycled_spaced);
      continue;
    }
    load_fields(*w, x, *r);
  }
  w->set_max_object(int64_t(records.size()) - 1);
  w->set_players(players);
  for (const st::Object* r : records)
    if (!r->recycled) load_slots(*w, x, *r);
  return w;
}

// What the store holds of a loaded object's programs.
void note_programs(WorldExtras& x, const Object& o) {
  auto& hashes = x.stored[o.id].verbs;
  hashes.clear();
  for (const Verb& v : o.verbs) hashes.push_back(program_hash(v));
}

void finish(World& w, WorldExtras& x) {
  for (int64_t id = 0; id <= w.max_object(); ++id)
    if (const Object* o = w.get(id)) note_programs(x, *o);
  w.take_dirty();  // loading is not a change
  w.take_meta_dirty();
}

// Reads a store's objects into a World on first use (World::set_loader).
class StoreLoader : public ObjectLoader {
 public:
  StoreLoader(const st::Store& store, WorldExtras* x) : store_(store), x_(x ? *x : own_) {}

  void load(World& w, int64_t id) override {
    // Fields first, for the object and every ancestor not yet loaded (a
    // worklist, not recursion: a store may hold a deep hierarchy), then the
    // slots, which need every ancestor's propdefs.
    std::vector<st::Object> fresh;
    std::vector<int64_t> todo{id};
    try {
      while (!todo.empty()) {
        int64_t i = todo.back();
        todo.pop_back();
        if (!w.pending(i)) continue;
        std::optional<st::Object> r = store_.get_object(i);
        if (!r)
          throw st::StoreError(store_.dir() + ": object " + num(i) + " is missing (max_object is " +
                               num(w.max_object()) + ")");
        if (r->recycled) {
          StoredState& s = x_.stored[i];
          s = StoredState{};
          s.recycled_spaced = int8_t(r->recycled_spaced);
          w.mark_absent(i);
          continue;
        }
        load_fields(w, x_, *r);
        Object& o = *w.get_mut(i);
        if (!o.verbs.empty())  // no verbs, no programs (a stray one is reported by export_world)
          store_.for_each_verb_source_of(i, [&](uint32_t index, std::string&& source) {
            if (index >= o.verbs.size())
              throw st::StoreError(store_.dir() + ": a program for " + num(i) + ":" + std::to_string(index) +
                                   ", which does not exist");
            o.verbs[index].source = source_of(source);
            o.verbs[index].has_program = true;
          });
        for (int64_t p : o.parents) todo.push_back(p);
        fresh.push_back(std::move(*r));
      }
      for (const st::Object& r : fresh) load_slots(w, x_, r);
      for (const st::Object& r : fresh) note_programs(x_, *w.get(r.id));
    } catch (...) {  // nothing half-loaded stays: the next use fails the same way
      for (const st::Object& r : fresh) {
        if (const Object* o = w.get(r.id)) unloaded(*o);
        w.forget(r.id);
      }
      throw;
    }
  }

  // What load() kept beside the object goes with it; load() makes it again
  // (under the object's next serial).
  void unloaded(const Object& o) override {
    x_.objects.erase(o.serial);
    x_.stored.erase(o.id);
  }

  WorldExtras& extras() { return x_; }

 private:
  const st::Store& store_;
  WorldExtras own_;
  WorldExtras& x_;
};

// ---- writing ----

int64_t next_after(const std::vector<int64_t>& list, int64_t id) {
  auto it = std::find(list.begin(), list.end(), id);
  return it == list.end() || it + 1 == list.end() ? NOTHING : *(it + 1);
}

// The format-4 link words for o, as LambdaMOO would hold them. The one thing
// not derived: LambdaMOO leaves a stale `next` on an object with no location
// (and its readers ignore it); kept while the object stays nowhere. None
// for an object with several parents: the textdump writer then derives the
// links itself and refuses the object, rather than silently keep one parent.
std::optional<st::Links4> links_of(const World& w, const Object& o, const StoredState* stored) {
  if (o.parents.size() > 1) return std::nullopt;
  st::Links4 k;
  k.location = o.location;
  k.contents = o.contents.empty() ? NOTHING : o.contents.front();
  if (const Object* loc = w.get(o.location))
    k.next = next_after(loc->contents, o.id);
  else if (stored && stored->serial == o.serial && stored->v4 && stored->v4->location == NOTHING)
    k.next = stored->v4->next;
  k.parent = o.parents.empty() ? NOTHING : o.parents.front();
  k.child = o.children.empty() ? NOTHING : o.children.front();
  if (const Object* p = w.get(k.parent)) k.sibling = next_after(p->children, o.id);
  return k;
}

bool same_links(const st::Links4& a, const st::Links4& b) {
  return a.location == b.location && a.contents == b.contents && a.next == b.next && a.parent == b.parent &&
         a.child == b.child && a.sibling == b.sibling;
}

// The record for a live object (programs included when with_programs).
st::Object record_of(const World& w, const Object& o, const ObjectExtras* e, bool with_programs) {
  st::Object r;
  r.id = o.id;
  r.name = o.name;
  r.flags = int64_t(o.flags) | (e ? e->flags_high : 0);
  r.owner = o.owner;
  r.location = Value::obj(o.location);
  r.contents = objlist(o.contents);
  r.children = objlist(o.children);
  if (e && e->parents_form && st::object_list(*e->parents_form) == o.parents)
    r.parents = *e->parents_form;
  else
    r.parents = o.parents.size() > 1 ? objlist(o.parents) : Value::obj(o.parents.empty() ? NOTHING : o.parents[0]);
  if (e) {
    r.last_move = e->last_move;
    r.handles = e->handles;
  }
  r.verbs.reserve(o.verbs.size());
  for (const Verb& v : o.verbs) {
    st::Verb sv;
    sv.names = v.names;
    sv.owner = v.owner;
    sv.perms = int64_t(v.perms) | (int64_t(v.dobj) << st::kDobjShift) | (int64_t(v.iobj) << st::kIobjShift);
    sv.prep = v.prep;
    sv.echo = v.syntax == Syntax::Echo;
    if (with_programs) sv.program = program_of(v);
    else if (v.has_program || !v.source.empty()) sv.program = std::string();  // only "has a program" is stored
    r.verbs.push_back(std::move(sv));
  }
  r.propdefs = o.propdefs;
  std::vector<int64_t> chain = w.ancestors(o.id);
  chain.insert(chain.begin(), o.id);
  for (int64_t d : chain) {
    for (const std::string& name : w.get(d)->propdefs) {
      std::string key = lower(name);
      st::PropVal pv;
      auto it = o.props.find(key);
      if (it == o.props.end()) {  // cannot happen in a consistent World; keep the count right
        pv.value.value = Value::clear();
        r.propvals.push_back(std::move(pv));
        continue;
      }
      const PropSlot& s = it->second;
      pv.owner = s.owner;
      pv.perms = s.perms;
      const std::string* raw = nullptr;
      if (e && is_raw_placeholder(s.value))
        if (auto it2 = e->raw_props.find(key); it2 != e->raw_props.end()) raw = &it2->second;
      if (raw) pv.value.raw = *raw;
      else pv.value.value = s.value;
      r.propvals.push_back(std::move(pv));
    }
  }
  return r;
}

st::Object recycled_record(int64_t id, const StoredState* s, int format) {
  st::Object r;
  r.id = id;
  r.recycled = true;
  r.recycled_spaced = s && s->recycled_spaced >= 0 ? s->recycled_spaced != 0 : format >= st::kFormatNextGen;
  return r;
}

}  // namespace

// ---- load ----

std::unique_ptr<World> load_world(const st::WorldImage& image, WorldExtras* extras) {
  WorldExtras local;
  WorldExtras& x = extras ? *extras : local;
  x = WorldExtras{};
  x.format = image.format;
  x.header_dummy = image.header_dummy;
  x.sections = image.sections;
  x.trailing = image.trailing;
  x.anonymous = image.anonymous;
  x.anonymous_batches = image.anonymous_batches;
  std::vector<const st::Object*> records;
  records.reserve(image.objects.size());
  for (size_t i = 0; i < image.objects.size(); ++i) {
    if (image.objects[i].id != int64_t(i)) throw std::runtime_error("image: objects[" + std::to_string(i) + "] is " + num(image.objects[i].id));
    records.push_back(&image.objects[i]);
  }
  auto w = build(records, image.players, x);
  finish(*w, x);
  return w;
}

std::unique_ptr<World> load_world(const st::Store& store, WorldExtras* extras) {
  auto loader = std::make_unique<StoreLoader>(store, extras);
  WorldExtras& x = extras ? *extras : loader->extras();
  x = WorldExtras{};
  std::optional<st::MetaInfo> meta = store.get_meta();
  if (!meta) throw st::StoreError(store.dir() + ": no meta record (not an imported world)");
  if (meta->max_object < -1) throw st::StoreError(store.dir() + ": meta max_object " + std::to_string(meta->max_object));
  x.format = meta->textdump_format;
  x.header_dummy = meta->header_dummy;
  x.sections = std::move(meta->sections);
  x.trailing = std::move(meta->trailing);
  x.anonymous_batches = std::move(meta->anonymous_batches);

  // ToastStunt's anonymous objects are few and kept whole, programs included.
  for (int64_t id : meta->anonymous_ids) {
    std::optional<st::Object> o = store.get_object(id);
    if (!o || (id >= 0 && id <= meta->max_object))
      throw st::StoreError(store.dir() + ": anonymous object " + num(id) + " is missing");
    store.for_each_verb_source_of(id, [&](uint32_t index, std::string&& source) {
      if (index >= o->verbs.size())
        throw st::StoreError(store.dir() + ": a program for " + num(id) + ":" + std::to_string(index) +
                             ", which does not exist");
      o->verbs[index].program = std::move(source);
    });
    x.anonymous.push_back(std::move(*o));
  }

  auto w = std::make_unique<World>();
  w->set_max_object(meta->max_object);
  w->set_players(meta->players);
  w->set_loader(std::move(loader));
  return w;
}

// ---- write back ----

st::MetaInfo meta_of(const World& world, const WorldExtras& x) {
  st::MetaInfo m;
  m.textdump_format = x.format;
  m.header_dummy = x.header_dummy;
  m.max_object = world.max_object();
  m.players = world.players();
  m.sections = x.sections;
  m.trailing = x.trailing;
  for (const st::Object& a : x.anonymous) m.anonymous_ids.push_back(a.id);
  m.anonymous_batches = x.anonymous_batches;
  return m;
}

void add_changes(const World& w, WorldExtras& x, const std::set<int64_t>& dirty, bool meta_dirty,
                 st::Batch& batch) {
  bool v4 = x.format < st::kFormatNextGen;
  // In format <= 4 a move or chparent also changes the `next` / `sibling`
  // words of the neighbours, which are all among a dirty object's contents
  // or children (the old and new location / parent are dirty).
  std::set<int64_t> ids = dirty;
  if (v4)
    for (int64_t id : dirty)
      if (const Object* o = w.get(id)) {
        ids.insert(o->contents.begin(), o->contents.end());
        ids.insert(o->children.begin(), o->children.end());
      }
  std::unordered_set<uint64_t> live;  // serials still alive among the ids
  for (int64_t id : ids)
    if (const Object* o = w.get(id)) live.insert(o->serial);

  std::unordered_set<int64_t> anon_ids;
  for (const st::Object& an : x.anonymous) anon_ids.insert(an.id);
  // Checked before anything is written or `x` updated. World::create knows
  // nothing of the anonymous objects' numbers.
  for (int64_t id : ids)
    if (w.valid(id) && anon_ids.count(id))
      throw std::runtime_error("object " + num(id) + " would overwrite the stored anonymous object " + num(id));
  int64_t max = w.max_object();
  for (int64_t id : ids) {
    if (id < 0) continue;
    const Object* o = w.get(id);  // first: loading it fills in x.stored[id]
    StoredState* s = nullptr;
    if (id <= max) s = &x.stored[id];
    else if (auto it = x.stored.find(id); it != x.stored.end()) s = &it->second;
    // The programs the store holds at this id that the new state lacks.
    auto drop_programs_from = [&](size_t from) {
      if (!s) return;
      for (size_t i = from; i < s->verbs.size(); ++i)
        if (s->verbs[i]) batch.delete_verb_source(id, uint32_t(i));
    };
    if (!o) {
      drop_programs_from(0);
      if (s && s->serial && !live.count(s->serial)) x.objects.erase(s->serial);  // recycled for good
      if (id <= max) {
        batch.put_object(recycled_record(id, s, x.format));
        int8_t spaced = s ? s->recycled_spaced : -1;
        *s = StoredState{};
        s->recycled_spaced = spaced;
      } else if (s) {
        batch.delete_object(id);
        x.stored.erase(id);
      } else {
        batch.delete_object(id);
      }
      continue;
    }
    std::optional<st::Links4> links;
    if (v4) links = links_of(w, *o, s);
    // A neighbour only: written when its links changed.
    if (!dirty.count(id) && s->serial == o->serial && s->v4 && links && same_links(*s->v4, *links)) continue;

    auto eit = x.objects.find(o->serial);
    ObjectExtras* e = eit == x.objects.end() ? nullptr : &eit->second;
    if (e) {  // raw values superseded by a stored value, or whose property went
      for (auto it = e->raw_props.begin(); it != e->raw_props.end();) {
        auto slot = o->props.find(it->first);
        if (slot == o->props.end() || !is_raw_placeholder(slot->second.value)) it = e->raw_props.erase(it);
        else ++it;
      }
      if (e->parents_form && st::object_list(*e->parents_form) != o->parents) e->parents_form.reset();
      if (e->empty()) {
        x.objects.erase(eit);
        e = nullptr;
      }
    }
    st::Object rec = record_of(w, *o, e, false);
    rec.v4 = links;
    batch.put_object(rec);

    // Programs by index: a changed or shifted index is put, a stale one deleted.
    // s->verbs describes the keys at this id, whichever object wrote them.
    std::vector<uint64_t> prev = std::move(s->verbs);
    std::vector<uint64_t> cur;
    cur.reserve(o->verbs.size());
    for (size_t i = 0; i < o->verbs.size(); ++i) {
      uint64_t h = program_hash(o->verbs[i]);
      cur.push_back(h);
      uint64_t before = i < prev.size() ? prev[i] : 0;
      if (h == before) continue;
      if (h) batch.put_verb_source(id, uint32_t(i), *program_of(o->verbs[i]));
      else batch.delete_verb_source(id, uint32_t(i));
    }
    for (size_t i = cur.size(); i < prev.size(); ++i)
      if (prev[i]) batch.delete_verb_source(id, uint32_t(i));
    if (s->serial && s->serial != o->serial && !live.count(s->serial)) x.objects.erase(s->serial);
    s->verbs = std::move(cur);
    s->v4 = links;
    s->serial = o->serial;
  }
  // Ids beyond max_object that were never dirty cannot be in x.stored:
  // reset_max_object marks every id it drops, and the loop erased them.
  if (meta_dirty) batch.put_meta(meta_of(w, x));
}

size_t commit_changes(World& world, WorldExtras& extras, st::Store& store) {
  std::set<int64_t> dirty = world.take_dirty();
  bool meta = world.take_meta_dirty();
  if (dirty.empty() && !meta) return 0;
  st::Batch batch;
  add_changes(world, extras, dirty, meta, batch);
  store.commit(batch);
  return batch.size();
}

// ---- export ----

st::WorldImage to_image(const World& w, const WorldExtras& x) {
  st::WorldImage im;
  im.format = x.format;
  im.header_dummy = x.header_dummy;
  im.players = w.players();
  im.sections = x.sections;
  im.trailing = x.trailing;
  im.anonymous = x.anonymous;
  im.anonymous_batches = x.anonymous_batches;
  bool v4 = x.format < st::kFormatNextGen;
  im.objects.reserve(size_t(w.max_object() + 1));
  for (int64_t id = 0; id <= w.max_object(); ++id) {
    const Object* o = w.get(id);  // first: loading it fills in x.stored[id]
    const StoredState* s = x.find_stored(id);
    if (!o) {
      im.objects.push_back(recycled_record(id, s, x.format));
      continue;
    }
    st::Object r = record_of(w, *o, x.find(*o), true);
    if (v4) r.v4 = links_of(w, *o, s);
    im.objects.push_back(std::move(r));
  }
  return im;
}

}  // namespace echo
