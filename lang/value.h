// MOO values: INT, FLOAT, STR, OBJ, ERR, LIST, MAP, BOOL, and Echo's NULL and FUNC.
//
// A Value is 16 bytes: a payload and a type tag. Strings, lists and maps live
// on the heap with an atomic reference count and are copied on write: a
// mutation through a Value whose heap object is held only once happens in
// place (that is what makes `l = {@l, x}` and `m[k] = v` O(1) amortised).
// When the count is 1 only this holder can see the object, so the uniqueness
// test needs no read-modify-write.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace echo {

// Type codes are LambdaMOO's / ToastStunt's, so typeof() and the INT/STR/...
// variables return the numbers existing cores compare against.
enum class Type : uint8_t {
  Int = 0,
  Obj = 1,
  Str = 2,
  Err = 3,
  List = 4,
  Clear = 5,  // a property value that is inherited ("clear"); never seen by MOO code
  None = 6,   // an unbound variable slot
  Float = 9,
  Map = 10,
  Bool = 14,
  // Echo's own types (lang/function.h): null, functions, and the cells of
  // let-bindings captured by reference (internal: never seen by code).
  Null = 16,
  Func = 17,
  Cell = 18,
};

enum Error : int64_t {
  E_NONE = 0, E_TYPE, E_DIV, E_PERM, E_PROPNF, E_VERBNF, E_VARNF, E_INVIND,
  E_RECMOVE, E_MAXREC, E_RANGE, E_ARGS, E_NACC, E_INVARG, E_QUOTA, E_FLOAT,
  E_FILE, E_EXEC, E_INTRPT,  // ToastStunt's: file I/O, exec(), an interrupted task
  ERROR_COUNT
};

const char* error_name(Error e);     // "E_TYPE"
const char* error_message(Error e);  // "Type mismatch"
bool error_from_name(std::string_view name, Error* out);  // case-insensitive

class Value;
struct StrObj;
// The 256 shared one-byte strings (value.cpp), for Value::chr.
extern StrObj* const* const kCharStrs;

// Heap objects. All start with the reference count.
struct HeapObject {
  std::atomic<uint32_t> refs{1};
  // Shared constants (the empty string and list, the one-byte strings) are
  // immortal: their count is never changed, so threads touching them do not
  // contend on one cache line, and they are never unique (mutation copies).
  static constexpr uint32_t kImmortal = 1u << 31;
  bool immortal() const { return refs.load(std::memory_order_relaxed) & kImmortal; }
};

struct StrObj : HeapObject {
  uint32_t len = 0;
  uint32_t cap = 0;
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), len}; }
};

// alignas(8): the Values stored after the header must be 8-byte aligned
// (the header itself is only 12 bytes).
struct alignas(8) ListObj : HeapObject {
  uint32_t len = 0;
  uint32_t cap = 0;
  // value_bytes() remembered (0: not known); list_mut() forgets it. Atomic:
  // readers of a shared list may fill it in from several threads at once.
  // It fits in what was padding: the header stays 16 bytes.
  mutable std::atomic<uint32_t> bytes{0};
  Value* items() { return reinterpret_cast<Value*>(this + 1); }
  const Value* items() const { return reinterpret_cast<const Value*>(this + 1); }
};

struct MapObj;  // defined in map.h: a sorted vector of key/value pairs

class Value {
  static constexpr uint32_t kHeapTypes =
      (1u << unsigned(Type::Str)) | (1u << unsigned(Type::List)) | (1u << unsigned(Type::Map)) |
      (1u << unsigned(Type::Func)) | (1u << unsigned(Type::Cell));

