// Numeric builtins: abs, min, max, random, floatstr and the floating-point
// functions (sqrt ... trunc), with LambdaMOO's error rules: a domain error
// (errno EDOM) is E_INVARG, any other error or a non-finite result E_FLOAT.
// ToastStunt's additions (numbers.cc): round, cbrt, atan2, frandom,
// reseed_random, distance, relative_heading.
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

// abs(INT64_MIN) has no positive counterpart; like LambdaMOO's C negation
// on two's complement hardware it stays INT64_MIN (computed without UB).
Value bf_abs(BuiltinContext&, std::span<Value> args) {
  const Value& v = args[0];
  if (v.is_int()) {
    int64_t i = v.as_int();
    return integer(i < 0 ? int64_t(0 - uint64_t(i)) : i);
  }
  return Value::flt(std::fabs(v.as_float()));
}

// min/max: the first argument's type decides; every other argument must
// have the same type (E_TYPE otherwise, also for INT mixed with FLOAT).
Value minmax(std::span<Value> args, bool want_max) {
  const Value* best = &args[0];
  bool is_int = best->is_int();
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& v = args[i];
    if (is_int ? !v.is_int() : !v.is_float()) raise(E_TYPE);
    bool better = is_int ? (want_max ? v.as_int() > best->as_int() : v.as_int() < best->as_int())
                         : (want_max ? v.as_float() > best->as_float()
                                     : v.as_float() < best->as_float());
    if (better) best = &v;
  }
  return *best;
}

Value bf_min(BuiltinContext&, std::span<Value> args) { return minmax(args, false); }
Value bf_max(BuiltinContext&, std::span<Value> args) { return minmax(args, true); }

struct Urbg {
  using result_type = uint64_t;
  BuiltinContext& ctx;
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return std::numeric_limits<uint64_t>::max(); }
  uint64_t operator()() { return random_u64(ctx); }
};

// random() is 1..maxint, random(n) 1..n, random(lo, hi) lo..hi (the last
// form is ToastStunt's). E_INVARG when the upper bound is not positive or
// below the lower one.
Value bf_random(BuiltinContext& ctx, std::span<Value> args) {
  int64_t lo = args.size() == 2 ? args[0].as_int() : 1;
  int64_t hi = args.empty() ? INT64_MAX : args[args.size() - 1].as_int();
  if (hi <= 0 || hi < lo) raise(E_INVARG);
  Urbg g{ctx};
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  return integer(dist(g));
}

// floatstr(x, precision [, scientific]): printf's %.*f or %.*e; precision
// above DBL_DIG + 4 is reduced to it (LambdaMOO), negative is E_INVARG.
Value bf_floatstr(BuiltinContext&, std::span<Value> args) {
  double d = args[0].as_float();
  int64_t prec = args[1].as_int();
  bool sci = args.size() >= 3 && args[2].truthy();
  if (prec > DBL_DIG + 4) prec = DBL_DIG + 4;
  else if (prec < 0) raise(E_INVARG);
  char buf[512];  // 309 integer digits + 19 decimals at most
  std::snprintf(buf, sizeof buf, sci ? "%.*e" : "%.*f", int(prec), d);
  return str(buf);
}

Value float_result(double in, double out) {
  int e = errno;
  if (e == EDOM || (std::isnan(out) && !std::isnan(in))) raise(E_INVARG);
  if (e != 0 || !std::isfinite(out)) raise(E_FLOAT);
  return Value::flt(out);
}

template <double (*F)(double)>
Value math1(BuiltinContext&, std::span<Value> args) {
  double x = args[0].as_float();
  errno = 0;
  double r = F(x);
  return float_result(x, r);
}

double f_sqrt(double x) { return std::sqrt(x); }
double f_sin(double x) { return std::sin(x); }
double f_cos(double x) { return std::cos(x); }
double f_tan(double x) { return std::tan(x); }
double f_asin(double x) { return std::asin(x); }
double f_acos(double x) { return std::acos(x); }
double f_sinh(double x) { return std::sinh(x); }
double f_cosh(double x) { return std::cosh(x); }
double f_tanh(double x) { return std::tanh(x); }
double f_asinh(double x) { return std::asinh(x); }
double f_acosh(double x) { return std::acosh(x); }
double f_atanh(double x) { return std::atanh(x); }
double f_exp(double x) { return std::exp(x); }
double f_log(double x) { return std::log(x); }
double f_log10(double x) { return std::log10(x); }
double f_ceil(double x) { return std::ceil(x); }
double f_floor(double x) { return std::floor(x); }
double f_trunc(double x) { return x < 0.0 ? std::ceil(x) : std::floor(x); }

Value bf_atan(BuiltinContext&, std::span<Value> args) {
  double y = args[0].as_float();
  errno = 0;
  double r = args.size() >= 2 ? std::atan2(y, args[1].as_float()) : std::atan(y);
  return float_result(y, r);
}

// atan2(y, x) (ToastStunt): atan(y, x) under its own name.
Value bf_atan2(BuiltinContext&, std::span<Value> args) {
  double y = args[0].as_float();
  errno = 0;
  return float_result(y, std::atan2(y, args[1].as_float()));
}

// round(x) (ToastStunt): the nearest integral FLOAT, halves away from zero.
Value bf_round(BuiltinContext&, std::span<Value> args) {
  return Value::flt(std::round(args[0].as_float()));
}

double f_cbrt(double x) { return std::cbrt(x); }

