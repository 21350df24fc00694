// ToastStunt's value, math, string, crypto and task builtins (issue 18), in
// groups: math (round ... simplex_noise), lists and strings (all_members,
// chr, the ANSI tags, base64, URLs), crypto (the hmacs, salt), tasks
// (task_perms, task_local), spellcheck.
// Expected values are those of ToastStunt's test suite
// (test/tests/test_algorithms.rb) where it has them, else of its source.
#include <cmath>
#include <cstdlib>
#include <string>

#include "lang/compiler.h"
#include "test_builtins_util.h"
#include "world_fixtures.h"

using namespace bt;
using namespace echo;

namespace {

// The raw bytes of a string result.
std::string raw(const char* name, std::vector<Value> args) {
  Value v = call(name, std::move(args));
  REQUIRE(v.is_str());
  return std::string(v.as_str());
}

// MOO code run as #2 (a wizard) or #4 (a programmer): "=> value" or "!! E_X".
struct Toast : echo::test::World5 {
  std::string moo(int64_t who, const std::string& code) {
    std::string r = as(who, code, Syntax::Moo);
    if (r.rfind("!! ", 0) == 0) r = r.substr(0, r.find(' ', 3));
    return r;
  }
  // A wizard's verb on #1, callable as #1:name().
  void verb(const std::string& name, const std::string& code) {
    Verb v;
    v.names = name;
    v.owner = 2;
    v.perms = VF_READ | VF_EXEC | VF_DEBUG;
    int i = w.add_verb(1, std::move(v));
    REQUIRE(w.set_verb_code(w.get_mut(1)->verbs[size_t(i - 1)], code).empty());
  }
};

}  // namespace

// ---- math ------------------------------------------------------------------

TEST_CASE("round: the nearest integral FLOAT, halves away from zero", "[builtins][toast-values]") {
  CHECK(lit("round", {F(2.5)}) == "3.0");
  CHECK(lit("round", {F(-2.5)}) == "-3.0");
  CHECK(lit("round", {F(2.49)}) == "2.0");
  CHECK(lit("round", {F(-0.4)}) == "-0.0");
  CHECK(err("round", {I(2)}) == E_TYPE);  // FLOAT only, as ToastStunt's TYPE_FLOAT
  CHECK(err("round", {}) == E_ARGS);
  CHECK(err("round", {F(1), F(2)}) == E_ARGS);
}

TEST_CASE("cbrt and atan2", "[builtins][toast-values]") {
  CHECK(lit("cbrt", {F(27)}) == "3.0");
  CHECK(lit("cbrt", {F(-8)}) == "-2.0");
  CHECK(err("cbrt", {I(8)}) == E_TYPE);
  CHECK(lit("atan2", {F(1), F(1)}) == "0.785398163397448");
  CHECK(lit("atan2", {F(0), F(-1)}) == "3.14159265358979");
  CHECK(lit("atan2", {F(0), F(0)}) == "0.0");
  CHECK(lit("atan2", {F(-1), F(0)}) == lit("atan", {F(-1), F(0)}));
  CHECK(err("atan2", {F(1)}) == E_ARGS);
  CHECK(err("atan2", {F(1), I(1)}) == E_TYPE);
}

TEST_CASE("frandom: a FLOAT between its bounds, from the task's generator", "[builtins][toast-values]") {
  for (int i = 0; i < 200; ++i) {
    double a = call("frandom", {F(2.5)}).as_float();
    CHECK((a >= 0.0 && a <= 2.5));
    double b = call("frandom", {F(-3), F(-1)}).as_float();
    CHECK((b >= -3.0 && b <= -1.0));
    double c = call("frandom", {F(4), F(1)}).as_float();  // reversed bounds: no error, as ToastStunt
    CHECK((c >= 1.0 && c <= 4.0));
  }
  CHECK(lit("frandom", {F(5), F(5)}) == "5.0");
  CHECK(lit("frandom", {F(0)}) == "0.0");
  double big = call("frandom", {F(-1.7e308), F(1.7e308)}).as_float();  // no overflow of max - min
  CHECK(std::isfinite(big));
  CHECK(err("frandom", {I(1)}) == E_TYPE);
  CHECK(err("frandom", {F(1), I(2)}) == E_TYPE);
  CHECK(err("frandom", {}) == E_ARGS);
  CHECK(err("frandom", {F(1), F(2), F(3)}) == E_ARGS);
}

TEST_CASE("reseed_random: wizards only, returns 0", "[builtins][toast-values]") {
  Toast t;
  CHECK(t.moo(2, "return reseed_random();") == "=> 0");
  CHECK(t.moo(2, "reseed_random(); x = random(10); return x >= 1 && x <= 10;") == "=> 1");
  CHECK(t.moo(4, "return reseed_random();") == "!! E_PERM");
  CHECK(t.moo(2, "return reseed_random(1);") == "!! E_ARGS");
}

TEST_CASE("distance: Euclidean, in any dimension, INTs and FLOATs mixed", "[builtins][toast-values]") {
  CHECK(lit("distance", {L({I(0), I(0)}), L({I(3), I(4)})}) == "5.0");
  CHECK(lit("distance", {L({F(1), I(2), I(3)}), L({I(4), F(6), F(3)})}) == "5.0");
  CHECK(lit("distance", {L({I(-1)}), L({I(2)})}) == "3.0");
  CHECK(lit("distance", {L({}), L({})}) == "0.0");
  CHECK(lit("distance", {L({I(1)}), L({I(1), S("ignored")})}) == "0.0");  // the first list's length counts
  CHECK(err("distance", {L({I(1), S("x")}), L({I(1), I(2)})}) == E_TYPE);
  CHECK(err("distance", {L({I(1), I(2)}), L({I(1), O(2)})}) == E_TYPE);
  CHECK(err("distance", {L({I(1), I(2)}), L({I(1)})}) == E_INVARG);  // ToastStunt reads past the end
  CHECK(err("distance", {L({F(1e300)}), L({F(-1e300)})}) == E_FLOAT);
  CHECK(err("distance", {S("x"), L({})}) == E_TYPE);
  CHECK(err("distance", {L({})}) == E_ARGS);
}

