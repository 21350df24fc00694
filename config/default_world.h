// The default world's script (config/default-world.moo), compiled into the
// binary: `echo-repl new-world` runs it to make a fresh, playable world.
#pragma once

#include <string_view>

namespace echo::config {

std::string_view default_world_script();

}  // namespace echo::config
