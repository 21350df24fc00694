// ToastStunt builtins over the world that object_builtins.cpp has no room
// for: locate_by_name() (objects.cc there) and verb_cache_stats()
// (extensions.cc, from LambdaMOO's db_verbs.c). log_cache_stats(), which
// writes the same figures to the server log, is a server builtin
// (actors/toast_task_builtins.cpp).
#include <string_view>

#include "lang/builtins/helpers.h"
#include "lang/world/world.h"

namespace echo {

namespace {

using bi::raise;

// LambdaMOO's strindex() != 0: `needle` occurs in `hay` (an empty one
// always does), ASCII case folded unless case_matters.
bool contains(std::string_view hay, std::string_view needle, bool case_matters) {
  if (case_matters) return hay.find(needle) != std::string_view::npos;
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && bi::lower(static_cast<unsigned char>(hay[i + k])) ==
                                    bi::lower(static_cast<unsigned char>(needle[k])))
      ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

// locate_by_name(name [, case_matters]) (wizards only): every valid object,
// lowest number first, whose name contains `name`; case-insensitively
// unless case_matters is true.
Value bf_locate_by_name(BuiltinContext& ctx, std::span<Value> a) {
  World& w = world_of(ctx);
  if (!w.is_wizard(ctx.progr)) raise(E_PERM);
  std::string_view needle = a[0].as_str();
  bool case_matters = a.size() > 1 && a[1].truthy();
  Value out = Value::empty_list();
  for (int64_t i = 0; i <= w.max_object(); ++i) {
    const Object* o = w.valid(i) ? w.get(i) : nullptr;
    if (o && contains(o->name, needle, case_matters)) {
      check_list_length(out.list_len() + 1);
      list_append(out, Value::obj(i));
    }
  }
  return out;
}

// verb_cache_stats() (wizards only): {hits, negative hits, misses,
// generations, {buckets holding 0 entries, 1, ..., 16 or more}}, as
// LambdaMOO's db_verb_cache_stats (World::VerbCacheStats says what each is
// in Echo's cache).
Value bf_verb_cache_stats(BuiltinContext& ctx, std::span<Value>) {
  World& w = world_of(ctx);
  if (!w.is_wizard(ctx.progr)) raise(E_PERM);
  World::VerbCacheStats s = w.verb_cache_stats();
  Value depths = Value::empty_list();
  for (int64_t n : s.depths) list_append(depths, Value::integer(n));
  return make_list({Value::integer(int64_t(s.hits)), Value::integer(int64_t(s.negative_hits)),
                    Value::integer(int64_t(s.misses)), Value::integer(int64_t(s.generations)), depths});
}

}  // namespace

void register_toast_world_builtins(Builtins& b) {
  using T = ArgType;
  b.add({"locate_by_name", 1, 2, {T::Str, T::Int}, bf_locate_by_name});
  b.add({"verb_cache_stats", 0, 0, {}, bf_verb_cache_stats});
}

}  // namespace echo
