// Tuple tables for the Datalog engine: an append-only row store with a hash
// set for duplicate elimination and lazily built per-mask hash indexes.
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "lang/map.h"
#include "lang/query/internal.h"

namespace echo::datalog::detail {

namespace {

uint64_t mix(uint64_t h) {  // splitmix64's finalizer: cheap, and spreads low bits
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

uint64_t combine(uint64_t h, uint64_t x) { return mix(h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2))); }

}  // namespace

namespace {

uint64_t scalar_hash(const Value& v) {
  uint64_t h = mix(uint64_t(v.type()) + 1);
  switch (v.type()) {
    case Type::Int:
    case Type::Obj:
    case Type::Err:
      return combine(h, uint64_t(v.as_int()));
    case Type::Bool:
      return combine(h, v.as_bool());
    case Type::Float: {
      double d = v.as_float();
      if (d == 0) d = 0;  // -0.0 == 0.0
      uint64_t bits;
      if (std::isnan(d)) bits = 0x7ff8000000000000ULL;
      else std::memcpy(&bits, &d, sizeof bits);
      return combine(h, bits);
    }
    case Type::Str: {
      uint64_t s = 0xcbf29ce484222325ULL;  // FNV-1a
      for (unsigned char c : v.as_str()) {
        if (c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
        s = (s ^ c) * 0x100000001b3ULL;
      }
      return combine(h, s);
    }
    default:
      return h;
  }
}

}  // namespace

// Consistent with same() (compare_values == 0): strings hash folded to
// lower case (ASCII, as compare_ci), -0.0 as 0.0, every NaN alike; types that
// compare_values does not look into (functions, ...) hash by type only.
// A container's hash folds in its elements' (a map's keys and values
// alternately), then a list's length; the containers being folded are kept
// on an explicit stack, so values of any depth hash.
uint64_t hash_value(const Value& root) {
  if (!root.is_list() && !root.is_map()) return scalar_hash(root);
  struct Open {
    const Value* v;
    size_t next, n;
    uint64_t h;
  };
  auto open = [](const Value& v) {
    size_t n = v.is_list() ? v.list_len() : v.map_obj()->entries.size() * 2;
    return Open{&v, 0, n, mix(uint64_t(v.type()) + 1)};
  };
  std::vector<Open> stack{open(root)};
  for (;;) {
    Open& o = stack.back();
    if (o.next < o.n) {
      size_t i = o.next++;
      const Value* c;
      if (o.v->is_list()) {
        c = &o.v->list_at(uint32_t(i));
      } else {
        const auto& e = o.v->map_obj()->entries[i / 2];
        c = (i & 1) ? &e.second : &e.first;
      }
      if (c->is_list() || c->is_map()) stack.push_back(open(*c));  // invalidates o
      else o.h = combine(o.h, scalar_hash(*c));
      continue;
    }
    uint64_t h = o.v->is_list() ? combine(o.h, o.v->list_len()) : o.h;
    stack.pop_back();
    if (stack.empty()) return h;
    stack.back().h = combine(stack.back().h, h);
  }
}

namespace {
uint64_t tuple_hash(std::span<const Value> t) {
  uint64_t h = 0x51ed27;
  for (const Value& v : t) h = combine(h, hash_value(v));
  return h;
}
}  // namespace

int64_t Table::find(std::span<const Value> tuple) const { return find(tuple, tuple_hash(tuple)); }

int64_t Table::find(std::span<const Value> tuple, uint64_t h) const {
  if (slots_.empty()) return -1;
  size_t m = slots_.size() - 1;
  for (size_t i = h & m;; i = (i + 1) & m) {
    uint32_t s = slots_[i];
    if (s == 0) return -1;
    uint32_t row = s - 1;
    if (hashes_[row] != h) continue;
    bool eq = true;
    for (uint32_t c = 0; c < arity_ && eq; ++c) eq = same(at(row, c), tuple[c]);
    if (eq) return row;
  }
}

void Table::rehash(size_t capacity) {
  slots_.assign(capacity, 0);
  size_t m = capacity - 1;
  for (uint32_t row = 0; row < rows_; ++row) {
    size_t i = hashes_[row] & m;
    while (slots_[i]) i = (i + 1) & m;
    slots_[i] = row + 1;
  }
}

bool Table::insert(std::span<const Value> tuple) {
  uint64_t h = tuple_hash(tuple);
  if (find(tuple, h) >= 0) return false;
  // Keep the load at most 1/2, so probes stay short.
  if ((size_t(rows_) + 1) * 2 > slots_.size()) rehash(std::max<size_t>(16, slots_.size() * 2));
  cells_.insert(cells_.end(), tuple.begin(), tuple.end());
  hashes_.push_back(h);
  size_t m = slots_.size() - 1;
  size_t i = h & m;
  while (slots_[i]) i = (i + 1) & m;
  slots_[i] = ++rows_;
  return true;
}

uint64_t Table::row_hash(uint32_t row, uint32_t mask) const {
  uint64_t h = 0x51ed27;
  for (uint32_t c = 0; c < arity_; ++c)
    if (mask >> c & 1u) h = combine(h, hash_value(at(row, c)));
  return h;
}

const std::vector<uint32_t>& Table::lookup(uint32_t mask, std::span<const Value> key) {
  static const std::vector<uint32_t> kNone;
  Index* ix = nullptr;
  for (auto& p : indexes_)
    if (p->mask == mask) ix = p.get();
  if (!ix) {
    indexes_.push_back(std::make_unique<Index>());
    ix = indexes_.back().get();
    ix->mask = mask;
  }
  // Appending keeps each bucket ascending, which the range checks rely on.
  for (; ix->built < rows_; ++ix->built) ix->buckets[row_hash(ix->built, mask)].push_back(ix->built);
  uint64_t h = 0x51ed27;
  for (const Value& v : key) h = combine(h, hash_value(v));
  auto it = ix->buckets.find(h);
  return it == ix->buckets.end() ? kNone : it->second;
}

}  // namespace echo::datalog::detail
