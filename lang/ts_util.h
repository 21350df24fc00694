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

// How many levels of syntax tree a program may nest. The parser keeps its
// stack on the heap, but what walks the tree after it (error reporting,
// lowering, the compiler, the AST's destructors) recurses once per level, so
// deeper input (`((((...))))' 100,000 deep) is refused with a compile error
// instead of overflowing the stack. A level of source nesting is one to
// three tree levels; a chain of N binary operators is N levels.
inline constexpr uint32_t kMaxTreeDepth = 3000;

// Finds the first node, in document order, more than max_depth levels below
// root. Walks with a cursor (no recursion), so any depth is safe.
inline bool too_deep(TSNode root, uint32_t max_depth, TSNode* found) {
  TSTreeCursor c = ts_tree_cursor_new(root);
  uint32_t depth = 0;
  bool deep = false;
  for (;;) {
    if (depth > max_depth) {
      *found = ts_tree_cursor_current_node(&c);
      deep = true;
      break;
    }
    if (ts_tree_cursor_goto_first_child(&c)) {
      ++depth;
      continue;
    }
    while (!ts_tree_cursor_goto_next_sibling(&c) && depth > 0) {
      ts_tree_cursor_goto_parent(&c);
      --depth;
    }
    if (depth == 0) break;
  }
  ts_tree_cursor_delete(&c);
  return deep;
}

// tree-sitter 0.20.7 itself corrupts its heap when it recovers from a syntax
// error with a parse stack some 65,000 entries deep (`return ((((...;' or
// `return - - - ... )' 70,000 long), before too_deep() could see the tree.
// So the text is checked first, lexically (strings and comments skipped):
// brackets and block keywords may nest at most max_depth, and a run of tokens
// with no `,' or `;' in it -- what leaves the stack deep without nesting, as
// `x = x = ...' does -- may be at most kMaxTokenRun long. Both bounds are far
// beyond real code, and what they refuse too_deep() would refuse anyway.
inline constexpr uint32_t kMaxTokenRun = 30000;

inline bool too_deep_text(std::string_view src, uint32_t max_depth, ast::Pos* where) {
  if (src.size() <= max_depth) return false;  // too short to be refused
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  int line = 1, col = 1;
  uint32_t depth = 0, run = 0;
  size_t i = 0;
  auto advance = [&](size_t to) {
    for (; i < to && i < src.size(); ++i) {
      if (src[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  while (i < src.size()) {
    char c = src[i];
    if (c == '"') {  // a string literal: one token
      size_t j = i + 1;
      while (j < src.size() && src[j] != '"') j += src[j] == '\\' ? 2 : 1;
      ++run;
      advance(j + 1);
    } else if (c == '/' && i + 1 < src.size() && (src[i + 1] == '/' || src[i + 1] == '*')) {
      size_t j = src[i + 1] == '/' ? src.find('\n', i) : src.find("*/", i + 2);
      advance(j == std::string_view::npos ? src.size() : (src[i + 1] == '/' ? j : j + 2));
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      advance(i + 1);
    } else {
      ast::Pos at{line, col};
      size_t j = i + 1;
      if (is_word(c)) {
        while (j < src.size() && is_word(src[j])) ++j;
        std::string w(src.substr(i, j - i));
        for (char& ch : w) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        if (w.rfind("end", 0) == 0 && w.size() > 3) {
          if (depth) --depth;
        } else if (w == "if" || w == "while" || w == "for" || w == "fork" || w == "try" || w == "fn" ||
                   w == "function" || w == "object" || w == "verb" || w == "on" || w == "match") {
          ++depth;
        }
        ++run;
      } else if (c == '(' || c == '[' || c == '{') {
        ++depth;
        ++run;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth) --depth;
        ++run;
      } else if (c == ',' || c == ';') {
        run = 0;
      } else {
        ++run;
      }
      if (depth > max_depth || run > kMaxTokenRun) {
        *where = at;
        return true;
      }
      advance(j);
    }
  }
  return false;
}

// The lowerers' recursion is bounded in levels (their kMaxDepth) and also in
// stack bytes: a level of nested lists costs about 2.4 KB of stack even in an
// optimised build (expr, arguments, each_child, argument), and several times
// that under AddressSanitizer (1990 levels overflowed its 8 MB). The compiler
// then recurses as deep again over the AST, so lowering gets 3 MB of a
// thread's 8 MB: about 1,250 nested lists or a 1,400-term `a + a + ...'.
// AddressSanitizer's frames grow in both walks alike; it gets 5 MB so that
// what the tests compile (a 1,000-term chain) still compiles under it.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr size_t kMaxLoweringStack = size_t(5) << 20;
#else
inline constexpr size_t kMaxLoweringStack = size_t(3) << 20;
#endif

// An address in the caller's frame, to measure stack use from.
[[gnu::always_inline]] inline const char* stack_mark() {
  return static_cast<const char*>(__builtin_frame_address(0));
}
// Stack bytes used since `mark` (stacks grow down on every target Echo has).
[[gnu::always_inline]] inline size_t stack_used_since(const char* mark) {
  const char* here = stack_mark();
  return mark > here ? size_t(mark - here) : 0;
}

// The compile error for a tree too_deep() refuses.
inline std::string too_deep_message(uint32_t max_depth) {
  return "nested too deeply (more than " + std::to_string(max_depth) + " levels of syntax)";
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
