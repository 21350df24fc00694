// The interpreter loop. Dispatch is by computed goto; every instruction first
// pays its ticks. Fast paths (INT and FLOAT arithmetic, list and string
// indexing) are inline; everything else goes through vm_ops.
//
// One function of about 950 lines, and so a file past the usual ~800: the
// labels a computed goto jumps to must all be in the function that jumps,
// and the dispatch registers stay in machine registers only within it (as
// Lua's luaV_execute). What an instruction does beyond a few lines lives in
// vm_ops.cpp and vm_task.cpp.
#include "lang/vm.h"
#include "lang/function.h"

#include <array>

#include <cmath>

#include "lang/jit/jit.h"
#include "lang/jit/runtime.h"
#include "lang/map.h"
#include "lang/vm_ops.h"

namespace echo {

// MOO equality with the string case inline (the commonest non-integer test).
static inline bool fast_equal(const Value& x, const Value& y) {
  if (x.is_str() && y.is_str()) {
    std::string_view a = x.as_str(), b = y.as_str();
    return a.size() == b.size() && compare_ci(a, b) == 0;
  }
  return equal(x, y);
}

// ---- the loop ----------------------------------------------------------------

namespace {

// For verbs without the d flag: where an instruction's error goes instead of
// being raised. 1: its result register R[a]; 2: nowhere (an assignment
// statement that failed is skipped); 3: the loop is skipped (LambdaMOO's
// OP_FOR_LIST / OP_FOR_RANGE: RAISE_ERROR, then jump past the loop); 0:
// raised as in a debug verb (scatter, fork, compare-and-branch).
constexpr auto kErrorValueDest = [] {
  std::array<uint8_t, 256> t{};
  for (Op o : {Op::MOVEV, Op::ADD, Op::ADDK, Op::SUB, Op::SUBK, Op::MUL, Op::MULK, Op::DIV, Op::DIVK, Op::MOD,
               Op::MODK, Op::POW, Op::EQ, Op::EQK, Op::NE, Op::NEK, Op::LT, Op::LTK, Op::LE, Op::LEK, Op::GT,
               Op::GTK, Op::GE, Op::GEK, Op::IN, Op::SUBKR, Op::DIVKR, Op::MODKR, Op::BITAND, Op::BITOR,
               Op::BITXOR, Op::SHL, Op::SHR, Op::NEG, Op::NOT, Op::BITNOT, Op::TRUTH, Op::LIST_SPLICE,
               Op::INDEX, Op::INDEXK, Op::INDEX_LAST, Op::LENGTH, Op::FIRSTKEY, Op::LASTKEY, Op::RANGE,
               Op::GETPROP, Op::CALLVERB, Op::BUILTIN, Op::BUILTIN_LIST})
    t[size_t(o)] = 1;
  for (Op o : {Op::SETPROP, Op::SETPATH}) t[size_t(o)] = 2;
  for (Op o : {Op::FOR_RANGE_INIT, Op::FOR_LIST_INIT}) t[size_t(o)] = 3;
  return t;
}();

}  // namespace

// The dispatch state (`ip`, `ticks`) lives in callee-saved registers on
// x86-64 with GCC: left to itself, GCC spills both in this large function,
// and every instruction then waits on a store-to-load round trip through the
// stack (measured: int_arith 4.5x -> 5.1x the anchor).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__OPTIMIZE__)
#define ECHO_VM_REGISTER(type, name, reg) register type name asm(reg)
#else
#define ECHO_VM_REGISTER(type, name, reg) type name
#endif

TaskStatus Task::execute() {
  static void* const kLabels[] = {
#define X(name) &&L_##name,
      ECHO_OPCODES(X)
#undef X
  };
  // Ticks between clock checks: slices start at kFirstSlice and double
  // while they take under kQuickSlice, up to kSlice; a slow one shrinks the
  // next in proportion. An instruction may cost far more than a tick (a
  // builtin on a megabyte string, `in` over a long list), and 65,536 of
  // those ran a foreground command for minutes past its seconds limit.
  constexpr int64_t kSlice = 1 << 16, kFirstSlice = 64;
  constexpr auto kQuickSlice = std::chrono::milliseconds(1);
  constexpr int64_t kSeekAfter = 1 << 12;  // a slice this long ended outside native code: seek an entry

  Frame* f;
  const Instr* code;
  ECHO_VM_REGISTER(const Instr*, ip, "r14");
  const Instr* in;
  Value* R;
  const Value* K;
  const uint64_t* magic;  // the frame's divisor_magic (DIVK, MODK)
  // `slice` ticks are counted down in `ticks` between checks: never more
  // than the task has left, nor than run()'s budget.
  int64_t slice_len = kFirstSlice;  // this run's slice length, adapted at each check
  // Builtin calls since the clock was last read after one: every one at
  // first, and every 16th once the clock shows them quick (under a
  // millisecond since the last reading). A slow builtin after many quick
  // ticks meets a full slice; and before the first reading, seven strsub()s
  // of a megabyte (the first 64-tick slice) took 2.4 s under ASan, past a
  // 0.5-second limit.
  uint32_t builtin_calls = 0, builtin_mask = 0;
  auto slice_began = std::chrono::steady_clock::now();
  auto clock_read = slice_began;
  int64_t slice = std::min<int64_t>({ticks_left_, slice_len, budget_});
  ECHO_VM_REGISTER(int64_t, ticks, "r13") = slice;
  Error err = E_NONE;
  std::shared_ptr<RaisedError> pending_raise;
  // Clock checks left to look for an entry into native code, one per
  // instruction (after native code left, or a slice ended, between entries).
  constexpr int kSeek = 64;
  int seek = 0;
  const Builtins& builtins = Builtins::instance();

#define LOAD_FRAME()                          \
  do {                                        \
    f = &frames_.back();                      \
    code = f->code().code.data();             \
    ip = code + f->pc;                        \
    R = f->regs.data();                       \
    K = f->program->constants.data();         \
    magic = f->program->divisor_magic.data(); \
  } while (0)
#define SAVE_PC() (f->pc = uint32_t(ip - code))
// NEXT() leaves a handler by computed goto, which skips destructors: a
// handler must not have a live local that owns memory when it reaches NEXT()
// (scope such locals in an inner block, or move them out first).
#define NEXT()                                                          \
  do {                                                                  \
    in = ip++;                                                          \
    if (__builtin_expect((ticks -= in->ticks) <= 0, 0)) goto tick_check; \
    goto* kLabels[int(in->op)];                                         \
  } while (0)
#define RAISE(e)      \
  do {                \
    err = (e);        \
    goto raise_error; \
  } while (0)
// After an instruction that may have allocated: once the thread has
// allocated kMeterStep since the last look, measure what the task holds.
#define METER_NEXT()                                                          \
  do {                                                                        \
    if (__builtin_expect(heap_bytes_allocated() >= meter_at_, 0)) goto meter; \
    NEXT();                                                                   \
  } while (0)
#define TICKS_LEFT_NOW() (ticks_left_ - (slice - ticks))
#define FINISH(status)               \
  do {                               \
    ticks_left_ -= slice - ticks;    \
    budget_ -= slice - ticks;        \
    return status;                   \
  } while (0)

  LOAD_FRAME();
  goto jit_enter;

tick_check : {
  // `in` has been paid for but not run.
  const int64_t used = slice - ticks;
  ticks_left_ -= used;
  budget_ -= used;
  // Stopping from outside costs one load per slice here, where native code
  // comes back to too (it leaves with Exit::Ticks when the slice is spent).
  if (__builtin_expect(interrupt_requested(), 0)) {
    SAVE_PC();
    return TaskStatus::Interrupted;
  }
  if (ticks_left_ <= 0) {
    ticks_left_ = 0;
    SAVE_PC();
    return TaskStatus::AbortedTicks;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now > deadline_) {
    SAVE_PC();
    return TaskStatus::AbortedSeconds;
  }
  if (const auto took = now - slice_began; took < kQuickSlice) {
    slice_len = std::min(slice_len * 2, kSlice);
  } else {
    const double scale = std::chrono::duration<double>(kQuickSlice) / std::chrono::duration<double>(took);
    slice_len = std::max<int64_t>(1, int64_t(double(slice_len) * scale));
  }
  slice_began = clock_read = now;
  if (budget_ <= 0) {
    // The slice is used up. Stop before `in` (it is paid for again when the
    // task continues) unless it is the first instruction of this run, which
    // runs whatever its cost, so that every run makes progress.
    if (budget_ + in->ticks < budget_start_) {
      ticks_left_ += in->ticks;
      ip = in;
      SAVE_PC();
      return TaskStatus::Yielded;
    }
    budget_ = 0;
  }
  slice = ticks = std::min<int64_t>({ticks_left_, slice_len, budget_});
  if (f->vector < 0) {
    const jit::Native* nc = f->program->jit.native();
    if (nc && jit::mode() == jit::Mode::Off) nc = nullptr;  // switched off since it was compiled
    if (!nc) {
      seek = 0;
      jit::note_loop(f->program, used);
    } else if (nc->is_entry(uint32_t(in - code)) && ticks > in->ticks) {
      // Native code pays for `in` itself: give it back first.
      ticks_left_ += in->ticks;
      budget_ += in->ticks;
      slice = ticks = std::min<int64_t>({ticks_left_, slice_len, budget_});
      ip = in;
      goto jit_enter;
    } else if (seek > 0 || used >= kSeekAfter) {
      // Not at an entry: look again at the next instruction (a loop's head
      // is at most one iteration away).
      seek = seek > 0 ? seek - 1 : kSeek;
      if (seek > 0 && slice > 1) slice = ticks = 1;
    }
  }
  goto* kLabels[int(in->op)];
}

// Runs native code from `ip` (not paid for) when the frame's program has
// some and ip is one of its entry points; else goes on in the interpreter.
jit_enter : {
  const jit::Native* nc = f->vector < 0 ? f->program->jit.native() : nullptr;
  if (!nc || !nc->is_entry(uint32_t(ip - code)) || jit::mode() == jit::Mode::Off) NEXT();
  jit::NativeFrame nf{R, ticks, uint32_t(ip - code)};
  jit::tl_meter_at = meter_at_;
  const auto why = jit::Exit(nc->fn(&nf));
  f->program->jit.note_run(ticks - nf.ticks, why);
  ticks = nf.ticks;
  ip = code + nf.pc;
  if (why != jit::Exit::Ticks) {
    // Come back as soon as the interpreter has run the instruction native
    // code left for: end the slice right after it.
    seek = kSeek;
    if (ticks > int64_t(ip->ticks) + 1) {
      ticks_left_ -= slice - ticks;
      budget_ -= slice - ticks;
      slice = ticks = int64_t(ip->ticks) + 1;
    }
  }
  NEXT();
}

L_NOP:
  NEXT();
L_MOVE:
  R[in->a] = R[in->b];
  NEXT();
L_MOVEV:
  if (__builtin_expect(R[in->b].type() == Type::None, 0)) RAISE(E_VARNF);
  R[in->a] = R[in->b];
  NEXT();
L_LOADK:
  R[in->a] = K[in->b];
  NEXT();
L_LOADI:
  R[in->a].set_int(int16_t(in->b));
  NEXT();
L_CHECKVAR:
  if (__builtin_expect(R[in->a].type() == Type::None, 0)) RAISE(E_VARNF);
  NEXT();

  // Arithmetic: INT and FLOAT fast paths (shared by ARITH and KLEFT), the
  // rest in ops::arith.
#define NUMERIC_FAST_PATH(XV, YV, INT_EXPR, FLOAT_EXPR, INT_GUARD)            \
  const Value& x = XV;                                                      \
  const Value& y = YV;                                                      \
  if (x.is_int() && y.is_int() && (INT_GUARD)) {                            \
    int64_t a = x.as_int(), b = y.as_int();                                 \
    R[in->a].set_int(INT_EXPR);                                             \
    NEXT();                                                                 \
  }                                                                         \
  if (x.is_float() && y.is_float()) {                                       \
    double a = x.as_float(), b = y.as_float();                              \
    double r = FLOAT_EXPR;                                                  \
    if (std::isfinite(r)) {                                                 \
      R[in->a].set_float(r);                                                \
      NEXT();                                                               \
    }                                                                       \
  }
#define ARITH(NAME, OPND, INT_EXPR, FLOAT_EXPR, INT_GUARD)                    \
  L_##NAME : {                                                              \
    NUMERIC_FAST_PATH(R[in->b], OPND, INT_EXPR, FLOAT_EXPR, INT_GUARD)      \
    goto arith_slow;                                                        \
  }
  ARITH(ADD, R[in->c], int64_t(uint64_t(a) + uint64_t(b)), a + b, true)
  ARITH(ADDK, K[in->c], int64_t(uint64_t(a) + uint64_t(b)), a + b, true)
  ARITH(SUB, R[in->c], int64_t(uint64_t(a) - uint64_t(b)), a - b, true)
  ARITH(SUBK, K[in->c], int64_t(uint64_t(a) - uint64_t(b)), a - b, true)
  ARITH(MUL, R[in->c], int64_t(uint64_t(a) * uint64_t(b)), a * b, true)
  ARITH(MULK, K[in->c], int64_t(uint64_t(a) * uint64_t(b)), a * b, true)
  ARITH(DIV, R[in->c], a / b, b != 0.0 ? a / b : NAN, y.as_int() > 0)
  // Division by a constant: small non-negative operands use the multiplier.
L_DIVK:
  if (in->d && R[in->b].is_int() && uint64_t(R[in->b].as_int()) < (uint64_t(1) << 32)) {
    uint64_t n = uint64_t(R[in->b].as_int());
    uint64_t m = magic[in->d - 1];
    R[in->a].set_int(int64_t((static_cast<unsigned __int128>(m) * n) >> 64));
    NEXT();
  }
  goto L_DIVK_general;
L_MODK:
  if (in->d && R[in->b].is_int() && uint64_t(R[in->b].as_int()) < (uint64_t(1) << 32)) {
    uint64_t n = uint64_t(R[in->b].as_int());
    uint64_t m = magic[in->d - 1];
    uint64_t low = m * n;
    R[in->a].set_int(int64_t((static_cast<unsigned __int128>(low) * uint64_t(K[in->c].as_int())) >> 64));
    NEXT();
  }
  goto L_MODK_general;
  ARITH(DIVK_general, K[in->c], a / b, b != 0.0 ? a / b : NAN, y.as_int() > 0)
  ARITH(MOD, R[in->c], a % b, b != 0.0 ? std::fmod(a, b) : NAN, y.as_int() > 0)
  ARITH(MODK_general, K[in->c], a % b, b != 0.0 ? std::fmod(a, b) : NAN, y.as_int() > 0)
#undef ARITH

arith_slow : {
  const bool konst = in->op == Op::ADDK || in->op == Op::SUBK || in->op == Op::MULK ||
                     in->op == Op::DIVK || in->op == Op::MODK;
  const Value& x = R[in->b];
  const Value& y = konst ? K[in->c] : R[in->c];
  // String concatenation in place: `s = s + t` when s is held only here.
  if ((in->op == Op::ADD || in->op == Op::ADDK) && in->a == in->b && x.is_str() && y.is_str() &&
      x.unique() && &x != &y) {
    std::string_view t = y.as_str();
    if (uint64_t(x.as_str().size()) + t.size() > uint64_t(limits_.values.max_string)) RAISE(E_QUOTA);
    StrObj* s = R[in->a].str_mut(uint32_t(t.size()));
    std::memcpy(s->data() + s->len, t.data(), t.size());
    s->len += uint32_t(t.size());
    s->data()[s->len] = '\0';
    METER_NEXT();
  }
  Value out;
  Error e = ops::arith(in->op, x, y, out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  METER_NEXT();
}
L_POW:
L_BITAND:
L_BITOR:
L_BITXOR:
L_SHL:
L_SHR : {
  Value out;
  Error e = ops::arith(in->op, R[in->b], R[in->c], out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  NEXT();
}

#define COMPARE(NAME, OPND, OP)                                               \
  L_##NAME : {                                                              \
    const Value& x = R[in->b];                                              \
    const Value& y = OPND;                                                  \
    if (x.is_int() && y.is_int()) {                                         \
      R[in->a].set_int(x.as_int() OP y.as_int());                           \
      NEXT();                                                               \
    }                                                                       \
    Value out;                                                              \
    Error e = ops::compare(in->op, x, y, out);                              \
    if (e != E_NONE) RAISE(e);                                              \
    R[in->a] = std::move(out);                                              \
    NEXT();                                                                 \
  }
  COMPARE(LT, R[in->c], <)
  COMPARE(LTK, K[in->c], <)
  COMPARE(LE, R[in->c], <=)
  COMPARE(LEK, K[in->c], <=)
  COMPARE(GT, R[in->c], >)
  COMPARE(GTK, K[in->c], >)
  COMPARE(GE, R[in->c], >=)
  COMPARE(GEK, K[in->c], >=)
#undef COMPARE

#define EQUALITY(NAME, OPND, NEGATE)                                          \
  L_##NAME : {                                                              \
    const Value& x = R[in->b];                                              \
    const Value& y = OPND;                                                  \
    if (x.type() == Type::None || y.type() == Type::None) RAISE(E_VARNF);   \
    bool eq = (x.is_int() && y.is_int()) ? x.as_int() == y.as_int() : fast_equal(x, y); \
    R[in->a].set_int(eq != NEGATE);                                         \
    NEXT();                                                                 \
  }
  EQUALITY(EQ, R[in->c], false)
  EQUALITY(EQK, K[in->c], false)
  EQUALITY(NE, R[in->c], true)
  EQUALITY(NEK, K[in->c], true)
#undef EQUALITY

