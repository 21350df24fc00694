// The in-memory world the REPL evaluates against until worlds load from
// disk: LambdaMOO's Minimal.db in objects (#0 System Object, #1 Root Class,
// #2 The First Room, #3 Wizard, a wizard player in #2).
#pragma once

#include <memory>

#include "lang/world/world.h"

namespace echo::cli {

constexpr int64_t kReplWizard = 3;

std::unique_ptr<World> make_minimal_world();

}  // namespace echo::cli
