// String builtins: strsub, index, rindex, strcmp, strtr, explode,
// decode_binary, encode_binary (and, through their own files, match,
// rmatch, substitute, crypt and the hashes).
#include <string>
#include <vector>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

bool at(std::string_view s, size_t i, std::string_view what, bool case_matters) {
  if (s.size() - i < what.size()) return false;
  if (case_matters) return s.compare(i, what.size(), what) == 0;
  return compare_ci(s.substr(i, what.size()), what) == 0;
}

// strsub(subject, what, with [, case-matters]): every non-overlapping
// occurrence, left to right; E_INVARG for an empty `what'.
Value bf_strsub(BuiltinContext&, std::span<Value> args) {
  std::string_view src = args[0].as_str(), what = args[1].as_str(), with = args[2].as_str();
  bool case_matters = args.size() >= 4 && args[3].truthy();
  if (what.empty()) raise(E_INVARG);
  std::string out;
  size_t i = 0;
  while (i < src.size()) {
    if (at(src, i, what, case_matters)) {
      out.append(with);
      i += what.size();
      check_string_length(out.size());
    } else {
      out += src[i++];
    }
  }
  return str(out);
}

// index(subject, what [, case-matters [, skip]]): 1-based position of the
// first occurrence, 0 if none; index(s, "") is 1. The fourth argument is
// ToastStunt's: the search starts after `skip' characters and, as in
// ToastStunt, the position returned is counted from there.
Value bf_index(BuiltinContext&, std::span<Value> args) {
  std::string_view src = args[0].as_str(), what = args[1].as_str();
  bool case_matters = args.size() >= 3 && args[2].truthy();
  int64_t skip = args.size() >= 4 ? args[3].as_int() : 0;
  if (skip < 0) raise(E_INVARG);
  if (uint64_t(skip) > src.size()) return integer(0);
  src = src.substr(size_t(skip));
  if (what.size() > src.size()) return integer(0);
  for (size_t i = 0; i + what.size() <= src.size(); ++i)
    if (at(src, i, what, case_matters)) return integer(int64_t(i) + 1);
  return integer(0);
}

// rindex(subject, what [, case-matters [, skip]]): the last occurrence;
// rindex(s, "") is length(s) + 1. ToastStunt's `skip' must be <= 0 and
// ignores that many characters at the end.
Value bf_rindex(BuiltinContext&, std::span<Value> args) {
  std::string_view src = args[0].as_str(), what = args[1].as_str();
  bool case_matters = args.size() >= 3 && args[2].truthy();
  int64_t skip = args.size() >= 4 ? args[3].as_int() : 0;
  if (skip > 0) raise(E_INVARG);
  uint64_t cut = skip == INT64_MIN ? UINT64_MAX : uint64_t(-skip);
  if (cut > src.size()) return integer(0);
  src = src.substr(0, src.size() - size_t(cut));
  if (what.size() > src.size()) return integer(0);
  for (size_t i = src.size() - what.size() + 1; i-- > 0;)
    if (at(src, i, what, case_matters)) return integer(int64_t(i) + 1);
  return integer(0);
}

Value bf_strcmp(BuiltinContext&, std::span<Value> args) {
  int c = args[0].as_str().compare(args[1].as_str());
  return integer(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

// strtr(subject, from, to [, case-matters]) (ToastStunt): each character of
// `from' is replaced by the character at the same position in `to', or
// deleted when `to' is shorter; later duplicates in `from' win. Unless case
// matters, a letter in `from' matches both cases and maps to the
// corresponding case of its replacement.
Value bf_strtr(BuiltinContext&, std::span<Value> args) {
  std::string_view src = args[0].as_str(), from = args[1].as_str(), to = args[2].as_str();
  bool case_matters = args.size() >= 4 && args[3].truthy();
  int table[256];
  for (int i = 0; i < 256; ++i) table[i] = i;
  auto is_alpha = [](unsigned char c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; };
  for (size_t i = 0; i < from.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(from[i]);
    bool has = i < to.size();
    unsigned char t = has ? static_cast<unsigned char>(to[i]) : 0;
    if (!case_matters && is_alpha(c)) {
      table[upper(c)] = has ? upper(t) : -1;
      table[lower(c)] = has ? lower(t) : -1;
    } else {
      table[c] = has ? t : -1;
    }
  }
  std::string out;
  out.reserve(src.size());
  for (char ch : src) {
    int t = table[static_cast<unsigned char>(ch)];
    if (t >= 0) out += char(t);
  }
  return str(out);
}

// explode(subject [, delimiter [, adjacent]]) (ToastStunt): split on the
// first character of the delimiter (a space if absent or empty). Without
// `adjacent' empty pieces are dropped (strtok); with it they are kept (strsep).
Value bf_explode(BuiltinContext&, std::span<Value> args) {
  std::string_view s = args[0].as_str();
  char delim = ' ';
  if (args.size() >= 2 && !args[1].as_str().empty()) delim = args[1].as_str()[0];
  bool adjacent = args.size() >= 3 && args[2].truthy();
  std::vector<Value> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == delim) {
      if (adjacent || i > start) {
        parts.push_back(Value::str(s.substr(start, i - start)));
        check_list_length(parts.size());
      }
      start = i + 1;
    }
  }
  return list_from(parts);
}

