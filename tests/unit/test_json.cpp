// The web layer's JSON (net/json.h): the document type, the strict parser
// and writer, and the mapping of Echo values (docs/web.md "Values in JSON").
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>

#include "lang/function.h"
#include "lang/limits.h"
#include "lang/map.h"
#include "net/json.h"

using namespace echo;
using echo::net::Json;
using echo::net::JsonError;
using echo::net::JsonLimits;
using echo::net::from_json;
using echo::net::parse_json;
using echo::net::to_json;

namespace {

Json parse_ok(std::string_view text) {
  auto r = parse_json(text);
  INFO("text: " << text << "\nerror: " << r.error.describe());
  REQUIRE(r.ok());
  return r.value;
}

Value S(std::string_view s) { return Value::str(s); }
Value I(int64_t i) { return Value::integer(i); }
Value F(double d) { return Value::flt(d); }
Value L(std::initializer_list<Value> items) { return make_list(items); }
Value M(std::initializer_list<std::pair<Value, Value>> entries) {
  Value m = Value::empty_map();
  for (const auto& [k, v] : entries) m.map_mut()->set(k, v);
  return m;
}

// A value's JSON text, and the value read back from that text.
std::string out(const Value& v) { return to_json(v).dump(); }
Value in(std::string_view text) { return from_json(parse_ok(text)); }

// The JsonError's what() of f(), or "" when it does not throw.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const JsonError& e) {
    return e.what();
  }
  return "";
}

// A list nested `depth` deep around `leaf`.
Value nest(size_t depth, Value leaf) {
  for (size_t i = 0; i < depth; ++i) leaf = L({std::move(leaf)});
  return leaf;
}

std::string repeat(std::string_view s, size_t n) {
  std::string r;
  for (size_t i = 0; i < n; ++i) r += s;
  return r;
}

}  // namespace

// ---- the document ---------------------------------------------------------

TEST_CASE("json: builders make handler code short; accessors say what they expected", "[net][json-doc]") {
  Json j = Json::object({{"name", "x"}, {"id", 12}, {"tags", Json::array({1, "two", nullptr})}});
  CHECK(j.dump() == R"({"name":"x","id":12,"tags":[1,"two",null]})");
  CHECK(j["id"].as_int() == 12);
  CHECK(j["tags"][1].as_string() == "two");
  CHECK(j.find("nope") == nullptr);
  REQUIRE(j.find("name") != nullptr);
  CHECK(j.find("name")->as_string() == "x");
  CHECK(j.size() == 3);

  j.set("id", 13).set("ok", true);  // replaces in place, appends the new
  CHECK(j.dump() == R"({"name":"x","id":13,"tags":[1,"two",null],"ok":true})");

  Json built;  // null becomes what the builder needs
  built.push_back(1).push_back(2.5);
  CHECK(built.dump() == "[1,2.5]");
  Json obj;
  obj.set("a", Json());
  CHECK(obj.dump() == R"({"a":null})");

  CHECK(error_of([&] { (void)j["name"].as_int(); }) == "expected an integer, got a string");
  CHECK(error_of([&] { (void)j["missing"]; }) == "missing member \"missing\"");
  CHECK(error_of([&] { (void)j["tags"][3]; }) == "index 3 out of range (size 3)");
  CHECK(error_of([&] { (void)j["tags"]["x"]; }) == "expected an object, got an array");
  CHECK(error_of([&] { Json(1).push_back(2); }) == "expected an array, got an integer");
  CHECK(error_of([&] { Json("s").set("k", 1); }) == "expected an object, got a string");
  CHECK(error_of([&] { (void)Json(true).size(); }) == "expected an array or an object, got a boolean");
  CHECK(Json(3).as_double() == 3.0);  // JSON has one number type
  CHECK(error_of([&] { (void)Json(3.0).as_int(); }) == "expected an integer, got a number");

  CHECK(Json(2) != Json(2.0));
  CHECK(Json(uint64_t(1) << 63).is_double());  // past int64
  CHECK(Json(uint64_t(7)).as_int() == 7);
}

TEST_CASE("json: dump writes doubles that read back as the same doubles", "[net][json-doc]") {
  CHECK(Json(2.0).dump() == "2.0");
  CHECK(Json(0.1).dump() == "0.1");
  CHECK(Json(1e300).dump() == "1e+300");
  CHECK(Json(-0.0).dump() == "-0.0");
  CHECK(Json(1e21).dump() == "1e+21");
  CHECK(Json(123456.0).dump() == "123456.0");
  CHECK(Json(5e-324).dump() == "5e-324");
  CHECK(Json(std::numeric_limits<double>::quiet_NaN()).dump() == "null");
  CHECK(Json(-std::numeric_limits<double>::infinity()).dump() == "null");
  CHECK(Json(INT64_MIN).dump() == "-9223372036854775808");
  for (double d : {0.1, 1.0 / 3, 2.0, 1e300, 5e-324, -0.0, 1e22, 123456789.125, 4.35, 9007199254740993.0}) {
    Json back = parse_ok(Json(d).dump());
    REQUIRE(back.is_double());
    double b = back.as_double();
    CHECK(std::memcmp(&d, &b, sizeof d) == 0);  // bit for bit: -0.0 too
  }
}

