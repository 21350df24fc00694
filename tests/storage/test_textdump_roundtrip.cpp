// Round trips: read, write, read again; byte-for-byte where the format allows.
#include <catch2/catch.hpp>

#include <sstream>

#include "lang/map.h"
#include "util.h"

using namespace echo;
using namespace echo::storage;
using storage_test::data_path;
using storage_test::slurp;
using storage_test::world_difference;

namespace {

// A format-17 file with what the sample databases lack: multiple parents,
// an anonymous object, a waif, ANON references, a map, a boolean, a float,
// last_move, a forked, a suspended and an interrupted task (the last with a
// builtin's saved state this reader does not know), an empty program.
const char* kToast17 = R"(** LambdaMOO Database, Format Version 17 **
1
2
1 values pending finalization
12
4
0 clocks
1 queued tasks
0 3 1700000000 77
0
-111
1
2
1
2
1
2 -7 -8 2 -9 2 2 -10 1
No
More
Parse
Infos
tick
tick
1 variables
x
0
5
return x;
.
1 suspended tasks
1700000001 78 0
42
10
0
0 -1 0 50
language version 17
suspend(5);
.
1 variables
y
9
1.5
0 rt_stack slots in use
0
-111
1
2
1
2
0
2 -7 -8 2 -9 2 2 -10 1
No
More
Parse
Infos
wait
wait
6
10 1 9
suspend
1 interrupted tasks
79 interrupted reading task
10
0
0 -1 0 50
language version 17
x = read();
.
0 variables
0 rt_stack slots in use
0
-111
1
2
1
2
0
2 -7 -8 2 -9 2 2 -10 1
No
More
Parse
Infos
ask
ask
6
8 1 7
read
some builtin's
saved state
1 active connections with listeners
2 0
4
#0
System Object
0
2
1
-1
10
0
4
0
1
1
4
0
1
do_login_command
2
173
-1
0
2
5
2
5
10
2
0
1
9
2.5
2
a
14
1
2
5
#1
Root Class
16
2
1
-1
10
0
4
0
1
-1
4
3
1
0
1
2
1
3
0
2
description
w
2
2
root
2
5
13
c 0
1
2
1
0
0
7
-1
.
2
5
#2
Wizard
7
2
1
3
10
2
2
source
1
-1
2
time
0
1700000000
4
0
4
2
1
1
1
3
4
0
0
0
3
4
2
0
1
12
4
2
5
5
2
5
5
2
5
#3
The First Room
0
2
1
-1
10
0
4
1
1
2
1
1
4
1
1
2
2
look
2
5
-1
empty
2
5
-1
1
color
3
2
red
2
5
12
4
2
5
5
2
5
1
#4

256
2
1
-1
10
0
4
0
1
1
4
0
0
0
2
5
2
5
5
2
5
0
3
#0:0
return #2;
.
#3:0
player:tell("You see a room.");
return 1;
.
#3:1
.
)";

}  // namespace

TEST_CASE("each sample database written back in its own format is the same file", "[textdump]") {
  for (const char* name : {"Minimal.db", "LambdaCore-latest.db", "enCore.db", "toastcore.db"}) {
    INFO(name);
    std::string text = slurp(data_path(name));
    WorldImage im = read_textdump(std::string_view(text));
    std::string out = write_textdump(im, im.format);
    CHECK(out.size() == text.size());
    CHECK(out == text);
    WorldImage again = read_textdump(std::string_view(out));
    CHECK(first_difference(im, again) == "");
    // Through a stream too.
    std::ostringstream os;
    write_textdump(im, os, im.format);
    CHECK(os.str() == out);
  }
}

TEST_CASE("format-4 databases through format 17 and back", "[textdump]") {
  for (const char* name : {"Minimal.db", "LambdaCore-latest.db", "enCore.db"}) {
    INFO(name);
    std::string text = slurp(data_path(name));
    WorldImage im = read_textdump(std::string_view(text));
    std::string t17 = write_textdump(im, 17);
    WorldImage im17 = read_textdump(std::string_view(t17));
    CHECK(im17.format == 17);
    CHECK(world_difference(im, im17, true) == "");
    // The task sections cannot cross formats: written empty.
    CHECK(im17.section("queued tasks")->count == 0);
    // Back to format 4: the objects and programs come back byte for byte
    // (the format-4 links are rebuilt from the lists); the task sections are
    // the empty ones.
    std::string t4 = write_textdump(im17, im.format);
    std::string tasks = "0 clocks\n";
    size_t end_old = text.find(tasks), end_new = t4.find(tasks);
    REQUIRE(end_old != std::string::npos);
    REQUIRE(end_new != std::string::npos);
    CHECK(t4.substr(0, end_new) == text.substr(0, end_old));
  }
}

