// Broken input: every error is a TextdumpError naming the right line.
#include <catch2/catch.hpp>

#include "util.h"

using namespace echo;
using namespace echo::storage;
using storage_test::data_path;
using storage_test::error_line;
using storage_test::slurp;
using storage_test::split_lines;
using storage_test::join_lines;
using storage_test::with_line;

// Minimal.db, line by line:
//   1 header  2-5 counts  6 players: #3
//   7 #0  8 name  9 handles  10 flags  11 owner  12 location  13 contents
//   14 next  15 parent  16 child  17 sibling  18 verb count  19-22 verb
//   23 property definitions  24 property values
//   25 #1 (33 parent, 35 sibling)  39 #2 (45 contents, 49 sibling)
//   57 #3 (62 location)  71 #0:0  72 its program  73 .
//   74 0 clocks  75 0 queued tasks  76 0 suspended tasks
namespace {
std::string minimal() { return slurp(data_path("Minimal.db")); }
}  // namespace

TEST_CASE("a bad header", "[textdump][errors]") {
  std::string msg;
  CHECK(error_line("garbage\n", &msg) == 1);
  CHECK(msg == "line 1: expected the header '** LambdaMOO Database, Format Version N **' but found 'garbage'");
  CHECK(error_line("** LambdaMOO Database, Format Version x **\n") == 1);
  CHECK(error_line("** LambdaMOO Database, Format Version 99 **\n4\n", &msg) == 1);
  CHECK(msg.find("unknown format version 99") != std::string::npos);
  CHECK(error_line("", &msg) == 1);
  CHECK(msg == "line 1: expected the header line but found the end of the file");
}

TEST_CASE("truncated files", "[textdump][errors]") {
  std::vector<std::string> lines = split_lines(minimal());
  REQUIRE(lines.size() == 76);
  // Cut after k whole lines: an error up to the end of the required
  // "0 queued tasks" (line 75); the suspended tasks may be missing. The error
  // is the end of the file on line k + 1, or a count on an earlier line that
  // the lines left cannot hold.
  for (size_t k = 0; k <= lines.size(); ++k) {
    std::string text;
    for (size_t i = 0; i < k; ++i) text += lines[i] + "\n";
    INFO("first " << k << " lines");
    std::string msg;
    size_t line = error_line(text, &msg);
    if (k >= 75) {
      CHECK(line == 0);
    } else if (msg.find("but found the end of the file") != std::string::npos) {
      CHECK(line == k + 1);
    } else {
      CHECK(msg.find("lines left in the file can hold") != std::string::npos);
      CHECK(line >= 1);
      CHECK(line <= k);
    }
  }
  std::string msg;
  CHECK(error_line(join_lines(std::vector<std::string>(lines.begin(), lines.begin() + 60)), &msg) == 61);
  CHECK(msg == "line 61: expected an integer (object owner) but found the end of the file");
  CHECK(error_line(join_lines(std::vector<std::string>(lines.begin(), lines.begin() + 72)), &msg) == 73);
  CHECK(msg == "line 73: expected the '.' line ending a verb program but found the end of the file");
  // Cut in the middle of a line, and toastcore cut in half.
  CHECK(error_line(minimal().substr(0, 100)) > 0);
  std::string toast = slurp(data_path("toastcore.db"));
  CHECK(error_line(toast.substr(0, toast.size() / 2), &msg) > 0);
}

TEST_CASE("a non-number where a number is expected", "[textdump][errors]") {
  std::string msg;
  CHECK(error_line(with_line(minimal(), 10, "abc"), &msg) == 10);
  CHECK(msg == "line 10: expected an integer (object flags) but found 'abc'");
  CHECK(error_line(with_line(minimal(), 24, "2x"), &msg) == 24);  // #0's property value count
  CHECK(msg == "line 24: expected an integer (property value count) but found '2x'");
  CHECK(error_line(with_line(minimal(), 5, " 1"), &msg) == 5);
  CHECK(msg.find("(player count)") != std::string::npos);
  CHECK(error_line(with_line(minimal(), 2, "99999999999999999999")) == 2);  // overflow
  // A value: a float that is not one.
  std::string toast = slurp(data_path("toastcore.db"));
  std::vector<std::string> lines = split_lines(toast);
  size_t wiz = std::find(lines.begin(), lines.end(), "#2") - lines.begin() + 1;
  REQUIRE(lines[wiz] == "Wizard");
  CHECK(error_line(with_line(toast, wiz + 4, "1x"), &msg) == wiz + 4);  // location type code
  CHECK(msg == "line " + std::to_string(wiz + 4) + ": expected an integer (value type) but found '1x'");
  CHECK(error_line(with_line(toast, wiz + 4, "77"), &msg) == wiz + 4);
  CHECK(msg.find("unknown value type code 77") != std::string::npos);
}

TEST_CASE("absurd counts", "[textdump][errors]") {
  std::string msg;
  CHECK(error_line(with_line(minimal(), 2, "999999999"), &msg) == 2);
  CHECK(msg == "line 2: object count 999999999 is more than the 74 lines left in the file can hold");
  CHECK(error_line(with_line(minimal(), 18, "1000000"), &msg) == 18);  // verb count
  CHECK(msg.find("verb count 1000000 is more than") != std::string::npos);
  CHECK(error_line(with_line(minimal(), 5, "-1"), &msg) == 5);
  CHECK(msg == "line 5: expected a count (player count) but found -1");
  // #0 given one property value: a list claiming a billion elements.
  CHECK(error_line(with_line(minimal(), 24, "1\n4\n1000000000"), &msg) == 26);
  CHECK(msg.find("list length 1000000000 is more than") != std::string::npos);
  // Lists and maps nest to any depth (test_deep_values.cpp), but waifs
  // inside waifs' properties are read recursively, so they are bounded.
  std::string deep = "1";
  for (int i = 0; i < 1001; ++i) deep += "\n13\nc 0\n1\n2\n1\n0";
  CHECK(error_line(with_line(minimal(), 24, deep), &msg) > 0);
  CHECK(msg.find("waifs nested more than 1000 deep") != std::string::npos);
}

