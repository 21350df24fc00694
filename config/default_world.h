// Echo's default world, compiled into the binary (config/world/, embedded by
// config/embed.cmake): `echo-repl new-world` loads the object files in order
// and then runs the bootstrap script to make a fresh, playable world.
#pragma once

#include <span>
#include <string_view>

namespace echo::config {

struct WorldFile {
  std::string_view name;  // "config/world/core.echo", for error messages
  std::string_view text;
};

// The Echo object files, in the order they are loaded (a file may name the
// objects the files before it define).
std::span<const WorldFile> default_world_files();

// The MOO script run after them, as the wizard, for what object files cannot
// say (flags, computed values, where things are).
WorldFile default_world_bootstrap();

}  // namespace echo::config
