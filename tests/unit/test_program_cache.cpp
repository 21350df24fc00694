#include <catch2/catch.hpp>

#include "lang/program_cache.h"

using namespace echo;

TEST_CASE("the program cache compiles each source once") {
  ProgramCache cache(4);
  CompileResult a = cache.get("return 1;");
  CompileResult b = cache.get("return 1;");
  REQUIRE(a.ok());
  CHECK(a.program == b.program);  // the same compiled program, shared
  CHECK(a.program->source == "return 1;");
  CompileResult c = cache.get("return 2;");
  CHECK(c.program != a.program);
  CHECK(cache.size() == 2);
  // Sources that do not compile are reported and not cached.
  CompileResult bad = cache.get("return (;");
  CHECK_FALSE(bad.ok());
  CHECK_FALSE(bad.errors.empty());
  CHECK(cache.size() == 2);
  // A full cache starts over; programs already handed out stay valid.
  for (int i = 0; i < 10; ++i) cache.get("return " + std::to_string(i) + ";");
  CHECK(cache.size() <= 4);
  CHECK(a.program->source == "return 1;");
}
