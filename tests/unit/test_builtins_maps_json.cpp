// Map builtins and JSON.
#include "test_builtins_util.h"

using namespace bt;
using namespace echo;

namespace {
Value sample() { return M({{S("b"), I(2)}, {S("a"), I(1)}, {I(3), S("three")}}); }
}  // namespace

TEST_CASE("mapkeys / mapvalues", "[builtins][maps]") {
  CHECK(lit("mapkeys", {sample()}) == "{3, \"a\", \"b\"}");
  CHECK(lit("mapvalues", {sample()}) == "{\"three\", 1, 2}");
  CHECK(lit("mapvalues", {sample(), S("b"), I(3)}) == "{2, \"three\"}");
  CHECK(err("mapvalues", {sample(), S("B")}) == E_RANGE);  // case-sensitive lookup
  CHECK(err("mapvalues", {sample(), S("zz")}) == E_RANGE);
  CHECK(lit("mapkeys", {M({})}) == "{}");
  CHECK(err("mapkeys", {L({})}) == E_TYPE);
  CHECK(err("mapvalues", {}) == E_ARGS);
}

TEST_CASE("mapdelete / maphaskey", "[builtins][maps]") {
  Value m = sample();
  CHECK(lit("mapdelete", {m, S("a")}) == "[3 -> \"three\", \"b\" -> 2]");
  CHECK(lit("mapdelete", {m, S("A")}) == "[3 -> \"three\", \"b\" -> 2]");
  CHECK(to_literal(m) == "[3 -> \"three\", \"a\" -> 1, \"b\" -> 2]");
  CHECK(err("mapdelete", {m, S("zz")}) == E_RANGE);
  CHECK(err("mapdelete", {m, L({})}) == E_TYPE);
  CHECK(err("mapdelete", {m, M({})}) == E_TYPE);
  CHECK(lit("maphaskey", {m, S("a")}) == "1");
  CHECK(lit("maphaskey", {m, S("A")}) == "1");
  CHECK(lit("maphaskey", {m, S("A"), I(1)}) == "0");
  CHECK(lit("maphaskey", {m, S("a"), I(1)}) == "1");
  CHECK(lit("maphaskey", {m, I(4)}) == "0");
  CHECK(err("maphaskey", {m, L({})}) == E_TYPE);
  CHECK(err("maphaskey", {m, S("a"), S("x")}) == E_TYPE);
}

TEST_CASE("generate_json", "[builtins][json]") {
  CHECK(lit("generate_json", {I(1)}) == "\"1\"");
  CHECK(call("generate_json", {L({I(1), F(2.5), S("x"), B(true), B(false)})}).as_str() ==
        "[1,2.5,\"x\",true,false]");
  CHECK(call("generate_json", {F(1)}).as_str() == "1.0");
  CHECK(call("generate_json", {M({{S("a"), L({})}, {I(1), M({})}})}).as_str() ==
        "{\"1\":{},\"a\":[]}");
  CHECK(call("generate_json", {O(5)}).as_str() == "\"#5\"");
  CHECK(call("generate_json", {E(E_PERM)}).as_str() == "\"E_PERM\"");
  CHECK(call("generate_json", {M({{O(1), E(E_TYPE)}})}).as_str() == "{\"#1\":\"E_TYPE\"}");
  // embedded types
  CHECK(call("generate_json", {O(5), S("embedded-types")}).as_str() == "\"#5|obj\"");
  CHECK(call("generate_json", {M({{I(1), F(2)}}), S("embedded-types")}).as_str() ==
        "{\"1|int\":2.0}");
  CHECK(call("generate_json", {S("a|int"), S("embedded-types")}).as_str() == "\"a|int|str\"");
  CHECK(call("generate_json", {S("plain"), S("embedded-types")}).as_str() == "\"plain\"");
  // escapes
  CHECK(call("generate_json", {S("a\"b\\c/d")}).as_str() == "\"a\\\"b\\\\c/d\"");
  CHECK(call("generate_json", {S("line~0Anext~09tab~1b")}).as_str() ==
        "\"line\\nnext\\u0009tab\\u001b\"");
  CHECK(call("generate_json", {S("\\~0A")}).as_str() == "\"~0A\"");
  CHECK(call("generate_json", {S("~7E~41")}).as_str() == "\"~7E~41\"");
  CHECK(call("generate_json", {S(std::string("a\tb\x01", 4))}).as_str() == "\"a\\tb\\u0001\"");
  CHECK(err("generate_json", {I(1), S("bogus")}) == E_INVARG);
  CHECK(err("generate_json", {}) == E_ARGS);
  Value deep = L({});
  for (int i = 0; i < 200; ++i) deep = L({deep});
  CHECK(err("generate_json", {deep}) == E_INVARG);
}