TEST_CASE("relative_heading: whole degrees of bearing and elevation", "[builtins][toast-values]") {
  auto P = [](double x, double y, double z) { return L({F(x), F(y), F(z)}); };
  // ToastStunt's 57.2957795130823 is a little under 180/pi and it truncates,
  // so 45 degrees comes out as 44, 90 as 89 and 180 as 179; Echo gives the same.
  CHECK(lit("relative_heading", {P(0, 0, 0), P(1, 1, 0)}) == "{44, 0}");
  CHECK(lit("relative_heading", {P(0, 0, 0), P(0, -1, 0)}) == "{270, 0}");
  CHECK(lit("relative_heading", {P(0, 0, 0), P(0, 0, 1)}) == "{0, 89}");
  CHECK(lit("relative_heading", {P(0, 0, 0), P(1, 0, 0)}) == "{0, 0}");
  CHECK(lit("relative_heading", {P(0, 0, 0), P(-1, 0, 0)}) == "{179, 0}");  // pi, likewise
  CHECK(lit("relative_heading", {P(1, 1, 1), P(0, 0, 0)}) == "{225, -35}");
  CHECK(lit("relative_heading", {P(0, 0, 0), P(-1, 0.01, 0)}) == "{179, 0}");  // truncated, not rounded
  CHECK(err("relative_heading", {L({I(0), I(0), I(0)}), P(1, 1, 1)}) == E_TYPE);
  CHECK(err("relative_heading", {P(0, 0, 0), L({F(1), F(1)})}) == E_INVARG);
  CHECK(err("relative_heading", {P(0, 0, 0), S("x")}) == E_TYPE);
}

TEST_CASE("simplex_noise: Gustavson's noise, as ToastStunt computes it", "[builtins][toast-values]") {
  // Values from ToastStunt's simplexnoise.cc compiled on its own.
  auto at = [](std::vector<Value> p) { return call("simplex_noise", {L(std::move(p))}).as_float(); };
  CHECK(at({F(0.5)}) == Approx(0.27685546875).margin(1e-12));
  CHECK(at({F(1.25)}) == Approx(0.062018394470214844).margin(1e-12));
  CHECK(at({F(-3.7)}) == Approx(0.48248437649999998).margin(1e-12));
  CHECK(at({F(0.5), F(0.5)}) == Approx(-0.52655402779539906).margin(1e-12));
  CHECK(at({F(12.3), F(-4.56)}) == Approx(-0.77225326264059879).margin(1e-12));
  CHECK(at({F(0.1), F(0.2), F(0.3)}) == Approx(0.58174841108056341).margin(1e-12));
  CHECK(at({F(-7.5), F(2.25), F(100.125)}) == Approx(-0.57050755362324623).margin(1e-12));
  CHECK(at({F(0.1), F(0.2), F(0.3), F(0.4)}) == Approx(0.22129077639354408).margin(1e-12));
  CHECK(at({F(-1.5), F(2.5), F(-3.5), F(4.5)}) == Approx(0.56072907033495689).margin(1e-12));
  // ToastStunt returns, not raises, E_TYPE for no coordinates or more than four.
  CHECK(lit("simplex_noise", {L({})}) == "E_TYPE");
  CHECK(lit("simplex_noise", {L({F(1), F(2), F(3), F(4), F(5)})}) == "E_TYPE");
  CHECK(err("simplex_noise", {L({F(1), I(2)})}) == E_TYPE);
  CHECK(err("simplex_noise", {L({F(1e300)})}) == E_INVARG);  // ToastStunt's (int) cast is undefined there
  CHECK(err("simplex_noise", {F(1)}) == E_TYPE);
}

// ---- lists and strings -----------------------------------------------------

TEST_CASE("all_members: every position of a value, compared as ==", "[builtins][toast-values]") {
  CHECK(lit("all_members", {I(1), L({I(1), I(2), I(1), S("1"), F(1)})}) == "{1, 3}");
  CHECK(lit("all_members", {S("a"), L({S("A"), S("b"), S("a")})}) == "{1, 3}");
  CHECK(lit("all_members", {L({I(1)}), L({L({I(1)}), I(1)})}) == "{1}");
  CHECK(lit("all_members", {I(9), L({I(1)})}) == "{}");
  CHECK(lit("all_members", {I(9), L({})}) == "{}");
  CHECK(err("all_members", {I(1), S("1")}) == E_TYPE);
  CHECK(err("all_members", {I(1)}) == E_ARGS);
}

TEST_CASE("chr: bytes from numbers, strings and lists; 32-254 unless a wizard", "[builtins][toast-values]") {
  Toast t;
  CHECK(t.moo(4, "return chr(72, 105);") == "=> \"Hi\"");
  CHECK(t.moo(4, "return chr({72, {105}}, \"!\", {});") == "=> \"Hi!\"");
  CHECK(t.moo(4, "return chr();") == "=> \"\"");
  CHECK(t.moo(4, "return length(chr(32, 254));") == "=> 2");
  CHECK(t.moo(4, "return chr(31);") == "!! E_INVARG");
  CHECK(t.moo(4, "return chr(255);") == "!! E_INVARG");
  CHECK(t.moo(4, "return chr(10);") == "!! E_INVARG");
  CHECK(t.moo(2, "return length(chr(10, 255));") == "=> 2");
  CHECK(t.moo(2, "return chr(65, 0, 66);") == "=> \"A\"");  // ends at NUL, as ToastStunt's C string
  CHECK(t.moo(2, "return chr(256);") == "!! E_INVARG");
  CHECK(t.moo(2, "return chr(-1);") == "!! E_INVARG");
  CHECK(t.moo(2, "return chr(65.0);") == "!! E_INVARG");
  CHECK(t.moo(2, "return chr(#1);") == "!! E_INVARG");
}

