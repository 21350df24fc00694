// The command parser, object matcher and command verb search
// (lang/world/command.h) on a small World built here; nothing is read from
// disk.
#include <catch2/catch.hpp>

#include "lang/world/command.h"

using namespace echo;

namespace {

using Words = std::vector<std::string>;

// #0 system, #1 root (defines `aliases` = {}), #2 room "The Room",
// #3 generic player, #4 player "Wizard" (child of #3) in the room,
// #5 "ball" carried by #4 (aliases "sphere", 5, "orb"), #6 "red box" and
// #7 "blue box" in the room (both aliased "box"; #6 also "crate"), #8 "lamp"
// and #9 "lampshade" in the room, #10 generic gadget (nowhere, aliases
// "widget"), #11 "gizmo" (child of #10, inherits "widget") in the room.
struct World1 {
  World w;
  World1() {
    w.create({}, NOTHING);                     // #0
    w.create({}, NOTHING);                     // #1
    REQUIRE(w.add_propdef(1, "aliases", Value::empty_list(), NOTHING, PF_READ));
    obj("The Room", {1});                      // #2
    obj("generic player", {1});                // #3
    obj("Wizard", {3}, 2);                     // #4
    w.set_player_flag(4, true);
    obj("ball", {1}, 4, make_list({Value::str("sphere"), Value::integer(5), Value::str("orb")}));  // #5
    obj("red box", {1}, 2, make_list({Value::str("box"), Value::str("crate")}));  // #6
    obj("blue box", {1}, 2, make_list({Value::str("box")}));  // #7
    obj("lamp", {1}, 2);                       // #8
    obj("lampshade", {1}, 2);                  // #9
    obj("generic gadget", {1}, NOTHING, make_list({Value::str("widget")}));  // #10
    obj("gizmo", {10}, 2);                     // #11
  }
  int64_t obj(std::string name, std::vector<int64_t> parents, int64_t where = NOTHING,
              Value aliases = Value::clear()) {
    int64_t id = w.create(parents, NOTHING);
    w.get_mut(id)->name = std::move(name);
    w.move(id, where);
    if (aliases.type() != Type::Clear) REQUIRE(w.set_prop(id, "aliases", aliases));
    return id;
  }
  // Adds a verb (no code needed: the search never runs it); returns its
  // 0-based index.
  int verb(int64_t on, std::string names, int8_t dobj, int prep, int8_t iobj, uint8_t perms = 0) {
    Verb v;
    v.names = std::move(names);
    v.owner = 4;
    v.perms = perms;
    v.dobj = dobj;
    v.prep = prep;
    v.iobj = iobj;
    return w.add_verb(on, std::move(v)) - 1;
  }
  int64_t match(std::string_view s, int64_t player = 4) { return match_object(w, player, s); }
  // Parses, matches and searches as do_command_task does; "this:definer"
  // (with "!huh" for the fallback) or "none".
  std::string run(std::string_view line, int64_t player = 4, bool huh = true) {
    ParsedCommand pc = parse_command(line);
    REQUIRE_FALSE(pc.empty);
    int64_t loc = w.valid(player) ? w.get(player)->location : NOTHING;
    auto t = find_command_verb(w, player, loc, pc, match(pc.dobjstr, player), match(pc.iobjstr, player), huh);
    if (!t) return "none";
    return std::to_string(t->this_obj) + ":" + std::to_string(t->definer) + (t->huh ? "!huh" : "");
  }
};

}  // namespace

TEST_CASE("command: blank lines", "[command]") {
  CHECK(parse_command("").empty);
  CHECK(parse_command("    ").empty);
  // A lone backslash is one empty word: a command whose verb is "".
  ParsedCommand pc = parse_command("\\");
  CHECK_FALSE(pc.empty);
  CHECK(pc.verb == "");
  CHECK(parse_command("look").words.empty());
}

