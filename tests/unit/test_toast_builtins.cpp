// ToastStunt builtins toastcore needs: set_thread_mode, argon2,
// argon2_verify, locations, occupants, recycled_objects,
// next_recycled_object, owned_objects, all_contents, respond_to.
#include <catch2/catch.hpp>

#include "lang/compiler.h"
#include "lang/world/world.h"
#include "test_builtins_util.h"

using namespace echo;
using namespace bt;

namespace {

// #0 system, #1 root (fertile), #2 wizard player and #3 programmer player,
// both in #4, a room owned by #3; #5 a box (a child of #4, owned by #3) in
// the room, #6 a coin (the wizard's) in the box, #7 recycled, #8 nowhere.
struct Fixture {
  World w;
  WorldHost host{w};
  Fixture() {
    w.create({}, NOTHING);                     // #0
    int64_t root = w.create({}, NOTHING);      // #1
    w.get_mut(root)->set_flag(FLAG_FERTILE, true);
    int64_t wiz = w.create({root}, NOTHING);   // #2
    w.get_mut(wiz)->set_flag(FLAG_WIZARD, true);
    w.get_mut(wiz)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(wiz, true);
    int64_t prog = w.create({root}, NOTHING);  // #3
    w.get_mut(prog)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(prog, true);
    for (int64_t i : {int64_t(0), root, wiz}) w.get_mut(i)->owner = wiz;
    int64_t room = w.create({root}, prog);     // #4
    int64_t box = w.create({room}, prog);      // #5 (a child of the room, for isa)
    int64_t coin = w.create({root}, wiz);      // #6
    int64_t gone = w.create({root}, wiz);      // #7
    w.create({root}, wiz);                     // #8
    w.recycle(gone);
    w.move(box, room);
    w.move(coin, box);
    w.move(prog, room);
    w.move(wiz, room);
  }
  void verb(int64_t obj, std::string names, std::string code, int64_t owner = 2) {
    Verb v;
    v.names = std::move(names);
    v.owner = owner;
    v.perms = VF_READ | VF_EXEC | VF_DEBUG;
    int i = w.add_verb(obj, std::move(v));
    auto errs = w.set_verb_code(w.get_mut(obj)->verbs[size_t(i - 1)], std::move(code));
    REQUIRE(errs.empty());
  }
  std::string run(const std::string& code, int64_t progr = 2) {
    CompileResult c = compile_moo(code);
    // (Appending, not "?" + ...: GCC 12 warns falsely about the latter.)
    if (!c.ok()) return std::string("?").append(c.errors.front().to_string());
    Task t(c.program, &host);
    t.set_identity(progr, -1, progr, "");
    switch (t.run()) {
      case TaskStatus::Done: return to_literal(t.result());
      case TaskStatus::Error: return std::string("!").append(to_literal(t.error().code));
      default: return "!aborted";
    }
  }
};

}  // namespace

TEST_CASE("toast: set_thread_mode is recorded per verb and reported back") {
  Fixture f;
  CHECK(f.run("return set_thread_mode();") == "1");  // ToastStunt's default: threaded
  CHECK(f.run("return {set_thread_mode(0), set_thread_mode()};") == "{0, 0}");
  CHECK(f.run("set_thread_mode(0); set_thread_mode(5); return set_thread_mode();") == "1");
  f.verb(1, "off", "set_thread_mode(0); return set_thread_mode();");
  CHECK(f.run("return {#1:off(), set_thread_mode()};") == "{0, 1}");  // the caller's mode is its own
  CHECK(f.run("return set_thread_mode(\"x\");") == "!E_TYPE");
  CHECK(f.run("return set_thread_mode(1, 2);") == "!E_ARGS");
  CHECK(f.run("return set_thread_mode();", 3) == "1");  // anyone may
}

TEST_CASE("toast: argon2 and argon2_verify") {
  // The reference implementation's Argon2id test vector (t=2, m=64 MiB, p=1).
  const std::string known =
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  CHECK(lit("argon2", {S("password"), S("somesalt"), I(2), I(65536), I(1)}) == "\"" + known + "\"");
  CHECK(lit("argon2_verify", {S(known), S("password")}) == "1");
  CHECK(lit("argon2_verify", {S(known), S("passwore")}) == "0");
  // ToastStunt's defaults: 3 iterations, 4096 KiB, one thread.
  Value h = call("argon2", {S("secret"), S("saltsalt")});
  REQUIRE(h.is_str());
  CHECK(std::string(h.as_str()).rfind("$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$", 0) == 0);
  CHECK(lit("argon2_verify", {h, S("secret")}) == "1");
  CHECK(lit("argon2_verify", {h, S("Secret")}) == "0");
  CHECK(lit("argon2_verify", {S("not a hash"), S("secret")}) == "0");
  // libargon2's failures come back as an error map, not raised.
  CHECK(lit("argon2", {S("pw"), S("short")}) ==
        "[\"error\" -> E_INVIND, \"message\" -> \"Salt is too short\"]");
  CHECK(lit("argon2", {S("pw"), S("saltsalt"), I(0)}) ==
        "[\"error\" -> E_INVIND, \"message\" -> \"Time cost is too small\"]");
  CHECK(err("argon2", {S("pw")}) == E_ARGS);
  CHECK(err("argon2", {S("pw"), I(1)}) == E_TYPE);
  CHECK(err("argon2_verify", {S("pw"), S("x"), S("y")}) == E_ARGS);
  // Wizards only.
  Fixture f;
  CHECK(f.run("return argon2(\"pw\", \"saltsalt\");", 3) == "!E_PERM");
  CHECK(f.run("return argon2_verify(\"x\", \"pw\");", 3) == "!E_PERM");
  CHECK(f.run("return argon2_verify(argon2(\"pw\", \"saltsalt\"), \"pw\");", 2) == "1");
}

