// The object model (lang/world): properties, verbs, permissions and the
// object builtins, run as MOO code against small worlds built in C++.
#include <catch2/catch.hpp>

#include "lang/compiler.h"
#include "lang/world/world.h"

using namespace echo;

namespace {

// #0 system (wizard-owned), #1 root (fertile), #2 wizard, #3 programmer
// (not a wizard), #4 a thing owned by the programmer, child of #1.
struct Fixture {
  World w;
  WorldHost host{w};
  Fixture() {
    w.create({}, NOTHING);          // #0
    int64_t root = w.create({}, NOTHING);  // #1
    w.get_mut(root)->set_flag(FLAG_FERTILE, true);
    int64_t wiz = w.create({root}, NOTHING);  // #2
    w.get_mut(wiz)->set_flag(FLAG_WIZARD, true);
    w.get_mut(wiz)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(wiz, true);
    int64_t prog = w.create({root}, NOTHING);  // #3
    w.get_mut(prog)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(prog, true);
    w.get_mut(0)->owner = wiz;
    w.get_mut(root)->owner = wiz;
    w.get_mut(wiz)->owner = wiz;
    w.create({root}, prog);  // #4
  }
  void verb(int64_t obj, std::string names, std::string code, int64_t owner = 2, uint8_t perms = VF_READ | VF_EXEC | VF_DEBUG) {
    Verb v;
    v.names = std::move(names);
    v.owner = owner;
    v.perms = perms;
    int i = w.add_verb(obj, std::move(v));
    auto errs = w.set_verb_code(w.get_mut(obj)->verbs[size_t(i - 1)], std::move(code));
    REQUIRE(errs.empty());
  }
  // Runs code as `progr` (also the player); returns the literal of the
  // result, "!E_XXX" for an error, "?" for a compile failure.
  std::string run(const std::string& code, int64_t progr = 2, TaskLimits limits = {}) {
    CompileResult c = compile_moo(code);
    // (std::string(...).append(): GCC 12's -Wrestrict misfires on "x" + string&&.)
    if (!c.ok()) return std::string("?").append(c.errors.front().to_string());
    Task t(c.program, &host, limits);
    t.set_identity(progr, -1, progr, "");
    switch (t.run()) {
      case TaskStatus::Done: return to_literal(t.result());
      case TaskStatus::Error: return std::string("!").append(to_literal(t.error().code));
      default: return "!aborted";
    }
  }
};

}  // namespace

TEST_CASE("world: verb name matching as verbcasecmp") {
  CHECK(verb_name_matches("foo", "foo"));
  CHECK(verb_name_matches("foo", "FOO"));
  CHECK_FALSE(verb_name_matches("foo", "fo"));
  CHECK(verb_name_matches("fo*o", "fo"));
  CHECK(verb_name_matches("fo*o", "foo"));
  CHECK_FALSE(verb_name_matches("fo*o", "fooo"));
  CHECK_FALSE(verb_name_matches("fo*o", "f"));
  CHECK(verb_name_matches("foo*", "foobar"));
  CHECK(verb_name_matches("*", "anything"));
  CHECK(verb_name_matches("*", ""));
  CHECK(verb_name_matches("get take", "take"));
  CHECK(verb_name_matches("l*ook examine", "l"));
  CHECK_FALSE(verb_name_matches("get take", "ge"));
  CHECK(verb_name_matches("\"tell\"", "\"tell\""));
}

TEST_CASE("world: prepositions") {
  CHECK(match_prep("with") == 0);
  CHECK(match_prep("using") == 0);
  CHECK(match_prep("with/using") == 0);
  CHECK(match_prep("on top of") == 4);
  CHECK(match_prep("off of") == 14);
  CHECK(match_prep("nonsense") == PREP_NONE);
  CHECK(unparse_prep(5) == "out of/from inside/from");
  CHECK(unparse_prep(PREP_ANY) == "any");
}

