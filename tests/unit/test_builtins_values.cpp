// Registry and value builtins: typeof, tostr, toliteral, toint, tonum,
// toobj, tofloat, equal, value_bytes, raise.
#include "test_builtins_util.h"

using namespace bt;
using namespace echo;

TEST_CASE("registry: lookup and argument checking", "[builtins]") {
  register_all_builtins();
  register_all_builtins();  // idempotent
  auto& b = Builtins::instance();
  int i = b.find("TOSTR");
  REQUIRE(i >= 0);
  CHECK(b.at(i).name == "tostr");
  CHECK(b.find("no_such_builtin") == -1);
  std::vector<Value> none;
  CHECK_THROWS_AS(b.check_args(b.find("length"), none), MooError);
  try {
    std::vector<Value> args{S("a"), S("b"), S("c")};
    b.check_args(b.find("length"), args);
    FAIL("no error");
  } catch (const MooError& e) {
    CHECK(e.code.as_err() == E_ARGS);
    CHECK(e.message == "Incorrect number of arguments");
  }
  try {
    std::vector<Value> args{S("a"), I(1)};
    b.check_args(b.find("listappend"), args);
    FAIL("no error");
  } catch (const MooError& e) {
    CHECK(e.code.as_err() == E_TYPE);
  }
  // Numeric accepts INT and FLOAT, nothing else.
  CHECK(err("abs", {I(-1)}) == E_NONE);
  CHECK(err("abs", {F(-1)}) == E_NONE);
  CHECK(err("abs", {S("1")}) == E_TYPE);
  // Every builtin in the brief is registered.
  for (const char* name :
       {"typeof", "tostr", "toint", "tonum", "toobj", "tofloat", "toliteral", "equal",
        "value_bytes", "value_hash", "length", "is_member", "listinsert", "listappend",
        "listdelete", "listset", "setadd", "setremove", "strsub", "index", "rindex", "strcmp",
        "strtr", "explode", "match", "rmatch", "substitute", "decode_binary", "encode_binary",
        "crypt", "string_hash", "binary_hash", "abs", "min", "max", "random", "sqrt", "sin",
        "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
        "exp", "log", "log10", "ceil", "floor", "trunc", "floatstr", "time", "ctime", "ftime",
        "raise", "mapkeys", "mapvalues", "mapdelete", "maphaskey", "parse_json",
        "generate_json", "sort", "reverse", "slice"})
    CHECK(b.find(name) >= 0);
}

TEST_CASE("typeof", "[builtins]") {
  CHECK(lit("typeof", {I(1)}) == "0");
  CHECK(lit("typeof", {O(1)}) == "1");
  CHECK(lit("typeof", {S("")}) == "2");
  CHECK(lit("typeof", {E(E_TYPE)}) == "3");
  CHECK(lit("typeof", {L({})}) == "4");
  CHECK(lit("typeof", {F(1)}) == "9");
  CHECK(lit("typeof", {M({})}) == "10");
  CHECK(lit("typeof", {B(true)}) == "14");
  CHECK(err("typeof", {}) == E_ARGS);
}

TEST_CASE("tostr and toliteral", "[builtins]") {
  CHECK(lit("tostr", {}) == "\"\"");
  CHECK(lit("tostr", {I(1), S("a"), O(5), F(2.5), E(E_PERM), L({I(1)}), M({})}) ==
        "\"1a#52.5Permission denied{list}[map]\"");
  CHECK(lit("tostr", {F(1)}) == "\"1.0\"");
  CHECK(lit("tostr", {F(1e100)}) == "\"1e+100\"");
  CHECK(lit("tostr", {B(true)}) == "\"true\"");
  CHECK(lit("tostr", {I(-9223372036854775807LL - 1)}) == "\"-9223372036854775808\"");
  CHECK(lit("toliteral", {L({I(1), S("a\"b"), L({}), E(E_TYPE), O(-1), F(0.5)})}) ==
        "\"{1, \\\"a\\\\\\\"b\\\", {}, E_TYPE, #-1, 0.5}\"");
  CHECK(call("toliteral", {M({{S("a"), I(1)}, {I(2), I(3)}})}).as_str() ==
        "[2 -> 3, \"a\" -> 1]");
  CHECK(call("toliteral", {S("\\")}).as_str() == "\"\\\\\"");
  CHECK(err("toliteral", {}) == E_ARGS);
}

