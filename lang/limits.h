// How large a task's values may grow (security issue 14): the limits that
// LambdaMOO 1.8.3 and ToastStunt read from $server_options, Echo's budget
// for the values one task holds, and value_bytes(), the measure they use.
//
// Where the anchors disagree Echo follows LambdaMOO: max_string_concat
// defaults to LambdaMOO's 33554423 (ToastStunt: 64537861), and lists are
// bounded by LambdaMOO's max_list_concat (a length) as well as by
// ToastStunt's max_list_value_bytes. Maps, which LambdaMOO lacks, follow
// ToastStunt (max_map_value_bytes).
//
// A value that would pass a limit is not built. With max_concat_catchable
// false (both anchors' default) the task is then aborted as if it ran out
// of seconds (LambdaMOO's PUSH_ERROR_UNLESS_QUOTA / make_space_pack); with
// it true, E_QUOTA is raised where the value was being built.
#pragma once

#include <cstdint>
#include <functional>

#include "lang/builtins.h"
#include "lang/map.h"
#include "lang/value.h"

namespace echo {

struct ValueLimits {
  // max_string_concat: the longest string an operator or builtin builds.
  int64_t max_string = 33554423;
  // max_list_concat (LambdaMOO): the most elements a list grows to.
  int64_t max_list_length = 4194302;
  // max_list_value_bytes, max_map_value_bytes (ToastStunt): the largest
  // value_bytes() of a list or map that is built or grown.
  int64_t max_list_bytes = 64537861;
  int64_t max_map_bytes = 64537861;
  // max_concat_catchable: E_QUOTA (true) or an abort (false).
  bool catchable = false;
  // max_task_value_bytes (Echo's own): the value_bytes() of all the values
  // the task holds at once in its frames (variables and temporaries of every
  // activation, pending finally values, a waiting builtin's arguments), each
  // distinct string, list or map counted once however many registers hold
  // it. Not counted: values stored in properties (the database's), other
  // tasks' values (each task has its own budget), a builtin's temporaries
  // while it runs (bounded by the limits above), programs. Measured after a
  // task has allocated kMeterStep bytes since the last measurement, so a
  // task may pass it by at most that plus one value's limits before the
  // error. <= 0: no budget.
  int64_t max_task_bytes = int64_t(256) << 20;

  // LambdaMOO's and ToastStunt's canonicalisation (load_server_options): a
  // positive value under the minimum is raised to it; 0, a negative value or
  // one past the maximum means the maximum.
  static int64_t clamp(int64_t v, int64_t min, int64_t max) {
    if (0 < v && v < min) return min;
    if (v <= 0 || v > max) return max;
    return v;
  }
  static constexpr int64_t kMinString = 1015;     // LambdaMOO's MIN_STRING_CONCAT_LIMIT
  static constexpr int64_t kMaxString = INT32_MAX - 9;  // LambdaMOO's MAX_STRING
  static constexpr int64_t kMinListLength = 1022;  // MIN_LIST_CONCAT_LIMIT
  static constexpr int64_t kMaxListLength = INT32_MAX / 16 - 2;  // MAX_LIST
  static constexpr int64_t kMinBytes = 1021;       // ToastStunt's MIN_*_VALUE_BYTES_LIMIT
  static constexpr int64_t kMaxBytes = INT32_MAX - kMinBytes;
  static constexpr int64_t kMinTaskBytes = int64_t(1) << 20;
  // Allocation between two measurements of a task's values.
  static constexpr uint64_t kMeterStep = uint64_t(16) << 20;
};

// The limits $server_options gives, canonicalised as load_server_options
// does. option(name) is the property's value, Value::none() when absent; an
// absent option or one of the wrong type keeps its default.
ValueLimits value_limits_from_options(const std::function<Value(const char* name)>& option);

namespace detail {
inline const ValueLimits kDefaultValueLimits{};
inline thread_local const ValueLimits* tl_value_limits = nullptr;
}  // namespace detail

// The limits of the task running on this thread (Task::run installs them
// with a ValueLimitsScope), or the defaults outside any task.
inline const ValueLimits& value_limits() {
  const ValueLimits* l = detail::tl_value_limits;
  return l ? *l : detail::kDefaultValueLimits;
}

class ValueLimitsScope {
 public:
  explicit ValueLimitsScope(const ValueLimits* limits);
  ~ValueLimitsScope();
  ValueLimitsScope(const ValueLimitsScope&) = delete;
  ValueLimitsScope& operator=(const ValueLimitsScope&) = delete;

 private:
  const ValueLimits* prev_;
};

// Thrown by a builtin whose result would pass a limit. It is an E_QUOTA
// MooError, so code that only knows MooError sees E_QUOTA; the VM tells it
// apart to abort the task when max_concat_catchable is false.
struct ValueTooLarge : MooError {
  ValueTooLarge() : MooError(E_QUOTA) {}
};

// value_bytes() as ToastStunt computes it on a 64-bit host: a Var is 16
// bytes; a string adds its length and a NUL, a float a double, a list a
// length cell plus its elements, a map a tree header (16) plus a node (24)
// and the key and value per entry. Shared parts count once per reference.
// Echo's functions add their object and source and their captures; a cell,
// its value. A list's or map's size is remembered in its header until the
// next list_mut()/map_mut() (not for one holding a function or cell, whose
// size can change without that), so asking again is O(1). With `fixed`,
// also whether the size stays fixed until the value is mutated through
// list_mut()/map_mut() (false when a function or cell is inside).
inline int64_t value_bytes(const Value& v, bool* fixed);
inline int64_t value_bytes(const Value& v) { return value_bytes(v, nullptr); }
// Remembers n as the size of a list or map just grown in place, when the
// caller knows it (its old size plus what was added, all fixed).
void remember_bytes(const Value& v, int64_t n);

// Checks against value_limits(); each throws ValueTooLarge when over.
void check_string_length(uint64_t n);            // max_string_concat
void check_list_length(uint64_t n);              // max_list_concat
void check_list_value(const Value& list);        // length and value bytes
void check_map_value(const Value& map);          // value bytes

// ---- inline: the sizes known without a walk --------------------------------

namespace detail {
int64_t value_bytes_walk(const Value& v, bool* fixed);

// Scalars, strings, empty containers and remembered sizes.
inline bool quick_bytes(const Value& v, int64_t* n, bool* fixed) {
  *fixed = true;
  switch (v.type()) {
    case Type::Str: *n = 16 + int64_t(v.as_str().size()) + 1; return true;
    case Type::Float: *n = 16 + 8; return true;
    case Type::List: {
      const ListObj* l = v.list_obj();
      if (l->len == 0) { *n = 32; return true; }
      uint32_t b = l->bytes.load(std::memory_order_relaxed);
      *n = b;
      return b != 0;
    }
    case Type::Map: {
      const MapObj* m = v.map_obj();
      if (m->entries.empty()) { *n = 32; return true; }
      uint32_t b = m->bytes.load(std::memory_order_relaxed);
      *n = b;
      return b != 0;
    }
    case Type::Func: case Type::Cell: return false;
    default: *n = 16; return true;
  }
}
}  // namespace detail

inline int64_t value_bytes(const Value& v, bool* fixed) {
  int64_t n;
  bool f;
  if (detail::quick_bytes(v, &n, &f)) {
    if (fixed) *fixed = f;
    return n;
  }
  return detail::value_bytes_walk(v, fixed);
}

}  // namespace echo