TEST_CASE("world: built-in properties") {
  Fixture f;
  f.w.get_mut(4)->name = "thing";
  CHECK(f.run("return #4.name;", 3) == "\"thing\"");
  CHECK(f.run("return #4.owner;", 3) == "#3");
  CHECK(f.run("return {#2.wizard, #3.wizard, #3.programmer, #1.f, #4.r};", 3) == "{1, 0, 1, 1, 0}");
  CHECK(f.run("return #99.name;", 3) == "!E_INVIND");
  CHECK(f.run("return #4.nope;", 3) == "!E_PROPNF");
  CHECK(f.run("#4.name = \"box\"; return #4.name;", 3) == "\"box\"");
  CHECK(f.run("#4.name = 5;", 3) == "!E_TYPE");
  CHECK(f.run("#1.name = \"x\";", 3) == "!E_PERM");        // not the owner
  CHECK(f.run("#3.name = \"x\";", 3) == "!E_PERM");        // players rename only by wizards
  CHECK(f.run("#3.name = \"x\"; return #3.name;", 2) == "\"x\"");
  CHECK(f.run("#4.owner = #2;", 3) == "!E_PERM");
  CHECK(f.run("#3.wizard = 1;", 3) == "!E_PERM");
  CHECK(f.run("#4.r = 1; return #4.r;", 3) == "1");
  CHECK(f.run("#4.location = #1;", 2) == "!E_PERM");
  CHECK(f.run("#4.contents = {};", 2) == "!E_PERM");
}

TEST_CASE("world: property permissions and inheritance") {
  Fixture f;
  // #1.secret: owned by the wizard, unreadable; #1.open: readable.
  REQUIRE(f.w.add_propdef(1, "secret", Value::integer(42), 2, 0));
  REQUIRE(f.w.add_propdef(1, "open", Value::str("hi"), 2, PF_READ));
  CHECK(f.run("return #1.secret;", 3) == "!E_PERM");
  CHECK(f.run("return #1.secret;", 2) == "42");  // wizard bypass
  CHECK(f.run("return #4.open;", 3) == "\"hi\"");  // inherited, clear
  CHECK(f.run("return is_clear_property(#4, \"open\");", 3) == "1");
  CHECK(f.run("#4.open = 1;", 3) == "!E_PERM");  // not writable, not the owner
  CHECK(f.run("#4.open = \"mine\"; return {#4.open, #1.open};", 2) == "{\"mine\", \"hi\"}");
  CHECK(f.run("return is_clear_property(#4, \"open\");", 3) == "0");
  CHECK(f.run("clear_property(#4, \"open\"); return #4.open;", 2) == "\"hi\"");
  CHECK(f.run("clear_property(#1, \"open\");", 2) == "!E_INVARG");  // the definer
  CHECK(f.run("return property_info(#4, \"open\");", 3) == "{#2, \"r\"}");
  CHECK(f.run("return property_info(#4, \"secret\");", 3) == "!E_PERM");
  CHECK(f.run("return property_info(#4, \"name\");", 3) == "!E_PROPNF");
  CHECK(f.run("return properties(#1);", 2) == "{\"secret\", \"open\"}");
  CHECK(f.run("return properties(#4);", 2) == "{}");
  CHECK(f.run("return properties(#1);", 3) == "!E_PERM");  // #1 is not readable
}

TEST_CASE("world: add_property, c properties and chown on create") {
  Fixture f;
  // The programmer may add to its own object, not to the wizard's.
  CHECK(f.run("add_property(#4, \"color\", \"red\", {#3, \"rc\"}); return #4.color;", 3) == "\"red\"");
  CHECK(f.run("add_property(#1, \"x\", 1, {#3, \"r\"});", 3) == "!E_PERM");
  CHECK(f.run("add_property(#4, \"y\", 1, {#2, \"r\"});", 3) == "!E_PERM");  // owner must be progr
  CHECK(f.run("add_property(#4, \"color\", 1, {#3, \"r\"});", 3) == "!E_INVARG");  // defined
  CHECK(f.run("add_property(#4, \"name\", 1, {#3, \"r\"});", 3) == "!E_INVARG");  // built in
  CHECK(f.run("add_property(#4, \"z\", 1, {#3, \"q\"});", 3) == "!E_INVARG");
  CHECK(f.run("add_property(#4, \"z\", 1, {#3});", 3) == "!E_TYPE");
  CHECK(f.run("add_property(#4, \"z\", 1, {#3, \"r\", \"n\"});", 3) == "!E_TYPE");
  // #4 is fertile for this: children created by the wizard get the c
  // property owned by the wizard, other properties keep their owner.
  f.w.get_mut(4)->set_flag(FLAG_FERTILE, true);
  CHECK(f.run("add_property(#4, \"plain\", 0, {#3, \"r\"});", 3) == "0");
  CHECK(f.run("k = create(#4); return {property_info(k, \"color\"), property_info(k, \"plain\"), k.color};",
              2) == "{{#2, \"rc\"}, {#3, \"r\"}, \"red\"}");
  // An ancestor's property name cannot be added below it.
  CHECK(f.run("add_property(#5, \"color\", 1, {#2, \"r\"});", 2) == "!E_INVARG");
  // Nor a descendant's above it.
  CHECK(f.run("add_property(#5, \"deep\", 1, {#2, \"r\"}); add_property(#4, \"deep\", 1, {#3, \"r\"});", 2) ==
        "!E_INVARG");
  CHECK(f.run("delete_property(#4, \"color\"); return #5.color;", 3) == "!E_PROPNF");
  CHECK(f.run("delete_property(#5, \"plain\");", 2) == "!E_PROPNF");  // inherited
  CHECK(f.run("set_property_info(#4, \"plain\", {#3, \"rw\", \"renamed\"}); return {#5.renamed, property_info(#4, \"renamed\")};", 3) ==
        "{0, {#3, \"rw\"}}");
  CHECK(f.run("set_property_info(#4, \"renamed\", {#2, \"rw\"});", 3) == "!E_PERM");  // giving away
}

