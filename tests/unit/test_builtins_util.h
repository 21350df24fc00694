// Helpers for the builtin tests: call a builtin through the registry the way
// the VM does (find, check_args, fn) and inspect results as literals.
#pragma once

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lang/builtins.h"
#include "lang/map.h"
#include "lang/value.h"
#include "lang/vm.h"

namespace bt {

using echo::Value;

inline Value S(std::string_view s) { return Value::str(s); }
inline Value I(int64_t i) { return Value::integer(i); }
inline Value F(double d) { return Value::flt(d); }
inline Value O(int64_t o) { return Value::obj(o); }
inline Value E(echo::Error e) { return Value::err(e); }
inline Value B(bool b) { return Value::boolean(b); }
inline Value L(std::vector<Value> items) {
  Value l = Value::empty_list();
  for (auto& v : items) echo::list_append(l, std::move(v));
  return l;
}
inline Value M(std::vector<std::pair<Value, Value>> entries) {
  Value m = Value::empty_map();
  for (auto& [k, v] : entries) m.map_mut()->set(std::move(k), std::move(v));
  return m;
}

inline Value call(const char* name, std::vector<Value> args) {
  echo::register_all_builtins();
  auto& b = echo::Builtins::instance();
  int i = b.find(name);
  if (i < 0) FAIL("no builtin " << name);
  b.check_args(i, args);
  static std::mt19937_64 rng(12345);
  // A world-less host: every caller is a wizard, as in the REPL.
  static echo::VmHost host;
  echo::BuiltinContext ctx;
  ctx.given_rng = &rng;
  ctx.host = &host;
  return b.at(i).fn(ctx, args);
}

// toliteral() of the result.
inline std::string lit(const char* name, std::vector<Value> args) {
  return echo::to_literal(call(name, std::move(args)));
}

// The error raised, or E_NONE when the call succeeds.
inline echo::Error err(const char* name, std::vector<Value> args) {
  try {
    call(name, std::move(args));
  } catch (const echo::MooError& e) {
    return e.code.is_err() ? e.code.as_err() : echo::E_NONE;
  }
  return echo::E_NONE;
}

// The literal of the nine unused-group pairs, for match() results.
inline std::string no_groups() {
  return "{{0, -1}, {0, -1}, {0, -1}, {0, -1}, {0, -1}, {0, -1}, {0, -1}, {0, -1}, {0, -1}}";
}

}  // namespace bt
