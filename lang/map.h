// MOO maps (ToastStunt): an ordered set of key/value pairs, kept sorted by
// key with compare_values(case_matters = false) so that iteration, mapkeys()
// and toliteral() are in key order and lookup is a binary search. As in
// ToastStunt, string keys are case-insensitive: "a" and "A" are one key
// (see map.cpp).
// Keys may be any value but lists and maps (E_TYPE, as ToastStunt).
#pragma once

#include <vector>

#include "lang/value.h"

namespace echo {

struct MapObj : HeapObject {
  // value_bytes() remembered (0: not known), as ListObj::bytes; map_mut()
  // forgets it.
  mutable std::atomic<uint32_t> bytes{0};
  std::vector<std::pair<Value, Value>> entries;

  // Index of key, or -1.
  long find(const Value& key) const;
  // The value at key, or null.
  const Value* get(const Value& key) const;
  // Insert or replace.
  void set(Value key, Value value);
  bool erase(const Value& key);
};

// Functions and the internal cells are not keys either (they compare by identity).
inline bool valid_map_key(const Value& k) {
  return !k.is_list() && !k.is_map() && !k.is_func() && !k.is_cell();
}

}  // namespace echo