TEST_CASE("world: create, recycle, hierarchy") {
  Fixture f;
  CHECK(f.run("return max_object();", 3) == "#4");
  // #4 is not fertile, but its owner may create from it (db_object_allows).
  CHECK(f.run("x = create(#4, #3); return {x, parent(x), x.owner, children(#4)};", 3) == "{#5, #4, #3, {#5}}");
  CHECK(f.run("return create(#2);", 3) == "!E_PERM");  // not fertile, not owner
  CHECK(f.run("return create(#1, #2);", 3) == "!E_PERM");  // owner must be progr
  CHECK(f.run("return create(#77);", 3) == "!E_PERM");
  CHECK(f.run("x = create(#-1, #-1); return x.owner == x;", 2) == "1");
  CHECK(f.run("return {valid(#5), valid(#99), valid(#-1)};", 3) == "{1, 0, 0}");
  CHECK(f.run("return {ancestors(#5), isa(#5, #1), isa(#5, #2), descendants(#1)};", 3) ==
        "{{#4, #1}, 1, 0, {#2, #3, #4, #5}}");
  CHECK(f.run("chparent(#1, #5);", 2) == "!E_RECMOVE");
  CHECK(f.run("chparent(#5, #99);", 2) == "!E_INVARG");
  CHECK(f.run("chparent(#5, #2);", 3) == "!E_PERM");  // #2 not fertile
  CHECK(f.run("chparent(#5, #-1); return {parent(#5), children(#4)};", 3) == "{#-1, {}}");
  CHECK(f.run("recycle(#1);", 3) == "!E_PERM");
  CHECK(f.run("recycle(#5); return {valid(#5), max_object()};", 3) == "{0, #6}");
  CHECK(f.run("recycle(#5);", 3) == "!E_INVARG");
  CHECK(f.run("return parent(#5);", 3) == "!E_INVARG");
  // Recycling a parent moves its children up.
  CHECK(f.run("a = create(#1); b = create(a); recycle(a); return parent(b);", 2) == "#1");
  CHECK(f.run("recycle(#6); recycle(#8); reset_max_object(); return max_object();", 2) == "#4");
  CHECK(f.run("reset_max_object();", 3) == "!E_PERM");
}

TEST_CASE("world: chparent keeps shared properties, drops old ones") {
  Fixture f;
  REQUIRE(f.w.add_propdef(1, "shared", Value::integer(1), 2, PF_READ | PF_WRITE));
  int64_t a = f.w.create({1}, 2), b = f.w.create({1}, 2), c = f.w.create({a}, 2);
  REQUIRE(f.w.add_propdef(a, "only_a", Value::integer(2), 2, PF_READ));
  REQUIRE(f.w.add_propdef(b, "only_a", Value::integer(3), 2, PF_READ));
  f.w.set_prop(c, "shared", Value::integer(9));
  f.w.set_prop(c, "only_a", Value::integer(8));
  REQUIRE(f.w.change_parents(c, {b}));
  CHECK(to_literal(f.w.slot_value(c, "shared")) == "9");
  CHECK(f.w.find_slot(c, "only_a")->value.type() == Type::Clear);
  CHECK(to_literal(f.w.slot_value(c, "only_a")) == "3");
  // A child defining a name the new parent has cannot move there.
  REQUIRE(f.w.add_propdef(c, "mine", Value::integer(0), 2, 0));
  REQUIRE(f.w.add_propdef(a, "mine", Value::integer(0), 2, 0) == true);
  CHECK_FALSE(f.w.change_parents(c, {a}));
}

