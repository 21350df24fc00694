// The object builtins with LambdaMOO's argument checks, permission checks and
// errors (objects.c, property.c, verbs.c there), over the World given to the
// task (BuiltinContext::world). Permissions are ctx.progr's, checked in the
// world (ctx.wizard is not consulted).
//
// create() calls :initialize, recycle() :recycle, move() :accept, :exitfunc
// and :enterfunc through BuiltinContext::call (the VM runs the verb and calls
// the builtin again). verb_code() returns the stored source, not a decompiled
// program (no parens / indent options).
#include <algorithm>

#include "lang/builtins/helpers.h"
#include "lang/compiler.h"
#include "lang/world/world.h"

namespace echo {

namespace {

using bi::raise;

Value objlist(const std::vector<int64_t>& ids) {
  Value l = Value::empty_list();
  for (int64_t i : ids) list_append(l, Value::obj(i));
  return l;
}

Value ok() { return Value::integer(0); }

// A parent argument: an object or (ToastStunt) a list of objects.
std::vector<int64_t> parent_list(const Value& v) {
  std::vector<int64_t> out;
  if (v.is_obj()) {
    if (v.as_obj() != NOTHING) out.push_back(v.as_obj());
    return out;
  }
  if (!v.is_list()) raise(E_TYPE);
  for (uint32_t i = 0; i < v.list_len(); ++i) {
    if (!v.list_at(i).is_obj()) raise(E_TYPE);
    out.push_back(v.list_at(i).as_obj());
  }
  return out;
}

// ---- objects ----

Value bf_valid(BuiltinContext& ctx, std::span<Value> a) {
  if (!ctx.world) return Value::integer(0);
  return Value::integer(world_of(ctx).valid(a[0].as_obj()));
}

Value bf_max_object(BuiltinContext& ctx, std::span<Value>) {
  return Value::obj(world_of(ctx).max_object());
}

// Asks the VM to call obj:verb(@args) and to call the builtin again with its
// result (BuiltinContext::call); `stage` comes back as ctx.state. Only when
// the verb exists: LambdaMOO's builtins carry on when it does not (E_VERBNF).
bool call_if_defined(BuiltinContext& ctx, World& w, int64_t obj, const char* verb, Value args, Value stage) {
  int64_t def;
  if (!w.valid(obj) || !w.find_callable_verb(obj, verb, &def)) return false;
  ctx.call = BuiltinContext::VerbCall{obj, verb, std::move(args), std::move(stage), false, nullptr};
  return true;
}

// quota.c: a valid owner's `ownership_quota` (found as db_find_property does,
// the value inherited when clear; stored on the owner's own slot), when an
// INT, is decremented by create() (E_QUOTA when <= 0) and incremented by
// recycle(). Any other owner, or no such property or value, is unlimited.
bool decr_quota(World& w, int64_t owner) {
  if (!w.valid(owner) || !w.find_slot(owner, "ownership_quota")) return true;
  Value v = w.slot_value(owner, "ownership_quota");
  if (!v.is_int()) return true;
  if (v.as_int() <= 0) return false;
  w.set_prop(owner, "ownership_quota", Value::integer(v.as_int() - 1));
  return true;
}

void incr_quota(World& w, int64_t owner) {
  if (!w.valid(owner) || !w.find_slot(owner, "ownership_quota")) return;
  Value v = w.slot_value(owner, "ownership_quota");
  if (!v.is_int()) return;
  w.set_prop(owner, "ownership_quota", Value::integer(int64_t(uint64_t(v.as_int()) + 1)));  // wraps as C does
}

Value bf_create(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (ctx.resumed) return ctx.state;  // back from :initialize
  std::vector<int64_t> parents = parent_list(a[0]);
  if (a.size() == 2 && !a[1].is_obj()) raise(E_TYPE);
  int64_t owner = a.size() == 2 ? a[1].as_obj() : ctx.progr;
  for (int64_t p : parents)
    if (w.valid(p) ? !w.object_allows(p, ctx.progr, FLAG_FERTILE) : true) raise(E_PERM);
  if (owner != ctx.progr && !w.is_wizard(ctx.progr)) raise(E_PERM);
  if (w.valid(owner) && !decr_quota(w, owner)) raise(E_QUOTA);
  int64_t id = w.create({}, owner);
  if (!w.change_parents(id, parents)) {  // only with several parents that clash
    w.recycle(id);
    incr_quota(w, owner);  // nothing was made
    raise(E_INVARG);
  }
  call_if_defined(ctx, w, id, "initialize", Value::empty_list(), Value::obj(id));
  return Value::obj(id);
}

// After :recycle (LambdaMOO's bf_recycle): each content is moved to #-1 and
// the object's :exitfunc called with it; then the object itself leaves its
// location (that location's :exitfunc); each call comes back here.
Value bf_recycle(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t id = a[0].as_obj();
  if (!ctx.resumed) {
    if (!w.valid(id)) raise(E_INVARG);
    if (!w.controls(ctx.progr, id)) raise(E_PERM);
    if (call_if_defined(ctx, w, id, "recycle", Value::empty_list(), Value::integer(2))) return ok();
  }
  if (!w.valid(id)) return ok();  // :recycle or an :exitfunc recycled it already
  while (!w.get(id)->contents.empty()) {
    int64_t c = w.get(id)->contents.front();
    w.move(c, NOTHING);
    if (call_if_defined(ctx, w, id, "exitfunc", make_list({Value::obj(c)}), Value::integer(2))) return ok();
  }
  if (int64_t loc = w.get(id)->location; loc != NOTHING) {
    w.move(id, NOTHING);
    if (call_if_defined(ctx, w, loc, "exitfunc", make_list({Value::obj(id)}), Value::integer(2))) return ok();
  }
  incr_quota(w, w.get(id)->owner);
  w.recycle(id);
  return ok();
}

Value bf_parent(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  const Object* o = w.get(a[0].as_obj());
  if (!o) raise(E_INVARG);
  return Value::obj(o->parents.empty() ? NOTHING : o->parents.front());
}

Value bf_parents(BuiltinContext& ctx, std::span<Value> a) {
  const Object* o = world_of(ctx).get(a[0].as_obj());
  if (!o) raise(E_INVARG);
  return objlist(o->parents);
}

Value bf_children(BuiltinContext& ctx, std::span<Value> a) {
  const Object* o = world_of(ctx).get(a[0].as_obj());
  if (!o) raise(E_INVARG);
  return objlist(o->children);
}

void do_chparents(BuiltinContext& ctx, int64_t what, const std::vector<int64_t>& parents) {
  World& w = world_of(ctx);
  if (!w.valid(what)) raise(E_INVARG);
  for (int64_t p : parents)
    if (!w.valid(p)) raise(E_INVARG);
  if (!w.controls(ctx.progr, what)) raise(E_PERM);
  for (int64_t p : parents)
    if (!w.object_allows(p, ctx.progr, FLAG_FERTILE)) raise(E_PERM);
  for (int64_t p : parents)
    if (w.is_a(p, what)) raise(E_RECMOVE);
  if (!w.change_parents(what, parents)) raise(E_INVARG);
}

Value bf_chparent(BuiltinContext& ctx, std::span<Value> a) {
  do_chparents(ctx, a[0].as_obj(), parent_list(a[1]));
  return ok();
}

Value bf_chparents(BuiltinContext& ctx, std::span<Value> a) {
  do_chparents(ctx, a[0].as_obj(), parent_list(a[1]));
  return ok();
}

Value bf_ancestors(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t id = a[0].as_obj();
  if (!w.valid(id)) raise(E_INVARG);
  std::vector<int64_t> r = w.ancestors(id);
  if (a.size() > 1 && a[1].truthy()) r.insert(r.begin(), id);
  return objlist(r);
}

Value bf_descendants(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t id = a[0].as_obj();
  if (!w.valid(id)) raise(E_INVARG);
  std::vector<int64_t> r = w.descendants(id);
  if (a.size() > 1 && a[1].truthy()) r.insert(r.begin(), id);
  return objlist(r);
}

Value bf_isa(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t id = a[0].as_obj();
  if (!w.valid(id)) return Value::integer(0);
  for (int64_t p : parent_list(a[1]))
    if (w.is_a(id, p)) return Value::integer(1);
  return Value::integer(0);
}

Value bf_players(BuiltinContext& ctx, std::span<Value>) { return objlist(world_of(ctx).players()); }

Value bf_is_player(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.valid(a[0].as_obj())) raise(E_INVARG);
  return Value::integer(w.is_player(a[0].as_obj()));
}

Value bf_set_player_flag(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.valid(a[0].as_obj())) raise(E_INVARG);
  if (!w.is_wizard(ctx.progr)) raise(E_PERM);
  w.set_player_flag(a[0].as_obj(), a[1].truthy());  // (booting the player: with the network layer)
  return ok();
}

