// Catch2's main, compiled once for every test executable: the single
// header's implementation takes about 50 s to compile, once per copy.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
