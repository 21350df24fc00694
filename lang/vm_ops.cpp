// Value operations for the interpreter, with LambdaMOO's rules (execute.c and
// numbers.c there): arithmetic needs both operands of one numeric type,
// integers wrap, float results that are not finite raise E_FLOAT, `%` takes
// the sign of the dividend, comparisons of INT with FLOAT are E_TYPE.
#include "lang/vm_ops.h"

#include <cmath>
#include <cstring>

#include "lang/map.h"

namespace echo::ops {

namespace {

inline int64_t wrap_add(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
inline int64_t wrap_sub(int64_t a, int64_t b) { return int64_t(uint64_t(a) - uint64_t(b)); }
inline int64_t wrap_mul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

Error int_pow(int64_t a, int64_t b, Value& out) {
  if (b < 0) {
    switch (a) {
      case -1: out = Value::integer(b % 2 == 0 ? 1 : -1); return E_NONE;
      case 0: return E_DIV;
      case 1: out = Value::integer(1); return E_NONE;
      default: out = Value::integer(0); return E_NONE;
    }
  }
  uint64_t r = 1, base = uint64_t(a);
  while (b != 0) {
    if (b & 1) r *= base;
    base *= base;
    b >>= 1;
  }
  out = Value::integer(int64_t(r));
  return E_NONE;
}

Error str_index(std::string_view s, int64_t i, Value& out) {
  if (i < 1 || uint64_t(i) > s.size()) return E_RANGE;
  out = Value::str(s.substr(size_t(i - 1), 1));
  return E_NONE;
}

}  // namespace

Error check_float(double d, Value& out) {
  if (!std::isfinite(d)) return E_FLOAT;
  out = Value::flt(d);
  return E_NONE;
}

Error arith(Op op, const Value& a, const Value& b, Value& out) {
  if (a.type() == Type::None || b.type() == Type::None) return E_VARNF;
  switch (op) {
    case Op::ADD: case Op::ADDK:
      if (a.is_str() && b.is_str()) {
        if (uint64_t(a.as_str().size()) + b.as_str().size() > uint64_t(value_limits().max_string))
          return E_QUOTA;
        out = str_concat(a, b);
        return E_NONE;
      }
      [[fallthrough]];
    case Op::SUB: case Op::SUBK:
    case Op::MUL: case Op::MULK:
    case Op::DIV: case Op::DIVK:
    case Op::MOD: case Op::MODK: {
      if (a.type() != b.type() || (!a.is_int() && !a.is_float())) return E_TYPE;
      if (a.is_int()) {
        int64_t x = a.as_int(), y = b.as_int();
        switch (op) {
          case Op::ADD: case Op::ADDK: out = Value::integer(wrap_add(x, y)); return E_NONE;
          case Op::SUB: case Op::SUBK: out = Value::integer(wrap_sub(x, y)); return E_NONE;
          case Op::MUL: case Op::MULK: out = Value::integer(wrap_mul(x, y)); return E_NONE;
          case Op::DIV: case Op::DIVK:
            if (y == 0) return E_DIV;
            out = Value::integer(y == -1 ? int64_t(0ULL - uint64_t(x)) : x / y);
            return E_NONE;
          default:
            if (y == 0) return E_DIV;
            out = Value::integer(y == -1 ? 0 : x % y);
            return E_NONE;
        }
      }
      double x = a.as_float(), y = b.as_float();
      switch (op) {
        case Op::ADD: case Op::ADDK: return check_float(x + y, out);
        case Op::SUB: case Op::SUBK: return check_float(x - y, out);
        case Op::MUL: case Op::MULK: return check_float(x * y, out);
        case Op::DIV: case Op::DIVK:
          if (y == 0.0) return E_DIV;
          return check_float(x / y, out);
        default:
          if (y == 0.0) return E_DIV;
          return check_float(std::fmod(x, y), out);
      }
    }
    case Op::POW:
      if (a.is_int()) {
        if (!b.is_int()) return E_TYPE;
        return int_pow(a.as_int(), b.as_int(), out);
      }
      if (a.is_float()) {
        double y;
        if (b.is_int()) y = double(b.as_int());
        else if (b.is_float()) y = b.as_float();
        else return E_TYPE;
        return check_float(std::pow(a.as_float(), y), out);
      }
      return E_TYPE;
    case Op::BITAND: case Op::BITOR: case Op::BITXOR: case Op::SHL: case Op::SHR: {
      if (!a.is_int() || !b.is_int()) return E_TYPE;
      uint64_t x = uint64_t(a.as_int()), y = uint64_t(b.as_int());
      // ToastStunt: a shift count outside 0..64 is E_INVARG; 64 gives 0.
      if ((op == Op::SHL || op == Op::SHR) && (b.as_int() < 0 || b.as_int() > 64)) return E_INVARG;
      switch (op) {
        case Op::BITAND: out = Value::integer(int64_t(x & y)); break;
        case Op::BITOR: out = Value::integer(int64_t(x | y)); break;
        case Op::BITXOR: out = Value::integer(int64_t(x ^ y)); break;
        case Op::SHL: out = Value::integer(y >= 64 ? 0 : int64_t(x << y)); break;
        default:  // logical shift, as ToastStunt
          out = Value::integer(y >= 64 ? 0 : int64_t(x >> y));
          break;
      }
      return E_NONE;
    }
    default: return E_TYPE;
  }
}

Error compare(Op op, const Value& a, const Value& b, Value& out) {
  if (a.type() == Type::None || b.type() == Type::None) return E_VARNF;
  if (a.type() != b.type()) return E_TYPE;
  int c;
  switch (a.type()) {
    case Type::Int: case Type::Obj: case Type::Err:
      c = a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
      break;
    case Type::Float:
      c = a.as_float() < b.as_float() ? -1 : a.as_float() > b.as_float() ? 1 : 0;
      break;
    case Type::Str: c = compare_ci(a.as_str(), b.as_str()); break;
    default: return E_TYPE;
  }
  bool r;
  switch (op) {
    case Op::LT: case Op::LTK: r = c < 0; break;
    case Op::LE: case Op::LEK: r = c <= 0; break;
    case Op::GT: case Op::GTK: r = c > 0; break;
    default: r = c >= 0; break;
  }
  out = Value::integer(r);
  return E_NONE;
}

Error compare_bool(Op op, const Value& a, const Value& b, bool& out) {
  Value v;
  Error e = compare(op, a, b, v);
  out = e == E_NONE && v.as_int() != 0;
  return e;
}

Error equal_bool(const Value& a, const Value& b, bool& out) {
  if (a.type() == Type::None || b.type() == Type::None) return E_VARNF;
  if (a.is_str() && b.is_str()) {
    out = a.as_str().size() == b.as_str().size() && compare_ci(a.as_str(), b.as_str()) == 0;
    return E_NONE;
  }
  out = equal(a, b);
  return E_NONE;
}

Error not_equal_bool(const Value& a, const Value& b, bool& out) {
  Error e = equal_bool(a, b, out);
  if (e == E_NONE) out = !out;  // out is unset on an error
  return e;
}

Error in(const Value& a, const Value& b, Value& out) {
  if (a.type() == Type::None || b.type() == Type::None) return E_VARNF;
  if (b.is_list()) {
    for (uint32_t i = 0; i < b.list_len(); ++i)
      if (equal(a, b.list_at(i))) { out = Value::integer(i + 1); return E_NONE; }
    out = Value::integer(0);
    return E_NONE;
  }
  if (b.is_map()) {  // ToastStunt: the position of the value among the map's values
    const auto& e = b.map_obj()->entries;
    for (size_t i = 0; i < e.size(); ++i)
      if (equal(a, e[i].second)) { out = Value::integer(int64_t(i + 1)); return E_NONE; }
    out = Value::integer(0);
    return E_NONE;
  }
  return E_TYPE;
}

Error negate(const Value& a, Value& out) {
  if (a.is_int()) { out = Value::integer(int64_t(0ULL - uint64_t(a.as_int()))); return E_NONE; }
  if (a.is_float()) { out = Value::flt(-a.as_float()); return E_NONE; }
  return a.type() == Type::None ? E_VARNF : E_TYPE;
}

Error bitnot(const Value& a, Value& out) {
  if (a.is_int()) { out = Value::integer(~a.as_int()); return E_NONE; }
  return a.type() == Type::None ? E_VARNF : E_TYPE;
}

Error index(const Value& c, const Value& i, Value& out) {
  if (c.type() == Type::None || i.type() == Type::None) return E_VARNF;
  if (c.is_map()) {
    if (!valid_map_key(i)) return E_TYPE;
    long p = c.map_obj()->find(i);
    if (p < 0) return E_RANGE;
    out = c.map_obj()->entries[size_t(p)].second;
    return E_NONE;
  }
  if (!i.is_int()) return E_TYPE;
  if (c.is_list()) {
    int64_t k = i.as_int();
    if (k < 1 || k > int64_t(c.list_len())) return E_RANGE;
    out = c.list_at(uint32_t(k - 1));
    return E_NONE;
  }
  if (c.is_str()) return str_index(c.as_str(), i.as_int(), out);
  return E_TYPE;
}

namespace {

// m[from..to] on a map (ToastStunt): the entries with keys from..to in key
// order; both keys must be present unless from sorts after to.
Error map_range(const Value& c, const Value& from, const Value& to, Value& out) {
  if (!valid_map_key(from) || !valid_map_key(to)) return E_TYPE;
  if (compare_values(from, to, false) > 0) {
    out = Value::empty_map();
    return E_NONE;
  }
  const MapObj* m = c.map_obj();
  long f = m->find(from), t = m->find(to);
  if (f < 0 || t < 0) return E_RANGE;
  Value r = Value::empty_map();
  MapObj* ro = r.map_mut();
  for (long i = f; i <= t; ++i) ro->entries.push_back(m->entries[size_t(i)]);
  out = std::move(r);
  return E_NONE;
}

}  // namespace

Error range(const Value& c, const Value& from, const Value& to, Value& out) {
  if (c.type() == Type::None || from.type() == Type::None || to.type() == Type::None) return E_VARNF;
  if (c.is_map()) return map_range(c, from, to, out);
  if ((!c.is_list() && !c.is_str()) || !from.is_int() || !to.is_int()) return E_TYPE;
  int64_t len = c.is_str() ? int64_t(c.as_str().size()) : int64_t(c.list_len());
  int64_t f = from.as_int(), t = to.as_int();
  if (f <= t && (f <= 0 || f > len || t <= 0 || t > len)) return E_RANGE;
  if (c.is_str()) {
    out = f > t ? Value::str("") : Value::str(c.as_str().substr(size_t(f - 1), size_t(t - f + 1)));
    return E_NONE;
  }
  if (f > t) { out = Value::empty_list(); return E_NONE; }
  if (f == 1 && t == len) { out = c; return E_NONE; }
  Value r = Value::list_of_size(uint32_t(t - f + 1));
  ListObj* l = r.list_mut();
  for (int64_t k = f; k <= t; ++k) l->items()[k - f] = c.list_at(uint32_t(k - 1));
  out = std::move(r);
  return E_NONE;
}

Error length_of(const Value& c, Value& out) {
  if (c.is_list()) { out = Value::integer(c.list_len()); return E_NONE; }
  if (c.is_str()) { out = Value::integer(int64_t(c.as_str().size())); return E_NONE; }
  if (c.is_map()) { out = Value::integer(int64_t(c.map_obj()->entries.size())); return E_NONE; }
  return c.type() == Type::None ? E_VARNF : E_TYPE;
}

Error first_key(const Value& c, Value& out) {
  if (c.is_map()) {
    const auto& e = c.map_obj()->entries;
    if (e.empty()) return E_RANGE;
    out = e.front().first;
    return E_NONE;
  }
  if (c.is_list() || c.is_str()) { out = Value::integer(1); return E_NONE; }
  return c.type() == Type::None ? E_VARNF : E_TYPE;
}

Error last_key(const Value& c, Value& out) {
  if (c.is_map()) {
    const auto& e = c.map_obj()->entries;
    if (e.empty()) return E_RANGE;
    out = e.back().first;
    return E_NONE;
  }
  return length_of(c, out);
}

namespace {

// base[from..to] = v for lists and strings (LambdaMOO's listrangeset /
// strrangeset: the result is base[1..from-1] + v + base[to+1..$]).
// m[from..to] = v on maps (ToastStunt's maprangeset): the entries before
// `from` are kept, then v's entries, then the entries after `to`, inserted
// last so that they win over v's on equal keys.
Error set_map_range(Value& base, const Value& from, const Value& to, const Value& v) {
  if (!v.is_map() || !valid_map_key(from) || !valid_map_key(to)) return E_TYPE;
  const MapObj* m = base.map_obj();
  long f = m->find(from), t = m->find(to);
  if (f < 0 || t < 0) return E_RANGE;  // unlike reading, even when inverted
  Value keep = base;
  Value r = Value::empty_map();
  MapObj* ro = r.map_mut();
  const auto& e = keep.map_obj()->entries;
  for (const auto& kv : e)
    if (compare_values(kv.first, from, false) < 0) ro->set(kv.first, kv.second);
  for (const auto& kv : v.map_obj()->entries) ro->set(kv.first, kv.second);
  for (const auto& kv : e)
    if (compare_values(kv.first, to, false) > 0) ro->set(kv.first, kv.second);
  base = std::move(r);
  return E_NONE;
}

Error set_range(Value& base, const Value& from, const Value& to, const Value& v) {
  if (base.is_map()) return set_map_range(base, from, to, v);
  if (!from.is_int() || !to.is_int() || (!base.is_list() && !base.is_str()) ||
      base.type() != v.type())
    return E_TYPE;
  int64_t len = base.is_str() ? int64_t(base.as_str().size()) : int64_t(base.list_len());
  int64_t f = from.as_int(), t = to.as_int();
  if (f > len + 1 || t < 0) return E_RANGE;
  int64_t left = f > 1 ? f - 1 : 0;
  // The kept tail starts at t + 1 (1-based); only computed when it exists,
  // so t = INT64_MAX cannot overflow.
  int64_t right = len > t ? len - t : 0;
  int64_t right_from = right > 0 ? t + 1 : 0;
  if (base.is_str()) {
    std::string_view s = base.as_str();
    std::string r;
    r.reserve(size_t(left + right) + v.as_str().size());
    r.append(s.substr(0, size_t(left)));
    r.append(v.as_str());
    if (right > 0) r.append(s.substr(size_t(right_from - 1), size_t(right)));
    base = Value::str(r);
    return E_NONE;
  }
  uint32_t vl = v.list_len();
  Value r = Value::list_of_size(uint32_t(left + vl + right));
  ListObj* out = r.list_mut();
  uint32_t k = 0;
  for (int64_t i = 0; i < left; ++i) out->items()[k++] = base.list_at(uint32_t(i));
  for (uint32_t i = 0; i < vl; ++i) out->items()[k++] = v.list_at(i);
  for (int64_t i = 0; i < right; ++i) out->items()[k++] = base.list_at(uint32_t(right_from - 1 + i));
  base = std::move(r);
  return E_NONE;
}

// Checks one level of container[index] = ... without changing anything.
Error check_level(const Value& c, const Value& i, bool leaf, const Value* v) {
  if (c.type() == Type::None || i.type() == Type::None) return E_VARNF;
  if (c.is_map()) return valid_map_key(i) ? E_NONE : E_TYPE;
  if (c.is_list()) {
    if (!i.is_int()) return E_TYPE;
    if (i.as_int() < 1 || i.as_int() > int64_t(c.list_len())) return E_RANGE;
    return E_NONE;
  }
  if (c.is_str() && leaf) {
    if (!i.is_int() || !v->is_str()) return E_TYPE;
    if (i.as_int() < 1 || i.as_int() > int64_t(c.as_str().size())) return E_RANGE;
    if (v->as_str().size() != 1) return E_INVARG;
    return E_NONE;
  }
  return E_TYPE;
}

Error set_level(Value& c, const Value* idx, int n, bool last_is_range, const Value& v) {
  if (n == 1 && last_is_range) return set_range(c, idx[0], idx[1], v);
  Error e = check_level(c, idx[0], n == 1, &v);
  if (e != E_NONE) return e;
  if (n > 1) {
    // Descend: the element is changed in place through the (now unique) container.
    if (c.is_map()) {
      long p = c.map_obj()->find(idx[0]);
      if (p < 0) return E_RANGE;
      MapObj* m = c.map_mut();
      return set_level(m->entries[size_t(p)].second, idx + 1, n - 1, last_is_range, v);
    }
    if (!c.is_list()) return E_TYPE;
    Value& elem = c.list_mut()->items()[idx[0].as_int() - 1];
    return set_level(elem, idx + 1, n - 1, last_is_range, v);
  }
  if (c.is_map()) {
    c.map_mut()->set(idx[0], v);
  } else if (c.is_list()) {
    c.list_mut()->items()[idx[0].as_int() - 1] = v;
  } else {
    c.str_mut()->data()[idx[0].as_int() - 1] = v.as_str()[0];
  }
  return E_NONE;
}

// Whether a nested set would fail, checked before anything is copied so that
// an error leaves the value as it was.
Error precheck(const Value& c, const Value* idx, int n, bool last_is_range, const Value& v) {
  if (n == 1 && last_is_range && c.is_map()) return E_NONE;  // set_map_range checks
  if (n == 1 && last_is_range) {
    if (!idx[0].is_int() || !idx[1].is_int() || (!c.is_list() && !c.is_str()) || c.type() != v.type())
      return c.type() == Type::None ? E_VARNF : E_TYPE;
    int64_t len = c.is_str() ? int64_t(c.as_str().size()) : int64_t(c.list_len());
    if (idx[0].as_int() > len + 1 || idx[1].as_int() < 0) return E_RANGE;
    return E_NONE;
  }
  Error e = check_level(c, idx[0], n == 1, &v);
  if (e != E_NONE || n == 1) return e;
  Value next;
  e = index(c, idx[0], next);
  if (e != E_NONE) return e;
  return precheck(next, idx + 1, n - 1, last_is_range, v);
}

// The container at c[i] (i valid: precheck looked).
const Value& child_at(const Value& c, const Value& i) {
  if (c.is_map()) return c.map_obj()->entries[size_t(c.map_obj()->find(i))].second;
  return c.list_at(uint32_t(i.as_int() - 1));
}

int64_t bytes_of(const Value& v, bool& fixed) {
  bool f;
  int64_t n = value_bytes(v, &f);
  fixed = fixed && f;
  return n;
}

// How much c[k + 1] = v changes the value_bytes() of c, a list.
int64_t list_set_delta(const Value& c, uint32_t k, const Value& v, bool& fixed) {
  return bytes_of(v, fixed) - bytes_of(c.list_at(k), fixed);
}

// How much m[key] = v changes the value_bytes() of m; p is key's entry, or
// < 0 when it has none.
int64_t map_set_delta(const MapObj* m, long p, const Value& key, const Value& v, bool& fixed) {
  int64_t d = bytes_of(v, fixed) + bytes_of(key, fixed);  // set() stores the new key too
  if (p < 0) return d + 24;                               // a new node
  const auto& old = m->entries[size_t(p)];
  return d - bytes_of(old.first, fixed) - bytes_of(old.second, fixed);
}

// How much the set changes the value_bytes() of the container it writes
// into (c, the last on the path), or E_QUOTA when c would pass a length
// limit. Sets *exact false for a map range, whose change is not worked out
// here.
Error leaf_growth(const Value& c, const Value* idx, bool last_is_range, const Value& v, int64_t* delta,
                  bool& fixed, bool* exact) {
  const ValueLimits& lim = value_limits();
  *delta = 0;
  *exact = true;
  if (last_is_range && c.is_map()) {
    *exact = false;
    return E_NONE;
  }
  if (last_is_range) {  // as set_range: base[1..from-1] + v + base[to+1..$]
    int64_t len = c.is_str() ? int64_t(c.as_str().size()) : int64_t(c.list_len());
    int64_t f = idx[0].as_int(), t = idx[1].as_int();
    int64_t left = f > 1 ? f - 1 : 0, right = len > t ? len - t : 0;
    if (c.is_str()) {
      int64_t vl = int64_t(v.as_str().size());
      if (left + vl + right > lim.max_string) return E_QUOTA;
      *delta = left + vl + right - len;
      return E_NONE;
    }
    if (left + int64_t(v.list_len()) + right > lim.max_list_length) return E_QUOTA;
    int64_t gone = 0;
    for (int64_t i = left; i < len - right; ++i) gone += bytes_of(c.list_at(uint32_t(i)), fixed);
    *delta = bytes_of(v, fixed) - 32 - gone;
    return E_NONE;
  }
  if (c.is_str()) return E_NONE;  // one character for another
  if (c.is_map()) {
    const MapObj* m = c.map_obj();
    *delta = map_set_delta(m, m->find(idx[0]), idx[0], v, fixed);
    return E_NONE;
  }
  *delta = list_set_delta(c, uint32_t(idx[0].as_int() - 1), v, fixed);
  return E_NONE;
}

}  // namespace

// Every container on the path grows by the same number of bytes; each is
// checked against its own limit before anything changes (ToastStunt checks
// each listset / mapinsert / rangeset result; LambdaMOO's rangeset_check the
// length), and their new sizes are remembered afterwards so that a loop of
// `l[i] = x` does not walk l each time.
Error set_path(Value& root, const Value* idx, int n, bool last_is_range, const Value& v) {
  if (v.type() == Type::None) return E_VARNF;
  const ValueLimits& lim = value_limits();
  // The commonest cases, l[i] = v and m[k] = v, with one look-up.
  if (n == 1 && !last_is_range) {
    bool fixed = true;
    if (root.is_list() && idx[0].is_int() && idx[0].as_int() >= 1 && idx[0].as_int() <= int64_t(root.list_len())) {
      uint32_t k = uint32_t(idx[0].as_int() - 1);
      int64_t now = bytes_of(root, fixed) + list_set_delta(root, k, v, fixed);
      if (now > lim.max_list_bytes) return E_QUOTA;
      root.list_mut()->items()[k] = v;
      if (fixed) remember_bytes(root, now);
      return E_NONE;
    }
    if (root.is_map() && valid_map_key(idx[0])) {
      long p = root.map_obj()->find(idx[0]);
      int64_t now = bytes_of(root, fixed) + map_set_delta(root.map_obj(), p, idx[0], v, fixed);
      if (now > lim.max_map_bytes) return E_QUOTA;
      MapObj* m = root.map_mut();
      if (p < 0) {
        m->set(idx[0], v);
      } else {
        m->entries[size_t(p)].first = idx[0];
        m->entries[size_t(p)].second = v;
      }
      if (fixed) remember_bytes(root, now);
      return E_NONE;
    }
  }
  Error e = precheck(root, idx, n, last_is_range, v);
  if (e != E_NONE) return e;
  constexpr int kKept = 16;  // deeper paths are checked but not remembered
  int64_t sizes[kKept];
  bool fixed = true, exact;
  const Value* c = &root;
  for (int i = 0; i + 1 < n; ++i) c = &child_at(*c, idx[i]);
  int64_t delta;
  e = leaf_growth(*c, idx + n - 1, last_is_range, v, &delta, fixed, &exact);
  if (e != E_NONE) return e;
  if (!exact) {  // a map range: set, then measured whole
    Value before = root;
    e = set_level(root, idx, n, last_is_range, v);
    if (e != E_NONE) return e;
    c = &root;
    for (int i = 0; i < n; ++i) {
      if ((c->is_list() && value_bytes(*c) > lim.max_list_bytes) ||
          (c->is_map() && value_bytes(*c) > lim.max_map_bytes)) {
        root = std::move(before);
        return E_QUOTA;
      }
      if (i + 1 < n) c = &child_at(*c, idx[i]);
    }
    return E_NONE;
  }
  c = &root;
  for (int i = 0; i < n; ++i) {
    if (c->is_str()) break;  // a string leaf: its length was checked
    int64_t now = bytes_of(*c, fixed) + delta;
    if (now > (c->is_map() ? lim.max_map_bytes : lim.max_list_bytes)) return E_QUOTA;
    if (i < kKept) sizes[i] = now;
    if (i + 1 < n) c = &child_at(*c, idx[i]);
  }
  e = set_level(root, idx, n, last_is_range, v);
  if (e != E_NONE || !fixed || n > kKept) return e;
  c = &root;
  for (int i = 0; i < n && !c->is_str(); ++i) {
    remember_bytes(*c, sizes[i]);
    if (i + 1 < n) c = &child_at(*c, idx[i]);
  }
  return E_NONE;
}

// The list's size is remembered across appends in place (its old size plus
// the new elements'), so that `l = {@l, x}` stays O(1): value_bytes() walks
// the list only the first time.
Error append(Value& list, const Value& item) {
  if (!list.is_list()) return list.type() == Type::None ? E_VARNF : E_TYPE;
  if (item.type() == Type::None) return E_VARNF;
  const ValueLimits& lim = value_limits();
  if (int64_t(list.list_len()) >= lim.max_list_length) return E_QUOTA;  // LambdaMOO: max <= len
  bool fixed_list, fixed_item;
  int64_t bytes = value_bytes(list, &fixed_list) + value_bytes(item, &fixed_item);
  if (bytes > lim.max_list_bytes) return E_QUOTA;
  list_append(list, item);
  if (fixed_list && fixed_item) remember_bytes(list, bytes);
  return E_NONE;
}

Error splice(Value& list, const Value& items) {
  if (items.type() == Type::None) return E_VARNF;
  if (!list.is_list() || !items.is_list()) return E_TYPE;
  uint32_t n = items.list_len();
  if (n == 0) return E_NONE;
  const ValueLimits& lim = value_limits();
  if (int64_t(list.list_len()) + n > lim.max_list_length) return E_QUOTA;  // max < len1 + len2
  bool fixed_list, fixed_items;
  // items' own Var and length cell are not copied
  int64_t bytes = value_bytes(list, &fixed_list) + value_bytes(items, &fixed_items) - 32;
  if (bytes > lim.max_list_bytes) return E_QUOTA;
  Value keep = items;  // items may be list itself
  list.list_mut(n);  // one allocation, not n
  for (uint32_t i = 0; i < n; ++i) list_append(list, keep.list_at(i));
  if (fixed_list && fixed_items) remember_bytes(list, bytes);
  return E_NONE;
}

Error list_bytes(const Value* items, int n, int64_t* bytes, bool* fixed) {
  const ValueLimits& lim = value_limits();
  if (n > lim.max_list_length) return E_QUOTA;
  int64_t total = 32;
  bool all = true;
  for (int i = 0; i < n; ++i) {
    bool f;
    total += value_bytes(items[i], &f);
    all = all && f;
  }
  if (total > lim.max_list_bytes) return E_QUOTA;
  *bytes = total;
  *fixed = all;
  return E_NONE;
}

Error make_map(const Value* kv, int pairs, Value& out) {
  Value m = Value::empty_map();
  MapObj* mo = m.map_mut();
  for (int i = 0; i < pairs; ++i) {
    const Value& k = kv[2 * i];
    if (k.type() == Type::None || kv[2 * i + 1].type() == Type::None) return E_VARNF;
    if (!valid_map_key(k)) return E_TYPE;
    mo->set(k, kv[2 * i + 1]);
  }
  if (pairs && value_bytes(m) > value_limits().max_map_bytes) return E_QUOTA;
  out = std::move(m);
  return E_NONE;
}

}  // namespace echo::ops
