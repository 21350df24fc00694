// List builtins: length, is_member, listinsert, listappend, listdelete,
// listset, setadd, setremove, reverse, slice, sort, all_members.
#include <algorithm>
#include <numeric>
#include <vector>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

Value bf_length(BuiltinContext&, std::span<Value> args) {
  const Value& v = args[0];
  if (v.is_list()) return integer(v.list_len());
  if (v.is_str()) return integer(int64_t(v.as_str().size()));
  if (v.is_map()) return integer(int64_t(v.map_obj()->entries.size()));
  raise(E_TYPE);
}

// 1-based index of the first element equal to v, 0 if none.
int64_t member(const Value& v, const Value& list, bool case_matters) {
  for (uint32_t i = 0; i < list.list_len(); ++i)
    if (case_matters ? equal_exact(v, list.list_at(i)) : equal(v, list.list_at(i)))
      return int64_t(i) + 1;
  return 0;
}

// is_member() compares case-sensitively (LambdaMOO: ismember(..., 1)).
// On a map (ToastStunt) it is the position of the value in key order.
Value bf_is_member(BuiltinContext&, std::span<Value> args) {
  if (args[1].is_map()) {
    const auto& e = args[1].map_obj()->entries;
    for (size_t i = 0; i < e.size(); ++i)
      if (equal_exact(args[0], e[i].second)) return integer(int64_t(i) + 1);
    return integer(0);
  }
  if (!args[1].is_list()) throw MooError(E_TYPE);
  return integer(member(args[0], args[1], true));
}

// all_members(value, list) (ToastStunt): the positions of every element
// equal to value, as `==` compares (strings case-insensitively), in order.
// ToastStunt runs it on its thread pool; here the scan is one pass, bounded
// by the list's length.
Value bf_all_members(BuiltinContext&, std::span<Value> args) {
  const Value& list = args[1];
  std::vector<Value> at;
  for (uint32_t i = 0; i < list.list_len(); ++i)
    if (equal(args[0], list.list_at(i))) at.push_back(integer(int64_t(i) + 1));
  return list_from(std::move(at));
}

// ToastStunt checks value_bytes() of the result of listappend, listinsert,
// setadd and listset (list.cc); LambdaMOO the length (max_list_concat).
void check_grown(const Value& list, const Value& added, const Value* replaced) {
  int64_t bytes = value_bytes(list) + value_bytes(added) - (replaced ? value_bytes(*replaced) : 0);
  if (bytes > value_limits().max_list_bytes) throw ValueTooLarge();
}

// Inserts v before 1-based position pos, 1 <= pos <= len + 1.
Value insert_at(Value list, Value v, uint64_t pos) {
  uint32_t len = list.list_len();
  check_list_length(size_t(len) + 1);
  check_grown(list, v, nullptr);
  if (pos == uint64_t(len) + 1) {
    list_append(list, std::move(v));
    return list;
  }
  ListObj* l = list.list_mut(1);
  Value* it = l->items();
  new (&it[l->len]) Value();
  ++l->len;
  for (uint32_t i = l->len - 1; i >= pos; --i) it[i] = std::move(it[i - 1]);
  it[pos - 1] = std::move(v);
  return list;
}

// listinsert(list, v [, index]) / listappend(list, v [, index]): LambdaMOO
// clamps the position into the list instead of raising E_RANGE.
Value insert_or_append(std::span<Value> args, bool append) {
  uint32_t len = args[0].list_len();
  int64_t pos;
  if (args.size() < 3) {
    pos = append ? int64_t(len) + 1 : 1;
  } else {
    int64_t idx = args[2].as_int();
    pos = (append && idx < INT64_MAX) ? idx + 1 : idx;
    if (pos <= 0) pos = 1;
    else if (pos > int64_t(len) + 1) pos = int64_t(len) + 1;
  }
  return insert_at(std::move(args[0]), std::move(args[1]), uint64_t(pos));
}

Value bf_listinsert(BuiltinContext&, std::span<Value> args) { return insert_or_append(args, false); }
Value bf_listappend(BuiltinContext&, std::span<Value> args) { return insert_or_append(args, true); }

Value bf_listdelete(BuiltinContext&, std::span<Value> args) {
  int64_t idx = args[1].as_int();
  if (idx <= 0 || idx > int64_t(args[0].list_len())) raise(E_RANGE);
  Value list = std::move(args[0]);
  ListObj* l = list.list_mut();
  Value* it = l->items();
  for (uint32_t i = uint32_t(idx - 1); i + 1 < l->len; ++i) it[i] = std::move(it[i + 1]);
  it[l->len - 1].~Value();
  --l->len;
  return list;
}