TEST_CASE("parse_ansi and remove_ansi: colour tags, any case", "[builtins][toast-values]") {
  CHECK(raw("parse_ansi", {S("[red]x[NORMAL]")}) == "\x1b[31mx\x1b[0m");
  CHECK(raw("parse_ansi", {S("[b:blue][Bold][beep][grey]")}) == "\x1b[44m\x1b[1m\a\x1b[1;30m");
  CHECK(raw("parse_ansi", {S("a[null]b")}) == "ab");
  CHECK(raw("parse_ansi", {S("[n[null]ull]")}) == "");  // [null] goes twice over
  CHECK(raw("parse_ansi", {S("[red")}) == "[red");
  CHECK(raw("parse_ansi", {S("")}) == "");
  for (int i = 0; i < 50; ++i) {
    std::string r = raw("parse_ansi", {S("[RANDOM]")});
    // One of red, green, yellow, blue and magenta: ToastStunt never picks cyan.
    CHECK((r.size() == 5 && r.substr(0, 3) == "\x1b[3" && r[3] >= '1' && r[3] <= '5' && r[4] == 'm'));
  }
  CHECK(raw("remove_ansi", {S("[red]hi[b:blue] [Random][null]there[unknown]")}) == "hi there[unknown]");
  CHECK(raw("remove_ansi", {S("[re[null]d]")}) == "[red]");  // each tag once, in ToastStunt's order
  CHECK(err("parse_ansi", {I(1)}) == E_TYPE);
  CHECK(err("remove_ansi", {}) == E_ARGS);
}

TEST_CASE("encode_base64 (test_algorithms.rb)", "[builtins][toast-values]") {
  const char* big =
      "~A7~CED~8E~D2L~16a~F6~F2~01UZ2~BC~B0)~EC~02~86v~CD~9B~05~E66~F3.vx<~F0~D1E@~C7~DA~F3~C7~C0~AAC~1E~D2~D0~03]!"
      "~F7~0C~C9~19~F0~82gv~E4~19:~02~F0~7E~F8~BE~CCj'F~C2~C3~B8~1C~91~1F~7E~F7~F5P~D9~0E~D8~D6~89~DA~86~B5~95~E0f~"
      "0CJ~92~01+~8A~AE.~7F;~88";
  const char* big64 =
      "p85EjtJMFmH28gFVWjK8sCnsAoZ2zZsF5jbzLnZ4PPDRRUDH2vPHwKpDHtLQA10h9wzJGfCCZ3bkGToC8H74vsxqJ0bCw7gckR9+9/"
      "VQ2Q7Y1onahrWV4GYMSpIBK4quLn87iA==";
  const char* big64safe =
      "p85EjtJMFmH28gFVWjK8sCnsAoZ2zZsF5jbzLnZ4PPDRRUDH2vPHwKpDHtLQA10h9wzJGfCCZ3bkGToC8H74vsxqJ0bCw7gckR9-9_"
      "VQ2Q7Y1onahrWV4GYMSpIBK4quLn87iA";
  CHECK(raw("encode_base64", {S("")}) == "");
  CHECK(raw("encode_base64", {S("a")}) == "YQ==");
  CHECK(raw("encode_base64", {S("aa")}) == "YWE=");
  CHECK(raw("encode_base64", {S("aaa")}) == "YWFh");
  CHECK(raw("encode_base64", {S("~FF")}) == "/w==");
  CHECK(raw("encode_base64", {S("~FB")}) == "+w==");
  CHECK(raw("encode_base64", {S("123456789~00123456789~00123456789~00")}) ==
        "MTIzNDU2Nzg5ADEyMzQ1Njc4OQAxMjM0NTY3ODkA");
  CHECK(raw("encode_base64", {S(big)}) == big64);
  CHECK(raw("encode_base64", {S(""), I(1)}) == "");
  CHECK(raw("encode_base64", {S("a"), I(1)}) == "YQ");
  CHECK(raw("encode_base64", {S("aa"), I(1)}) == "YWE");
  CHECK(raw("encode_base64", {S("aaa"), I(1)}) == "YWFh");
  CHECK(raw("encode_base64", {S("~FF"), I(1)}) == "_w");
  CHECK(raw("encode_base64", {S("~FB"), I(1)}) == "-w");
  CHECK(raw("encode_base64", {S(big), I(1)}) == big64safe);
  CHECK(raw("encode_base64", {S("~66~6f~6f~62~61~72")}) == "Zm9vYmFy");
  CHECK(raw("encode_base64", {S("~66~6f~6f~62~61~72"), I(1)}) == "Zm9vYmFy");
  CHECK(err("encode_base64", {S("~00~#!~00")}) == E_INVARG);
  CHECK(err("encode_base64", {S("~00~#!~00"), I(1)}) == E_INVARG);
  CHECK(err("encode_base64", {I(1)}) == E_TYPE);
  CHECK(err("encode_base64", {S("a"), I(1), I(2)}) == E_ARGS);

  SECTION("decode_base64") {
    CHECK(raw("decode_base64", {S("YQ==")}) == "a");
    CHECK(raw("decode_base64", {S("YWE=")}) == "aa");
    CHECK(raw("decode_base64", {S("YWFh")}) == "aaa");
    CHECK(raw("decode_base64", {S("/w==")}) == "~FF");
    CHECK(raw("decode_base64", {S("+w==")}) == "~FB");
    CHECK(raw("decode_base64", {S("MTIzNDU2Nzg5ADEyMzQ1Njc4OQAxMjM0NTY3ODkA")}) ==
          "123456789~00123456789~00123456789~00");
    CHECK(raw("decode_base64", {S(big64)}) == big);
    CHECK(raw("decode_base64", {S("YQ"), I(1)}) == "a");
    CHECK(raw("decode_base64", {S("YWE"), I(1)}) == "aa");
    CHECK(raw("decode_base64", {S("YWFh"), I(1)}) == "aaa");
    CHECK(raw("decode_base64", {S("_w"), I(1)}) == "~FF");
    CHECK(raw("decode_base64", {S("-w"), I(1)}) == "~FB");
    CHECK(raw("decode_base64", {S(big64safe), I(1)}) == big);
    CHECK(err("decode_base64", {S("@@@@")}) == E_INVARG);
    CHECK(err("decode_base64", {S("@@@@"), I(1)}) == E_INVARG);
    CHECK(err("decode_base64", {S("~5A~6D~39~76~59~6D~46~79")}) == E_INVARG);  // not a binary string
    CHECK(err("decode_base64", {S("~5A~6D~39~76~59~6D~46~79"), I(1)}) == E_INVARG);
    CHECK(raw("decode_base64", {S("dGVzdA==")}) == "test");
    CHECK(err("decode_base64", {S("dGVzdA=")}) == E_INVARG);  // padding required...
    CHECK(err("decode_base64", {S("dGVzdA")}) == E_INVARG);
    CHECK(raw("decode_base64", {S("dGVzdA=="), I(1)}) == "test");  // ... but not when url-safe
    CHECK(raw("decode_base64", {S("dGVzdA="), I(1)}) == "test");
    CHECK(raw("decode_base64", {S("dGVzdA"), I(1)}) == "test");
    CHECK(err("decode_base64", {S("dGV=zdA=")}) == E_INVARG);
    CHECK(err("decode_base64", {S("dGV=zdA="), I(1)}) == E_INVARG);
    CHECK(err("decode_base64", {S("dGVzd===")}) == E_INVARG);
    CHECK(err("decode_base64", {S("dGVzd==="), I(1)}) == E_INVARG);
    CHECK(err("decode_base64", {S("A===")}) == E_INVARG);
    CHECK(err("decode_base64", {S("A"), I(1)}) == E_INVARG);
    CHECK(raw("decode_base64", {S("")}) == "");
    CHECK(err("decode_base64", {S("Zm9v"), I(1), I(1)}) == E_ARGS);
  }

  SECTION("encode then decode: random binary strings") {
    std::mt19937 g(7);
    for (int i = 0; i < 100; ++i) {
      std::string bytes;
      for (unsigned n = g() % 20; n > 0; --n) bytes += char(g() & 0xFF);
      std::string bin = raw("encode_binary", {S(bytes)});
      std::string u = raw("encode_base64", {S(bin), I(i % 2)});
      CHECK(raw("decode_base64", {S(u), I(i % 2)}) == bin);
    }
  }
}

