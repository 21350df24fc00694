// Reading the sample databases: counts and known facts.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "util.h"

using namespace echo;
using namespace echo::storage;
using storage_test::data_path;
using storage_test::slurp;

namespace {

const Object& obj(const WorldImage& im, Objid id) {
  REQUIRE(im.find(id) != nullptr);
  return *im.find(id);
}

const Verb* find_verb(const Object& o, std::string_view names) {
  for (const Verb& v : o.verbs)
    if (v.names == names) return &v;
  return nullptr;
}

}  // namespace

TEST_CASE("Minimal.db, format 1", "[textdump]") {
  WorldImage im = read_textdump_file(data_path("Minimal.db"));
  CHECK(im.format == 1);
  CHECK(im.objects.size() == 4);
  CHECK(im.recycled_count() == 0);
  CHECK(im.verb_count() == 2);
  CHECK(im.program_count() == 1);
  CHECK(im.propdef_count() == 0);
  CHECK(im.players == std::vector<Objid>{3});

  CHECK(obj(im, 0).name == "System Object");
  CHECK(obj(im, 1).name == "Root Class");
  CHECK(obj(im, 2).name == "The First Room");
  const Object& wizard = obj(im, 3);
  CHECK(wizard.name == "Wizard");
  CHECK(wizard.flags == (kFlagUser | kFlagProgrammer | kFlagWizard));
  CHECK(wizard.owner == 3);
  CHECK(object_list(wizard.location) == std::vector<Objid>{2});
  CHECK(object_list(obj(im, 2).contents) == std::vector<Objid>{3});
  CHECK(object_list(obj(im, 1).children) == std::vector<Objid>{0, 2, 3});
  CHECK(object_list(obj(im, 0).parents) == std::vector<Objid>{1});
  CHECK(object_list(obj(im, 1).parents).empty());
  REQUIRE(obj(im, 0).v4.has_value());
  CHECK(obj(im, 0).v4->sibling == 2);

  const Verb& login = obj(im, 0).verbs.at(0);
  CHECK(login.names == "do_login_command");
  CHECK(login.owner == 3);
  CHECK(login.perms == 173);
  CHECK(login.access() == (kVerbRead | kVerbExec | kVerbDebug));
  CHECK(login.dobj() == kArgThis);
  CHECK(login.iobj() == kArgThis);
  CHECK(login.prep == kPrepNone);
  CHECK(login.program == std::optional<std::string>("return #3;\n"));
  const Verb& eval = obj(im, 2).verbs.at(0);
  CHECK(eval.names == "eval");
  CHECK(eval.prep == kPrepAny);
  CHECK(eval.dobj() == kArgAny);
  CHECK(eval.iobj() == kArgAny);
  CHECK_FALSE(eval.program.has_value());

  REQUIRE(im.sections.size() == 3);  // no "active connections" line in this old file
  CHECK(im.sections[0].name == "clocks");
  CHECK(im.sections[1].text == "0 queued tasks\n");
  CHECK(im.sections[2].name == "suspended tasks");
  CHECK(im.trailing.empty());
}

TEST_CASE("LambdaCore-latest.db, format 4", "[textdump]") {
  WorldImage im = read_textdump_file(data_path("LambdaCore-latest.db"));
  CHECK(im.format == 4);
  CHECK(im.objects.size() == 97);
  CHECK(im.verb_count() == 1728);
  CHECK(im.program_count() == 1727);
  CHECK(im.propdef_count() == 13477);
  CHECK(im.propval_count() == 15148);
  CHECK(im.players.size() == 5);
  CHECK(obj(im, 0).name == "The System Object");
  const Object& wizard = obj(im, 2);
  CHECK(wizard.name == "Wizard");
  CHECK(wizard.flags == 7);
  CHECK(wizard.owner == 2);
  CHECK(std::find(im.players.begin(), im.players.end(), 2) != im.players.end());

  // The one forked task is kept verbatim; its layout was checked.
  const RawSection* queued = im.section("queued tasks");
  REQUIRE(queued);
  CHECK(queued->count == 1);
  CHECK(queued->checked);
  CHECK(queued->text.find("feature:player_disconnected(player, @args);\n") != std::string::npos);
  REQUIRE(im.section("active connections"));
  CHECK(im.section("active connections")->text == "0 active connections with listeners\n");
}