 public:
  Value() : i_(0), type_(Type::Int) {}
  ~Value() { release(); }
  Value(const Value& o) : i_(o.i_), type_(o.type_) { retain(); }
  Value(Value&& o) noexcept : i_(o.i_), type_(o.type_) { o.type_ = Type::Int; o.i_ = 0; }
  // Both assignments read the source before releasing the old value: the
  // source may live inside it (`x = x[1]`), and would be freed with it.
  [[gnu::always_inline]] Value& operator=(const Value& o) {
    int64_t i = o.i_;
    Type t = o.type_;
    o.retain();
    release();
    i_ = i;
    type_ = t;
    return *this;
  }
  [[gnu::always_inline]] Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      int64_t i = o.i_;
      Type t = o.type_;
      o.type_ = Type::Int;
      o.i_ = 0;
      release();
      i_ = i;
      type_ = t;
    }
    return *this;
  }

  // Constructors by type.
  static Value integer(int64_t v) { Value r; r.i_ = v; return r; }
  static Value flt(double v) { Value r; r.type_ = Type::Float; r.f_ = v; return r; }
  static Value obj(int64_t id) { Value r; r.type_ = Type::Obj; r.i_ = id; return r; }
  static Value err(Error e) { Value r; r.type_ = Type::Err; r.i_ = e; return r; }
  static Value boolean(bool b) { Value r; r.type_ = Type::Bool; r.i_ = b; return r; }
  static Value none() { Value r; r.type_ = Type::None; return r; }
  static Value null() { Value r; r.type_ = Type::Null; return r; }
  static Value clear() { Value r; r.type_ = Type::Clear; return r; }
  static Value str(std::string_view s);
  // A string never freed and never counted: a constant made once (such as a
  // key every saved task has), shared by every thread at no cost.
  static Value immortal_str(std::string_view s);
  // A one-byte string: the shared immortal one (no allocation, no count).
  static Value chr(unsigned char c) { return adopt(Type::Str, kCharStrs[c]); }
  static Value empty_list();
  static Value list_of_size(uint32_t n);  // n Int 0 elements, to be filled
  static Value empty_map();
  // Takes ownership of one reference to h.
  static Value adopt(Type t, HeapObject* h) { Value r; r.type_ = t; r.p_ = h; return r; }

  Type type() const { return type_; }
  bool is_int() const { return type_ == Type::Int; }
  bool is_float() const { return type_ == Type::Float; }
  bool is_str() const { return type_ == Type::Str; }
  bool is_obj() const { return type_ == Type::Obj; }
  bool is_err() const { return type_ == Type::Err; }
  bool is_list() const { return type_ == Type::List; }
  bool is_map() const { return type_ == Type::Map; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_func() const { return type_ == Type::Func; }
  bool is_cell() const { return type_ == Type::Cell; }
  bool is_heap() const { return (kHeapTypes >> unsigned(type_)) & 1u; }

  int64_t as_int() const { return i_; }
  double as_float() const { return f_; }
  int64_t as_obj() const { return i_; }
  Error as_err() const { return static_cast<Error>(i_); }
  bool as_bool() const { return i_ != 0; }
  const StrObj* str_obj() const { return static_cast<const StrObj*>(p_); }
  std::string_view as_str() const { return static_cast<const StrObj*>(p_)->view(); }
  const ListObj* list_obj() const { return static_cast<const ListObj*>(p_); }
  const MapObj* map_obj() const { return reinterpret_cast<const MapObj*>(p_); }
  HeapObject* heap() const { return p_; }

  // List access (caller has checked is_list()).
  uint32_t list_len() const { return list_obj()->len; }
  const Value& list_at(uint32_t i0) const { return list_obj()->items()[i0]; }

  // Mutable access for copy-on-write: makes the heap object unique first
  // (copying it when shared) and returns it.
  StrObj* str_mut(uint32_t extra_capacity = 0);
  ListObj* list_mut(uint32_t extra_capacity = 0);
  MapObj* map_mut();
  bool unique() const { return !is_heap() || p_->refs.load(std::memory_order_relaxed) == 1; }

  // Set in place: *this must not alias anything in the arguments.
  // The VM's hot stores: when the slot already holds the type, only the
  // payload is written.
  void set_int(int64_t v) {
    if (type_ != Type::Int) { release(); type_ = Type::Int; }
    i_ = v;
  }
  void set_float(double v) {
    if (type_ != Type::Float) { release(); type_ = Type::Float; }
    f_ = v;
  }

  // MOO truth: non-zero numbers, non-empty strings, lists and maps, true.
  bool truthy() const;

 private:
  void retain() const {
    if (is_heap() && !p_->immortal()) p_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() {
    if (is_heap()) release_slow();
  }
  void release_slow();

  union {
    int64_t i_;
    double f_;
    HeapObject* p_;
  };
  Type type_;
};

static_assert(sizeof(Value) == 16);

// Equality as MOO's `==`: same type and same value; strings (also inside
// lists and maps) compare case-insensitively. INT 1 and FLOAT 1.0 differ.
bool equal(const Value& a, const Value& b);
// Exact equality (case-sensitive), as equal(a, b, 1) in ToastStunt.
bool equal_exact(const Value& a, const Value& b);
// Total order used for map keys and sort(): by type code, then value;
// strings case-insensitively unless case_matters.
int compare_values(const Value& a, const Value& b, bool case_matters = false);
// Case-insensitive byte comparison (ASCII folding, as LambdaMOO's mystrcasecmp).
int compare_ci(std::string_view a, std::string_view b);

// Printing.
std::string to_literal(const Value& v);  // as toliteral()
std::string to_str(const Value& v);      // as tostr() of one argument
std::string format_float(double d);      // LambdaMOO's float printing: %.15g, ".0" added
const char* type_name(Type t);           // "INT", "STR", ... for messages

// Bytes of strings, lists and maps this thread has allocated or grown,
// ever (approximately: headers and capacity, not the allocator's own). Only
// differences mean anything: a task measures what it holds once this has
// grown by ValueLimits::kMeterStep (lang/limits.h).
// Inline and constant-initialised, so that reading it is one TLS load (the
// VM reads it after every instruction that may allocate).
inline thread_local uint64_t tl_heap_allocated = 0;
inline uint64_t heap_bytes_allocated() { return tl_heap_allocated; }
inline void count_heap_bytes(size_t n) { tl_heap_allocated += n; }

// Building values.
Value make_list(std::initializer_list<Value> items);
void list_append(Value& list, Value item);  // in place when unique
Value str_concat(const Value& a, const Value& b);

}  // namespace echo