Value bf_renumber(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.valid(a[0].as_obj())) raise(E_INVARG);
  if (!w.is_wizard(ctx.progr)) raise(E_PERM);
  return Value::obj(w.renumber(a[0].as_obj()));
}

Value bf_reset_max_object(BuiltinContext& ctx, std::span<Value>) {
  World& w = world_of(ctx);
  if (!w.is_wizard(ctx.progr)) raise(E_PERM);
  w.reset_max_object();
  return ok();
}

Value bf_object_bytes(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.is_wizard(ctx.progr)) raise(E_PERM);
  if (!w.valid(a[0].as_obj())) raise(E_INVIND);
  return Value::integer(int64_t(w.object_bytes(a[0].as_obj())));
}

// do_move's stages: 0 first call, 1 back from :accept, 2 back from
// :exitfunc, 3 back from :enterfunc.
Value bf_move(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t what = a[0].as_obj(), where = a[1].as_obj();
  int64_t stage = ctx.resumed && ctx.state.is_int() ? ctx.state.as_int() : 0;
  Value whatlist = make_list({Value::obj(what)});
  if (stage == 0 || stage == 1) {
    bool accepts = true;
    if (stage == 0) {
      if (!w.valid(what) || (!w.valid(where) && where != NOTHING)) raise(E_INVARG);
      if (!w.controls(ctx.progr, what)) raise(E_PERM);
      if (where != NOTHING) {
        if (call_if_defined(ctx, w, where, "accept", whatlist, Value::integer(1))) return ok();
        accepts = false;  // no :accept verb
      }
    } else {
      accepts = ctx.resume_value.truthy();
    }
    if (!w.is_wizard(ctx.progr) && !accepts) raise(E_NACC);
    if (!w.valid(what) || (where != NOTHING && !w.valid(where)) || w.get(what)->location == where)
      return ok();
    for (int64_t o = where; o != NOTHING; o = w.get(o)->location)
      if (o == what) raise(E_RECMOVE);
    int64_t oldloc = w.get(what)->location;
    w.move(what, where);
    if (call_if_defined(ctx, w, oldloc, "exitfunc", whatlist, Value::integer(2))) return ok();
    stage = 2;
  }
  if (stage == 2) {
    if (w.valid(where) && w.valid(what) && w.get(what)->location == where &&
        call_if_defined(ctx, w, where, "enterfunc", whatlist, Value::integer(3)))
      return ok();
  }
  return ok();
}