Value bf_listset(BuiltinContext&, std::span<Value> args) {
  int64_t idx = args[2].as_int();
  if (idx <= 0 || idx > int64_t(args[0].list_len())) raise(E_RANGE);
  check_grown(args[0], args[1], &args[0].list_at(uint32_t(idx - 1)));
  Value list = std::move(args[0]);
  list.list_mut()->items()[idx - 1] = std::move(args[1]);
  return list;
}

// setadd/setremove compare as `==' does (case-insensitively).
Value bf_setadd(BuiltinContext&, std::span<Value> args) {
  if (member(args[1], args[0], false)) return std::move(args[0]);
  uint64_t pos = uint64_t(args[0].list_len()) + 1;
  return insert_at(std::move(args[0]), std::move(args[1]), pos);
}

Value bf_setremove(BuiltinContext& ctx, std::span<Value> args) {
  int64_t i = member(args[1], args[0], false);
  if (!i) return std::move(args[0]);
  Value a[2] = {std::move(args[0]), integer(i)};
  return bf_listdelete(ctx, a);
}

// reverse(list or string) (ToastStunt); anything else is E_INVARG.
Value bf_reverse(BuiltinContext&, std::span<Value> args) {
  const Value& v = args[0];
  if (v.is_str()) {
    std::string s(v.as_str());
    std::reverse(s.begin(), s.end());
    return Value::str(s);
  }
  if (!v.is_list()) raise(E_INVARG);
  uint32_t n = v.list_len();
  Value r = Value::list_of_size(n);
  if (n == 0) return r;
  ListObj* l = r.list_mut();
  for (uint32_t i = 0; i < n; ++i) l->items()[i] = v.list_at(n - 1 - i);
  return r;
}

Value nth(const Value& elt, int64_t i) {  // 1-based; range already checked
  if (elt.is_str()) return Value::str(elt.as_str().substr(size_t(i - 1), 1));
  return elt.list_at(uint32_t(i - 1));
}

int64_t length_of(const Value& elt) {
  return elt.is_str() ? int64_t(elt.as_str().size()) : int64_t(elt.list_len());
}

// slice(list [, index [, default]]) (ToastStunt): from each element (a list
// or string) the element at `index', or a list of the elements at a list of
// indices; with a string index, each element must be a map and the value
// under that key is taken (or `default', if given, when absent).
Value bf_slice(BuiltinContext&, std::span<Value> args) {
  const Value& alist = args[0];
  Value index = args.size() >= 2 ? args[1] : integer(1);
  bool has_default = args.size() >= 3;
  if (!index.is_list() && !index.is_int() && !index.is_str()) raise(E_INVARG);
  if (index.is_list()) {
    if (index.list_len() == 0) raise(E_RANGE);
    for (uint32_t i = 0; i < index.list_len(); ++i) {
      const Value& x = index.list_at(i);
      if (!x.is_int()) raise(E_INVARG);
      if (x.as_int() <= 0) raise(E_RANGE);
    }
  } else if (index.is_int() && index.as_int() <= 0) {
    raise(E_RANGE);
  }
  std::vector<Value> out;
  for (uint32_t k = 0; k < alist.list_len(); ++k) {
    const Value& elt = alist.list_at(k);
    if ((!elt.is_list() && !elt.is_str() && !elt.is_map()) || (elt.is_map() != index.is_str()))
      raise(E_INVARG);
    if (index.is_str()) {
      long at = elt.map_obj()->find(index);
      if (at >= 0) out.push_back(elt.map_obj()->entries[size_t(at)].second);
      else if (has_default) out.push_back(args[2]);
    } else if (index.is_int()) {
      if (index.as_int() > length_of(elt)) raise(E_RANGE);
      out.push_back(nth(elt, index.as_int()));
    } else {
      std::vector<Value> picks;
      for (uint32_t i = 0; i < index.list_len(); ++i) {
        int64_t x = index.list_at(i).as_int();
        if (x > length_of(elt)) raise(E_RANGE);
        picks.push_back(nth(elt, x));
      }
      out.push_back(list_from(picks));
    }
  }
  return list_from(out);
}

// Martin Pool's natural order (strnatcasecmp), as ToastStunt's sort():
// runs of digits compare by value (or digit by digit when one has a leading
// zero), white space is skipped, letters compare case-insensitively.
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