TEST_CASE("command: the say/emote/eval shortcuts", "[command]") {
  ParsedCommand pc = parse_command("\"hello there");
  CHECK(pc.verb == "say");
  CHECK(pc.argstr == "hello there");
  CHECK(pc.words == Words{"hello", "there"});
  // argstr is everything after the character, spaces and all.
  pc = parse_command("   \"  spaced out ");
  CHECK(pc.verb == "say");
  CHECK(pc.argstr == "  spaced out ");
  CHECK(pc.words == Words{"spaced", "out"});
  pc = parse_command(":waves.");
  CHECK(pc.verb == "emote");
  CHECK(pc.argstr == "waves.");
  CHECK(pc.words == Words{"waves."});
  pc = parse_command(";1 + 1");
  CHECK(pc.verb == "eval");
  CHECK(pc.argstr == "1 + 1");
  CHECK(pc.words == Words{"1", "+", "1"});
  pc = parse_command(";\"a b\"");
  CHECK(pc.argstr == "\"a b\"");
  CHECK(pc.words == Words{"a b"});
  pc = parse_command("\"");
  CHECK(pc.verb == "say");
  CHECK(pc.argstr == "");
  CHECK(pc.words.empty());
  // Only as the first character.
  CHECK(parse_command("x \"y").verb == "x");
  // The words after a shortcut are searched for prepositions too.
  pc = parse_command("\"look at me");
  CHECK(pc.prep == 1);
  CHECK(pc.dobjstr == "look");
  CHECK(pc.iobjstr == "me");
}

TEST_CASE("command: words, quoting and backslashes", "[command]") {
  CHECK(parse_words("  a   b  ") == Words{"a", "b"});
  CHECK(parse_words("say \"hello world\" again") == Words{"say", "hello world", "again"});
  CHECK(parse_words("say a\\ b c\\\"d") == Words{"say", "a b", "c\"d"});
  CHECK(parse_words("x foo\"bar baz\"qux") == Words{"x", "foobar bazqux"});
  CHECK(parse_words("x \"\" y") == Words{"x", "", "y"});
  CHECK(parse_words("x \"a b") == Words{"x", "a b"});  // unterminated
  CHECK(parse_words("x y\\") == Words{"x", "y"});        // trailing backslash dropped
  CHECK(parse_words("x \\\\") == Words{"x", "\\"});

  ParsedCommand pc = parse_command("say \"hello world\" again");
  CHECK(pc.argstr == "\"hello world\" again");
  CHECK(pc.words == Words{"hello world", "again"});
  CHECK(pc.dobjstr == "hello world again");
  // The verb word may be quoted or escaped; argstr starts after it.
  pc = parse_command("\"\"quoted verb\" x");
  CHECK(pc.verb == "say");
  pc = parse_command("a\"b c\"d  rest of it");
  CHECK(pc.verb == "ab cd");
  CHECK(pc.argstr == "rest of it");
  pc = parse_command("a\\ b  c");
  CHECK(pc.verb == "a b");
  CHECK(pc.argstr == "c");
  pc = parse_command("  look   at    me  ");
  CHECK(pc.verb == "look");
  CHECK(pc.argstr == "at    me  ");
  CHECK(pc.words == Words{"at", "me"});
}

TEST_CASE("command: all fifteen prepositions and their alternatives", "[command]") {
  struct Case { const char* prep; int index; };
  const Case cases[] = {
      {"with", 0},   {"using", 0},       {"at", 1},          {"to", 1},         {"in front of", 2},
      {"in", 3},     {"inside", 3},      {"into", 3},        {"on top of", 4},  {"on", 4},
      {"onto", 4},   {"upon", 4},        {"out of", 5},      {"from inside", 5}, {"from", 5},
      {"over", 6},   {"through", 7},     {"under", 8},       {"underneath", 8}, {"beneath", 8},
      {"behind", 9}, {"beside", 10},     {"for", 11},        {"about", 11},     {"is", 12},
      {"as", 13},    {"off", 14},
  };
  for (const Case& c : cases) {
    INFO(c.prep);
    ParsedCommand pc = parse_command(std::string("put the ball ") + c.prep + " the big box");
    CHECK(pc.prep == c.index);
    CHECK(pc.dobjstr == "the ball");
    CHECK(pc.prepstr == c.prep);
    CHECK(pc.iobjstr == "the big box");
    CHECK(match_prep(c.prep) == c.index);
  }
  // "off of": "off" is the first alternative, so it wins and "of" is left
  // in the indirect object, as in LambdaMOO.
  ParsedCommand pc = parse_command("take cup off of table");
  CHECK(pc.prep == 14);
  CHECK(pc.prepstr == "off");
  CHECK(pc.iobjstr == "of table");
}