TEST_CASE("world: verbs through parents, wildcards, this/caller/args") {
  Fixture f;
  f.verb(1, "ge*t ta*ke", "return {this, caller, verb, args, player};");
  f.verb(4, "outer", "return this:get(1, 2);");
  CHECK(f.run("return #4:get();", 3) == "{#4, #-1, \"get\", {}, #3}");
  CHECK(f.run("return #4:tak(\"x\");", 3) == "{#4, #-1, \"tak\", {\"x\"}, #3}");
  CHECK(f.run("return #4:outer();", 3) == "{#4, #4, \"get\", {1, 2}, #3}");
  CHECK(f.run("return #4:g();", 3) == "!E_VERBNF");
  CHECK(f.run("return #99:get();", 3) == "!E_INVIND");
  // A verb without x is not callable.
  f.verb(4, "hidden", "return 1;", 2, VF_READ);
  CHECK(f.run("return #4:hidden();", 3) == "!E_VERBNF");
  // A verb defined lower hides the parent's; cache sees new verbs.
  CHECK(f.run("return #4:take()[3];", 3) == "\"take\"");
  f.verb(4, "take", "return \"child\";");
  CHECK(f.run("return #4:take();", 3) == "\"child\"");
  // Permissions inside a verb are the verb owner's.
  REQUIRE(f.w.add_propdef(1, "secret", Value::integer(42), 2, 0));
  f.verb(1, "peek", "return this.secret;", 2);
  CHECK(f.run("return #4.secret;", 3) == "!E_PERM");
  CHECK(f.run("return #4:peek();", 3) == "42");
  f.verb(1, "peek3", "return this.secret;", 3);
  CHECK(f.run("return #4:peek3();", 2) == "!E_PERM");
}

TEST_CASE("world: recursion limit") {
  Fixture f;
  f.verb(1, "rec", "return this:rec();");
  CHECK(f.run("return #4:rec();", 3) == "!E_MAXREC");
  f.verb(1, "count", "return args[1] <= 0 ? 0 | 1 + this:count(args[1] - 1);");
  CHECK(f.run("return #4:count(10);", 3) == "10");
}

TEST_CASE("world: verb builtins") {
  Fixture f;
  CHECK(f.run("return add_verb(#4, {#3, \"rxd\", \"foo b*ar\"}, {\"this\", \"with\", \"any\"});", 3) == "1");
  CHECK(f.run("return #4:foo();", 3) == "0");  // no code yet: an empty program
  CHECK(f.run("return verb_info(#4, \"bar\");", 3) == "{#3, \"rxd\", \"foo b*ar\"}");
  CHECK(f.run("return verb_args(#4, 1);", 3) == "{\"this\", \"with/using\", \"any\"}");
  CHECK(f.run("return verbs(#4);", 3) == "{\"foo b*ar\"}");
  CHECK(f.run("return set_verb_code(#4, \"foo\", {\"return args[1] * 2;\"});", 3) == "{}");
  CHECK(f.run("return #4:foo(21);", 3) == "42");
  CHECK(f.run("return verb_code(#4, \"foo\");", 3) == "{\"return args[1] * 2;\"}");
  CHECK(f.run("return length(set_verb_code(#4, \"foo\", {\"return 1 +;\"})) > 0;", 3) == "1");
  CHECK(f.run("return #4:foo(1);", 3) == "2");  // unchanged by a failed compile
  CHECK(f.run("return set_verb_code(#4, \"foo\", {1});", 3) == "!E_TYPE");
  CHECK(f.run("return verb_info(#4, 0);", 3) == "!E_INVARG");
  CHECK(f.run("return verb_info(#4, 2);", 3) == "!E_VERBNF");
  CHECK(f.run("return verb_info(#4, 1.0);", 3) == "!E_TYPE");
  CHECK(f.run("return verb_info(#99, 1);", 3) == "!E_INVARG");
  CHECK(f.run("add_verb(#1, {#3, \"rx\", \"x\"}, {\"this\", \"none\", \"this\"});", 3) == "!E_PERM");
  CHECK(f.run("add_verb(#4, {#2, \"rx\", \"x\"}, {\"this\", \"none\", \"this\"});", 3) == "!E_PERM");
  CHECK(f.run("add_verb(#4, {#3, \"rq\", \"x\"}, {\"this\", \"none\", \"this\"});", 3) == "!E_INVARG");
  CHECK(f.run("add_verb(#4, {#3, \"r\", \"  \"}, {\"this\", \"none\", \"this\"});", 3) == "!E_INVARG");
  CHECK(f.run("add_verb(#4, {#3, \"r\", \"x\"}, {\"this\", \"nowhere\", \"this\"});", 3) == "!E_INVARG");
  CHECK(f.run("set_verb_args(#4, 1, {\"any\", \"on top of\", \"none\"}); return verb_args(#4, 1);", 3) ==
        "{\"any\", \"on top of/on/onto/upon\", \"none\"}");
  CHECK(f.run("set_verb_info(#4, 1, {#3, \"rx\", \"baz\"}); return #4:baz(2);", 3) == "4");
  CHECK(f.run("set_verb_info(#4, 1, {#2, \"rx\", \"baz\"});", 3) == "!E_PERM");
  // Unreadable verbs: only the owner and wizards may look.
  CHECK(f.run("set_verb_info(#4, 1, {#3, \"x\", \"baz\"});", 3) == "0");
  CHECK(f.run("return verb_code(#4, 1);", 2) == "{\"return args[1] * 2;\"}");
  f.verb(1, "wizverb", "return 1;", 2, VF_EXEC);
  CHECK(f.run("return verb_info(#1, \"wizverb\");", 3) == "!E_PERM");
  CHECK(f.run("return set_verb_code(#1, \"wizverb\", {});", 3) == "!E_PERM");
  CHECK(f.run("delete_verb(#4, \"baz\"); return verbs(#4);", 3) == "{}");
  CHECK(f.run("delete_verb(#4, \"baz\");", 3) == "!E_VERBNF");
  // Non-programmers may not set code.
  f.w.get_mut(3)->set_flag(FLAG_PROGRAMMER, false);
  CHECK(f.run("add_verb(#4, {#3, \"rx\", \"q\"}, {\"this\", \"none\", \"this\"}); return set_verb_code(#4, \"q\", {});", 3) ==
        "!E_PERM");
}