TEST_CASE("json: dump escapes strings per RFC 8259 and keeps UTF-8", "[net][json-doc]") {
  CHECK(Json("a\"b\\c/d").dump() == R"("a\"b\\c/d")");
  CHECK(Json("\b\f\n\r\t").dump() == R"("\b\f\n\r\t")");
  CHECK(Json(std::string("\0\x01\x1f\x7f", 4)).dump() == "\"\\u0000\\u0001\\u001F\x7f\"");
  CHECK(Json("caf\xC3\xA9 \xF0\x9F\x98\x80").dump() == "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  // Invalid UTF-8 never reaches the text: U+FFFD stands for each bad byte.
  CHECK(Json("a\xFF" "b\xC3").dump() == "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
  CHECK(Json::object({{"k\n", 1}}).dump() == R"({"k\n":1})");
}

TEST_CASE("json: parse reads every kind of value", "[net][json-doc]") {
  Json j = parse_ok(" {\"a\" : [ 1 , -2.5e1 , true , false , null , \"s\" ] ,\n\t\"b\":{}, \"c\":[]}\r\n");
  CHECK(j.dump() == R"({"a":[1,-25.0,true,false,null,"s"],"b":{},"c":[]})");
  CHECK(parse_ok("12").is_int());
  CHECK(parse_ok("-0").as_int() == 0);
  CHECK(parse_ok("2.0").is_double());
  CHECK(parse_ok("1e2").is_double());
  CHECK(parse_ok("1E+2").as_double() == 100.0);
  CHECK(parse_ok("9223372036854775807").as_int() == INT64_MAX);
  CHECK(parse_ok("-9223372036854775808").as_int() == INT64_MIN);
  CHECK(parse_ok("9223372036854775808").as_double() == 9223372036854775808.0);  // past int64
  CHECK(parse_ok("-0.0").dump() == "-0.0");
  CHECK(parse_ok("1e-400").dump() == "0.0");  // too small for a double: zero, with its sign
  CHECK(parse_ok("-0.00001e-400").dump() == "-0.0");
  CHECK(parse_ok("1.7976931348623157e308").as_double() == std::numeric_limits<double>::max());
  CHECK(parse_ok(R"("\"\\\/\b\f\n\r\t")").as_string() == "\"\\/\b\f\n\r\t");
  CHECK(parse_ok(R"("\u0000\u00e9\u20AC\uD83D\uDE00")").as_string() ==
        std::string("\0\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 10));
  CHECK(parse_ok("\"caf\xC3\xA9\"").as_string() == "caf\xC3\xA9");
  // Members keep their order.
  CHECK(parse_ok(R"({"z":1,"a":2,"m":3})").dump() == R"({"z":1,"a":2,"m":3})");
}

TEST_CASE("json: every parse error says where and why", "[net][json-doc]") {
  struct Case {
    std::string text;
    std::string message;
    size_t line, column;
  };
  std::vector<Case> cases = {
      {"", "expected a JSON value, found the end of the text", 1, 1},
      {"   ", "expected a JSON value, found the end of the text", 1, 4},
      {"[", "expected a JSON value, found the end of the text", 1, 2},
      {"[1,,2]", "expected a JSON value, found ','", 1, 4},
      {"{\"a\":}", "expected a JSON value, found '}'", 1, 6},
      {"+1", "expected a JSON value, found '+'", 1, 1},
      {".5", "expected a JSON value, found '.'", 1, 1},
      {"NaN", "expected a JSON value, found 'N'", 1, 1},
      {"\x01", "expected a JSON value, found byte 0x01", 1, 1},
      {"[1,]", "trailing commas are not allowed", 1, 3},
      {"{\"a\":1,}", "trailing commas are not allowed", 1, 7},
      {"[1 2]", "expected ',' or ']' after an array element", 1, 4},
      {"[1", "expected ',' or ']' after an array element", 1, 3},
      {"{\"a\":1 \"b\":2}", "expected ',' or '}' after an object member", 1, 8},
      {"{1:2}", "expected a string as an object key, found '1'", 1, 2},
      {"{\"a\" 1}", "expected ':' after an object key, found '1'", 1, 6},
      {"{\"a\":1,\"b\":2,\"a\":3}", "duplicate object key \"a\"", 1, 14},
      {"\"abc", "unterminated string", 1, 1},
      {"[\"a\\", "unterminated string", 1, 2},
      {"\"\\x\"", "invalid escape \\x (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", 1, 2},
      {"\"\\u12\"", "invalid \\u escape (expected four hex digits)", 1, 2},
      {"\"\\u12G4\"", "invalid \\u escape (expected four hex digits)", 1, 2},
      {"\"ab\\uD800\"", "invalid \\u escape: a high surrogate must be followed by a \\u escape of a low one", 1, 4},
      {"\"\\uD800\\u0041\"", "invalid \\u escape: a high surrogate must be followed by a \\u escape of a low one", 1, 2},
      {"\"\\uDC00\"", "invalid \\u escape: a low surrogate without a high one", 1, 2},
      {"\"a\nb\"", "control character U+000A must be escaped in a string", 1, 3},
      {"\"a\tb\"", "control character U+0009 must be escaped in a string", 1, 3},
      {"\"\xFF\"", "invalid UTF-8 in a string", 1, 2},
      {"\"\xC0\x80\"", "invalid UTF-8 in a string", 1, 2},          // overlong NUL
      {"\"\xED\xA0\x80\"", "invalid UTF-8 in a string", 1, 2},      // an encoded surrogate
      {"\"\xF4\x90\x80\x80\"", "invalid UTF-8 in a string", 1, 2},  // past U+10FFFF
      {"\"\xC3\"", "invalid UTF-8 in a string", 1, 2},              // cut short
      {"01", "numbers must not have leading zeros", 1, 1},
      {"[-012]", "numbers must not have leading zeros", 1, 2},
      {"-", "expected a digit after '-'", 1, 2},
      {"-a", "expected a digit after '-'", 1, 2},
      {"1.", "expected a digit after the decimal point", 1, 3},
      {"1.e5", "expected a digit after the decimal point", 1, 3},
      {"1e", "expected a digit in the exponent", 1, 3},
      {"1e+", "expected a digit in the exponent", 1, 4},
      {"[1e400]", "number is too large for a double", 1, 2},
      {"-1e400", "number is too large for a double", 1, 1},
      {"tru", "invalid literal (expected true, false or null)", 1, 1},
      {"nul", "invalid literal (expected true, false or null)", 1, 1},
      {"[1] x", "trailing characters after the document", 1, 5},
      {"1 2", "trailing characters after the document", 1, 3},
      {"truex", "trailing characters after the document", 1, 5},
      {"// c\n1", "comments are not allowed in JSON", 1, 1},
      {"[1, /* c */ 2]", "comments are not allowed in JSON", 1, 5},
      {"'a'", "strings must be in double quotes", 1, 1},
      {"\xEF\xBB\xBF{}", "a byte order mark is not allowed before JSON text", 1, 1},
      // Lines end at LF; columns count characters, not bytes.
      {"{\n  \"a\": 1,\n  \"b\" 2\n}", "expected ':' after an object key, found '2'", 3, 7},
      {"[\"\xC3\xA9\xE2\x82\xAC\", x]", "expected a JSON value, found 'x'", 1, 8},
      {"\r\n\r\n  ]", "expected a JSON value, found ']'", 3, 3},
  };
  for (const Case& c : cases) {
    INFO("text: " << c.text);
    auto r = parse_json(c.text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.message == c.message);
    CHECK(r.error.line == c.line);
    CHECK(r.error.column == c.column);
  }
  auto r = parse_json("{\n  \"a\": 1,\n  \"b\" 2\n}");
  CHECK(r.error.offset == 18);
  CHECK(r.error.describe() == "line 3, column 7: expected ':' after an object key, found '2'");
}

TEST_CASE("json: the depth and size limits", "[net][json-doc]") {
  CHECK(parse_json(repeat("[", 128) + repeat("]", 128)).ok());
  auto deep = parse_json(repeat("[", 129) + repeat("]", 129));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error.message == "nested deeper than the limit of 128 levels");
  CHECK(deep.error.column == 129);
  CHECK_FALSE(parse_json(repeat("{\"a\":", 129) + "1" + repeat("}", 129)).ok());
  CHECK(parse_json(repeat("{\"a\":", 128) + "1" + repeat("}", 128)).ok());

  JsonLimits small;
  small.max_depth = 2;
  small.max_size = 10;
  CHECK(parse_json("[[1]]", small).ok());
  CHECK(parse_json("[[[1]]]", small).error.message == "nested deeper than the limit of 2 levels");
  CHECK(parse_json("\"12345678\"", small).ok());  // 10 bytes
  auto big = parse_json("\"123456789\"", small);
  CHECK(big.error.message == "the text is larger than the limit of 10 bytes");
  CHECK(big.error.offset == 10);

  std::string mib(1 << 20, ' ');
  mib[0] = '1';
  CHECK(parse_json(mib).ok());
  mib += ' ';
  CHECK(parse_json(mib).error.message == "the text is larger than the limit of 1048576 bytes");

  // Hostile input: a million brackets stop at the limit (the parser's own
  // stack is on the heap), at any raised limit too.
  JsonLimits raised;
  raised.max_size = 4 << 20;
  CHECK(parse_json(repeat("[", 1000000), raised).error.message == "nested deeper than the limit of 128 levels");
  raised.max_size = 8 << 20;
  raised.max_depth = 1000;
  CHECK(parse_json(repeat("[{\"a\":", 1000000), raised).error.message ==
        "nested deeper than the limit of 1000 levels");
}

TEST_CASE("json: a large object with a duplicate key is refused quickly", "[net][json-doc]") {
  std::string text = "{";
  for (int i = 0; i < 80000; ++i) text += "\"k" + std::to_string(i) + "\":0,";
  CHECK(parse_json(text + "\"end\":1}").ok());
  auto r = parse_json(text + "\"k99\":1}");
  CHECK(r.error.message == "duplicate object key \"k99\"");
  CHECK(r.error.offset == text.size());
}

TEST_CASE("json: parse and dump round trip documents", "[net][json-doc]") {
  for (const char* text : {
           "null", "true", "0", "-1", "2.5", "1e+300", "\"\"", "[]", "{}",
           R"([1,[2,[3,[]]],{"a":{"b":{}}}])",
           R"({"z":[true,false,null],"a":"caf\u00e9 \ud83d\ude00","":-0.0,"n":{"float":2}})",
       }) {
    Json j = parse_ok(text);
    CHECK(parse_ok(j.dump()) == j);
  }
  CHECK(parse_ok(R"("caf\u00e9")").dump() == "\"caf\xC3\xA9\"");
}

TEST_CASE("json: damaged texts give an error in the text, or a document that dumps back", "[net][json-doc]") {
  // Valid documents with bytes flipped, dropped and duplicated: no crash,
  // every error inside the text, every accepted text a document dump() keeps.
  const std::string seeds[] = {
      R"({"a":[1,-2.5e3,true,null,"x\n\u00e9\ud83d\ude00"],"b":{"c":{}},"d":[[[]]]})",
      R"([0,1.0,"caf)" "\xC3\xA9" R"(",{"obj":12},{"map":[[1,2]]},-0,1e-9,"\\\"/"])",
  };
  const char kBytes[] = "{}[]\",:\\ 0123456789.eE+-tfnulrsaxu\xC3\xA9\xFF\x00\n";
  std::mt19937_64 rng(8259);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = seeds[i % 2];
    for (int n = 1 + int(rng() % 4); n > 0; --n) {
      size_t at = rng() % text.size();
      char b = kBytes[rng() % (sizeof kBytes - 1)];
      switch (rng() % 3) {
        case 0: text[at] = b; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(at, 1, b); break;
      }
    }
    INFO("text: " << text);
    auto r = parse_json(text);
    if (r.ok()) {
      ++accepted;
      auto again = parse_json(r.value.dump());
      REQUIRE(again.ok());
      REQUIRE(again.value == r.value);
    } else {
      ++refused;
      REQUIRE(r.error.offset <= text.size());
      REQUIRE(r.error.line >= 1);
      REQUIRE(r.error.column >= 1);
      REQUIRE_FALSE(r.error.message.empty());
    }
  }
  CHECK(accepted > 500);
  CHECK(refused > 10000);
}

