// Map builtins (ToastStunt): mapkeys, mapvalues, mapdelete, maphaskey.
#include <vector>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

Value bf_mapkeys(BuiltinContext&, std::span<Value> args) {
  std::vector<Value> out;
  for (const auto& e : args[0].map_obj()->entries) out.push_back(e.first);
  return list_from(out);
}

// mapvalues(map [, key, ...]): all values in key order, or the values under
// the given keys (looked up case-sensitively, E_RANGE if one is absent).
Value bf_mapvalues(BuiltinContext&, std::span<Value> args) {
  const MapObj* m = args[0].map_obj();
  std::vector<Value> out;
  if (args.size() == 1) {
    for (const auto& e : m->entries) out.push_back(e.second);
    return list_from(out);
  }
  for (size_t i = 1; i < args.size(); ++i) {
    long at = m->find(args[i]);
    if (at < 0 || !equal_exact(m->entries[size_t(at)].first, args[i])) raise(E_RANGE);
    out.push_back(m->entries[size_t(at)].second);
  }
  return list_from(out);
}

// mapdelete(map, key): E_TYPE for a list or map key, E_RANGE if absent.
Value bf_mapdelete(BuiltinContext&, std::span<Value> args) {
  if (!valid_map_key(args[1])) raise(E_TYPE);
  if (args[0].map_obj()->find(args[1]) < 0) raise(E_RANGE);
  Value m = std::move(args[0]);
  m.map_mut()->erase(args[1]);
  return m;
}

// maphaskey(map, key [, case-matters]).
Value bf_maphaskey(BuiltinContext&, std::span<Value> args) {
  if (!valid_map_key(args[1])) raise(E_TYPE);
  bool case_matters = args.size() >= 3 && args[2].truthy();
  const MapObj* m = args[0].map_obj();
  long at = m->find(args[1]);
  bool found = at >= 0 && (!case_matters || equal_exact(m->entries[size_t(at)].first, args[1]));
  return integer(found ? 1 : 0);
}

}  // namespace

}  // namespace echo::bi

namespace echo {

void register_map_builtins(Builtins& b) {
  using namespace bi;
  using A = ArgType;
  b.add({"mapkeys", 1, 1, {A::Map}, bf_mapkeys});
  b.add({"mapvalues", 1, -1, {A::Map}, bf_mapvalues});
  b.add({"mapdelete", 2, 2, {A::Map, A::Any}, bf_mapdelete});
  b.add({"maphaskey", 2, 3, {A::Map, A::Any, A::Int}, bf_maphaskey});
}

}  // namespace echo