TEST_CASE("enCore.db, format 4", "[textdump]") {
  WorldImage im = read_textdump_file(data_path("enCore.db"));
  CHECK(im.format == 4);
  CHECK(im.objects.size() == 165);
  CHECK(im.verb_count() == 2494);
  CHECK(im.program_count() == 2490);
  CHECK(im.players.size() == 4);
  CHECK(obj(im, 2).name == "Wizard");
  CHECK(obj(im, 2).flags == 7);
  REQUIRE(im.section("active connections"));
  CHECK(im.section("active connections")->count == 1);
  CHECK(im.section("active connections")->text == "1 active connections with listeners\n2 0\n");
}

TEST_CASE("toastcore.db, format 17", "[textdump]") {
  WorldImage im = read_textdump_file(data_path("toastcore.db"));
  CHECK(im.format == 17);
  CHECK(im.objects.size() == 127);
  CHECK(im.verb_count() == 1954);
  CHECK(im.program_count() == 1950);
  CHECK(im.players == std::vector<Objid>{2, 71, 36, 38, 96, 98});
  CHECK(im.anonymous.empty());
  const Object& wizard = obj(im, 2);
  CHECK(wizard.name == "Wizard");
  CHECK(wizard.flags == 7);
  CHECK(wizard.owner == 2);
  CHECK(wizard.location.is_obj());
  CHECK(wizard.location.as_obj() == 15);
  CHECK_FALSE(wizard.v4.has_value());
  REQUIRE(!wizard.last_move.is_raw());
  CHECK(wizard.last_move.value.is_map());

  std::vector<std::string> names;
  for (const RawSection& s : im.sections) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"values pending finalization", "clocks", "queued tasks", "suspended tasks",
                                          "interrupted tasks", "active connections"});
  CHECK(im.section("queued tasks")->count == 4);
  CHECK(im.section("queued tasks")->checked);
  CHECK(im.section("queued tasks")->line == 11);

  const Verb* v = find_verb(obj(im, 0), "do_login_command");
  REQUIRE(v);
  CHECK(v->program.has_value());
}

TEST_CASE("progress is reported about every 1% and ends at the total", "[textdump]") {
  std::string text = slurp(data_path("LambdaCore-latest.db"));
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  read_textdump(std::string_view(text), [&](uint64_t done, uint64_t total) { calls.push_back({done, total}); });
  REQUIRE(calls.size() >= 2);
  CHECK(calls.size() <= 110);
  for (size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first >= calls[i - 1].first);
  for (auto& c : calls) CHECK(c.second == text.size());
  CHECK(calls.back().first == text.size());

  // The istream entry point reads the same.
  std::istringstream in(text);
  WorldImage a = read_textdump(in);
  WorldImage b = read_textdump(std::string_view(text));
  CHECK(first_difference(a, b).empty());
}

TEST_CASE("read and write times", "[textdump][timing]") {
  for (const char* name : {"LambdaCore-latest.db", "enCore.db", "toastcore.db", "Minimal.db"}) {
    std::string text = slurp(data_path(name));
    auto t0 = std::chrono::steady_clock::now();
    WorldImage im = read_textdump(std::string_view(text));
    auto t1 = std::chrono::steady_clock::now();
    std::string out = write_textdump(im, im.format <= 4 ? im.format : 17);
    auto t2 = std::chrono::steady_clock::now();
    double read_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    double write_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
    std::printf("textdump %-22s %8zu bytes: read %7.2f ms (%6.1f MB/s), write %7.2f ms\n", name, text.size(), read_ms,
                text.size() / 1e3 / std::max(read_ms, 1e-3), write_ms);
#if defined(__SANITIZE_ADDRESS__)
    CHECK(read_ms < 10000);
#else
    CHECK(read_ms < 1000);
#endif
  }
}