TEST_CASE("url_encode and url_decode, as curl's escape and unescape", "[builtins][toast-values]") {
  Toast t;
  CHECK(raw("url_encode", {S("hello world/~x-y_z.")}) == "hello%20world%2F~x-y_z.");
  CHECK(raw("url_encode", {S("a+b=c&d?e#f%")}) == "a%2Bb%3Dc%26d%3Fe%23f%25");
  CHECK(raw("url_encode", {S("")}) == "");
  CHECK(raw("url_decode", {S("a%20b%2fc+d%zz%4%")}) == "a b/c+d%zz%4%");
  CHECK(raw("url_decode", {S("%41%62%7E")}) == "Ab~");
  CHECK(raw("url_decode", {S("x%00y")}) == "x");  // ends at NUL, as ToastStunt's C string
  CHECK(t.moo(4, "return url_decode(url_encode(\"Caf\\\"e 100%\"));") == "=> \"Caf\\\"e 100%\"");
  // Bytes chr() would refuse: a wizard gets them, as in ToastStunt; others E_INVARG.
  CHECK(t.moo(2, "return length(url_decode(\"%0A%FF\"));") == "=> 2");
  CHECK(t.moo(4, "return url_decode(\"%0A\");") == "!! E_INVARG");
  CHECK(t.moo(4, "return url_decode(\"%ff\");") == "!! E_INVARG");
  CHECK(t.moo(4, "return length(url_decode(\"%C3%A9\"));") == "=> 2");
  CHECK(err("url_encode", {I(1)}) == E_TYPE);
  CHECK(err("url_decode", {}) == E_ARGS);
}

// ---- crypto ----------------------------------------------------------------

