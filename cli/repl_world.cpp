#include "cli/repl_world.h"

namespace echo::cli {

std::unique_ptr<World> make_minimal_world() {
  auto w = std::make_unique<World>();
  int64_t sys = w->create({}, NOTHING);      // #0
  int64_t root = w->create({}, NOTHING);     // #1
  int64_t room = w->create({root}, NOTHING); // #2
  int64_t wiz = w->create({root}, NOTHING);  // #3
  w->change_parents(sys, {root});
  const char* names[] = {"System Object", "Root Class", "The First Room", "Wizard"};
  for (int64_t id = 0; id <= wiz; ++id) {
    Object* o = w->get_mut(id);
    o->name = names[id];
    o->owner = wiz;
  }
  Object* wo = w->get_mut(wiz);
  wo->set_flag(FLAG_PROGRAMMER, true);
  wo->set_flag(FLAG_WIZARD, true);
  w->set_player_flag(wiz, true);
  w->move(wiz, room);
  return w;
}

}  // namespace echo::cli
