// Helpers shared by the storage tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "storage/textdump.h"

namespace storage_test {

inline std::string data_path(const std::string& name) {
  std::string path = ECHO_TEST_DATA_DIR;  // appended to, not added: GCC 12 -Warray-bounds
  path += '/';
  return path += name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string r;
  for (const std::string& l : lines) r += l + "\n";
  return r;
}

// text with its 1-based line n replaced.
inline std::string with_line(std::string_view text, size_t n, const std::string& replacement) {
  std::vector<std::string> lines = split_lines(text);
  lines.at(n - 1) = replacement;
  return join_lines(lines);
}

// The line of the TextdumpError reading text throws, or 0 when it reads.
inline size_t error_line(std::string_view text, std::string* message = nullptr) {
  try {
    echo::storage::read_textdump(text);
  } catch (const echo::storage::TextdumpError& e) {
    if (message) *message = e.what();
    return e.line();
  }
  return 0;
}

// Whether two images hold the same world, whatever formats they came from:
// objects (hierarchy compared in ToastStunt's form), verbs, programs,
// properties and players; format, task sections, format-4 link words and
// optionally last_move aside.
inline std::string world_difference(echo::storage::WorldImage a, echo::storage::WorldImage b, bool last_move) {
  a.format = b.format = 0;
  a.header_dummy = b.header_dummy = 0;
  a.sections.clear();
  b.sections.clear();
  a.trailing.clear();
  b.trailing.clear();
  for (auto* im : {&a, &b})
    for (auto& o : im->objects) {
      o.v4.reset();
      o.handles.clear();
      if (!last_move) o.last_move = {};
    }
  return echo::storage::first_difference(a, b);
}

}  // namespace storage_test