// frandom(max) is a FLOAT from 0.0 to max, frandom(min, max) from min to
// max (ToastStunt: min + (rand() / RAND_MAX) * (max - min), no error when
// max < min). Echo draws from the task's generator, so it is as
// reproducible as random(); written as a weighted mean so that the
// difference of two large bounds cannot overflow.
Value bf_frandom(BuiltinContext& ctx, std::span<Value> args) {
  double lo = args.size() > 1 ? args[0].as_float() : 0.0;
  double hi = args.size() > 1 ? args[1].as_float() : args[0].as_float();
  double u = double(random_u64(ctx) >> 11) * 0x1.0p-53;  // [0, 1)
  double r = lo * (1.0 - u) + hi * u;
  if (!std::isfinite(r)) raise(E_FLOAT);
  return Value::flt(r);
}

// reseed_random() (ToastStunt, wizards only): a fresh seed from the system's
// entropy for the generator random() and frandom() draw from (here the
// task's own; ToastStunt has one for the server). Returns 0.
Value bf_reseed_random(BuiltinContext& ctx, std::span<Value>) {
  if (!ctx.wizard()) raise(E_PERM);
  if (std::mt19937_64* r = ctx.rng()) {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    r->seed(seq);
  }
  return integer(0);
}

double number(const Value& v) { return v.is_int() ? double(v.as_int()) : v.as_float(); }

// distance(a, b) (ToastStunt): the Euclidean distance between two points of
// any dimension, given as lists of INTs and FLOATs; a's length counts.
// E_TYPE for an element that is not a number; E_INVARG when b is shorter
// than a (ToastStunt reads past b's end).
Value bf_distance(BuiltinContext&, std::span<Value> args) {
  const Value &a = args[0], &b = args[1];
  double sum = 0.0;
  for (uint32_t i = 0; i < a.list_len(); ++i) {
    if (i >= b.list_len()) raise(E_INVARG);
    const Value &x = a.list_at(i), &y = b.list_at(i);
    if (!(x.is_int() || x.is_float()) || !(y.is_int() || y.is_float())) raise(E_TYPE);
    double d = number(y) - number(x);
    sum += d * d;
  }
  double r = std::sqrt(sum);
  if (!std::isfinite(r)) raise(E_FLOAT);
  return Value::flt(r);
}

// relative_heading(a, b) (ToastStunt): {bearing, elevation} in whole degrees
// from point a to point b, each a list of three FLOATs (later elements are
// ignored): the bearing in the x-y plane from 0 to 359, the elevation from
// -90 to 90, both truncated toward zero. E_TYPE for a coordinate that is not
// a FLOAT; E_INVARG for a list of fewer than three (ToastStunt reads past
// its end).
Value bf_relative_heading(BuiltinContext&, std::span<Value> args) {
  const Value &a = args[0], &b = args[1];
  if (a.list_len() < 3 || b.list_len() < 3) raise(E_INVARG);
  for (uint32_t i = 0; i < 3; ++i)
    if (!a.list_at(i).is_float() || !b.list_at(i).is_float()) raise(E_TYPE);
  double dx = b.list_at(0).as_float() - a.list_at(0).as_float();
  double dy = b.list_at(1).as_float() - a.list_at(1).as_float();
  double dz = b.list_at(2).as_float() - a.list_at(2).as_float();
  constexpr double kDegrees = 57.2957795130823;  // ToastStunt's 180 / pi
  double xy = std::atan2(dy, dx) * kDegrees;
  if (xy < 0.0) xy += 360.0;
  double z = std::atan2(dz, std::sqrt(dx * dx + dy * dy)) * kDegrees;
  if (std::isnan(xy) || std::isnan(z)) raise(E_FLOAT);  // inf - inf: no int to give
  return make_list({integer(int64_t(xy)), integer(int64_t(z))});
}

}  // namespace

}  // namespace echo::bi

namespace echo {

void register_math_builtins(Builtins& b) {
  using namespace bi;
  using A = ArgType;
  b.add({"abs", 1, 1, {A::Numeric}, bf_abs});
  b.add({"min", 1, -1, {A::Numeric}, bf_min});
  b.add({"max", 1, -1, {A::Numeric}, bf_max});
  b.add({"random", 0, 2, {A::Int, A::Int}, bf_random});
  b.add({"floatstr", 2, 3, {A::Float, A::Int, A::Any}, bf_floatstr});
  struct F { const char* name; BuiltinFn fn; };
  const F fns[] = {
      {"sqrt", math1<f_sqrt>},   {"sin", math1<f_sin>},     {"cos", math1<f_cos>},
      {"tan", math1<f_tan>},     {"asin", math1<f_asin>},   {"acos", math1<f_acos>},
      {"sinh", math1<f_sinh>},   {"cosh", math1<f_cosh>},   {"tanh", math1<f_tanh>},
      {"asinh", math1<f_asinh>}, {"acosh", math1<f_acosh>}, {"atanh", math1<f_atanh>},
      {"exp", math1<f_exp>},     {"log", math1<f_log>},     {"log10", math1<f_log10>},
      {"ceil", math1<f_ceil>},   {"floor", math1<f_floor>}, {"trunc", math1<f_trunc>},
  };
  for (const F& f : fns) b.add({f.name, 1, 1, {A::Float}, f.fn});
  b.add({"atan", 1, 2, {A::Float, A::Float}, bf_atan});
  b.add({"atan2", 2, 2, {A::Float, A::Float}, bf_atan2});
  b.add({"cbrt", 1, 1, {A::Float}, math1<f_cbrt>});
  b.add({"round", 1, 1, {A::Float}, bf_round});
  b.add({"frandom", 1, 2, {A::Float, A::Float}, bf_frandom});
  b.add({"reseed_random", 0, 0, {}, bf_reseed_random});
  b.add({"distance", 2, 2, {A::List, A::List}, bf_distance});
  b.add({"relative_heading", 2, 2, {A::List, A::List}, bf_relative_heading});
}

}  // namespace echo
