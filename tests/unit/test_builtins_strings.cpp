// String builtins, binary strings, hashes and crypt.
#include "test_builtins_util.h"

using namespace bt;
using namespace echo;

TEST_CASE("strsub", "[builtins][strings]") {
  CHECK(lit("strsub", {S("foobar"), S("o"), S("0")}) == "\"f00bar\"");
  CHECK(lit("strsub", {S("FooBar"), S("o"), S("0")}) == "\"F00Bar\"");
  CHECK(lit("strsub", {S("FOO"), S("o"), S("0")}) == "\"F00\"");
  CHECK(lit("strsub", {S("FOO"), S("o"), S("0"), I(1)}) == "\"FOO\"");
  CHECK(lit("strsub", {S("aaa"), S("aa"), S("b")}) == "\"ba\"");
  CHECK(lit("strsub", {S("abc"), S("abcd"), S("x")}) == "\"abc\"");
  CHECK(lit("strsub", {S("abc"), S("b"), S("")}) == "\"ac\"");
  CHECK(err("strsub", {S("abc"), S(""), S("x")}) == E_INVARG);
  CHECK(err("strsub", {S("abc"), S("a")}) == E_ARGS);
  CHECK(err("strsub", {S("abc"), I(1), S("x")}) == E_TYPE);
  // Bounded: a result past the size limit is E_QUOTA, not an exhausted heap.
  std::string big(1 << 20, 'a');
  std::string with(1 << 10, 'b');
  CHECK(err("strsub", {S(big), S("a"), S(with)}) == E_QUOTA);
}

TEST_CASE("index / rindex", "[builtins][strings]") {
  CHECK(lit("index", {S("foobar"), S("o")}) == "2");
  CHECK(lit("index", {S("foobar"), S("O")}) == "2");
  CHECK(lit("index", {S("foobar"), S("O"), I(1)}) == "0");
  CHECK(lit("index", {S("foobar"), S("x")}) == "0");
  CHECK(lit("index", {S("foobar"), S("")}) == "1");
  CHECK(lit("index", {S(""), S("")}) == "1");
  CHECK(lit("index", {S("ab"), S("abc")}) == "0");
  CHECK(lit("rindex", {S("foobar"), S("o")}) == "3");
  CHECK(lit("rindex", {S("foobar"), S("")}) == "7");
  CHECK(lit("rindex", {S("FOOBAR"), S("o"), I(1)}) == "0");
  CHECK(lit("rindex", {S("abab"), S("AB")}) == "3");
  // ToastStunt's skip argument
  CHECK(lit("index", {S("foofoo"), S("foo"), I(0), I(1)}) == "3");
  CHECK(lit("index", {S("foofoo"), S("foo"), I(0), I(10)}) == "0");
  CHECK(err("index", {S("foofoo"), S("foo"), I(0), I(-1)}) == E_INVARG);
  CHECK(lit("rindex", {S("foofoo"), S("foo"), I(0), I(-1)}) == "1");
  CHECK(lit("rindex", {S("foofoo"), S("foo"), I(0), I(-10)}) == "0");
  CHECK(lit("rindex", {S("foofoo"), S("foo"), I(0), I(INT64_MIN)}) == "0");
  CHECK(err("rindex", {S("foofoo"), S("foo"), I(0), I(1)}) == E_INVARG);
  CHECK(err("index", {S("a")}) == E_ARGS);
  CHECK(err("index", {S("a"), L({})}) == E_TYPE);
}

TEST_CASE("strcmp", "[builtins][strings]") {
  CHECK(lit("strcmp", {S("a"), S("b")}) == "-1");
  CHECK(lit("strcmp", {S("b"), S("a")}) == "1");
  CHECK(lit("strcmp", {S("a"), S("a")}) == "0");
  CHECK(lit("strcmp", {S("A"), S("a")}) == "-1");
  CHECK(lit("strcmp", {S("ab"), S("a")}) == "1");
  CHECK(err("strcmp", {S("a"), I(1)}) == E_TYPE);
}

TEST_CASE("strtr", "[builtins][strings]") {
  CHECK(lit("strtr", {S("Hello"), S("lo"), S("01")}) == "\"He001\"");
  CHECK(lit("strtr", {S("HELLO"), S("lo"), S("01")}) == "\"HE001\"");
  CHECK(lit("strtr", {S("HELLO"), S("lo"), S("ab")}) == "\"HEAAB\"");
  CHECK(lit("strtr", {S("HELLO"), S("lo"), S("ab"), I(1)}) == "\"HELLO\"");
  CHECK(lit("strtr", {S("hello"), S("lo"), S("a")}) == "\"heaa\"");
  CHECK(lit("strtr", {S("abc"), S(""), S("xyz")}) == "\"abc\"");
  CHECK(err("strtr", {S("abc"), S("a")}) == E_ARGS);
}

TEST_CASE("explode", "[builtins][strings]") {
  CHECK(lit("explode", {S("  a b  c ")}) == "{\"a\", \"b\", \"c\"}");
  CHECK(lit("explode", {S("a,b,,c"), S(",")}) == "{\"a\", \"b\", \"c\"}");
  CHECK(lit("explode", {S("a,b,,c"), S(","), I(1)}) == "{\"a\", \"b\", \"\", \"c\"}");
  CHECK(lit("explode", {S(",a,"), S(","), I(1)}) == "{\"\", \"a\", \"\"}");
  CHECK(lit("explode", {S("a:b"), S(":;")}) == "{\"a\", \"b\"}");
  CHECK(lit("explode", {S("a b"), S("")}) == "{\"a\", \"b\"}");
  CHECK(lit("explode", {S("")}) == "{}");
  CHECK(err("explode", {S("a"), S(" "), S("x")}) == E_TYPE);
}