TEST_CASE("toint / tonum", "[builtins]") {
  CHECK(lit("toint", {I(5)}) == "5");
  CHECK(lit("toint", {S("42")}) == "42");
  CHECK(lit("toint", {S("  -42")}) == "-42");
  CHECK(lit("toint", {S("42  ")}) == "42");
  CHECK(lit("toint", {S("42abc")}) == "0");
  CHECK(lit("toint", {S("abc")}) == "0");
  CHECK(lit("toint", {S("")}) == "0");
  CHECK(lit("toint", {S("3.9")}) == "3");
  CHECK(lit("toint", {S("-3.9")}) == "-3");
  CHECK(lit("toint", {S("1e3")}) == "1000");
  CHECK(lit("toint", {S("+7")}) == "7");
  CHECK(lit("toint", {S("0x10")}) == "0");
  CHECK(lit("toint", {S("99999999999999999999999")}) == "9223372036854775807");
  CHECK(lit("toint", {S("-99999999999999999999999")}) == "-9223372036854775808");
  CHECK(lit("toint", {S("1e400")}) == "9223372036854775807");
  CHECK(lit("toint", {O(17)}) == "17");
  CHECK(lit("toint", {E(E_INVARG)}) == "13");
  CHECK(lit("toint", {F(2.9)}) == "2");
  CHECK(lit("toint", {F(-2.9)}) == "-2");
  CHECK(lit("tonum", {S("12")}) == "12");
  CHECK(err("toint", {F(1e300)}) == E_FLOAT);
  CHECK(err("toint", {L({})}) == E_TYPE);
  CHECK(err("toint", {M({})}) == E_TYPE);
  CHECK(err("toint", {}) == E_ARGS);
}

TEST_CASE("toobj", "[builtins]") {
  CHECK(lit("toobj", {S("#12")}) == "#12");
  CHECK(lit("toobj", {S("12")}) == "#12");
  CHECK(lit("toobj", {S("  #-1")}) == "#-1");
  CHECK(lit("toobj", {S("foo")}) == "#0");
  CHECK(lit("toobj", {S("1.5")}) == "#0");  // no floating point for objects
  CHECK(lit("toobj", {I(7)}) == "#7");
  CHECK(lit("toobj", {F(7.9)}) == "#7");
  CHECK(lit("toobj", {E(E_PERM)}) == "#3");
  CHECK(err("toobj", {L({})}) == E_TYPE);
}

TEST_CASE("tofloat", "[builtins]") {
  CHECK(lit("tofloat", {I(3)}) == "3.0");
  CHECK(lit("tofloat", {S("2.5")}) == "2.5");
  CHECK(lit("tofloat", {S(" -2.5 ")}) == "-2.5");
  CHECK(lit("tofloat", {S("1e3")}) == "1000.0");
  CHECK(lit("tofloat", {O(2)}) == "2.0");
  CHECK(lit("tofloat", {E(E_DIV)}) == "2.0");
  CHECK(lit("tofloat", {F(0.25)}) == "0.25");
  CHECK(err("tofloat", {S("abc")}) == E_INVARG);
  CHECK(err("tofloat", {S("1.5x")}) == E_INVARG);
  CHECK(err("tofloat", {S("")}) == E_INVARG);
  CHECK(err("tofloat", {S("inf")}) == E_INVARG);
  CHECK(err("tofloat", {S("nan")}) == E_INVARG);
  CHECK(err("tofloat", {S("1e999")}) == E_INVARG);
  CHECK(err("tofloat", {L({})}) == E_TYPE);
}

TEST_CASE("equal is case-sensitive", "[builtins]") {
  CHECK(lit("equal", {S("abc"), S("abc")}) == "1");
  CHECK(lit("equal", {S("abc"), S("ABC")}) == "0");
  CHECK(lit("equal", {L({S("a")}), L({S("A")})}) == "0");
  CHECK(lit("equal", {L({S("a"), I(1)}), L({S("a"), I(1)})}) == "1");
  CHECK(lit("equal", {I(1), F(1)}) == "0");
  CHECK(lit("equal", {M({{S("k"), S("v")}}), M({{S("k"), S("V")}})}) == "0");
  CHECK(err("equal", {I(1)}) == E_ARGS);
}

TEST_CASE("value_bytes", "[builtins]") {
  CHECK(lit("value_bytes", {I(1)}) == "16");
  CHECK(lit("value_bytes", {S("abc")}) == "20");
  CHECK(lit("value_bytes", {F(1)}) == "24");
  CHECK(lit("value_bytes", {L({I(1), S("ab")})}) == "67");
  CHECK(lit("value_bytes", {M({{I(1), I(2)}})}) == "88");
}

TEST_CASE("raise", "[builtins]") {
  try {
    call("raise", {E(E_PERM)});
    FAIL("no raise");
  } catch (const MooError& e) {
    CHECK(e.code.as_err() == E_PERM);
    CHECK(e.message == "Permission denied");
    CHECK(e.value.is_int());
  }
  try {
    call("raise", {S("oops"), S("my message"), L({I(1)})});
    FAIL("no raise");
  } catch (const MooError& e) {
    CHECK(e.code.as_str() == "oops");
    CHECK(e.message == "my message");
    CHECK(to_literal(e.value) == "{1}");
  }
  try {
    call("raise", {I(42)});
    FAIL("no raise");
  } catch (const MooError& e) {
    CHECK(e.message == "42");
  }
  CHECK(err("raise", {}) == E_ARGS);
  CHECK(err("raise", {E(E_PERM), I(1)}) == E_TYPE);
}
