// Helpers both front ends (MOO and Echo) use on tree-sitter trees.
#pragma once

#include <tree_sitter/api.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
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

// ASCII lower case: variable and keyword lookups in both syntaxes.
inline std::string lower_case(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// The binary operator a grammar's operator token stands for (both grammars
// spell them alike); false for `&&`, `||` and anything unknown.
inline bool binary_op(std::string_view token, ast::BinOp* out) {
  static const struct {
    const char* text;
    ast::BinOp op;
  } ops[] = {{"+", ast::BinOp::Add},    {"-", ast::BinOp::Sub},     {"*", ast::BinOp::Mul},
             {"/", ast::BinOp::Div},    {"%", ast::BinOp::Mod},     {"^", ast::BinOp::Pow},
             {"==", ast::BinOp::Eq},    {"!=", ast::BinOp::Ne},     {"<", ast::BinOp::Lt},
             {"<=", ast::BinOp::Le},    {">", ast::BinOp::Gt},      {">=", ast::BinOp::Ge},
             {"in", ast::BinOp::In},    {"&.", ast::BinOp::BitAnd}, {"|.", ast::BinOp::BitOr},
             {"^.", ast::BinOp::BitXor}, {"<<", ast::BinOp::Shl},   {">>", ast::BinOp::Shr}};
  for (const auto& o : ops)
    if (token == o.text) {
      *out = o.op;
      return true;
    }
  return false;
}

}  // namespace echo::ts