// ---- Echo values ----------------------------------------------------------

TEST_CASE("json values: each type's JSON form", "[net][json-values]") {
  CHECK(out(I(12)) == "12");
  CHECK(out(I(INT64_MIN)) == "-9223372036854775808");
  CHECK(out(F(2.0)) == "2.0");
  CHECK(out(F(-0.0)) == "-0.0");
  CHECK(out(F(0.1)) == "0.1");
  CHECK(out(S("hi \"you\"")) == R"("hi \"you\"")");
  CHECK(out(S(std::string_view("a\0b", 3))) == R"("a\u0000b")");
  CHECK(out(S("\xFF\xFE")) == R"({"bytes":"//4="})");
  CHECK(out(Value::obj(12)) == R"({"obj":12})");
  CHECK(out(Value::obj(-1)) == R"({"obj":-1})");
  CHECK(out(Value::err(E_PERM)) == R"({"error":"E_PERM"})");
  CHECK(out(Value::boolean(true)) == "true");
  CHECK(out(Value::null()) == "null");
  CHECK(out(L({I(1), L({S("a")}), L({})})) == R"([1,["a"],[]])");
  CHECK(out(M({})) == "{}");
  CHECK(out(M({{S("b"), I(2)}, {S("a"), I(1)}})) == R"({"a":1,"b":2})");  // the map's order
  CHECK(out(M({{I(1), S("one")}, {S("a"), Value::obj(3)}})) == R"({"map":[[1,"one"],["a",{"obj":3}]]})");
  // A one-key map that would read back as a tag is written as pairs...
  CHECK(out(M({{S("obj"), I(12)}})) == R"({"map":[["obj",12]]})");
  CHECK(out(M({{S("error"), S("x")}})) == R"({"map":[["error","x"]]})");
  // ... but not with another key beside it, nor with another spelling.
  CHECK(out(M({{S("obj"), I(12)}, {S("x"), I(1)}})) == R"({"obj":12,"x":1})");
  CHECK(out(M({{S("OBJ"), I(12)}})) == R"({"OBJ":12})");
  // A key that is not UTF-8 cannot be an object member.
  CHECK(out(M({{S("\xFF"), I(1)}})) == R"({"map":[[{"bytes":"/w=="},1]]})");
}

TEST_CASE("json values: what JSON reads as", "[net][json-values]") {
  CHECK(to_literal(in("12")) == "12");
  CHECK(to_literal(in("2.0")) == "2.0");
  CHECK(in("2.0").is_float());
  CHECK(in("1e2").is_float());
  CHECK(in("9223372036854775808").is_float());
  CHECK(to_literal(in(R"({"float": 2})")) == "2.0");  // a JavaScript client's 2.0
  CHECK(to_literal(in(R"({"float": 2.5})")) == "2.5");
  CHECK(to_literal(in(R"({"obj": 12})")) == "#12");
  CHECK(to_literal(in(R"({"obj": "#12"})")) == "#12");
  CHECK(to_literal(in(R"({"obj": "#-1"})")) == "#-1");
  CHECK(to_literal(in(R"({"error": "E_PERM"})")) == "E_PERM");
  CHECK(to_literal(in(R"({"error": "e_perm"})")) == "E_PERM");  // as error_from_name
  CHECK(in(R"({"bytes": "//4="})").as_str() == "\xFF\xFE");
  CHECK(in(R"({"bytes": ""})").as_str() == "");
  CHECK(in(R"({"bytes": "YWJj"})").as_str() == "abc");
  CHECK(in(R"({"bytes": "YQ=="})").as_str() == "a");
  CHECK(in(R"({"bytes": "YWI="})").as_str() == "ab");
  CHECK(in("null").is_null());
  CHECK(in("false").is_bool());
  CHECK(to_literal(in(R"(["a", [1, []]])")) == "{\"a\", {1, {}}}");
  CHECK(to_literal(in(R"({"b": 1, "a": {"x": null}})")) == "[\"a\" -> [\"x\" -> null], \"b\" -> 1]");
  CHECK(to_literal(in(R"({})")) == "[]");
  CHECK(to_literal(in(R"({"map": []})")) == "[]");
  CHECK(to_literal(in(R"({"map": [[1, "one"], [{"obj": 2}, 2], [1.5, 3], [true, 4], ["k", 5]]})")) ==
        "[1 -> \"one\", #2 -> 2, \"k\" -> 5, 1.5 -> 3, true -> 4]");
  // Two members are never a tagged form.
  CHECK(to_literal(in(R"({"obj": 12, "x": 1})")) == "[\"obj\" -> 12, \"x\" -> 1]");
  CHECK(to_literal(in(R"({"OBJ": 12})")) == "[\"OBJ\" -> 12]");
}

TEST_CASE("json values: input errors name the place in the document", "[net][json-values]") {
  auto err = [](std::string_view text, std::string_view where = {}) {
    Json j = parse_ok(text);
    return error_of([&] { from_json(j, where); });
  };
  CHECK(err(R"({"obj": "12"})") == R"(obj: expected an object number such as 12 or "#12")");
  CHECK(err(R"({"obj": "#12x"})") == R"(obj: expected an object number such as 12 or "#12")");
  CHECK(err(R"({"obj": 1.5})") == R"(obj: expected an object number such as 12 or "#12")");
  CHECK(err(R"({"error": "E_NOPE"})") == R"(error: unknown error name "E_NOPE")");
  CHECK(err(R"({"error": 3})") == R"(error: expected an error name such as "E_PERM")");
  CHECK(err(R"({"float": "2"})") == "float: expected a number");
  CHECK(err(R"({"bytes": "abc"})") == "bytes: expected the string's bytes in base64 (RFC 4648, padded)");
  CHECK(err(R"({"bytes": "ab=c"})") == "bytes: expected the string's bytes in base64 (RFC 4648, padded)");
  CHECK(err(R"({"bytes": "a==="})") == "bytes: expected the string's bytes in base64 (RFC 4648, padded)");
  CHECK(err(R"({"map": 3})") == "map: expected an array of [key, value] pairs");
  CHECK(err(R"({"map": [[1, 2], [3]]})") == "map[1]: expected a [key, value] pair");
  CHECK(err(R"({"map": [[1, 2], 3]})") == "map[1]: expected a [key, value] pair");
  CHECK(err(R"({"map": [[[1], 2]]})") == "map[0][0]: a LIST cannot be a map key");
  CHECK(err(R"({"map": [[{}, 2]]})") == "map[0][0]: a MAP cannot be a map key");
  CHECK(err(R"({"map": [[1, {"obj": []}]]})") == R"(map[0][1].obj: expected an object number such as 12 or "#12")");
  CHECK(err(R"({"map": [["a", 1], [2, 2], ["A", 3]]})") ==
        R"(map[2]: keys "a" and "A" are one MOO map key (string keys ignore case))");
  CHECK(err(R"({"map": [[1, 1], [1, 2]]})") == "map[1]: duplicate map key 1");
  CHECK(err(R"({"map": [["a", 1], ["a", 2]]})") == R"(map[1]: duplicate map key "a")");
  CHECK(err(R"({"x": {"a": 1, "A": 2}})") == R"(x: keys "a" and "A" are one MOO map key (string keys ignore case))");
  CHECK(err(R"({"unsupported": "function"})") ==
        R"(unsupported: a placeholder for a value with no JSON form ("function") cannot be read back)");
  // The path: members by name (quoted when not an identifier), elements from 0.
  CHECK(err(R"([1, {"map": [[1, 2], [[1], 3]]}])", "args") == "args[1].map[1][0]: a LIST cannot be a map key");
  CHECK(err(R"({"a b": [{"obj": true}]})") ==
        R"(["a b"][0].obj: expected an object number such as 12 or "#12")");
  CHECK(err(R"({"args": [{"error": "x"}]})", "body") == R"(body.args[0].error: unknown error name "x")");
  CHECK(err(R"([{"error": "x"}])", "") == R"([0].error: unknown error name "x")");
  CHECK(err(R"({"error": "E_NONE"})").empty());
}

TEST_CASE("json values: values past the task's value limits are refused", "[net][json-values]") {
  ValueLimits limits;
  limits.max_string = 5;
  limits.max_list_length = 3;
  ValueLimitsScope scope(&limits);
  CHECK(error_of([] { in(R"("12345")"); }).empty());
  CHECK(error_of([] { in(R"(["123456"])"); }) == "[0]: larger than the server's limits on values");
  CHECK(error_of([] { in(R"({"bytes": "MTIzNDU2"})"); }) == "bytes: larger than the server's limits on values");
  CHECK(error_of([] { in(R"({"k": [1, 2, 3, 4]})"); }) == "k: larger than the server's limits on values");
  limits.max_list_length = 1000;
  limits.max_map_bytes = 2000;
  std::string big = "{";
  for (int i = 0; i < 100; ++i) big += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":0";
  CHECK(error_of([&] { in(big + "}"); }) == "larger than the server's limits on values");
}

TEST_CASE("json values: functions and internal values are refused, or stood in for", "[net][json-values]") {
  auto* f = new FuncObj();
  f->source = "x => x";
  Value fn = make_function(f);
  Value v = L({I(1), M({{S("f"), fn}})});
  CHECK(error_of([&] { to_json(v); }) == R"([2]["f"]: a function (FUNC) has no JSON form)");
  CHECK(error_of([&] { to_json(M({{I(3), L({Value::clear()})}})); }) ==
        "[3][1]: an internal CLEAR value has no JSON form");
  CHECK(error_of([&] { to_json(F(std::nan(""))); }) == "FLOAT NaN has no JSON form");
  CHECK(error_of([&] { to_json(L({F(-HUGE_VAL)})); }) == "[1]: FLOAT -Infinity has no JSON form");
  CHECK(error_of([&] { to_json(Value::err(Error(99))); }) == "error code 99 has no name");

  net::ToJsonOptions placeholder;
  placeholder.unsupported = net::Unsupported::Placeholder;
  CHECK(to_json(v, placeholder).dump() == R"([1,{"f":{"unsupported":"function"}}])");
  CHECK(to_json(Value::none(), placeholder).dump() == R"({"unsupported":"none"})");
  CHECK(to_json(F(HUGE_VAL), placeholder).dump() == R"({"unsupported":"Infinity"})");
  CHECK(error_of([&] { from_json(to_json(v, placeholder)); }) ==
        R"([1].f.unsupported: a placeholder for a value with no JSON form ("function") cannot be read back)");
}

TEST_CASE("json values: depth is bounded by the JSON depth limit, at any value depth", "[net][json-values]") {
  // 128 levels of JSON are written, 129 are not, counting the tagged forms' own.
  CHECK(to_json(nest(128, I(1))).dump() == repeat("[", 128) + "1" + repeat("]", 128));
  std::string too_deep = "nested too deeply: the JSON would pass the limit of 128 levels";
  CHECK(error_of([] { to_json(nest(129, I(1))); }) == repeat("[1]", 128) + ": " + too_deep);
  CHECK(error_of([] { to_json(nest(127, Value::obj(1))); }).empty());
  CHECK(error_of([] { to_json(nest(128, Value::obj(1))); }) == repeat("[1]", 128) + ": " + too_deep);
  CHECK(error_of([] { to_json(nest(125, M({{I(1), I(2)}}))); }).empty());  // a map of pairs: 3 levels
  CHECK(error_of([] { to_json(nest(126, M({{I(1), I(2)}}))); }) == repeat("[1]", 126) + ": " + too_deep);
  // What to_json writes, parse_json reads back.
  Value deepest = nest(124, M({{I(1), Value::obj(2)}}));
  Json j = to_json(deepest);
  CHECK(equal_exact(from_json(parse_ok(j.dump())), deepest));

  // Echo builds values a million deep; to_json stops at the limit.
  Value huge = nest(1000000, I(1));
  CHECK(error_of([&] { to_json(huge); }).ends_with(too_deep));
  net::ToJsonOptions shallow;
  shallow.max_depth = 3;
  CHECK(error_of([&] { to_json(huge, shallow); }) ==
        "[1][1][1]: nested too deeply: the JSON would pass the limit of 3 levels");
}

TEST_CASE("json values: every type survives Value -> JSON text -> Value", "[net][json-values]") {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += char(c);
  std::vector<Value> values = {
      I(0), I(-1), I(INT64_MAX), I(INT64_MIN),
      F(2.0), F(0.1), F(1e300), F(-0.0), F(5e-324), F(-1.5e-7), F(9007199254740993.0),
      S(""), S("plain"), S(std::string_view("nul\0inside", 10)), S("\x01\x1f\n\t\x7f"),
      S("caf\xC3\xA9 \xF0\x9F\x98\x80"), S("\xFF"), S("bad \xC3 cut"), S(all_bytes),
      S("{\"obj\": 1}"),
      Value::obj(0), Value::obj(-1), Value::obj(INT64_MAX), Value::err(E_NONE), Value::err(E_FLOAT),
      Value::boolean(true), Value::boolean(false), Value::null(),
      L({}), L({L({L({})})}), L({I(1), F(1.0), S("1"), Value::obj(1), L({S("\xFE")})}),
      M({}), M({{S("a"), I(1)}, {S("B"), M({{S("c"), L({})}})}}),
      M({{I(1), I(2)}, {F(1.5), S("x")}, {Value::obj(3), Value::err(E_TYPE)}, {Value::boolean(true), Value::null()},
         {Value::null(), I(0)}, {S("s"), I(4)}, {Value::err(E_ARGS), F(-0.0)}}),
      M({{S("obj"), I(12)}}), M({{S("error"), S("E_PERM")}}), M({{S("float"), I(2)}}),
      M({{S("map"), L({L({I(1), I(2)})})}}), M({{S("bytes"), S("//4=")}}), M({{S("unsupported"), S("function")}}),
      M({{S("Map"), I(1)}}), M({{S("\xFF"), S("\xFF")}}),
  };
  for (const Value& v : values) {
    INFO("value: " << to_literal(v));
    std::string text = out(v);
    INFO("json: " << text);
    Value back = in(text);
    CHECK(equal_exact(back, v));
    CHECK(out(back) == text);  // also tells -0.0 from 0.0, which equal_exact does not
  }
}

TEST_CASE("json values: documents survive JSON -> Value -> JSON", "[net][json-values]") {
  // Exact, when object members are already in MOO's key order and numbers
  // have their shortest form.
  for (const char* text : {
           R"(null)", R"(12)", R"(-2.5)", R"(2.0)", R"("x")", R"([1,[2.0,[]],{}])",
           R"({"a":{"obj":3},"b":{"error":"E_PERM"},"c":[true,false,null]})",
           R"({"map":[[1,2],[{"obj":1},"x"],["k",{"bytes":"/w=="}]]})",
           R"({"bytes":"/w=="})", R"({"map":[["obj",1]]})",
       }) {
    INFO("json: " << text);
    CHECK(out(in(text)) == text);
  }
  // Otherwise the same document, in MOO's forms: members in key order
  // (case-insensitive), tags in their canonical spelling.
  CHECK(out(in(R"({"b":1,"A":2,"a_":3})")) == R"({"A":2,"a_":3,"b":1})");
  CHECK(out(in(R"({"float":2})")) == "2.0");
  CHECK(out(in(R"({"obj":"#7"})")) == R"({"obj":7})");
  CHECK(out(in(R"({"error":"e_args"})")) == R"({"error":"E_ARGS"})");
  CHECK(out(in(R"({"bytes":"YWJj"})")) == R"("abc")");
  CHECK(out(in(R"({"map":[["b",1],["a",2]]})")) == R"({"a":2,"b":1})");
  CHECK(out(in("1E2")) == "100.0");
}

namespace {

// Random values of every type that has a JSON form, with the awkward cases
// (tag-like keys, case-clashing keys, invalid UTF-8, extreme numbers) often.
class RandomValues {
 public:
  explicit RandomValues(uint64_t seed) : rng_(seed) {}

  Value value(int depth) {
    switch (pick(depth > 0 ? 11 : 8)) {
      case 0: return I(integer());
      case 1: return F(real());
      case 2: return S(string());
      case 3: return Value::obj(integer());
      case 4: return Value::err(Error(pick(ERROR_COUNT)));
      case 5: return Value::boolean(pick(2));
      case 6: return Value::null();
      case 7: return S(tag_like());
      case 8: case 9: {
        Value l = Value::empty_list();
        for (int n = pick(5); n > 0; --n) list_append(l, value(depth - 1));
        return l;
      }
      default: {
        Value m = Value::empty_map();
        for (int n = pick(5); n > 0; --n) m.map_mut()->set(key(), value(depth - 1));
        return m;
      }
    }
  }

 private:
  int pick(int n) { return int(rng_() % uint64_t(n)); }

  int64_t integer() {
    switch (pick(4)) {
      case 0: return int64_t(rng_());
      case 1: return pick(2) ? INT64_MAX : INT64_MIN;
      default: return pick(201) - 100;
    }
  }

  double real() {
    switch (pick(4)) {
      case 0: return pick(2) ? 0.0 : -0.0;
      case 1: return double(pick(2001) - 1000) / 8;
      default: {
        double d;
        do {
          uint64_t bits = rng_();
          std::memcpy(&d, &bits, sizeof d);
        } while (!std::isfinite(d));
        return d;
      }
    }
  }

  std::string string() {
    static const std::string_view kPieces[] = {"a", "B", "~", "\"", "\\", "\n", std::string_view("\0", 1),
                                               "\xC3\xA9", "\xF0\x9F\x98\x80", "\xFF", "\xC3", "\xED\xA0\x80", " "};
    std::string s;
    for (int n = pick(8); n > 0; --n) s += kPieces[pick(13)];
    return s;
  }

  std::string tag_like() {
    static const char* const kTags[] = {"obj", "error", "float", "bytes", "map", "unsupported", "Obj", "MAP"};
    return kTags[pick(8)];
  }

  Value key() {
    switch (pick(6)) {
      case 0: return I(integer());
      case 1: return Value::obj(pick(10));
      case 2: return S(tag_like());
      case 3: return F(real());
      default: return S(string());
    }
  }

  std::mt19937_64 rng_;
};

// How many objects of each form a document holds: "" for plain objects,
// else the tag.
void count_forms(const Json& j, std::map<std::string, int>& forms) {
  if (j.is_array()) {
    for (const Json& e : j.as_array()) count_forms(e, forms);
  } else if (j.is_object()) {
    const auto& members = j.as_object();
    static const std::set<std::string> kTags = {"obj", "error", "float", "bytes", "map", "unsupported"};
    bool tagged = members.size() == 1 && kTags.count(members[0].first);
    ++forms[tagged ? members[0].first : ""];
    for (const auto& [k, v] : members) count_forms(v, forms);
  }
}

}  // namespace

TEST_CASE("json values: random values survive the round trip", "[net][json-values]") {
  RandomValues random(15);
  std::map<std::string, int> forms;
  for (int i = 0; i < 4000; ++i) {
    Value v = random.value(4);
    Json j = to_json(v);
    std::string text = j.dump();
    INFO("case " << i << ": " << to_literal(v) << "\njson: " << text);
    Value back = in(text);
    REQUIRE(equal_exact(back, v));
    REQUIRE(out(back) == text);
    count_forms(j, forms);
  }
  // The generator reaches every form, often.
  for (const char* form : {"", "obj", "error", "bytes", "map"}) {
    INFO("form: " << form);
    CHECK(forms[form] > 200);
  }
}
