// Built-in relations over a World for the Datalog engine (query_relations.h).
#include "lang/world/query_relations.h"

namespace echo {

using datalog::Emit;

namespace {

// The object a bound argument names: -2 when the argument is unbound, -3
// when it is bound to something that is not an object (matches nothing).
constexpr int64_t kUnbound = -2, kNoMatch = -3;

int64_t arg_obj(const std::optional<Value>& a) {
  if (!a) return kUnbound;
  return a->is_obj() ? a->as_obj() : kNoMatch;
}

bool pair(const Emit& emit, int64_t a, int64_t b) {
  Value t[2] = {Value::obj(a), Value::obj(b)};
  return emit(std::span<const Value>(t, 2));
}

// Enumerates the binary relation x -> f(x) where f gives one value per
// object (location, owner): by x when bound, else by scanning the world.
template <class F>
void functional(const World& w, int64_t x, int64_t y, const Emit& emit, F&& f) {
  if (x != kUnbound) {
    const Object* o = w.get(x);
    if (o && (y == kUnbound || f(*o) == y)) pair(emit, x, f(*o));
    return;
  }
  for (int64_t id = 0; id <= w.max_object(); ++id)
    if (const Object* o = w.get(id))
      if (y == kUnbound || f(*o) == y)
        if (!pair(emit, id, f(*o))) return;
}

}  // namespace

bool WorldRelations::has_relation(std::string_view name, size_t arity) const {
  return arity == 2 && (name == "parent" || name == "isa" || name == "location" || name == "owner" ||
                        name == "has_capability");
}

void WorldRelations::enumerate(std::string_view name, std::span<const std::optional<Value>> pattern,
                               const Emit& emit) {
  if (pattern.size() != 2) return;
  if (name == "has_capability") {
    if (capabilities_) capabilities_(pattern, emit);
    return;
  }
  int64_t x = arg_obj(pattern[0]), y = arg_obj(pattern[1]);
  if (x == kNoMatch || y == kNoMatch) return;
  const World& w = world_;

  if (name == "parent") {
    if (x != kUnbound) {
      if (const Object* o = w.get(x))
        for (int64_t p : o->parents)
          if (y == kUnbound || p == y)
            if (!pair(emit, x, p)) return;
    } else if (y != kUnbound) {
      if (const Object* p = w.get(y))
        for (int64_t c : p->children)
          if (!pair(emit, c, y)) return;
    } else {
      for (int64_t id = 0; id <= w.max_object(); ++id)
        if (const Object* o = w.get(id))
          for (int64_t p : o->parents)
            if (!pair(emit, id, p)) return;
    }
  } else if (name == "isa") {
    if (x != kUnbound && y != kUnbound) {
      if (w.is_a(x, y)) pair(emit, x, y);
    } else if (x != kUnbound) {
      if (!w.valid(x) || !pair(emit, x, x)) return;
      for (int64_t a : w.ancestors(x))
        if (!pair(emit, x, a)) return;
    } else if (y != kUnbound) {
      if (!w.valid(y) || !pair(emit, y, y)) return;
      for (int64_t d : w.descendants(y))
        if (!pair(emit, d, y)) return;
    } else {
      throw datalog::QueryError(datalog::ErrorKind::Refused,
                                "isa/2 will not enumerate every object's ancestry: bind an argument");
    }
  } else if (name == "location") {
    if (x == kUnbound && w.valid(y)) {
      for (int64_t c : w.get(y)->contents)
        if (!pair(emit, c, y)) return;
      return;
    }
    functional(w, x, y, emit, [](const Object& o) { return o.location; });
  } else if (name == "owner") {
    functional(w, x, y, emit, [](const Object& o) { return o.owner; });
  }
}

}  // namespace echo