TEST_CASE("toastcore.db through format 4 and back", "[textdump]") {
  std::string text = slurp(data_path("toastcore.db"));
  WorldImage im = read_textdump(std::string_view(text));
  std::string t4 = write_textdump(im, 4);
  WorldImage im4 = read_textdump(std::string_view(t4));
  CHECK(im4.format == 4);
  CHECK(world_difference(im, im4, false) == "");  // last_move is dropped
  WorldImage back = read_textdump(std::string_view(write_textdump(im4, 17)));
  CHECK(world_difference(im, back, false) == "");
}

TEST_CASE("a format-17 file with waifs, anonymous objects and tasks", "[textdump]") {
  WorldImage im = read_textdump(std::string_view(kToast17));
  CHECK(im.format == 17);
  CHECK(im.players == std::vector<Objid>{2});
  REQUIRE(im.objects.size() == 4);
  REQUIRE(im.anonymous.size() == 1);
  CHECK(im.anonymous[0].id == 4);
  CHECK(im.anonymous[0].flags == kFlagAnonymous);
  CHECK(im.anonymous_batches == std::vector<size_t>{1});
  CHECK(im.find(4) == &im.anonymous[0]);

  const Object& sys = *im.find(0);
  REQUIRE(sys.propvals.size() == 2);
  CHECK(sys.propvals[0].value.value.type() == Type::Clear);
  const Value& m = sys.propvals[1].value.value;
  REQUIRE(m.is_map());
  CHECK(to_literal(m) == "[1 -> 2.5, \"a\" -> true]");

  const Object& root = *im.find(1);
  CHECK(object_list(root.children) == std::vector<Objid>{0, 2, 3});
  REQUIRE(root.propvals.size() == 2);
  CHECK(root.propvals[0].value.value.as_str() == "root");
  CHECK(root.propvals[1].value.raw == "13\nc 0\n1\n2\n1\n0\n0\n7\n-1\n.\n");

  const Object& wiz = *im.find(2);
  CHECK(wiz.parents.is_list());
  CHECK(object_list(wiz.parents) == std::vector<Objid>{1, 3});
  CHECK(to_literal(wiz.last_move.value) == "[\"source\" -> #-1, \"time\" -> 1700000000]");
  REQUIRE(wiz.propvals.size() == 3);
  CHECK(wiz.propvals[0].value.raw == "4\n2\n0\n1\n12\n4\n");

  const Object& room = *im.find(3);
  CHECK(room.propdefs == std::vector<std::string>{"color"});
  CHECK(room.propvals[1].value.raw == "12\n4\n");
  REQUIRE(room.verbs.size() == 2);
  CHECK(room.verbs[0].program == std::optional<std::string>("player:tell(\"You see a room.\");\nreturn 1;\n"));
  CHECK(room.verbs[1].program == std::optional<std::string>(""));

  REQUIRE(im.sections.size() == 6);
  CHECK(im.section("values pending finalization")->text == "1 values pending finalization\n12\n4\n");
  CHECK(im.section("queued tasks")->checked);
  CHECK(im.section("suspended tasks")->checked);
  CHECK(im.section("suspended tasks")->count == 1);
  // The unknown saved state of read(): the section is found, not checked.
  CHECK_FALSE(im.section("interrupted tasks")->checked);
  CHECK(im.section("interrupted tasks")->text.ends_with("read\nsome builtin's\nsaved state\n"));
  CHECK(im.section("active connections")->count == 1);

  // Byte for byte back, and equal when read again.
  std::string out = write_textdump(im, 17);
  CHECK(out == kToast17);
  CHECK(first_difference(im, read_textdump(std::string_view(out))) == "");

  // Format 4 cannot hold two parents, nor waifs / anonymous references.
  CHECK_THROWS_AS(write_textdump(im, 4), TextdumpError);
  WorldImage single = im;
  single.objects[2].parents = Value::obj(1);
  single.objects[3].children = Value::empty_list();
  CHECK_THROWS_WITH(write_textdump(single, 4), Catch::Contains("anonymous object or a waif"));
}