  // Constant left operand: numeric fast paths, the rest in ops::arith.
#define KLEFT(NAME, OPCODE, INT_EXPR, FLOAT_EXPR, INT_GUARD)                 \
  L_##NAME : {                                                              \
    NUMERIC_FAST_PATH(K[in->b], R[in->c], INT_EXPR, FLOAT_EXPR, INT_GUARD)  \
    Value out;                                                              \
    Error e = ops::arith(Op::OPCODE, x, y, out);                            \
    if (e != E_NONE) RAISE(e);                                              \
    R[in->a] = std::move(out);                                              \
    NEXT();                                                                 \
  }
  KLEFT(SUBKR, SUB, int64_t(uint64_t(a) - uint64_t(b)), a - b, true)
  KLEFT(DIVKR, DIV, a / b, b != 0.0 ? a / b : NAN, y.as_int() > 0)
  KLEFT(MODKR, MOD, a % b, b != 0.0 ? std::fmod(a, b) : NAN, y.as_int() > 0)
#undef KLEFT
#undef NUMERIC_FAST_PATH

  // Compare and branch: jump when (R[a] op X) == c.
#define CMPJUMP(NAME, OPND, OP, SLOW)                                         \
  L_##NAME : {                                                              \
    const Value& x = R[in->a];                                              \
    const Value& y = OPND;                                                  \
    bool r;                                                                 \
    if (x.is_int() && y.is_int()) {                                         \
      r = x.as_int() OP y.as_int();                                         \
    } else if ((in->op == Op::JEQ || in->op == Op::JEQK || in->op == Op::JNE || \
                in->op == Op::JNEK) && x.is_str() && y.is_str()) {          \
      r = (x.heap() == y.heap() || fast_equal(x, y)) == (in->op == Op::JEQ || in->op == Op::JEQK); \
    } else {                                                                \
      Error e = SLOW;                                                       \
      if (e != E_NONE) RAISE(e);                                            \
    }                                                                       \
    if (r == bool(in->c)) ip = code + in->d;                                \
    NEXT();                                                                 \
  }
  CMPJUMP(JLT, R[in->b], <, ops::compare_bool(Op::LT, x, y, r))
  CMPJUMP(JLTK, K[in->b], <, ops::compare_bool(Op::LT, x, y, r))
  CMPJUMP(JLE, R[in->b], <=, ops::compare_bool(Op::LE, x, y, r))
  CMPJUMP(JLEK, K[in->b], <=, ops::compare_bool(Op::LE, x, y, r))
  CMPJUMP(JGT, R[in->b], >, ops::compare_bool(Op::GT, x, y, r))
  CMPJUMP(JGTK, K[in->b], >, ops::compare_bool(Op::GT, x, y, r))
  CMPJUMP(JGE, R[in->b], >=, ops::compare_bool(Op::GE, x, y, r))
  CMPJUMP(JGEK, K[in->b], >=, ops::compare_bool(Op::GE, x, y, r))
  CMPJUMP(JEQ, R[in->b], ==, ops::equal_bool(x, y, r))
  CMPJUMP(JEQK, K[in->b], ==, ops::equal_bool(x, y, r))
  CMPJUMP(JNE, R[in->b], !=, ops::not_equal_bool(x, y, r))
  CMPJUMP(JNEK, K[in->b], !=, ops::not_equal_bool(x, y, r))
