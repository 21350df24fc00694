// ToastStunt's Perl-compatible regular expressions (pcre_moo.cc there):
// pcre_match() and pcre_replace(), on PCRE2, and pcre_cache_stats().
//
// pcre_match(subject, pattern [, case_matters [, repeat]]): a list with a
// map per match, keyed by group number ("0" is the whole match) or by name
// for named groups, each ["match" -> STR, "position" -> {start, end}]
// (1-based, inclusive; an unset group is "" at {0, -1}). Caseless unless
// case_matters; every match unless repeat is 0. An empty subject or pattern
// is E_INVARG; a loop past $server_options.pcre_match_max_iterations
// (default 1000, clamped to 100..100,000,000) raises E_MAXREC, as
// ToastStunt's does (an empty match does not advance, so "x*" on "abc" is
// one of them).
//
// pcre_replace(subject, "s/pattern/replacement/flags"): Privoxy's pcrs, which
// ToastStunt uses: any delimiter (the command's second character, escaped
// with a backslash inside the parts); flags g (every match), i, m, s, x, U
// (ungreedy) and T (the replacement taken literally); in the replacement $N,
// $& (the match), $+ (the last group), $` and $' (the text before and after
// the match), and \t \n \r \f \a \e \0. Non-printable characters in the
// result become spaces, as ToastStunt sanitizes it.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "lang/builtins/helpers.h"
#include "lang/world/world.h"

