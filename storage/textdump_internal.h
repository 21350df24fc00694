// Shared by the textdump reader, writer and hierarchy checks; not public.
#pragma once

#include <string>
#include <string_view>

#include "storage/world_image.h"

namespace echo::storage::detail {

// Format <= 4 link checks, as LambdaMOO's validate_hierarchies().
void validate_links4(const WorldImage& image);
// Fills location / contents / parents / children from the v4 links (after
// validate_links4), as ToastStunt's v4_upgrade_objects().
void derive_links_from4(WorldImage& image);
// Checks of the ToastStunt-form hierarchy, as ng_validate_hierarchies().
void validate_links(const WorldImage& image);
// Every object's property value count against its ancestors' definitions.
void validate_propval_counts(const WorldImage& image);

// "'abc'" for an error message: at most 40 characters, control characters
// shown as '?'.
std::string quote(std::string_view s);

}  // namespace echo::storage::detail
