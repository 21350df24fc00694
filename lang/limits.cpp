// Value limits, value_bytes() and its remembered sizes (lang/limits.h).
#include "lang/limits.h"

#include <algorithm>
#include <vector>

#include "lang/function.h"
#include "lang/map.h"

namespace echo {

namespace {

constexpr int64_t kVar = 16;            // sizeof(Var)
constexpr int64_t kMapNode = 24;        // sizeof(rbnode) - 2 * sizeof(Var)
constexpr int64_t kMapHeader = 16;      // sizeof(rbtree)
constexpr int64_t kUnremembered = int64_t(UINT32_MAX);

void store(const Value& v, int64_t n) {
  if (n <= 0 || n >= kUnremembered) return;
  if (v.is_list() && v.list_len() > 0)
    v.list_obj()->bytes.store(uint32_t(n), std::memory_order_relaxed);
  else if (v.is_map() && !v.map_obj()->entries.empty())
    v.map_obj()->bytes.store(uint32_t(n), std::memory_order_relaxed);
}

// A container being walked: its own bytes so far and its next child.
struct Walk {
  const Value* v;
  size_t next = 0;
  int64_t sum = 0;
  bool fixed = true;
};



Walk start(const Value& v) {
  Walk w{&v};
  switch (v.type()) {
    case Type::List: w.sum = 2 * kVar; break;
    case Type::Map: w.sum = kVar + kMapHeader + kMapNode * int64_t(v.map_obj()->entries.size()); break;
    case Type::Func:  // its captures' cells can change without a map_mut/list_mut
      w.sum = kVar + int64_t(sizeof(FuncObj) + func_of(v)->source.size());
      w.fixed = false;
      break;
    default:  // a cell: its own Var, then its value
      w.sum = kVar;
      w.fixed = false;
      break;
  }
  return w;
}

}  // namespace

ValueLimits value_limits_from_options(const std::function<Value(const char* name)>& option) {
  using VL = ValueLimits;
  VL v;
  auto get = [&option](const char* name, int64_t dflt) {
    Value x = option(name);
    return x.is_int() ? x.as_int() : dflt;
  };
  v.max_string = VL::clamp(get("max_string_concat", v.max_string), VL::kMinString, VL::kMaxString);
  v.max_list_length = VL::clamp(get("max_list_concat", v.max_list_length), VL::kMinListLength, VL::kMaxListLength);
  v.max_list_bytes = VL::clamp(get("max_list_value_bytes", v.max_list_bytes), VL::kMinBytes, VL::kMaxBytes);
  v.max_map_bytes = VL::clamp(get("max_map_value_bytes", v.max_map_bytes), VL::kMinBytes, VL::kMaxBytes);
  Value catchable = option("max_concat_catchable");  // a flag: any true value
  v.catchable = catchable.type() != Type::None && catchable.truthy();
  int64_t task = get("max_task_value_bytes", v.max_task_bytes);
  v.max_task_bytes = task <= 0 ? 0 : std::max(task, VL::kMinTaskBytes);
  return v;
}

ValueLimitsScope::ValueLimitsScope(const ValueLimits* limits) : prev_(detail::tl_value_limits) {
  detail::tl_value_limits = limits;
}
ValueLimitsScope::~ValueLimitsScope() { detail::tl_value_limits = prev_; }

// Iterative, so that deep nesting cannot overflow the stack; each container
// finished is remembered, so a later question about it or an enclosing
// value does not walk it again.
int64_t detail::value_bytes_walk(const Value& root, bool* fixed_out) {
  using detail::quick_bytes;
  int64_t n;
  bool fixed;
  std::vector<Walk> stack{start(root)};
  for (;;) {
    Walk& w = stack.back();
    if (w.next < value_child_count(*w.v)) {
      const Value& c = value_child(*w.v, w.next++);
      if (quick_bytes(c, &n, &fixed)) {
        w.sum += n;
        w.fixed = w.fixed && fixed;
      } else {
        stack.push_back(start(c));  // invalidates w
      }
      continue;
    }
    Walk done = w;
    stack.pop_back();
    if (done.fixed) store(*done.v, done.sum);
    if (stack.empty()) {
      if (fixed_out) *fixed_out = done.fixed;
      return done.sum;
    }
    stack.back().sum += done.sum;
    stack.back().fixed = stack.back().fixed && done.fixed;
  }
}

void remember_bytes(const Value& v, int64_t n) { store(v, n); }

void check_string_length(uint64_t n) {
  if (n > uint64_t(value_limits().max_string)) throw ValueTooLarge();
}

void check_list_length(uint64_t n) {
  if (n > uint64_t(value_limits().max_list_length)) throw ValueTooLarge();
}

void check_list_value(const Value& list) {
  check_list_length(list.list_len());
  if (value_bytes(list) > value_limits().max_list_bytes) throw ValueTooLarge();
}

void check_map_value(const Value& map) {
  if (value_bytes(map) > value_limits().max_map_bytes) throw ValueTooLarge();
}

}  // namespace echo