namespace echo::bi {

namespace {

struct CodeFree {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
using Code = std::shared_ptr<pcre2_code>;

struct MatchDataFree {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataFree>;

std::string pcre_error_text(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return reinterpret_cast<const char*>(buf);
}

// Compiled patterns, by (pattern, options): MOO code tends to reuse a few.
// Bounded: past kCacheSize entries the cache starts over. `hits` counts the
// lookups each entry answered, for pcre_cache_stats().
constexpr size_t kCacheSize = 256;
struct Cached {
  Code code;
  int64_t hits = 0;
};
std::mutex cache_mu;
std::map<std::pair<std::string, uint32_t>, Cached> cache;

// The compiled pattern, or nullptr with *error set.
Code compile(const std::string& pattern, uint32_t options, std::string* error) {
  std::lock_guard<std::mutex> lk(cache_mu);
  auto key = std::make_pair(pattern, options);
  if (auto it = cache.find(key); it != cache.end()) {
    ++it->second.hits;
    return it->second.code;
  }
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &code,
                                 &offset, nullptr);
  if (!re) {
    *error = "PCRE2 compile error at offset " + std::to_string(offset) + ": " + pcre_error_text(code);
    return nullptr;
  }
  Code c(re, CodeFree{});
  if (cache.size() >= kCacheSize) cache.clear();
  cache.emplace(std::move(key), Cached{c, 0});
  return c;
}

// pcre_cache_stats() (ToastStunt, wizards only): {pattern, hits} for each
// compiled pattern cached, one per pattern and options (a pattern used both
// caselessly and not is there twice), in the cache's order. Echo's cache
// also holds pcre_replace()'s patterns; ToastStunt's only pcre_match()'s.
Value bf_pcre_cache_stats(BuiltinContext& ctx, std::span<Value>) {
  if (!ctx.wizard()) raise(E_PERM);
  std::vector<std::pair<std::string, int64_t>> entries;
  {
    std::lock_guard<std::mutex> lk(cache_mu);  // no Values made under it: they may raise
    for (const auto& [key, c] : cache) entries.emplace_back(key.first, c.hits);
  }
  Value out = Value::empty_list();
  for (auto& [pattern, hits] : entries) {
    check_list_length(out.list_len() + 1);
    list_append(out, make_list({str(pattern), integer(hits)}));
  }
  return out;
}

// Backtracking and depth limits, as ToastStunt sets them (a pattern from MOO
// code must not hang the server).
pcre2_match_context* match_context() {
  static pcre2_match_context* ctx = [] {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(c, 10000000);
    pcre2_set_depth_limit(c, 10000);
    return c;
  }();
  return ctx;
}

int64_t max_iterations(BuiltinContext& ctx) {
  int64_t n = server_int_option(ctx, "pcre_match_max_iterations", 1000);
  return n < 100 ? 100 : n >= 100000000 ? 100000000 : n;
}


Value group_value(std::string_view subject, const PCRE2_SIZE* ov, uint32_t n) {
  Value m = Value::empty_map();
  if (ov[2 * n] == PCRE2_UNSET) {
    m.map_mut()->set(str("match"), str(""));
    m.map_mut()->set(str("position"), list_from(std::vector<Value>{integer(0), integer(-1)}));
    return m;
  }
  size_t start = ov[2 * n], end = ov[2 * n + 1];
  m.map_mut()->set(str("match"), str(subject.substr(start, end > start ? end - start : 0)));
  m.map_mut()->set(str("position"), list_from(std::vector<Value>{integer(int64_t(start) + 1), integer(int64_t(end))}));
  return m;
}

Value bf_pcre_match(BuiltinContext& ctx, std::span<Value> a) {
  std::string subject = cstr(a[0]), pattern = cstr(a[1]);
  uint32_t options = a.size() >= 3 && a[2].truthy() ? 0 : PCRE2_CASELESS;
  bool repeat = !(a.size() >= 4 && a[3].as_int() == 0);
  if (subject.empty() || pattern.empty()) raise(E_INVARG);
  std::string error;
  Code re = compile(pattern, options, &error);
  if (!re) raise(E_INVARG, error);
  MatchData md(pcre2_match_data_create_from_pattern(re.get(), nullptr));
  if (!md) raise(E_QUOTA, "Failed to allocate PCRE2 match data");
  uint32_t names = 0, entry_size = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(re.get(), PCRE2_INFO_NAMECOUNT, &names);
  pcre2_pattern_info(re.get(), PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
  pcre2_pattern_info(re.get(), PCRE2_INFO_NAMETABLE, &table);
  int64_t limit = max_iterations(ctx);

  std::vector<Value> out;
  size_t offset = 0;
  int64_t loops = 0;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
  while (offset < subject.size()) {
    ++loops;
    int rc = pcre2_match(re.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), offset, 0, md.get(),
                         match_context());
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0)
      raise(E_INVARG, "pcre2_match returned error: " + pcre_error_text(rc) + " (" + std::to_string(rc) + ")");
    if (loops >= limit)
      raise(E_MAXREC, "Too many iterations of matching loop: " + std::to_string(loops));
    Value groups = Value::empty_map();
    std::vector<bool> named(size_t(rc), false);
    for (uint32_t i = 0; i < names; ++i) {
      PCRE2_SPTR e = table + size_t(i) * entry_size;
      uint32_t n = (uint32_t(e[0]) << 8) | e[1];
      if (n >= uint32_t(rc)) continue;  // a group past the last one set
      named[n] = true;
      groups.map_mut()->set(str(reinterpret_cast<const char*>(e + 2)), group_value(subject, ov, n));
    }
    for (uint32_t i = 0; i < uint32_t(rc); ++i)
      if (!named[i]) groups.map_mut()->set(str(std::to_string(i)), group_value(subject, ov, i));
    out.push_back(std::move(groups));
    offset = ov[1];
    check_list_length(out.size());
    if (!repeat) break;
  }
  return list_from(out);
}

// ---- pcre_replace: Privoxy's pcrs ----

constexpr int kPcrsCmdSyntax = -11;  // PCRS_ERR_CMDSYNTAX

// The replacement, cut into literal text and references: ref >= 0 a group,
// kBefore / kAfter the text before / after the match.
constexpr int kBefore = -2, kAfter = -3, kNone = -1;
struct Piece {
  std::string text;
  int ref = kNone;
};

std::vector<Piece> compile_replacement(std::string_view r, bool trivial, uint32_t capture_count) {
  std::vector<Piece> pieces(1);
  if (trivial) {
    pieces[0].text = std::string(r);
    return pieces;
  }
  bool quoted = false;
  size_t i = 0;
  while (i < r.size()) {
    char c = r[i];
    if (c == '\\') {
      if (quoted) {
        pieces.back().text += r[i++];
        quoted = false;
        continue;
      }
      static const std::string_view kEsc = "tnrfae0";
      if (i + 1 < r.size() && kEsc.find(r[i + 1]) != std::string_view::npos) {
        static const char kVal[] = {'\t', '\n', '\r', '\f', 7, 27, 0};
        pieces.back().text += kVal[kEsc.find(r[++i])];
      } else {
        quoted = true;
      }
      ++i;
      continue;
    }
    if (c == '$' && !quoted && i + 1 < r.size()) {
      int ref;
      if (std::isdigit(static_cast<unsigned char>(r[i + 1]))) {
        ref = 0;
        ++i;
        while (i < r.size() && std::isdigit(static_cast<unsigned char>(r[i]))) {
          if (ref < 100000) ref = ref * 10 + (r[i] - '0');
          ++i;
        }
      } else if (r[i + 1] == '&') {
        ref = 0, i += 2;
      } else if (r[i + 1] == '+') {
        ref = int(capture_count), i += 2;
      } else if (r[i + 1] == '`') {
        ref = kBefore, i += 2;
      } else if (r[i + 1] == '\'') {
        ref = kAfter, i += 2;
      } else {
        pieces.back().text += r[i++];
        quoted = false;
        continue;
      }
      pieces.back().ref = ref;
      pieces.emplace_back();
      continue;
    }
    pieces.back().text += r[i++];
    quoted = false;
  }
  return pieces;
}

Value bf_pcre_replace(BuiltinContext&, std::span<Value> a) {
  std::string subject = cstr(a[0]);
  std::string_view command = a[1].as_str();
  auto syntax_error = [] {
    raise(E_INVARG, "Compile error:  (pcrs:) Syntax error while parsing command (" + std::to_string(kPcrsCmdSyntax) + ")");
  };
  // pcrs_compile_command: split on the unescaped delimiter into exactly four
  // parts (the first is the command letter, not checked).
  if (command.size() < 4) syntax_error();
  char delim = command[1];
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == delim && !quoted) {
      if (parts.size() == 4) syntax_error();
      parts.emplace_back();
      continue;
    }
    if (c == '\\' && !quoted) {
      quoted = true;
      if (i + 1 < command.size() && command[i + 1] == delim) continue;
    } else {
      quoted = false;
    }
    parts.back() += c;
  }
  if (parts.size() != 4) syntax_error();
  uint32_t options = 0;
  bool global = false, trivial = false;
  for (char f : parts[3]) {
    switch (f) {
      case 'g': global = true; break;
      case 'i': options |= PCRE2_CASELESS; break;
      case 'm': options |= PCRE2_MULTILINE; break;
      case 's': options |= PCRE2_DOTALL; break;
      case 'x': options |= PCRE2_EXTENDED; break;
      case 'U': options |= PCRE2_UNGREEDY; break;
      case 'T': trivial = true; break;
      default: break;  // pcrs ignores the rest ('e', 'o', ...)
    }
  }
  std::string error;
  Code re = compile(parts[1], options, &error);
  if (!re) syntax_error();  // pcrs_compile_command reports every failure so
  uint32_t captures = 0;
  pcre2_pattern_info(re.get(), PCRE2_INFO_CAPTURECOUNT, &captures);
  std::vector<Piece> pieces = compile_replacement(parts[2], trivial, captures);

