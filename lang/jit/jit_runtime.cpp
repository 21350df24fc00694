// Native code's calls back into the runtime: the interpreter's handlers of
// the ops it leaves to run_op, minus the raising (see lang/jit/runtime.h).
// Each case mirrors its handler in lang/vm.cpp; keep them in step.
#include "lang/jit/runtime.h"

#include <cstring>

#include "lang/map.h"
#include "lang/vm_ops.h"

namespace echo::jit {

namespace {

// Whether n more bytes allocated keep the thread short of the next
// measurement.
bool room(uint64_t n) { return heap_bytes_allocated() + n < tl_meter_at; }

// vm.cpp's fast_equal: MOO equality with the string case inline.
bool moo_equal(const Value& x, const Value& y) {
  if (x.is_str() && y.is_str()) {
    std::string_view a = x.as_str(), b = y.as_str();
    return a.size() == b.size() && compare_ci(a, b) == 0;
  }
  return equal(x, y);
}

}  // namespace

void release_reg(Value* R, uint32_t r) {
  ++tl_runtime_calls;
  R[r] = Value();
}

bool has_helper(Op op) {
  switch (op) {
    case Op::MOVE: case Op::MOVEV: case Op::LOADK: case Op::ADD: case Op::ADDK:
    case Op::EQ: case Op::EQK: case Op::NE: case Op::NEK:
    case Op::JEQ: case Op::JEQK: case Op::JNE: case Op::JNEK:
    case Op::INDEX: case Op::INDEXK: case Op::INDEX_LAST:
    case Op::LIST_APPEND: case Op::SELF_APPEND: case Op::MAKELIST:
      return true;
    default: return false;
  }
}

uint32_t run_op(Value* R, const Program* p, const Instr* in) {
  ++tl_runtime_calls;
  const Value* K = p->constants.data();
  switch (in->op) {
    case Op::MOVE: R[in->a] = R[in->b]; return 1;
    case Op::MOVEV:
      if (R[in->b].type() == Type::None) return 0;
      R[in->a] = R[in->b];
      return 1;
    case Op::LOADK: R[in->a] = K[in->b]; return 1;
    case Op::ADD: case Op::ADDK: {  // arith_slow, then METER_NEXT
      const Value& x = R[in->b];
      const Value& y = in->op == Op::ADDK ? K[in->c] : R[in->c];
      if (in->a == in->b && x.is_str() && y.is_str() && x.unique() && &x != &y) {
        std::string_view t = y.as_str();
        uint64_t need = uint64_t(x.as_str().size()) + t.size();
        if (need > uint64_t(value_limits().max_string)) return 0;  // E_QUOTA
        if (!room(2 * need + 1024)) return 0;  // a realloc may grow it x1.5
        StrObj* s = R[in->a].str_mut(uint32_t(t.size()));
        std::memcpy(s->data() + s->len, t.data(), t.size());
        s->len += uint32_t(t.size());
        s->data()[s->len] = '\0';
        return 1;
      }
      Value out;
      if (ops::arith(in->op, x, y, out) != E_NONE) return 0;
      if (!room(0)) return 0;  // the interpreter measures after this one: let it run it
      R[in->a] = std::move(out);
      return 1;
    }
    case Op::EQ: case Op::EQK: case Op::NE: case Op::NEK: {
      const Value& x = R[in->b];
      const Value& y = (in->op == Op::EQK || in->op == Op::NEK) ? K[in->c] : R[in->c];
      if (x.type() == Type::None || y.type() == Type::None) return 0;  // E_VARNF
      bool eq = (x.is_int() && y.is_int()) ? x.as_int() == y.as_int() : moo_equal(x, y);
      R[in->a].set_int(eq != (in->op == Op::NE || in->op == Op::NEK));
      return 1;
    }
    case Op::JEQ: case Op::JEQK: case Op::JNE: case Op::JNEK: {
      const Value& x = R[in->a];
      const Value& y = (in->op == Op::JEQK || in->op == Op::JNEK) ? K[in->b] : R[in->b];
      const bool is_eq = in->op == Op::JEQ || in->op == Op::JEQK;
      bool r;
      if (x.is_int() && y.is_int()) {
        r = is_eq ? x.as_int() == y.as_int() : x.as_int() != y.as_int();
      } else if (x.is_str() && y.is_str()) {
        r = (x.heap() == y.heap() || moo_equal(x, y)) == is_eq;
      } else if ((is_eq ? ops::equal_bool(x, y, r) : ops::not_equal_bool(x, y, r)) != E_NONE) {
        return 0;
      }
      return 1 + uint32_t(r);
    }
    case Op::INDEX: case Op::INDEXK: {
      const Value& c = R[in->b];
      const Value& i = in->op == Op::INDEX ? R[in->c] : K[in->c];
      if (c.is_list() && i.is_int()) {
        int64_t k = i.as_int();
        if (k < 1 || k > int64_t(c.list_len())) return 0;  // E_RANGE
        R[in->a] = c.list_at(uint32_t(k - 1));
        return 1;
      }
      if (c.is_str() && i.is_int()) {
        std::string_view s = c.as_str();
        int64_t k = i.as_int();
        if (k < 1 || k > int64_t(s.size())) return 0;
        R[in->a] = Value::chr(static_cast<unsigned char>(s[size_t(k - 1)]));
        return 1;
      }
      Value out;
      if (ops::index(c, i, out) != E_NONE) return 0;
      R[in->a] = std::move(out);
      return 1;
    }
    case Op::INDEX_LAST: {
      const Value& c = R[in->b];
      if (c.is_list()) {
        if (c.list_len() == 0) return 0;
        R[in->a] = c.list_at(c.list_len() - 1);
        return 1;
      }
      if (c.is_str()) {
        std::string_view s = c.as_str();
        if (s.empty()) return 0;
        R[in->a] = Value::chr(static_cast<unsigned char>(s.back()));
        return 1;
      }
      Value k, out;
      if (ops::last_key(c, k) != E_NONE || ops::index(c, k, out) != E_NONE) return 0;
      R[in->a] = std::move(out);
      return 1;
    }
    case Op::LIST_APPEND: case Op::SELF_APPEND: {  // then METER_NEXT
      Value& l = R[in->a];
      if (!l.is_list()) return 0;
      // A copy or a realloc of at most 1.5x the length, plus slack.
      if (!room((2 * uint64_t(l.list_len()) + 64) * sizeof(Value) + 1024)) return 0;
      return ops::append(l, R[in->b]) == E_NONE ? 1 : 0;  // unchanged on an error
    }
    case Op::MAKELIST:  // only the empty list (the shared one: no allocation)
      if (in->c != 0 || !room(0)) return 0;  // METER_NEXT after it
      R[in->a] = Value::list_of_size(0);
      return 1;
    default: return 0;
  }
}

}  // namespace echo::jit
