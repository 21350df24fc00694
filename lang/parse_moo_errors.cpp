// Syntax error messages for MOO source: every ERROR and MISSING node of the
// tree-sitter tree becomes a CompileError saying what was found and what was
// expected.
//
// A MISSING node is tree-sitter's one-token repair ("expected ';' after
// expression"). For an ERROR node the tree does not say what went wrong, so
// the statement holding it is re-run through the grammar's own LR table
// (a small GLR driver over the generated lexer and parse table, no error
// recovery): the first token with no action is what was found, and the
// tokens that would have been accepted there are what was expected. That
// re-run also applies LambdaMOO's rule that keywords are reserved, which the
// tree-sitter parse relaxes (it reads `endwhile` as a name where the keyword
// cannot appear).
#include <tree_sitter/api.h>

// The layout of the generated TSLanguage (ABI 14), to read its tables. The
// runtime's api.h (0.20) does not declare TSStateId, which parser.h then
// skips because api.h came first.
typedef uint16_t TSStateId;
#include "tree_sitter/parser.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "lang/lower_moo.h"

namespace echo::moo {

namespace {

// ------------------------------------------------------------ the LR driver

class Table {
 public:
  explicit Table(const TSLanguage* l) : l_(l) {}
  const TSLanguage* lang() const { return l_; }

  uint16_t lookup(TSStateId state, TSSymbol sym) const {
    if (state >= l_->large_state_count) {
      const uint16_t* data = &l_->small_parse_table[l_->small_parse_table_map[state - l_->large_state_count]];
      uint16_t groups = *data++;
      for (uint16_t g = 0; g < groups; g++) {
        uint16_t value = *data++;
        uint16_t n = *data++;
        for (uint16_t k = 0; k < n; k++)
          if (*data++ == sym) return value;
      }
      return 0;
    }
    return l_->parse_table[state * l_->symbol_count + sym];
  }

  const TSParseActionEntry* actions(TSStateId state, TSSymbol sym, uint32_t* count) const {
    const TSParseActionEntry* e = &l_->parse_actions[lookup(state, sym)];
    *count = e->entry.count;
    return e + 1;
  }

 private:
  const TSLanguage* l_;
};

// A TSLexer over the (ASCII) text, for the generated lexer and scanner.
struct SimLexer {
  TSLexer base;
  const char* src;
  uint32_t len;
  uint32_t pos = 0, start = 0, end = 0;

  SimLexer(std::string_view text) : src(text.data()), len(static_cast<uint32_t>(text.size())) {
    base.advance = &SimLexer::advance;
    base.mark_end = &SimLexer::mark_end;
    base.get_column = &SimLexer::get_column;
    base.is_at_included_range_start = &SimLexer::at_range_start;
    base.eof = &SimLexer::at_eof;
    reset(0);
  }
  void reset(uint32_t p) {
    pos = start = end = p;
    base.result_symbol = 0;
    load();
  }
  void load() { base.lookahead = pos < len ? static_cast<unsigned char>(src[pos]) : 0; }
  static SimLexer* self(const TSLexer* l) {
    return reinterpret_cast<SimLexer*>(const_cast<TSLexer*>(l));
  }
  static void advance(TSLexer* l, bool skip) {
    SimLexer* s = self(l);
    if (s->pos < s->len) s->pos++;
    if (skip) s->start = s->pos;
    s->load();
  }
  static void mark_end(TSLexer* l) { self(l)->end = self(l)->pos; }
  static uint32_t get_column(TSLexer* l) {
    SimLexer* s = self(l);
    uint32_t c = 0;
    while (c < s->pos && s->src[s->pos - c - 1] != '\n') c++;
    return c;
  }
  static bool at_range_start(const TSLexer*) { return false; }
  static bool at_eof(const TSLexer* l) { return self(l)->pos >= self(l)->len; }
};

struct Token {
  TSSymbol sym = 0;
  uint32_t start = 0, end = 0;
  bool lex_error = false;
};

struct SyntaxError {
  Token found;
  std::vector<TSSymbol> expected;
  uint32_t prev_end = 0;  // end of the last token shifted before it
};

using Stack = std::vector<TSStateId>;

class Driver {
 public:
  Driver(const Grammar& g, std::string_view text)
      : g_(g), table_(g.lang), l_(g.lang), lexer_(text) {
    dot_ = sym("."), colon_ = sym(":"), dollar_ = sym("$"), semicolon_ = sym(";"), if_ = sym("if");
    for (const char* k : {"if", "for", "while", "fork", "try", "return", "break", "continue",
                          "elseif", "else", "endif", "endfor", "endwhile", "endfork", "except",
                          "finally", "endtry"})
      sync_tokens_.insert(sym(k));
  }