  MatchData md(pcre2_match_data_create_from_pattern(re.get(), nullptr));
  if (!md) raise(E_QUOTA, "Failed to allocate PCRE2 match data");
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
  std::string out;
  size_t copied = 0, from = 0;
  while (from <= subject.size()) {
    int rc = pcre2_match(re.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), from, 0, md.get(),
                         match_context());
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0)
      raise(E_INVARG, "Exec error:  (pcre:) " + pcre_error_text(rc) + " (" + std::to_string(rc) + ")");
    size_t ms = ov[0], me = ov[1];
    out.append(subject, copied, ms - copied);
    for (const Piece& p : pieces) {
      out += p.text;
      if (p.ref == kBefore) {
        out.append(subject, 0, ms);
      } else if (p.ref == kAfter) {
        out.append(subject, me, std::string::npos);
      } else if (p.ref >= 0 && p.ref < rc && ov[2 * p.ref] != PCRE2_UNSET) {
        out.append(subject, ov[2 * p.ref], ov[2 * p.ref + 1] - ov[2 * p.ref]);
      }
      check_string_length(out.size());
    }
    copied = me;
    if (!global) break;
    // pcrs: an empty match does not loop; the next search starts a byte on.
    if (me == from) {
      if (from >= subject.size()) break;
      ++from;
    } else {
      from = me;
    }
  }
  out.append(subject, copied, std::string::npos);
  for (char& c : out)
    if (!std::isprint(static_cast<unsigned char>(c))) c = ' ';
  return str(out);
}

}  // namespace

void register_pcre_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"pcre_match", 2, 4, {A::Str, A::Str, A::Any, A::Int}, bf_pcre_match});
  b.add({"pcre_replace", 2, 2, {A::Str, A::Str}, bf_pcre_replace});
  b.add({"pcre_cache_stats", 0, 0, {}, bf_pcre_cache_stats});
}

}  // namespace echo::bi