TEST_CASE("command: preposition search order and edge cases", "[command]") {
  // The earliest word wins, whatever follows.
  ParsedCommand pc = parse_command("put x in y with z");
  CHECK(pc.prep == 3);
  CHECK(pc.dobjstr == "x");
  CHECK(pc.iobjstr == "y with z");
  // At one word, the lower-numbered preposition: "in front of" before "in".
  pc = parse_command("stand in front of door");
  CHECK(pc.prep == 2);
  CHECK(pc.prepstr == "in front of");
  pc = parse_command("stand in front door");
  CHECK(pc.prep == 3);
  CHECK(pc.iobjstr == "front door");
  pc = parse_command("get it out of box");
  CHECK(pc.prep == 5);
  CHECK(pc.prepstr == "out of");
  pc = parse_command("get it out");  // "out" alone is no preposition
  CHECK(pc.prep == PREP_NONE);
  CHECK(pc.dobjstr == "it out");
  // Case-insensitive; prepstr keeps the typed spelling.
  pc = parse_command("put ball IN Box");
  CHECK(pc.prep == 3);
  CHECK(pc.prepstr == "IN");
  CHECK(pc.iobjstr == "Box");
  // First and last positions.
  pc = parse_command("look at me");
  CHECK(pc.dobjstr == "");
  CHECK(pc.iobjstr == "me");
  pc = parse_command("put ball in");
  CHECK(pc.prep == 3);
  CHECK(pc.dobjstr == "ball");
  CHECK(pc.iobjstr == "");
  // The verb is never a preposition; quoting does not hide one.
  pc = parse_command("in box");
  CHECK(pc.prep == PREP_NONE);
  CHECK(pc.dobjstr == "box");
  pc = parse_command("put \"in\" box");
  CHECK(pc.prep == 3);
  // A quoted phrase is one word, so it is no multi-word preposition.
  pc = parse_command("put x \"in front of\" y");
  CHECK(pc.prep == PREP_NONE);
  CHECK(pc.dobjstr == "x in front of y");
  // No preposition: everything is the direct object, words joined by one space.
  pc = parse_command("get   red    ball");
  CHECK(pc.prep == PREP_NONE);
  CHECK(pc.dobjstr == "red ball");
  CHECK(pc.prepstr == "");
  CHECK(pc.iobjstr == "");
}

TEST_CASE("command: matching objects by number, me, here", "[command]") {
  World1 f;
  CHECK(f.match("") == NOTHING);
  CHECK(f.match("#5") == 5);
  CHECK(f.match("#10") == 10);  // anywhere, not only nearby
  CHECK(f.match("#99") == FAILED_MATCH);
  CHECK(f.match("#-1") == FAILED_MATCH);
  CHECK(f.match("#5x") == FAILED_MATCH);
  CHECK(f.match("#") == 0);  // strtol of "" is 0
  CHECK(f.match("me") == 4);
  CHECK(f.match("ME") == 4);
  CHECK(f.match("here") == 2);
  CHECK(f.match("Here") == 2);
  // An invalid player: numbers still match, nothing else does.
  CHECK(f.match("#5", 99) == 5);
  CHECK(f.match("me", 99) == FAILED_MATCH);
  CHECK(f.match("ball", 99) == FAILED_MATCH);
  // "here" is the location even when that is #-1.
  f.w.move(4, NOTHING);
  CHECK(f.match("here") == NOTHING);
}