TEST_CASE("world: move and players") {
  Fixture f;
  int64_t room = f.w.create({1}, 3);  // #5
  CHECK(f.run("move(#4, #5);", 3) == "!E_NACC");  // #5 has no :accept
  CHECK(f.run("move(#4, #5); return {#4.location, #5.contents};", 2) == "{#5, {#4}}");
  CHECK(f.run("move(#5, #4);", 2) == "!E_RECMOVE");
  CHECK(f.run("move(#5, #5);", 2) == "!E_RECMOVE");
  CHECK(f.run("move(#4, #-1); return {#4.location, #5.contents};", 3) == "{#-1, {}}");
  CHECK(f.run("move(#4, #99);", 2) == "!E_INVARG");
  CHECK(f.run("move(#1, #5);", 3) == "!E_PERM");
  f.verb(room, "accept", "return 1;");
  CHECK(f.run("move(#4, #5); return #5.contents;", 3) == "{#4}");
  CHECK(f.run("recycle(#5); return #4.location;", 3) == "#-1");
  CHECK(f.run("return {players(), is_player(#3), is_player(#4)};", 3) == "{{#2, #3}, 1, 0}");
  CHECK(f.run("set_player_flag(#4, 1);", 3) == "!E_PERM");
  CHECK(f.run("set_player_flag(#4, 1); set_player_flag(#3, 0); return players();", 2) == "{#2, #4}");
  CHECK(f.run("return is_player(#99);", 2) == "!E_INVARG");
  CHECK(f.run("return object_bytes(#4) > 0;", 2) == "1");
  CHECK(f.run("return object_bytes(#4);", 3) == "!E_PERM");
  CHECK(f.run("return object_bytes(#99);", 2) == "!E_INVIND");
}

TEST_CASE("world: renumber") {
  Fixture f;
  int64_t a = f.w.create({4}, 3);  // #5
  f.w.create({1}, 3);              // #6
  f.w.move(a, 6);
  f.w.recycle(1);  // frees #1 (its children lose their parent)
  CHECK(f.run("return renumber(#6);", 3) == "!E_PERM");
  CHECK(f.run("return renumber(#6);", 2) == "#1");
  CHECK(f.run("return {#5.location, #1.contents, valid(#6)};", 2) == "{#1, {#5}, 0}");
}

TEST_CASE("world: builtins without a world") {
  CompileResult c = compile_moo("return valid(#0);");
  REQUIRE(c.ok());
  Task t(c.program, nullptr);
  REQUIRE(t.run() == TaskStatus::Done);
  CHECK(to_literal(t.result()) == "0");
  CompileResult c2 = compile_moo("return create(#-1);");
  Task t2(c2.program, nullptr);
  REQUIRE(t2.run() == TaskStatus::Error);
  CHECK(to_literal(t2.error().code) == "E_INVIND");
}

