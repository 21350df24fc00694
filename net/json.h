// JSON for the web layer (HTTP API and WebSocket, issue 15): a small
// document type, a strict bounded parser and writer, and the one mapping
// between Echo values and JSON (docs/web.md, "Values in JSON").
//
// Depends only on lang/ values and the standard library: no CAF, RocksDB or
// CivetWeb, so handlers and their tests can use it without a server.
//
// This is not the parse_json()/generate_json() builtins (lang/builtins/
// json.cpp): those follow ToastStunt's lossy conventions for MOO code; this
// mapping is reversible and is what clients of the web API see.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "lang/value.h"

namespace echo::net {

// Thrown by Json's typed accessors, by to_json() and by from_json(). path()
// says where (empty: the whole value or document); what() is
// "path: message", or the message alone when the path is empty.
class JsonError : public std::runtime_error {
 public:
  JsonError(std::string path, std::string message);
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }

 private:
  std::string path_;
  std::string message_;
};

// A JSON document: null, bool, integer, double, string, array or object.
// Objects keep their members in insertion order; the parser refuses
// duplicate keys, set() replaces, and direct edits of as_object() are the
// caller's to keep unique. Strings hold UTF-8 (dump() replaces invalid
// bytes with U+FFFD so its output is always valid JSON).
//
// Copying copies the whole tree. Destruction and dump() recurse, so a
// document is expected to be as shallow as the parser and to_json() make
// them (JsonLimits::max_depth); do not build one 100000 levels deep by hand.
class Json {
 public:
  enum class Kind : uint8_t { Null, Bool, Int, Double, String, Array, Object };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : v_(b) {}
  // Any integer but bool and the character types (a char is not a number
  // here). Unsigned values past INT64_MAX become doubles.
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, char8_t>)
  Json(T i) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
      if (i > uint64_t(INT64_MAX)) { v_ = double(i); return; }
    }
    v_ = int64_t(i);
  }
  Json(double d) : v_(d) {}
  Json(const char* s) : v_(std::string(s)) {}
  Json(std::string_view s) : v_(std::string(s)) {}
  Json(std::string s) : v_(std::move(s)) {}
  Json(Array a) : v_(std::move(a)) {}
  Json(Object o) : v_(std::move(o)) {}

  // Json::array({1, "two"}), Json::object({{"name", "x"}, {"id", 12}}).
  static Json array(std::initializer_list<Json> items = {}) { return Json(Array(items)); }
  static Json object(std::initializer_list<Member> members = {}) { return Json(Object(members)); }

  Kind kind() const { return Kind(v_.index()); }
  static const char* kind_name(Kind k);  // "null", "a boolean", "an integer", ...
  bool is_null() const { return kind() == Kind::Null; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_double() const { return kind() == Kind::Double; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_array() const { return kind() == Kind::Array; }
  bool is_object() const { return kind() == Kind::Object; }

  // Typed reads. Each throws JsonError("expected an integer, got a string")
  // when the document holds another kind. as_double() also takes an
  // integer (JSON has one number type); as_int() takes only an integer.
  bool as_bool() const;
  int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Elements of an array or members of an object; throws for other kinds.
  size_t size() const;
  // The member named key, or nullptr when absent; throws if not an object.
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  // The member named key / the element at i; throws JsonError when absent
  // ("missing member \"name\"", "index 3 out of range (size 2)") or when
  // this is not an object / array.
  const Json& operator[](std::string_view key) const;
  const Json& operator[](size_t i) const;

  // Builders. Both turn a null into an empty object / array first and throw
  // for any other kind. set() replaces an existing member in place.
  Json& set(std::string key, Json value);
  Json& push_back(Json value);

  // Compact JSON text. Doubles are written shortest-round-trip and always
  // with a '.' or an exponent ("2.0", "1e+300", "-0.0"), so they read back
  // as doubles; a NaN or infinity, which JSON cannot express, is written as
  // null (as JavaScript's JSON.stringify does; to_json() never makes one).
  // Strings: '"' and '\\' escaped, \b \f \n \r \t for those controls and
  // \u00XX for the other ones below 0x20, everything else passed through.
  std::string dump() const;

  // Structural equality; an integer never equals a double, and object
  // members compare in order.
  friend bool operator==(const Json&, const Json&) = default;

 private:
  // Alternatives in Kind's order: kind() is the index.
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

// Bounds of the parser, against hostile input. The parser itself is
// iterative, but a Json's destructor, copy and dump() recurse once per
// level: keep max_depth in the thousands at most.
struct JsonLimits {
  size_t max_depth = 128;      // nested arrays and objects ("[]" is 1 deep)
  size_t max_size = 1 << 20;   // bytes of text
};

// Where and why a text is not JSON. line and column are 1-based; column
// counts characters (UTF-8 sequences) from the start of the line, offset is
// the 0-based byte offset.
struct JsonParseError {
  size_t offset = 0;
  size_t line = 1;
  size_t column = 1;
  std::string message;
  std::string describe() const;  // "line 3, column 7: unterminated string"
};

struct JsonParse {
  Json value;            // the document, when ok()
  JsonParseError error;  // the first error, when !ok()
  bool failed = false;
  bool ok() const { return !failed; }
  explicit operator bool() const { return ok(); }
};

// Parses one JSON text, strictly (RFC 8259): UTF-8 checked, no comments,
// no trailing commas, no leading zeros, nothing after the document but
// whitespace, no byte order mark; duplicate object keys are an error; a
// \uXXXX escape for a surrogate must be part of a pair. Integers that fit
// int64 are Kind::Int; a number with a fraction or an exponent, or one past
// int64, is Kind::Double (one past the double range is an error; one too
// small for it is 0.0). Never throws for bad input (only std::bad_alloc),
// and runs in constant stack space whatever the depth.
JsonParse parse_json(std::string_view text, const JsonLimits& limits = {});

// Whether s is well-formed UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF).
bool valid_utf8(std::string_view s);

// ---- Echo values in JSON ----------------------------------------------------
//
// The mapping (docs/web.md, "Values in JSON"):
//   INT 12            <-> 12                FLOAT 2.0    <-> 2.0 (in: also {"float": 2})
//   STR "a"           <-> "a"               STR not UTF-8 <-> {"bytes": "<base64>"}
//   OBJ #12           <-> {"obj": 12}       (in: also {"obj": "#12"})
//   ERR E_PERM        <-> {"error": "E_PERM"}
//   BOOL, null        <-> true/false, null  LIST          <-> array
//   MAP, string keys  <-> object            other MAP     <-> {"map": [[k, v], ...]}
// A one-member object whose key is a tag ("obj", "error", "float", "bytes",
// "map", "unsupported") is always read as that tag, so a map that would
// print as one (["obj" -> 1]) is written in the {"map": ...} form instead.
// Keys of a MOO map ignore case, so {"a": 1, "A": 2} is an input error.

enum class Unsupported {
  Refuse,       // throw JsonError naming the type and where it was
  Placeholder,  // write {"unsupported": "function"} (from_json refuses it)
};

struct ToJsonOptions {
  // The deepest JSON to make, counting the tagged forms' own levels (a
  // non-string-keyed map adds three); deeper values are refused. It also
  // bounds to_json's recursion: Echo values can nest 1,000,000 deep.
  size_t max_depth = JsonLimits{}.max_depth;
  Unsupported unsupported = Unsupported::Refuse;
};

// A value as JSON. Throws JsonError for what has no JSON form: functions
// and internal values (CLEAR, NONE, cells) unless options.unsupported is
// Placeholder, and always for values nested past options.max_depth. Also
// under Refuse: a FLOAT NaN or infinity and an ERR code without a name.
// The path is a MOO index expression into v: "[3][\"name\"]" (1-based).
Json to_json(const Value& v, const ToJsonOptions& options = {});

// The value a JSON document stands for. Throws JsonError for a malformed
// tagged form, an unknown error name, a list or map as a map key, two keys
// that are one MOO key, or a value past the task's value limits
// (lang/limits.h: value_limits()). The path is into the document, 0-based,
// and starts with `where` (say "args"): "args[2].map[0]". Recurses once per
// level of j (see Json on depth).
Value from_json(const Json& j, std::string_view where = {});

}  // namespace echo::net
