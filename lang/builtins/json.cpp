// parse_json() and generate_json(), as ToastStunt (src/json.cc with its
// modified yajl).
//
// Modes: "common-subset" (default) maps JSON strings and numbers to MOO
// strings and numbers and writes OBJ and ERR values as their literal text
// ("#12", "E_TYPE"); "embedded-types" suffixes such strings with their type
// ("#12|obj", "5|int", "1.5|float", "E_TYPE|err", "x|str") and reads them
// back. null reads as E_NONE, true/false as BOOL. Like ToastStunt's yajl,
// control characters travel as MOO binary escapes: a JSON "\n" reads as
// "~0A" and a MOO "~0A" is written as "\n"; "\uXXXX" reads as the "~XX"
// escapes of its UTF-8 bytes; "\~" in a MOO string writes a literal "~".
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

constexpr int kMaxDepth = 128;  // yajl's YAJL_MAX_DEPTH

enum class Mode { Common, Embedded };

bool parse_mode(std::span<Value> args, Mode* mode) {
  *mode = Mode::Common;
  if (args.size() < 2) return true;
  std::string_view m = args[1].as_str();
  if (compare_ci(m, "common-subset") == 0) return true;
  if (compare_ci(m, "embedded-types") == 0) {
    *mode = Mode::Embedded;
    return true;
  }
  return false;
}

// The type suffix of an embedded-types string, or None.
Type suffix_type(std::string_view s, size_t* stem) {
  struct S { const char* suffix; size_t len; Type type; };
  static const S kSuffixes[] = {{"|obj", 4, Type::Obj},     {"|int", 4, Type::Int},
                                {"|float", 6, Type::Float}, {"|err", 4, Type::Err},
                                {"|str", 4, Type::Str}};
  for (const S& x : kSuffixes) {
    if (s.size() >= x.len && s.substr(s.size() - x.len) == x.suffix) {
      *stem = s.size() - x.len;
      return x.type;
    }
  }
  return Type::None;
}

// ---- parsing

struct Parser {
  std::string_view in;
  size_t pos = 0;
  Mode mode;
  int depth = 0;
  bool comments = true;  // yajl's allow_comments: parse_json() yes, curl() no

  bool fail() { return false; }

  bool skip_ws() {
    for (;;) {
      while (pos < in.size() && (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' ||
                                 in[pos] == '\r' || in[pos] == '\v' || in[pos] == '\f'))
        ++pos;
      if (!comments) return true;
      if (pos + 1 < in.size() && in[pos] == '/' && in[pos + 1] == '*') {
        size_t e = in.find("*/", pos + 2);
        if (e == std::string_view::npos) return false;
        pos = e + 2;
      } else if (pos + 1 < in.size() && in[pos] == '/' && in[pos + 1] == '/') {
        size_t e = in.find('\n', pos + 2);
        pos = e == std::string_view::npos ? in.size() : e + 1;
      } else {
        return true;
      }
    }
  }

  static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(size_t at, unsigned* out) {
    if (at + 4 > in.size()) return false;
    unsigned v = 0;
    for (size_t i = at; i < at + 4; ++i) {
      int h = hexval(in[i]);
      if (h < 0) return false;
      v = v * 16 + unsigned(h);
    }
    *out = v;
    return true;
  }

  static void tilde_byte(std::string& out, unsigned b) {
    static const char kHex[] = "0123456789ABCDEF";
    out += '~';
    out += kHex[(b >> 4) & 15];
    out += kHex[b & 15];
  }