TEST_CASE("hmacs: RFC 2202 / 4231 vectors (test_algorithms.rb)", "[builtins][toast-values]") {
  std::string aa80, aa131, b20 = "", c25 = "~01~02~03~04~05~06~07~08~09~0a~0b~0c~0d~0e~0f~10~11~12~13~14~15~16~17~18~19";
  for (int i = 0; i < 80; ++i) aa80 += "~aa";
  for (int i = 0; i < 131; ++i) aa131 += "~aa";
  for (int i = 0; i < 20; ++i) b20 += "~0b";
  std::string dd50, cd50, c20;
  for (int i = 0; i < 50; ++i) dd50 += "~dd", cd50 += "~cd";
  for (int i = 0; i < 20; ++i) c20 += "~0c";
  std::string aa20;
  for (int i = 0; i < 20; ++i) aa20 += "~aa";

  CHECK(raw("string_hmac", {S(""), S(""), S("sha256")}) == "B613679A0814D9EC772F95D778C35FC5FF1697C493715653C6C712144292C5AD");
  CHECK(raw("binary_hmac", {S(""), S(""), S("sha256")}) == "B613679A0814D9EC772F95D778C35FC5FF1697C493715653C6C712144292C5AD");
  CHECK(raw("value_hmac", {S(""), S(""), S("sha256")}) == "140B47411F10521CC48851F43C9ABE73016E1D45627C8523D25CBF7FE64F8B03");

  CHECK(raw("string_hmac", {S("what do ya want for nothing?"), S("Jefe"), S("sha1")}) == "EFFCDF6AE5EB2FA2D27416D5F184DF9C259A7C79");
  CHECK(raw("string_hmac", {S("Hi There"), S(b20), S("sha1")}) == "B617318655057264E28BC0B6FB378C8EF146BE00");
  CHECK(raw("string_hmac", {S("Test With Truncation"), S(c20), S("sha1")}) == "4C1A03424B55E07FE7F27BE1D58BB9324A9A5A04");
  CHECK(raw("string_hmac", {S("Test Using Larger Than Block-Size Key - Hash Key First"), S(aa80), S("sha1")}) ==
        "AA4AE5E15272D00E95705637CE8A3B55ED402112");
  CHECK(raw("string_hmac", {S("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"), S(aa80),
                            S("sha1")}) == "E8E99D0F45237D786D6BBAA7965C7808BBFF1A91");
  CHECK(raw("string_hmac", {S("Test Using Key with nulls"), S("123456789~00123456789~00123456789~00"), S("sha1")}) ==
        "999D63DE9594FB320FA1B1D7CC6D3662FEC60AB1");
  CHECK(raw("string_hmac", {S(""), S(""), S("sha1")}) == "FBDB1D1B18AA6C08324B7D64B71FB76370690E1D");
  CHECK(raw("binary_hmac", {S(dd50), S(aa20), S("sha1")}) == "125D7342B9AC11CD91A39AF48AA17B4F63F175D3");
  CHECK(raw("binary_hmac", {S(cd50), S(c25), S("sha1")}) == "4C9007F4026250C6BC8414F9BF50C86C2D7235DA");

  CHECK(raw("string_hmac", {S("what do ya want for nothing?"), S("Jefe"), S("sha256")}) ==
        "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843");
  CHECK(raw("string_hmac", {S("Hi There"), S(b20), S("sha256")}) ==
        "B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7");
  CHECK(raw("string_hmac", {S("Test With Truncation"), S(c20), S("sha256")}) ==
        "A3B6167473100EE06E0C796C2955552BFA6F7C0A6A8AEF8B93F860AAB0CD20C5");
  CHECK(raw("string_hmac", {S("Test Using Larger Than Block-Size Key - Hash Key First"), S(aa131), S("sha256")}) ==
        "60E431591EE0B67F0D8A26AACBF5B77F8E0BC6213728C5140546040F0EE37F54");
  CHECK(raw("string_hmac",
            {S("This is a test using a larger than block-size key and a larger than block-size data. The key needs "
               "to be hashed before being used by the HMAC algorithm."),
             S(aa131), S("sha256")}) == "9B09FFA71B942FCB27635FBCD5B0E944BFDC63644F0713938A7F51535C3A35E2");
  CHECK(raw("binary_hmac", {S(dd50), S(aa20), S("sha256")}) ==
        "773EA91E36800E46854DB8EBD09181A72959098B3EF8C122D9635514CED565FE");
  CHECK(raw("binary_hmac", {S(cd50), S(c25), S("sha256")}) ==
        "82558A389A443C0EA4CC819899F2083A85F0FAA3E578F8077A2E3FF46729665B");
  CHECK(raw("binary_hmac", {S("Test Using Key with nulls"), S("123456789~00123456789~00123456789~00")}) ==
        "44D1527E6295BF1055924DEBECC4499776903B9C37FF7D6519452230A7C30AF8");

  SECTION("sha256 is the default; value_hmac hashes toliteral()") {
    CHECK(raw("binary_hmac", {S("what do ya want for nothing?"), S("Jefe")}) ==
          "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843");
    CHECK(raw("binary_hmac", {S(""), S("")}) == "B613679A0814D9EC772F95D778C35FC5FF1697C493715653C6C712144292C5AD");
    CHECK(raw("value_hmac", {S("what do ya want for nothing?"), S("Jefe"), S("sha1")}) ==
          "28809E3D8CEA48FABEBA399A4AF2942AEBD89DE4");
    CHECK(raw("value_hmac", {S("Hi There"), S(b20), S("sha1")}) == "7A9169174AC124FF114F53A03744AB22BF840C7D");
    CHECK(raw("value_hmac", {S("Test Using Key with nulls"), S("123456789~00123456789~00123456789~00"), S("sha1")}) ==
          "EA1A09993CA7F0848D1085A67D84AA6348093004");
    CHECK(raw("value_hmac", {S(""), S(""), S("sha1")}) == "1F871CCD9A7164051BF779C8483677424E9C77F5");
    CHECK(raw("value_hmac", {S("what do ya want for nothing?"), S("Jefe")}) ==
          "6E5C2A18FEBCCACA669AC5F4415342714850E76BA86824A3371270E6DD69956F");
    CHECK(raw("value_hmac", {S("Test Using Key with nulls"), S("123456789~00123456789~00123456789~00")}) ==
          "415BD3379F2E94D6F38ED2D54BEFB367912B7043FE033D3B6C66A78EA51A153C");
    CHECK(raw("value_hmac", {S(""), S("")}) == "140B47411F10521CC48851F43C9ABE73016E1D45627C8523D25CBF7FE64F8B03");
    CHECK(raw("string_hmac", {S("abc"), S("k"), S("SHA256")}) == raw("string_hmac", {S("abc"), S("k")}));
  }

  SECTION("binary output, and the errors") {
    CHECK(raw("value_hmac", {S(""), S(""), S("sha256"), I(0)}) ==
          "140B47411F10521CC48851F43C9ABE73016E1D45627C8523D25CBF7FE64F8B03");
    CHECK(raw("value_hmac", {S(""), S(""), S("sha256"), I(1)}) ==
          "~14~0B~47~41~1F~10~52~1C~C4~88~51~F4~3C~9A~BE~73~01~6E~1D~45~62~7C~85~23~D2~5C~BF~7F~E6~4F~8B~03");
    CHECK(raw("string_hmac", {S(""), S(""), S("sha256"), I(1)}) ==
          "~B6~13~67~9A~08~14~D9~EC~77~2F~95~D7~78~C3~5F~C5~FF~16~97~C4~93~71~56~53~C6~C7~12~14~42~92~C5~AD");
    CHECK(raw("binary_hmac", {S(""), S(""), S("sha256"), I(1)}).size() == 96);
    CHECK(err("string_hmac", {S("abc"), S("abc"), S("bozo")}) == E_INVARG);
    CHECK(err("binary_hmac", {S("abc"), S("abc"), S("con")}) == E_INVARG);
    CHECK(err("value_hmac", {S("abc"), S("abc"), S("carne")}) == E_INVARG);
    CHECK(err("string_hmac", {S("abc"), S("abc"), S("md5")}) == E_INVARG);  // sha1 and sha256 only
    CHECK(err("binary_hmac", {S("~00~#!~00"), S("key")}) == E_INVARG);
    CHECK(err("string_hmac", {S(""), S("~00~#!~00")}) == E_INVARG);
    CHECK(err("binary_hmac", {S(""), S("~00~#!~00")}) == E_INVARG);
    CHECK(err("value_hmac", {S(""), S("~00~#!~00")}) == E_INVARG);
    CHECK(err("string_hmac", {S("abc")}) == E_ARGS);
    CHECK(err("string_hmac", {S("abc"), I(1)}) == E_TYPE);
    CHECK(err("value_hmac", {L({}), S("k"), S("sha1"), I(1), I(1)}) == E_ARGS);
  }
}

