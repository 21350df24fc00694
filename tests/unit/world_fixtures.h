// Small worlds for the tests of Echo objects, events, capabilities and
// permissions: the world itself, a host, and eval as a given player.
#pragma once

#include <string>

#include "lang/eval.h"
#include "lang/world/object_source.h"
#include "lang/world/world.h"

namespace echo::test {

// #0 system, #1 root, #2 the wizard (in #3), #3 a room; $root_class, $room.
struct World4 {
  World w;
  WorldHost host{w};
  World4() {
    w.create({}, NOTHING);
    int64_t root = w.create({}, NOTHING);
    int64_t wiz = w.create({root}, NOTHING);
    int64_t room = w.create({root}, NOTHING);
    w.get_mut(root)->set_flag(FLAG_FERTILE, true);
    w.get_mut(wiz)->set_flag(FLAG_WIZARD, true);
    w.get_mut(wiz)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(wiz, true);
    for (int64_t i = 0; i <= 3; ++i) w.get_mut(i)->owner = wiz;
    w.add_propdef(0, "root_class", Value::obj(root), wiz, PF_READ);
    w.add_propdef(0, "room", Value::obj(room), wiz, PF_READ);
    w.move(wiz, room);
  }
  SourceLoadResult load(const std::string& text) { return load_object_source(w, text, 2); }
  EvalOutcome run(const std::string& code, Syntax syntax = Syntax::Echo) {
    EvalOptions o;
    o.host = &host;
    o.player = 2;
    o.run_forks = true;
    o.syntax = syntax;
    return eval_moo(code, o);
  }
  std::string result(const std::string& code, Syntax syntax = Syntax::Echo) { return run(code, syntax).describe(); }
};

// World4 plus #4, a programmer who is not a wizard.
struct World5 : World4 {
  World5() {
    int64_t prog = w.create({1}, NOTHING);
    w.get_mut(prog)->set_flag(FLAG_PROGRAMMER, true);
    w.set_player_flag(prog, true);
    w.move(prog, 3);
  }
  // The result of code run as `who` ("=> value", or "!! E_CODE message"),
  // then " | " and the report of each forked task.
  std::string as(int64_t who, const std::string& code, Syntax syntax = Syntax::Echo) {
    EvalOptions o;
    o.host = &host;
    o.player = who;
    o.run_forks = true;
    o.syntax = syntax;
    EvalOutcome r = eval_moo(code, o);
    std::string s = r.kind == EvalOutcome::Raised && r.error.code.is_err()
                        ? "!! " + std::string(error_name(r.error.code.as_err())) + " " + r.error.message
                        : r.describe();
    for (auto& f : r.fork_reports) s += " | " + f;
    return s;
  }
};

}  // namespace echo::test
