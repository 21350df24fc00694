// The permission holes a red team found (issue 14), each as it was
// reproduced: a programmer taking a wizard's permissions, crypt()'s cost,
// dump_source() showing what the caller may not read, deliver_event()
// running verbs without x, and capability grants written onto objects the
// grantor does not control.
#include <catch2/catch.hpp>

#include "lang/world/rules.h"
#include "world_fixtures.h"

using namespace echo;
using echo::test::World5;

namespace {

constexpr Syntax kMoo = Syntax::Moo;

// World5 with #4 owning itself, as a player does.
struct Attack : World5 {
  Attack() { w.get_mut(4)->owner = 4; }
  std::string moo(int64_t who, const std::string& code) { return as(who, code, kMoo); }
};

}  // namespace

TEST_CASE("a programmer cannot take a wizard's permissions with set_task_perms") {
  Attack a;
  CHECK(a.moo(4, "set_task_perms(#2); #4.wizard = 1; return 1;").rfind("!! E_PERM", 0) == 0);
  CHECK_FALSE(a.w.is_wizard(4));
  // Nor through eval(), or a verb of its own.
  CHECK(a.moo(4, "return eval(\"set_task_perms(#2); #4.wizard = 1; return 1;\");").find("E_PERM") !=
        std::string::npos);
  CHECK_FALSE(a.w.is_wizard(4));
  // Its own permissions are its to set; a wizard may take anyone's.
  CHECK(a.moo(4, "set_task_perms(#4); return caller_perms();") == "=> #-1");
  CHECK(a.moo(2, "set_task_perms(#4); return #4.wizard;") == "=> 0");
  CHECK(a.moo(2, "set_task_perms(#4); #4.wizard = 1; return 1;").rfind("!! E_PERM", 0) == 0);
}

TEST_CASE("only a wizard chooses crypt()'s strength") {
  Attack a;
  CHECK(a.moo(4, "return crypt(\"x\", \"$6$rounds=40000000$abc\");").rfind("!! E_PERM", 0) == 0);
  CHECK(a.moo(4, "return crypt(\"x\", \"$2b$12$abcdefghijklmnopqrstuu\");").rfind("!! E_PERM", 0) == 0);
  CHECK(a.moo(4, "return length(crypt(\"x\", \"ab\"));") == "=> 13");
  CHECK(a.moo(2, "return crypt(\"x\", \"$6$rounds=1000$abc\")[1..17];") == "=> \"$6$rounds=1000$ab\"");
}

TEST_CASE("dump_source() shows only what its caller may read") {
  Attack a;
  // A wizard's parent with an unreadable password; #4's own child of it.
  REQUIRE(a.moo(2, "p = create(#1); p.f = 1; add_property(p, \"password\", \"\", {#2, \"\"}); "
                   "add_property(p, \"motto\", \"hi\", {#2, \"r\"}); return p;") == "=> #5");
  REQUIRE(a.moo(4, "return create(#5);") == "=> #6");
  REQUIRE(a.moo(2, "#6.password = \"HASHED-SECRET\"; add_property(#6, \"hidden\", \"HIDDEN-VALUE\", {#2, \"\"}); "
                   "add_verb(#6, {#2, \"x\", \"secret\"}, {\"this\", \"none\", \"this\"}); "
                   "set_verb_code(#6, \"secret\", {\"return \\\"SECRET-CODE\\\";\"}); "
                   "add_verb(#6, {#4, \"rx\", \"mine\"}, {\"this\", \"none\", \"this\"}); "
                   "set_verb_code(#6, \"mine\", {\"return \\\"MY-CODE\\\";\"}); return 1;") == "=> 1");
  std::string mine = a.moo(4, "return dump_source(#6);");
  INFO(mine);
  CHECK(mine.rfind("=> {", 0) == 0);
  CHECK(mine.find("HASHED-SECRET") == std::string::npos);
  CHECK(mine.find("HIDDEN-VALUE") == std::string::npos);
  CHECK(mine.find("SECRET-CODE") == std::string::npos);
  CHECK(mine.find("MY-CODE") != std::string::npos);
  CHECK(mine.find("not readable by #4: 2 properties, 1 verb") != std::string::npos);
  // A wizard sees everything.
  std::string all = a.moo(2, "return dump_source(#6);");
  CHECK(all.find("HASHED-SECRET") != std::string::npos);
  CHECK(all.find("HIDDEN-VALUE") != std::string::npos);
  CHECK(all.find("SECRET-CODE") != std::string::npos);
  CHECK(all.find("not readable") == std::string::npos);
}

TEST_CASE("deliver_event() and emit() run only executable on: handlers") {
  Attack a;
  REQUIRE(a.moo(2, "o = create(#1); add_property(o, \"hits\", 0, {#2, \"r\"}); "
                   "add_verb(o, {#2, \"\", \"on:poke\"}, {\"this\", \"none\", \"this\"}); "
                   "set_verb_code(o, \"on:poke\", {\"this.hits = this.hits + 1;\"}); return o;") == "=> #5");
  CHECK(a.moo(4, "return deliver_event(#5, #5, 0, {});").rfind("!! E_VERBNF", 0) == 0);
  CHECK(a.moo(4, "return emit(\"poke\", {#5});") == "=> 0");
  CHECK(a.moo(2, "return #5.hits;") == "=> 0");
  // With x it is a handler like any other.
  REQUIRE(a.moo(2, "set_verb_info(#5, \"on:poke\", {#2, \"x\", \"on:poke\"}); return 1;") == "=> 1");
  CHECK(a.moo(4, "return emit(\"poke\", {#5});") == "=> 1");
  CHECK(a.moo(2, "return #5.hits;") == "=> 1");
}

TEST_CASE("a capability grant is stored on its own object, never on the grantee") {
  Attack a;
  REQUIRE(a.moo(4, "return create(#1);") == "=> #5");  // #4's object
  std::string before = a.moo(2, "return properties(#2);");
  // #4 may grant Admin(#5) to anyone; nothing is written on the wizard.
  CHECK(a.moo(4, "return grant_capability({\"Admin\", #5}, #2);") == "=> 1");
  CHECK(a.moo(2, "return properties(#2);") == before);
  CHECK(a.w.find_slot(2, kCapabilityGrantsProp) == nullptr);
  CHECK(a.moo(4, "return has_capability(#2, {\"Admin\", #5});") == "=> true");
  // Nor any capability of an object it does not own.
  CHECK(a.moo(4, "return grant_capability({\"Admin\", #3}, #4);").rfind("!! E_PERM", 0) == 0);
  CHECK(a.moo(4, "return grant_capability({\"Admin\"}, #4);").rfind("!! E_PERM", 0) == 0);
  CHECK(a.moo(4, "return has_capability(#4, {\"Admin\", #3});") == "=> false");
  // A grant to #1, the root of everything, is kept as any other.
  CHECK(a.moo(2, "return grant_capability({\"Read\", #3}, #1);") == "=> 1");
  CHECK(a.moo(2, "return has_capability(#1, {\"Read\", #3});") == "=> true");
  CHECK(a.moo(2, "return has_capability(#4, {\"Read\", #3});") == "=> false");
  CHECK(a.moo(2, "return revoke_capability({\"Read\", #3}, #1);") == "=> 1");
  CHECK(a.moo(2, "return has_capability(#1, {\"Read\", #3});") == "=> false");
  // The grants themselves are not readable by the grantor's peers.
  CHECK(a.moo(4, "return #5.__capability_grants;").rfind("!! E_PERM", 0) == 0);
}