TEST_CASE("salt: crypt_gensalt's formats (test_algorithms.rb)", "[builtins][toast-values]") {
  const std::string z2 = "~00~00", z6 = "~00~00~00~00~00~00", z12 = z6 + z6, z16 = z12 + "~00~00~00~00";
  CHECK(raw("salt", {S(""), S(z2)}) == "..");
  CHECK(err("salt", {S(""), S("")}) == E_INVARG);
  CHECK(raw("salt", {S("$1$"), S(z6)}) == "$1$........");
  CHECK(err("salt", {S("$1$"), S("12")}) == E_INVARG);
  CHECK(raw("salt", {S("$5$"), S(z12)}) == "$5$................");
  CHECK(raw("salt", {S("$6$"), S(z12)}) == "$6$................");
  CHECK(err("salt", {S("$5$"), S(z2)}) == E_INVARG);
  CHECK(raw("salt", {S("$5$rounds=1000$"), S(z12)}) == "$5$rounds=1000$................");
  CHECK(raw("salt", {S("$5$rounds=10000000$"), S(z12)}) == "$5$rounds=10000000$................");
  CHECK(raw("salt", {S("$6$rounds=5000$"), S(z12)}) == "$6$rounds=5000$................");
  for (const char* bad : {"$5$rounds=999$", "$5$rounds=1$", "$5$rounds=1000000000$", "$5$rounds=1231231230$",
                          "$5$rounds=$", "$5$rounds=foobar$", "$5$rounds=123foobar$", "$5$foobar=$"})
    CHECK(err("salt", {S(bad), S(z12)}) == E_INVARG);
  CHECK(raw("salt", {S("$2a$"), S(z16)}) == "$2a$05$......................");
  CHECK(err("salt", {S("$2a$"), S("1234567890")}) == E_INVARG);
  CHECK(raw("salt", {S("$2a$04$"), S("1234567890123456")}) == "$2a$04$KRGxLBS0Lxe3KBCwKxOzLe");
  CHECK(raw("salt", {S("$2a$16$"), S("1234567890123456")}) == "$2a$16$KRGxLBS0Lxe3KBCwKxOzLe");
  CHECK(raw("salt", {S("$2y$"), S("1234567890123456")}) == "$2y$05$KRGxLBS0Lxe3KBCwKxOzLe");
  for (const char* bad : {"$2a$03$", "$2a$01$", "$2a$32$", "$2a$41$", "$2a$$", "$2a$mm$", "$2x$", "$2b$"})
    CHECK(err("salt", {S(bad), S("1234567890123456")}) == E_INVARG);
  CHECK(err("salt", {S(""), S("~00")}) == E_INVARG);
  CHECK(err("salt", {S("$2a$"), S("~00~01~02~03~04~05~06~07~08~09")}) == E_INVARG);
  CHECK(err("salt", {S(""), S("~00~#!")}) == E_INVARG);
  CHECK(err("salt", {S("$2a$"), S("~00~00~00~00~00~00~00~00~00~00~00~00~00~00~00~zz")}) == E_INVARG);
  CHECK(err("salt", {S("foo"), S("")}) == E_INVARG);
  CHECK(raw("salt", {S("ab"), S("AB")}) == "/0");  // a DES prefix's characters are only checked
  CHECK(err("salt", {S("a1b"), S("AB")}) == E_INVARG);  // ToastStunt reads "?1?" as a broken "$1$"
  SECTION("what salt() makes, crypt() takes") {
    std::string s = raw("salt", {S("$6$rounds=1000$"), S("abcdefghijkl")});
    std::string h = raw("crypt", {S("secret"), S(s)});
    CHECK(h.rfind(s, 0) == 0);
    CHECK(raw("crypt", {S("secret"), S(h)}) == h);
  }
  CHECK(err("salt", {S("")}) == E_ARGS);
  CHECK(err("salt", {S(""), I(1)}) == E_TYPE);
}

