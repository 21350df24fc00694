// Helpers both front ends (MOO and Echo) use on tree-sitter trees.
#pragma once

#include <tree_sitter/api.h>

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "lang/ast.h"

namespace echo::ts {

// 1-based position of a node's start.
inline ast::Pos node_pos(TSNode n) {
  TSPoint p = ts_node_start_point(n);
  return {static_cast<int>(p.row) + 1, static_cast<int>(p.column) + 1};
}

inline std::string_view node_text(TSNode n, std::string_view src) {
  uint32_t b = ts_node_start_byte(n), e = ts_node_end_byte(n);
  if (b > src.size()) return {};
  return src.substr(b, std::min<size_t>(e, src.size()) - b);
}

// The decimal digits of an integer literal; false when the value does not
// fit in 64 bits (with the sign: -9223372036854775808 fits).
inline bool parse_decimal(std::string_view digits, bool negative, int64_t* out) {
  const uint64_t limit = negative ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  uint64_t v = 0;
  if (digits.empty()) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = negative ? static_cast<int64_t>(uint64_t{0} - v) : static_cast<int64_t>(v);
  return true;
}

}  // namespace echo::ts
