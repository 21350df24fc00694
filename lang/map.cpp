// MOO maps: a vector of key/value pairs sorted by key.
//
// Key order and key identity follow ToastStunt (src/map.cc): its red-black
// tree is built with compare(..., case_matters = 0), so string keys are
// compared case-INSENSITIVELY: ["a" -> 1, "A" -> 2] is a one-entry map, and
// storing under "A" replaces both the value and the stored key's spelling
// (ToastStunt erases the old node and inserts the new key). Keys of different
// types order by type code (INT < OBJ < STR < ERR < FLOAT < BOOL), then by
// value. A case-sensitive lookup (maphaskey(m, k, 1), mapvalues(m, k...)) is
// find() followed by equal_exact() on the stored key, which is exactly what
// ToastStunt's rbfind(..., case_matters = 1) yields on its case-insensitive
// tree.
#include "lang/map.h"

#include <algorithm>

namespace echo {

namespace {

// First index whose key is not less than `key`.
size_t lower_index(const std::vector<std::pair<Value, Value>>& e, const Value& key) {
  size_t lo = 0, hi = e.size();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (compare_values(e[mid].first, key, false) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

}  // namespace

long MapObj::find(const Value& key) const {
  size_t i = lower_index(entries, key);
  if (i < entries.size() && compare_values(entries[i].first, key, false) == 0) return long(i);
  return -1;
}

const Value* MapObj::get(const Value& key) const {
  long i = find(key);
  return i < 0 ? nullptr : &entries[size_t(i)].second;
}

void MapObj::set(Value key, Value value) {
  // Keys that come in order (a map decoded, or built from sorted keys) go
  // at the end after one comparison.
  if (entries.empty() || compare_values(entries.back().first, key, false) < 0) {
    entries.emplace_back(std::move(key), std::move(value));
    count_heap_bytes(sizeof(entries[0]));
    return;
  }
  size_t i = lower_index(entries, key);
  if (i < entries.size() && compare_values(entries[i].first, key, false) == 0) {
    entries[i].first = std::move(key);
    entries[i].second = std::move(value);
    return;
  }
  entries.insert(entries.begin() + long(i), {std::move(key), std::move(value)});
  count_heap_bytes(sizeof(entries[0]));
}

bool MapObj::erase(const Value& key) {
  long i = find(key);
  if (i < 0) return false;
  entries.erase(entries.begin() + i);
  return true;
}

}  // namespace echo
