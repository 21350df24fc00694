// The object model: objects, hierarchy, properties, verbs; and WorldHost.
// Semantics are LambdaMOO's db_objects.c / db_properties.c / db_verbs.c and
// execute.c's OP_GET_PROP / OP_PUT_PROP / OP_CALL_VERB.
#include "lang/world/world.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>

namespace echo {

namespace {

unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// ASCII only, as LambdaMOO's names are compared (the C locale's tolower,
// without a call per character).
std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = char(fold(static_cast<unsigned char>(c)));
  return r;
}

// The verb cache's key, "ID:name" lower-cased, in a per-thread buffer: a
// command looks up several verbs, and this allocated for each.
const std::string& verb_cache_key(int64_t id, std::string_view name) {
  thread_local std::string key;
  char num[24];
  auto end = std::to_chars(num, num + sizeof num, id).ptr;
  key.assign(num, end);
  key.push_back(':');
  for (char c : name) key.push_back(char(fold(static_cast<unsigned char>(c))));
  return key;
}

void erase_value(std::vector<int64_t>& v, int64_t x) { v.erase(std::remove(v.begin(), v.end(), x), v.end()); }
void setadd(std::vector<int64_t>& v, int64_t x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

// LambdaMOO's prepositions (db_verbs.c), in index order.
const std::vector<std::vector<std::string_view>>& preps() {
  static const std::vector<std::vector<std::string_view>> p = {
      {"with", "using"},
      {"at", "to"},
      {"in front of"},
      {"in", "inside", "into"},
      {"on top of", "on", "onto", "upon"},
      {"out of", "from inside", "from"},
      {"over"},
      {"through"},
      {"under", "underneath", "beneath"},
      {"behind"},
      {"beside"},
      {"for", "about"},
      {"is"},
      {"as"},
      {"off", "off of"},
  };
  return p;
}

}  // namespace

bool verb_name_matches(std::string_view pattern, std::string_view word) {
  size_t v = 0, n = pattern.size();
  while (v < n) {
    size_t w = 0;
    enum { none, inner, end } star = none;
    while (true) {
      while (v < n && pattern[v] == '*') {
        ++v;
        star = (v == n || pattern[v] == ' ') ? end : inner;
      }
      if (v == n || pattern[v] == ' ' || w == word.size() ||
          fold(static_cast<unsigned char>(word[w])) != fold(static_cast<unsigned char>(pattern[v])))
        break;
      ++w;
      ++v;
    }
    if (w == word.size() ? (star != none || v == n || pattern[v] == ' ') : (star == end)) return true;
    while (v < n && pattern[v] != ' ') ++v;
    while (v < n && pattern[v] == ' ') ++v;
  }
  return false;
}

int match_prep(std::string_view s) {
  const auto& p = preps();
  for (int i = 0; i < kPrepCount; ++i)
    if (compare_ci(s, unparse_prep(i)) == 0) return i;
  // "with/using": the first alternative names the preposition.
  std::string_view first = s.substr(0, s.find('/'));
  for (int i = 0; i < kPrepCount; ++i)
    for (auto alias : p[size_t(i)])
      if (compare_ci(first, alias) == 0) return i;
  return PREP_NONE;
}

std::string unparse_prep(int prep) {
  if (prep == PREP_ANY) return "any";
  if (prep < 0 || prep >= kPrepCount) return "none";
  std::string s;
  for (auto alias : preps()[size_t(prep)]) {
    if (!s.empty()) s += '/';
    s += alias;
  }
  return s;
}

BuiltinProp builtin_prop(std::string_view name) {
  static const std::pair<std::string_view, BuiltinProp> kProps[] = {
      {"name", BuiltinProp::Name},         {"owner", BuiltinProp::Owner},
      {"location", BuiltinProp::Location}, {"contents", BuiltinProp::Contents},
      {"programmer", BuiltinProp::Programmer}, {"wizard", BuiltinProp::Wizard},
      {"r", BuiltinProp::R},               {"w", BuiltinProp::W},
      {"f", BuiltinProp::F}};
  for (auto& [n, p] : kProps)
    if (compare_ci(n, name) == 0) return p;
  return BuiltinProp::None;
}

// ---- objects -------------------------------------------------------------

World::World() { clear_option_caches(); }

int64_t World::create(const std::vector<int64_t>& parents, int64_t owner) {
  exclusive_only("create");
  auto o = std::make_unique<Object>();
  int64_t id = int64_t(objects_.size());
  o->id = id;
  o->serial = ++next_serial_;
  o->owner = owner == NOTHING ? id : owner;
  o->version = ++version_clock_;
  objects_.push_back(std::move(o));
  if (loader_) {
    pending_.push_back(0);
    used_.push_back(1);
  }
  mark_dirty(id);
  mark_meta_dirty();  // max_object
  change_parents(id, parents);
  return id;
}

Object& World::emplace(int64_t id) {
  if (t_loading_ != this) exclusive_only("emplace");
  if (id >= int64_t(objects_.size())) {
    objects_.resize(size_t(id) + 1);
    if (loader_) {
      pending_.resize(objects_.size(), 0);
      used_.resize(objects_.size(), 0);
    }
  }
  if (t_loading_ == this) {
    // Staged: others see it when the whole load is done (fault).
    if (id < int64_t(pending_.size()) && pending_[size_t(id)]) staged_.push_back(id);
  } else if (pending(id)) {
    pending_[size_t(id)] = 0;
    --pending_count_;
  }
  auto& slot = objects_[size_t(id)];
  slot = std::make_unique<Object>();
  slot->id = id;
  slot->serial = ++next_serial_;
  slot->version = ++version_clock_;
  return *slot;
}

void World::set_max_object(int64_t max) {
  exclusive_only("set_max_object");
  ++meta_version_;
  while (int64_t(objects_.size()) > max + 1 && !objects_.back() && !pending(max_object())) objects_.pop_back();
  if (int64_t(objects_.size()) < max + 1) objects_.resize(size_t(max + 1));
  if (loader_) {
    pending_.resize(objects_.size(), 0);
    used_.resize(objects_.size(), 0);
  }
}

void World::recycle(int64_t id) {
  exclusive_only("recycle");
  Object* o = get_mut(id);
  if (!o) return;
  while (!o->contents.empty()) move(o->contents.front(), NOTHING);
  move(id, NOTHING);
  std::vector<int64_t> parents = o->parents;
  while (!o->children.empty()) {
    int64_t c = o->children.front();
    // The child takes the recycled object's place among its parents.
    std::vector<int64_t> np;
    for (int64_t p : get(c)->parents) {
      if (p == id) {
        for (int64_t q : parents) if (std::find(np.begin(), np.end(), q) == np.end()) np.push_back(q);
      } else if (std::find(np.begin(), np.end(), p) == np.end()) {
        np.push_back(p);
      }
    }
    if (!change_parents(c, np)) change_parents(c, {});
  }
  change_parents(id, {});
  set_player_flag(id, false);
  objects_[size_t(id)].reset();
  mark_dirty(id);
  verbs_changed();
}

void World::reset_max_object() {
  exclusive_only("reset_max_object");
  while (!objects_.empty() && !valid(max_object())) {
    mark_dirty(max_object());  // its recycled slot's record goes
    objects_.pop_back();
    if (loader_) {
      pending_.pop_back();
      used_.pop_back();
    }
    mark_meta_dirty();
  }
}

int64_t World::renumber(int64_t id) {
  exclusive_only("renumber");
  if (!valid(id)) return id;
  load_all();  // every reference to `id`, wherever it is, changes
  int64_t to = 0;
  while (to < id && valid(to)) ++to;
  if (to >= id) return id;
  objects_[size_t(to)] = std::move(objects_[size_t(id)]);
  Object* moved = objects_[size_t(to)].get();
  moved->id = to;
  ++meta_version_;
  mark_dirty(id);
  mark_dirty(to);
  bool fixed = false;
  auto fix = [&](int64_t& x) {
    if (x == id) {
      x = to;
      fixed = true;
    }
  };
  for (auto& op : objects_) {
    if (!op) continue;
    fixed = false;
    fix(op->owner);
    fix(op->location);
    for (auto& x : op->contents) fix(x);
    for (auto& x : op->parents) fix(x);
    for (auto& x : op->children) fix(x);
    for (auto& [k, s] : op->props) { fix(s.definer); fix(s.owner); }
    for (auto& v : op->verbs) fix(v.owner);
    if (fixed) mark_dirty(op->id);
  }
  fixed = false;
  for (auto& x : users_) fix(x);
  if (fixed) mark_meta_dirty();
  verbs_changed();
  return to;
}

void World::set_player_flag(int64_t id, bool on) {
  exclusive_only("set_player_flag");
  Object* o = get_mut(id);
  if (!o) return;
  o->set_flag(FLAG_USER, on);
  mark_dirty(id);
  size_t n = users_.size();
  if (on) setadd(users_, id);
  else erase_value(users_, id);
  if (users_.size() != n) mark_meta_dirty();
}

bool World::controls(int64_t who, int64_t what) const {
  const Object* o = get(what);
  return is_wizard(who) || (o && o->owner == who);
}

bool World::object_allows(int64_t what, int64_t progr, int flag) const {
  const Object* o = get(what);
  return o && (progr == o->owner || o->has_flag(flag) || is_wizard(progr));
}

// ---- hierarchy -------------------------------------------------------------

std::vector<int64_t> World::ancestors(int64_t id) const {
  std::vector<int64_t> out;
  std::vector<int64_t> stack;
  if (const Object* o = get(id))
    for (auto it = o->parents.rbegin(); it != o->parents.rend(); ++it) stack.push_back(*it);
  while (!stack.empty()) {
    int64_t a = stack.back();
    stack.pop_back();
    if (std::find(out.begin(), out.end(), a) != out.end()) continue;
    const Object* p = get(a);
    if (!p) continue;
    out.push_back(a);
    for (auto it = p->parents.rbegin(); it != p->parents.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

std::vector<int64_t> World::descendants(int64_t id) const {
  std::vector<int64_t> out;
  std::vector<int64_t> stack;
  if (const Object* o = get(id))
    for (auto it = o->children.rbegin(); it != o->children.rend(); ++it) stack.push_back(*it);
  while (!stack.empty()) {
    int64_t d = stack.back();
    stack.pop_back();
    if (std::find(out.begin(), out.end(), d) != out.end()) continue;
    const Object* c = get(d);
    if (!c) continue;
    out.push_back(d);
    for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

bool World::is_a(int64_t id, int64_t ancestor) const {
  if (id == ancestor) return valid(id);
  auto a = ancestors(id);
  return std::find(a.begin(), a.end(), ancestor) != a.end();
}

// Slots for the properties defined by `added` definers are created on id
// (copied from the nearest parent that has them, LambdaMOO's rule for owner:
// the object's owner when the property is `c`); slots of `removed` go.
void World::inherit_slots(int64_t id, const std::vector<int64_t>& removed, const std::vector<int64_t>& added) {
  Object* o = get_mut(id);
  for (auto it = o->props.begin(); it != o->props.end();) {
    if (std::find(removed.begin(), removed.end(), it->second.definer) != removed.end())
      it = o->props.erase(it);
    else
      ++it;
  }
  for (int64_t def : added) {
    const Object* d = get(def);
    if (!d) continue;
    for (const std::string& pname : d->propdefs) {
      std::string key = lower(pname);
      if (o->props.count(key)) continue;
      const PropSlot* from = nullptr;
      for (int64_t p : o->parents) {
        const Object* po = get(p);
        auto f = po ? po->props.find(key) : decltype(po->props.end()){};
        if (po && f != po->props.end() && f->second.definer == def) { from = &f->second; break; }
      }
      if (!from) continue;
      PropSlot s;
      s.definer = def;
      s.perms = from->perms;
      s.owner = (from->perms & PF_CHOWN) ? o->owner : from->owner;
      o->props.emplace(key, std::move(s));
    }
  }
}

bool World::change_parents(int64_t id, const std::vector<int64_t>& parents) {
  Object* o = get_mut(id);
  if (!o) return false;
  std::vector<int64_t> old_anc = ancestors(id);
  // The new ancestry: the new parents and their ancestors.
  std::vector<int64_t> new_anc;
  for (int64_t p : parents) {
    if (!valid(p)) continue;
    setadd(new_anc, p);
    for (int64_t a : ancestors(p)) setadd(new_anc, a);
  }
  // No property may be defined twice along the new ancestry, nor on id or a
  // descendant of it as well as in the new ancestry.
  std::vector<std::string> inherited;
  for (int64_t a : new_anc)
    for (const auto& n : get(a)->propdefs) {
      std::string k = lower(n);
      if (std::find(inherited.begin(), inherited.end(), k) != inherited.end()) return false;
      inherited.push_back(std::move(k));
    }
  std::vector<int64_t> subtree = descendants(id);
  subtree.insert(subtree.begin(), id);
  for (int64_t d : subtree)
    for (const auto& n : get(d)->propdefs)
      if (std::find(inherited.begin(), inherited.end(), lower(n)) != inherited.end()) return false;

  mark_dirty(id);
  for (int64_t p : o->parents)
    if (Object* po = get_mut(p)) {
      erase_value(po->children, id);
      mark_dirty(p);
    }
  o->parents.clear();
  for (int64_t p : parents)
    if (Object* po = get_mut(p)) {
      setadd(o->parents, p);
      setadd(po->children, id);
      mark_dirty(p);
    }
  std::vector<int64_t> removed, added;
  for (int64_t a : old_anc)
    if (std::find(new_anc.begin(), new_anc.end(), a) == new_anc.end()) removed.push_back(a);
  for (int64_t a : new_anc)
    if (std::find(old_anc.begin(), old_anc.end(), a) == old_anc.end()) added.push_back(a);
  for (int64_t d : subtree) inherit_slots(d, removed, added);  // parents before children
  // Stored property values are positional in ancestor order: any change to
  // the ancestry (even its order) rewrites the records of the whole subtree.
  if (old_anc != ancestors(id))
    for (int64_t d : subtree) mark_dirty(d);
  verbs_changed();
  return true;
}

void World::move(int64_t what, int64_t where) {
  Object* o = get_mut(what);
  if (!o) return;
  if (Object* old = get_mut(o->location)) {
    erase_value(old->contents, what);
    mark_dirty(old->id);
  }
  if (Object* nw = get_mut(where)) {
    setadd(nw->contents, what);
    mark_dirty(where);
  }
  o->location = where;
  mark_dirty(what);
}

// ---- properties ----------------------------------------------------------

const PropSlot* World::find_slot(int64_t id, std::string_view name) const {
  const Object* o = get(id);
  if (!o) return nullptr;
  auto it = o->props.find(lower(name));
  return it == o->props.end() ? nullptr : &it->second;
}

PropSlot* World::find_slot_mut(int64_t id, std::string_view name) {
  Object* o = get_mut(id);
  if (!o) return nullptr;
  auto it = o->props.find(lower(name));
  return it == o->props.end() ? nullptr : &it->second;
}

Value World::slot_value(int64_t id, std::string_view name) const {
  std::string key = lower(name);
  const PropSlot* s = find_slot(id, key);
  if (!s) return Value::clear();
  if (s->value.type() != Type::Clear) return s->value;
  for (int64_t a : ancestors(id)) {
    const PropSlot* as = find_slot(a, key);
    if (as && as->value.type() != Type::Clear) return as->value;
  }
  return Value::clear();
}

std::string World::prop_name(int64_t definer, std::string_view name) const {
  const Object* d = get(definer);
  if (d)
    for (const auto& n : d->propdefs)
      if (compare_ci(n, name) == 0) return n;
  return std::string(name);
}

bool World::add_propdef(int64_t id, std::string_view name, Value value, int64_t owner, uint8_t perms) {
  Object* o = get_mut(id);
  if (!o || builtin_prop(name) != BuiltinProp::None) return false;
  std::string key = lower(name);
  if (o->props.count(key)) return false;  // on id or inherited
  std::vector<int64_t> desc = descendants(id);
  for (int64_t d : desc)
    if (get(d)->props.count(key)) return false;
  o->propdefs.emplace_back(name);
  o->props[key] = PropSlot{id, std::move(value), owner, perms};
  mark_dirty(id);
  for (int64_t d : desc) {
    Object* dob = get_mut(d);
    dob->props[key] = PropSlot{id, Value::clear(), (perms & PF_CHOWN) ? dob->owner : owner, perms};
    mark_dirty(d);
  }
  return true;
}

bool World::delete_propdef(int64_t id, std::string_view name) {
  Object* o = get_mut(id);
  if (!o) return false;
  auto it = std::find_if(o->propdefs.begin(), o->propdefs.end(),
                         [&](const std::string& n) { return compare_ci(n, name) == 0; });
  if (it == o->propdefs.end()) return false;
  o->propdefs.erase(it);
  std::string key = lower(name);
  o->props.erase(key);
  mark_dirty(id);
  for (int64_t d : descendants(id)) {
    get_mut(d)->props.erase(key);
    mark_dirty(d);
  }
  return true;
}

bool World::rename_propdef(int64_t id, std::string_view old_name, std::string_view new_name) {
  Object* o = get_mut(id);
  if (!o || builtin_prop(new_name) != BuiltinProp::None) return false;
  auto it = std::find_if(o->propdefs.begin(), o->propdefs.end(),
                         [&](const std::string& n) { return compare_ci(n, old_name) == 0; });
  if (it == o->propdefs.end()) return false;
  std::string okey = lower(old_name), nkey = lower(new_name);
  if (okey != nkey) {
    if (o->props.count(nkey)) return false;
    std::vector<int64_t> desc = descendants(id);
    for (int64_t d : desc)
      if (get(d)->props.count(nkey)) return false;
    desc.insert(desc.begin(), id);
    for (int64_t d : desc) {
      auto& props = get_mut(d)->props;
      auto node = props.extract(okey);
      if (node) {
        node.key() = nkey;
        props.insert(std::move(node));
      }
    }
  }
  *it = std::string(new_name);
  mark_dirty(id);  // descendants store values by position, not by name
  return true;
}

bool World::set_prop(int64_t id, std::string_view name, Value v) {
  PropSlot* s = find_slot_mut(id, name);
  if (!s) return false;
  s->value = std::move(v);
  mark_dirty(id);
  return true;
}

// ---- verbs -----------------------------------------------------------------

int World::add_verb(int64_t id, Verb v) {
  Object* o = get_mut(id);
  if (!o) return 0;
  o->verbs.push_back(std::move(v));
  mark_dirty(id);
  verbs_changed();
  return int(o->verbs.size());
}

// With cache_mu_ held. Bounded, as LambdaMOO's verb cache is: a program
// that calls verbs by made-up names would otherwise grow it for ever.
void World::remember_verb(const std::string& key, CacheEntry e) {
  constexpr size_t kMaxEntries = 100000;
  if (verb_cache_.size() >= kMaxEntries) verb_cache_.clear();
  verb_cache_[key] = e;
}

const Verb* World::find_callable_verb(int64_t id, std::string_view name, int64_t* definer) {
  // A speculation that changed verbs or parents may not use (or fill) the
  // shared cache; one that did not depends on every verb and parent as the
  // cache saw them (verbs_read: any change anywhere ends it).
  WorldTx* t = tx();
  bool cached = !t || !t->verbs_changed;
  if (t && !t->verbs_read) t->verbs_read = generation_;
  if (cached) {
    std::optional<CacheEntry> hit;
    {
      std::lock_guard<std::mutex> lk(cache_mu_);
      auto it = verb_cache_.find(verb_cache_key(id, name));
      if (it != verb_cache_.end()) {
        hit = it->second;
        ++(hit->definer == NOTHING ? vc_negative_hits_ : vc_hits_);
      } else {
        ++vc_misses_;
      }
    }
    // A miss is remembered too, as LambdaMOO's verb cache does: a command
    // asks #0 for a do_command verb LambdaCore does not have, every time.
    if (hit && hit->definer == NOTHING) return nullptr;
    if (hit) {
      const Object* d = get(hit->definer);
      if (d && hit->index < d->verbs.size()) {
        *definer = hit->definer;
        return &d->verbs[hit->index];
      }
    }
  }
  std::vector<int64_t> chain = ancestors(id);
  chain.insert(chain.begin(), id);
  for (int64_t a : chain) {
    const Object* o = get(a);
    if (!o) continue;
    for (size_t i = 0; i < o->verbs.size(); ++i) {
      const Verb& v = o->verbs[i];
      if ((v.perms & VF_EXEC) && verb_name_matches(v.names, name)) {
        if (cached) {
          std::lock_guard<std::mutex> lk(cache_mu_);
          remember_verb(verb_cache_key(id, name), CacheEntry{a, i});
        }
        *definer = a;
        return &v;
      }
    }
  }
  if (cached && valid(id)) {
    std::lock_guard<std::mutex> lk(cache_mu_);
    remember_verb(verb_cache_key(id, name), CacheEntry{NOTHING, 0});
  }
  return nullptr;
}

Verb* World::find_defined_verb(int64_t id, const Value& desc, int* index) {
  Object* o = get_mut(id);
  if (!o) return nullptr;
  if (desc.is_int()) {
    int64_t i = desc.as_int();
    if (i < 1 || i > int64_t(o->verbs.size())) return nullptr;
    if (index) *index = int(i - 1);
    return &o->verbs[size_t(i - 1)];
  }
  if (!desc.is_str()) return nullptr;
  for (size_t i = 0; i < o->verbs.size(); ++i)
    if (verb_name_matches(o->verbs[i].names, desc.as_str())) {
      if (index) *index = int(i);
      return &o->verbs[i];
    }
  return nullptr;
}

void World::delete_verb(int64_t id, int index0) {
  Object* o = get_mut(id);
  if (!o || index0 < 0 || size_t(index0) >= o->verbs.size()) return;
  o->verbs.erase(o->verbs.begin() + index0);
  mark_dirty(id);
  verbs_changed();
}

std::vector<std::string> World::set_verb_code(int64_t id, Verb& v, std::string source,
                                             std::optional<Syntax> syntax) {
  std::vector<std::string> errors = set_verb_code(v, std::move(source), syntax);
  if (errors.empty()) mark_dirty(id);
  return errors;
}

std::vector<std::string> World::set_verb_code(Verb& v, std::string source, std::optional<Syntax> syntax) {
  Syntax s = syntax.value_or(v.syntax);
  std::lock_guard<std::mutex> lk(programs_mu_);
  CompileResult r = programs_.get(source, s);
  std::vector<std::string> errors;
  if (!r.ok()) {
    for (auto& e : r.errors) errors.push_back(e.to_string());
    return errors;
  }
  v.source = std::move(source);
  v.syntax = s;
  v.program = r.program;
  v.has_program = true;
  return errors;
}

std::shared_ptr<const Program> World::program_of(const Verb& v) {
  std::lock_guard<std::mutex> lk(programs_mu_);
  if (!v.program) {
    CompileResult r = programs_.get(v.source, v.syntax);
    if (r.ok()) v.program = r.program;
  }
  return v.program;
}

size_t World::object_bytes(int64_t id) const {
  const Object* o = get(id);
  if (!o) return 0;
  size_t n = sizeof(Object) + o->name.size();
  n += (o->contents.size() + o->parents.size() + o->children.size()) * sizeof(int64_t);
  for (auto& p : o->propdefs) n += p.size() + sizeof(std::string);
  for (auto& [k, s] : o->props) n += sizeof(PropSlot) + k.size() + to_literal(s.value).size();
  for (auto& v : o->verbs) n += sizeof(Verb) + v.names.size() + v.source.size();
  return n;
}

// ---- WorldHost -----------------------------------------------------------------

Value WorldHost::get_property(int64_t obj, std::string_view name, int64_t progr) {
  const Object* o = world_.get(obj);
  if (!o) throw MooError(E_INVIND);
  BuiltinProp bp = builtin_prop(name);
  // bi_prop_protected (execute.c's OP_GET_PROP): wizards are exempt.
  if (bp != BuiltinProp::None && world_.builtin_prop_protected(bp) && !world_.is_wizard(progr))
    throw MooError(E_PERM);
  switch (bp) {
    case BuiltinProp::Name: return Value::str(o->name);
    case BuiltinProp::Owner: return Value::obj(o->owner);
    case BuiltinProp::Location: return Value::obj(o->location);
    case BuiltinProp::Contents: {
      Value l = Value::empty_list();
      for (int64_t c : o->contents) list_append(l, Value::obj(c));
      return l;
    }
    case BuiltinProp::Programmer: return Value::integer(o->has_flag(FLAG_PROGRAMMER));
    case BuiltinProp::Wizard: return Value::integer(o->has_flag(FLAG_WIZARD));
    case BuiltinProp::R: return Value::integer(o->has_flag(FLAG_READ));
    case BuiltinProp::W: return Value::integer(o->has_flag(FLAG_WRITE));
    case BuiltinProp::F: return Value::integer(o->has_flag(FLAG_FERTILE));
    case BuiltinProp::None: break;
  }
  const PropSlot* s = world_.find_slot(obj, name);
  if (!s) throw MooError(E_PROPNF);
  if (!((s->perms & PF_READ) || progr == s->owner || world_.is_wizard(progr))) throw MooError(E_PERM);
  return world_.slot_value(obj, name);
}

void WorldHost::set_property(int64_t obj, std::string_view name, Value v, int64_t progr) {
  const Object* ro = world_.get(obj);
  if (!ro) throw MooError(E_INVIND);
  bool wiz = world_.is_wizard(progr);
  BuiltinProp bp = builtin_prop(name);
  if (bp == BuiltinProp::None) {
    // Checked on the shared object, so that a denied write copies nothing.
    const PropSlot* rs = world_.find_slot(obj, name);
    if (!rs) throw MooError(E_PROPNF);
    if (!((rs->perms & PF_WRITE) || progr == rs->owner || wiz)) throw MooError(E_PERM);
  }
  Object* o = world_.get_mut(obj);
  switch (bp) {
    case BuiltinProp::None: {
      PropSlot* s = world_.find_slot_mut(obj, name);
      s->value = std::move(v);
      world_.mark_dirty(obj);
      return;
    }
    case BuiltinProp::Name:
      if (!v.is_str()) throw MooError(E_TYPE);
      if (!wiz && (o->has_flag(FLAG_USER) || progr != o->owner)) throw MooError(E_PERM);
      o->name = std::string(v.as_str());
      world_.mark_dirty(obj);
      return;
    case BuiltinProp::Owner:
      if (!v.is_obj()) throw MooError(E_TYPE);
      if (!wiz) throw MooError(E_PERM);
      o->owner = v.as_obj();
      world_.mark_dirty(obj);
      return;
    case BuiltinProp::Programmer:
    case BuiltinProp::Wizard:
      if (!wiz) throw MooError(E_PERM);
      o->set_flag(bp == BuiltinProp::Wizard ? FLAG_WIZARD : FLAG_PROGRAMMER, v.truthy());
      world_.mark_dirty(obj);
      return;
    case BuiltinProp::R:
    case BuiltinProp::W:
    case BuiltinProp::F:
      if (progr != o->owner && !wiz) throw MooError(E_PERM);
      o->set_flag(bp == BuiltinProp::R ? FLAG_READ : bp == BuiltinProp::W ? FLAG_WRITE : FLAG_FERTILE,
                  v.truthy());
      world_.mark_dirty(obj);
      return;
    case BuiltinProp::Location:
    case BuiltinProp::Contents:
      throw MooError(E_PERM);
  }
}

namespace {

VmHost::VerbTarget target_of(const Verb& v, std::shared_ptr<const Program> prog, int64_t definer) {
  VmHost::VerbTarget t;
  t.program = std::move(prog);
  t.definer = definer;
  t.owner = v.owner;
  t.name = v.names;
  t.debug = (v.perms & VF_DEBUG) != 0;
  return t;
}

}  // namespace

std::optional<VmHost::VerbTarget> WorldHost::find_verb(int64_t obj, std::string_view name, Error* err) {
  if (!world_.valid(obj)) {
    *err = E_INVIND;
    return std::nullopt;
  }
  int64_t definer = NOTHING;
  const Verb* v = world_.find_callable_verb(obj, name, &definer);
  std::shared_ptr<const Program> prog = v ? world_.program_of(*v) : nullptr;
  if (!prog) {
    *err = E_VERBNF;
    return std::nullopt;
  }
  *err = E_NONE;
  return target_of(*v, std::move(prog), definer);
}

std::optional<VmHost::VerbTarget> WorldHost::verb_at(int64_t definer, int index, Error* err) {
  const Object* d = world_.get(definer);
  if (!d) {
    *err = E_INVIND;
    return std::nullopt;
  }
  const Verb* v = index >= 0 && size_t(index) < d->verbs.size() ? &d->verbs[size_t(index)] : nullptr;
  std::shared_ptr<const Program> prog = v ? world_.program_of(*v) : nullptr;
  if (!prog) {
    *err = E_VERBNF;
    return std::nullopt;
  }
  *err = E_NONE;
  return target_of(*v, std::move(prog), definer);
}

std::optional<VmHost::VerbTarget> WorldHost::find_pass_verb(int64_t definer, std::string_view name,
                                                            Error* err) {
  const Object* d = world_.get(definer);
  *err = E_INVIND;
  if (!d) return std::nullopt;
  for (int64_t p : d->parents) {
    auto t = find_verb(p, name, err);
    if (t) return t;
  }
  return std::nullopt;
}

uint64_t World::next_instance() {
  static std::atomic<uint64_t> n{0};
  return ++n;
}

World& world_of(BuiltinContext& ctx) {
  if (!ctx.world) throw MooError(E_INVIND);
  return *static_cast<World*>(ctx.world);
}

}  // namespace echo