  // Parses the whole text and returns its syntax errors in order. After an
  // error it recovers in panic mode: tokens are skipped until one that can
  // start or end a statement (after a `;`, a statement keyword, a block
  // keyword or the end) fits a statement boundary of the stack; as in yacc,
  // no new error is reported until three tokens have been shifted since.
  std::vector<SyntaxError> run(size_t max_errors) {
    std::vector<SyntaxError> errors;
    std::vector<Stack> versions{Stack{1}};
    uint32_t pos = 0;
    TSSymbol prev = 0;
    bool recovering = false, after_semicolon = false;
    uint32_t last_end = 0;
    int shifted_since_error = 3;
    for (int steps = 0; steps < 1000000; steps++) {
      Token tok = lex(versions, pos, prev, recovering);
      if (!tok.lex_error && tok.sym == g_.comment) {
        pos = tok.end;
        continue;
      }
      std::vector<Stack> next;
      bool accepted = false;
      if (!tok.lex_error)
        for (const Stack& v : versions) advance(v, tok.sym, &next, &accepted);
      if (accepted) break;
      if (!next.empty()) {
        std::sort(next.begin(), next.end());
        next.erase(std::unique(next.begin(), next.end()), next.end());
        if (next.size() > 32) next.resize(32);
        versions = std::move(next);
        recovering = false;
        shifted_since_error++;
        last_end = tok.end;
        prev = tok.sym;
        pos = tok.end;
        continue;
      }
      if (!recovering) {
        if (shifted_since_error >= 3) {
          errors.push_back(SyntaxError{tok, expected(versions), last_end});
          if (errors.size() >= max_errors) break;
        }
        recovering = true;
        after_semicolon = false;
      }
      shifted_since_error = 0;
      // Resynchronise at a statement boundary when the token allows it.
      if (!tok.lex_error && (after_semicolon || tok.sym == 0 || sync_tokens_.count(tok.sym))) {
        if (resync(versions, tok.sym)) continue;
      }
      if (tok.sym == 0 && !tok.lex_error) break;  // nothing accepts the end: give up
      after_semicolon = !tok.lex_error && tok.sym == semicolon_;
      prev = tok.lex_error ? 0 : tok.sym;
      pos = std::max(tok.end, pos + 1);
      if (pos > lexer_.len) break;
    }
    return errors;
  }

 private:
  const Grammar& g_;
  Table table_;
  const TSLanguage* l_;
  SimLexer lexer_;
  TSSymbol dot_, colon_, dollar_, semicolon_, if_;
  std::set<TSSymbol> sync_tokens_;

  // Pops each stack to its deepest statement boundary (a state where a
  // statement may begin) at which `s` is valid; true when one exists.
  bool resync(std::vector<Stack>& versions, TSSymbol s) {
    for (const Stack& v : versions)
      for (size_t len = v.size(); len >= 1; len--) {
        Stack prefix(v.begin(), v.begin() + static_cast<long>(len));
        if (table_.lookup(prefix.back(), if_) == 0) continue;
        if (valid(prefix, s)) {
          versions = {std::move(prefix)};
          return true;
        }
      }
    return false;
  }

  TSSymbol sym(const char* name) {
    return ts_language_symbol_for_name(l_, name, static_cast<uint32_t>(strlen(name)), false);
  }