// ---- spellcheck ------------------------------------------------------------

TEST_CASE("spellcheck: 1 for a known word, else Aspell's suggestions", "[builtins][toast-values]") {
  CHECK(lit("spellcheck", {S("hello")}) == "1");
  CHECK(lit("spellcheck", {S("Wizard")}) == "1");
  Value s = call("spellcheck", {S("helo")});
  REQUIRE(s.is_list());
  CHECK(lit("is_member", {S("hello"), s}) != "0");
  CHECK(lit("spellcheck", {S("xqzvkwpj")}).front() == '{');
  CHECK(err("spellcheck", {S(std::string(101, 'a'))}) == E_INVARG);  // Echo's bound: see spellcheck.cpp
  CHECK(err("spellcheck", {I(1)}) == E_TYPE);
  CHECK(err("spellcheck", {}) == E_ARGS);
}

// ---- tasks -----------------------------------------------------------------

TEST_CASE("task_perms: the task's permissions now", "[builtins][toast-values]") {
  Toast t;
  CHECK(t.moo(4, "return task_perms();") == "=> #4");
  CHECK(t.moo(2, "return task_perms();") == "=> #2");
  CHECK(t.moo(2, "set_task_perms(#4); return task_perms();") == "=> #4");
  CHECK(t.moo(2, "return task_perms(1);") == "!! E_ARGS");
}

TEST_CASE("task_local: a wizard's value for the whole task (test_task_local.rb)", "[builtins][toast-values]") {
  Toast t;
  CHECK(t.moo(4, "return set_task_local(1);") == "!! E_PERM");
  CHECK(t.moo(4, "return task_local();") == "!! E_PERM");
  CHECK(t.moo(2, "return set_task_local();") == "!! E_ARGS");
  CHECK(t.moo(2, "return set_task_local(1, 2, 3);") == "!! E_ARGS");
  CHECK(t.moo(2, "return set_task_local(\"1\");") == "=> 0");
  CHECK(t.moo(2, "return task_local({});") == "!! E_ARGS");
  CHECK(t.moo(2, "return task_local();") == "=> []");  // each task starts with an empty map
  CHECK(t.moo(2, "set_task_local({\"foo\", \"bar\", 1, 2, 3}); return task_local();") ==
        "=> {\"foo\", \"bar\", 1, 2, 3}");
  CHECK(t.moo(2, "set_task_local({\"foo\", \"bar\", 1, 2, 3}); 1/0; return task_local();") == "!! E_DIV");

  SECTION("across verb calls") {
    t.verb("foo", "{value} = args; set_task_local(value);");
    t.verb("bar", "return task_local();");
    t.verb("baz", "{value} = args; #1:foo(value); return #1:bar();");
    CHECK(t.moo(2, "#1:foo(1.234); return #1:bar();") == "=> 1.234");
    CHECK(t.moo(2, "return #1:baz(23.456);") == "=> 23.456");
  }

  SECTION("a forked task starts with its own empty map") {
    std::string r = t.moo(2, "set_task_local(5); fork (0) raise(E_INVARG, toliteral(task_local())); endfork; "
                             "return task_local();");
    INFO(r);
    CHECK(r.rfind("=> 5\n", 0) == 0);  // the forking task keeps its own
    CHECK(r.find("line 1:  []\n") != std::string::npos);  // the fork's message: toliteral(task_local())
  }

  SECTION("kept when the task is saved while suspended, and restored") {
    CompileResult c = compile_moo("set_task_local({1, {2, {3}}}); suspend(); return task_local();");
    REQUIRE(c.ok());
    Task task(c.program, &t.host);
    task.set_identity(2, -1, 2, "");
    REQUIRE(task.run() == TaskStatus::Suspended);
    Value saved = task.save();
    auto compile = [](const std::string& src) { return compile_moo(src).program; };
    auto back = Task::restore(saved, &t.host, compile);
    REQUIRE(back);
    CHECK(to_literal(back->local()) == "{1, {2, {3}}}");
    back->resume(Value::integer(0));
    REQUIRE(back->run() == TaskStatus::Done);
    CHECK(to_literal(back->result()) == "{1, {2, {3}}}");
  }
}

// ---- all of them ---------------------------------------------------------

