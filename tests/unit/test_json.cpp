// The web layer's JSON (net/json.h): the document type, the strict parser
// and writer.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "net/json.h"

using echo::net::Json;
using echo::net::JsonError;
using echo::net::JsonLimits;
using echo::net::parse_json;

namespace {

Json parse_ok(std::string_view text) {
  auto r = parse_json(text);
  INFO("text: " << text << "\nerror: " << r.error.describe());
  REQUIRE(r.ok());
  return r.value;
}

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