// ---- properties ----

const char* perm_string(uint8_t perms, const char* letters, int n, char* buf) {
  int k = 0;
  for (int i = 0; i < n; ++i)
    if (perms & (1u << i)) buf[k++] = letters[i];
  buf[k] = 0;
  return buf;
}

Value bf_properties(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  const Object* o = w.get(a[0].as_obj());
  if (!o) raise(E_INVARG);
  if (!w.object_allows(o->id, ctx.progr, FLAG_READ)) raise(E_PERM);
  Value l = Value::empty_list();
  for (const auto& n : o->propdefs) list_append(l, Value::str(n));
  return l;
}

bool prop_allows(World& w, const PropSlot& s, int64_t progr, uint8_t flag) {
  return (s.perms & flag) || progr == s.owner || w.is_wizard(progr);
}

Value bf_property_info(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.valid(a[0].as_obj())) raise(E_INVARG);
  if (builtin_prop(a[1].as_str()) != BuiltinProp::None) raise(E_PROPNF);
  const PropSlot* s = w.find_slot(a[0].as_obj(), a[1].as_str());
  if (!s) raise(E_PROPNF);
  if (!prop_allows(w, *s, ctx.progr, PF_READ)) raise(E_PERM);
  char buf[4];
  return make_list({Value::obj(s->owner), Value::str(perm_string(s->perms, "rwc", 3, buf))});
}

// validate_prop_info: {owner, perms [, new-name]}.
Error parse_prop_info(World& w, const Value& v, int64_t* owner, uint8_t* perms, const Value** name) {
  uint32_t n = v.is_list() ? v.list_len() : 0;
  if (!((n == 2 || n == 3) && v.list_at(0).is_obj() && v.list_at(1).is_str() &&
        (n == 2 || v.list_at(2).is_str())))
    return E_TYPE;
  *owner = v.list_at(0).as_obj();
  if (!w.valid(*owner)) return E_INVARG;
  *perms = 0;
  for (char c : v.list_at(1).as_str()) {
    switch (c) {
      case 'r': case 'R': *perms |= PF_READ; break;
      case 'w': case 'W': *perms |= PF_WRITE; break;
      case 'c': case 'C': *perms |= PF_CHOWN; break;
      default: return E_INVARG;
    }
  }
  *name = n == 3 ? &v.list_at(2) : nullptr;
  return E_NONE;
}