TEST_CASE("random input gives a string or E_INVARG, never worse", "[builtins][toast-values]") {
  // As ToastStunt's "fuzzy inputs do not break binary_hmac" tests, for
  // every new builtin that parses its string.
  std::mt19937 g(18);
  const std::string alphabet = "~0123456789abcdefABCDEF$=%[]:+/-_.rounds";
  auto random_string = [&](size_t max) {
    std::string r;
    for (size_t n = g() % (max + 1); n > 0; --n)
      r += g() % 4 ? alphabet[g() % alphabet.size()] : char(g() % 256);
    return r;
  };
  std::string failures;  // what went wrong, to print, not just how often
  for (int i = 0; i < 3000; ++i) {
    std::string a = random_string(40), b = random_string(40);
    for (auto& [name, args] : std::vector<std::pair<const char*, std::vector<Value>>>{
             {"decode_base64", {S(a)}}, {"decode_base64", {S(a), I(1)}}, {"encode_base64", {S(a)}},
             {"url_decode", {S(a)}}, {"url_encode", {S(a)}}, {"salt", {S(a), S(b)}},
             {"salt", {S("$5$rounds=" + a), S(b)}}, {"salt", {S("$2a$" + a), S(b)}},
             {"binary_hmac", {S(a), S(b)}}, {"string_hmac", {S(a), S(b), S("sha1")}},
             {"parse_ansi", {S(a)}}, {"remove_ansi", {S(a)}}, {"chr", {S(a), I(g() % 300)}}}) {
      std::string got;
      try {
        Value v = call(name, args);
        if (!v.is_str()) got = to_literal(v);
      } catch (const MooError& e) {
        if (!(e.code.is_err() && e.code.as_err() == E_INVARG)) got = to_literal(e.code);
      }
      if (!got.empty() && failures.size() < 2000) {
        std::string call_text = name;
        for (const Value& v : args) call_text += " " + to_literal(v);
        failures += call_text + " -> " + got + "\n";
      }
    }
  }
  CHECK(failures == "");
}

TEST_CASE("results past max_string_concat are E_QUOTA, checked as they grow", "[builtins][toast-values]") {
  ValueLimits small;
  small.max_string = 1000;
  ValueLimitsScope scope(&small);
  std::string pct(400, '%'), tags, b64;
  for (int i = 0; i < 250; ++i) tags += "[red]";
  for (int i = 0; i < 300; ++i) b64 += "////";  // 900 bytes of ~FF: 2,700 characters
  CHECK(err("url_encode", {S(pct)}) == E_QUOTA);                 // 1,200 characters
  CHECK(err("url_encode", {S(std::string(300, '%'))}) == E_NONE);  // 900
  CHECK(err("parse_ansi", {S(tags)}) == E_QUOTA);                // 1,250 bytes
  CHECK(err("decode_base64", {S(b64)}) == E_QUOTA);
  CHECK(err("encode_base64", {S(std::string(900, 'a'))}) == E_QUOTA);  // 1,200 characters
  CHECK(err("chr", {S(std::string(600, 'a')), S(std::string(600, 'b'))}) == E_QUOTA);
  CHECK(err("value_hmac", {S(std::string(990, 'a')), S("k")}) == E_NONE);  // the literal is only hashed
}


TEST_CASE("function_info lists each with ToastStunt's argument counts", "[builtins][toast-values]") {
  CHECK(lit("function_info", {S("round")}) == "{\"round\", 1, 1, {9}}");
  CHECK(lit("function_info", {S("frandom")}) == "{\"frandom\", 1, 2, {9, 9}}");
  CHECK(lit("function_info", {S("chr")}) == "{\"chr\", 0, -1, {}}");
  CHECK(lit("function_info", {S("all_members")}) == "{\"all_members\", 2, 2, {-1, 4}}");
  CHECK(lit("function_info", {S("string_hmac")}) == "{\"string_hmac\", 2, 4, {2, 2, 2, -1}}");
  CHECK(lit("function_info", {S("value_hmac")}) == "{\"value_hmac\", 2, 4, {-1, 2, 2, -1}}");
  CHECK(lit("function_info", {S("set_task_local")}) == "{\"set_task_local\", 1, 1, {-1}}");
  for (const char* name : {"atan2", "cbrt", "reseed_random", "distance", "relative_heading", "simplex_noise",
                           "encode_base64", "decode_base64", "binary_hmac", "salt", "url_encode", "url_decode",
                           "parse_ansi", "remove_ansi", "task_local", "task_perms", "spellcheck"})
    CHECK(err("function_info", {S(name)}) == E_NONE);
}

TEST_CASE("getenv: a wizard's look at the server's environment (test_system_builtins.rb)",
          "[builtins][toast-values]") {
  Toast t;
  ::setenv("ECHO_TEST_GETENV", "value \x01", 1);
  ::unsetenv("XYZZY");
  CHECK(t.moo(2, "return getenv(\"ECHO_TEST_GETENV\");") == "=> \"value ~01\"");
  CHECK(t.moo(2, "return getenv(\"PATH\") == 0;") == "=> " + std::string(std::getenv("PATH") ? "0" : "1"));
  CHECK(t.moo(2, "return getenv(\"XYZZY\");") == "=> 0");
  CHECK(t.moo(4, "return getenv(\"PATH\");") == "!! E_PERM");
  CHECK(t.moo(2, "return getenv();") == "!! E_ARGS");
  CHECK(t.moo(2, "return getenv(1);") == "!! E_TYPE");
  CHECK(t.moo(2, "return getenv(1.1);") == "!! E_TYPE");
}

TEST_CASE("usage: the process's load averages and getrusage figures, for wizards",
          "[builtins][toast-values]") {
  Toast t;
  CHECK(t.moo(2, "u = usage(); return {length(u), typeof(u[1]), length(u[1]), typeof(u[2]), typeof(u[3]), "
                 "typeof(u[10])};") == "=> {10, 4, 3, 9, 9, 0}");
  CHECK(t.moo(2, "u = usage(); return u[2] > 0.0 && u[4] > 0;") == "=> 1");  // this test used CPU and pages
  CHECK(t.moo(4, "return usage();") == "!! E_PERM");
  CHECK(t.moo(2, "return usage(1);") == "!! E_ARGS");
}