TEST_CASE("world: builtins calling verbs (initialize, recycle, accept, exitfunc, enterfunc)") {
  Fixture f;
  REQUIRE(f.w.add_propdef(1, "log", Value::empty_list(), 2, PF_READ | PF_WRITE));
  f.verb(1, "initialize", "#1.log = {@#1.log, {\"init\", this, caller, args}};");
  CHECK(f.run("x = create(#1); return {x, #1.log};", 2) == "{#5, {{\"init\", #5, #-1, {}}}}");
  f.verb(1, "recycle", "#1.log = {@#1.log, {\"recycle\", this}};");
  CHECK(f.run("#1.log = {}; recycle(#5); return {valid(#5), #1.log};", 2) == "{0, {{\"recycle\", #5}}}");
  // :initialize raising: create() raises too, the object exists.
  f.verb(4, "initialize", "raise(E_INVARG);");
  CHECK(f.run("create(#4);", 3) == "!E_INVARG");
  CHECK(f.run("return max_object();", 3) == "#6");
  // move(): :accept decides for non-wizards; :exitfunc and :enterfunc run.
  int64_t room = f.w.create({1}, 3);   // #7
  int64_t room2 = f.w.create({1}, 3);  // #8
  f.verb(1, "accept", "return args[1] != #6;");
  f.verb(1, "exitfunc", "#1.log = {@#1.log, {\"exit\", this, args[1]}};");
  f.verb(1, "enterfunc", "#1.log = {@#1.log, {\"enter\", this, args[1], args[1].location}};");
  REQUIRE(room == 7);
  REQUIRE(room2 == 8);
  CHECK(f.run("#1.log = {}; move(#4, #7); move(#4, #8); return #1.log;", 3) ==
        "{{\"enter\", #7, #4, #7}, {\"exit\", #7, #4}, {\"enter\", #8, #4, #8}}");
  CHECK(f.run("move(#6, #7);", 3) == "!E_NACC");  // :accept refuses #6
  // recycle(): contents leave through the object's :exitfunc, then the
  // object leaves its own location.
  CHECK(f.run("r = create(#1); move(r, #8); move(#4, r); #1.log = {}; recycle(r); return {#4.location, #1.log};", 2) ==
        "{#-1, {{\"recycle\", #9}, {\"exit\", #9, #4}, {\"exit\", #8, #9}}}");
  CHECK(f.run("#1.log = {}; move(#6, #7); return {#6.location, #1.log};", 2) ==
        "{#7, {{\"enter\", #7, #6, #7}}}");  // wizards move regardless
}

TEST_CASE("world: pass() finds the verb from the definer's parent") {
  Fixture f;
  f.verb(1, "greet", "return {\"root\", this, args};");
  f.verb(4, "greet", "return {\"thing\", pass(@args)};");
  int64_t kid = f.w.create({4}, 3);  // #5, inherits #4:greet
  REQUIRE(kid == 5);
  CHECK(f.run("return #5:greet(1);", 3) == "{\"thing\", {\"root\", #5, {1}}}");
  f.verb(1, "lonely", "return pass();");
  CHECK(f.run("return #4:lonely();", 3) == "!E_INVIND");  // #1 has no parent
  f.verb(4, "nopass", "return pass();");
  CHECK(f.run("return #4:nopass();", 3) == "!E_VERBNF");
}

TEST_CASE("world: ownership_quota as LambdaMOO's quota.c") {
  Fixture f;
  CHECK(f.run("add_property(#3, \"ownership_quota\", 1, {#2, \"r\"}); return 1;") == "1");
  std::string a = f.run("return create(#1);", 3);
  CHECK(a == "#5");
  CHECK(f.run("return #3.ownership_quota;") == "0");
  CHECK(f.run("return create(#1);", 3) == "!E_QUOTA");
  CHECK(f.run("return max_object();") == "#5");  // nothing was made
  // Permission is checked before the quota.
  CHECK(f.run("return create(#1, #2);", 3) == "!E_PERM");
  // A wizard creating for #3 uses #3's quota.
  CHECK(f.run("return create(#1, #3);") == "!E_QUOTA");
  // recycle() gives it back to the owner at the time.
  CHECK(f.run("recycle(#5); return #3.ownership_quota;", 3) == "1");
  CHECK(f.run("return create(#1, #3);") == "#6");
  CHECK(f.run("return #3.ownership_quota;") == "0");
  // Not an INT: no limit, left alone.
  CHECK(f.run("#3.ownership_quota = \"x\"; return create(#1, #3);") == "#7");
  CHECK(f.run("return #3.ownership_quota;") == "\"x\"");
  CHECK(f.run("recycle(#7); return #3.ownership_quota;") == "\"x\"");
  // No property (#2 has none): no limit. An owner of #-1 or invalid: none either.
  CHECK(f.run("return create(#1);") == "#8");
  CHECK(f.run("return create(#1, #-1).owner;") == "#9");
  // Parents that clash (several parents, an Echo extension): nothing made, quota kept.
  CHECK(f.run("#3.ownership_quota = 3; a = create(#1, #3); b = create(#1, #3); "
              "add_property(a, \"p\", 1, {#3, \"r\"}); add_property(b, \"p\", 1, {#3, \"r\"}); "
              "a.f = b.f = 1; return #3.ownership_quota;") == "1");
  CHECK(f.run("return create({#10, #11});", 3) == "!E_INVARG");
  CHECK(f.run("return #3.ownership_quota;") == "1");
}