TEST_CASE("command: matching objects by name and aliases", "[command]") {
  World1 f;
  CHECK(f.match("ball") == 5);       // carried
  CHECK(f.match("BALL") == 5);
  CHECK(f.match("ba") == 5);         // the only prefix match
  CHECK(f.match("sphere") == 5);     // alias
  CHECK(f.match("or") == 5);         // alias prefix; the non-string alias is skipped
  CHECK(f.match("wiz") == 4);        // the player is in the room's contents
  CHECK(f.match("red box") == 6);
  CHECK(f.match("red") == 6);
  CHECK(f.match("crate") == 6);
  CHECK(f.match("box") == AMBIGUOUS);  // exact for two objects
  CHECK(f.match("b") == AMBIGUOUS);    // prefix of ball, blue box, box
  CHECK(f.match("lamp") == 8);         // exact beats a prefix of lampshade
  CHECK(f.match("lamps") == 9);
  CHECK(f.match("la") == AMBIGUOUS);
  CHECK(f.match("widget") == 11);      // inherited aliases value
  CHECK(f.match("generic") == FAILED_MATCH);  // #10 is nowhere near
  CHECK(f.match("zzz") == FAILED_MATCH);
  CHECK(f.match("balls") == FAILED_MATCH);
  CHECK(f.match("blue") == 7);       // a prefix of #7's name only
  // Without a location only the player's own contents are searched.
  f.w.move(4, NOTHING);
  CHECK(f.match("ball") == 5);
  CHECK(f.match("lamp") == FAILED_MATCH);
}

TEST_CASE("command: verb search order", "[command]") {
  World1 f;
  f.verb(3, "poke", ASPEC_ANY, PREP_NONE, ASPEC_NONE);  // on the player's parent
  f.verb(2, "poke prod", ASPEC_ANY, PREP_NONE, ASPEC_NONE);
  f.verb(5, "poke prod grab", ASPEC_THIS, PREP_NONE, ASPEC_NONE);
  f.verb(6, "put", ASPEC_ANY, 3, ASPEC_THIS);
  // Player (through its ancestors) first, then location, dobj, iobj.
  CHECK(f.run("poke ball") == "4:3");
  CHECK(f.run("prod ball") == "2:2");
  CHECK(f.run("grab ball") == "5:5");
  CHECK(f.run("put ball into crate") == "6:6");
  CHECK(f.run("put ball on crate") == "none");  // wrong preposition, no huh
  // The dobj/iobj are only searched when they are valid objects.
  CHECK(f.run("grab box") == "none");   // AMBIGUOUS
  CHECK(f.run("grab zzz") == "none");   // FAILED_MATCH
  // Without a location: the player, then dobj/iobj.
  f.w.move(4, NOTHING);
  CHECK(f.run("prod ball") == "5:5");
}

