// MOO values: heap objects, copy-on-write, equality, ordering and printing.
//
// Printing follows LambdaMOO 1.8.x exactly (list.c print_to_stream/list2str and
// streams.c stream_printf), with ToastStunt's extensions for MAP and BOOL.
#include "lang/value.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <vector>

#include "lang/function.h"
#include "lang/map.h"

namespace echo {

// ---------------------------------------------------------------------------
// Errors

namespace {

struct ErrorInfo {
  const char* name;
  const char* message;
};

// LambdaMOO's unparse_error() messages.
constexpr ErrorInfo kErrors[ERROR_COUNT] = {
    {"E_NONE", "No error"},
    {"E_TYPE", "Type mismatch"},
    {"E_DIV", "Division by zero"},
    {"E_PERM", "Permission denied"},
    {"E_PROPNF", "Property not found"},
    {"E_VERBNF", "Verb not found"},
    {"E_VARNF", "Variable not found"},
    {"E_INVIND", "Invalid indirection"},
    {"E_RECMOVE", "Recursive move"},
    {"E_MAXREC", "Too many verb calls"},
    {"E_RANGE", "Range error"},
    {"E_ARGS", "Incorrect number of arguments"},
    {"E_NACC", "Move refused by destination"},
    {"E_INVARG", "Invalid argument"},
    {"E_QUOTA", "Resource limit exceeded"},
    {"E_FLOAT", "Floating-point arithmetic error"},
    {"E_FILE", "File error"},  // ToastStunt's unparse_error()
    {"E_EXEC", "Exec error"},
    {"E_INTRPT", "Interrupted"},
};

inline unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

}  // namespace

const char* error_name(Error e) {
  if (e < 0 || e >= ERROR_COUNT) return "E_UNKNOWN";
  return kErrors[e].name;
}

const char* error_message(Error e) {
  if (e < 0 || e >= ERROR_COUNT) return "Unknown error";
  return kErrors[e].message;
}

bool error_from_name(std::string_view name, Error* out) {
  for (int i = 0; i < ERROR_COUNT; ++i) {
    if (compare_ci(name, kErrors[i].name) == 0) {
      if (out) *out = static_cast<Error>(i);
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Heap allocation
//
// A StrObj is followed by cap + 1 bytes (room for a NUL the VM may keep), a
// ListObj by cap Values. Both are malloc'd so they can be realloc'd in place
// when unique (Values are trivially relocatable: no self-pointers).

namespace {

constexpr uint64_t kMaxLen = 0xFFFFFFF0u;

uint32_t checked_cap(uint64_t want) {
  if (want > kMaxLen) throw std::length_error("MOO value too large");
  return static_cast<uint32_t>(want);
}

uint32_t grown_cap(uint32_t cap, uint64_t need) {
  uint64_t c = cap < 4 ? 8 : uint64_t(cap) + cap / 2 + 8;  // geometric (x1.5)
  if (c < need) c = need;
  if (c > kMaxLen) c = need;
  return checked_cap(c);
}

StrObj* alloc_str(uint32_t cap) {
  void* mem = std::malloc(sizeof(StrObj) + size_t(cap) + 1);
  if (!mem) throw std::bad_alloc();
  tl_heap_allocated += sizeof(StrObj) + size_t(cap) + 1;
  StrObj* s = new (mem) StrObj();
  s->cap = cap;
  s->len = 0;
  s->data()[0] = '\0';
  return s;
}

ListObj* alloc_list(uint32_t cap) {
  void* mem = std::malloc(sizeof(ListObj) + sizeof(Value) * size_t(cap ? cap : 1));
  if (!mem) throw std::bad_alloc();
  tl_heap_allocated += sizeof(ListObj) + sizeof(Value) * size_t(cap ? cap : 1);
  ListObj* l = new (mem) ListObj();
  l->cap = cap;
  l->len = 0;
  return l;
}

// Shared constant objects: created once, never freed, immortal (see
// HeapObject), so they are never unique and every mutation copies them first.
template <typename T>
T* make_immortal(T* o) {
  o->refs.store(HeapObject::kImmortal, std::memory_order_relaxed);
  return o;
}
StrObj* empty_str_obj() {
  static StrObj* s = make_immortal(alloc_str(0));
  return s;
}
// The 256 one-byte strings, shared the same way: indexing a string, the
// commonest way of making one, then allocates nothing.
StrObj* char_str_obj(unsigned char c) {
  struct Table {
    StrObj* s[256];
    Table() {
      for (int i = 0; i < 256; ++i) {
        s[i] = alloc_str(1);
        s[i]->data()[0] = char(i);
        s[i]->data()[1] = '\0';
        s[i]->len = 1;
        make_immortal(s[i]);
      }
    }
  };
  static Table table;
  return table.s[c];
}
StrObj* const* char_table() {
  static StrObj* t[256];
  for (int i = 0; i < 256; ++i) t[i] = char_str_obj(static_cast<unsigned char>(i));
  return t;
}
ListObj* empty_list_obj() {
  static ListObj* l = make_immortal(alloc_list(0));
  return l;
}

// Destruction is iterative: a list holding the last reference to a list
// holding ... would otherwise recurse once per level and could overflow the
// stack on deeply nested values.
struct Pending {
  Type type;
  HeapObject* obj;
};
thread_local std::vector<Pending> tl_pending;
thread_local bool tl_draining = false;

void destroy_now(Type t, HeapObject* h) {
  switch (t) {
    case Type::Str:
      std::free(h);
      break;
    case Type::List: {
      ListObj* l = static_cast<ListObj*>(h);
      Value* it = l->items();
      for (uint32_t i = 0; i < l->len; ++i) it[i].~Value();
      l->~ListObj();
      std::free(l);
      break;
    }
    case Type::Map:
      delete static_cast<MapObj*>(h);
      break;
    case Type::Func:
      delete static_cast<FuncObj*>(h);
      break;
    case Type::Cell:
      delete static_cast<CellObj*>(h);
      break;
    default:
      break;
  }
}

}  // namespace

StrObj* const* const kCharStrs = char_table();

Value Value::immortal_str(std::string_view s) {
  StrObj* o = alloc_str(checked_cap(s.size()));
  std::memcpy(o->data(), s.data(), s.size());
  o->len = static_cast<uint32_t>(s.size());
  o->data()[o->len] = '\0';
  return adopt(Type::Str, make_immortal(o));
}

Value Value::str(std::string_view s) {
  if (s.empty()) {
    StrObj* e = empty_str_obj();
    return adopt(Type::Str, e);
  }
  if (s.size() == 1) {
    StrObj* c = char_str_obj(static_cast<unsigned char>(s[0]));
    return adopt(Type::Str, c);
  }
  StrObj* o = alloc_str(checked_cap(s.size()));
  std::memcpy(o->data(), s.data(), s.size());
  o->len = static_cast<uint32_t>(s.size());
  o->data()[o->len] = '\0';
  return adopt(Type::Str, o);
}

Value Value::empty_list() {
  ListObj* e = empty_list_obj();
  return adopt(Type::List, e);
}

Value Value::list_of_size(uint32_t n) {
  if (n == 0) return empty_list();
  ListObj* l = alloc_list(checked_cap(n));
  Value* it = l->items();
  for (uint32_t i = 0; i < n; ++i) new (&it[i]) Value();
  l->len = n;
  return adopt(Type::List, l);
}

Value Value::empty_map() {
  tl_heap_allocated += sizeof(MapObj);
  return adopt(Type::Map, new MapObj());
}



void Value::release_slow() {
  HeapObject* h = p_;
  // The sole holder frees without a read-modify-write: no other thread can
  // hold a reference to take or drop.
  uint32_t refs = h->refs.load(std::memory_order_acquire);
  if (refs & HeapObject::kImmortal) return;
  if (refs != 1 && h->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (type_ == Type::Str) {  // holds nothing: no recursion possible
    std::free(h);
    return;
  }
  if (tl_draining) {
    tl_pending.push_back({type_, h});
    return;
  }
  tl_draining = true;
  destroy_now(type_, h);
  while (!tl_pending.empty()) {
    Pending p = tl_pending.back();
    tl_pending.pop_back();
    destroy_now(p.type, p.obj);
  }
  tl_draining = false;
}

StrObj* Value::str_mut(uint32_t extra_capacity) {
  StrObj* s = static_cast<StrObj*>(p_);
  uint64_t need = uint64_t(s->len) + extra_capacity;
  if (s->refs.load(std::memory_order_acquire) != 1) {
    uint32_t cap = extra_capacity ? grown_cap(s->len, need) : checked_cap(need);
    StrObj* n = alloc_str(cap);
    std::memcpy(n->data(), s->data(), s->len);
    n->len = s->len;
    n->data()[n->len] = '\0';
    release();
    p_ = n;
    return n;
  }
  if (need > s->cap) {
    uint32_t cap = grown_cap(s->cap, need);
    void* mem = std::realloc(s, sizeof(StrObj) + size_t(cap) + 1);
    if (!mem) throw std::bad_alloc();
    s = static_cast<StrObj*>(mem);
    tl_heap_allocated += cap - s->cap;
    s->cap = cap;
    p_ = s;
  }
  return s;
}

ListObj* Value::list_mut(uint32_t extra_capacity) {
  ListObj* l = static_cast<ListObj*>(p_);
  uint64_t need = uint64_t(l->len) + extra_capacity;
  if (l->refs.load(std::memory_order_acquire) != 1) {
    uint32_t cap = extra_capacity ? grown_cap(l->len, need) : checked_cap(need);
    ListObj* n = alloc_list(cap);
    const Value* src = l->items();
    Value* dst = n->items();
    for (uint32_t i = 0; i < l->len; ++i) new (&dst[i]) Value(src[i]);
    n->len = l->len;
    release();
    p_ = n;
    return n;
  }
  if (need > l->cap) {
    uint32_t cap = grown_cap(l->cap, need);
    void* mem = std::realloc(static_cast<void*>(l), sizeof(ListObj) + sizeof(Value) * size_t(cap));
    if (!mem) throw std::bad_alloc();
    l = static_cast<ListObj*>(mem);
    tl_heap_allocated += sizeof(Value) * size_t(cap - l->cap);
    l->cap = cap;
    p_ = l;
  }
  l->bytes.store(0, std::memory_order_relaxed);  // the caller is about to change it
  return l;
}

MapObj* Value::map_mut() {
  MapObj* m = reinterpret_cast<MapObj*>(p_);
  if (m->refs.load(std::memory_order_acquire) != 1) {
    MapObj* n = new MapObj();
    n->entries = m->entries;  // copies retain keys and values
    tl_heap_allocated += sizeof(MapObj) + sizeof(n->entries[0]) * n->entries.size();
    release();
    p_ = n;
    return n;
  }
  m->bytes.store(0, std::memory_order_relaxed);  // the caller is about to change it
  return m;
}

bool Value::truthy() const {
  switch (type_) {
    case Type::Int: return i_ != 0;
    case Type::Float: return f_ != 0.0;
    case Type::Str: return str_obj()->len != 0;
    case Type::List: return list_obj()->len != 0;
    case Type::Map: return !map_obj()->entries.empty();
    case Type::Bool: return i_ != 0;
    case Type::Func: return true;
    default: return false;
  }
}

// ---------------------------------------------------------------------------
// Equality and ordering

int compare_ci(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = fold(static_cast<unsigned char>(a[i]));
    unsigned char y = fold(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

namespace {

template <typename T>
int three_way(T x, T y) {
  return x < y ? -1 : (y < x ? 1 : 0);
}

// Containers are walked with an explicit stack, never by recursion, so that
// a deeply nested value cannot overflow the C++ stack. A frame's children
// are a list's elements, or a map's keys and values alternately.
struct Frame {
  const Value* a;
  const Value* b;
  size_t i;
};

// A stack of frames that lives on the C++ stack while shallow (the common
// case) and spills to the heap when deep.
class FrameStack {
 public:
  bool empty() const { return n_ == 0; }
  Frame& back() { return n_ <= kInline ? inline_[n_ - 1] : heap_[n_ - 1 - kInline]; }
  void push_back(Frame f) {
    if (n_ < kInline) inline_[n_] = f;
    else heap_.push_back(f);
    ++n_;
  }
  void pop_back() {
    --n_;
    if (n_ >= kInline) heap_.pop_back();
  }

 private:
  static constexpr size_t kInline = 16;
  Frame inline_[kInline];
  size_t n_ = 0;
  std::vector<Frame> heap_;
};

size_t child_count(const Value& v) {
  return v.is_list() ? v.list_len() : v.map_obj()->entries.size() * 2;
}

const Value* child(const Value& v, size_t i) {
  if (v.is_list()) return &v.list_at(uint32_t(i));
  const auto& e = v.map_obj()->entries[i / 2];
  return (i & 1) ? &e.second : &e.first;
}

bool is_container(const Value& v) { return v.is_list() || v.is_map(); }

// Equality of everything but the children; *descend when the children must
// be compared too.
bool shallow_equal(const Value& a, const Value& b, bool case_matters, bool* descend) {
  *descend = false;
  if (a.type() != b.type()) {
    // ToastStunt: a BOOL equals the INT of its truth value (true == 1).
    if (a.is_bool() && b.is_int()) return b.as_int() == (a.as_bool() ? 1 : 0);
    if (a.is_int() && b.is_bool()) return a.as_int() == (b.as_bool() ? 1 : 0);
    return false;
  }
  switch (a.type()) {
    case Type::Int:
    case Type::Obj:
    case Type::Err:
      return a.as_int() == b.as_int();
    case Type::Bool:
      return a.as_bool() == b.as_bool();
    case Type::Float:
      return a.as_float() == b.as_float();
    case Type::Str: {
      if (a.heap() == b.heap()) return true;
      std::string_view x = a.as_str(), y = b.as_str();
      if (x.size() != y.size()) return false;
      return case_matters ? x == y : compare_ci(x, y) == 0;
    }
    case Type::List:
    case Type::Map:
      if (a.heap() == b.heap()) return true;
      if (child_count(a) != child_count(b)) return false;
      *descend = true;
      return true;
    case Type::Func:
    case Type::Cell:
      return a.heap() == b.heap();  // a function equals only itself
    default:
      return true;  // Clear, None, Null
  }
}

bool equal_impl(const Value& a, const Value& b, bool case_matters) {
  bool descend;
  if (!shallow_equal(a, b, case_matters, &descend)) return false;
  if (!descend) return true;
  FrameStack stack;
  stack.push_back({&a, &b, 0});
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.i == child_count(*f.a)) {
      stack.pop_back();
      continue;
    }
    const Value* x = child(*f.a, f.i);
    const Value* y = child(*f.b, f.i);
    ++f.i;
    if (!shallow_equal(*x, *y, case_matters, &descend)) return false;
    if (descend) stack.push_back({x, y, 0});
  }
  return true;
}

// Order of everything but the children (containers compare equal here).
int shallow_compare(const Value& a, const Value& b, bool case_matters) {
  if (a.type() != b.type()) return three_way(uint8_t(a.type()), uint8_t(b.type()));
  switch (a.type()) {
    case Type::Int:
    case Type::Obj:
    case Type::Err:
      return three_way(a.as_int(), b.as_int());
    case Type::Bool:
      return three_way(int(a.as_bool()), int(b.as_bool()));
    case Type::Float: {
      double x = a.as_float(), y = b.as_float();
      bool nx = std::isnan(x), ny = std::isnan(y);
      if (nx || ny) return three_way(int(nx), int(ny));
      return three_way(x, y);
    }
    case Type::Str: {
      if (case_matters) {
        int c = a.as_str().compare(b.as_str());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
      return compare_ci(a.as_str(), b.as_str());
    }
    case Type::Func:
    case Type::Cell:
      return three_way(reinterpret_cast<uintptr_t>(a.heap()), reinterpret_cast<uintptr_t>(b.heap()));
    default:
      return 0;
  }
}

}  // namespace

bool equal(const Value& a, const Value& b) { return equal_impl(a, b, false); }
bool equal_exact(const Value& a, const Value& b) { return equal_impl(a, b, true); }

// ToastStunt's compare(): different types order by type code; same types by
// value. ToastStunt refuses to order lists and maps; Echo orders them
// lexicographically (element by element -- for maps key, then value, entry
// by entry -- then by length) so that the order is total. NaN sorts after
// every other float and equal to itself.
int compare_values(const Value& a, const Value& b, bool case_matters) {
  int c = shallow_compare(a, b, case_matters);
  if (c || !is_container(a)) return c;
  FrameStack stack;
  stack.push_back({&a, &b, 0});
  while (!stack.empty()) {
    Frame& f = stack.back();
    size_t na = child_count(*f.a), nb = child_count(*f.b);
    if (f.i >= na || f.i >= nb) {
      if (na != nb) return na < nb ? -1 : 1;
      stack.pop_back();
      continue;
    }
    const Value* x = child(*f.a, f.i);
    const Value* y = child(*f.b, f.i);
    ++f.i;
    c = shallow_compare(*x, *y, case_matters);
    if (c) return c;
    if (is_container(*x)) stack.push_back({x, y, 0});
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Printing

// LambdaMOO (streams.c, stream_printf "%g") prints a float with "%.15g"
// (DBL_DIG significant digits) and appends ".0" when the text has neither a
// '.' nor an 'e', so 1.0 prints "1.0", 1e20 prints "1e+20" and 0.1 prints
// "0.1". LambdaMOO never holds inf or nan (arithmetic raises E_FLOAT); should
// one reach here Echo prints "inf"/"-inf"/"nan" without the ".0" LambdaMOO
// would have appended. ToastStunt prints the same way for finite values.
// This is not round-trippable beyond 15 digits; that is LambdaMOO's choice.
std::string format_float(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", DBL_DIG, d);
  if (!std::strchr(buf, '.') && !std::strchr(buf, 'e') && !std::strchr(buf, 'n') &&
      !std::strchr(buf, 'i'))
    std::strcat(buf, ".0");
  return buf;
}

const char* type_name(Type t) {
  switch (t) {
    case Type::Int: return "INT";
    case Type::Obj: return "OBJ";
    case Type::Str: return "STR";
    case Type::Err: return "ERR";
    case Type::List: return "LIST";
    case Type::Clear: return "CLEAR";
    case Type::None: return "NONE";
    case Type::Float: return "FLOAT";
    case Type::Map: return "MAP";
    case Type::Bool: return "BOOL";
    case Type::Null: return "NULL";
    case Type::Func: return "FUNC";
    case Type::Cell: return "CELL";
  }
  return "UNKNOWN";
}

namespace {

void append_scalar(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::Int:
      out += std::to_string(v.as_int());
      break;
    case Type::Obj:
      out += '#';
      out += std::to_string(v.as_obj());
      break;
    case Type::Err:
      out += error_name(v.as_err());
      break;
    case Type::Float:
      out += format_float(v.as_float());
      break;
    case Type::Bool:
      out += v.as_bool() ? "true" : "false";
      break;
    case Type::Str: {
      out += '"';
      for (char c : v.as_str()) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
      break;
    }
    case Type::Clear:
      out += "<clear>";
      break;
    case Type::None:
      out += "<none>";
      break;
    case Type::Null:
      out += "null";
      break;
    case Type::Func:
      out += func_of(v)->source;  // the function's own text
      break;
    default:
      break;
  }
}

}  // namespace

// Iterative, like equal(): `{1, "a", {}}', `["a" -> 1, 2 -> 3]'.
std::string to_literal(const Value& v) {
  std::string out;
  if (!is_container(v)) {
    append_scalar(out, v);
    return out;
  }
  FrameStack stack;
  auto open = [&](const Value* c) {
    out += c->is_list() ? '{' : '[';
    stack.push_back({c, nullptr, 0});
  };
  open(&v);
  while (!stack.empty()) {
    Frame& f = stack.back();
    const Value& c = *f.a;
    if (f.i == child_count(c)) {
      out += c.is_list() ? '}' : ']';
      stack.pop_back();
      continue;
    }
    size_t i = f.i++;
    if (c.is_list()) {
      if (i) out += ", ";
    } else {
      out += (i & 1) ? " -> " : (i ? ", " : "");
    }
    const Value* x = child(c, i);
    if (is_container(*x)) open(x);  // invalidates f
    else append_scalar(out, *x);
  }
  return out;
}

std::string to_str(const Value& v) {
  switch (v.type()) {
    case Type::Int: return std::to_string(v.as_int());
    case Type::Obj: return "#" + std::to_string(v.as_obj());
    case Type::Str: return std::string(v.as_str());
    case Type::Err: return error_message(v.as_err());
    case Type::Float: return format_float(v.as_float());
    case Type::List: return "{list}";
    case Type::Map: return "[map]";
    case Type::Bool: return v.as_bool() ? "true" : "false";
    case Type::Null: return "null";
    case Type::Func: return "{function}";
    default: return "";
  }
}

// ---------------------------------------------------------------------------
// Building values

Value make_list(std::initializer_list<Value> items) {
  if (items.size() == 0) return Value::empty_list();
  Value r = Value::list_of_size(checked_cap(items.size()));
  ListObj* l = r.list_mut();
  uint32_t i = 0;
  for (const Value& v : items) l->items()[i++] = v;
  return r;
}

void list_append(Value& list, Value item) {
  ListObj* l = list.list_mut(1);
  new (&l->items()[l->len]) Value(std::move(item));
  ++l->len;
}

Value str_concat(const Value& a, const Value& b) {
  std::string_view x = a.as_str(), y = b.as_str();
  if (y.empty()) return a;
  if (x.empty()) return b;
  uint64_t total = uint64_t(x.size()) + y.size();
  StrObj* s = alloc_str(checked_cap(total));
  std::memcpy(s->data(), x.data(), x.size());
  std::memcpy(s->data() + x.size(), y.data(), y.size());
  s->len = static_cast<uint32_t>(total);
  s->data()[s->len] = '\0';
  return Value::adopt(Type::Str, s);
}

}  // namespace echo