TEST_CASE("parse_json", "[builtins][json]") {
  CHECK(lit("parse_json", {S("1")}) == "1");
  CHECK(lit("parse_json", {S(" -12 ")}) == "-12");
  CHECK(lit("parse_json", {S("2.5")}) == "2.5");
  CHECK(lit("parse_json", {S("1e2")}) == "100.0");
  CHECK(lit("parse_json", {S("99999999999999999999")}) == "1e+20");
  CHECK(lit("parse_json", {S("\"abc\"")}) == "\"abc\"");
  CHECK(lit("parse_json", {S("true")}) == "true");
  CHECK(lit("parse_json", {S("false")}) == "false");
  CHECK(lit("parse_json", {S("null")}) == "E_NONE");
  CHECK(lit("parse_json", {S("[1, [2, {}], \"x\"]")}) == "{1, {2, []}, \"x\"}");
  CHECK(lit("parse_json", {S("{\"b\": 1, \"a\": [true]}")}) == "[\"a\" -> {true}, \"b\" -> 1]");
  CHECK(lit("parse_json", {S("{\"a\": 1, \"A\": 2}")}) == "[\"a\" -> 1]");  // first wins
  CHECK(lit("parse_json", {S("/* c */ [1, // two\n 2]")}) == "{1, 2}");
  CHECK(lit("parse_json", {S("\"a\\nb\\tc\\u0041\\u00e9\\/\"")}) == "\"a~0Ab\tc~41~C3~A9/\"");
  CHECK(lit("parse_json", {S("\"\\ud83d\\ude00\"")}) == "\"~F0~9F~98~80\"");
  CHECK(lit("parse_json", {S("\"caf\xc3\xa9\"")}) == "\"caf\xc3\xa9\"");
  // embedded types
  CHECK(lit("parse_json", {S("[\"#5|obj\", \"7|int\", \"1.5|float\", \"E_PERM|err\", \"x|str\"]"),
                           S("embedded-types")}) == "{#5, 7, 1.5, E_PERM, \"x\"}");
  CHECK(lit("parse_json", {S("{\"1|int\": \"#-1|obj\"}"), S("embedded-types")}) == "[1 -> #-1]");
  CHECK(lit("parse_json", {S("\"#5|obj\"")}) == "\"#5|obj\"");  // common subset: a string
  // errors
  for (const char* bad : {"", "   ", "[1,]", "{\"a\" 1}", "[1", "1.", "-", "tru", "\"a",
                          "\"\\x\"", "{1: 2}", "\"\\u12\"", "1e999", "\"a\x01\"",
                          "\"\xff\"", "nul"})
    CHECK(err("parse_json", {S(bad)}) == E_INVARG);
  CHECK(err("parse_json", {S("1"), S("bogus")}) == E_INVARG);
  // ToastStunt's yajl stops after the first complete value (its own test
  // suite documents parse_json("12abc") == 12).
  CHECK(lit("parse_json", {S("[1] 2")}) == "{1}");
  CHECK(lit("parse_json", {S("12abc")}) == "12");
  CHECK(lit("parse_json", {S("01")}) == "0");  // yajl lexes "0", then stops
  CHECK(err("parse_json", {I(1)}) == E_TYPE);
  std::string deep(1000, '[');
  CHECK(err("parse_json", {S(deep)}) == E_INVARG);
  // round trip
  Value v = L({I(1), F(0.5), S("s"), M({{S("k"), L({B(true), E(E_NONE)})}})});
  Value back = call("parse_json", {call("generate_json", {v})});
  // common-subset: an ERR comes back as its name, a string
  CHECK(to_literal(back) == "{1, 0.5, \"s\", [\"k\" -> {true, \"E_NONE\"}]}");
  Value typed = L({O(3), E(E_RANGE), M({{I(2), S("x|int")}})});
  Value back2 = call("parse_json", {call("generate_json", {typed, S("embedded-types")}),
                                    S("embedded-types")});
  CHECK(to_literal(back2) == to_literal(typed));
}
