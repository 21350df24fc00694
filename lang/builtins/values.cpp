// Conversions and generic value builtins: typeof, tostr, toliteral, toint,
// tonum, toobj, tofloat, equal, value_bytes, raise.
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "lang/builtins/helpers.h"
#include "lang/limits.h"

namespace echo::bi {

namespace {

Value bf_typeof(BuiltinContext&, std::span<Value> args) {
  return integer(int64_t(args[0].type()));
}

Value bf_tostr(BuiltinContext&, std::span<Value> args) {
  if (args.size() == 1 && args[0].is_str()) return args[0];
  if (args.size() == 1 && args[0].is_int()) {  // the common case, without a std::string
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, args[0].as_int());
    (void)ec;
    return Value::str(std::string_view(buf, size_t(end - buf)));
  }
  std::string out;
  for (const Value& v : args) {
    if (v.is_str()) out.append(v.as_str());
    else out += to_str(v);
    check_string_length(out.size());
  }
  return str(out);
}

Value bf_toliteral(BuiltinContext&, std::span<Value> args) { return str(to_literal(args[0])); }

// Only spaces may follow a number (LambdaMOO's parse_number/parse_float).
bool only_spaces(const std::string& s, size_t from) {
  for (size_t i = from; i < s.size(); ++i)
    if (s[i] != ' ') return false;
  return true;
}

int64_t clamp_double(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return int64_t(d);
}

// parse_number(): strtol (leading white space, sign), falling back to strtod
// for toint() when the text continues with '.', 'e' or 'E' or has no digits;
// anything but trailing spaces makes it 0.
int64_t parse_number(const std::string& s, bool try_float) {
  const char* b = s.c_str();
  char* p = nullptr;
  errno = 0;
  long long r = std::strtoll(b, &p, 10);
  int64_t result = r;
  if (try_float && (p == b || *p == '.' || *p == 'e' || *p == 'E')) {
    double d = std::strtod(b, &p);
    result = clamp_double(d);
  }
  if (p == b) return 0;
  if (!only_spaces(s, size_t(p - b))) return 0;
  return result;
}

// LambdaMOO's become_integer(). A float outside the integer range is E_FLOAT.
int64_t become_integer(const Value& v, bool for_toint) {
  switch (v.type()) {
    case Type::Int: return v.as_int();
    case Type::Obj: return v.as_obj();
    case Type::Err: return int64_t(v.as_err());
    case Type::Bool: return v.as_bool() ? 1 : 0;
    case Type::Str: {
      std::string s(v.as_str());
      if (for_toint) return parse_number(s, true);
      size_t i = 0;  // parse_object: spaces, an optional '#', then a number
      while (i < s.size() && s[i] == ' ') ++i;
      if (i < s.size() && s[i] == '#') ++i;
      return parse_number(s.substr(i), false);
    }
    case Type::Float: {
      double d = v.as_float();
      if (!std::isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
        raise(E_FLOAT);
      return int64_t(d);
    }
    default:
      raise(E_TYPE);
  }
}

Value bf_toint(BuiltinContext&, std::span<Value> args) {
  return integer(become_integer(args[0], true));
}

Value bf_toobj(BuiltinContext&, std::span<Value> args) {
  return Value::obj(become_integer(args[0], false));
}

Value bf_tofloat(BuiltinContext&, std::span<Value> args) {
  const Value& v = args[0];
  switch (v.type()) {
    case Type::Int: return Value::flt(double(v.as_int()));
    case Type::Obj: return Value::flt(double(v.as_obj()));
    case Type::Err: return Value::flt(double(v.as_err()));
    case Type::Bool: return Value::flt(v.as_bool() ? 1.0 : 0.0);
    case Type::Float: return v;
    case Type::Str: {
      // parse_float(): spaces, an optional '-', strtod, trailing spaces.
      std::string s(v.as_str());
      size_t i = 0;
      while (i < s.size() && s[i] == ' ') ++i;
      bool neg = false;
      if (i < s.size() && s[i] == '-') {
        neg = true;
        ++i;
      }
      const char* b = s.c_str() + i;
      char* p = nullptr;
      double d = std::strtod(b, &p);
      if (p == b || !only_spaces(s, size_t(p - s.c_str()))) raise(E_INVARG);
      if (neg) d = -d;
      if (!std::isfinite(d)) raise(E_INVARG);
      return Value::flt(d);
    }
    default:
      raise(E_TYPE);
  }
}

Value bf_equal(BuiltinContext&, std::span<Value> args) {
  return integer(equal_exact(args[0], args[1]) ? 1 : 0);
}

Value bf_value_bytes(BuiltinContext&, std::span<Value> args) { return integer(value_bytes(args[0])); }

// raise(code [, message [, value]]): the message defaults to the error's
// message for an ERR and to tostr(code) otherwise.
Value bf_raise(BuiltinContext&, std::span<Value> args) {
  Value code = args[0];
  std::string msg = args.size() >= 2 ? std::string(args[1].as_str())
                                     : (code.is_err() ? std::string(error_message(code.as_err()))
                                                      : to_str(code));
  Value value = args.size() >= 3 ? args[2] : integer(0);
  throw MooError(std::move(code), std::move(msg), std::move(value));
}

}  // namespace

}  // namespace echo::bi

namespace echo {

void register_value_builtins(Builtins& b) {
  using namespace bi;
  using A = ArgType;
  b.add({"typeof", 1, 1, {A::Any}, bf_typeof});
  b.add({"tostr", 0, -1, {}, bf_tostr});
  b.add({"toliteral", 1, 1, {A::Any}, bf_toliteral});
  b.add({"toint", 1, 1, {A::Any}, bf_toint});
  b.add({"tonum", 1, 1, {A::Any}, bf_toint});
  b.add({"toobj", 1, 1, {A::Any}, bf_toobj});
  b.add({"tofloat", 1, 1, {A::Any}, bf_tofloat});
  b.add({"equal", 2, 2, {A::Any, A::Any}, bf_equal});
  b.add({"value_bytes", 1, 1, {A::Any}, bf_value_bytes});
  b.add({"raise", 1, 3, {A::Any, A::Str, A::Any}, bf_raise});
  register_crypto_builtins(b);
}

}  // namespace echo
