// ToastStunt's value, math, string, crypto and task builtins (issue 18), in
// groups: math (round ... simplex_noise), lists and strings (all_members,
// chr, the ANSI tags, base64, URLs), crypto (the hmacs, salt), tasks
// (task_perms, task_local).
// Expected values are those of ToastStunt's test suite
// (test/tests/test_algorithms.rb) where it has them, else of its source.
#include <cmath>
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