Value bf_set_property_info(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t oid = a[0].as_obj();
  if (!w.valid(oid)) raise(E_INVARG);
  int64_t owner;
  uint8_t perms;
  const Value* name;
  Error e = parse_prop_info(w, a[2], &owner, &perms, &name);
  if (e != E_NONE) raise(e);
  if (builtin_prop(a[1].as_str()) != BuiltinProp::None) raise(E_PROPNF);
  const PropSlot* s = w.find_slot(oid, a[1].as_str());
  if (!s) raise(E_PROPNF);
  if (!prop_allows(w, *s, ctx.progr, PF_WRITE) || (!w.is_wizard(ctx.progr) && s->owner != owner))
    raise(E_PERM);
  std::string pname(a[1].as_str());
  if (name) {
    // db_rename_propdef: only on the definer.
    if (s->definer != oid || !w.rename_propdef(oid, pname, name->as_str())) raise(E_INVARG);
    pname = std::string(name->as_str());
  }
  PropSlot* ms = w.find_slot_mut(oid, pname);
  ms->owner = owner;
  ms->perms = perms;
  w.mark_dirty(oid);
  return ok();
}

Value bf_add_property(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t owner;
  uint8_t perms;
  const Value* name;
  Error e = parse_prop_info(w, a[3], &owner, &perms, &name);
  if (e == E_NONE && name) e = E_TYPE;
  else if (e == E_NONE && !w.valid(a[0].as_obj())) e = E_INVARG;
  else if (e == E_NONE && (!w.object_allows(a[0].as_obj(), ctx.progr, FLAG_WRITE) ||
                           (ctx.progr != owner && !w.is_wizard(ctx.progr))))
    e = E_PERM;
  else if (e == E_NONE && !w.add_propdef(a[0].as_obj(), a[1].as_str(), a[2], owner, perms))
    e = E_INVARG;
  if (e != E_NONE) raise(e);
  return ok();
}

Value bf_delete_property(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.valid(a[0].as_obj())) raise(E_INVARG);
  if (!w.object_allows(a[0].as_obj(), ctx.progr, FLAG_WRITE)) raise(E_PERM);
  if (!w.delete_propdef(a[0].as_obj(), a[1].as_str())) raise(E_PROPNF);
  return ok();
}

Value bf_clear_property(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t oid = a[0].as_obj();
  if (!w.valid(oid)) raise(E_INVARG);
  if (builtin_prop(a[1].as_str()) != BuiltinProp::None) raise(E_PERM);
  const PropSlot* s = w.find_slot(oid, a[1].as_str());
  if (!s) raise(E_PROPNF);
  if (ctx.progr != s->owner && !w.is_wizard(ctx.progr)) raise(E_PERM);
  if (s->definer == oid) raise(E_INVARG);
  w.find_slot_mut(oid, a[1].as_str())->value = Value::clear();
  w.mark_dirty(oid);
  return ok();
}

Value bf_is_clear_property(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t oid = a[0].as_obj();
  if (!w.valid(oid)) raise(E_INVARG);
  if (builtin_prop(a[1].as_str()) != BuiltinProp::None) return Value::integer(0);
  const PropSlot* s = w.find_slot(oid, a[1].as_str());
  if (!s) raise(E_PROPNF);
  if (!prop_allows(w, *s, ctx.progr, PF_READ)) raise(E_PERM);
  return Value::integer(s->value.type() == Type::Clear);
}

// ---- verbs ----

Error check_desc(const Value& d) {
  if (d.is_str()) return E_NONE;
  if (!d.is_int()) return E_TYPE;
  return d.as_int() <= 0 ? E_INVARG : E_NONE;
}

bool verb_allows(World& w, const Verb& v, int64_t progr, uint8_t flag) {
  return (v.perms & flag) || progr == v.owner || w.is_wizard(progr);
}

// validate_verb_info: {owner, perms, names}.
Error parse_verb_info(World& w, const Value& v, int64_t* owner, uint8_t* perms, std::string* names) {
  if (!(v.is_list() && v.list_len() == 3 && v.list_at(0).is_obj() && v.list_at(1).is_str() &&
        v.list_at(2).is_str()))
    return E_TYPE;
  *owner = v.list_at(0).as_obj();
  if (!w.valid(*owner)) return E_INVARG;
  *perms = 0;
  for (char c : v.list_at(1).as_str()) {
    switch (c) {
      case 'r': case 'R': *perms |= VF_READ; break;
      case 'w': case 'W': *perms |= VF_WRITE; break;
      case 'x': case 'X': *perms |= VF_EXEC; break;
      case 'd': case 'D': *perms |= VF_DEBUG; break;
      default: return E_INVARG;
    }
  }
  std::string_view n = v.list_at(2).as_str();
  while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
  if (n.empty()) return E_INVARG;
  *names = std::string(n);
  return E_NONE;
}

