// A JSON export of every object of a world image, for tools and for reading.
#pragma once

#include <ostream>

#include "storage/world_image.h"

namespace echo::storage {

// One JSON document: {"format": N, "objects": [...]}. Each object carries its
// id, name, flags, owner, location, contents, parents, children, the
// property names it defines, every property value (in the server's order)
// with owner and perms, and its verbs with names, owner, perms, argspecs and
// code. MOO values are written as their toliteral() text, which is exact and
// reads back with the MOO parser; recycled slots are {"id": N, "recycled": true}.
void write_json(const WorldImage& image, std::ostream& out);

}  // namespace echo::storage