  bool valid(const Stack& v, TSSymbol s) {
    std::vector<Stack> out;
    bool accepted = false;
    advance(v, s, &out, &accepted);
    return accepted || !out.empty();
  }

  // Performs the reductions and the shift of `s` on one stack, forking on
  // conflicts; the stacks that shifted go to `out`.
  void advance(const Stack& start, TSSymbol s, std::vector<Stack>* out, bool* accepted) {
    std::vector<Stack> work{start};
    for (int guard = 0; !work.empty() && guard < 10000; guard++) {
      Stack st = std::move(work.back());
      work.pop_back();
      uint32_t count = 0;
      const TSParseActionEntry* acts = table_.actions(st.back(), s, &count);
      for (uint32_t i = 0; i < count; i++) {
        const TSParseAction& a = acts[i].action;
        if (a.type == TSParseActionTypeShift) {
          Stack n = st;
          if (!a.shift.extra) n.push_back(a.shift.state);
          out->push_back(std::move(n));
        } else if (a.type == TSParseActionTypeReduce) {
          Stack n = st;
          if (a.reduce.child_count >= n.size()) continue;
          n.resize(n.size() - a.reduce.child_count);
          TSStateId to = table_.lookup(n.back(), a.reduce.symbol);
          if (to == 0) continue;
          n.push_back(to);
          work.push_back(std::move(n));
        } else if (a.type == TSParseActionTypeAccept) {
          *accepted = true;
        }
      }
    }
  }

  std::vector<TSSymbol> expected(const std::vector<Stack>& versions) {
    std::vector<TSSymbol> out;
    for (TSSymbol s = 1; s < l_->token_count; s++) {
      if (s == g_.comment) continue;
      for (const Stack& v : versions)
        if (valid(v, s)) {
          out.push_back(s);
          break;
        }
    }
    return out;
  }

  bool has_actions(const std::vector<Stack>& versions, TSSymbol s) {
    for (const Stack& v : versions)
      if (table_.lookup(v.back(), s) != 0) return true;
    return false;
  }

  // Lexes one token in the lex mode of `state` (state 0: every token).
  bool lex_in(TSStateId state, uint32_t pos, Token* tok) {
    TSLexMode mode = l_->lex_modes[state];
    if (mode.external_lex_state != 0) {
      lexer_.reset(pos);
      const bool* valid =
          &l_->external_scanner.states[mode.external_lex_state * l_->external_token_count];
      if (l_->external_scanner.scan(nullptr, &lexer_.base, valid)) {
        tok->sym = l_->external_scanner.symbol_map[lexer_.base.result_symbol];
        return true;
      }
    }
    lexer_.reset(pos);
    if (!l_->lex_fn(&lexer_.base, mode.lex_state)) return false;
    tok->sym = lexer_.base.result_symbol;
    return true;
  }

  Token lex(const std::vector<Stack>& versions, uint32_t pos, TSSymbol prev, bool recovering) {
    Token tok;
    bool found = lex_in(recovering ? 0 : versions.front().back(), pos, &tok);
    // A token the state cannot lex is still a token: lex it as the error
    // state would, so the message can name it.
    if (!found && !recovering) found = lex_in(0, pos, &tok);
    if (!found) {
      // Nothing lexes here: report the first character that is not space.
      uint32_t p = pos;
      while (p < lexer_.len && std::strchr(" \t\n\r\f\v", lexer_.src[p])) p++;
      tok.lex_error = true;
      tok.start = p;
      tok.end = std::min(p + 1, lexer_.len);
      return tok;
    }
    tok.start = lexer_.start;
    tok.end = std::max(lexer_.end, lexer_.start);
    if (tok.sym == l_->keyword_capture_token && l_->keyword_lex_fn) {
      lexer_.reset(tok.start);
      if (l_->keyword_lex_fn(&lexer_.base, 0) && lexer_.end == tok.end) {
        TSSymbol kw = lexer_.base.result_symbol;
        // Keywords are reserved (LambdaMOO), except as the name after `.`,
        // `:` or `$`, which the grammar allows.
        if (has_actions(versions, kw) || (prev != dot_ && prev != colon_ && prev != dollar_))
          tok.sym = kw;
      }
    }
    return tok;
  }
};

// ----------------------------------------------------------------- messages

struct Text {
  std::string_view parsed, original;