bool match_argspec(std::string_view s, int8_t* spec) {
  if (compare_ci(s, "none") == 0) *spec = ASPEC_NONE;
  else if (compare_ci(s, "any") == 0) *spec = ASPEC_ANY;
  else if (compare_ci(s, "this") == 0) *spec = ASPEC_THIS;
  else return false;
  return true;
}

Error parse_verb_args(const Value& v, int8_t* dobj, int* prep, int8_t* iobj) {
  if (!(v.is_list() && v.list_len() == 3 && v.list_at(0).is_str() && v.list_at(1).is_str() &&
        v.list_at(2).is_str()))
    return E_TYPE;
  std::string_view p = v.list_at(1).as_str();
  if (compare_ci(p, "none") == 0) *prep = PREP_NONE;
  else if (compare_ci(p, "any") == 0) *prep = PREP_ANY;
  else if ((*prep = match_prep(p)) == PREP_NONE) return E_INVARG;
  if (!match_argspec(v.list_at(0).as_str(), dobj) || !match_argspec(v.list_at(2).as_str(), iobj))
    return E_INVARG;
  return E_NONE;
}

const char* argspec_name(int8_t s) { return s == ASPEC_ANY ? "any" : s == ASPEC_THIS ? "this" : "none"; }

// The common prologue of verb_info, verb_args, verb_code: descriptor, object, verb.
Verb& described_verb(World& w, std::span<Value> a, int* index = nullptr) {
  Error e = check_desc(a[1]);
  if (e != E_NONE) raise(e);
  if (!w.valid(a[0].as_obj())) raise(E_INVARG);
  Verb* v = w.find_defined_verb(a[0].as_obj(), a[1], index);
  if (!v) raise(E_VERBNF);
  return *v;
}

Value bf_verbs(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  const Object* o = w.get(a[0].as_obj());
  if (!o) raise(E_INVARG);
  if (!w.object_allows(o->id, ctx.progr, FLAG_READ)) raise(E_PERM);
  Value l = Value::empty_list();
  for (const auto& v : o->verbs) list_append(l, Value::str(v.names));
  return l;
}

Value bf_verb_info(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Verb& v = described_verb(w, a);
  if (!verb_allows(w, v, ctx.progr, VF_READ)) raise(E_PERM);
  char buf[5];
  return make_list({Value::obj(v.owner), Value::str(perm_string(v.perms, "rwxd", 4, buf)), Value::str(v.names)});
}

Value bf_set_verb_info(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Error e = check_desc(a[1]);
  if (e == E_NONE && !w.valid(a[0].as_obj())) e = E_INVARG;
  int64_t owner;
  uint8_t perms;
  std::string names;
  if (e == E_NONE) e = parse_verb_info(w, a[2], &owner, &perms, &names);
  if (e != E_NONE) raise(e);
  Verb* v = w.find_defined_verb(a[0].as_obj(), a[1]);
  if (!v) raise(E_VERBNF);
  if (!verb_allows(w, *v, ctx.progr, VF_WRITE) || (!w.is_wizard(ctx.progr) && v->owner != owner)) raise(E_PERM);
  v->owner = owner;
  v->perms = perms;
  v->names = std::move(names);
  w.mark_dirty(a[0].as_obj());
  w.verbs_changed();
  return ok();
}

Value bf_verb_args(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Verb& v = described_verb(w, a);
  if (!verb_allows(w, v, ctx.progr, VF_READ)) raise(E_PERM);
  return make_list({Value::str(argspec_name(v.dobj)), Value::str(unparse_prep(v.prep)),
                    Value::str(argspec_name(v.iobj))});
}

Value bf_set_verb_args(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Error e = check_desc(a[1]);
  if (e == E_NONE && !w.valid(a[0].as_obj())) e = E_INVARG;
  int8_t dobj = 0, iobj = 0;
  int prep = PREP_NONE;
  if (e == E_NONE) e = parse_verb_args(a[2], &dobj, &prep, &iobj);
  if (e != E_NONE) raise(e);
  Verb* v = w.find_defined_verb(a[0].as_obj(), a[1]);
  if (!v) raise(E_VERBNF);
  if (!verb_allows(w, *v, ctx.progr, VF_WRITE)) raise(E_PERM);
  v->dobj = dobj;
  v->prep = prep;
  v->iobj = iobj;
  w.mark_dirty(a[0].as_obj());
  return ok();
}

Value bf_add_verb(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Verb v;
  Error e = parse_verb_info(w, a[1], &v.owner, &v.perms, &v.names);
  if (e == E_NONE) e = parse_verb_args(a[2], &v.dobj, &v.prep, &v.iobj);
  if (e == E_NONE && !w.valid(a[0].as_obj())) e = E_INVARG;
  if (e == E_NONE && (!w.object_allows(a[0].as_obj(), ctx.progr, FLAG_WRITE) ||
                      (ctx.progr != v.owner && !w.is_wizard(ctx.progr))))
    e = E_PERM;
  if (e != E_NONE) raise(e);
  return Value::integer(w.add_verb(a[0].as_obj(), std::move(v)));
}