TEST_CASE("encode_binary / decode_binary", "[builtins][strings]") {
  CHECK(lit("encode_binary", {S("foo"), I(10), L({I(126), S("~")})}) == "\"foo~0A~7E~7E\"");
  CHECK(lit("encode_binary", {}) == "\"\"");
  CHECK(lit("encode_binary", {I(9), I(32), I(255)}) == "\"~09 ~FF\"");
  CHECK(err("encode_binary", {I(256)}) == E_INVARG);
  CHECK(err("encode_binary", {I(-1)}) == E_INVARG);
  CHECK(err("encode_binary", {F(1)}) == E_INVARG);
  CHECK(err("encode_binary", {L({O(1)})}) == E_INVARG);
  CHECK(lit("decode_binary", {S("foo~0Abar~7e")}) == "{\"foo\", 10, \"bar~\"}");
  CHECK(lit("decode_binary", {S("a~09b")}) == "{\"a\tb\"}");
  CHECK(lit("decode_binary", {S("~00~FF")}) == "{0, 255}");
  CHECK(lit("decode_binary", {S("ab"), I(1)}) == "{97, 98}");
  CHECK(lit("decode_binary", {S("")}) == "{}");
  CHECK(err("decode_binary", {S("~")}) == E_INVARG);
  CHECK(err("decode_binary", {S("~0")}) == E_INVARG);
  CHECK(err("decode_binary", {S("~GG")}) == E_INVARG);
  CHECK(err("decode_binary", {I(1)}) == E_TYPE);
  // Deeply nested lists are flattened without recursion.
  Value deep = L({I(65)});
  for (int i = 0; i < 100000; ++i) deep = L({deep});
  CHECK(lit("encode_binary", {deep}) == "\"A\"");
}

TEST_CASE("string_hash / binary_hash / value_hash", "[builtins][strings]") {
  CHECK(lit("string_hash", {S("")}) == "\"D41D8CD98F00B204E9800998ECF8427E\"");
  CHECK(lit("string_hash", {S("abc")}) == "\"900150983CD24FB0D6963F7D28E17F72\"");
  CHECK(lit("string_hash", {S("abc"), S("sha256")}) ==
        "\"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\"");
  CHECK(lit("string_hash", {S("abc"), S("SHA1")}) ==
        "\"A9993E364706816ABA3E25717850C26C9CD0D89D\"");
  CHECK(lit("string_hash", {S("abc"), S("md5"), I(1)}) ==
        "\"~90~01~50~98~3C~D2~4F~B0~D6~96~3F~7D~28~E1~7F~72\"");
  CHECK(err("string_hash", {S("abc"), S("nope")}) == E_INVARG);
  CHECK(lit("binary_hash", {S("a~62c")}) == "\"900150983CD24FB0D6963F7D28E17F72\"");
  CHECK(err("binary_hash", {S("~x")}) == E_INVARG);
  // value_hash hashes toliteral(): "abc" is hashed with its quotes.
  CHECK(call("value_hash", {S("abc")}).as_str() ==
        call("string_hash", {S("\"abc\"")}).as_str());
  CHECK(call("value_hash", {L({I(1)})}).as_str() == call("string_hash", {S("{1}")}).as_str());
  CHECK(err("string_hash", {I(1)}) == E_TYPE);
}

TEST_CASE("crypt", "[builtins][strings]") {
  // Traditional DES crypt with a given salt is deterministic.
  Value c = call("crypt", {S("foobar"), S("ab")});
  CHECK(c.as_str().substr(0, 2) == "ab");
  CHECK(c.as_str().size() == 13);
  CHECK(call("crypt", {S("foobar"), c}).as_str() == c.as_str());
  CHECK(call("crypt", {S("other"), c}).as_str() != c.as_str());
  Value r = call("crypt", {S("foobar")});  // random two-character salt
  CHECK(r.as_str().size() == 13);
  Value s5 = call("crypt", {S("foobar"), S("$5$saltsalt$")});
  CHECK(s5.as_str().substr(0, 12) == "$5$saltsalt$");
  // Only wizards may choose a strength (ToastStunt).
  {
    echo::register_all_builtins();
    auto& b = Builtins::instance();
    int i = b.find("crypt");
    BuiltinContext ctx;  // no host: not a wizard
    std::vector<Value> a1{S("x"), S("$6$rounds=5000$salt$")};
    CHECK_THROWS_AS(b.at(i).fn(ctx, a1), MooError);
    std::vector<Value> a2{S("x"), S("$2b$12$abcdefghijklmnopqrstuu")};
    CHECK_THROWS_AS(b.at(i).fn(ctx, a2), MooError);
    std::vector<Value> a3{S("x"), S("ab")};
    CHECK(b.at(i).fn(ctx, a3).as_str().size() == 13);
  }
  CHECK(err("crypt", {I(1)}) == E_TYPE);
  CHECK(err("crypt", {}) == E_ARGS);
}
