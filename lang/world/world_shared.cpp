// What the World's concurrent readers share: lazy loading (a speculation
// on any thread may fault an object in), the server option caches, and the
// speculations themselves (WorldTx: reads versioned, writes copied, then
// validate and publish). See World::Speculation in world.h for the rules.
#include <algorithm>

#include "lang/world/world.h"

namespace echo {

// ---- lazy loading -----------------------------------------------------------

void World::set_loader(std::unique_ptr<ObjectLoader> loader) {
  loader_ = std::move(loader);
  pending_.assign(objects_.size(), 0);
  pending_count_ = 0;
  used_.clear();
  if (!loader_) return;
  used_.assign(objects_.size(), 0);
  for (size_t i = 0; i < objects_.size(); ++i)
    if (!objects_[i]) {
      pending_[i] = 1;
      ++pending_count_;
    }
}

void World::mark_absent(int64_t id) {
  if (!pending(id)) return;
  std::atomic_ref<uint8_t>(pending_[size_t(id)]).store(0, std::memory_order_release);
  --pending_count_;
}

void World::forget(int64_t id) {
  if (id < 0 || id >= int64_t(objects_.size()) || !loader_) return;
  objects_[size_t(id)].reset();
  if (!pending_[size_t(id)]) {
    pending_[size_t(id)] = 1;
    ++pending_count_;
  }
}

bool World::fault(int64_t id) const {
  // Loading fills in what was always there: logically const.
  World& self = const_cast<World&>(*this);
  if (t_loading_ == this) {  // a load on this thread reached another pending object
    if (objects_[size_t(id)]) return true;  // staged by it
    loader_->load(self, id);
    self.mark_absent(id);
    return objects_[size_t(id)] != nullptr;
  }
  std::lock_guard<std::mutex> lk(load_mu_);
  if (!pending_[size_t(id)]) return objects_[size_t(id)] != nullptr;  // another thread loaded it
  TxPause pause;  // the loader fills the shared objects, not a speculation's copies
  t_loading_ = this;
  staged_.clear();
  try {
    loader_->load(self, id);
  } catch (...) {
    t_loading_ = nullptr;
    staged_.clear();
    throw;
  }
  t_loading_ = nullptr;
  // Whole: now others may see it (release: after everything it filled in).
  for (int64_t s : staged_)
    if (objects_[size_t(s)] && pending_[size_t(s)]) {
      std::atomic_ref<uint8_t>(pending_[size_t(s)]).store(0, std::memory_order_release);
      --pending_count_;
    }
  staged_.clear();
  self.mark_absent(id);  // a loader that settled nothing: no object there
  return objects_[size_t(id)] != nullptr;
}

void World::load_all() {
  exclusive_only("load_all");
  for (int64_t id = 0; pending_count_ && id < int64_t(objects_.size()); ++id) valid(id);
}

size_t World::evict_unused(size_t keep) {
  exclusive_only("evict_unused");
  if (!loader_) return 0;
  size_t dropped = 0;
  if (resident_objects() > keep) {
    for (size_t id = 0; id < objects_.size(); ++id) {
      const Object* o = objects_[id].get();
      if (!o || used_[id] || dirty_.count(int64_t(id))) continue;
      bool child_resident = false;
      for (int64_t c : o->children)
        if (c >= 0 && size_t(c) < objects_.size() && objects_[size_t(c)]) {
          child_resident = true;
          break;
        }
      if (child_resident) continue;
      loader_->unloaded(*o);
      forget(int64_t(id));
      ++dropped;
    }
  }
  std::fill(used_.begin(), used_.end(), 0);
  if (dropped) verbs_changed();  // the verb cache names definers by id and index: start afresh
  return dropped;
}

size_t World::resident_objects() const {
  size_t n = 0;
  for (const auto& o : objects_) n += o != nullptr;
  return n;
}

// ---- server options --------------------------------------------------------

namespace {
constexpr int64_t SYSTEM_OBJECT = 0;
}

// LambdaMOO's get_server_option(SYSTEM_OBJECT, name) and is_true(): db_find_property
// gives the effective (inherited when clear) value.
bool World::server_flag_option(std::string_view name) {
  if (!valid(SYSTEM_OBJECT) || !find_slot(SYSTEM_OBJECT, "server_options")) return false;
  Value opt = slot_value(SYSTEM_OBJECT, "server_options");
  if (!opt.is_obj() || !valid(opt.as_obj()) || !find_slot(opt.as_obj(), name)) return false;
  return slot_value(opt.as_obj(), name).truthy();
}

// What a cached option depends on: #0 (its server_options slot), the options
// object (its slots, its parents) and the ancestors each inherits values from.
void World::watch_options() {
  option_watch_ = {SYSTEM_OBJECT};
  if (!valid(SYSTEM_OBJECT)) return;
  for (int64_t a : ancestors(SYSTEM_OBJECT)) option_watch_.push_back(a);
  if (!find_slot(SYSTEM_OBJECT, "server_options")) return;
  Value opt = slot_value(SYSTEM_OBJECT, "server_options");
  if (!opt.is_obj() || !valid(opt.as_obj())) return;
  option_watch_.push_back(opt.as_obj());
  for (int64_t a : ancestors(opt.as_obj())) option_watch_.push_back(a);
}

void World::clear_option_caches() {
  for (size_t i = 0; i < kProtectCacheSize; ++i) protect_cache_[i].store(-1, std::memory_order_relaxed);
  for (auto& c : prop_protect_cache_) c.store(-1, std::memory_order_relaxed);
}

void World::options_changed() {
  std::lock_guard<std::mutex> lk(cache_mu_);
  option_watch_.clear();
  clear_option_caches();
  ++options_version_;
}

// A cached server flag: a speculation that changed what options depend on
// asks its own view each time; every other reader shares the answer, which
// is computed from the shared objects.
bool World::compute_flag_option(std::string_view name) {
  if (WorldTx* t = tx()) {
    if (t->options_touched) return server_flag_option(name);
    if (!t->options_read) t->options_read = options_version_;
  }
  std::lock_guard<std::mutex> lk(cache_mu_);
  TxPause pause;
  if (option_watch_.empty()) watch_options();
  return server_flag_option(name);
}

bool World::builtin_protected(int index) {
  WorldTx* t = tx();
  if (t && t->options_touched) return server_flag_option("protect_" + Builtins::instance().at(index).name);
  if (t && !t->options_read) t->options_read = options_version_;
  bool cacheable = index >= 0 && size_t(index) < kProtectCacheSize;
  if (cacheable) {
    int8_t c = protect_cache_[size_t(index)].load(std::memory_order_relaxed);
    if (c >= 0) return c != 0;
  }
  bool v = compute_flag_option("protect_" + Builtins::instance().at(index).name);
  if (cacheable) protect_cache_[size_t(index)].store(v, std::memory_order_relaxed);
  return v;
}

bool World::builtin_prop_protected(BuiltinProp p) {
  static constexpr const char* names[] = {"",           "protect_name",       "protect_owner",
                                          "protect_location", "protect_contents", "protect_programmer",
                                          "protect_wizard",   "protect_r",        "protect_w",
                                          "protect_f"};
  if (p == BuiltinProp::None) return false;
  WorldTx* t = tx();
  if (t && t->options_touched) return server_flag_option(names[size_t(p)]);
  if (t && !t->options_read) t->options_read = options_version_;
  int8_t c = prop_protect_cache_[size_t(p)].load(std::memory_order_relaxed);
  if (c >= 0) return c != 0;
  bool v = compute_flag_option(names[size_t(p)]);
  prop_protect_cache_[size_t(p)].store(v, std::memory_order_relaxed);
  return v;
}

// ---- speculation ---------------------------------------------------------------

void World::mark_dirty(int64_t id) {
  if (WorldTx* t = tx()) [[unlikely]] {
    tx_mark_dirty(*t, id);
    return;
  }
  ++mutations_;
  dirty_.insert(id);
  if (id >= 0 && size_t(id) < objects_.size() && objects_[size_t(id)])
    objects_[size_t(id)]->version = ++version_clock_;
  for (int64_t w : option_watch_)
    if (w == id) {
      options_changed();
      break;
    }
}

void World::tx_mark_dirty(WorldTx& t, int64_t id) {
  ++t.mutations;
  if (!t.dirty.insert(id).second || t.options_touched) return;
  std::lock_guard<std::mutex> lk(cache_mu_);
  {
    TxPause pause;  // what the shared answers depend on
    if (option_watch_.empty()) watch_options();
  }
  if (std::find(option_watch_.begin(), option_watch_.end(), id) != option_watch_.end()) t.options_touched = true;
}

const Object* World::tx_get(WorldTx& t, int64_t id) const {
  if (!t.copies.empty())
    if (auto it = t.copies.find(id); it != t.copies.end()) return it->second.get();
  if (id < 0) return nullptr;  // never an object, whatever happens
  if (id >= int64_t(objects_.size())) {
    note_meta_read(t);  // one may be created there
    return nullptr;
  }
  bool ok = valid_base(id);
  const Object* o = ok ? objects_[size_t(id)].get() : nullptr;
  if (id != t.last_read) {
    t.reads.emplace_back(id, o ? o->version : 0);
    t.last_read = id;
    if (t.reads.size() >= t.compact_at) {  // a long segment reading the same few objects
      std::sort(t.reads.begin(), t.reads.end());
      t.reads.erase(std::unique(t.reads.begin(), t.reads.end()), t.reads.end());
      t.compact_at = std::max<size_t>(4096, t.reads.size() * 2);
    }
  }
  if (o && !used_.empty()) std::atomic_ref<uint8_t>(used_[size_t(id)]).store(1, std::memory_order_relaxed);
  return o;
}

Object* World::tx_get_mut(WorldTx& t, int64_t id) {
  if (auto it = t.copies.find(id); it != t.copies.end()) return it->second.get();
  const Object* base = tx_get(t, id);
  if (!base) return nullptr;
  std::unique_ptr<Object> copy;
  {
    std::lock_guard<std::mutex> lk(programs_mu_);  // Verb::program may be filled in meanwhile
    copy = std::make_unique<Object>(*base);
  }
  Object* p = copy.get();
  t.copies.emplace(id, std::move(copy));
  return p;
}

uint64_t World::current_version(int64_t id) const {
  if (id < 0 || id >= int64_t(objects_.size())) return 0;
  // Evicted since: pending, or loaded again by a speculation on another
  // thread (validate runs under the shared lock too). Acquire, as in
  // valid_base: a 0 seen here comes from that load, whose object is read next.
  if (pending_count_.load(std::memory_order_acquire) &&
      std::atomic_ref<uint8_t>(pending_[size_t(id)]).load(std::memory_order_acquire))
    return UINT64_MAX;
  const Object* o = objects_[size_t(id)].get();
  return o ? o->version : 0;
}

bool World::validate(const WorldTx& t) const {
  if (t.meta_read && t.meta_read != meta_version_) return false;
  if (t.verbs_read && t.verbs_read != generation_) return false;
  if (t.options_read && t.options_read != options_version_) return false;
  for (const auto& [id, v] : t.reads)
    if (current_version(id) != v) return false;
  return true;
}

void World::publish(WorldTx& t) {
  for (int64_t id : t.dirty) {
    auto it = t.copies.find(id);
    if (it != t.copies.end() && id >= 0 && id < int64_t(objects_.size()) && objects_[size_t(id)])
      objects_[size_t(id)] = std::move(it->second);
    mark_dirty(id);
  }
  t.copies.clear();
  if (t.verbs_changed) verbs_changed();
}

void World::verbs_changed() {
  if (WorldTx* t = tx()) {
    t->verbs_changed = true;
    return;
  }
  std::lock_guard<std::mutex> lk(cache_mu_);
  ++generation_;
  verb_cache_.clear();
}

World::VerbCacheStats World::verb_cache_stats() const {
  VerbCacheStats s;
  std::lock_guard<std::mutex> lk(cache_mu_);
  s.hits = vc_hits_;
  s.negative_hits = vc_negative_hits_;
  s.misses = vc_misses_;
  s.generations = generation_ - 1;  // it starts at 1; each emptying adds one
  for (size_t b = 0; b < verb_cache_.bucket_count(); ++b)
    ++s.depths[std::min(verb_cache_.bucket_size(b), VerbCacheStats::kMaxDepth)];
  return s;
}

uint64_t World::generation() const {
  WorldTx* t = tx();
  // A speculation with its own verb changes: a number no shared cache holds.
  return t && t->verbs_changed ? (uint64_t(1) << 63) | t->serial : generation_;
}

uint64_t World::mutations() const {
  WorldTx* t = tx();
  return t ? mutations_ + t->mutations : mutations_;
}

}  // namespace echo