Value bf_delete_verb(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Error e = check_desc(a[1]);
  if (e != E_NONE) raise(e);
  if (!w.valid(a[0].as_obj())) raise(E_INVARG);
  if (!w.object_allows(a[0].as_obj(), ctx.progr, FLAG_WRITE)) raise(E_PERM);
  int index = -1;
  if (!w.find_defined_verb(a[0].as_obj(), a[1], &index)) raise(E_VERBNF);
  w.delete_verb(a[0].as_obj(), index);
  return ok();
}

// Text as a list of its lines (no trailing empty line).
Value line_list(std::string_view s) {
  Value l = Value::empty_list();
  while (!s.empty()) {
    size_t nl = s.find('\n');
    list_append(l, Value::str(s.substr(0, nl)));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return l;
}

// disassemble(obj, verb): LambdaMOO's checks (disassemble.c: the descriptor,
// then E_INVARG for an invalid object, E_VERBNF, E_PERM unless readable), but
// the lines are Echo's own disassembly (Program::disassemble()): the bytecode
// is not LambdaMOO's. A verb with no code disassembles as the empty program.
Value bf_disassemble(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Verb& v = described_verb(w, a);
  if (!verb_allows(w, v, ctx.progr, VF_READ)) raise(E_PERM);
  std::shared_ptr<const Program> prog = w.program_of(v);
  return line_list(prog ? prog->disassemble() : std::string());
}

// verb_syntax(obj, verb): "moo" or "echo", the syntax of the verb's code.
Value bf_verb_syntax(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Verb& v = described_verb(w, a);
  if (!verb_allows(w, v, ctx.progr, VF_READ)) raise(E_PERM);
  return Value::str(syntax_name(v.syntax));
}

Value bf_verb_code(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  Verb& v = described_verb(w, a);
  if (!verb_allows(w, v, ctx.progr, VF_READ)) raise(E_PERM);
  return line_list(v.source);
}

// set_verb_code(obj, verb, lines [, syntax]): Echo's fourth argument, "moo"
// or "echo", sets the verb's syntax; without it the verb keeps its own.
Value bf_set_verb_code(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  std::optional<Syntax> syntax;
  if (a.size() > 3) {
    Syntax s;
    if (!syntax_from_name(a[3].as_str(), &s)) throw MooError(E_INVARG, "the syntax is \"moo\" or \"echo\"");
    syntax = s;
  }
  for (uint32_t i = 0; i < a[2].list_len(); ++i)
    if (!a[2].list_at(i).is_str()) raise(E_TYPE);
  Verb& v = described_verb(w, a);
  if (!w.is_programmer(ctx.progr) || !verb_allows(w, v, ctx.progr, VF_WRITE)) raise(E_PERM);
  std::string source;
  for (uint32_t i = 0; i < a[2].list_len(); ++i) {
    if (i) source += '\n';
    source.append(a[2].list_at(i).as_str());
  }
  Value errs = Value::empty_list();
  for (auto& e : w.set_verb_code(a[0].as_obj(), v, std::move(source), syntax)) list_append(errs, Value::str(e));
  return errs;
}

}  // namespace

// eval(code...): each argument a line; compiled and run as a frame of this
// task with the caller's permissions. {1, value} or {0, errors}, as
// LambdaMOO's bf_eval (programmers only).
// ---- ToastStunt's object queries (objects.cc, verbs.cc there) ----

// locations(obj [, stop [, is_parent]]): the enclosing locations, innermost
// first, up to (not including) `stop`, or the first one descending from it
// when is_parent is true. #0 as `stop` means none, as in ToastStunt.
Value bf_locations(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t what = a[0].as_obj();
  int64_t stop = a.size() > 1 ? a[1].as_obj() : 0;
  bool is_parent = a.size() > 2 && a[2].truthy();
  if (!w.valid(what)) raise(E_INVIND);
  Value out = Value::empty_list();
  std::vector<int64_t> seen;
  for (int64_t loc = w.get(what)->location; w.valid(loc); loc = w.get(loc)->location) {
    if (stop && (is_parent ? w.is_a(loc, stop) : loc == stop)) break;
    if (std::find(seen.begin(), seen.end(), loc) != seen.end()) break;  // setadd: no repeats
    seen.push_back(loc);
    list_append(out, Value::obj(loc));
  }
  return out;
}