TEST_CASE("hierarchy errors name the object and its line", "[textdump][errors]") {
  std::string msg;
  // #1's parent set to #0: #0 -> #1 -> #0.
  CHECK(error_line(with_line(minimal(), 33, "0"), &msg) == 7);
  CHECK(msg == "line 7: object #0: cycle in its parent chain");
  // #3 in a location that does not exist.
  CHECK(error_line(with_line(minimal(), 62, "9"), &msg) == 57);
  CHECK(msg == "line 57: object #3: location #9 is not a valid object");
  // #3 says it is in #2 but #2's contents are empty.
  CHECK(error_line(with_line(minimal(), 45, "-1"), &msg) == 57);
  CHECK(msg == "line 57: object #3: not on the contents list of its location #2");
  // #2's next sibling should be #3.
  CHECK(error_line(with_line(minimal(), 49, "-1"), &msg) == 57);
  CHECK(msg == "line 57: object #3: not on the child list of its parent #1");
  // A sibling chain running back on itself.
  CHECK(error_line(with_line(minimal(), 49, "0"), &msg) == 25);
  CHECK(msg == "line 25: object #1: cycle in its child chain");
  // A property value too many.
  CHECK(error_line(with_line(minimal(), 24, "1\n0\n5\n3\n5"), &msg) == 7);
  CHECK(msg == "line 7: object #0: has 1 property values but it and its ancestors define 0 properties");
  // Objects out of order.
  CHECK(error_line(with_line(minimal(), 25, "#5"), &msg) == 25);
  CHECK(msg == "line 25: expected object #1 but found #5");
  // A program for a verb that does not exist.
  CHECK(error_line(with_line(minimal(), 71, "#1:0"), &msg) == 71);
  CHECK(msg == "line 71: program for verb 0 of #1, which has 0 verbs");
}

TEST_CASE("format-17 hierarchy errors", "[textdump][errors]") {
  std::string toast = slurp(data_path("toastcore.db"));
  std::vector<std::string> lines = split_lines(toast);
  size_t wiz = std::find(lines.begin(), lines.end(), "#2") - lines.begin() + 1;
  // #2's location is OBJ #15 (type line wiz+4, number wiz+5): say #2 instead.
  REQUIRE(lines[wiz + 4 - 1] == "1");
  REQUIRE(lines[wiz + 5 - 1] == "15");
  std::string msg;
  CHECK(error_line(with_line(toast, wiz + 5, "2"), &msg) == wiz);
  CHECK(msg.find("object #2: cycle in its location chain") != std::string::npos);
  CHECK(error_line(with_line(toast, wiz + 5, "1000"), &msg) == wiz);
  CHECK(msg.find("object #2: location #1000 is not a valid object") != std::string::npos);
  // The location as a string.
  CHECK(error_line(with_line(with_line(toast, wiz + 4, "2"), wiz + 5, "x"), &msg) == wiz);
  CHECK(msg.find("object #2: location is not an object") != std::string::npos);
}

TEST_CASE("writing what a format cannot hold", "[textdump][errors]") {
  WorldImage im = read_textdump_file(data_path("Minimal.db"));
  CHECK_THROWS_WITH(write_textdump(im, 5), "cannot write format 5 (only 1-4 and 17)");
  for (Object& o : im.objects) o.v4.reset();
  im.objects[3].parents = make_list({Value::obj(1), Value::obj(2)});
  CHECK_THROWS_WITH(write_textdump(im, 4), "cannot write object #3 in format 4: it has 2 parents");
  CHECK_NOTHROW(write_textdump(im, 17));
}

TEST_CASE("mutated files read or fail cleanly", "[textdump][errors]") {
  // Lines replaced, deleted or repeated at random (a fixed seed): each file
  // either reads (and writes back) or throws a TextdumpError with a line.
  const char* replacements[] = {"", "-1", "0", "1", "4", "10", "12", "13", "999999", "x", "#0", ".", "c 0",
                                "1 suspended tasks", "2147483648", "-9223372036854775808"};
  uint64_t seed = 12345;
  auto rnd = [&](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  std::string toast = slurp(data_path("toastcore.db"));
  // The first 1200 lines of toastcore: its task sections and first objects.
  std::vector<std::string> toast_head = split_lines(toast);
  toast_head.resize(1200);
  for (const auto& base : {split_lines(minimal()), toast_head}) {
    size_t read = 0, failed = 0;
    for (int round = 0; round < 400; ++round) {
      std::vector<std::string> lines = base;
      for (int k = 0, n = 1 + int(rnd(3)); k < n; ++k) {
        size_t i = rnd(lines.size());
        switch (rnd(3)) {
          case 0: lines[i] = replacements[rnd(std::size(replacements))]; break;
          case 1: lines.erase(lines.begin() + long(i)); break;
          default: lines.insert(lines.begin() + long(i), lines[i]); break;
        }
      }
      std::string text = join_lines(lines);
      try {
        WorldImage im = read_textdump(std::string_view(text));
        ++read;
        try {
          write_textdump(im, im.format <= 4 ? im.format : 17);
        } catch (const TextdumpError&) {
        }
      } catch (const TextdumpError& e) {
        ++failed;
        CHECK(e.line() >= 1);
        CHECK(e.line() <= lines.size() + 1);
      }
    }
    CHECK(read + failed == 400);
  }
}