TEST_CASE("world: ownership_quota inherited, stored on the owner") {
  Fixture f;
  CHECK(f.run("add_property(#1, \"ownership_quota\", 2, {#2, \"r\"}); return 1;") == "1");
  CHECK(f.run("return create(#1);", 3) == "#5");
  CHECK(f.run("return {#1.ownership_quota, #3.ownership_quota, is_clear_property(#3, \"ownership_quota\")};") ==
        "{2, 1, 0}");
  // #4 (a thing, child of #1) inherits 2 too, but a negative or zero quota refuses.
  CHECK(f.run("#3.ownership_quota = 0; return create(#1);", 2) == "#6");
  CHECK(f.run("return create(#1);", 3) == "!E_QUOTA");
  CHECK(f.run("#3.ownership_quota = -5; return create(#1, #3);", 2) == "!E_QUOTA");
}

namespace {
// #5 as $server_options (a child of #1, so its parent can supply values).
void make_server_options(Fixture& f) {
  REQUIRE(f.run("o = create(#1); add_property(#0, \"server_options\", o, {#2, \"r\"}); return o;") == "#5");
}
}  // namespace

TEST_CASE("world: protect_<builtin> makes a builtin wizard-only") {
  Fixture f;
  CHECK(f.run("return tostr(1);", 3) == "\"1\"");  // the cache sees no options yet
  make_server_options(f);
  CHECK(f.run("add_property(#5, \"protect_tostr\", 1, {#2, \"r\"}); return 1;") == "1");
  CHECK(f.run("return tostr(1);", 3) == "!E_PERM");
  CHECK(f.run("return tostr(1);", 2) == "\"1\"");
  CHECK(f.run("return call_function(\"tostr\", 1);", 3) == "!E_PERM");
  CHECK(f.run("return toliteral(1);", 3) == "\"1\"");
  // Before the argument checks, as call_bi_func since 1.8.0p3.
  CHECK(f.run("add_property(#5, \"protect_length\", \"yes\", {#2, \"r\"}); return 1;") == "1");
  CHECK(f.run("return length();", 3) == "!E_PERM");
  CHECK(f.run("return length();", 2) == "!E_ARGS");
  // A false value unprotects; the change is seen at once.
  CHECK(f.run("#5.protect_tostr = 0; return 1;") == "1");
  CHECK(f.run("return tostr(1);", 3) == "\"1\"");
  // Inherited from the options object's parent (a clear value).
  CHECK(f.run("delete_property(#5, \"protect_tostr\"); add_property(#1, \"protect_tostr\", 1, {#2, \"r\"}); "
              "return is_clear_property(#5, \"protect_tostr\");") == "1");
  CHECK(f.run("return tostr(1);", 3) == "!E_PERM");
  CHECK(f.run("#1.protect_tostr = {}; return 1;") == "1");
  CHECK(f.run("return tostr(1);", 3) == "\"1\"");
  CHECK(f.run("#1.protect_tostr = 1; return 1;") == "1");
  // Verbs on #0 are exempt (caller() == SYSTEM_OBJECT).
  f.verb(0, "t", "return tostr(2);", 3);
  CHECK(f.run("return #0:t();", 3) == "\"2\"");
  f.verb(4, "t", "return tostr(2);", 3);
  CHECK(f.run("return #4:t();", 3) == "!E_PERM");
  // $server_options not an object, or gone: nothing is protected.
  CHECK(f.run("#0.server_options = 5; return 1;") == "1");
  CHECK(f.run("return tostr(1);", 3) == "\"1\"");
  CHECK(f.run("#0.server_options = #5; return 1;") == "1");
  CHECK(f.run("return tostr(1);", 3) == "!E_PERM");
  CHECK(f.run("recycle(#5); return 1;") == "1");
  CHECK(f.run("return tostr(1);", 3) == "\"1\"");
}