int natural_compare(std::string_view a, std::string_view b) {
  auto at = [](std::string_view s, size_t i) -> unsigned char {
    return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
  };
  size_t ai = 0, bi = 0;
  for (;;) {
    unsigned char ca = at(a, ai), cb = at(b, bi);
    while (is_space(ca)) ca = at(a, ++ai);
    while (is_space(cb)) cb = at(b, ++bi);
    if (is_digit(ca) && is_digit(cb)) {
      int result = 0;
      if (ca == '0' || cb == '0') {  // fractional part: leftmost difference wins
        for (size_t i = ai, j = bi;; ++i, ++j) {
          bool da = is_digit(at(a, i)), db = is_digit(at(b, j));
          if (!da && !db) break;
          if (!da) { result = -1; break; }
          if (!db) { result = 1; break; }
          if (at(a, i) != at(b, j)) { result = at(a, i) < at(b, j) ? -1 : 1; break; }
        }
      } else {  // integer part: the longer run wins, else the first difference
        int bias = 0;
        for (size_t i = ai, j = bi;; ++i, ++j) {
          bool da = is_digit(at(a, i)), db = is_digit(at(b, j));
          if (!da && !db) { result = bias; break; }
          if (!da) { result = -1; break; }
          if (!db) { result = 1; break; }
          if (!bias && at(a, i) != at(b, j)) bias = at(a, i) < at(b, j) ? -1 : 1;
        }
      }
      if (result) return result;
    }
    if (!ca && !cb && ai >= a.size() && bi >= b.size()) return 0;
    ca = upper(ca);
    cb = upper(cb);
    if (ca != cb) return ca < cb ? -1 : 1;
    ++ai;
    ++bi;
  }
}

// sort(list [, keys [, natural [, reverse]]]) (ToastStunt): sorts `list', or
// `list' by the parallel list `keys' when that is non-empty. The values
// sorted must all have one type, not LIST or MAP (E_TYPE); strings compare
// case-insensitively. Equal keys keep their order (ToastStunt's std::sort
// leaves that unspecified).
Value bf_sort(BuiltinContext&, std::span<Value> args) {
  const Value& list = args[0];
  bool by_keys = args.size() >= 2 && args[1].list_len() > 0;
  const Value& keys = by_keys ? args[1] : list;
  bool natural = args.size() >= 3 && args[2].truthy();
  bool reverse = args.size() >= 4 && args[3].truthy();
  uint32_t n = keys.list_len();
  if (n == 0) return Value::empty_list();
  if (by_keys && list.list_len() != n) raise(E_INVARG);
  Type t = keys.list_at(0).type();
  for (uint32_t i = 0; i < n; ++i) {
    Type ti = keys.list_at(i).type();
    if (ti != t || ti == Type::List || ti == Type::Map) raise(E_TYPE);
  }
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](uint32_t x, uint32_t y) {
    const Value &a = keys.list_at(x), &b = keys.list_at(y);
    if (t == Type::Str)
      return (natural ? natural_compare(a.as_str(), b.as_str()) : compare_ci(a.as_str(), b.as_str())) < 0;
    return compare_values(a, b, false) < 0;
  };
  std::stable_sort(order.begin(), order.end(), less);
  if (reverse) std::reverse(order.begin(), order.end());
  Value r = Value::list_of_size(n);
  ListObj* l = r.list_mut();
  for (uint32_t i = 0; i < n; ++i) l->items()[i] = list.list_at(order[i]);
  return r;
}

}  // namespace

}  // namespace echo::bi

namespace echo {

void register_list_builtins(Builtins& b) {
  using namespace bi;
  using A = ArgType;
  b.add({"length", 1, 1, {A::Any}, bf_length});
  b.add({"is_member", 2, 2, {A::Any, A::Any}, bf_is_member});
  b.add({"listinsert", 2, 3, {A::List, A::Any, A::Int}, bf_listinsert});
  b.add({"listappend", 2, 3, {A::List, A::Any, A::Int}, bf_listappend});
  b.add({"listdelete", 2, 2, {A::List, A::Int}, bf_listdelete});
  b.add({"listset", 3, 3, {A::List, A::Any, A::Int}, bf_listset});
  b.add({"setadd", 2, 2, {A::List, A::Any}, bf_setadd});
  b.add({"setremove", 2, 2, {A::List, A::Any}, bf_setremove});
  b.add({"reverse", 1, 1, {A::Any}, bf_reverse});
  b.add({"slice", 1, 3, {A::List, A::Any, A::Any}, bf_slice});
  b.add({"all_members", 2, 2, {A::Any, A::List}, bf_all_members});
  b.add({"sort", 1, 4, {A::List, A::List, A::Int, A::Int}, bf_sort});
}

}  // namespace echo
