// Values: construction, copy-on-write, equality, ordering, printing, maps.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "lang/map.h"
#include "lang/value.h"

using namespace echo;

namespace {
Value S(const char* s) { return Value::str(s); }
Value I(int64_t i) { return Value::integer(i); }
Value F(double d) { return Value::flt(d); }
}  // namespace

TEST_CASE("value: error names and messages", "[value]") {
  CHECK(std::string(error_name(E_TYPE)) == "E_TYPE");
  CHECK(std::string(error_message(E_TYPE)) == "Type mismatch");
  CHECK(std::string(error_message(E_NONE)) == "No error");
  CHECK(std::string(error_message(E_DIV)) == "Division by zero");
  CHECK(std::string(error_message(E_PERM)) == "Permission denied");
  CHECK(std::string(error_message(E_PROPNF)) == "Property not found");
  CHECK(std::string(error_message(E_VERBNF)) == "Verb not found");
  CHECK(std::string(error_message(E_VARNF)) == "Variable not found");
  CHECK(std::string(error_message(E_INVIND)) == "Invalid indirection");
  CHECK(std::string(error_message(E_RECMOVE)) == "Recursive move");
  CHECK(std::string(error_message(E_MAXREC)) == "Too many verb calls");
  CHECK(std::string(error_message(E_RANGE)) == "Range error");
  CHECK(std::string(error_message(E_ARGS)) == "Incorrect number of arguments");
  CHECK(std::string(error_message(E_NACC)) == "Move refused by destination");
  CHECK(std::string(error_message(E_INVARG)) == "Invalid argument");
  CHECK(std::string(error_message(E_QUOTA)) == "Resource limit exceeded");
  CHECK(std::string(error_message(E_FLOAT)) == "Floating-point arithmetic error");
  Error e = E_NONE;
  CHECK(error_from_name("e_invarg", &e));
  CHECK(e == E_INVARG);
  CHECK_FALSE(error_from_name("E_BOGUS", &e));
  CHECK(std::string(error_name(static_cast<Error>(99))) == "E_UNKNOWN");
}

TEST_CASE("value: strings", "[value]") {
  Value a = S("hello");
  CHECK(a.is_str());
  CHECK(a.as_str() == "hello");
  Value b = a;
  CHECK_FALSE(a.unique());
  StrObj* s = b.str_mut(3);
  CHECK(s != a.str_obj());
  std::memcpy(s->data() + s->len, "!!!", 3);
  s->len += 3;
  CHECK(b.as_str() == "hello!!!");
  CHECK(a.as_str() == "hello");
  CHECK(b.unique());
  // In place growth when unique.
  for (int i = 0; i < 1000; ++i) {
    StrObj* t = b.str_mut(1);
    t->data()[t->len++] = 'x';
  }
  CHECK(b.as_str().size() == 1008);
  Value e1 = S(""), e2 = S("");
  CHECK(e1.as_str().empty());
  CHECK_FALSE(e1.truthy());
  StrObj* em = e1.str_mut(2);
  em->data()[em->len++] = 'a';
  CHECK(e1.as_str() == "a");
  CHECK(e2.as_str().empty());
  CHECK(str_concat(S("ab"), S("cd")).as_str() == "abcd");
  CHECK(str_concat(S(""), S("cd")).as_str() == "cd");
  std::string with_nul("a\0b", 3);
  CHECK(Value::str(with_nul).as_str().size() == 3);
}

TEST_CASE("value: lists copy on write", "[value]") {
  Value l = Value::empty_list();
  CHECK(l.list_len() == 0);
  for (int i = 0; i < 100; ++i) list_append(l, I(i));
  CHECK(l.list_len() == 100);
  CHECK(l.list_at(99).as_int() == 99);
  Value m = l;
  list_append(m, S("x"));
  CHECK(l.list_len() == 100);
  CHECK(m.list_len() == 101);
  Value e = Value::empty_list();
  Value e2 = Value::empty_list();
  list_append(e, I(1));
  CHECK(e2.list_len() == 0);
  Value z = Value::list_of_size(3);
  CHECK(z.list_len() == 3);
  CHECK(z.list_at(2).is_int());
  Value k = make_list({I(1), S("a"), Value::empty_list()});
  CHECK(to_literal(k) == "{1, \"a\", {}}");
  // Deep nesting is destroyed without recursion.
  Value deep = Value::empty_list();
  for (int i = 0; i < 200000; ++i) deep = make_list({deep});
  deep = I(0);
  CHECK(deep.is_int());
}

TEST_CASE("value: truthiness", "[value]") {
  CHECK(I(1).truthy());
  CHECK_FALSE(I(0).truthy());
  CHECK(F(0.5).truthy());
  CHECK_FALSE(F(0.0).truthy());
  CHECK(S("x").truthy());
  CHECK_FALSE(Value::obj(5).truthy());
  CHECK_FALSE(Value::err(E_TYPE).truthy());
  CHECK(make_list({I(0)}).truthy());
  CHECK_FALSE(Value::empty_map().truthy());
  CHECK(Value::boolean(true).truthy());
  CHECK_FALSE(Value::boolean(false).truthy());
}

TEST_CASE("value: equality", "[value]") {
  CHECK(equal(S("Foo"), S("fOO")));
  CHECK_FALSE(equal_exact(S("Foo"), S("fOO")));
  CHECK_FALSE(equal(I(1), F(1.0)));
  CHECK(equal(make_list({S("A"), I(2)}), make_list({S("a"), I(2)})));
  CHECK_FALSE(equal_exact(make_list({S("A"), I(2)}), make_list({S("a"), I(2)})));
  CHECK_FALSE(equal(make_list({I(1)}), make_list({I(1), I(2)})));
  CHECK_FALSE(equal(Value::obj(1), I(1)));
  CHECK(equal(Value::err(E_TYPE), Value::err(E_TYPE)));
  CHECK(equal(Value::boolean(true), I(1)));  // ToastStunt
  CHECK_FALSE(equal(Value::boolean(true), I(2)));
}