// occupants(objects [, parent(s) [, player_flag [, inverse]]]): the objects
// (all valid) descending from one of the parents (or, inverse, from none),
// and with the player flag when asked (always with one argument).
Value bf_occupants(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  bool check_parent = a.size() > 1;
  bool check_player = a.size() == 1 || (a.size() > 2 && a[2].truthy());
  bool inverse = a.size() > 3 && a[3].truthy();
  std::vector<int64_t> parents;
  if (check_parent) {
    const Value& p = a[1];
    if (p.is_obj()) {
      parents.push_back(p.as_obj());
    } else if (p.is_list()) {
      for (uint32_t i = 0; i < p.list_len(); ++i) {
        if (!p.list_at(i).is_obj()) raise(E_TYPE);
        parents.push_back(p.list_at(i).as_obj());
      }
    } else {
      raise(E_TYPE);
    }
  }
  const Value& objs = a[0];
  for (uint32_t i = 0; i < objs.list_len(); ++i)
    if (!objs.list_at(i).is_obj() || !w.valid(objs.list_at(i).as_obj())) raise(E_INVARG);
  Value out = Value::empty_list();
  std::vector<int64_t> seen;
  for (uint32_t i = 0; i < objs.list_len(); ++i) {
    int64_t o = objs.list_at(i).as_obj();
    if (check_parent) {
      bool any = false;
      for (int64_t p : parents) any = any || w.is_a(o, p);
      if (any == inverse) continue;
    }
    if (check_player && !w.is_player(o)) continue;
    if (std::find(seen.begin(), seen.end(), o) != seen.end()) continue;
    seen.push_back(o);
    list_append(out, Value::obj(o));
  }
  return out;
}

// recycled_objects(): every number up to max_object() with no object.
Value bf_recycled_objects(BuiltinContext& ctx, std::span<Value>) {
  World& w = world_of(ctx);
  Value out = Value::empty_list();
  for (int64_t i = 0; i <= w.max_object(); ++i)
    if (!w.valid(i)) list_append(out, Value::obj(i));
  return out;
}

// next_recycled_object([start]): the first free number from start (#0) below
// max_object(), or 0 when there is none; E_INVARG outside 0..max_object().
Value bf_next_recycled_object(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t i = a.empty() ? 0 : a[0].as_obj();
  int64_t max = w.max_object();
  if (i > max || i < 0) raise(E_INVARG);
  for (; i < max; ++i)
    if (!w.valid(i)) return Value::obj(i);
  return Value::integer(0);
}

// owned_objects(who): every object whose owner is `who`.
Value bf_owned_objects(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t who = a[0].as_obj();
  if (!w.valid(who)) raise(E_INVIND);
  Value out = Value::empty_list();
  for (int64_t i = 0; i <= w.max_object(); ++i)
    if (w.valid(i) && w.get(i)->owner == who) list_append(out, Value::obj(i));
  return out;
}

// all_contents(obj): the contents, then theirs, breadth first. For #-1, every
// object from #1 up that is nowhere.
Value bf_all_contents(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  int64_t o = a[0].as_obj();
  Value out = Value::empty_list();
  if (o == NOTHING) {
    for (int64_t i = 1; i <= w.max_object(); ++i)
      if (w.valid(i) && w.get(i)->location == NOTHING) list_append(out, Value::obj(i));
    return out;
  }
  if (!w.valid(o)) raise(E_INVIND);
  std::vector<int64_t> all = w.get(o)->contents;
  for (size_t i = 0; i < all.size(); ++i) {
    check_list_length(all.size());
    if (const Object* c = w.get(all[i])) all.insert(all.end(), c->contents.begin(), c->contents.end());
  }
  return objlist(all);
}

// respond_to(obj, verb): 0 when no callable verb has the name; else
// {definer, names} when obj is readable by the caller, 1 when it is not.
Value bf_respond_to(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!a[0].is_obj()) raise(E_TYPE);
  int64_t o = a[0].as_obj();
  if (!w.valid(o)) raise(E_INVARG);
  int64_t definer = NOTHING;
  const Verb* v = w.find_callable_verb(o, a[1].as_str(), &definer);
  if (!v) return Value::integer(0);
  if (!w.object_allows(o, ctx.progr, FLAG_READ)) return Value::integer(1);
  return make_list({Value::obj(definer), Value::str(v->names)});
}