  // Length of a valid UTF-8 sequence starting at i, or 0.
  size_t utf8_len(size_t i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (!n || i + n > in.size()) return 0;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(in[i + k]) & 0xC0) != 0x80) return 0;
    unsigned char c1 = static_cast<unsigned char>(in[i + 1]);
    if (c == 0xE0 && c1 < 0xA0) return 0;
    if (c == 0xED && c1 > 0x9F) return 0;
    if (c == 0xF0 && c1 < 0x90) return 0;
    if (c == 0xF4 && c1 > 0x8F) return 0;
    return n;
  }

  bool string(std::string* out) {
    ++pos;  // opening quote
    out->clear();
    for (;;) {
      if (pos >= in.size()) return false;
      unsigned char c = static_cast<unsigned char>(in[pos]);
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        size_t n = utf8_len(pos);
        if (!n) return false;
        out->append(in.substr(pos, n));
        pos += n;
        continue;
      }
      if (c != '\\') {
        *out += char(c);
        ++pos;
        continue;
      }
      if (++pos >= in.size()) return false;
      char e = in[pos++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += "~08"; break;
        case 'f': *out += "~0C"; break;
        case 'n': *out += "~0A"; break;
        case 'r': *out += "~0D"; break;
        case 't': *out += '\t'; break;
        case 'u': {
          unsigned cp;
          if (!hex4(pos, &cp)) return false;
          pos += 4;
          if ((cp & 0xFC00) == 0xD800) {
            unsigned low;
            if (pos + 1 < in.size() && in[pos] == '\\' && in[pos + 1] == 'u') {
              if (!hex4(pos + 2, &low)) return false;
              pos += 6;
              cp = ((cp & 0x3F) << 10) | ((((cp >> 6) & 0xF) + 1) << 16) | (low & 0x3FF);
            } else {
              // ToastStunt's decoder writes '?' and skips the next character.
              *out += '?';
              if (pos < in.size() && in[pos] != '"') ++pos;
              break;
            }
          }
          if (cp < 0x80) {
            tilde_byte(*out, cp);
          } else if (cp < 0x800) {
            tilde_byte(*out, (cp >> 6) | 0xC0);
            tilde_byte(*out, (cp & 0x3F) | 0x80);
          } else if (cp < 0x10000) {
            tilde_byte(*out, (cp >> 12) | 0xE0);
            tilde_byte(*out, ((cp >> 6) & 0x3F) | 0x80);
            tilde_byte(*out, (cp & 0x3F) | 0x80);
          } else if (cp < 0x200000) {
            tilde_byte(*out, (cp >> 18) | 0xF0);
            tilde_byte(*out, ((cp >> 12) & 0x3F) | 0x80);
            tilde_byte(*out, ((cp >> 6) & 0x3F) | 0x80);
            tilde_byte(*out, (cp & 0x3F) | 0x80);
          } else {
            *out += '?';
          }
          break;
        }
        default:
          return false;
      }
      check_string_length(out->size());
    }
  }

  // A decoded JSON string as a MOO value (typed in embedded mode).
  Value string_value(const std::string& s) {
    size_t stem = 0;
    Type t = mode == Mode::Embedded ? suffix_type(s, &stem) : Type::None;
    std::string v = s.substr(0, t == Type::None ? s.size() : stem);
    switch (t) {
      case Type::Obj: {
        const char* b = v.c_str();
        if (*b == '#') ++b;
        return Value::obj(std::strtoll(b, nullptr, 10));
      }
      case Type::Int:
        return Value::integer(std::strtoll(v.c_str(), nullptr, 10));
      case Type::Float: {
        double d = std::strtod(v.c_str(), nullptr);
        if (!std::isfinite(d)) raise(E_INVARG);
        return Value::flt(d);
      }
      case Type::Err: {
        Error e = E_NONE;
        if (!error_from_name(v, &e)) e = E_NONE;
        return Value::err(e);
      }
      default:
        return Value::str(v);
    }
  }

  bool number(Value* out) {
    size_t start = pos;
    if (pos < in.size() && in[pos] == '-') ++pos;
    if (pos >= in.size()) return false;
    if (in[pos] == '0') {
      ++pos;
    } else if (in[pos] >= '1' && in[pos] <= '9') {
      while (pos < in.size() && in[pos] >= '0' && in[pos] <= '9') ++pos;
    } else {
      return false;
    }
    bool is_int = true;
    if (pos < in.size() && in[pos] == '.') {
      is_int = false;
      ++pos;
      size_t d = pos;
      while (pos < in.size() && in[pos] >= '0' && in[pos] <= '9') ++pos;
      if (pos == d) return false;
    }
    if (pos < in.size() && (in[pos] == 'e' || in[pos] == 'E')) {
      is_int = false;
      ++pos;
      if (pos < in.size() && (in[pos] == '+' || in[pos] == '-')) ++pos;
      size_t d = pos;
      while (pos < in.size() && in[pos] >= '0' && in[pos] <= '9') ++pos;
      if (pos == d) return false;
    }
    std::string text(in.substr(start, pos - start));
    if (is_int) {
      errno = 0;
      long long i = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == 0) {
        *out = Value::integer(i);
        return true;
      }
    }
    errno = 0;
    double d = std::strtod(text.c_str(), nullptr);
    if (errno != 0 || !std::isfinite(d)) return false;
    *out = Value::flt(d);
    return true;
  }

  bool literal(std::string_view word) {
    if (in.substr(pos, word.size()) != word) return false;
    pos += word.size();
    return true;
  }

  bool value(Value* out) {
    if (!skip_ws() || pos >= in.size()) return false;
    char c = in[pos];
    if (c == '{' || c == '[') {
      if (depth >= kMaxDepth) return false;
      ++depth;
      bool ok = c == '{' ? object(out) : array(out);
      --depth;
      return ok;
    }
    if (c == '"') {
      std::string s;
      if (!string(&s)) return false;
      *out = string_value(s);
      return true;
    }
    if (c == 't') { *out = Value::boolean(true); return literal("true"); }
    if (c == 'f') { *out = Value::boolean(false); return literal("false"); }
    if (c == 'n') { *out = Value::err(E_NONE); return literal("null"); }
    return number(out);
  }

  bool array(Value* out) {
    ++pos;
    std::vector<Value> items;
    if (!skip_ws()) return false;
    if (pos < in.size() && in[pos] == ']') {
      ++pos;
      *out = Value::empty_list();
      return true;
    }
    for (;;) {
      Value v;
      if (!value(&v)) return false;
      items.push_back(std::move(v));
      check_list_length(items.size());
      if (!skip_ws() || pos >= in.size()) return false;
      if (in[pos] == ',') { ++pos; continue; }
      if (in[pos] == ']') { ++pos; break; }
      return false;
    }
    *out = list_from(items);
    return true;
  }

  bool object(Value* out) {
    ++pos;
    std::vector<std::pair<Value, Value>> pairs;
    if (!skip_ws()) return false;
    if (pos < in.size() && in[pos] == '}') {
      ++pos;
    } else {
      for (;;) {
        if (!skip_ws() || pos >= in.size() || in[pos] != '"') return false;
        std::string k;
        if (!string(&k)) return false;
        Value key = string_value(k);
        if (!skip_ws() || pos >= in.size() || in[pos] != ':') return false;
        ++pos;
        Value v;
        if (!value(&v)) return false;
        pairs.emplace_back(std::move(key), std::move(v));
        if (!skip_ws() || pos >= in.size()) return false;
        if (in[pos] == ',') { ++pos; continue; }
        if (in[pos] == '}') { ++pos; break; }
        return false;
      }
    }
    // ToastStunt inserts the pairs last to first, each replacing an equal
    // key: for duplicate keys the first one in the text wins.
    Value m = Value::empty_map();
    MapObj* mo = m.map_mut();
    for (size_t i = pairs.size(); i-- > 0;) mo->set(std::move(pairs[i].first), std::move(pairs[i].second));
    check_map_value(m);
    *out = std::move(m);
    return true;
  }
};