bool printable(unsigned char c) { return c > 0x20 && c < 0x7f; }  // isgraph, C locale

Value bf_decode_binary(BuiltinContext&, std::span<Value> args) {
  std::string raw;
  if (!binary_to_raw(args[0].as_str(), &raw)) raise(E_INVARG);
  bool fully = args.size() >= 2 && args[1].truthy();
  std::vector<Value> out;
  if (fully) {
    check_list_length(raw.size());
    out.reserve(raw.size());
    for (unsigned char c : raw) out.push_back(integer(c));
    return list_from(out);
  }
  std::string run;
  bool in_string = false;
  for (unsigned char c : raw) {
    if (printable(c) || c == ' ' || c == '\t') {
      run += char(c);
      in_string = true;
    } else {
      if (in_string) out.push_back(Value::str(run));
      run.clear();
      in_string = false;
      out.push_back(integer(c));
    }
  }
  if (in_string) out.push_back(Value::str(run));
  return list_from(out);
}

// encode_binary(arg, ...): integers 0..255 are bytes, strings their own
// characters, lists are flattened; anything else is E_INVARG.
Value bf_encode_binary(BuiltinContext&, std::span<Value> args) { return str(raw_to_binary(flatten_bytes(args, 0, 255))); }

}  // namespace

std::string flatten_bytes(std::span<Value> args, int64_t lo, int64_t hi) {
  std::string raw;
  std::vector<std::pair<const Value*, uint32_t>> stack;  // explicit: lists may nest deeply
  for (const Value& a : args) {
    stack.push_back({&a, 0});
    while (!stack.empty()) {
      auto& [v, idx] = stack.back();
      if (v->is_list()) {
        if (idx >= v->list_len()) {
          stack.pop_back();
        } else {
          const Value* child = &v->list_at(idx++);
          stack.push_back({child, 0});
        }
        continue;
      }
      if (v->is_int()) {
        if (v->as_int() < lo || v->as_int() > hi) raise(E_INVARG);
        raw += char(v->as_int());
      } else if (v->is_str()) {
        raw.append(v->as_str());
      } else {
        raise(E_INVARG);
      }
      check_string_length(raw.size());
      stack.pop_back();
    }
  }
  return raw;
}

bool binary_to_raw(std::string_view b, std::string* out) {
  out->clear();
  for (size_t i = 0; i < b.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(b[i]);
    if (c != '~') {
      *out += char(c);
      continue;
    }
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      if (++i >= b.size()) return false;
      unsigned char h = upper(static_cast<unsigned char>(b[i]));
      if (h >= '0' && h <= '9') v = v * 16 + (h - '0');
      else if (h >= 'A' && h <= 'F') v = v * 16 + (h - 'A' + 10);
      else return false;
    }
    *out += char(v);
  }
  return true;
}

std::string raw_to_binary(std::string_view raw) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if (c != '~' && (printable(c) || c == ' ')) {
      out += char(c);
    } else {
      out += '~';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace echo::bi

namespace echo {

void register_string_builtins(Builtins& b) {
  using namespace bi;
  using A = ArgType;
  b.add({"strsub", 3, 4, {A::Str, A::Str, A::Str, A::Any}, bf_strsub});
  b.add({"index", 2, 4, {A::Str, A::Str, A::Any, A::Int}, bf_index});
  b.add({"rindex", 2, 4, {A::Str, A::Str, A::Any, A::Int}, bf_rindex});
  b.add({"strcmp", 2, 2, {A::Str, A::Str}, bf_strcmp});
  b.add({"strtr", 3, 4, {A::Str, A::Str, A::Str, A::Any}, bf_strtr});
  b.add({"explode", 1, 3, {A::Str, A::Str, A::Int}, bf_explode});
  b.add({"decode_binary", 1, 2, {A::Str, A::Any}, bf_decode_binary});
  b.add({"encode_binary", 0, -1, {}, bf_encode_binary});
  register_regex_builtins(b);
}

}  // namespace echo