Value bf_eval(BuiltinContext& ctx, std::span<Value> a) {
  if (ctx.resumed) return make_list({Value::integer(1), ctx.resume_value});
  if (ctx.world && !world_of(ctx).is_programmer(ctx.progr)) raise(E_PERM);
  std::string src;
  for (auto& v : a) {
    if (!v.is_str()) raise(E_TYPE);
    src.append(v.as_str()).push_back('\n');
  }
  CompileResult r = compile_moo(src);
  if (!r.ok()) {
    Value errors = Value::empty_list();
    for (auto& e : r.errors) list_append(errors, Value::str(e.to_string()));
    return make_list({Value::integer(0), errors});
  }
  ctx.call = BuiltinContext::VerbCall{-1, "", Value::empty_list(), Value::integer(0), false, r.program};
  return ok();
}

void register_object_builtins(Builtins& b) {
  b.add({"eval", 1, -1, {}, bf_eval});
  using T = ArgType;
  b.add({"valid", 1, 1, {T::Obj}, bf_valid});
  b.add({"locations", 1, 3, {T::Obj, T::Obj, T::Int}, bf_locations});
  b.add({"occupants", 1, 4, {T::List, T::Any, T::Int, T::Int}, bf_occupants});
  b.add({"recycled_objects", 0, 0, {}, bf_recycled_objects});
  b.add({"next_recycled_object", 0, 1, {T::Obj}, bf_next_recycled_object});
  b.add({"owned_objects", 1, 1, {T::Obj}, bf_owned_objects});
  b.add({"all_contents", 1, 1, {T::Obj}, bf_all_contents});
  b.add({"respond_to", 2, 2, {T::Any, T::Str}, bf_respond_to});
  b.add({"max_object", 0, 0, {}, bf_max_object});
  b.add({"create", 1, 2, {T::Any, T::Obj}, bf_create});
  b.add({"recycle", 1, 1, {T::Obj}, bf_recycle});
  b.add({"parent", 1, 1, {T::Obj}, bf_parent});
  b.add({"parents", 1, 1, {T::Obj}, bf_parents});
  b.add({"children", 1, 1, {T::Obj}, bf_children});
  b.add({"chparent", 2, 2, {T::Obj, T::Obj}, bf_chparent});
  b.add({"chparents", 2, 2, {T::Obj, T::List}, bf_chparents});
  b.add({"ancestors", 1, 2, {T::Obj}, bf_ancestors});
  b.add({"descendants", 1, 2, {T::Obj}, bf_descendants});
  b.add({"isa", 2, 2, {T::Obj}, bf_isa});
  b.add({"players", 0, 0, {}, bf_players});
  b.add({"is_player", 1, 1, {T::Obj}, bf_is_player});
  b.add({"set_player_flag", 2, 2, {T::Obj, T::Any}, bf_set_player_flag});
  b.add({"renumber", 1, 1, {T::Obj}, bf_renumber});
  b.add({"reset_max_object", 0, 0, {}, bf_reset_max_object});
  b.add({"object_bytes", 1, 1, {T::Obj}, bf_object_bytes});
  b.add({"move", 2, 2, {T::Obj, T::Obj}, bf_move});
  b.add({"properties", 1, 1, {T::Obj}, bf_properties});
  b.add({"property_info", 2, 2, {T::Obj, T::Str}, bf_property_info});
  b.add({"set_property_info", 3, 3, {T::Obj, T::Str, T::List}, bf_set_property_info});
  b.add({"add_property", 4, 4, {T::Obj, T::Str, T::Any, T::List}, bf_add_property});
  b.add({"delete_property", 2, 2, {T::Obj, T::Str}, bf_delete_property});
  b.add({"clear_property", 2, 2, {T::Obj, T::Str}, bf_clear_property});
  b.add({"is_clear_property", 2, 2, {T::Obj, T::Str}, bf_is_clear_property});
  b.add({"verbs", 1, 1, {T::Obj}, bf_verbs});
  b.add({"verb_info", 2, 2, {T::Obj, T::Any}, bf_verb_info});
  b.add({"set_verb_info", 3, 3, {T::Obj, T::Any, T::List}, bf_set_verb_info});
  b.add({"verb_args", 2, 2, {T::Obj, T::Any}, bf_verb_args});
  b.add({"set_verb_args", 3, 3, {T::Obj, T::Any, T::List}, bf_set_verb_args});
  b.add({"add_verb", 3, 3, {T::Obj, T::List, T::List}, bf_add_verb});
  b.add({"delete_verb", 2, 2, {T::Obj, T::Any}, bf_delete_verb});
  b.add({"verb_code", 2, 4, {T::Obj, T::Any}, bf_verb_code});
  b.add({"disassemble", 2, 2, {T::Obj, T::Any}, bf_disassemble});
  b.add({"set_verb_code", 3, 4, {T::Obj, T::Any, T::List, T::Str}, bf_set_verb_code});
  b.add({"verb_syntax", 2, 2, {T::Obj, T::Any}, bf_verb_syntax});
}

}  // namespace echo