#undef CMPJUMP

L_IN : {
  Value out;
  Error e = ops::in(R[in->b], R[in->c], out);
  if (e != E_NONE) RAISE(e);
  const bool long_scan = R[in->c].is_list() && R[in->c].list_len() > 4096;
  R[in->a] = std::move(out);
  if (long_scan) goto clock_check;
  NEXT();
}
L_NEG : {
  Value out;
  Error e = ops::negate(R[in->b], out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  NEXT();
}
L_BITNOT : {
  Value out;
  Error e = ops::bitnot(R[in->b], out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  NEXT();
}
L_NOT:
  if (R[in->b].type() == Type::None) RAISE(E_VARNF);
  R[in->a].set_int(!R[in->b].truthy());
  NEXT();
L_TRUTH:
  if (R[in->b].type() == Type::None) RAISE(E_VARNF);
  R[in->a].set_int(R[in->b].truthy());
  NEXT();

  // ---- control ----
L_JMP:
  ip = code + in->d;
  NEXT();
L_JMPF : {
  const Value& c = R[in->a];
  if (c.is_int()) {
    if (c.as_int() == 0) ip = code + in->d;
    NEXT();
  }
  if (c.type() == Type::None) RAISE(E_VARNF);
  if (!c.truthy()) ip = code + in->d;
  NEXT();
}
L_JMPT : {
  const Value& c = R[in->a];
  if (c.is_int()) {
    if (c.as_int() != 0) ip = code + in->d;
    NEXT();
  }
  if (c.type() == Type::None) RAISE(E_VARNF);
  if (c.truthy()) ip = code + in->d;
  NEXT();
}
L_JMPBIT:
  if ((R[in->a].as_int() >> in->b) & 1) ip = code + in->d;
  NEXT();
L_FOR_RANGE_INIT : {
  Value& from = R[in->b];
  Value& to = R[in->b + 1];
  if (from.type() == Type::None || to.type() == Type::None) RAISE(E_VARNF);
  if ((!to.is_int() && !to.is_obj()) || to.type() != from.type()) RAISE(E_TYPE);
  if (from.as_int() > to.as_int()) {
    ip = code + in->d;
    NEXT();
  }
  R[in->a] = from;
  NEXT();
}
L_FOR_RANGE_NEXT : {
  Value& cur = R[in->b];
  int64_t n = cur.as_int();
  if (n < R[in->b + 1].as_int()) {
    ++n;
    if (cur.is_obj()) {
      cur = Value::obj(n);
      R[in->a] = cur;
    } else {
      cur.set_int(n);
      R[in->a].set_int(n);
    }
    ip = code + in->d;
  }
  NEXT();
}
L_FOR_LIST_INIT : {
  Value& coll = R[in->b];
  if (coll.type() == Type::None) RAISE(E_VARNF);
  size_t n;
  if (coll.is_list()) n = coll.list_len();
  else if (coll.is_map()) n = coll.map_obj()->entries.size();
  else RAISE(E_TYPE);
  if (n == 0) {
    ip = code + in->d;
    NEXT();
  }
  R[in->b + 1].set_int(0);
  goto for_list_assign;
}
L_FOR_LIST_NEXT : {
  Value& coll = R[in->b];
  // Only a corrupt restored task (Task::restore) gets here with another type.
  if (__builtin_expect(!coll.is_list() && !coll.is_map(), 0)) RAISE(E_TYPE);
  int64_t pos = R[in->b + 1].as_int() + 1;
  size_t n = coll.is_list() ? coll.list_len() : coll.map_obj()->entries.size();
  if (size_t(pos) >= n) NEXT();
  R[in->b + 1].set_int(pos);
  ip = code + in->d;
  goto for_list_assign;
}
for_list_assign : {
  const Value& coll = R[in->b];
  size_t pos = size_t(R[in->b + 1].as_int());
  if (coll.is_list()) {
    R[in->a] = coll.list_at(uint32_t(pos));
    if (in->c != 0xFFFF) R[in->c].set_int(int64_t(pos) + 1);
  } else {
    const auto& e = coll.map_obj()->entries[pos];
    R[in->a] = e.second;
    if (in->c != 0xFFFF) R[in->c] = e.first;
  }
  NEXT();
}
L_RETURN:
L_RETURN0 : {
  Value v;
  if (in->op == Op::RETURN) {
    if (R[in->a].type() == Type::None) RAISE(E_VARNF);
    v = R[in->a];
  } else {
    v = Value::integer(0);
  }
  SAVE_PC();
  if (!finish_return(std::move(v))) FINISH(TaskStatus::Done);
  LOAD_FRAME();
  if (f->waiting) goto builtin_resume;  // the caller's builtin asked for this verb
  goto jit_enter;
}

  // ---- lists, maps, strings ----
L_MAKELIST : {
  uint16_t n = in->c;
  int64_t bytes = 0;
  bool fixed = true;
  if (n && ops::list_bytes(&R[in->b], n, &bytes, &fixed) != E_NONE) RAISE(E_QUOTA);
  Value l = Value::list_of_size(n);
  if (n) {
    ListObj* lo = l.list_mut();
    for (uint16_t i = 0; i < n; ++i) lo->items()[i] = std::move(R[in->b + i]);
    if (fixed) remember_bytes(l, bytes);  // the next append need not walk it
  }
  R[in->a] = std::move(l);
  METER_NEXT();
}
L_LIST_APPEND : {
  Error e = ops::append(R[in->a], R[in->b]);
  if (e != E_NONE) RAISE(e);
  METER_NEXT();
}
L_LIST_SPLICE : {
  Error e = ops::splice(R[in->a], R[in->b]);
  if (e != E_NONE) RAISE(e);
  METER_NEXT();
}
L_SELF_APPEND : {
  Error e = ops::append(R[in->a], R[in->b]);
  if (e != E_NONE) RAISE(e);
  METER_NEXT();
}
L_CHECK_LIST:
  if (R[in->a].type() == Type::None) RAISE(E_VARNF);
  if (!R[in->a].is_list()) RAISE(E_TYPE);
  NEXT();
L_MAKEMAP : {
  Value out;
  Error e = ops::make_map(&R[in->b], in->c, out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  METER_NEXT();
}
L_INDEX:
L_INDEXK : {
  const Value& c = R[in->b];
  const Value& i = in->op == Op::INDEX ? R[in->c] : K[in->c];
  if (c.is_list() && i.is_int()) {
    int64_t k = i.as_int();
    if (k < 1 || k > int64_t(c.list_len())) RAISE(E_RANGE);
    R[in->a] = c.list_at(uint32_t(k - 1));
    NEXT();
  }
  if (c.is_str() && i.is_int()) {
    std::string_view s = c.as_str();
    int64_t k = i.as_int();
    if (k < 1 || k > int64_t(s.size())) RAISE(E_RANGE);
    R[in->a] = Value::chr(static_cast<unsigned char>(s[size_t(k - 1)]));
    NEXT();
  }
  Value out;
  Error e = ops::index(c, i, out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  NEXT();
}
L_INDEX_LAST : {
  const Value& c = R[in->b];
  if (c.is_list()) {
    if (c.list_len() == 0) RAISE(E_RANGE);
    R[in->a] = c.list_at(c.list_len() - 1);
    NEXT();
  }
  if (c.is_str()) {
    std::string_view s = c.as_str();
    if (s.empty()) RAISE(E_RANGE);
    R[in->a] = Value::chr(static_cast<unsigned char>(s.back()));
    NEXT();
  }
  Error e;
  {
    Value k, out;
    e = ops::last_key(c, k);
    if (e == E_NONE) e = ops::index(c, k, out);
    if (e == E_NONE) R[in->a] = std::move(out);
  }
  if (e != E_NONE) RAISE(e);
  NEXT();
}
L_LENGTH:
L_LASTKEY : {
  Value out;
  Error e = ops::last_key(R[in->b], out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  NEXT();
}
L_FIRSTKEY : {
  Value out;
  Error e = ops::first_key(R[in->b], out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  NEXT();
}
L_RANGE : {
  Value out;
  Error e = ops::range(R[in->b], R[in->c], R[in->c + 1], out);
  if (e != E_NONE) RAISE(e);
  R[in->a] = std::move(out);
  METER_NEXT();
}
L_SETPATH : {
  Error e = ops::set_path(R[in->a], &R[in->b], int(in->d >> 1), in->d & 1, R[in->c]);
  if (e != E_NONE) RAISE(e);
  METER_NEXT();
}

  // ---- objects and calls ----
L_GETPROP : {
  const Value& o = R[in->b];
  const Value& n = R[in->c];
  if (o.type() == Type::None || n.type() == Type::None) RAISE(E_VARNF);
  if (!o.is_obj() || !n.is_str()) RAISE(E_TYPE);
  SAVE_PC();
  try {
    R[in->a] = host_->get_property(o.as_obj(), n.as_str(), f->progr);
  } catch (MooError& me) {
    pending_raise = make_error(std::move(me.code), std::move(me.message), std::move(me.value));
    goto raise_pending;
  }
  NEXT();
}
L_SETPROP : {
  const Value& o = R[in->a];
  const Value& n = R[in->b];
  if (o.type() == Type::None || n.type() == Type::None || R[in->c].type() == Type::None) RAISE(E_VARNF);
  if (!o.is_obj() || !n.is_str()) RAISE(E_TYPE);
  SAVE_PC();
  try {
    host_->set_property(o.as_obj(), n.as_str(), R[in->c], f->progr);
  } catch (MooError& me) {
    pending_raise = make_error(std::move(me.code), std::move(me.message), std::move(me.value));
    goto raise_pending;
  }
  NEXT();
}
L_CALLVERB : {
  const Value& o = R[in->b];
  const Value& n = R[in->b + 1];
  if (o.type() == Type::None || n.type() == Type::None) RAISE(E_VARNF);
  if (!o.is_obj() || !n.is_str() || !R[in->b + 2].is_list()) RAISE(E_TYPE);
  SAVE_PC();
  Error e = E_NONE;
  {
    // LambdaMOO finds the verb (E_INVIND, E_VERBNF) before checking depth.
    auto target = host_->find_verb(o.as_obj(), n.as_str(), &e);
    if (!target) {
      if (e == E_NONE) e = E_VERBNF;
    } else if (frames_.size() >= size_t(limits_.max_stack_depth)) {
      e = E_MAXREC;
    } else {
      e = E_NONE;
      std::string name(n.as_str());
      Value self = o;
      push_verb_frame(std::move(*target), std::move(self), std::move(R[in->b + 2]), in->a, name);
    }
  }
  if (e != E_NONE) RAISE(e);
  LOAD_FRAME();
  goto jit_enter;
}
L_BUILTIN:
L_BUILTIN_LIST : {
  const BuiltinSpec& spec = builtins.at(in->b);
  // The compiler makes BUILTIN_LIST's operand a list; only a corrupt restored
  // task could have anything else there.
  if (__builtin_expect(in->op == Op::BUILTIN_LIST && !R[in->c].is_list(), 0)) RAISE(E_TYPE);
  SAVE_PC();
  ctx_.progr = f->progr;
  ctx_.ticks_left = TICKS_LEFT_NOW();
  ctx_.deadline = deadline_;
  bool overridden = false;
  {
    Value arglist;  // BUILTIN_LIST: the arguments, owned here during the call
    std::span<Value> args;
    if (in->op == Op::BUILTIN) {
      args = std::span<Value>(R + in->c, in->d);
    } else {
      arglist = std::move(R[in->c]);
      ListObj* l = arglist.list_mut();
      args = std::span<Value>(l->items(), l->len);
    }
    try {
      // call_bi_func: a protected builtin called outside a verb on #0 calls
      // #0:bf_<name>(@args) instead (its result is the builtin's), or is
      // refused to a non-wizard; before the argument checks.
      if (__builtin_expect(host_->builtin_protected(in->b), 0) && f->this_obj != 0) {
        std::string vname = "bf_" + spec.name;
        Error ve = E_NONE;
        auto target = host_->find_verb(0, vname, &ve);
        if (target) {
          if (frames_.size() >= size_t(limits_.max_stack_depth)) throw MooError(E_MAXREC);
          Value list = Value::empty_list();
          for (Value& v : args) list_append(list, std::move(v));
          push_verb_frame(std::move(*target), Value::obj(0), std::move(list), in->a, vname);
          overridden = true;
        } else if (!host_->is_wizard(f->progr)) {
          throw MooError(E_PERM);
        }
      }
      if (overridden) goto builtin_done;
      builtins.check_args(in->b, args);
      Value r = spec.fn(ctx_, args);
      if (!ctx_.call) R[in->a] = std::move(r);
    } catch (...) {
      pending_raise = builtin_error();
    }
    if (ctx_.call && !pending_raise)
      f->waiting = Frame::BuiltinWait{in->b, in->a, std::vector<Value>(args.begin(), args.end()),
                                      std::move(ctx_.call->state)};
  builtin_done:;
  }
  if (overridden) {  // #0:bf_<name> runs in its own frame
    LOAD_FRAME();
    NEXT();
  }
  if (pending_raise) {
    ctx_.call.reset();
    ctx_.suspend.reset();
    goto raise_pending;
  }
  if (ctx_.call) goto builtin_call_verb;
  if (ctx_.suspend) {
    suspend_reg_ = in->a;
    goto builtin_suspend;
  }
  goto builtin_returned;
}

// A builtin finished (called now, or resumed). A slow one may take long
// before the next slice ends: look for an interrupt, and at the clock (after
// each builtin, or every 16th while they are quick: builtin_mask).
builtin_returned:
  if (__builtin_expect(interrupt_requested(), 0)) goto interrupted;
  if (__builtin_expect((++builtin_calls & builtin_mask) == 0, 0)) goto clock_check;
  METER_NEXT();

// After builtins, a long `in` and a meter reading: work whose cost ticks do
// not show, after which a full slice may be far off.
clock_check : {
  auto now = std::chrono::steady_clock::now();
  if (now > deadline_) {
    SAVE_PC();
    FINISH(TaskStatus::AbortedSeconds);
  }
  builtin_mask = now - clock_read > std::chrono::milliseconds(1) ? 0 : 15;
  clock_read = now;
}
  METER_NEXT();

// TaskLimits::interrupt was set: the task ends after the builtin it ran.
interrupted:
  SAVE_PC();
  FINISH(TaskStatus::Interrupted);

// A builtin asked to stop the task (BuiltinContext::suspend). The pc is
// saved past the builtin; resume() stores its result in suspend_reg_.
builtin_suspend:
  suspension_ = std::move(ctx_.suspend);
  ctx_.suspend.reset();
  FINISH(TaskStatus::Suspended);

// A builtin asked for a verb call (BuiltinContext::call): run it; when it
// returns, builtin_resume calls the builtin again with its result.
builtin_call_verb : {
  Error e = E_NONE;
  {
    BuiltinContext::VerbCall call = std::move(*ctx_.call);
    ctx_.call.reset();
    ctx_.suspend.reset();  // a builtin cannot both call a verb and suspend
    uint16_t dest = f->waiting->dest;
    std::optional<VmHost::VerbTarget> target;
    if (call.program) {
      target = VmHost::VerbTarget{std::move(call.program), -1, f->progr, "Input to EVAL", true};
      call.obj = -1;
    } else if (call.verb_index >= 0) {
      target = host_->verb_at(call.definer, call.verb_index, &e);
    } else {
      target = call.pass ? host_->find_pass_verb(f->definer, call.verb, &e)
                         : host_->find_verb(call.obj, call.verb, &e);
    }
    if (!target) {
      if (e == E_NONE) e = E_VERBNF;
    } else if (frames_.size() >= size_t(limits_.max_stack_depth)) {
      e = E_MAXREC;
    } else {
      e = E_NONE;
      push_verb_frame(std::move(*target), Value::obj(call.obj), std::move(call.args), dest, call.verb);
    }
  }
  if (e != E_NONE) {
    f->waiting.reset();
    RAISE(e);
  }
  LOAD_FRAME();
  NEXT();
}
builtin_resume : {
  {
    Frame::BuiltinWait w = std::move(*f->waiting);
    f->waiting.reset();
    const BuiltinSpec& spec = builtins.at(w.index);
    ctx_.progr = f->progr;
    ctx_.ticks_left = TICKS_LEFT_NOW();
    ctx_.resumed = true;
    ctx_.resume_value = R[w.dest];
    ctx_.state = std::move(w.state);
    try {
      Value r = spec.fn(ctx_, std::span<Value>(w.args.data(), w.args.size()));
      if (!ctx_.call) R[w.dest] = std::move(r);
    } catch (...) {
      pending_raise = builtin_error();
    }
    if (ctx_.call && !pending_raise)
      f->waiting = Frame::BuiltinWait{w.index, w.dest, std::move(w.args), std::move(ctx_.call->state)};
    if (ctx_.suspend) suspend_reg_ = w.dest;
    ctx_.resumed = false;
    ctx_.resume_value = Value();
    ctx_.state = Value();
  }
  if (pending_raise) {
    ctx_.call.reset();
    ctx_.suspend.reset();
    goto raise_pending;
  }
  if (ctx_.call) goto builtin_call_verb;
  if (ctx_.suspend) goto builtin_suspend;
  goto builtin_returned;
}

  // ---- errors ----
L_TRY_PUSH : {
  Handler h;
  h.kind = (in->b & 1) == uint16_t(HandlerKind::Catch) ? Handler::Catch : Handler::Except;
  h.codes = in->a;
  h.dest = in->c;
  h.target = in->d;
  h.siblings = uint16_t(in->b >> 1);
  f->handlers.push_back(std::move(h));
  NEXT();
}
L_TRY_POP : {
  size_t n = in->a;
  f->handlers.resize(f->handlers.size() >= n ? f->handlers.size() - n : 0);
  if (in->b == 1) {  // normal entry into a finally block
    Handler h;
    h.kind = Handler::InFinally;
    f->handlers.push_back(std::move(h));
  }
  NEXT();
}
L_FINALLY_PUSH : {
  Handler h;
  h.kind = Handler::Finally;
  h.target = in->d;
  f->handlers.push_back(std::move(h));
  NEXT();
}
L_FINALLY_END : {
  if (__builtin_expect(f->handlers.empty(), 0)) NEXT();  // only in a corrupt restored task
  Pending p = std::move(f->handlers.back().pending);
  f->handlers.pop_back();
  switch (p.kind) {
    case Pending::FallThrough: NEXT();
    case Pending::Raise:
      SAVE_PC();
      pending_raise = std::move(p.error);
      goto raise_pending_keep;
    case Pending::Return:
      SAVE_PC();
      if (!finish_return(std::move(p.value))) FINISH(TaskStatus::Done);
      LOAD_FRAME();
      if (f->waiting) goto builtin_resume;
      NEXT();
    case Pending::Exit:
      SAVE_PC();
      do_exit(p.depth, p.target);
      LOAD_FRAME();
      NEXT();
  }
  NEXT();
}
L_EXIT:
  SAVE_PC();
  do_exit(in->a, in->d);
  LOAD_FRAME();
  NEXT();
L_SCATTER : {
  const Value& src = R[in->b];
  if (src.type() == Type::None) RAISE(E_VARNF);
  if (!src.is_list()) RAISE(E_TYPE);
  const ScatterSpec& spec = f->program->scatters[in->c];
  int64_t len = src.list_len();
  int64_t nargs = int64_t(spec.items.size()), nreq = 0;
  bool have_rest = false;
  for (auto& it : spec.items) {
    if (it.kind == ScatterSpec::Item::Required) ++nreq;
    if (it.kind == ScatterSpec::Item::Rest) have_rest = true;
  }
  if (len < nreq || (!have_rest && len > nargs)) RAISE(E_ARGS);
  int64_t nopt_avail = len - nreq;
  int64_t nrest = have_rest && len >= nargs ? len - nargs + 1 : 0;
  int64_t mask = 0;
  {
  Value keep = src;  // a target may be the source's own register
  int64_t pos = 0, opt = 0;
  for (auto& it : spec.items) {
    if (it.kind == ScatterSpec::Item::Rest) {
      Value rest = Value::list_of_size(uint32_t(nrest));
      if (nrest) {
        ListObj* l = rest.list_mut();
        for (int64_t k = 0; k < nrest; ++k) l->items()[k] = keep.list_at(uint32_t(pos + k));
      }
      pos += nrest;
      R[it.reg] = std::move(rest);
    } else if (it.kind == ScatterSpec::Item::Required) {
      R[it.reg] = keep.list_at(uint32_t(pos++));
    } else {
      if (nopt_avail > 0) {
        --nopt_avail;
        R[it.reg] = keep.list_at(uint32_t(pos++));
        mask |= int64_t(1) << std::min<int64_t>(opt, 62);
      }
      ++opt;
    }
  }
  }
  R[in->a].set_int(mask);
  NEXT();
}
L_MAKEFUNC:
  R[in->a] = make_closure(*f, in->b, R + in->c);
  NEXT();
L_CALLFUNC : {
  if (R[in->b].type() == Type::None || R[in->c].type() == Type::None) RAISE(E_VARNF);
  if (!R[in->b].is_func() || !R[in->c].is_list()) RAISE(E_TYPE);
  if (frames_.size() >= size_t(limits_.max_stack_depth)) RAISE(E_MAXREC);
  SAVE_PC();
  try {
    Value fn = R[in->b];  // the frame push may move the registers
    push_function_frame(fn, std::move(R[in->c]), in->a);
  } catch (MooError& me) {
    pending_raise = make_error(std::move(me.code), std::move(me.message), std::move(me.value));
    goto raise_pending;
  }
  LOAD_FRAME();
  goto jit_enter;
}
L_MAKECELL:
  R[in->a] = make_cell(in->b == 0xFFFF ? Value::none() : R[in->b]);
  cells_made_.push_back(R[in->a]);
  NEXT();
L_CELL_GET : {
  const Value& c = R[in->b];
  const Value& v = c.is_cell() ? cell_of(c)->value : c;
  if (v.type() == Type::None) RAISE(E_VARNF);
  R[in->a] = v;
  NEXT();
}
L_CELL_SET:
  if (R[in->a].is_cell()) cell_of(R[in->a])->value = R[in->b];
  else {
    R[in->a] = make_cell(R[in->b]);  // written before its declaration ran
    cells_made_.push_back(R[in->a]);
  }
  NEXT();
L_FORK : {
  const Value& d = R[in->a];
  if (d.type() == Type::None) RAISE(E_VARNF);
  double delay;
  if (d.is_int()) delay = double(d.as_int());
  else if (d.is_float()) delay = d.as_float();
  else RAISE(E_TYPE);
  if (delay < 0) RAISE(E_INVARG);
  SAVE_PC();
  VmHost::ForkRequest req;
  req.program = f->program;
  req.vector = in->b;
  req.registers.assign(R, R + f->program->var_names.size());
  req.delay = delay;
  req.this_obj = f->this_obj;
  req.progr = f->progr;
  req.verb_name = f->verb_name;
  req.verb_names = f->verb_names;
  req.definer = f->definer;
  req.player = f->player;
  if (in->d) req.id_register = in->c;
  try {
    int64_t id = host_->fork(std::move(req));
    if (in->d) R[in->c] = Value::integer(id);
  } catch (MooError& me) {
    pending_raise = make_error(std::move(me.code), std::move(me.message), std::move(me.value));
    goto raise_pending;
  }
  NEXT();
}

raise_error:
  SAVE_PC();
  // A value past a limit aborts the task unless max_concat_catchable, in a
  // verb with or without the d flag (LambdaMOO's PUSH_ERROR_UNLESS_QUOTA).
  if (__builtin_expect(err == E_QUOTA, 0) && !limits_.values.catchable) goto quota_abort;
  // A verb without the d flag: the error becomes the failing expression's
  // value (LambdaMOO's PUSH_ERROR when !debug) and the verb goes on.
  if (!f->debug && in >= code && in + 1 == ip && kErrorValueDest[int(in->op)]) {
    if (kErrorValueDest[int(in->op)] == 1) R[in->a] = Value::err(err);
    if (kErrorValueDest[int(in->op)] == 3) ip = code + in->d;
    NEXT();
  }
  pending_raise = make_error(Value::err(err), error_message(err), Value::integer(0));
raise_pending:
  if (__builtin_expect(pending_raise->quota, 0) && !limits_.values.catchable) goto quota_abort;
  if (!f->debug && in >= code && in + 1 == ip && kErrorValueDest[int(in->op)]) {
    if (kErrorValueDest[int(in->op)] == 1) R[in->a] = std::move(pending_raise->code);
    if (kErrorValueDest[int(in->op)] == 3) ip = code + in->d;
    pending_raise.reset();
    NEXT();
  }
raise_pending_keep:
  if (!raise(std::move(pending_raise))) FINISH(TaskStatus::Error);
  LOAD_FRAME();
  NEXT();

meter:
  if (!memory_within_budget()) RAISE(E_QUOTA);
  goto clock_check;  // what allocated that much may have taken long too

quota_abort:
  pending_raise.reset();
  FINISH(TaskStatus::AbortedSeconds);

#undef LOAD_FRAME
#undef SAVE_PC
#undef NEXT
#undef RAISE
#undef TICKS_LEFT_NOW
#undef METER_NEXT
#undef FINISH
}

}  // namespace echo