  ast::Pos pos_of(uint32_t byte) const {
    int line = 1;
    uint32_t line_start = 0;
    for (uint32_t i = 0; i < byte && i < parsed.size(); i++)
      if (parsed[i] == '\n') {
        line++;
        line_start = i + 1;
      }
    return {line, static_cast<int>(byte - line_start) + 1};
  }

  // The source text of [b, e) for a message: quoted, shortened, and with
  // unprintable bytes escaped.
  std::string quote(uint32_t b, uint32_t e) const {
    std::string_view t = original.substr(std::min<size_t>(b, original.size()),
                                         e > b ? e - b : 0);
    bool cut = t.size() > 24;
    if (cut) t = t.substr(0, 20);
    // 'x', or "x" when the text has a single quote in it.
    const char q = t.find('\'') != std::string_view::npos ? '"' : '\'';
    std::string out(1, q);
    for (char c : t) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f) {
        static const char hex[] = "0123456789abcdef";
        out += "\\x";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += c;
      }
    }
    return out + (cut ? "..." : "") + q;
  }

  // End of the display token starting at `b` (a rough MOO tokenizer).
  uint32_t token_end(uint32_t b) const {
    std::string_view s = parsed;
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    uint32_t e = b;
    if (e >= s.size()) return e;
    char c = s[e];
    if (word(c)) {
      while (e < s.size() && (word(s[e]) || (std::isdigit(static_cast<unsigned char>(c)) && s[e] == '.')))
        e++;
    } else if (c == '"') {
      for (e++; e < s.size() && s[e] != '"' && s[e] != '\n'; e++)
        if (s[e] == '\\') e++;
      if (e < s.size() && s[e] == '"') e++;
    } else if (c == '#') {
      e++;
      if (e < s.size() && s[e] == '-') e++;
      while (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) e++;
    } else {
      static const char* const two[] = {"==", "!=", "<=", ">=", "&&", "||", "..", "->",
                                        "=>", "<<", ">>", "|.", "&.", "^."};
      e++;
      for (const char* t : two)
        if (s.substr(b, 2) == t) e = b + 2;
    }
    return std::min<uint32_t>(e, static_cast<uint32_t>(s.size()));
  }

  // Start of the next token at or after `b`, past spaces and comments.
  uint32_t next_token(uint32_t b) const {
    while (b < parsed.size()) {
      if (std::isspace(static_cast<unsigned char>(parsed[b]))) {
        b++;
      } else if (parsed.substr(b, 2) == "/*") {
        size_t e = parsed.find("*/", b + 2);
        b = e == std::string_view::npos ? static_cast<uint32_t>(parsed.size()) : static_cast<uint32_t>(e + 2);
      } else {
        break;
      }
    }
    return b;
  }

  std::string describe_at(uint32_t b) const {
    if (b >= parsed.size()) return "end of program";
    if (parsed.substr(b, 2) == "/*" && parsed.find("*/", b + 2) == std::string_view::npos)
      return "an unterminated comment";
    if (parsed[b] == '"' && (token_end(b) == b + 1 || parsed[token_end(b) - 1] != '"'))
      return "an unterminated string";
    return quote(b, token_end(b));
  }
};

std::string join_alternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); i++) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