Value bf_parse_json(BuiltinContext&, std::span<Value> args) {
  Mode mode;
  if (!parse_mode(args, &mode)) raise(E_INVARG);
  Parser p{args[0].as_str(), 0, mode, 0};
  Value v;
  if (!p.value(&v)) raise(E_INVARG);
  // ToastStunt's yajl stops at the end of the first complete value and
  // ignores what follows: parse_json("12abc") is 12.
  return v;
}

// ---- generation

void encode_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  auto is_xdigit = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  out += '"';
  size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\' && i + 1 < n && s[i + 1] == '~') continue;  // "\~": a raw tilde follows
    if (c == '~' && i + 2 < n && (i == 0 || s[i - 1] != '\\') && (s[i + 1] == '0' || s[i + 1] == '1') &&
        is_xdigit(s[i + 2])) {
      char c1 = s[i + 1], c2 = s[i + 2];
      if (c1 == '0' && c2 == '8') out += "\\b";
      else if (c1 == '0' && (c2 == 'c' || c2 == 'C')) out += "\\f";
      else if (c1 == '0' && (c2 == 'a' || c2 == 'A')) out += "\\n";
      else if (c1 == '0' && (c2 == 'd' || c2 == 'D')) out += "\\r";
      else { out += "\\u00"; out += c1; out += c2; }
      i += 2;
      continue;
    }
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\f': out += "\\f"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 32) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += char(c);
        }
    }
  }
  out += '"';
}

