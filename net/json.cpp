// The JSON document, its parser and its writer (net/json.h). The mapping
// of Echo values is in json_value.cpp.
#include "net/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

namespace echo::net {

namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 (RFC 3629's table:
// no overlong forms, no surrogates, nothing past U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
  if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
  if (c == 0xED && c1 > 0x9F) return 0;  // U+D800..U+DFFF
  if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
  if (c == 0xF4 && c1 > 0x8F) return 0;  // past U+10FFFF
  return n;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

constexpr char kHex[] = "0123456789ABCDEF";

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD: the output must stay valid UTF-8
        ++i;
      } else {
        out.append(s, i, n);
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
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

void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back exactly
  std::string_view text(buf, size_t(r.ptr - buf));
  out += text;
  // "2" would read back as an integer.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_json(std::string& out, const Json& j) {
  switch (j.kind()) {
    case Json::Kind::Null: out += "null"; break;
    case Json::Kind::Bool: out += j.as_bool() ? "true" : "false"; break;
    case Json::Kind::Int: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, j.as_int());
      out.append(buf, r.ptr);
      break;
    }
    case Json::Kind::Double: append_double(out, j.as_double()); break;
    case Json::Kind::String: append_string(out, j.as_string()); break;
    case Json::Kind::Array: {
      out += '[';
      bool first = true;
      for (const Json& e : j.as_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, e);
      }
      out += ']';
      break;
    }
    case Json::Kind::Object: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : j.as_object()) {
        if (!first) out += ',';
        first = false;
        append_string(out, k);
        out += ':';
        append_json(out, v);
      }
      out += '}';
      break;
    }
  }
}

// A key or a bad character quoted for a message, cut short when long.
std::string quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out;
  append_string(out, s.substr(0, kMax));
  if (s.size() > kMax) out.insert(out.size() - 1, "...");
  return out;
}

}  // namespace

// ---- Json ---------------------------------------------------------------

JsonError::JsonError(std::string path, std::string message)
    : std::runtime_error(path.empty() ? message : path + ": " + message),
      path_(std::move(path)),
      message_(std::move(message)) {}

const char* Json::kind_name(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "a boolean";
    case Kind::Int: return "an integer";
    case Kind::Double: return "a number";
    case Kind::String: return "a string";
    case Kind::Array: return "an array";
    case Kind::Object: return "an object";
  }
  return "?";
}

namespace {
[[noreturn]] void wrong_kind(Json::Kind expected, Json::Kind got) {
  throw JsonError("", std::string("expected ") + Json::kind_name(expected) + ", got " + Json::kind_name(got));
}
}  // namespace

bool Json::as_bool() const {
  if (!is_bool()) wrong_kind(Kind::Bool, kind());
  return std::get<bool>(v_);
}

int64_t Json::as_int() const {
  if (!is_int()) wrong_kind(Kind::Int, kind());
  return std::get<int64_t>(v_);
}

double Json::as_double() const {
  if (is_int()) return double(std::get<int64_t>(v_));
  if (!is_double()) wrong_kind(Kind::Double, kind());
  return std::get<double>(v_);
}

const std::string& Json::as_string() const {
  if (!is_string()) wrong_kind(Kind::String, kind());
  return std::get<std::string>(v_);
}

const Json::Array& Json::as_array() const {
  if (!is_array()) wrong_kind(Kind::Array, kind());
  return std::get<Array>(v_);
}

Json::Array& Json::as_array() {
  if (!is_array()) wrong_kind(Kind::Array, kind());
  return std::get<Array>(v_);
}

const Json::Object& Json::as_object() const {
  if (!is_object()) wrong_kind(Kind::Object, kind());
  return std::get<Object>(v_);
}

Json::Object& Json::as_object() {
  if (!is_object()) wrong_kind(Kind::Object, kind());
  return std::get<Object>(v_);
}

size_t Json::size() const {
  if (is_array()) return std::get<Array>(v_).size();
  if (is_object()) return std::get<Object>(v_).size();
  throw JsonError("", std::string("expected an array or an object, got ") + kind_name(kind()));
}