TEST_CASE("command: verb argspecs", "[command]") {
  World1 f;
  int drop = f.verb(5, "drop", ASPEC_THIS, PREP_NONE, ASPEC_NONE);
  f.verb(2, "wave", ASPEC_ANY, PREP_NONE, ASPEC_NONE);
  f.verb(2, "hit", ASPEC_ANY, PREP_ANY, ASPEC_ANY);
  f.verb(2, "examine", ASPEC_THIS, PREP_NONE, ASPEC_NONE);
  f.verb(2, "l*ook", ASPEC_NONE, PREP_NONE, ASPEC_NONE);
  f.verb(2, "l*ook", ASPEC_NONE, 1, ASPEC_ANY);
  f.verb(8, "rub", ASPEC_NONE, 0, ASPEC_THIS);
  CHECK(f.run("drop ball") == "5:5");
  CHECK(f.run("drop ball on lamp") == "none");
  CHECK(f.run("drop sphere") == "5:5");
  CHECK(f.run("wave zzz") == "2:2");    // a failed match is "any"
  CHECK(f.run("wave box") == "2:2");    // so is an ambiguous one
  CHECK(f.run("wave") == "2:2");        // "any" accepts nothing named too
  CHECK(f.run("wave here") == "2:2");   // "any" accepts this
  CHECK(f.run("hit ball with lamp") == "2:2");
  CHECK(f.run("hit") == "2:2");         // any/any/any accepts nothing too
  CHECK(f.run("examine here") == "2:2");
  CHECK(f.run("examine ball") == "none");
  CHECK(f.run("examine") == "none");    // "this" needs the object named
  CHECK(f.run("l") == "2:2");
  CHECK(f.run("LOOK at lamp") == "2:2");
  CHECK(f.run("lo ball") == "none");
  CHECK(f.run("rub with lamp") == "8:8");  // found on the iobj
  CHECK(f.run("rub me with lamp") == "none");

  // The index is of the verb on its definer; the x bit is not needed.
  ParsedCommand pc = parse_command("drop ball");
  auto t = find_command_verb(f.w, 4, 2, pc, 5, NOTHING);
  REQUIRE(t);
  CHECK(t->index == drop);
  CHECK(t->verb == &f.w.get(5)->verbs[size_t(drop)]);
  CHECK((t->verb->perms & VF_EXEC) == 0);
  CHECK_FALSE(t->huh);
  // Both this: "put ball in ball" on the ball itself.
  f.verb(5, "stuff", ASPEC_THIS, 3, ASPEC_THIS);
  CHECK(f.run("stuff ball in orb") == "5:5");
  CHECK(f.run("stuff ball in lamp") == "none");
}

TEST_CASE("command: location:huh is the fallback", "[command]") {
  World1 f;
  f.verb(1, "huh", ASPEC_ANY, PREP_ANY, ASPEC_ANY, VF_READ);  // no x: not callable
  CHECK(f.run("xyzzy") == "none");
  f.verb(2, "huh", ASPEC_NONE, PREP_NONE, ASPEC_NONE, VF_READ | VF_EXEC);
  // Any argspecs: huh is found as a callable verb, not a command verb.
  CHECK(f.run("xyzzy ball with lamp") == "2:2!huh");
  CHECK(f.run("xyzzy", 4, false) == "none");
  f.verb(3, "xyzzy", ASPEC_NONE, PREP_NONE, ASPEC_NONE);
  CHECK(f.run("xyzzy") == "4:3");  // a real verb first
  // Inherited huh: this is the location, definer where it is defined.
  f.w.get_mut(2)->verbs.clear();
  f.w.verbs_changed();
  f.w.get_mut(1)->verbs[0].perms |= VF_EXEC;
  f.w.verbs_changed();
  CHECK(f.run("frob") == "2:1!huh");
  f.w.move(4, NOTHING);
  CHECK(f.run("frob") == "none");
}

TEST_CASE("command: a whole command on an in-memory world (no disk)", "[command]") {
  World1 f;
  int give = f.verb(3, "gi*ve hand", ASPEC_ANY, 1, ASPEC_ANY);
  ParsedCommand pc = parse_command("  hand orb TO wiz");
  REQUIRE_FALSE(pc.empty);
  CHECK(pc.verb == "hand");
  CHECK(pc.argstr == "orb TO wiz");
  CHECK(pc.words == Words{"orb", "TO", "wiz"});
  CHECK(pc.prep == 1);
  int64_t dobj = match_object(f.w, 4, pc.dobjstr), iobj = match_object(f.w, 4, pc.iobjstr);
  CHECK(dobj == 5);
  CHECK(iobj == 4);
  auto t = find_command_verb(f.w, 4, 2, pc, dobj, iobj);
  REQUIRE(t);
  CHECK(t->this_obj == 4);
  CHECK(t->definer == 3);
  CHECK(t->index == give);
}
