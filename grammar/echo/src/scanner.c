// External scanner for the Echo grammar (copied from grammar/moo): numbers,
// the bitwise operators, and record keys.
//
// Numbers follow LambdaMOO's lexer exactly: digits, then an optional `.` and
// fraction (but not when the `.` starts `..`, so `1..2` is 1 .. 2), then an
// optional exponent; `.5` is a float. `^.`, `|.` and `&.` are ToastStunt's
// bitwise operators, except when the `.` starts a number or `..`, so that
// `2^.5`, `a ? b |.5` and `x[^..$]` keep their LambdaMOO meaning.
//
// A record key is a name immediately followed by `:` and white space
// (`{name: x}`); the token is the name alone, the `:` is lexed after it. So
// `{this:name()}` (no space) stays a list holding a verb call. Record keys are
// only produced where the parser can take one (after `{` or a record's `,`),
// never during error recovery (when every token is valid, which the
// ERROR_SENTINEL token, used nowhere in the grammar, shows).
#include <stdbool.h>
#include <stdint.h>

#include "tree_sitter/parser.h"

enum TokenType { INTEGER, FLOAT, BITXOR, BITOR, BITAND, RECORD_KEY, ERROR_SENTINEL };

static bool is_digit(int32_t c) { return c >= '0' && c <= '9'; }

static bool is_name_start(int32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(int32_t c) { return is_name_start(c) || is_digit(c); }

static bool is_space(int32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void advance(TSLexer *lexer) { lexer->advance(lexer, false); }

// `name:` followed by white space; the token ends after the name.
static bool scan_record_key(TSLexer *lexer) {
  while (is_name_char(lexer->lookahead)) advance(lexer);
  lexer->mark_end(lexer);
  if (lexer->lookahead != ':') return false;
  advance(lexer);
  if (!is_space(lexer->lookahead)) return false;
  lexer->result_symbol = RECORD_KEY;
  return true;
}

static bool scan_number(TSLexer *lexer, const bool *valid) {
  bool is_float = false;
  int digits = 0;
  while (is_digit(lexer->lookahead)) {
    advance(lexer);
    digits++;
  }
  lexer->mark_end(lexer);
  if (lexer->lookahead == '.') {
    advance(lexer);
    if (is_digit(lexer->lookahead)) {
      is_float = true;
      while (is_digit(lexer->lookahead)) advance(lexer);
      lexer->mark_end(lexer);
    } else if (digits == 0) {
      return false;  // a lone `.` or `..`: not a number
    } else if (lexer->lookahead != '.') {
      is_float = true;  // `1.`
      lexer->mark_end(lexer);
    }
    // else `1..`: the integer ends before the dots (already marked)
  }
  if (digits == 0 && !is_float) return false;
  if (lexer->lookahead == 'e' || lexer->lookahead == 'E') {
    // Only consumed when it really is an exponent; otherwise the number
    // ends before the `e` (LambdaMOO reports a malformed literal there,
    // and the parser will report the stray identifier).
    advance(lexer);
    if (lexer->lookahead == '+' || lexer->lookahead == '-') advance(lexer);
    if (is_digit(lexer->lookahead)) {
      while (is_digit(lexer->lookahead)) advance(lexer);
      lexer->mark_end(lexer);
      is_float = true;
    }
  }
  if (is_float ? !valid[FLOAT] : !valid[INTEGER]) return false;
  lexer->result_symbol = is_float ? FLOAT : INTEGER;
  return true;
}

static bool scan_bitwise(TSLexer *lexer, const bool *valid) {
  enum TokenType type;
  switch (lexer->lookahead) {
    case '^': type = BITXOR; break;
    case '|': type = BITOR; break;
    case '&': type = BITAND; break;
    default: return false;
  }
  if (!valid[type]) return false;
  advance(lexer);
  if (lexer->lookahead != '.') return false;
  advance(lexer);
  lexer->mark_end(lexer);
  if (is_digit(lexer->lookahead) || lexer->lookahead == '.') return false;
  lexer->result_symbol = type;
  return true;
}

void *tree_sitter_echo_external_scanner_create(void) { return NULL; }
void tree_sitter_echo_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_echo_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}
void tree_sitter_echo_external_scanner_deserialize(void *payload, const char *buffer,
                                                  unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

bool tree_sitter_echo_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid) {
  (void)payload;
  while (is_space(lexer->lookahead)) lexer->advance(lexer, true);
  if (valid[RECORD_KEY] && !valid[ERROR_SENTINEL] && is_name_start(lexer->lookahead))
    return scan_record_key(lexer);
  if ((valid[INTEGER] || valid[FLOAT]) &&
      (is_digit(lexer->lookahead) || lexer->lookahead == '.'))
    return scan_number(lexer, valid);
  return scan_bitwise(lexer, valid);
}