TEST_CASE("a format-4 suspended task with builtin frames", "[textdump]") {
  std::string minimal = slurp(data_path("Minimal.db"));
  std::string head = minimal.substr(0, minimal.find("0 clocks\n"));
  head.replace(0, head.find('\n'), "** LambdaMOO Database, Format Version 4 **");
  std::string frame_pi =
      "0\n-111\n2 -7 -8 3 -9 3 2 -10 1\nNo\nMore\nParse\nInfos\nmove\nmove\n";
  std::string tail = "0 clocks\n0 queued tasks\n1 suspended tasks\n1700000001 78\n1 -1 0\n"
                     "language version 4\nmove(player, #2);\n.\n0 variables\n0 rt_stack slots in use\n" +
                     frame_pi + "6\n3 1 3\ncall_function\nbf_call_function data: fname = move\n"
                     "bf_move data: what = 3, where = 2\n"
                     "language version 4\nsuspend(1);\n.\n1 variables\nthis\n1\n2\n1 rt_stack slots in use\n0\n7\n" +
                     frame_pi + "6\n5 1\nsuspend\n1 active connections\n3\n";
  std::string text = head + tail;
  WorldImage im = read_textdump(std::string_view(text));
  CHECK(im.format == 4);
  REQUIRE(im.section("suspended tasks"));
  CHECK(im.section("suspended tasks")->checked);
  CHECK(im.section("active connections")->text == "1 active connections\n3\n");
  CHECK(write_textdump(im, 4) == text);
  // Across formats the suspended task is not carried, the connection is.
  WorldImage im17 = read_textdump(std::string_view(write_textdump(im, 17)));
  CHECK(im17.section("suspended tasks")->count == 0);
  CHECK(im17.section("active connections")->text == "1 active connections\n3\n");
}

TEST_CASE("an image changed in memory writes consistent format-4 links", "[textdump]") {
  WorldImage im = read_textdump_file(data_path("Minimal.db"));
  // Move the Wizard out of the First Room; drop the format-4 words.
  for (Object& o : im.objects) o.v4.reset();
  im.objects[3].location = Value::obj(kNothing);
  im.objects[2].contents = Value::empty_list();
  validate_hierarchy(im);
  WorldImage back = read_textdump(std::string_view(write_textdump(im, 4)));
  CHECK(back.objects[3].v4->location == kNothing);
  CHECK(back.objects[2].v4->contents == kNothing);
  CHECK(back.objects[0].v4->sibling == 2);
  CHECK(back.objects[2].v4->sibling == 3);
  CHECK(world_difference(im, back, true) == "");
}

TEST_CASE("recycled objects", "[textdump]") {
  std::string minimal = slurp(data_path("Minimal.db"));
  std::string text = storage_test::with_line(minimal, 2, "6");
  text = storage_test::with_line(text, 70, "0\n#4 recycled\n# 5 recycled");  // after #3's last line
  WorldImage im = read_textdump(std::string_view(text));
  REQUIRE(im.objects.size() == 6);
  CHECK(im.recycled_count() == 2);
  CHECK(im.objects[4].recycled);
  CHECK(im.find(4) == nullptr);
  CHECK(im.find(3) != nullptr);
  // Written back as read; in format 17 as ToastStunt writes them.
  CHECK(write_textdump(im, 1) == text);
  CHECK(im.objects[5].recycled_spaced);
  im.objects[5].recycled_spaced = false;
  CHECK(write_textdump(im, 1) == storage_test::with_line(text, 72, "#5 recycled"));
  std::string t17 = write_textdump(im, 17);
  CHECK(t17.find("\n# 4 recycled\n# 5 recycled\n") != std::string::npos);
  WorldImage im17 = read_textdump(std::string_view(t17));
  CHECK(storage_test::world_difference(im, im17, true) == "");
  // A program for a recycled object is an error.
  std::string msg;
  CHECK(storage_test::error_line(storage_test::with_line(text, 73, "#4:0"), &msg) == 73);
  CHECK(msg == "line 73: program for #4:0, which is not an object");
}