const char* type_suffix(Type t) {
  switch (t) {
    case Type::Obj: return "|obj";
    case Type::Int: return "|int";
    case Type::Float: return "|float";
    case Type::Err: return "|err";
    default: return "|str";
  }
}

struct Generator {
  Mode mode;
  std::string out;

  bool scalar_string(const Value& v) {  // OBJ, INT, FLOAT, ERR as strings (keys, OBJ/ERR values)
    std::string lit = to_literal(v);
    if (mode == Mode::Embedded) lit += type_suffix(v.type());
    encode_string(out, lit);
    return true;
  }

  bool string(std::string_view s) {
    size_t stem;
    if (mode == Mode::Embedded && suffix_type(s, &stem) != Type::None) {
      std::string t(s);
      t += "|str";
      encode_string(out, t);
    } else {
      encode_string(out, s);
    }
    return true;
  }

  bool key(const Value& k) {
    switch (k.type()) {
      case Type::Obj: case Type::Int: case Type::Float: case Type::Err:
        if (k.is_float() && !std::isfinite(k.as_float())) return false;
        return scalar_string(k);
      case Type::Str:
        return string(k.as_str());
      default:
        return false;
    }
  }

  bool value(const Value& v, int depth) {
    check_string_length(out.size());
    switch (v.type()) {
      case Type::Int:
        out += std::to_string(v.as_int());
        return true;
      case Type::Float:
        if (!std::isfinite(v.as_float())) return false;
        out += format_float(v.as_float());
        return true;
      case Type::Obj:
      case Type::Err:
        return scalar_string(v);
      case Type::Str:
        return string(v.as_str());
      case Type::Bool:
        out += v.as_bool() ? "true" : "false";
        return true;
      case Type::Null:
        out += "null";
        return true;
      case Type::List: {
        if (depth + 1 >= kMaxDepth) return false;
        out += '[';
        for (uint32_t i = 0; i < v.list_len(); ++i) {
          if (i) out += ',';
          if (!value(v.list_at(i), depth + 1)) return false;
        }
        out += ']';
        return true;
      }
      case Type::Map: {
        if (depth + 1 >= kMaxDepth) return false;
        out += '{';
        bool first = true;
        for (const auto& [k, val] : v.map_obj()->entries) {
          if (!first) out += ',';
          first = false;
          if (!key(k)) return false;
          out += ':';
          if (!value(val, depth + 1)) return false;
        }
        out += '}';
        return true;
      }
      default:
        return false;
    }
  }
};

Value bf_generate_json(BuiltinContext&, std::span<Value> args) {
  Mode mode;
  if (!parse_mode(args, &mode)) raise(E_INVARG);
  Generator g{mode, {}};
  if (!g.value(args[0], 0)) raise(E_INVARG);
  return str(g.out);
}

}  // namespace

bool json_parse_whole(std::string_view text, Value* out) {
  Parser p{text, 0, Mode::Common, 0, false};
  return p.value(out) && p.skip_ws() && p.pos == text.size();
}

bool json_generate(const Value& v, std::string* out) {
  Generator g{Mode::Common, {}};
  if (!g.value(v, 0)) return false;
  *out = std::move(g.out);
  return true;
}

}  // namespace echo::bi

namespace echo {

void register_json_builtins(Builtins& b) {
  using namespace bi;
  b.add({"parse_json", 1, 2, {ArgType::Str, ArgType::Str}, bf_parse_json});
  b.add({"generate_json", 1, 2, {ArgType::Any, ArgType::Str}, bf_generate_json});
}

}  // namespace echo
