// Numeric and time builtins.
#include "test_builtins_util.h"

#include <cmath>

using namespace bt;
using namespace echo;

TEST_CASE("abs", "[builtins][math]") {
  CHECK(lit("abs", {I(-5)}) == "5");
  CHECK(lit("abs", {I(5)}) == "5");
  CHECK(lit("abs", {F(-2.5)}) == "2.5");
  CHECK(lit("abs", {I(INT64_MIN)}) == "-9223372036854775808");  // no UB; stays as C wraps it
  CHECK(err("abs", {S("x")}) == E_TYPE);
  CHECK(err("abs", {}) == E_ARGS);
}

TEST_CASE("min / max", "[builtins][math]") {
  CHECK(lit("min", {I(3), I(1), I(2)}) == "1");
  CHECK(lit("max", {I(3), I(1), I(2)}) == "3");
  CHECK(lit("min", {F(3), F(-1.5)}) == "-1.5");
  CHECK(lit("max", {F(3)}) == "3.0");
  CHECK(err("min", {I(1), F(2)}) == E_TYPE);
  CHECK(err("max", {F(1), I(2)}) == E_TYPE);
  CHECK(err("max", {I(1), S("2")}) == E_TYPE);
  CHECK(err("min", {S("a")}) == E_TYPE);
  CHECK(err("min", {}) == E_ARGS);
}

TEST_CASE("random", "[builtins][math]") {
  for (int i = 0; i < 200; ++i) {
    int64_t r = call("random", {I(6)}).as_int();
    CHECK((r >= 1 && r <= 6));
    int64_t r2 = call("random", {I(-3), I(3)}).as_int();
    CHECK((r2 >= -3 && r2 <= 3));
    CHECK(call("random", {}).as_int() >= 1);
  }
  CHECK(lit("random", {I(1)}) == "1");
  CHECK(err("random", {I(0)}) == E_INVARG);
  CHECK(err("random", {I(-5)}) == E_INVARG);
  CHECK(err("random", {I(5), I(2)}) == E_INVARG);
  CHECK(err("random", {F(5)}) == E_TYPE);
  CHECK(err("random", {I(1), I(2), I(3)}) == E_ARGS);
}

TEST_CASE("floating-point functions", "[builtins][math]") {
  CHECK(lit("sqrt", {F(4)}) == "2.0");
  CHECK(err("sqrt", {F(-1)}) == E_INVARG);
  CHECK(err("sqrt", {I(4)}) == E_TYPE);  // LambdaMOO: FLOAT only
  CHECK(lit("sin", {F(0)}) == "0.0");
  CHECK(lit("cos", {F(0)}) == "1.0");
  CHECK(lit("tan", {F(0)}) == "0.0");
  CHECK(lit("asin", {F(1)}) == "1.5707963267949");
  CHECK(err("asin", {F(2)}) == E_INVARG);
  CHECK(err("acos", {F(-2)}) == E_INVARG);
  CHECK(lit("acos", {F(1)}) == "0.0");
  CHECK(lit("atan", {F(1)}) == "0.785398163397448");
  CHECK(lit("atan", {F(1), F(-1)}) == "2.35619449019234");
  CHECK(lit("atan", {F(0), F(0)}) == "0.0");
  CHECK(err("atan", {F(1), I(1)}) == E_TYPE);
  CHECK(lit("sinh", {F(0)}) == "0.0");
  CHECK(lit("cosh", {F(0)}) == "1.0");
  CHECK(lit("tanh", {F(0)}) == "0.0");
  CHECK(err("cosh", {F(1000)}) == E_FLOAT);
  CHECK(lit("asinh", {F(0)}) == "0.0");
  CHECK(lit("acosh", {F(1)}) == "0.0");
  CHECK(err("acosh", {F(0)}) == E_INVARG);
  CHECK(lit("atanh", {F(0)}) == "0.0");
  CHECK(err("atanh", {F(2)}) == E_INVARG);
  CHECK(err("atanh", {F(1)}) == E_FLOAT);  // pole error
  CHECK(lit("exp", {F(0)}) == "1.0");
  CHECK(err("exp", {F(1000)}) == E_FLOAT);
  CHECK(lit("log", {F(1)}) == "0.0");
  CHECK(err("log", {F(0)}) == E_FLOAT);
  CHECK(err("log", {F(-1)}) == E_INVARG);
  CHECK(lit("log10", {F(1000)}) == "3.0");
  CHECK(lit("ceil", {F(1.2)}) == "2.0");
  CHECK(lit("ceil", {F(-1.2)}) == "-1.0");
  CHECK(lit("floor", {F(-1.2)}) == "-2.0");
  CHECK(lit("trunc", {F(-1.7)}) == "-1.0");
  CHECK(lit("trunc", {F(1.7)}) == "1.0");
  CHECK(err("floor", {}) == E_ARGS);
}

TEST_CASE("floatstr", "[builtins][math]") {
  CHECK(lit("floatstr", {F(3.14159), I(2)}) == "\"3.14\"");
  CHECK(lit("floatstr", {F(3.14159), I(0)}) == "\"3\"");
  CHECK(lit("floatstr", {F(1234.5), I(2), I(1)}) == "\"1.23e+03\"");
  CHECK(lit("floatstr", {F(0.1), I(100)}) == "\"0.1000000000000000056\"");  // at most 19 places
  CHECK(call("floatstr", {F(1e308), I(19)}).as_str().size() == 329);
  CHECK(err("floatstr", {F(1), I(-1)}) == E_INVARG);
  CHECK(err("floatstr", {I(1), I(1)}) == E_TYPE);
  CHECK(err("floatstr", {F(1)}) == E_ARGS);
}

TEST_CASE("time / ctime / ftime", "[builtins][time]") {
  int64_t t = call("time", {}).as_int();
  CHECK(t > 1600000000);
  CHECK(err("time", {I(1)}) == E_ARGS);
  std::string c = std::string(call("ctime", {I(0)}).as_str());
  // "Thu Jan  1 00:00:00 1970 UTC" in UTC; the zone name depends on TZ.
  CHECK(c.size() >= 25);
  CHECK(c.substr(0, 3).find_first_of("MTWFS") == 0);
  CHECK(c[8] != '0');
  CHECK(call("ctime", {}).as_str().size() >= 25);
  CHECK(err("ctime", {I(INT64_MAX)}) == E_INVARG);
  CHECK(err("ctime", {S("x")}) == E_TYPE);
  double f = call("ftime", {}).as_float();
  CHECK(std::fabs(f - double(t)) < 5.0);
  CHECK(call("ftime", {I(1)}).as_float() > 0.0);
  CHECK(call("ftime", {I(2)}).as_float() > 0.0);
}