std::string describe_expected(const TSLanguage* l, const std::vector<TSSymbol>& syms) {
  auto name = [&](TSSymbol s) { return std::string_view(ts_language_symbol_name(l, s)); };
  auto has = [&](std::string_view n) {
    for (TSSymbol s : syms)
      if (name(s) == n) return true;
    return false;
  };
  static const char* const starters[] = {"identifier", "integer", "float", "string", "object_id",
                                         "true", "false", "(", "{", "[", "`", "$", "^", "-",
                                         "!", "~", "@"};
  static const char* const statements[] = {"if", "for", "while", "fork", "return", "break",
                                           "continue", "try", ";"};
  static const char* const operators[] = {"+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=",
                                          ">", ">=", "in", "&&", "||", "|.", "&.", "^.", "<<",
                                          ">>", "?", "=", ".", ":", "["};
  bool expression = has("identifier");
  bool statement = expression && has("if");
  bool op = has("+");
  auto in = [](std::string_view n, const auto& list) {
    for (const char* x : list)
      if (n == x) return true;
    return false;
  };
  std::vector<std::string> items;
  for (TSSymbol s : syms) {
    std::string_view n = name(s);
    if (n == "end") continue;
    if (expression && (in(n, starters) || (n.size() > 2 && n.substr(0, 2) == "E_"))) continue;
    if (statement && in(n, statements)) continue;
    if (op && in(n, operators)) continue;
    if (n == "identifier") {
      items.push_back("a name");
    } else if (n == "any") {
      items.push_back("'ANY'");
    } else if (n == "integer" || n == "float") {
      items.push_back("a number");
    } else if (n == "'") {
      items.push_back("\"'\"");
    } else {
      items.push_back("'" + std::string(n) + "'");
    }
  }
  items.erase(std::unique(items.begin(), items.end()), items.end());
  if (statement)
    items.push_back("a statement");
  else if (expression)
    items.push_back("an expression");
  if (op) items.push_back("an operator");
  if (items.empty()) return "end of program";
  return join_alternatives(items);
}

// A MISSING node with what its message needs (ts_node_parent is unreliable
// for zero-width nodes, so the walk records the parent).
struct Missing {
  TSNode node;
  std::string parent_type, field;
  uint32_t parent_line;  // 1-based
  std::string opener;    // first token of the parent (for "to close 'if'")
};

void collect(TSNode n, std::vector<Missing>& missing, std::vector<TSNode>& errors) {
  TSTreeCursor c = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&c)) {
    do {
      TSNode ch = ts_tree_cursor_current_node(&c);
      if (ts_node_is_missing(ch)) {
        const char* f = ts_tree_cursor_current_field_name(&c);
        TSNode first = ts_node_child(n, 0);
        missing.push_back(Missing{ch, ts_node_type(n), f ? f : "",
                                  ts_node_start_point(n).row + 1,
                                  ts_node_is_null(first) ? "" : ts_node_type(first)});
      } else if (ts_node_symbol(ch) == ts_builtin_sym_error) {
        errors.push_back(ch);
        collect(ch, missing, errors);
      } else if (ts_node_has_error(ch)) {
        collect(ch, missing, errors);
      }
    } while (ts_tree_cursor_goto_next_sibling(&c));
  }
  ts_tree_cursor_delete(&c);
}

// "expected X <context> but found Y" for a MISSING node; empty when the
// LR re-parse says it better (the repair is a guess among several tokens).
std::string missing_message(const Missing& m, const Text& text) {
  std::string what = ts_node_type(m.node);
  const std::string& ptype = m.parent_type;
  std::string expected = what == "'" ? "\"'\"" : "'" + what + "'";
  std::string context;
  if (what == ";") {
    if (ptype == "expression_statement") context = " after expression";
    else if (ptype == "return_statement") context = " after 'return'";
    else if (ptype == "break_statement") context = " after 'break'";
    else if (ptype == "continue_statement") context = " after 'continue'";
  } else if (what == ")" || what == "]" || what == "}" || what == "'") {
    static const struct {
      const char* parent;
      const char* context;
    } closers[] = {{"argument_list", " to close the argument list"},
                   {"parenthesized_expression", " to close '('"},
                   {"if_statement", " after the condition"},
                   {"elseif_clause", " after the condition"},
                   {"while_statement", " after the condition"},
                   {"for_statement", " after the list expression"},
                   {"fork_statement", " after the delay"},
                   {"except_clause", " after the error codes"},
                   {"list", " to close the list"},
                   {"scatter_pattern", " to close the scattering targets"},
                   {"map", " to close the map"},
                   {"index_expression", " to close the index"},
                   {"range_expression", " to close the range"},
                   {"for_range_statement", " to close the range"},
                   {"catch_expression", " to close the catch expression"}};
    for (const auto& c : closers)
      if (ptype == c.parent) context = c.context;
  } else if (what == "identifier") {
    if (m.field == "property") expected = "a property name", context = " after '.'";
    else if (m.field == "verb") expected = "a verb name", context = " after ':'";
    else if (m.field == "name" && (ptype == "system_property" || ptype == "system_verb_call"))
      expected = "a name", context = " after '$'";
    else return {};
  } else if (what.size() > 3 && what.compare(0, 3, "end") == 0 && !m.opener.empty()) {
    context = " to close '" + m.opener + "' on line " + std::to_string(m.parent_line);
  } else {
    return {};
  }
  uint32_t at = text.next_token(ts_node_start_byte(m.node));
  return "expected " + expected + context + " but found " + text.describe_at(at);
}

}  // namespace

