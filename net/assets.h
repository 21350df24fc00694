// The browser client's files (net/assets/), compiled into the binary by
// net/embed_assets.cmake: nothing is read from disk or the internet at run
// time.
#pragma once

#include <string_view>

namespace echo::net {

struct Asset {
  std::string_view name;  // "client.js"
  std::string_view mime;
  std::string_view text;
};

// The asset of that name, or null.
const Asset* find_asset(std::string_view name);

}  // namespace echo::net