TEST_CASE("value: ordering", "[value]") {
  CHECK(compare_values(I(1), I(2)) < 0);
  CHECK(compare_values(I(INT64_MIN), I(INT64_MAX)) < 0);
  CHECK(compare_values(S("abc"), S("ABD")) < 0);
  CHECK(compare_values(S("abc"), S("ABC")) == 0);
  CHECK(compare_values(S("abc"), S("ABC"), true) > 0);
  CHECK(compare_values(I(5), S("a")) < 0);  // by type code
  CHECK(compare_values(F(1.5), F(1.25)) > 0);
  CHECK(compare_ci("_", "A") < 0);  // folds to lower case, as LambdaMOO
  CHECK(compare_ci("ab", "abc") < 0);
}

TEST_CASE("value: printing", "[value]") {
  CHECK(to_literal(I(-12)) == "-12");
  CHECK(to_literal(Value::obj(12)) == "#12");
  CHECK(to_literal(Value::obj(-1)) == "#-1");
  CHECK(to_literal(Value::err(E_TYPE)) == "E_TYPE");
  CHECK(to_str(Value::err(E_TYPE)) == "Type mismatch");
  CHECK(to_literal(S("a\"b\\c")) == "\"a\\\"b\\\\c\"");
  CHECK(to_str(S("a\"b")) == "a\"b");
  CHECK(to_str(make_list({I(1)})) == "{list}");
  CHECK(to_literal(Value::empty_list()) == "{}");
  CHECK(to_str(Value::empty_map()) == "[map]");
  CHECK(to_literal(Value::empty_map()) == "[]");
  CHECK(to_literal(Value::boolean(true)) == "true");
  CHECK(to_str(Value::boolean(false)) == "false");
  CHECK(format_float(1.0) == "1.0");
  CHECK(format_float(-0.5) == "-0.5");
  CHECK(format_float(0.1) == "0.1");
  CHECK(format_float(1e20) == "1e+20");
  CHECK(format_float(123456789012345678.0) == "1.23456789012346e+17");
  CHECK(format_float(3.14159265358979) == "3.14159265358979");
  CHECK(format_float(100.0) == "100.0");
  CHECK(format_float(1e-5) == "1e-05");
  CHECK(format_float(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(to_str(F(2.0)) == "2.0");
  CHECK(type_name(Type::Float) == std::string("FLOAT"));
}

TEST_CASE("value: maps", "[value][map]") {
  Value m = Value::empty_map();
  m.map_mut()->set(S("b"), I(2));
  m.map_mut()->set(I(3), I(30));
  m.map_mut()->set(S("a"), I(1));
  m.map_mut()->set(Value::obj(1), I(4));
  CHECK(to_literal(m) == "[3 -> 30, #1 -> 4, \"a\" -> 1, \"b\" -> 2]");
  CHECK(m.map_obj()->find(S("A")) == 2);
  // Case-insensitive keys, as ToastStunt: "A" replaces "a", key and value.
  Value m2 = m;
  m2.map_mut()->set(S("A"), I(9));
  CHECK(to_literal(m2) == "[3 -> 30, #1 -> 4, \"A\" -> 9, \"b\" -> 2]");
  CHECK(to_literal(m) == "[3 -> 30, #1 -> 4, \"a\" -> 1, \"b\" -> 2]");
  CHECK(m2.map_mut()->erase(S("B")));
  CHECK_FALSE(m2.map_mut()->erase(S("zz")));
  CHECK(m2.map_obj()->entries.size() == 3);
  CHECK(equal(m, m));
  CHECK_FALSE(equal(m, m2));
  CHECK(valid_map_key(I(1)));
  CHECK_FALSE(valid_map_key(Value::empty_list()));
  CHECK_FALSE(valid_map_key(Value::empty_map()));
}

TEST_CASE("value: deep nesting is handled without recursion", "[value]") {
  Value a = Value::empty_list(), b = Value::empty_list();
  for (int i = 0; i < 300000; ++i) {
    a = make_list({a});
    b = make_list({b});
  }
  CHECK(equal(a, b));
  CHECK(compare_values(a, b) == 0);
  std::string lit = to_literal(a);
  CHECK(lit.size() == 600002);
  CHECK(lit.substr(0, 3) == "{{{");
  Value c = make_list({a, I(1)});
  Value d = make_list({b, I(2)});
  CHECK_FALSE(equal(c, d));
  CHECK(compare_values(c, d) < 0);
  Value m = Value::empty_map();
  m.map_mut()->set(S("k"), a);
  CHECK(to_literal(m).substr(0, 10) == "[\"k\" -> {{");
}

TEST_CASE("value: literal of nested maps and lists", "[value]") {
  Value inner = Value::empty_map();
  inner.map_mut()->set(I(1), make_list({S("x"), Value::empty_map()}));
  Value outer = make_list({inner, Value::empty_list(), make_list({I(1), make_list({I(2)})})});
  CHECK(to_literal(outer) == "{[1 -> {\"x\", []}], {}, {1, {2}}}");
  CHECK(compare_values(make_list({I(1)}), make_list({I(1), I(0)})) < 0);
  CHECK(compare_values(make_list({I(2)}), make_list({I(1), I(0)})) > 0);
}