TEST_CASE("world: protect_<property> for built-in properties (bi_prop_protected)") {
  Fixture f;
  make_server_options(f);
  CHECK(f.run("return #4.name;", 3) == "\"\"");
  CHECK(f.run("add_property(#5, \"protect_name\", 1, {#2, \"r\"}); add_property(#5, \"protect_f\", 1, {#2, \"r\"}); "
              "return 1;") == "1");
  CHECK(f.run("return #4.name;", 3) == "!E_PERM");
  CHECK(f.run("return #4.f;", 3) == "!E_PERM");
  CHECK(f.run("return #4.name;", 2) == "\"\"");
  CHECK(f.run("return #4.owner;", 3) == "#3");
  CHECK(f.run("return #99.name;", 3) == "!E_INVIND");
  // Writing is not affected.
  CHECK(f.run("#4.name = \"box\"; return 1;", 3) == "1");
  CHECK(f.run("#5.protect_name = 0; return #4.name;", 2) == "\"box\"");
  CHECK(f.run("return #4.name;", 3) == "\"box\"");
}

TEST_CASE("world: disassemble()") {
  Fixture f;
  f.verb(4, "foo", "x = 1; return x + 2;", 2, VF_EXEC);
  f.verb(4, "bar", "return 1;", 3, VF_EXEC);
  std::string r = f.run("l = disassemble(#4, \"foo\"); return {typeof(l), length(l) > 3, typeof(l[1])};");
  CHECK(r == "{4, 1, 2}");
  CHECK(f.run("return disassemble(#4, 1) == disassemble(#4, \"foo\");") == "1");
  CHECK(f.run("return disassemble(#4, \"foo\");", 3) == "!E_PERM");  // not readable, not the owner
  CHECK(f.run("return typeof(disassemble(#4, \"bar\"));", 3) == "4");  // the owner
  CHECK(f.run("return disassemble(#99, \"foo\");") == "!E_INVARG");
  CHECK(f.run("return disassemble(#4, \"nope\");") == "!E_VERBNF");
  CHECK(f.run("return disassemble(#4, 0);") == "!E_INVARG");
  CHECK(f.run("return disassemble(#4, 3);") == "!E_VERBNF");
  CHECK(f.run("return disassemble(#4, 1.0);") == "!E_TYPE");
  CHECK(f.run("return disassemble(#99, 1.0);") == "!E_TYPE");  // the descriptor first
  CHECK(f.run("return disassemble(\"x\", 1);") == "!E_TYPE");
  CHECK(f.run("return disassemble(#4);") == "!E_ARGS");
  CHECK(f.run("add_verb(#4, {#2, \"rx\", \"empty\"}, {\"this\", \"none\", \"this\"}); "
              "return typeof(disassemble(#4, \"empty\"));") == "4");
}

TEST_CASE("world: a protected builtin calls #0:bf_<name> instead") {
  Fixture f;
  make_server_options(f);
  CHECK(f.run("add_property(#5, \"protect_tostr\", 1, {#2, \"r\"}); return 1;") == "1");
  f.verb(0, "bf_tostr", "return {\"over\", @args, verb, caller, player};", 2);
  CHECK(f.run("return tostr(1, 2);", 3) == "{\"over\", 1, 2, \"bf_tostr\", #-1, #3}");
  CHECK(f.run("return tostr(1);", 2) == "{\"over\", 1, \"bf_tostr\", #-1, #2}");  // wizards too
  CHECK(f.run("return call_function(\"tostr\", 7);", 3) == "{\"over\", 7, \"bf_tostr\", #-1, #3}");
  CHECK(f.run("return {tostr(1), 5}[2];", 3) == "5");
  // On #0 the builtin itself runs (so the override can call it).
  f.verb(0, "t", "return tostr(3);", 3);
  CHECK(f.run("return #0:t();", 3) == "\"3\"");
  // An override's error is the call's error.
  f.verb(0, "bf_length", "raise(E_NACC);", 2);
  CHECK(f.run("add_property(#5, \"protect_length\", 1, {#2, \"r\"}); return 1;") == "1");
  CHECK(f.run("return length({});", 3) == "!E_NACC");
  CHECK(f.run("return call_function(\"length\", {});", 3) == "!E_NACC");
}