TEST_CASE("toast: locations") {
  Fixture f;
  CHECK(f.run("return locations(#6);") == "{#5, #4}");
  CHECK(f.run("return locations(#4);") == "{}");
  CHECK(f.run("return locations(#6, #4);") == "{#5}");        // stops at #4
  CHECK(f.run("return locations(#6, #5);") == "{}");
  CHECK(f.run("return locations(#6, #4, 1);") == "{}");       // #5 is a #4 too
  CHECK(f.run("return locations(#6, #8, 1);") == "{#5, #4}");
  CHECK(f.run("return locations(#6, #0);") == "{#5, #4}");    // #0: no stop
  CHECK(f.run("return locations(#7);") == "!E_INVIND");
  CHECK(f.run("return locations(\"x\");") == "!E_TYPE");
  CHECK(f.run("return locations(#6, 1);") == "!E_TYPE");
}

TEST_CASE("toast: occupants") {
  Fixture f;
  CHECK(f.run("return occupants(#4.contents);") == "{#3, #2}");           // players only
  CHECK(f.run("return occupants({#5, #3, #6}, #4);") == "{#5}");          // parent only
  CHECK(f.run("return occupants({#5, #3, #6}, #1);") == "{#5, #3, #6}");
  CHECK(f.run("return occupants({#5, #3, #2}, #1, 1);") == "{#3, #2}");  // parent and player
  CHECK(f.run("return occupants({#5, #3, #6}, {#4, #6});") == "{#5, #6}");
  CHECK(f.run("return occupants({#5, #3, #6}, #4, 0, 1);") == "{#3, #6}");  // inverse
  CHECK(f.run("return occupants({#5, #5}, #4);") == "{#5}");
  CHECK(f.run("return occupants({#5, #7}, #4);") == "!E_INVARG");
  CHECK(f.run("return occupants({#5, 1}, #4);") == "!E_INVARG");
  CHECK(f.run("return occupants({#5}, \"x\");") == "!E_TYPE");
  CHECK(f.run("return occupants({#5}, {#4, 1});") == "!E_TYPE");
  CHECK(f.run("return occupants(#5);") == "!E_TYPE");
}

TEST_CASE("toast: recycled_objects, next_recycled_object, owned_objects, all_contents") {
  Fixture f;
  CHECK(f.run("return recycled_objects();") == "{#7}");
  CHECK(f.run("return next_recycled_object();") == "#7");
  CHECK(f.run("return next_recycled_object(#7);") == "#7");
  CHECK(f.run("return next_recycled_object(#8);") == "0");
  CHECK(f.run("return next_recycled_object(#9);") == "!E_INVARG");
  CHECK(f.run("return next_recycled_object(#-1);") == "!E_INVARG");
  CHECK(f.run("return owned_objects(#3);") == "{#3, #4, #5}");
  CHECK(f.run("return owned_objects(#7);") == "!E_INVIND");
  CHECK(f.run("return all_contents(#4);") == "{#5, #3, #2, #6}");
  CHECK(f.run("return all_contents(#6);") == "{}");
  CHECK(f.run("return all_contents(#-1);") == "{#1, #4, #8}");  // from #1, as ToastStunt
  CHECK(f.run("return all_contents(#7);") == "!E_INVIND");
  CHECK(f.run("recycle(#8); return {recycled_objects(), next_recycled_object()};") == "{{#7, #8}, #7}");
}

TEST_CASE("toast: respond_to") {
  Fixture f;
  f.verb(1, "l*ook examine", "return 1;");
  CHECK(f.run("return respond_to(#5, \"look\");") == "{#1, \"l*ook examine\"}");  // wizard reads all
  CHECK(f.run("return respond_to(#5, \"lo\");") == "{#1, \"l*ook examine\"}");
  CHECK(f.run("return respond_to(#5, \"nope\");") == "0");
  CHECK(f.run("return respond_to(#5, \"look\");", 3) == "{#1, \"l*ook examine\"}");  // #3 owns #5
  CHECK(f.run("return respond_to(#6, \"look\");", 3) == "1");  // not readable by #3
  CHECK(f.run("return respond_to(#7, \"look\");") == "!E_INVARG");
  CHECK(f.run("return respond_to(5, \"look\");") == "!E_TYPE");
  CHECK(f.run("return respond_to(#5, 5);") == "!E_TYPE");
}

TEST_CASE("toast: the ANON and WAIF type constants") {
  Fixture f;
  CHECK(f.run("return {ANON, WAIF, waif};") == "{12, 13, 13}");
  CHECK(f.run("return typeof(#1) == WAIF;") == "0");
  CHECK(f.run("WAIF = 5; return WAIF;") == "5");
  f.verb(1, "w", "return WAIF;");
  CHECK(f.run("WAIF = 5; return {#1:w(), WAIF};") == "{13, 5}");  // fresh in every verb
}