const Json* Json::find(std::string_view key) const {
  for (const Member& m : as_object())
    if (m.first == key) return &m.second;
  return nullptr;
}

Json* Json::find(std::string_view key) {
  return const_cast<Json*>(std::as_const(*this).find(key));
}

const Json& Json::operator[](std::string_view key) const {
  const Json* j = find(key);
  if (!j) throw JsonError("", "missing member " + quoted(key));
  return *j;
}

const Json& Json::operator[](size_t i) const {
  const Array& a = as_array();
  if (i >= a.size())
    throw JsonError("", "index " + std::to_string(i) + " out of range (size " + std::to_string(a.size()) + ")");
  return a[i];
}

Json& Json::set(std::string key, Json value) {
  if (is_null()) v_ = Object{};
  if (Json* j = find(key))
    *j = std::move(value);
  else
    as_object().emplace_back(std::move(key), std::move(value));
  return *this;
}

Json& Json::push_back(Json value) {
  if (is_null()) v_ = Array{};
  as_array().push_back(std::move(value));
  return *this;
}

std::string Json::dump() const {
  std::string out;
  append_json(out, *this);
  return out;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// ---- Parsing --------------------------------------------------------------

std::string JsonParseError::describe() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

namespace {

// Thrown inside the parser only; parse_json() turns it into a JsonParseError.
struct ParseFailure {
  size_t at;
  std::string message;
};

// Iterative: the containers being filled are on `stack_`, not on the C++
// stack, so nesting costs heap memory bounded by max_depth.
class Parser {
 public:
  Parser(std::string_view text, const JsonLimits& limits) : in_(text), limits_(limits) {}

  Json run() {
    if (in_.size() > limits_.max_size)
      fail(limits_.max_size, "the text is larger than the limit of " + std::to_string(limits_.max_size) + " bytes");
    if (in_.starts_with("\xEF\xBB\xBF")) fail(0, "a byte order mark is not allowed before JSON text");
    for (;;) {
      // Read a value: a scalar, or the opening of a container.
      skip_ws();
      Json v;
      char c = pos_ < in_.size() ? in_[pos_] : '\0';
      if (c == '[' || c == '{') {
        if (stack_.size() >= limits_.max_depth)
          fail(pos_, "nested deeper than the limit of " + std::to_string(limits_.max_depth) + " levels");
        ++pos_;
        stack_.push_back({c == '[' ? Json(Json::Array{}) : Json(Json::Object{}), {}, {}});
        skip_ws();
        if (!at(c == '[' ? ']' : '}')) {
          if (c == '{') read_key();
          continue;  // read the first element
        }
        ++pos_;
        v = std::move(stack_.back().value);
        stack_.pop_back();
      } else {
        v = scalar();
      }
      // v is whole: store it, and close each container that ends after it.
      for (;;) {
        if (stack_.empty()) {
          skip_ws();
          if (pos_ < in_.size()) fail(pos_, "trailing characters after the document");
          return v;
        }
        Frame& f = stack_.back();
        bool object = f.value.is_object();
        char close = object ? '}' : ']';
        if (object)
          f.value.as_object().emplace_back(std::move(f.key), std::move(v));
        else
          f.value.as_array().push_back(std::move(v));
        skip_ws();
        if (at(',')) {
          size_t comma = pos_++;
          skip_ws();
          if (at(close)) fail(comma, "trailing commas are not allowed");
          if (object) read_key();
          break;  // read the next element
        }
        if (!at(close)) {
          fail(pos_, object ? "expected ',' or '}' after an object member"
                            : "expected ',' or ']' after an array element");
        }
        ++pos_;
        if (object) check_duplicates(f);
        v = std::move(f.value);
        stack_.pop_back();
      }
    }
  }

 private:
  struct Frame {
    Json value;                       // the array or object being filled
    std::string key;                  // object: the key of the member being read
    std::vector<size_t> key_offsets;  // object: where each member's key starts
  };

  [[noreturn]] void fail(size_t at, std::string message) { throw ParseFailure{at, std::move(message)}; }

  bool at(char c) const { return pos_ < in_.size() && in_[pos_] == c; }

  void skip_ws() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }

  // What stands at pos_, for "expected ..., found ..." messages.
  std::string found() const {
    if (pos_ >= in_.size()) return "the end of the text";
    unsigned char c = static_cast<unsigned char>(in_[pos_]);
    if (c > 0x20 && c < 0x7F) return std::string("'") + char(c) + "'";
    return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
  }

  // A key, the ':' after it, and the whitespace before the value.
  void read_key() {
    skip_ws();
    if (!at('"')) fail(pos_, "expected a string as an object key, found " + found());
    Frame& f = stack_.back();
    f.key_offsets.push_back(pos_);
    f.key = string();
    skip_ws();
    if (!at(':')) fail(pos_, "expected ':' after an object key, found " + found());
    ++pos_;
  }

  // Sorting finds any duplicate in O(n log n); the error names the first
  // key, in text order, that repeats an earlier one.
  void check_duplicates(const Frame& f) {
    const Json::Object& members = f.value.as_object();
    if (members.size() < 2) return;
    std::vector<size_t> order(members.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return members[a].first < members[b].first; });
    size_t first = members.size();
    for (size_t i = 1; i < order.size(); ++i)
      if (members[order[i]].first == members[order[i - 1]].first) first = std::min(first, order[i]);
    if (first < members.size()) fail(f.key_offsets[first], "duplicate object key " + quoted(members[first].first));
  }

  Json scalar() {
    char c = pos_ < in_.size() ? in_[pos_] : '\0';
    if (c == '"') return Json(string());
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (c == 't' || c == 'f' || c == 'n') {
      for (std::string_view word : {"true", "false", "null"}) {
        if (in_.substr(pos_, word.size()) == word) {
          pos_ += word.size();
          return word == "null" ? Json() : Json(word == "true");
        }
      }
      fail(pos_, "invalid literal (expected true, false or null)");
    }
    if (c == '/') fail(pos_, "comments are not allowed in JSON");
    if (c == '\'') fail(pos_, "strings must be in double quotes");
    fail(pos_, "expected a JSON value, found " + found());
  }

  bool digit() const { return pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9'; }

  Json number() {
    size_t start = pos_;
    if (at('-')) {
      ++pos_;
      if (!digit()) fail(pos_, "expected a digit after '-'");
    }
    size_t int_start = pos_;
    if (at('0')) {
      ++pos_;
      if (digit()) fail(start, "numbers must not have leading zeros");
    } else {
      while (digit()) ++pos_;
    }
    size_t int_end = pos_;
    bool integral = true;
    if (at('.')) {
      ++pos_;
      if (!digit()) fail(pos_, "expected a digit after the decimal point");
      while (digit()) ++pos_;
      integral = false;
    }
    size_t mantissa_end = pos_;
    if (at('e') || at('E')) {
      ++pos_;
      if (at('+') || at('-')) ++pos_;
      if (!digit()) fail(pos_, "expected a digit in the exponent");
      while (digit()) ++pos_;
      integral = false;
    }
    const char* first = in_.data() + start;
    const char* last = in_.data() + pos_;
    if (integral) {
      int64_t i;
      if (std::from_chars(first, last, i).ec == std::errc()) return Json(i);
      // Past int64: a double, below.
    }
    double d;
    if (std::from_chars(first, last, d).ec == std::errc()) return Json(d);
    // from_chars says "out of range" both for too large and for too small
    // (a value that rounds to zero); the decimal exponent tells which.
    if (decimal_exponent(int_start, int_end, mantissa_end) < 0) return Json(in_[start] == '-' ? -0.0 : 0.0);
    fail(start, "number is too large for a double");
  }

  // The power of ten of the number's first significant digit (saturated).
  int64_t decimal_exponent(size_t int_start, size_t int_end, size_t mantissa_end) const {
    int64_t e = 0;
    if (mantissa_end < pos_) {
      size_t p = mantissa_end + 1;
      bool negative = in_[p] == '-';
      if (in_[p] == '-' || in_[p] == '+') ++p;
      for (; p < pos_; ++p) e = std::min<int64_t>(e * 10 + (in_[p] - '0'), int64_t(1) << 40);
      if (negative) e = -e;
    }
    // Position of the first non-zero digit relative to the decimal point.
    int64_t place = int64_t(int_end - int_start) - 1;
    for (size_t p = int_start; p < mantissa_end; ++p) {
      if (in_[p] == '.') continue;
      if (in_[p] != '0') return e + place;
      --place;
    }
    return -1;  // all zeros (from_chars does not fail on those)
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits at p, or -1.
  int32_t hex4(size_t p) const {
    if (p + 4 > in_.size()) return -1;
    int32_t v = 0;
    for (size_t k = p; k < p + 4; ++k) {
      int h = hex_digit(in_[k]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v;
  }

  std::string string() {
    size_t open = pos_++;
    std::string out;
    for (;;) {
      // Copy the run of plain characters in one go.
      size_t run = pos_;
      while (run < in_.size()) {
        unsigned char c = static_cast<unsigned char>(in_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out.append(in_, pos_, run - pos_);
      pos_ = run;
      if (pos_ >= in_.size()) fail(open, "unterminated string");
      unsigned char c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) {
        fail(pos_, std::string("control character U+00") + kHex[c >> 4] + kHex[c & 15] +
                       " must be escaped in a string");
      }
      if (c >= 0x80) {
        size_t n = utf8_sequence(in_, pos_);
        if (n == 0) fail(pos_, "invalid UTF-8 in a string");
        out.append(in_, pos_, n);
        pos_ += n;
        continue;
      }
      escape(out, open);
    }
  }

  // A backslash escape at pos_, in the string opened at `open`.
  void escape(std::string& out, size_t open) {
    size_t start = pos_++;  // the backslash
    if (pos_ >= in_.size()) fail(open, "unterminated string");
    char e = in_[pos_++];
    switch (e) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: {
        unsigned char u = static_cast<unsigned char>(e);
        std::string what = u > 0x20 && u < 0x7F ? std::string("\\") + e
                                                : std::string("\\ before byte 0x") + kHex[u >> 4] + kHex[u & 15];
        fail(start, "invalid escape " + what + " (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
      }
    }
    int32_t cp = hex4(pos_);
    if (cp < 0) fail(start, "invalid \\u escape (expected four hex digits)");
    pos_ += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail(start, "invalid \\u escape: a low surrogate without a high one");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      int32_t low = in_.substr(pos_, 2) == "\\u" ? hex4(pos_ + 2) : -1;
      if (low < 0xDC00 || low > 0xDFFF)
        fail(start, "invalid \\u escape: a high surrogate must be followed by a \\u escape of a low one");
      pos_ += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, uint32_t(cp));
  }

  std::string_view in_;
  const JsonLimits& limits_;
  size_t pos_ = 0;
  std::vector<Frame> stack_;
};

}  // namespace

JsonParse parse_json(std::string_view text, const JsonLimits& limits) {
  JsonParse r;
  try {
    r.value = Parser(text, limits).run();
  } catch (ParseFailure& f) {
    r.failed = true;
    r.error.offset = f.at;
    r.error.message = std::move(f.message);
    // Lines end at LF; a column counts the bytes that start a character.
    std::string_view before = text.substr(0, f.at);
    size_t nl = before.rfind('\n');
    r.error.line = 1 + size_t(std::count(before.begin(), before.end(), '\n'));
    std::string_view line = nl == std::string_view::npos ? before : before.substr(nl + 1);
    r.error.column = 1 + size_t(std::count_if(line.begin(), line.end(), [](char c) {
                       return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                     }));
  }
  return r;
}

}  // namespace echo::net