void report_syntax_errors(TSNode root, std::string_view parsed, std::string_view original,
                          std::vector<CompileError>& errors) {
  const Grammar& g = Grammar::get();
  Text text{parsed, original};
  std::vector<Missing> missing;
  std::vector<TSNode> error_nodes;
  if (ts_node_symbol(root) == ts_builtin_sym_error) error_nodes.push_back(root);
  collect(root, missing, error_nodes);

  std::vector<std::pair<uint32_t, std::string>> found;
  auto add = [&](uint32_t byte, std::string message) {
    for (const auto& f : found)
      if (f.first == byte) return;
    found.push_back({byte, std::move(message)});
  };

  Driver driver(g, parsed);
  const TSSymbol semicolon = ts_language_symbol_for_name(g.lang, ";", 1, false);
  const TSSymbol plus = ts_language_symbol_for_name(g.lang, "+", 1, false);
  for (const SyntaxError& err : driver.run(50)) {
    uint32_t at = err.found.start;
    // Where tree-sitter repaired the text with a token just before this
    // one, its repair names the missing token precisely.
    std::string message;
    uint32_t where = at;
    for (const Missing& m : missing) {
      uint32_t b = ts_node_start_byte(m.node);
      if (b <= at && text.next_token(b) == at && !(message = missing_message(m, text)).empty()) {
        where = b;
        break;
      }
    }
    std::string what = err.found.lex_error || text.parsed.substr(at, 2) == "/*"
                           ? text.describe_at(at)
                       : err.found.sym == 0 ? std::string("end of program")
                                            : text.quote(at, err.found.end);
    // A statement cut short at the end of a line: the `;` is missing there.
    if (message.empty() && at > err.prev_end &&
        text.pos_of(err.prev_end).line < text.pos_of(at).line &&
        std::find(err.expected.begin(), err.expected.end(), semicolon) != err.expected.end() &&
        std::find(err.expected.begin(), err.expected.end(), plus) != err.expected.end()) {
      message = "expected ';' after expression but found " + what;
      where = err.prev_end;
    }
    if (message.empty())
      message = "expected " + describe_expected(g.lang, err.expected) + " but found " + what;
    add(where, std::move(message));
  }
  // The re-parse and tree-sitter agree on what is valid, so this is only a
  // safety net: name what tree-sitter could not parse.
  if (found.empty()) {
    for (const Missing& m : missing) {
      std::string message = missing_message(m, text);
      uint32_t b = ts_node_start_byte(m.node);
      add(b, message.empty() ? "expected '" + std::string(ts_node_type(m.node)) + "' but found " +
                                   text.describe_at(text.next_token(b))
                             : message);
    }
    for (TSNode e : error_nodes) {
      uint32_t at = text.next_token(ts_node_start_byte(e));
      add(at, "unexpected " + text.describe_at(at));
    }
  }
  if (found.empty()) add(0, "syntax error");
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& f : found) {
    ast::Pos p = text.pos_of(f.first);
    errors.push_back(CompileError{p.line, p.column, std::move(f.second)});
  }
}

}  // namespace echo::moo
